"""torch.distributed with rootfeed's loader: two processes (gloo on localhost) train a small
DDP model through CreatePyTorchGenerators with rank and world size taken from the process
group (ddp_worker.py). Shown: disjoint shares and the same number of batches on both ranks in
every epoch with a filter that passes unevenly (no hang: the all-reduce of every backward
would block otherwise, and a timeout fails the test), validation shares disjoint too, and a
loader stopped mid-epoch and resumed in a new loader giving the batches of the run that was
not stopped."""
import json
import os
import socket
import subprocess
import sys

import numpy as np

import rootfeed
from conftest import need

HERE = os.path.dirname(os.path.abspath(__file__))
FILTER = "x % 5 == 0 || x >= 3002"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ddp_two_ranks(tmp_path):
    need("torch")
    n = 4000
    x = np.arange(n)
    path = str(tmp_path / "ddp.root")
    rootfeed.write(path, "t", {"x": x.astype(np.int32), "f": (x % 97 / 97).astype(np.float32),
                               "g": (x % 13 / 13).astype(np.float32),
                               "y": (x % 2).astype(np.float32)}, cluster_entries=250)
    port = free_port()
    env = dict(os.environ, OMP_NUM_THREADS="1")
    procs = [subprocess.Popen([sys.executable, os.path.join(HERE, "ddp_worker.py"), str(r), "2",
                               str(port), path, FILTER, str(tmp_path / f"rank{r}.json")],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for r in range(2)]
    try:
        logs = [p.communicate(timeout=240)[0].decode() for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert all(p.returncode == 0 for p in procs), "\n".join(logs)
    r0, r1 = (json.load(open(tmp_path / f"rank{r}.json")) for r in range(2))
    selected = {int(e) for e in x if e % 5 == 0 or e >= 3002}
    assert r0["seed"] == r1["seed"] != 0  # rank 0's draw, shared
    for e0, e1 in zip(r0["epochs"], r1["epochs"]):
        assert len(e0) == len(e1) > 0  # the same number of batches: no rank waits
        a = [i for b in e0 for i in b]
        b = [i for b in e1 for i in b]
        assert len(set(a)) == len(a) and len(set(b)) == len(b) and not set(a) & set(b)
        assert set(a) | set(b) <= selected
    assert r0["epochs"][0] != r0["epochs"][1]  # epochs differ
    v0 = [i for b in r0["val"] for i in b]
    v1 = [i for b in r1["val"] for i in b]
    train_all = {i for e in r0["epochs"][:1] + r1["epochs"][:1] for b in e for i in b}
    assert not set(v0) & set(v1) and not (set(v0) | set(v1)) & train_all
    assert len(r0["val"]) == len(r1["val"])
    # every training entry once in epoch 0, but for the rows that do not fit both ranks'
    # equal shares (entries mod 2, dropped and counted; the split, and so the number of
    # training entries, follows the drawn seed)
    dropped = r0["dropped0"] + r1["dropped0"]
    assert len(train_all) + dropped == r0["entries"] == r1["entries"]
    assert dropped == r0["entries"] % 2
    for r in (r0, r1):
        assert r["head"] + r["rest"] == r["head"] + r["resumed"] and len(r["head"]) == 3
        assert r["state"]["next_batch"] == 3 and r["state"]["epoch"] == 1
        assert r["state"]["world_size"] == 2
    assert r0["weight"] == r1["weight"]  # DDP kept the replicas equal
