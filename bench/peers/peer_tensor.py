"""(d) DataLoader(TensorDataset(X, y), shuffle=True, batch_size=B) over tensors already in
memory (what users write when the data fits); only the epoch is timed. 2 threads:
torch.set_num_threads(2) and DataLoader(num_workers=2)."""
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

import common  # bench/peers/common.py

args = common.parse_args()  # the clock starts here, after the imports
torch.set_num_threads(args.threads)

data = np.load(args.data)
X, y = torch.from_numpy(data["X"]), torch.from_numpy(data["y"])
common.restart_clock()
loader = DataLoader(TensorDataset(X, y), batch_size=args.batch_size, shuffle=True,
                    num_workers=0 if args.threads == 1 else args.threads)
common.report(args, loader)
