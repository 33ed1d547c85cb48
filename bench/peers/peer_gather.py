"""(h) the ceiling of any in-memory loader: a batched gather X[perm[i:i+B]] over tensors in
memory (no per-row Python, no collate); only the epoch is timed. A reference, not a peer."""
import numpy as np
import torch

import common  # bench/peers/common.py

args = common.parse_args()  # the clock starts here, after the imports
torch.set_num_threads(args.threads)

data = np.load(args.data)
X, y = torch.from_numpy(data["X"]), torch.from_numpy(data["y"])
common.restart_clock()
perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(1))
B = args.batch_size
common.report(args, ((X[perm[i:i + B]], y[perm[i:i + B]]) for i in range(0, len(y), B)))
