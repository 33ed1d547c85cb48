#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and fuzzes each for FUZZ_SECONDS
# (default 300) from its seeds. New crashers land in build-fuzz/crash-* - copy the ones worth
# keeping into tests/regress/<target>/ so the normal suite replays them.
# Usage: scripts/fuzz.sh [target ...]   (targets: file rntuple expr csv ...)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-300}
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz >/dev/null
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(cd build-fuzz/fuzz && ls fuzz_* | sed 's/^fuzz_//'))
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus-$t
  mkdir -p "$corpus"
  seeds=$(meson introspect --tests build-fuzz | /usr/bin/python3 -c "
import json,sys
for t in json.load(sys.stdin):
    if t['name']=='replay_$t': print(' '.join(a for a in t['cmd'][1:]))")
  echo "== fuzzing $t for ${secs}s"
  for s in $seeds; do
    if [ -d "$s" ]; then cp -n "$s"/* "$corpus"/ 2>/dev/null || true
    elif [ -f "$s" ]; then cp -n "$s" "$corpus"/; fi
  done
  (cd build-fuzz && ./fuzz/fuzz_$t -max_total_time="$secs" -max_len=400000 -rss_limit_mb=4096 \
     -timeout=10 -print_final_stats=1 "corpus-$t" 2>&1 | tail -15)
done
