# `rootfeed load --help` prints the usage and every option on stdout, exit 0; so do -h, `rootfeed
# help load` and --help after other arguments (nothing else happens then).
rootfeed load --help > a.txt; echo "--help: exit $?"
rootfeed load -h > b.txt; echo "-h: exit $?"
rootfeed help load > c.txt; echo "help load: exit $?"
rootfeed load out.root --entries 5 --columns x --help > d.txt; echo "with arguments: exit $?"
cmp a.txt b.txt && cmp a.txt c.txt && cmp a.txt d.txt && cat a.txt
ls
