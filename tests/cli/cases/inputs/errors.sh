# Missing files, patterns matching nothing, unknown objects (with the closest names), files
# with several tables, schema mismatches: one line on stderr, exit 1 (remote inputs: tests/remote).
ln -s "$DATA/uproot-HZZ.root" HZZ.root
ln -s "$DATA/uproot-Zmumu.root" Zmumu.root
ln -s "$DATA/uproot-nesteddirs.root" nested.root
rootfeed ls nosuch.root; echo "exit $?"
rootfeed dump 'nothing*.root' events; echo "exit $?"
rootfeed show HZZ.root Events; echo "exit $?"
rootfeed dump HZZ.root:Events; echo "exit $?"
rootfeed show nested.root tree; echo "exit $?"
rootfeed show nested.root; echo "exit $?"
rootfeed dump nested.root --entries 1; echo "exit $?"
rootfeed dump HZZ.root Zmumu.root events --entries 1; echo "exit $?"
rootfeed dump HZZ.root nested.root:one/tree --entries 1; echo "exit $?"
ls
