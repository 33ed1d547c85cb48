"""One rank of test_ml_ddp.py (run as a script): joins a gloo process group on localhost,
trains a small DistributedDataParallel model through CreatePyTorchGenerators - rank and world
size come from the process group, the seed is rank 0's draw shared with the others - and
records the entry number (column x) of every row of every batch; then stops a new loader
mid-epoch, saves its state, finishes that epoch (the run that was not stopped), and resumes
the state in a third loader. Writes what it saw as JSON.

    python ddp_worker.py RANK WORLD PORT FILE FILTER OUT.json
"""
import json
import sys

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

import rootfeed as ROOT


def ids(X):
    return X[:, 2].long().tolist()


def main(rank, world, port, path, filt, out):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    df = ROOT.RDataFrame("t", path).Filter(filt)

    def make():
        return ROOT.TMVA.Experimental.CreatePyTorchGenerators(
            df, batch_size=32, chunk_size=600, block_size=100, columns=["f", "g", "x", "y"],
            target="y", validation_split=0.25, shuffle=True, drop_remainder=False,
            num_threads=1)

    train, val = make()
    torch.manual_seed(0)
    model = DistributedDataParallel(torch.nn.Linear(2, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    res = {"seed": train.seed, "epochs": [], "stats": None}
    for _ in range(2):
        seen = []
        for X, y in train:
            seen.append(ids(X))
            loss = ((model(X[:, :2]) - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()  # an all-reduce: a rank with fewer batches would hang the others
            opt.step()
        res["epochs"].append(seen)
        if len(res["epochs"]) == 1:
            res["dropped0"], res["entries"] = train.stats()["rows_dropped"], train.entries
    res["val"] = [ids(X) for X, _ in val]
    res["stats"] = {k: train.stats()[k] for k in ("rows_dropped", "rows_repeated")}
    res["weight"] = model.module.weight.detach().ravel().tolist()

    # stopped mid-epoch (epoch 1, after 3 batches) and resumed in a new loader
    t2, _ = make()
    t2.set_epoch(1)
    it = iter(t2)
    head = [ids(next(it)[0]) for _ in range(3)]
    state = t2.state_dict()
    rest = [ids(X) for X, _ in it]  # the same loader going on: the run that was not stopped
    t3, _ = make()
    t3.load_state_dict(state)
    res.update(head=head, rest=rest, resumed=[ids(X) for X, _ in t3], state=state)
    dist.barrier()
    dist.destroy_process_group()
    with open(out, "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5],
         sys.argv[6])
