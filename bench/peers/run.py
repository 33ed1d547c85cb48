"""The loader bench (issue 19): one shuffled epoch of (X, y) torch batches from the same data,
delivered by rootfeed and by every peer, each in its own process, in one run; writes
bench/results.md (ratios first) and bench/results.png.

    make bench-peers          (= bench/peers/setup.sh, then this with .venv's Python)

    (a) rootfeed.CreatePyTorchGenerators (the Python loader over the C engine)
    (b) uproot.iterate + NumPy shuffle per step        (c) CSV -> pandas -> TensorDataset -> DataLoader
    (d) DataLoader(TensorDataset) in memory            (e) Parquet -> pyarrow.dataset batches
    (f) mosaicml-streaming StreamingDataset over MDS   (g) ROOT 6.40 RDataLoader (pip install ROOT)
    (h) references: DESIGN.md's bound (bench/read/bench_read --threads T: the same
        baskets/pages decompressed in memory on T threads) and the in-memory ceiling, a
        batched gather X[perm[i:i+B]]

Sizes: BENCH_PEERS_ROWS flat rows (default 1,000,000; the full size is 10,000,000), jagged
events BENCH_PEERS_JAGGED_ROWS (default ROWS / 2), BENCH_PEERS_BATCH (1024), BENCH_PEERS_STEP
(rows per read step, chunk, row group and ROOT buffer: 100,000), BENCH_PEERS_TIMEOUT (seconds
per peer run, 1800), BENCH_PEERS_BUDGET (seconds: a peer other than rootfeed whose epoch runs
longer than its start-up - to the first batch - and that many seconds stops there, and its
epoch time is projected from its start-up and the rate after its first batch; 0, the default,
runs whole epochs). Options: --kinds, --codecs, --threads, --peers (letters) to run a subset.
Peers (f) and (g) run in .venv-peers (bench/peers/setup.sh); without it they are reported as
not run, with the reason.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import data  # noqa: E402

ROWS = int(os.environ.get("BENCH_PEERS_ROWS", 1_000_000))
JAGGED_ROWS = int(os.environ.get("BENCH_PEERS_JAGGED_ROWS", ROWS // 2))
BATCH = int(os.environ.get("BENCH_PEERS_BATCH", 1024))
STEP = int(os.environ.get("BENCH_PEERS_STEP", 100_000))
TIMEOUT = int(os.environ.get("BENCH_PEERS_TIMEOUT", 1800))
BUDGET = float(os.environ.get("BENCH_PEERS_BUDGET", 0))
OUT = os.path.join(REPO, "bench", "out", "peers")
BUILD = os.environ.get("ROOTFEED_BUILD", os.path.join(REPO, "build"))
MAIN_PY = sys.executable
PEERS_PY = os.path.join(REPO, ".venv-peers", "bin", "python")
MDS_CODECS = {"zstd": "zstd", "zlib": "gz", "none": "none"}  # streaming has no lz4

# letter: (title, script, input, python)
PEERS = {
    "a": ("(a) rootfeed", "peer_rootfeed.py", "root", MAIN_PY),
    "b": ("(b) uproot + NumPy shuffle", "peer_uproot.py", "root", MAIN_PY),
    "c": ("(c) CSV + DataLoader", "peer_csv.py", "csv", MAIN_PY),
    "d": ("(d) DataLoader in memory", "peer_tensor.py", "npz", MAIN_PY),
    "e": ("(e) Parquet (pyarrow)", "peer_parquet.py", "parquet", MAIN_PY),
    "f": ("(f) mosaicml-streaming", "peer_mosaic.py", "mds", PEERS_PY),
    "g": ("(g) ROOT RDataLoader", "peer_root.py", "root", PEERS_PY),
    "h": ("(h) gather ceiling", "peer_gather.py", "npz", MAIN_PY),
}


def inputs(letter, folder, codec):
    """[(format label, path)] a peer reads for a codec; [] when it has no such input."""
    kind = PEERS[letter][2]
    if kind == "root":
        return [(fmt, os.path.join(folder, "root", f"{codec}.{fmt}.root"))
                for fmt in ("ttree", "rntuple")]
    if kind == "parquet":
        return [("parquet", os.path.join(folder, "parquet", f"{codec}.parquet"))]
    if kind == "mds":
        return [("mds", os.path.join(folder, "mds", MDS_CODECS[codec]))] if codec in MDS_CODECS else []
    return [(kind, os.path.join(folder, "data.csv" if kind == "csv" else "arrays.npz"))]


def warm(path):
    """Reads the input once, so that every peer's epoch starts with its file in the page cache
    (DESIGN.md: files read with the data in the page cache, not from disk): between two runs of
    a peer, the CSV peer's 5 GB and the other inputs push files out of it."""
    files = [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs] if os.path.isdir(path) else [path]
    for name in files:
        with open(name, "rb", buffering=0) as f:
            while f.read(8 << 20):
                pass


