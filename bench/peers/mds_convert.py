"""Converts a bench table (arrays.npz: padded features X, labels y) into MDS shards, one folder
per codec, with mosaicml-streaming's MDSWriter (runs in .venv-peers). Prints the seconds each
conversion took as JSON, and keeps them in FOLDER/mds/seconds.json (a later run that finds the
shards reports them). Usage: mds_convert.py FOLDER CODEC..."""
import json
import os
import shutil
import sys
import time

import numpy as np
from streaming import MDSWriter

folder, codecs = sys.argv[1], sys.argv[2:]
data = np.load(os.path.join(folder, "arrays.npz"))
X, y = data["X"], data["y"]
seconds = {}
for codec in codecs:
    out = os.path.join(folder, "mds", codec)
    shutil.rmtree(out, ignore_errors=True)  # a conversion cut short leaves a partial folder
    start = time.perf_counter()
    with MDSWriter(out=out, columns={"x": f"ndarray:float32:{X.shape[1]}", "y": "float32"},
                   compression=None if codec == "none" else codec) as writer:
        for i in range(len(y)):
            writer.write({"x": X[i], "y": y[i]})
    seconds[codec] = round(time.perf_counter() - start, 2)
    path = os.path.join(folder, "mds", "seconds.json")
    kept = {}
    if os.path.exists(path):
        with open(path) as f:
            kept = json.load(f)
    with open(path, "w") as f:
        json.dump(dict(kept, **{codec: seconds[codec]}), f)
print(json.dumps(seconds))
