# `rootfeed gen --help` prints the usage and every option on stdout, exit 0; so do -h, `rootfeed
# help gen` and --help after other arguments (nothing else happens then).
rootfeed gen --help > a.txt; echo "--help: exit $?"
rootfeed gen -h > b.txt; echo "-h: exit $?"
rootfeed help gen > c.txt; echo "help gen: exit $?"
rootfeed gen out.root --entries 5 --columns x --help > d.txt; echo "with arguments: exit $?"
cmp a.txt b.txt && cmp a.txt c.txt && cmp a.txt d.txt && cat a.txt
ls
