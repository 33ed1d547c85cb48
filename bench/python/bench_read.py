"""Reading bench (issue 14): rootfeed against uproot on the same files, in one run.

    PYTHONPATH=build/python .venv/bin/python bench/python/bench_read.py     (or: make bench-python)

Files (made here, into bench/out/python/, once): ROWS x 20 float32 columns as a TTree written
by uproot and as an RNTuple written by rootfeed, per codec (zstd 5, lz4 4, zlib 1, none), and
a NanoAOD-like jagged table (muons, electrons, jets, MET, event ids; zstd 5) in both formats,
the same values in each. Each file is read whole with
    rootfeed.open(path)[tree].arrays()                       (a fresh open per read)
    uproot.open(path)[tree].arrays(library="np")             (a fresh open per read, so
                                                              uproot's cache cannot answer)
and, for the jagged table, uproot's library="ak" too: library="np" makes object arrays of
arrays there and reads ~2 ms per event (a whole read of 1e6 events takes over half an hour),
so "uproot np" reads only the first NP_JAGGED_ENTRIES (20,000) entries of that table and its
MB/s counts their share of the values. Speed is MB/s of decoded values (the same byte count for both readers: the
values rootfeed returns). Each figure is the median of RUNS runs; a run reads the file
repeatedly for at least 1 s per reader, the readers interleaved, and the ratio is taken
within each run. "defaults": each library as it comes (rootfeed decodes the columns of a
read on all the CPUs the process may use, each thread on its own handle of the file; uproot's
default executors are serial); "1 thread": rootfeed.open(path, num_threads=1) against uproot
with TrivialExecutors, the per-thread comparison.

Environment: BENCH_ROWS (default 1000000), BENCH_RUNS (default 5), BENCH_OUT (bench/out/python).
"""
import os
import platform
import statistics
import sys
import time

import numpy as np

import rootfeed

HERE = os.path.dirname(os.path.abspath(__file__))
ROWS = int(os.environ.get("BENCH_ROWS", 1_000_000))
RUNS = int(os.environ.get("BENCH_RUNS", 5))
OUT = os.environ.get("BENCH_OUT", os.path.join(HERE, "..", "out", "python"))
NCOLS = 20
NP_JAGGED_ENTRIES = 20_000
CODECS = {"zstd": ("zstd:5", "ZSTD", 5), "lz4": ("lz4:4", "LZ4", 4), "zlib": ("zlib:1", "ZLIB", 1),
          "none": ("none", None, 0)}
TREE = "Events"
CHUNK = 50_000  # entries per uproot extend: one TTree basket per column per chunk


def flat_data(rows, seed=1):
    """20 kinematic-looking float32 columns (pT-like, eta-like, phi-like, ...)."""
    rng = np.random.default_rng(seed)
    cols = {}
    for i in range(NCOLS):
        kind = i % 4
        if kind == 0:
            v = rng.exponential(30.0, rows) + 20.0
        elif kind == 1:
            v = rng.normal(0.0, 1.5, rows)
        elif kind == 2:
            v = rng.uniform(-np.pi, np.pi, rows)
        else:
            v = rng.gamma(2.0, 10.0, rows)
        cols[f"x{i:02d}"] = v.astype(np.float32)
    return cols


