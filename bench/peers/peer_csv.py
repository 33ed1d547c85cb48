"""(c) the seed's baseline: the data as CSV read with pandas into a TensorDataset, then
DataLoader(shuffle=True, batch_size=B) with its default collate; reading the CSV is timed.
2 threads: torch.set_num_threads(2) and DataLoader(num_workers=2)."""
import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset

import common  # bench/peers/common.py

args = common.parse_args()  # the clock starts here, after the imports
torch.set_num_threads(args.threads)

df = pd.read_csv(args.data)
X = torch.tensor(df[args.info["features"]].values, dtype=torch.float32)
y = torch.tensor(df["label"].values, dtype=torch.float32)
loader = DataLoader(TensorDataset(X, y), batch_size=args.batch_size, shuffle=True,
                    num_workers=0 if args.threads == 1 else args.threads)
common.report(args, loader)
