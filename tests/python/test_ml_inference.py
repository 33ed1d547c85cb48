"""Inference: rootfeed.Loader(inference=True) delivers every selected entry once in file
order with its (dataset, file, entry) numbers; ScoreWriter writes model scores beside the
inputs as friend trees (TTree or RNTuple), one per input file and entry-aligned with it, which
read back next to the data through RDataFrame.AddFriend (entries a filter left out get NaN)."""
import numpy as np
import pytest

import rootfeed
from conftest import need


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("inference")
    paths = []
    for lo, n in ((0, 3000), (3000, 2000)):
        x = np.arange(lo, lo + n)
        path = str(d / f"in{lo}.root")
        rootfeed.write(path, "t", {"x": x.astype(np.int32), "f": (x / 8).astype(np.float32)},
                       cluster_entries=500)
        paths.append(path)
    return paths


@pytest.mark.parametrize("fmt", ["ttree", "rntuple"])
def test_scores_as_friends(files, fmt):
    df = rootfeed.RDataFrame("t", files).Filter("x % 3 != 0")
    loader = rootfeed.Loader(df, columns=["x", "f"], batch_size=256, inference=True)
    seen = []
    with rootfeed.ScoreWriter(loader, "scores", format=fmt) as out:
        for X, where in loader.as_numpy():
            assert where.dtype == np.int64 and where.shape == (len(X), 3)
            x = X[:, 0].astype(np.int64)
            assert np.array_equal(x, where[:, 2] + 3000 * where[:, 1])  # (file, entry)
            assert not where[:, 0].any()
            seen.append(x)
            out.write(where, {"score": x * 2 + 0.5, "cls": (x % 5).astype(np.int32)})
    seen = np.concatenate(seen)
    assert np.array_equal(seen, [e for e in range(5000) if e % 3 != 0])  # once, file order
    assert len(out.paths) == 2 and all(p.endswith(".scores.root") for p in out.paths)
    back = rootfeed.RDataFrame("t", files).AddFriend("scores", out.paths)
    cols = back.AsNumpy(["x", "score", "scores.cls"])
    x = cols["x"].astype(np.int64)
    keep = x % 3 != 0
    assert np.array_equal(cols["score"][keep], x[keep] * 2 + 0.5)
    assert np.isnan(cols["score"][~keep]).all()
    assert np.array_equal(cols["scores.cls"][keep], x[keep] % 5)
    assert not cols["scores.cls"][~keep].any()
    # the friend columns load like any other
    tr = rootfeed.Loader(back.Filter("x % 3 != 0"), columns=["x", "score"], target="score",
                         seed=1)
    for X, y in tr.as_numpy():
        assert np.array_equal(y[:, 0], X[:, 0] * 2 + 0.5)


def test_inference_torch_and_refusals(files):
    torch = need("torch")
    loader = rootfeed.Loader(rootfeed.RDataFrame("t", files), columns=["x"], batch_size=1000,
                             inference=True)
    rows = 0
    for X, where in loader.as_torch():
        assert isinstance(X, torch.Tensor) and where.dtype == torch.int64
        assert torch.equal(X[:, 0].long(), where[:, 2] + 3000 * where[:, 1])
        rows += len(X)
    assert rows == 5000
    with pytest.raises(ValueError, match="no train_test_split"):
        rootfeed.Loader(rootfeed.RDataFrame("t", files), columns=["x"],
                        inference=True).train_test_split(0.2)
    with pytest.raises(ValueError, match="inference=True"):
        rootfeed.ScoreWriter(rootfeed.Loader(rootfeed.RDataFrame("t", files), columns=["x"]), "s")
