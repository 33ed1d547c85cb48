"""(f) mosaicml-streaming: StreamingDataset over local MDS shards (shuffle=True) in a torch
DataLoader with its default collate; runs in .venv-peers. The conversion to MDS is timed apart
(mds_convert.py). 2 threads: DataLoader(num_workers=2)."""
import torch
from streaming import StreamingDataset
from torch.utils.data import DataLoader

import common  # bench/peers/common.py

args = common.parse_args()  # the clock starts here, after the imports
torch.set_num_threads(args.threads)

dataset = StreamingDataset(local=args.data, shuffle=True, shuffle_seed=1, batch_size=args.batch_size)
loader = DataLoader(dataset, batch_size=args.batch_size,
                    num_workers=0 if args.threads == 1 else args.threads)
common.report(args, ((b["x"], b["y"]) for b in loader))
