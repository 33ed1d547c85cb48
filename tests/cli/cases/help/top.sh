# `rootfeed`, `rootfeed --help`, `rootfeed -h` and `rootfeed help` print the same list of commands.
rootfeed > a.txt; echo "rootfeed: exit $?"
rootfeed --help > b.txt; echo "--help: exit $?"
rootfeed -h > c.txt; echo "-h: exit $?"
rootfeed help > d.txt; echo "help: exit $?"
cmp a.txt b.txt && cmp a.txt c.txt && cmp a.txt d.txt && cat a.txt
