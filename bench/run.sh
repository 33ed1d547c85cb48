#!/usr/bin/env bash
# Runs the benchmarks that measure rootfeed against the decompression bound (DESIGN.md) and
# prints their tables; bench/README.md records the figures. Needs ../shared (or ROOTFEED_SHARED).
set -euo pipefail
cd "$(dirname "$0")/.."
D=${ROOTFEED_SHARED:-../shared}/data/external
ninja -C build >/dev/null
echo "== TTree read, one thread (bench_ttree)"
./build/bench/ttree/bench_ttree \
  "$D/uproot-issue412.root" test \
  "$D/uproot-HZZ.root" events "$D/uproot-HZZ-zlib.root" events "$D/uproot-HZZ-lz4.root" events \
  "$D/uproot-HZZ-lzma.root" events "$D/uproot-HZZ-zstd.root" events "$D/uproot-HZZ-uncompressed.root" events
for b in build/bench/*/bench_*; do
  case "$b" in */bench_ttree) continue ;; esac
  [ -f "$b" ] && [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" || true
done
