"""(g) ROOT's own loader (ROOT 6.40 from `pip install ROOT`, in .venv-peers):
ROOT.Experimental.ML.RDataLoader over an RDataFrame of the file, as_torch(); vector columns
flattened with max_vec_sizes. 2 threads: ROOT.EnableImplicitMT(2)."""
import ROOT
import torch

import common  # bench/peers/common.py

args = common.parse_args()  # the clock starts here, after the imports
torch.set_num_threads(args.threads)

info = args.info
if args.threads > 1:
    ROOT.EnableImplicitMT(args.threads)
df = ROOT.RDataFrame(info["tree"], args.data)
loader = ROOT.Experimental.ML.RDataLoader(
    df, batch_size=args.batch_size, batches_in_memory=max(1, args.step // args.batch_size),
    columns=info["columns"] + ["label"], max_vec_sizes=info["jagged"] or None, target="label",
    shuffle=True, drop_remainder=False, set_seed=1)
common.report(args, loader.as_torch(), root_version=ROOT.gROOT.GetVersion())
