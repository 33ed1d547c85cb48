"""Writes the loader bench's results (bench/peers/run.py) as Markdown, ratios first, and a PNG
chart beside it."""
import os

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


def _bound(info, kind, codec, fmt, threads):
    return info["bounds"].get(f"{kind}/{codec}/{fmt}/{threads}")


def _bound_seconds(info, kind, codec, fmt, threads, r):
    """Seconds of the bound's pass over the file: its own MB of decoded values over its MB/s
    (jagged files store fewer values than the padded rows deliver); with a run that did not
    keep those MB, the MB the peer result r delivered."""
    rate = _bound(info, kind, codec, fmt, threads)
    if not rate or not r:
        return None
    mb = info.get("bound_mb", {}).get(f"{kind}/{codec}/{fmt}", r["mb_per_s"] * r["seconds"])
    return mb / rate


def write(path, info, results, kinds, codecs, threads):
    idx = _index(results)
    lines = ["# Loader bench: one shuffled epoch of torch batches, rootfeed against every peer", "",
             "Written by `make bench-peers` (bench/peers/run.py); do not edit by hand.", ""]
    for r in results:
        if r.get("cpu_seconds"):
            r["mb_per_cpu_s"] = r["mb_per_s"] * r["seconds"] / r["cpu_seconds"]
    lines += _ratio_tables(idx, info, kinds, codecs, threads)
    lines += _ratio_tables(idx, info, kinds, codecs, threads, key="mb_per_cpu_s")
    lines += _detail_table(idx, info, results)
    lines += _setup_notes(info, results)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    _chart(os.path.splitext(path)[0] + ".png", idx, info, kinds, threads)


def _good(r, key="mb_per_s"):
    return r is not None and key in r and r.get("ok")


def _ratio(a, b, key="mb_per_s"):
    """a's throughput over b's, or why there is none."""
    if not _good(a, key):
        return "slot" if a and "skipped" in a else "-"
    if b is None:
        return "n/a"
    if "error" in b or not b.get("ok"):
        return "failed" if "error" in b else "wrong"
    return (f"{a[key] / b[key]:.1f}" + ("*" if "partial" in b else "")) if key in b else "-"


_WALL = ("## rootfeed against every peer", "wall-clock time of the epoch")
_CPU = ("## The same per CPU-second", "CPU time of the epoch (user + system, all the process's "
        "threads and children): robust to the machine's other jobs, blind to parallelism")


def _ratio_tables(idx, info, kinds, codecs, threads, key="mb_per_s"):
    title, basis = _WALL if key == "mb_per_s" else _CPU
    out = [title, "", f"Throughput from the {basis}. "
           "Each cell: rootfeed's throughput divided by the peer's, on the same data, codec and "
           "number of threads, as `TTree / RNTuple` (rootfeed reading the TTree file, then the "
           "RNTuple file; the ROOT-file peers (b) and (g) read the same format as rootfeed, the "
           "others their own input). Above 1: rootfeed is ahead. `of bound`: the bound's "
           "time over rootfeed's, the bound being DESIGN.md's for the file (on the wall clock: "
           "the bound on the same threads over rootfeed's steady state - the median of epochs 2-4 "
           "of its process, files open and buffers made, which check their rows but leave the "
           "label sum, a torch reduction per batch, to the first epoch; per CPU-second: the one-thread bound "
           "over the epoch's CPU time); "
           "`of ceiling`: over (h), the batched gather `X[perm[i:i+B]]` over tensors "
           "in memory. `n/a`: the peer has no such codec (MDS has no lz4); `failed`: see the "
           "details; `*`: the peer's epoch time projected from a partial epoch (see Setup).", "",
           "| data | codec | threads | rootfeed MB/s | " +
           " | ".join(f"/ {NAMES[p]}" for p in "bcdefg") + " | of bound | of ceiling (h) |",
           "|---|---|---:|---:|" + "---:|" * 8]
    for kind in kinds:
        for codec in codecs:
            for t in threads:
                a = {f: _find(idx, kind, codec, t, "a", f) for f in ("ttree", "rntuple")}
                tb = str(t) if key == "mb_per_s" else "1"  # CPU time: the one-thread bound
                mbs = " / ".join(f"{a[f][key]:.0f}" if _good(a[f], key) else "-" for f in a)
                cells = []
                for p in "bcdefg":
                    cells.append(" / ".join(
                        _ratio(a[f], _find(idx, kind, codec, t, p, f if p in "bg" else None), key)
                        for f in a))
                secs = "steady_seconds" if key == "mb_per_s" else "cpu_seconds"
                bound = " / ".join(
                    f"{_bound_seconds(info, kind, codec, f, tb, a[f]) / a[f].get(secs, a[f]['seconds']):.2f}"
                    if _good(a[f], key) and _bound_seconds(info, kind, codec, f, tb, a[f]) else "-" for f in a)
                ceiling = " / ".join(_ratio(a[f], _find(idx, kind, codec, t, "h"), key) for f in a)
                out.append(f"| {kind} | {codec} | {t} | {mbs} | " + " | ".join(cells) +
                           f" | {bound} | {ceiling} |")
    if key == "mb_per_s":
        out += ["", "The bound over (c), the CSV DataLoader: how far ahead of it any reader of "
                "these files can be, decompression alone, on the same threads (TTree / RNTuple): " +
                "; ".join(f"{k} {c} {t} thr. " + " / ".join(
                    f"x{csv['seconds'] / _bound_seconds(info, k, c, f, str(t), a):.0f}"
                    if _bound_seconds(info, k, c, f, str(t), a) else "-" for f, a in (
                        (f, _find(idx, k, c, t, "a", f)) for f in ("ttree", "rntuple")))
                    for k in kinds for c in codecs for t in threads
                    for csv in [_find(idx, k, c, t, "c")] if _good(csv)) + "."]
    return out + [""]


