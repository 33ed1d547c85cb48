# `rootfeed ls --help` prints the usage and every option on stdout, exit 0; so do -h, `rootfeed
# help ls` and --help after other arguments (nothing else happens then).
rootfeed ls --help > a.txt; echo "--help: exit $?"
rootfeed ls -h > b.txt; echo "-h: exit $?"
rootfeed help ls > c.txt; echo "help ls: exit $?"
rootfeed ls out.root --entries 5 --columns x --help > d.txt; echo "with arguments: exit $?"
cmp a.txt b.txt && cmp a.txt c.txt && cmp a.txt d.txt && cat a.txt
ls
