# CSV in and out: types inferred or given, --columns and --entries as for ROOT inputs, values
# that round-trip (shortest exact text), bad fields named by line and column.
printf 'id,x,"name, quoted",flag\n1,0.5,3,1\n2,-1.25,4,0\n3,1e-3,5,1\n4,nan,6,0\n' > in.csv
rootfeed convert in.csv t.root --name tab --types flag:bool,x:float32 && rootfeed ls -l t.root
rootfeed dump t.root
rootfeed convert t.root back.csv && cat back.csv
rootfeed convert in.csv part.csv --columns 'x,id' --entries 1:3 && cat part.csv
rootfeed convert in.csv t2.root && rootfeed ls t2.root
printf 'a,b\n1,2\n3,x\n' > bad.csv
rootfeed convert bad.csv bad.root --name t --types b:int32; echo "exit $?"
printf 'a,b\n1,2\n3\n' > short.csv
rootfeed convert short.csv short.root --name t; echo "exit $?"
rootfeed convert in.csv in.csv --name t -f; echo "exit $?"
rootfeed convert in.csv t.root --name t --types nosuch:int8 -f; echo "exit $?"
ls
