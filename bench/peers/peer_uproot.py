"""(b) uproot: uproot.iterate over the file in steps, a NumPy shuffle within each step,
torch.from_numpy slices - what HEP users write by hand today. 2 threads: uproot's
decompression_executor is a ThreadPoolExecutor(2)."""
from concurrent.futures import ThreadPoolExecutor

import awkward as ak
import numpy as np
import torch
import uproot

import common  # bench/peers/common.py

args = common.parse_args()  # the clock starts here, after the imports
torch.set_num_threads(args.threads)

info = args.info
options = {} if args.threads == 1 else {"decompression_executor": ThreadPoolExecutor(args.threads)}
rng = np.random.default_rng(1)


def features(arrays):
    cols = []
    for name in info["columns"]:
        if name in info["jagged"]:  # pad/cut to the first k items, zeros after
            k = info["jagged"][name]
            cols.append(ak.to_numpy(ak.fill_none(ak.pad_none(arrays[name], k, clip=True), 0)))
        else:
            cols.append(ak.to_numpy(arrays[name])[:, None])
    return np.concatenate(cols, axis=1)


def batches():
    for arrays in uproot.iterate(f"{args.data}:{info['tree']}", info["columns"] + ["label"],
                                 step_size=args.step, library="ak", **options):
        X, y = features(arrays), ak.to_numpy(arrays["label"])
        perm = rng.permutation(len(y))
        X, y = X[perm], y[perm]
        for i in range(0, len(y), args.batch_size):
            yield torch.from_numpy(X[i:i + args.batch_size]), torch.from_numpy(y[i:i + args.batch_size])


common.report(args, batches())
