"""Writes the benchmark files bigger than the CPU caches into bench/out/ (gitignored):

  flat_<codec>.root      TTree "events" written by uproot: 1e6 entries x 20 float32 columns,
                         100k-entry baskets (80 MB of values)
  flat_<codec>.rntuple.root   the same table as an RNTuple, written by rootfeed's writer
                         (`rootfeed convert`: read back from the TTree, so the values are equal)
  nano_<codec>.root      TTree "Events", NanoAOD-like: collections Muon_*, Jet_*, Electron_*
                         with their counters nMuon, nJet, nElectron (int32) and flat MET_*,
                         PV_npvs, run, luminosityBlock, event; 10k-event baskets (~100 MB)
  nano_<codec>.rntuple.root   the same as an RNTuple (rootfeed's writer)

for codec in zstd (level 5), lz4 (4), zlib (1), lzma (1: writing at level 7+ takes minutes
here and decoding speed hardly depends on the level) and none. Existing files are kept.
Usage: gen_files.py [ROOTFEED_BINARY]   (default build/rootfeed)
"""
import os
import subprocess
import sys

import numpy as np
import uproot

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
CODECS = {  # name: (uproot compression, rootfeed setting)
    "zstd": (uproot.ZSTD(5), "zstd:5"),
    "lz4": (uproot.LZ4(4), "lz4:4"),
    "zlib": (uproot.ZLIB(1), "zlib:1"),
    "lzma": (uproot.LZMA(1), "lzma:1"),
    "none": (None, "none"),
}


def rounded(x, bits):
    """float32 with the mantissa cut to `bits` bits, as NanoAOD stores most floats."""
    u = np.asarray(x, np.float32).view(np.uint32)
    drop = 23 - bits
    u = ((u + np.uint32(1 << (drop - 1))) >> np.uint32(drop)) << np.uint32(drop)
    return u.view(np.float32)


def flat_chunk(rng, n):
    """20 physics-like float32 columns: full precision, NanoAOD-rounded and integer-valued."""
    cols = {}
    for k in range(20):
        kind = k % 5
        if kind == 0:
            v = rng.exponential(30.0, n)  # a pt
        elif kind == 1:
            v = rng.normal(0.0, 1.5, n)  # an eta
        elif kind == 2:
            v = rng.uniform(-np.pi, np.pi, n)  # a phi
        elif kind == 3:
            v = rounded(rng.gamma(2.0, 5.0, n), 10)  # rounded like NanoAOD
        else:
            v = np.floor(rng.exponential(4.0, n))  # counts stored as floats
        cols[f"f{k:02d}"] = np.asarray(v, np.float32)
    return cols


def nano_chunk(rng, n):
    """One basket's worth of NanoAOD-like events (counters, collections, flat columns)."""
    import awkward as ak

    out = {}
    for coll, mean, fields in (
        ("Muon", 1.5, ["pt", "eta", "phi", "mass", "charge", "pfRelIso04_all", "dxy", "dz"]),
        ("Jet", 6.0, ["pt", "eta", "phi", "mass", "btagDeepFlavB", "jetId", "area"]),
        ("Electron", 1.0, ["pt", "eta", "phi", "mass", "charge", "sieie"]),
    ):
        counts = rng.poisson(mean, n).astype(np.uint32)
        total = int(counts.sum())
        rec = {}
        for f in fields:
            if f in ("charge",):
                v = rng.choice(np.array([-1, 1], np.int32), total)
            elif f == "jetId":
                v = rng.integers(0, 7, total).astype(np.int32)
            elif f == "pt":
                v = rounded(rng.exponential(25.0, total) + 3.0, 12)
            elif f == "eta":
                v = rounded(rng.normal(0.0, 1.4, total), 12)
            elif f == "phi":
                v = rounded(rng.uniform(-np.pi, np.pi, total), 12)
            else:
                v = rounded(rng.gamma(1.5, 1.0, total), 10)
            rec[f] = ak.unflatten(v, counts)
        out[coll] = ak.zip(rec)
    out["MET_pt"] = rounded(rng.exponential(40.0, n), 12)
    out["MET_phi"] = rounded(rng.uniform(-np.pi, np.pi, n), 12)
    out["PV_npvs"] = rng.poisson(30, n).astype(np.int32)
    out["run"] = np.full(n, 362760, np.uint32)
    out["luminosityBlock"] = (np.arange(n) // 2000 + 1).astype(np.uint32)
    out["event"] = (np.arange(n, dtype=np.uint64) * 7 + 1000000)
    return out


def write_ttree(path, tree, compression, chunks):
    tmp = path + ".tmp"
    with uproot.recreate(tmp, compression=compression) as f:
        t = None
        for chunk in chunks:  # one basket per branch and chunk
            if t is None:
                t = f.mktree(tree, chunk)  # (f[tree] = chunk would write an RNTuple)
            else:
                t.extend(chunk)
    os.replace(tmp, path)


def main():
    rootfeed = sys.argv[1] if len(sys.argv) > 1 else "build/rootfeed"
    os.makedirs(OUT, exist_ok=True)
    shapes = {
        "flat": ("events", lambda rng: (flat_chunk(rng, 100_000) for _ in range(10))),
        "nano": ("Events", lambda rng: (nano_chunk(rng, 10_000) for _ in range(36))),
    }
    for shape, (tree, chunks) in shapes.items():
        for codec, (comp, setting) in CODECS.items():
            path = os.path.join(OUT, f"{shape}_{codec}.root")
            if not os.path.exists(path):
                print(f"writing {path} (uproot)", flush=True)
                write_ttree(path, tree, comp, chunks(np.random.default_rng(12345)))
            rnt = os.path.join(OUT, f"{shape}_{codec}.rntuple.root")
            if not os.path.exists(rnt):
                print(f"writing {rnt} (rootfeed convert)", flush=True)
                subprocess.run([rootfeed, "convert", path, rnt + ".tmp", "--object", tree, "--name", tree,
                                "--format", "rntuple", "--compression", setting], check=True)
                os.replace(rnt + ".tmp", rnt)


if __name__ == "__main__":
    main()
