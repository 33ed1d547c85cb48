"""The demo's training (make demo): the PNN of demo/pnn.py on the stand-in PHYSLITE samples
(demo/generate.py), selected with a Filter and given its features by Defines through
rootfeed.RDataFrame (demo/selection.py), trained with PyTorch on batches from
rootfeed.CreatePyTorchGenerators (ROOT 6.38's API: chunks of blocks drawn at random, a
validation split). Prints each epoch's loss, the validation ROC AUC per mass point and the
loader's throughput; writes OUT/pnn.png (loss curves, ROC curves, network outputs) and
OUT/summary.txt.

    python demo/train.py [--data demo/out] [--format ttree|rntuple] [--epochs 6] [--seed 1]
"""
import argparse
import glob
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pnn  # noqa: E402
import rootfeed  # noqa: E402
from selection import FEATURES, TARGET, selection  # noqa: E402

TREE = "CollectionTree"
MASSES = (FEATURES.index("mass_chargino"), FEATURES.index("mass_neutralino"))


def dataframe(data, fmt):
    """The selected events with the PNN's features, as an RDataFrame over every sample."""
    files = sorted(glob.glob(os.path.join(data, fmt, "*.root")))
    if not files:
        raise SystemExit(f"train: no {fmt} files under {data} (run demo/generate.py)")
    cut, defines = selection(fmt)
    df = rootfeed.RDataFrame(TREE, files).Filter(cut, "two opposite-charge muons, trigger")
    for name, expression in defines.items():
        df = df.Define(name, expression)
    return df


class Timed:
    """Iterates batches, counting rows and the seconds spent waiting for the loader."""

    def __init__(self, batches):
        self.batches, self.seconds, self.rows = batches, 0.0, 0

    def __iter__(self):
        it = iter(self.batches)
        while True:
            t = time.perf_counter()
            try:
                X, y = next(it)
            except StopIteration:
                return
            self.seconds += time.perf_counter() - t
            self.rows += len(X)
            yield X, y


