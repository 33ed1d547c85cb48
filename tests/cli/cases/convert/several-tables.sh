# A file with several tables asks which (--object or FILE:OBJECT); the output table takes the
# object's own name (--name to change it).
ln -s "$DATA/uproot-nesteddirs.root" nested.root
rootfeed convert nested.root nd.root; echo "exit $?"
rootfeed convert nested.root nd.root --object one/tree && rootfeed ls nd.root
rootfeed convert nested.root:one/two/tree nd2.root --columns 'Int32,SliceFloat32' --name mytree && rootfeed ls -l nd2.root
rootfeed convert nested.root nd3.root --object one/nosuch; echo "exit $?"
ls