def jagged_data(rows, seed=2):
    """NanoAOD-like: {collection: {field: (offsets, values)}} and flat event columns."""
    rng = np.random.default_rng(seed)
    coll = {}
    for name, mean in (("Muon", 1.2), ("Electron", 1.0), ("Jet", 5.0)):
        counts = rng.poisson(mean, rows)
        off = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        n = int(off[-1])
        fields = {"pt": (rng.exponential(30.0, n) + 15).astype(np.float32),
                  "eta": rng.normal(0, 1.5, n).astype(np.float32),
                  "phi": rng.uniform(-np.pi, np.pi, n).astype(np.float32),
                  "mass": rng.exponential(5.0, n).astype(np.float32)}
        if name == "Jet":
            fields["btagDeepFlavB"] = rng.uniform(0, 1, n).astype(np.float32)
        else:
            fields["charge"] = rng.choice(np.array([-1, 1], dtype=np.int32), n)
        coll[name] = (off, fields)
    flat = {"run": np.full(rows, 1, np.uint32),
            "luminosityBlock": (np.arange(rows) // 1000 + 1).astype(np.uint32),
            "event": np.arange(rows, dtype=np.uint64),
            "MET_pt": rng.exponential(40.0, rows).astype(np.float32),
            "MET_phi": rng.uniform(-np.pi, np.pi, rows).astype(np.float32)}
    return coll, flat


def rootfeed_columns(data):
    """{name: array or (offsets, values)} for rootfeed.write, NanoAOD names (Muon_pt)."""
    if isinstance(data, dict):
        return data
    coll, flat = data
    cols = dict(flat)
    for name, (off, fields) in coll.items():
        for f, v in fields.items():
            cols[f"{name}_{f}"] = (off, v)
    return cols


def uproot_batches(data):
    """Chunks as uproot.extend takes them: NanoAOD's nMuon + Muon_pt[nMuon] from ak.zip."""
    import awkward as ak
    if isinstance(data, dict):
        for a in range(0, ROWS, CHUNK):
            yield {k: v[a:a + CHUNK] for k, v in data.items()}
        return
    coll, flat = data
    for a in range(0, ROWS, CHUNK):
        b = min(ROWS, a + CHUNK)
        batch = {k: v[a:b] for k, v in flat.items()}
        for name, (off, fields) in coll.items():
            o = off[a:b + 1]
            batch[name] = ak.zip({f: ak.unflatten(v[o[0]:o[-1]], np.diff(o))
                                  for f, v in fields.items()})
        yield batch


def write_files(uproot):
    """[(label, codec, format, path)], writing what is missing."""
    os.makedirs(OUT, exist_ok=True)
    flat = jagged = None
    files = []
    specs = [("flat", c) for c in CODECS] + [("jagged", "zstd")]
    for label, codec in specs:
        rf_codec, up_name, level = CODECS[codec]
        for fmt in ("ttree", "rntuple"):
            path = os.path.join(OUT, f"{label}_{ROWS}_{codec}.{fmt}.root")
            files.append((label, codec, fmt, path))
            if os.path.exists(path):
                continue
            if label == "flat":
                flat = flat_data(ROWS) if flat is None else flat
                data = flat
            else:
                jagged = jagged_data(ROWS) if jagged is None else jagged
                data = jagged
            start = time.perf_counter()
            if fmt == "ttree":
                comp = getattr(uproot, up_name)(level) if up_name else None
                with uproot.recreate(path + ".tmp", compression=comp) as f:
                    for i, batch in enumerate(uproot_batches(data)):
                        if i == 0:
                            f[TREE] = batch
                        else:
                            f[TREE].extend(batch)
                os.replace(path + ".tmp", path)
            else:
                rootfeed.write(path, TREE, rootfeed_columns(data), format="rntuple",
                               compression=rf_codec)
            print(f"# wrote {os.path.basename(path)} in {time.perf_counter() - start:.1f} s",
                  file=sys.stderr)
    return files


def value_bytes(arrays):
    total = 0
    for v in arrays.values():
        while isinstance(v, rootfeed.Ragged):
            v = v.values
        total += v.nbytes
    return total


def read_rootfeed(path, one_thread):
    with rootfeed.open(path, num_threads=1 if one_thread else None) as f:
        return f[TREE].arrays()


def make_uproot_reader(uproot, library, one_thread, entry_stop=None):
    def read(path):
        opts = {}
        if one_thread:
            opts = dict(decompression_executor=uproot.TrivialExecutor(),
                        interpretation_executor=uproot.TrivialExecutor())
        with uproot.open(path, **opts) as f:
            return f[TREE].arrays(library=library, entry_stop=entry_stop)
    return read


def timed(read, path, min_seconds=1.0):
    """Seconds per read, reading repeatedly for at least min_seconds."""
    n, start = 0, time.perf_counter()
    while True:
        read(path)
        n += 1
        spent = time.perf_counter() - start
        if spent >= min_seconds:
            return spent / n


def bench_file(uproot, path, label, one_thread):
    """(MB of values, {reader: MB/s}, {reader: rootfeed's speed / the reader's})."""
    nbytes = value_bytes(read_rootfeed(path, one_thread))
    share = min(1.0, NP_JAGGED_ENTRIES / ROWS) if label == "jagged" else 1.0
    readers = {"rootfeed": (lambda p: read_rootfeed(p, one_thread), nbytes),
               "uproot np": (make_uproot_reader(uproot, "np", one_thread,
                                                NP_JAGGED_ENTRIES if label == "jagged" else None),
                             nbytes * share)}
    if label == "jagged":
        readers["uproot ak"] = (make_uproot_reader(uproot, "ak", one_thread), nbytes)
    speeds = {k: [] for k in readers}  # MB/s per run
    for _ in range(RUNS):
        for name, (read, size) in readers.items():
            speeds[name].append(size / 1e6 / timed(read, path))
    mbs = {k: statistics.median(v) for k, v in speeds.items()}
    ratios = {k: statistics.median(np.array(speeds["rootfeed"]) / np.array(speeds[k]))
              for k in readers if k != "rootfeed"}
    return nbytes, mbs, ratios


def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main():
    import uproot
    files = write_files(uproot)
    print(f"rootfeed {rootfeed.__version__} vs uproot {uproot.__version__} "
          f"(awkward {__import__('awkward').__version__}, numpy {np.__version__}); "
          f"{ROWS} entries; median of {RUNS} runs; {machine()}")
    print()
    print("| table | codec | format | threads | MB values | rootfeed MB/s | uproot np MB/s "
          "| rootfeed / uproot np | uproot ak MB/s | rootfeed / uproot ak |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|---:|")
    for one_thread in (False, True):
        for label, codec, fmt, path in files:
            nbytes, mbs, ratios = bench_file(uproot, path, label, one_thread)
            ak_cols = (f"{mbs['uproot ak']:.3g} | **{ratios['uproot ak']:.2f}**"
                       if "uproot ak" in mbs else "- | -")
            print(f"| {label} | {codec} | {fmt} | {'1' if one_thread else 'defaults'} | "
                  f"{nbytes / 1e6:.1f} | {mbs['rootfeed']:.3g} | {mbs['uproot np']:.3g} | "
                  f"**{ratios['uproot np']:.2f}** | {ak_cols} |", flush=True)


if __name__ == "__main__":
    main()
