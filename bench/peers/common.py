"""What every peer script of the loader bench shares (bench/peers/run.py runs each in its own
process): the command line, the epoch loop that times one shuffled epoch of (X, y) torch
batches and checks it, and the JSON line the driver reads.

A peer script builds its loader as its library's documentation would, then calls
``report(args, batches)`` with an iterable of (X, y) torch tensors. The epoch is timed from
parse_args(), called after the imports (so reading a CSV or opening files counts), to the last
batch; conversions (Parquet, MDS) are made by the driver beforehand and timed apart. The check:
every row once (the rows and the sum of y, whose labels are the row number mod 2).
"""
import argparse
import json
import resource
import time

START, CPU0 = time.perf_counter(), 0.0  # the epoch's clocks, restarted by parse_args()


def parse_args(extra=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="the input (file, folder or .npz)")
    ap.add_argument("--meta", required=True, help="JSON: features, rows, label sum, max sizes")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=1024)
    ap.add_argument("--step", type=int, default=100_000, help="rows per read step/chunk")
    ap.add_argument("--epochs", type=int, default=1,
                    help="epochs in all: those after the first are timed apart (steady state)")
    ap.add_argument("--budget", type=float, default=0,
                    help="seconds after the first batch: stop an epoch still running then and "
                         "project its time from the rows delivered (0: whole epochs)")
    for name, kw in (extra or {}).items():
        ap.add_argument(name, **kw)
    args = ap.parse_args()
    with open(args.meta) as f:
        args.info = json.load(f)
    restart_clock()  # after the peer's imports: the epoch's clock
    return args


def restart_clock():
    """Starts the epoch's clocks (wall time and the process's CPU time) now."""
    global START, CPU0
    START = time.perf_counter()
    CPU0 = _cpu(resource.RUSAGE_SELF)


def _cpu(*who):
    return sum(getattr(resource.getrusage(w), f) for w in who for f in ("ru_utime", "ru_stime"))


def peak_rss_mb():
    """Peak resident memory of this process and of its largest child (DataLoader workers)."""
    own = children = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                own = int(line.split()[1]) / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _epoch(batches, budget=0, labels=True):
    """Iterates batches; stops early once `budget` seconds have passed since the first batch
    (0: never). Returns rows, batches, the sum of y (0 when `labels` is false: a torch
    reduction per batch, 7-10 us on the consumer's core), the feature count, and the time and
    rows of the first batch (the start-up: reading a CSV, opening files, the first chunk)."""
    import torch
    rows = nbatches = 0
    ysum = 0.0
    nfeat = first = None
    for X, y in batches:
        assert isinstance(X, torch.Tensor) and isinstance(y, torch.Tensor)
        nfeat = X.shape[1]
        rows += X.shape[0]
        if labels:
            ysum += float(y.sum())
        nbatches += 1
        if first is None:
            first = (time.perf_counter(), rows)
        if budget and time.perf_counter() - first[0] > budget:
            break
    return rows, nbatches, ysum, nfeat, first


def report(args, batches, **extra):
    """Iterates one epoch of (X, y) batches, checks it, prints the result as one JSON line.
    With --epochs N > 1 (a re-iterable `batches`: rootfeed's), epochs 2..N follow, each timed
    alone: their median is the steady state (files open, buffers made), the loader's own pace,
    set against DESIGN.md's bound. They check their rows and features; the sum of the labels,
    a torch reduction per batch that costs a fast loader's epoch 15-30 %, is the first
    epoch's check, where every peer pays it.
    With --budget, an epoch still running that many seconds after its first batch stops: its
    time is projected as the start-up (to the first batch) plus the rest of the rows at the
    rate measured after the first batch, and the check covers the rows delivered (each once is
    then unchecked)."""
    rows, nbatches, ysum, nfeat, first = _epoch(batches, args.budget)
    seconds = time.perf_counter() - START
    cpu = _cpu(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) - CPU0
    info = args.info
    total = info["rows"]
    if 0 < rows < total and first and rows > first[1]:  # stopped by the budget: project
        frac = (total - first[1]) / (rows - first[1])
        startup = first[0] - START
        extra["partial"] = f"{rows} of {total} rows in {seconds:.0f} s"
        seconds = startup + (seconds - startup) * frac
        cpu *= seconds / (time.perf_counter() - START)
        ok = nfeat == len(info["features"]) and abs(ysum - rows / 2) < 5 * rows ** 0.5 / 2 + 1
        check = f"partial epoch: {rows}/{total} rows, y sum {ysum:.0f} (half, within 5 sigma), features " \
                f"{nfeat}/{len(info['features'])}"
        rows = total
    else:
        ok = rows == total and abs(ysum - info["label_sum"]) < 0.5 and \
            nfeat == len(info["features"])
        check = f"rows {rows}/{total}, y sum {ysum:.0f}/{info['label_sum']}, " \
                f"features {nfeat}/{len(info['features'])}"
    steady = []
    for _ in range(args.epochs - 1):
        t0 = time.perf_counter()
        r, _, _, f, _ = _epoch(batches, labels=False)
        steady.append(time.perf_counter() - t0)
        ok = ok and r == rows and f == nfeat
    if steady:
        steady.sort()
        extra["steady_seconds"] = steady[len(steady) // 2]
        extra["steady_mb_per_s"] = rows * (len(info["features"]) + 1) * 4 / 1e6 / extra["steady_seconds"]
    own, child = peak_rss_mb()
    out = dict(rows=rows, batches=nbatches, seconds=seconds, cpu_seconds=cpu,
               rows_per_s=rows / seconds,
               mb_per_s=rows * (len(info["features"]) + 1) * 4 / 1e6 / seconds,
               peak_rss_mb=own, child_peak_rss_mb=child, ok=ok, check=check, **extra)
    print(json.dumps(out), flush=True)
