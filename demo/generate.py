"""Writes the demo's stand-in PHYSLITE samples (demo/physlite.py, demo/README.md) as TTree and
as RNTuple files through rootfeed's writer, plus samples.json describing them.

    python demo/generate.py [--out demo/out] [--events 1050000] [--seed 1] [--jobs 2]

Files: OUT/ttree/mc_SAMPLE.K.root and OUT/rntuple/mc_SAMPLE.K.root, table "CollectionTree",
at most --file-events events each. RNTuple field names spell PHYSLITE's "Coll.var" as
"Coll:var" (RNTuple forbids '.'; ATLAS writes them so). The same seed gives the same files.
"""
import argparse
import json
import os
import sys
import time
from multiprocessing import Pool

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import physlite  # noqa: E402
import rootfeed  # noqa: E402

# events per sample per 1,050,000 (the default total)
SHARES = dict({"Zmumu": 400_000, "ttbar": 200_000, "WW": 150_000, "diboson": 100_000},
              **{physlite.signal_name(*m): 25_000 for m in physlite.SIGNAL_GRID})
DEFAULT_EVENTS = sum(SHARES.values())
TREE = "CollectionTree"
COMPRESSION = "zstd:5"
CLUSTER_ENTRIES = 10_000


def column_name(name, fmt):
    """PHYSLITE's "AnalysisMuonsAuxDyn.pt" in a TTree, "AnalysisMuonsAuxDyn:pt" in an RNTuple."""
    return name.replace(".", ":") if fmt == "rntuple" else name


def _write_chunk(task):
    sample, k, first, n, total, seed, out, formats = task
    cols = physlite.generate(sample, n, seed, first_event=first, total=total)
    paths = []
    for fmt in formats:
        path = os.path.join(out, fmt, f"mc_{sample}.{k}.root")
        rootfeed.write(path, TREE, {column_name(c, fmt): v for c, v in cols.items()},
                       format=fmt, compression=COMPRESSION, cluster_entries=CLUSTER_ENTRIES)
        paths.append(path)
    return sample, n, paths


def plan(events, file_events, seed, out, formats):
    """One task per file: (sample, index, first event, events, sample total, ...)."""
    tasks = []
    for sample, share in SHARES.items():
        total = max(1, round(share * events / DEFAULT_EVENTS))
        for k, first in enumerate(range(0, total, file_events)):
            tasks.append((sample, k, first, min(file_events, total - first), total, seed, out,
                          formats))
    return tasks


def describe(sample):
    procs = physlite._processes(sample, 1000)
    return dict(label=int(sample.startswith("C1C1_")),
                masses=procs[0][7], dsids=[p[6] for p in procs],
                xsec_pb=sum(p[3] for p in procs), processes=[p[0] for p in procs])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out"))
    ap.add_argument("--events", type=int, default=DEFAULT_EVENTS)
    ap.add_argument("--file-events", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formats", default="ttree,rntuple")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    formats = args.formats.split(",")
    for fmt in formats:
        if fmt not in ("ttree", "rntuple"):
            ap.error(f"--formats: {fmt!r} is neither ttree nor rntuple")
        os.makedirs(os.path.join(args.out, fmt), exist_ok=True)
    start = time.time()
    tasks = plan(args.events, args.file_events, args.seed, args.out, formats)
    with Pool(args.jobs) as pool:
        done = pool.map(_write_chunk, tasks, chunksize=1)
    samples = {s: dict(describe(s), events=0, files={f: [] for f in formats}) for s in SHARES}
    for sample, n, paths in done:
        samples[sample]["events"] += n
        for fmt, p in zip(formats, paths):
            samples[sample]["files"][fmt].append(os.path.relpath(p, args.out))
    info = dict(tree=TREE, seed=args.seed, lumi_pb=physlite.LUMI_PB, compression=COMPRESSION,
                cluster_entries=CLUSTER_ENTRIES, signal_grid=physlite.SIGNAL_GRID, samples=samples)
    with open(os.path.join(args.out, "samples.json"), "w") as f:
        json.dump(info, f, indent=1)
    total = sum(s["events"] for s in samples.values())
    print(f"generate: {total} events in {len(tasks)} files per format ({', '.join(formats)}) "
          f"under {args.out} in {time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
