# Missing files, patterns matching nothing, unknown objects (with the closest names), files
# with several tables, schema mismatches, remote paths: one line on stderr, exit 1.
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
rootfeed dump root://eospublic.cern.ch//eos/opendata/f.root:events; echo "exit $?"
rootfeed ls https://example.org/data/f.root; echo "exit $?"
rootfeed show root://host:1094//f.root events; echo "exit $?"
rootfeed convert http://example.org/f.root:events out.root; echo "exit $?"
ls
