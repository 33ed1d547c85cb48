# An existing output is replaced only with -f (--force), as hadd does; without, it is untouched.
ln -s "$DATA/uproot-HZZ.root" HZZ.root
echo "precious" > out.root
rootfeed convert HZZ.root out.root --columns NMuon; echo "exit $?"
cat out.root
rootfeed convert HZZ.root out.root --columns NMuon -f; echo "exit $?"
rootfeed ls out.root
rootfeed gen out.root --entries 10; echo "exit $?"
rootfeed gen out.root --entries 10 --force; echo "exit $?"
rootfeed ls out.root
mkdir dir.root
rootfeed gen dir.root --entries 10 -f; echo "exit $?"
ls -A
