# `gen --entries 1e7` writes ten million entries (the number written as users write it).
rootfeed gen big.root --entries 1e7 --schema x:int8 --compression none --cluster-entries 2e6; echo "exit $?"
rootfeed ls big.root
rootfeed dump big.root --entries 9_999_998:
