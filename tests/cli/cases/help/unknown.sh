# Unknown commands and options are usage errors (exit 2) that suggest the closest names.
rootfeed frobnicate; echo "exit $?"
rootfeed dmp x.root; echo "exit $?"
rootfeed --verbose; echo "exit $?"
rootfeed dump --colums x f.root; echo "exit $?"
rootfeed convert a.root b.root --forse; echo "exit $?"
rootfeed ls -x f.root; echo "exit $?"
rootfeed help frobnicate; echo "exit $?"
