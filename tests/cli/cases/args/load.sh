# `load` takes its numbers and inputs as the other commands do; errors name the option.
rootfeed gen in.root --entries 2e4 --schema 'x:float32,y:int32'
rootfeed load 'i*.root:events' --columns x --target y --batch 1e3 --chunk 10_000 --block 1e3 --seed 7 --json | wc -l
rootfeed load in.root --columns x --batch 1.5; echo "exit $?"
rootfeed load in.root --columns x --world 0; echo "exit $?"
rootfeed load in.root --columns x --split 1; echo "exit $?"
rootfeed load in.root --columns x --mode fast; echo "exit $?"
rootfeed load in.root; echo "exit $?"
rootfeed load in.root --columns nosuch; echo "exit $?"
