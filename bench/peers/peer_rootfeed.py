"""(a) rootfeed: ROOT 6.38's CreatePyTorchGenerators signature over rootfeed.RDataFrame, plus
rootfeed's num_threads (its worker threads; the consumer is this process's main thread)."""
import rootfeed
import torch

import common  # bench/peers/common.py

args = common.parse_args()  # the clock starts here, after the imports
torch.set_num_threads(args.threads)

info = args.info
df = rootfeed.RDataFrame(info["tree"], args.data)
train = rootfeed.CreatePyTorchGenerators(
    df, batch_size=args.batch_size, chunk_size=args.step, block_size=10_000,
    columns=info["columns"] + ["label"], max_vec_sizes=info["jagged"], target="label",
    validation_split=0.0, drop_remainder=False, set_seed=1, num_threads=args.threads, mode="native")
common.report(args, train)
