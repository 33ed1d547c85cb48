# Several files with one schema are one chain (entries in file order, numbered across them):
# as separate arguments, as a quoted glob pattern, with FILE:OBJECT, with or without OBJECT.
mkdir d
cp "$DATA/uproot-HZZ.root" d/a.root
cp "$DATA/uproot-HZZ-zstd.root" d/b.root
rootfeed dump d/a.root d/b.root events --columns NMuon,MET_px --entries 2419:2423
rootfeed dump 'd/*.root' --columns NMuon --entries 4840:
rootfeed dump 'd/*.root:events' --columns NMuon --entries 4842 --json | cut -c1-60
rootfeed ls 'd/*.root'
rootfeed show 'd/*.root' --columns NMuon
rootfeed convert 'd/*.root' chain.root --columns NMuon
rootfeed ls chain.root
