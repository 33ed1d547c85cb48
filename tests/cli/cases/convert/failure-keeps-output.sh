# A convert that fails - on its arguments, on its input, or in the middle of writing (the
# file-size limit) - leaves an existing output byte-identical and nothing else behind.
ln -s "$DATA/uproot-HZZ.root" HZZ.root
rootfeed gen out.root --entries 1000 --schema x:float32 && cp out.root keep.root
rootfeed convert HZZ.root out.root -f --columns nosuch; echo "exit $?"
rootfeed convert HZZ.root out.root -f --entries 0:9999; echo "exit $?"
head -c 5000 HZZ.root > cut.root
rootfeed convert cut.root out.root -f; echo "exit $?"
trap '' XFSZ
(ulimit -f 64; rootfeed gen out.root -f --entries 1e6 --schema x:float64 --compression none 2> err.txt; echo "exit $?")
sed 's/at offset [0-9]*/at offset N/' err.txt && rm err.txt
cmp out.root keep.root && echo "out.root is byte-identical"
ls -A
