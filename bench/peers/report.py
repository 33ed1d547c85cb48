"""Writes the loader bench's results (bench/peers/run.py) as Markdown, ratios first, and a PNG
chart beside it."""
import os

LETTERS = "abcdefg"
NAMES = {"a": "(a) rootfeed", "b": "(b) uproot", "c": "(c) CSV + DataLoader",
         "d": "(d) DataLoader, memory", "e": "(e) Parquet", "f": "(f) mosaic MDS",
         "g": "(g) ROOT RDataLoader", "h": "(h) gather ceiling"}


def _index(results):
    return {(r["kind"], r["codec"], r["fmt"], r["threads"], r["peer"]): r for r in results}


def _find(idx, kind, codec, threads, peer, fmt=None):
    """The result of a peer for a row; codec-free peers (CSV, in memory) answer every codec."""
    for (k, c, f, t, p), r in idx.items():
        if (k, t, p) == (kind, threads, peer) and c in (codec, "-") and fmt in (None, f):
            return r
    return None


def _mbs(r):
    return r.get("mb_per_s") if r and "mb_per_s" in r else None


def _cell(r, ref):
    if r is None:
        return "n/a"
    if "skipped" in r:
        return "slot"
    if "error" in r:
        return "failed"
    if not r.get("ok"):
        return "wrong"
    return f"{_mbs(r) / ref:.3f}" if ref else "?"


def _bound(info, kind, codec, fmt, threads):
    b = info["bounds"].get(f"{kind}/{codec}/{fmt}")
    return b * threads if b else None


def write(path, info, results, kinds, codecs, threads):
    idx = _index(results)
    lines = ["# Loader bench: one shuffled epoch of torch batches, rootfeed against every peer", "",
             "Written by `make bench-peers` (bench/peers/run.py); do not edit by hand.", ""]
    lines += _ratio_tables(idx, info, kinds, codecs, threads)
    lines += _detail_table(idx, info, results)
    lines += _setup_notes(info, results)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    _chart(os.path.splitext(path)[0] + ".png", idx, info, kinds, threads)


def _ratio_tables(idx, info, kinds, codecs, threads):
    head = "| data | codec | threads | " + " | ".join(NAMES[p] for p in LETTERS) + " |"
    rule = "|---|---|---:|" + "---:|" * len(LETTERS)
    out = ["## Ratios", "",
           "Throughput (MB/s of delivered float32 values: features + label) divided by DESIGN.md's "
           "bound for the same data (the TTree file of that codec; 2 threads: twice the one-thread "
           "bound). ROOT-file peers: TTree / RNTuple. `slot`: rootfeed's Python loader is not there "
           "yet; `n/a`: the peer has no such codec; `failed`: see the details.", "", head, rule]
    for kind in kinds:
        for codec in codecs:
            for t in threads:
                ref = _bound(info, kind, codec, "ttree", t)
                cells = []
                for p in LETTERS:
                    if p in "abg":
                        pair = [_cell(_find(idx, kind, codec, t, p, f), _bound(info, kind, codec, f, t))
                                for f in ("ttree", "rntuple")]
                        cells.append(" / ".join(pair))
                    else:
                        cells.append(_cell(_find(idx, kind, codec, t, p), ref))
                out.append(f"| {kind} | {codec} | {t} | " + " | ".join(cells) + " |")
    out += ["", "The same throughputs divided by the in-memory ceiling (h), a batched gather "
            "`X[perm[i:i+B]]` over tensors in memory, on the same number of threads:", "",
            head, rule]
    for kind in kinds:
        for codec in codecs:
            for t in threads:
                ceiling = _mbs(_find(idx, kind, codec, t, "h"))
                cells = []
                for p in LETTERS:
                    fmts = ("ttree", "rntuple") if p in "abg" else (None,)
                    cells.append(" / ".join(_cell(_find(idx, kind, codec, t, p, f), ceiling)
                                            for f in fmts))
                out.append(f"| {kind} | {codec} | {t} | " + " | ".join(cells) + " |")
    return out + [""]


def _detail_table(idx, info, results):
    out = ["## Details", "",
           "| data | codec | input | threads | peer | MB/s | rows/s | s | peak RSS MB (main / "
           "largest child) | check |", "|---|---|---|---:|---|---:|---:|---:|---:|---|"]
    for r in results:
        name = NAMES[r["peer"]]
        if "error" in r or "skipped" in r:
            out.append(f"| {r['kind']} | {r['codec']} | {r['fmt']} | {r['threads']} | {name} | - | - "
                       f"| - | - | {r.get('error') or r.get('skipped')} |")
            continue
        out.append(f"| {r['kind']} | {r['codec']} | {r['fmt']} | {r['threads']} | {name} | "
                   f"{r['mb_per_s']:.1f} | {r['rows_per_s']:.3g} | {r['seconds']:.1f} | "
                   f"{r['peak_rss_mb']:.0f} / {r['child_peak_rss_mb']:.0f} | "
                   f"{'ok' if r['ok'] else 'WRONG'}: {r['check']} |")
    out += ["", "Bounds (one thread, MB/s of decoded values, bench/ttree and bench/rntuple): " +
            ", ".join(f"{k} {v:.0f}" for k, v in info["bounds"].items() if v), "",
            "Conversions (seconds, apart from the epochs): " +
            "; ".join(f"{kind}: " + ", ".join(f"{k} {v}" for k, v in conv.items())
                      for kind, conv in info["conversions"].items()), ""]
    return out


def _setup_notes(info, results):
    v = ", ".join(f"{k} {val}" for k, val in info["versions"].items())
    sizes = "; ".join(f"{k}: {m['rows']} rows, {len(m['features'])} features, "
                      f"{m['value_bytes'] / 1e6:.0f} MB of column values" for k, m in info["sizes"].items())
    return ["## Setup", "", f"Machine: {info['machine']}.", "", f"Versions: {v}.", "",
            f"Data: {sizes}; batch size {info['batch']}, read step / chunk / row group / ROOT "
            f"buffer {info['step']} rows. One epoch per process, timed from the process start "
            "(reading the CSV, opening files and building the loader count) except (d) and (h), "
            "which time only the epoch over data already in memory.", ""]


def _chart(path, idx, info, kinds, threads):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    fig, axes = plt.subplots(1, len(kinds), figsize=(7 * len(kinds), 5), squeeze=False)
    letters = "abcdefgh"
    for ax, kind in zip(axes[0], kinds):
        x = np.arange(len(letters))
        width = 0.8 / len(threads)
        for j, t in enumerate(threads):
            vals = [_mbs(_find(idx, kind, "zstd", t, p, "ttree" if p in "abg" else None)) or 0
                    for p in letters]
            ax.bar(x + (j - (len(threads) - 1) / 2) * width, vals, width, label=f"{t} thread(s)")
        b = _bound(info, kind, "zstd", "ttree", 1)
        if b:
            ax.axhline(b, color="k", ls="--", lw=1, label="bound, 1 thread (zstd TTree)")
        ax.set_yscale("log")
        ax.set_xticks(x, [NAMES[p] for p in letters], rotation=35, ha="right", fontsize=8)
        ax.set_ylabel("MB/s of delivered values (log)")
        ax.set_title(f"{kind} data, zstd: one shuffled epoch as torch batches")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