class Progress:
    """A progress bar on stderr when it is a terminal (else silent)."""

    def __init__(self, label, total):
        self.label, self.total, self.done = label, total, 0
        self.on, self.t0, self.last = sys.stderr.isatty(), time.perf_counter(), 0.0

    def __call__(self, rows):
        self.done += 1
        now = time.perf_counter()
        if self.on and (now - self.last > 0.1 or self.done == self.total):
            self.last = now
            bar = "#" * (30 * self.done // self.total)
            sys.stderr.write(f"\r{self.label} [{bar:<30}] {self.done}/{self.total} batches "
                             f"{now - self.t0:5.1f} s\x1b[K")
            if self.done == self.total:
                sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def gather(batches):
    """(X, y) NumPy arrays of a whole part: one pass over its batches."""
    xs, ys = zip(*((X.numpy().copy(), y.numpy().ravel().copy()) for X, y in batches))
    return np.concatenate(xs), np.concatenate(ys)


def plot(path, history, points, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(2, 2, figsize=(13, 10))
    ep = np.arange(1, len(history) + 1)
    a = ax[0, 0]
    a.plot(ep, [h["train_loss"] for h in history], "o-", label="training (mean over the epoch)")
    a.plot(ep, [h["val_loss"] for h in history], "s--", label="validation (after the epoch)")
    a.set(xlabel="epoch", ylabel="binary cross-entropy per event", title="Loss")
    a.legend()
    a.grid(alpha=0.3)
    a = ax[0, 1]
    for (mc, mn), r in points.items():
        a.plot(r["roc"][0], r["roc"][1], lw=1.2,
               label=f"({mc}, {mn}) GeV: AUC {r['auc']:.3f} $\\pm$ {r['err']:.3f}")
    a.plot([0, 1], [0, 1], ":", color="gray", label="random")
    a.set(xlabel="background efficiency (false positive rate)",
          ylabel="signal efficiency (true positive rate)",
          title=r"Validation ROC per mass point ($m(\tilde\chi^\pm_1)$, $m(\tilde\chi^0_1)$)")
    a.legend(fontsize=8, loc="lower right")
    a.grid(alpha=0.3)
    easy, hard = max(points, key=lambda k: points[k]["auc"]), min(points, key=lambda k: points[k]["auc"])
    bins = np.linspace(0, 1, 41)
    for a, k in ((ax[1, 0], easy), (ax[1, 1], hard)):
        r = points[k]
        a.hist(r["bkg"], bins, density=True, histtype="stepfilled", alpha=0.4,
               label=f"background (SM), {len(r['bkg'])} events")
        a.hist(r["sig"], bins, density=True, histtype="step", lw=2,
               label=f"signal ({k[0]}, {k[1]}) GeV, {len(r['sig'])} events")
        a.set_yscale("log")
        a.set(xlabel="network output (sigmoid)", ylabel="density (normalised to 1)",
              title=f"Network output at ({k[0]}, {k[1]}) GeV: AUC {r['auc']:.3f}")
        a.legend(fontsize=9, loc="upper center")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def summary(args, selected, points, history, loader_alone, seconds):
    """The text summary's lines (the first two are its title)."""
    lines = [f"PNN ({pnn.HIDDEN} x {pnn.WIDTH}) on the stand-in ATLAS PHYSLITE samples "
             f"({args.format}, {selected} selected events), {args.epochs} epochs, seed {args.seed}",
             "", "validation ROC AUC per mass point (m(chi1+-), m(chi10)) in GeV, +- its "
             "statistical uncertainty (Hanley-McNeil):"]
    for (mc, mn), r in points.items():
        lines.append(f"  ({mc:3d}, {mn:3d})  AUC {r['auc']:.4f} +- {r['err']:.4f}  "
                     f"({len(r['sig'])} signal, {len(r['bkg'])} background events)")
    rates = [h["loader_rows_per_s"] for h in history]
    lines += ["", "epoch  train loss  val loss  seconds  waiting for batches"]
    lines += [f"{h['epoch']:5d}  {h['train_loss']:10.4f}  {h['val_loss']:8.4f}  "
              f"{h['seconds']:7.1f}  {h['loader_seconds']:5.2f} s" for h in history]
    lines += ["", f"loader: one epoch alone at {loader_alone / 1e3:.0f} k rows/s "
              f"({loader_alone * (len(FEATURES) + 1) * 4 / 1e6:.1f} MB/s of float32 batches); "
              f"while training, {min(rates) / 1e3:.0f}-{max(rates) / 1e3:.0f} k rows per second "
              f"spent waiting for batches",
              f"wall time {seconds:.1f} s, the loader on {args.threads} threads"]
    return lines


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(here, "out"))
    ap.add_argument("--out", default=None, help="where pnn.png and summary.txt go (--data)")
    ap.add_argument("--format", default="ttree", choices=["ttree", "rntuple"])
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch-size", type=int, default=1024)
    ap.add_argument("--chunk-size", type=int, default=200_000)
    ap.add_argument("--block-size", type=int, default=200)
    ap.add_argument("--validation-split", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1),
                    help="the loader's threads")
    args = ap.parse_args(argv)
    out = args.out or args.data
    start = time.perf_counter()
    # one thread for torch: a 3 x 60 network gains nothing from intra-op threads, which only
    # spin against the loader's threads on a small machine
    torch.set_num_threads(1)
    with open(os.path.join(args.data, "samples.json")) as f:
        grid = [tuple(m) for m in json.load(f)["signal_grid"]]

    df = dataframe(args.data, args.format)
    selected = df.Count().GetValue()
    train, val = rootfeed.CreatePyTorchGenerators(
        df, batch_size=args.batch_size, chunk_size=args.chunk_size, block_size=args.block_size,
        columns=FEATURES + [TARGET], target=TARGET, validation_split=args.validation_split,
        set_seed=args.seed, num_threads=args.threads)
    # the loader alone, one epoch (it also gives the standardisation's mean and std)
    timed = Timed(train)
    Xt, yt = gather(timed)
    loader_alone = timed.rows / timed.seconds
    print(f"selected {selected} events ({args.format}); training {len(Xt)} "
          f"({int(yt.sum())} signal), validation {len(val) * args.batch_size} "
          f"rows in batches of {args.batch_size}; the loader alone: one epoch in "
          f"{timed.seconds:.2f} s, {loader_alone / 1e3:.0f} k rows/s")
    model, opt, loss_fn = pnn.make(Xt.mean(0), Xt.std(0), seed=args.seed)
    del Xt, yt

    history = []
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        timed = Timed(train)
        bar = Progress(f"epoch {epoch}/{args.epochs}", len(train))
        train_loss = pnn.train_epoch(model, opt, loss_fn, timed, on_batch=bar)
        seconds = time.perf_counter() - t0
        Xv, yv = gather(val)
        sv = pnn.scores(model, Xv)
        val_loss = float(loss_fn(torch.logit(torch.as_tensor(sv), eps=1e-7),
                                 torch.as_tensor(yv, dtype=torch.float64)))
        points = pnn.per_mass_point(model, Xv, yv, grid, MASSES)
        aucs = [r["auc"] for r in points.values()]
        history.append(dict(epoch=epoch, train_loss=train_loss, val_loss=val_loss,
                            seconds=seconds, loader_seconds=timed.seconds,
                            loader_rows_per_s=timed.rows / timed.seconds,
                            auc={f"{mc},{mn}": r["auc"] for (mc, mn), r in points.items()}))
        print(f"epoch {epoch}/{args.epochs}: loss {train_loss:.4f} (validation {val_loss:.4f}), "
              f"AUC {min(aucs):.3f}-{max(aucs):.3f} over {len(aucs)} mass points, {seconds:.1f} s "
              f"({100 * timed.seconds / seconds:.0f} % waiting for batches)", flush=True)

    lines = summary(args, selected, points, history, loader_alone,
                    time.perf_counter() - start)
    print("\n".join(lines[2:]))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "history.json"), "w") as f:
        json.dump(history, f, indent=1)
    plot(os.path.join(out, "pnn.png"), history, points,
         f"rootfeed PNN demo: {args.format}, {selected} selected events, {args.epochs} epochs")
    print(f"wrote {os.path.join(out, 'pnn.png')} and summary.txt in "
          f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
