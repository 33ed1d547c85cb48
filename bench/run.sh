#!/usr/bin/env bash
# Runs the benchmarks that measure rootfeed against the bound of DESIGN.md and prints their
# tables; bench/README.md records the figures. The first run writes the big files into
# bench/out/ (bench/gen_files.py, uproot and rootfeed's writer: several minutes, ~1.3 GB).
# Needs ../shared (or ROOTFEED_SHARED) and .venv (scripts/setup.sh). BENCH_RUNS sets the runs
# per figure (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
D=${ROOTFEED_SHARED:-../shared}/data/external
runs=${BENCH_RUNS:-5}
ninja -C build >/dev/null
.venv/bin/python bench/gen_files.py build/rootfeed
big=()
for shape in flat nano; do
  tree=events; [ "$shape" = nano ] && tree=Events
  for codec in zstd lz4 zlib lzma none; do
    big+=("bench/out/${shape}_$codec.root" "$tree" "bench/out/${shape}_$codec.rntuple.root" "$tree")
  done
done
echo "== Read, one thread, files bigger than the caches, a fresh open per pass (bench_read)"
./build/bench/read/bench_read --runs "$runs" "${big[@]}"
echo "== Read, one thread, small files opened once and read over and over (cache-hot)"
./build/bench/read/bench_read --runs "$runs" --hot \
  "$D/uproot-issue412.root" test \
  "$D/uproot-HZZ.root" events "$D/uproot-HZZ-zlib.root" events "$D/uproot-HZZ-lz4.root" events \
  "$D/uproot-HZZ-lzma.root" events "$D/uproot-HZZ-zstd.root" events "$D/uproot-HZZ-uncompressed.root" events \
  "$D/test_int_multicluster_rntuple_v1-0-0-0.root" ntuple
echo "== Python loader against the C engine (bench/python/bench_loader.py)"
PYTHONPATH=build/python .venv/bin/python bench/python/bench_loader.py --reps "$runs" \
  --file bench/out/python_loader.root
for b in build/bench/*/bench_*; do
  case "$b" in */bench_read|*/bench_remote) continue ;; esac
  [ -f "$b" ] && [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" || true
done
echo "== Loader over loopback HTTP and XRootD against the local file (bench/remote/run.sh)"
BENCH_RUNS=$runs bash bench/remote/run.sh
