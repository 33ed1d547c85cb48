# `rootfeed convert --help` prints the usage and every option on stdout, exit 0; so do -h, `rootfeed
# help convert` and --help after other arguments (nothing else happens then).
rootfeed convert --help > a.txt; echo "--help: exit $?"
rootfeed convert -h > b.txt; echo "-h: exit $?"
rootfeed help convert > c.txt; echo "help convert: exit $?"
rootfeed convert out.root --entries 5 --columns x --help > d.txt; echo "with arguments: exit $?"
cmp a.txt b.txt && cmp a.txt c.txt && cmp a.txt d.txt && cat a.txt
ls
