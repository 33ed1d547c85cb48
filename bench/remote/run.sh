#!/usr/bin/env bash
# The loader over loopback HTTP (nginx) and XRootD (xrootd) against the same file read
# locally (bench_remote.c says what is measured). Writes bench/out/remote_flat_zstd.root once
# (rootfeed gen: 1e6 entries x 20 float32, TTree, zstd, 32 kB baskets, clusters of 100k
# entries: ~2600 baskets), starts both servers with tests/remote/servers.py and stops them.
# BENCH_RUNS: runs (default 5); BENCH_THREADS: loader threads (default 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
ninja -C build rootfeed bench/remote/bench_remote >/dev/null
mkdir -p bench/out
f=bench/out/remote_flat_zstd.root
cols=$(seq -s, -f 'x%g' 0 19)
if [ ! -f "$f" ]; then
  ./build/rootfeed gen "$f" --entries 1e6 --schema "$(seq -s, -f 'x%g:float32' 0 19)" --format ttree \
    --compression zstd:5 --cluster-entries 100000
fi
chmod a+r "$f"
export BENCH_ARGS="--runs ${BENCH_RUNS:-5} --threads ${BENCH_THREADS:-2} --chunk 100000 events $cols"
.venv/bin/python tests/remote/servers.py --http --xrootd --serve bench/out -- bash -c \
  'exec ./build/bench/remote/bench_remote $BENCH_ARGS bench/out/remote_flat_zstd.root \
     "$ROOTFEED_HTTP/extra/remote_flat_zstd.root" "$ROOTFEED_HTTPS/extra/remote_flat_zstd.root" \
     "$ROOTFEED_XROOTD/extra/remote_flat_zstd.root"'