def run_peer(letter, path, folder, threads):
    title, script, _kind, python = PEERS[letter]
    if not os.path.exists(python):
        return {"error": "no .venv-peers (run bench/peers/setup.sh)"}
    if not os.path.exists(path):
        return {"error": f"no input {os.path.relpath(path, REPO)}"}
    cmd = [python, os.path.join(HERE, script), "--data", path, "--meta",
           os.path.join(folder, "meta.json"), "--threads", str(threads), "--batch-size",
           str(BATCH), "--step", str(STEP), "--epochs", "4" if letter == "a" else "1",
           "--budget", "0" if letter == "a" else str(BUDGET)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([HERE, os.path.join(BUILD, "python")]),
               OMP_NUM_THREADS=str(threads))
    warm(path)
    start = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {TIMEOUT} s"}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode or not lines:
        tail = (p.stderr.strip().splitlines() or ["?"])[-1][:300]
        return {"error": f"exit {p.returncode}: {tail}"}
    res = json.loads(lines[-1])
    res["wall"] = time.perf_counter() - start
    return res


def mds_convert(folder):
    """Converts arrays.npz into MDS shards per codec in .venv-peers; {codec: seconds}, also
    of the conversions an earlier run made (mds/seconds.json)."""
    todo = [c for c in MDS_CODECS.values()
            if not os.path.exists(os.path.join(folder, "mds", c, "index.json"))]
    if todo and os.path.exists(PEERS_PY):
        p = subprocess.run([PEERS_PY, os.path.join(HERE, "mds_convert.py"), folder, *todo],
                           capture_output=True, text=True)
        if p.returncode:
            print(f"bench-peers: MDS conversion failed: {p.stderr.strip()[-300:]}", file=sys.stderr)
    kept = os.path.join(folder, "mds", "seconds.json")
    if not os.path.exists(kept):
        return {}
    with open(kept) as f:
        return json.load(f)


def bound(path, threads):
    """DESIGN.md's bound on `threads` threads: (MB of decoded values, MB/s, wall time), from
    bench/read/bench_read --threads; (None, None) without it."""
    exe = os.path.join(BUILD, "bench", "read", "bench_read")
    if not os.path.exists(exe):
        return None, None
    p = subprocess.run([exe, "--threads", str(threads), path, data.TREE], capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if line.startswith(os.path.basename(path)):
            f = line.split()  # file format threads MB bound ...
            return float(f[3]), float(f[4])
    return None, None


def versions():
    out = {"python": platform.python_version()}
    for mod in ("rootfeed", "numpy", "torch", "uproot", "awkward", "pandas", "pyarrow"):
        try:
            out[mod] = __import__(mod).__version__
        except ImportError:
            out[mod] = "-"
    if os.path.exists(PEERS_PY):
        code = ("import importlib.metadata as m, json; print(json.dumps({k: m.version(d) for k, d "
                "in [('streaming', 'mosaicml-streaming'), ('ROOT (pip)', 'ROOT'), "
                "('torch (.venv-peers)', 'torch'), ('torchvision', 'torchvision')]}))")
        p = subprocess.run([PEERS_PY, "-c", code], capture_output=True, text=True)
        if p.returncode == 0:
            out.update(json.loads(p.stdout))
    return out


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kinds", default="flat,jagged")
    ap.add_argument("--codecs", default=",".join(data.CODECS))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--peers", default="".join(PEERS))
    ap.add_argument("--results", default=os.path.join(REPO, "bench", "results.md"))
    args = ap.parse_args()
    kinds, codecs = args.kinds.split(","), args.codecs.split(",")
    threads = [int(t) for t in args.threads.split(",")]
    results, conversions, bounds, bound_mb, sizes = [], {}, {}, {}, {}
    for kind in kinds:
        rows = ROWS if kind == "flat" else JAGGED_ROWS
        start = time.perf_counter()
        folder, meta = data.make(kind, rows, OUT, STEP)
        print(f"bench-peers: {kind} data ready in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        sizes[kind] = meta
        conv = dict(meta["conversion_seconds"])
        conv.update({f"mds {c}": s for c, s in mds_convert(folder).items()})
        conversions[kind] = conv
        for codec in codecs:
            for fmt in ("ttree", "rntuple"):
                for t in threads:
                    mb, bounds[kind, codec, fmt, str(t)] = bound(
                        os.path.join(folder, "root", f"{codec}.{fmt}.root"), t)
                    bound_mb[f"{kind}/{codec}/{fmt}"] = mb
        for t in threads:
            for letter in args.peers:
                codec_free = PEERS[letter][2] in ("csv", "npz")
                for codec in codecs[:1] if codec_free else codecs:
                    for fmt, path in inputs(letter, folder, codec):
                        res = run_peer(letter, path, folder, t)
                        row = dict(kind=kind, codec="-" if codec_free else codec, fmt=fmt,
                                   threads=t, peer=letter, **res)
                        results.append(row)
                        print(json.dumps(row), file=sys.stderr, flush=True)
    info = dict(machine=machine(), versions=versions(), rows=ROWS, jagged_rows=JAGGED_ROWS,
                batch=BATCH, step=STEP, budget=BUDGET, conversions=conversions,
                bounds={"/".join(k): v for k, v in bounds.items()}, bound_mb=bound_mb, sizes=sizes)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(dict(info=info, results=results), f, indent=1)
    import report
    report.write(args.results, info, results, kinds, codecs, threads)


if __name__ == "__main__":
    main()
