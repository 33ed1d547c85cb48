# FILE:OBJECT names a table, also in a directory; `ls FILE:OBJECT` lists its columns.
ln -s "$DATA/uproot-HZZ.root" HZZ.root
ln -s "$DATA/uproot-nesteddirs.root" nested.root
rootfeed dump HZZ.root:events --columns NMuon --entries 2
rootfeed dump nested.root:one/tree --entries 2
rootfeed show nested.root:one/tree
rootfeed ls nested.root:one/tree
rootfeed dump nested.root one/tree --entries 1
rootfeed dump nested.root --object one/tree --entries 1
rootfeed dump nested.root one/tree --object three/tree; echo "exit $?"
