# The output holds the chosen columns: RNTuple and CSV exactly those; a TTree adds the counter
# branch its x[n] layout needs for each jagged column (documented in convert --help). Columns
# the format cannot hold are skipped with a note, or an error when named.
ln -s "$DATA/uproot-HZZ.root" HZZ.root
ln -s "$DATA/uproot-issue-74.root" issue74.root
rootfeed convert HZZ.root r.root --columns NMuon,Muon_Px --format rntuple && rootfeed ls -l r.root
rootfeed convert HZZ.root t.root --columns NMuon,Muon_Px && rootfeed ls -l t.root
rootfeed dump t.root --entries 2
rootfeed convert HZZ.root c.csv --columns 'NMuon,Muon_*,MET_px' --entries 2 && cat c.csv
rootfeed convert HZZ.root d.csv --columns NMuon,Muon_Px; echo "exit $?"
rootfeed convert issue74.root:arrays a.csv && cat a.csv
