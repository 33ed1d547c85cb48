# --entries: N (the first N), A:B, A:, :B, validated against the table with the valid range.
ln -s "$DATA/uproot-HZZ.root" HZZ.root
rootfeed dump HZZ.root events --columns NMuon --entries 3
rootfeed dump HZZ.root events --columns NMuon --entries 2419:
rootfeed dump HZZ.root events --columns NMuon --entries :2
rootfeed dump HZZ.root events --columns NMuon --entries 1e3:1_002
rootfeed dump HZZ.root events --columns NMuon --entries 5:5
for r in 3000:4000 2421:2422 -5:3 10:2 abc 1:2:3 1.5:3 ''; do
  rootfeed dump HZZ.root events --columns NMuon --entries "$r"; echo "exit $?"
done
rootfeed convert HZZ.root out.root --entries 3000:4000; echo "exit $?"
rootfeed show HZZ.root --entries 3; echo "exit $?"
ls
