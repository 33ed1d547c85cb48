"""Iterating the loader's batches from Python against the C engine on the same file, in the
same run: `rootfeed load` (a C consumer that takes each batch and releases it) and the Python
loops a trainer runs - NumPy arrays, torch tensors, a tf.data.Dataset, JAX arrays - each doing
nothing with the batch but make it. The ratio Python / C says what the Python skin costs.

    python bench/python/bench_loader.py [--entries 2000000] [--batch 1024] [--reps 3]

Writes (once) a file of N entries x 20 float32 columns (zstd, clusters of 100,000 entries)
with `rootfeed gen`, then runs, `--reps` times in turn, one epoch of each consumer over the
native mode (chunks of 500,000 entries, blocks of 100,000, all cores) and prints the median
MB/s of batch data (20 x 4 bytes a row) and its ratio to the C figure taken just before it.
Both sides are timed on an engine whose buffers are already faulted in: C's second epoch
(`rootfeed load --epochs 2`), Python's after an untimed first epoch of the same loader.
Needs build/ (ninja -C build) and PYTHONPATH=build/python.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def make_file(path, n, rootfeed_bin):
    if os.path.exists(path):
        return
    schema = ",".join(f"c{i}:float32" for i in range(20))
    subprocess.run([rootfeed_bin, "gen", path, "--entries", str(n), "--schema", schema,
                    "--compression", "zstd:5", "--cluster-entries", "100000"], check=True)


def c_run(args, path, cols, epochs):
    """(last epoch's JSON line, CPU seconds) of one `rootfeed load` process."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([args.bin, "load", path, "--object", "events", "--columns", ",".join(cols),
                          "--batch", str(args.batch), "--chunk", "500000", "--block", "100000",
                          "--threads", str(args.threads), "--seed", "1", "--epochs", str(epochs),
                          "--json"], check=True, capture_output=True, text=True).stdout
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
    return json.loads(out.strip().splitlines()[-1]), cpu


def c_epoch(args, path, cols):
    """(MB/s, CPU seconds) of the C engine's second epoch (its buffers faulted in): MB/s as
    `rootfeed load` times it, CPU as a 2-epoch process's minus a 1-epoch process's."""
    r, cpu2 = c_run(args, path, cols, 2)
    cpu1 = c_run(args, path, cols, 1)[1]
    return r["rows"] * 80 / r["seconds"] / 1e6, cpu2 - cpu1


def py_epoch(make, consume):
    """(MB/s, CPU seconds of the process, CPU microseconds of this thread per batch) of one
    epoch."""
    it = make()
    t0, p0, c0 = time.perf_counter(), time.process_time(), time.thread_time()
    rows, batches = consume(it)
    t1, p1, c1 = time.perf_counter(), time.process_time(), time.thread_time()
    return rows * 80 / (t1 - t0) / 1e6, p1 - p0, (c1 - c0) / batches * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=2_000_000)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--file", default=os.path.join(ROOT, "build", "bench_loader.root"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "rootfeed"))
    ap.add_argument("--only", default="numpy,torch,tf,jax")
    args = ap.parse_args()
    import rootfeed
    make_file(args.file, args.entries, args.bin)
    cols = [f"c{i}" for i in range(20)]
    df = rootfeed.RDataFrame("events", args.file)
    loader = rootfeed.Loader(df, columns=cols, batch_size=args.batch, chunk_size=500_000,
                             block_size=100_000, num_threads=args.threads, seed=1,
                             drop_remainder=False)

    def rows_of(it):
        n = b = 0
        for X in it:
            n += len(X)
            b += 1
        return n, b

    def tf_rows(ds):
        n = b = 0
        for X in ds:
            n += int(X.shape[0])
            b += 1
        return n, b

    consumers = {}
    only = args.only.split(",")
    if "numpy" in only:
        part = loader.as_numpy()
        consumers["NumPy"] = lambda: py_epoch(lambda: part, rows_of)
    if "torch" in only:
        import torch  # noqa: F401
        tpart = loader.as_torch()
        consumers["torch"] = lambda: py_epoch(lambda: tpart, rows_of)
    if "tf" in only:
        import tensorflow  # noqa: F401
        ds = loader.as_tensorflow()
        consumers["TensorFlow"] = lambda: py_epoch(lambda: ds, tf_rows)
    if "jax" in only:
        import jax  # noqa: F401
        jpart = loader.as_jax()
        consumers["JAX"] = lambda: py_epoch(lambda: jpart, rows_of)
    c_name = "C (rootfeed load)"
    figures = {c_name: []}
    wall, cpu, us = ({k: [] for k in consumers} for _ in range(3))
    for k in consumers:
        figures[k] = []
    rows_of(loader.as_numpy())  # a first epoch, untimed: the engine's buffers faulted in
    for rep in range(args.reps):
        for name, run in consumers.items():  # each Python epoch right after a C epoch
            c, c_cpu = c_epoch(args, args.file, cols)
            figures[c_name].append(c)
            v, p_cpu, u = run()
            figures[name].append(v)
            wall[name].append(v / c)
            cpu[name].append(c_cpu / p_cpu)
            us[name].append(u)
        print(f"round {rep + 1}: " + ", ".join(f"{k} {figures[k][-1]:.0f} MB/s" for k in figures),
              file=sys.stderr)
    st = loader.stats()
    mb = args.entries * 80 / 1e6
    print(f"\n{args.entries} entries x 20 float32 ({mb:.0f} MB of batches), batch {args.batch}, "
          f"native mode, {args.threads or os.cpu_count()} threads, median of {args.reps}; "
          f"rows copied into batches that straddle chunks: "
          f"{st['bytes_copied'] / max(st['bytes_delivered'], 1):.2%} of the bytes delivered\n")
    print("| consumer | MB/s | batches/s | ratio to C, wall | ratio to C, CPU | "
          "consumer thread CPU per batch |")
    print("|---|---:|---:|---:|---:|---:|")
    med = statistics.median
    for name, vals in figures.items():
        m = med(vals)
        w, c, u = ((f"**{med(wall[name]):.2f}**", f"**{med(cpu[name]):.2f}**",
                    f"{med(us[name]):.1f} us") if name in wall else ("1", "1", ""))
        print(f"| {name} | {m:.0f} | {m * 1e6 / 80 / args.batch:.0f} | {w} | {c} | {u} |")

if __name__ == "__main__":
    main()
