# dump prints an aligned table (one row per entry; jagged and fixed values as lists, long
# cells cut) by default, one JSON line with --json; filters and defines join in.
ln -s "$DATA/uproot-HZZ.root" HZZ.root
ln -s "$DATA/uproot-issue-74.root" issue74.root
ln -s "$DATA/nanoAOD_2015_CMS_Open_Data_ttbar.root" nano.root
rootfeed dump HZZ.root events --columns NMuon,Muon_Px,MET_px,Jet_ID --entries 4
rootfeed dump HZZ.root events --columns NMuon,Muon_Px,MET_px --entries 2 --json
rootfeed dump issue74.root arrays
rootfeed dump nano.root --columns 'nJet,Jet_pt,Jet_btagCSVV2' --entries 3
rootfeed dump HZZ.root events --columns NMuon --entries 8 --filter 'NMuon >= 2' --define 'px0=Muon_Px[0]'
rootfeed dump HZZ.root events --columns NMuon --entries 8 --filter 'NMuon >= 2' --define 'px2=Muon_Px[2]' --json
rootfeed dump HZZ.root events --filter 'NMuon >= '; echo "exit $?"
rootfeed dump HZZ.root events --define 'px0'; echo "exit $?"
