# Anything but a whole number is an error naming the option (exit 2), and nothing is written.
for v in abc 1.5 1e-1 1e30 99999999999999999999 -1 10__000 _10 10_ 1e 0x10 ''; do
  rootfeed gen x.root --entries "$v"; echo "exit $?"
done
rootfeed gen x.root --cluster-entries abc; echo "exit $?"
rootfeed gen x.root --cluster-entries 0; echo "exit $?"
rootfeed gen x.root --seed 1.5; echo "exit $?"
rootfeed gen x.root --basket-bytes 1e12; echo "exit $?"
ls
