# kill -9 in the middle of a large convert: no partial file under the output's name, the old
# output intact, no temporary left (unnamed temporary, O_TMPFILE); with a named temporary
# (ROOTFEED_NAMED_TEMP=1) the one the killed run left is removed by the next run.
rootfeed gen in.root --entries 1e6 --schema 'x:float64,v:float32[var]' --cluster-entries 1e5 --compression none
echo "old output" > out.root
# Waits until a temporary beside out.root holds data, then kills the run; prints where it was.
convert_and_kill() {
  rootfeed convert in.root out.root -f --compression lzma:9 --cluster-entries 2e4 &
  pid=$!
  for i in $(seq 600); do
    for fd in /proc/$pid/fd/*; do
      case "$(readlink "$fd" 2>/dev/null)" in
        "$PWD/#"*|"$PWD/.rootfeed-tmp-"*) [ "$(stat -L -c %s "$fd" 2>/dev/null || echo 0)" -gt 0 ] && break 3 ;;
      esac
    done
    sleep 0.05
  done
  kill -9 $pid
  wait $pid 2> /dev/null; echo "killed: exit $?"
}
convert_and_kill
cat out.root
ls -A
export ROOTFEED_NAMED_TEMP=1
convert_and_kill
cat out.root
ls -A | sed 's/^\.rootfeed-tmp-[0-9]*-[0-9]*-/.rootfeed-tmp-PID-N-/'
rootfeed gen other.root --entries 10
ls -A
