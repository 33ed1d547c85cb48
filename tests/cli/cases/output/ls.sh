# ls lists every object aligned; -l adds each table's columns.
ln -s "$DATA/uproot-nesteddirs.root" nested.root
ln -s "$DATA/uproot-issue-74.root" issue74.root
rootfeed ls nested.root
rootfeed ls -l issue74.root
rootfeed ls --long nested.root
