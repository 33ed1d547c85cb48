# The output format follows the extension or --format: .root a TTree (or --format rntuple),
# .csv CSV; a mismatch or an unknown extension is a usage error.
ln -s "$DATA/uproot-HZZ.root" HZZ.root
rootfeed convert HZZ.root t.root --columns NMuon,MET_px && rootfeed ls t.root
rootfeed convert HZZ.root r.root --columns NMuon,MET_px --format rntuple && rootfeed ls r.root
rootfeed convert HZZ.root c.csv --columns NMuon,MET_px,MET_py --entries 3 && cat c.csv
rootfeed convert HZZ.root c.txt --columns NMuon --entries 2 --format csv && cat c.txt
rootfeed convert HZZ.root x.csv --format rntuple; echo "exit $?"
rootfeed convert HZZ.root x.root --format csv; echo "exit $?"
rootfeed convert HZZ.root x.txt; echo "exit $?"
rootfeed convert HZZ.root x.root --format parquet; echo "exit $?"
rootfeed convert HZZ.root x.csv --compression zstd; echo "exit $?"
rootfeed convert HZZ.root x.root --compression zstd:99x; echo "exit $?"
ls
