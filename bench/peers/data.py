"""The loader bench's data: one table, written once per format and codec, the same values in
each (bench/peers/run.py calls make(); files go to bench/out/peers/KIND_ROWS/).

flat:   ROWS x 20 float32 features (f00..f19, kinematic-looking) + label (float32, row % 2)
jagged: NanoAOD-like: Muon_pt/eta/phi, Electron_pt/eta/phi, Jet_pt/eta/phi/btagDeepFlavB
        (variable counts per event), MET_pt, MET_phi, label; a loader delivers them padded
        with zeros to 2 muons, 2 electrons and 4 jets: 30 features.

Formats: ROOT TTree and RNTuple per codec (rootfeed's writer with ROOT's default layout: TTree
32 kB baskets and 30 MB auto-flush, RNTuple 1 MiB pages and 100 MiB clusters), CSV (the
padded features, written by pandas), Parquet per codec (pyarrow, row groups of STEP rows;
jagged columns as lists), and arrays.npz (the padded features in memory, for the in-memory
peers). MDS shards are written by mds_convert.py inside .venv-peers.
"""
import json
import os
import time

import numpy as np

NFEAT = 20
MAX_SIZES = {"Muon": 2, "Electron": 2, "Jet": 4}
FIELDS = {"Muon": ["pt", "eta", "phi"], "Electron": ["pt", "eta", "phi"],
          "Jet": ["pt", "eta", "phi", "btagDeepFlavB"]}
CODECS = {"zstd": "zstd:5", "lz4": "lz4:4", "zlib": "zlib:1", "none": "none"}
PARQUET_CODECS = {"zstd": "zstd", "lz4": "lz4", "zlib": "gzip", "none": "none"}
TREE = "Events"


def flat_table(rows, seed=1):
    rng = np.random.default_rng(seed)
    cols = {}
    for i in range(NFEAT):
        v = (rng.exponential(30.0, rows) + 20.0, rng.normal(0.0, 1.5, rows),
             rng.uniform(-np.pi, np.pi, rows), rng.gamma(2.0, 10.0, rows))[i % 4]
        cols[f"f{i:02d}"] = v.astype(np.float32)
    cols["label"] = (np.arange(rows) % 2).astype(np.float32)
    return cols


def jagged_table(rows, seed=2):
    """{column: array or (offsets, values)} with NanoAOD's names."""
    rng = np.random.default_rng(seed)
    cols = {}
    for coll, mean in (("Muon", 1.2), ("Electron", 1.0), ("Jet", 5.0)):
        off = np.concatenate([[0], np.cumsum(rng.poisson(mean, rows))]).astype(np.int64)
        n = int(off[-1])
        gen = {"pt": lambda: rng.exponential(30.0, n) + 15, "eta": lambda: rng.normal(0, 1.5, n),
               "phi": lambda: rng.uniform(-np.pi, np.pi, n),
               "btagDeepFlavB": lambda: rng.uniform(0, 1, n)}
        for field in FIELDS[coll]:
            cols[f"{coll}_{field}"] = (off, gen[field]().astype(np.float32))
    cols["MET_pt"] = rng.exponential(40.0, rows).astype(np.float32)
    cols["MET_phi"] = rng.uniform(-np.pi, np.pi, rows).astype(np.float32)
    cols["label"] = (np.arange(rows) % 2).astype(np.float32)
    return cols


def padded(cols):
    """(feature names, X float32 (rows, n)) with jagged columns padded/cut with zeros, as
    ROOT's loader flattens them (name_0 .. name_{k-1})."""
    names, parts = [], []
    for name, v in cols.items():
        if name == "label":
            continue
        if isinstance(v, tuple):
            off, values = v
            k = MAX_SIZES[name.split("_")[0]]
            counts = np.diff(off)
            block = np.zeros((len(counts), k), np.float32)
            for j in range(k):
                has = counts > j
                block[has, j] = values[off[:-1][has] + j]
            names += [f"{name}_{j}" for j in range(k)]
            parts.append(block)
        else:
            names.append(name)
            parts.append(v[:, None])
    return names, np.ascontiguousarray(np.concatenate(parts, 1))


def _timed(what, fn):
    start = time.perf_counter()
    fn()
    return round(time.perf_counter() - start, 2)


def make(kind, rows, out, step):
    """Writes what is missing under out/KIND_ROWS; returns (folder, meta)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    import rootfeed
    folder = os.path.join(out, f"{kind}_{rows}")
    meta_path = os.path.join(folder, "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            return folder, json.load(f)
    os.makedirs(os.path.join(folder, "root"), exist_ok=True)
    os.makedirs(os.path.join(folder, "parquet"), exist_ok=True)
    cols = flat_table(rows) if kind == "flat" else jagged_table(rows)
    names, X = padded(cols)
    y = cols["label"]
    np.savez(os.path.join(folder, "arrays.npz"), X=X, y=y)
    conversion = {}
    for codec, setting in CODECS.items():
        for fmt in ("ttree", "rntuple"):
            path = os.path.join(folder, "root", f"{codec}.{fmt}.root")
            rootfeed.write(path, TREE, cols, format=fmt, compression=setting)
    df = pd.DataFrame(X, columns=names)
    df["label"] = y
    conversion["csv"] = _timed("csv", lambda: df.to_csv(os.path.join(folder, "data.csv"),
                                                         index=False))
    arrow = pa.table({k: (pa.ListArray.from_arrays(v[0], v[1]) if isinstance(v, tuple) else v)
                      for k, v in cols.items()})
    for codec, name in PARQUET_CODECS.items():
        path = os.path.join(folder, "parquet", f"{codec}.parquet")
        conversion[f"parquet {codec}"] = _timed(path, lambda: pq.write_table(
            arrow, path, compression=name, row_group_size=step))
    jagged = {k: MAX_SIZES[k.split("_")[0]] for k, v in cols.items() if isinstance(v, tuple)}
    meta = dict(kind=kind, rows=rows, features=names, label_sum=float(y.sum()),
                columns=[k for k in cols if k != "label"], jagged=jagged, tree=TREE,
                conversion_seconds=conversion,
                value_bytes=int(sum((v[1].nbytes + v[0].nbytes) if isinstance(v, tuple)
                                    else v.nbytes for v in cols.values())))
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=1)
    return folder, meta
