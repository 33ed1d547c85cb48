# Converting onto one of the inputs is refused before anything is written, through any path
# or link (same file), also with -f; the input stays byte-identical.
cp "$DATA/uproot-HZZ.root" HZZ.root
cp HZZ.root orig.root
ln -s HZZ.root link.root
ln HZZ.root hard.root
mkdir sub
rootfeed convert HZZ.root HZZ.root; echo "exit $?"
rootfeed convert HZZ.root ./HZZ.root -f; echo "exit $?"
rootfeed convert HZZ.root link.root -f; echo "exit $?"
rootfeed convert link.root HZZ.root -f; echo "exit $?"
rootfeed convert HZZ.root hard.root -f; echo "exit $?"
rootfeed convert HZZ.root sub/../HZZ.root -f --columns NMuon; echo "exit $?"
rootfeed convert orig.root 'H*.root' HZZ.root -f; echo "exit $?"
cmp HZZ.root orig.root && echo "HZZ.root is byte-identical"
ls -A . sub
