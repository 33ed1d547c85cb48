# Missing or extra arguments, options without their value, flags with one: exit 2, one line.
rootfeed dump; echo "exit $?"
rootfeed convert a.root; echo "exit $?"
rootfeed gen; echo "exit $?"
rootfeed gen a.root b.root; echo "exit $?"
rootfeed dump f.root --entries; echo "exit $?"
rootfeed dump f.root --json=yes; echo "exit $?"
rootfeed dump f.root --entries=1:2 --columns; echo "exit $?"
ls
