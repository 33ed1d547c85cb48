# `rootfeed dump --help` prints the usage and every option on stdout, exit 0; so do -h, `rootfeed
# help dump` and --help after other arguments (nothing else happens then).
rootfeed dump --help > a.txt; echo "--help: exit $?"
rootfeed dump -h > b.txt; echo "-h: exit $?"
rootfeed help dump > c.txt; echo "help dump: exit $?"
rootfeed dump out.root --entries 5 --columns x --help > d.txt; echo "with arguments: exit $?"
cmp a.txt b.txt && cmp a.txt c.txt && cmp a.txt d.txt && cat a.txt
ls
