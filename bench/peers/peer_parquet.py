"""(e) Parquet through pyarrow: pyarrow.dataset record batches of one row group each, shuffled
within the batch, torch.from_numpy slices; jagged columns are cut/padded to fixed size with
pyarrow.compute.list_slice. The conversion to Parquet is timed apart (by the driver).
2 threads: pyarrow's CPU and I/O pools of 2 and use_threads."""
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import torch

import common  # bench/peers/common.py

args = common.parse_args()  # the clock starts here, after the imports
torch.set_num_threads(args.threads)

pa.set_cpu_count(args.threads)
pa.set_io_thread_count(args.threads)
info = args.info
rng = np.random.default_rng(1)


def column(batch, name):
    col = batch.column(name)
    if name not in info["jagged"]:
        return col.to_numpy()[:, None]
    k = info["jagged"][name]
    fixed = pc.list_slice(col, 0, k, return_fixed_size_list=True)
    return pc.fill_null(fixed.flatten(), 0).to_numpy().reshape(-1, k)


def batches():
    dataset = ds.dataset(args.data, format="parquet")
    for batch in dataset.to_batches(columns=info["columns"] + ["label"], batch_size=args.step,
                                    use_threads=args.threads > 1):
        X = np.concatenate([column(batch, c) for c in info["columns"]], axis=1)
        y = batch.column("label").to_numpy()
        perm = rng.permutation(len(y))
        X, y = X[perm], y[perm]
        for i in range(0, len(y), args.batch_size):
            yield torch.from_numpy(X[i:i + args.batch_size]), torch.from_numpy(y[i:i + args.batch_size])


common.report(args, batches())