def _detail_table(idx, info, results):
    out = ["## Details", "",
           "| data | codec | input | threads | peer | MB/s | rows/s | s | CPU s | peak RSS MB "
           "(main / largest child) | check |", "|---|---|---|---:|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        name = NAMES[r["peer"]]
        if "error" in r or "skipped" in r:
            out.append(f"| {r['kind']} | {r['codec']} | {r['fmt']} | {r['threads']} | {name} | - | - "
                       f"| - | - | - | {r.get('error') or r.get('skipped')} |")
            continue
        out.append(f"| {r['kind']} | {r['codec']} | {r['fmt']} | {r['threads']} | {name} | "
                   f"{r['mb_per_s']:.1f}" + (f" (steady {r['steady_mb_per_s']:.0f})" if "steady_mb_per_s" in r else "") +
                   f" | {r['rows_per_s']:.3g} | {r['seconds']:.1f} | "
                   f"{r.get('cpu_seconds', float('nan')):.1f} | "
                   f"{r['peak_rss_mb']:.0f} / {r['child_peak_rss_mb']:.0f} | "
                   f"{'ok' if r['ok'] else 'WRONG'}: {r['check']}" +
                   (f" (projected from {r['partial']})" if "partial" in r else "") + " |")
    out += ["", "Bounds (MB/s of decoded values, wall time, bench/read/bench_read --threads T; "
            "kind/codec/format/T): " +
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
            "which time only the epoch over data already in memory." + (
                f" Peers other than rootfeed stop {info['budget']:.0f} s after their first "
                "batch (BENCH_PEERS_BUDGET): such an epoch's time is projected as its start-up (to the "
                "first batch) plus all its rows at the rate measured after the first batch, marked "
                "`*` in the tables." if info.get("budget") else ""), ""]


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
        a = _find(idx, kind, "zstd", threads[0], "a", "ttree")
        sec = _bound_seconds(info, kind, "zstd", "ttree", "1", a) if _good(a) else None
        b = a["mb_per_s"] * a["seconds"] / sec if sec else None  # in delivered MB/s
        if b:
            ax.axhline(b, color="k", ls="--", lw=1, label="bound, 1 thread (zstd TTree)")
        ax.set_yscale("log")
        ax.set_xticks(x, [NAMES[p] for p in letters], rotation=35, ha="right", fontsize=8)
        ax.set_ylabel("MB/s of delivered values (log)")
        ax.set_title(f"{kind} data, zstd: one shuffled epoch as torch batches")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
