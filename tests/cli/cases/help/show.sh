# `rootfeed show --help` prints the usage and every option on stdout, exit 0; so do -h, `rootfeed
# help show` and --help after other arguments (nothing else happens then).
rootfeed show --help > a.txt; echo "--help: exit $?"
rootfeed show -h > b.txt; echo "-h: exit $?"
rootfeed help show > c.txt; echo "help show: exit $?"
rootfeed show out.root --entries 5 --columns x --help > d.txt; echo "with arguments: exit $?"
cmp a.txt b.txt && cmp a.txt c.txt && cmp a.txt d.txt && cat a.txt
ls
