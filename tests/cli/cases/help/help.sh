# `rootfeed help --help` prints the usage and every option on stdout, exit 0; so do -h, `rootfeed
# help help` and --help after other arguments (nothing else happens then).
rootfeed help --help > a.txt; echo "--help: exit $?"
rootfeed help -h > b.txt; echo "-h: exit $?"
rootfeed help help > c.txt; echo "help help: exit $?"
rootfeed help out.root --entries 5 --columns x --help > d.txt; echo "with arguments: exit $?"
cmp a.txt b.txt && cmp a.txt c.txt && cmp a.txt d.txt && cat a.txt
ls
