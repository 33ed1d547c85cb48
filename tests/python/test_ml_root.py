"""ROOT's own loader tests (docs/root-ml-loader.md §3) with their numbers, through both
ROOT-compatible APIs - 6.38's Create*Generators (mode ROOT_638, or ROOT_EAGER with
load_eager) and 6.40's RDataLoader (ROOT_640 / ROOT_EAGER) - and every output: NumPy, PyTorch,
TensorFlow (ROOT's zero-padded last batch, checked and stripped), JAX. Files come from the
ml_files fixture (rootfeed.write, one cluster each as ROOT's Snapshot writes them)."""
import numpy as np
import pytest

import rootfeed as ROOT
from conftest import need

APIS = ("638", "640")
OUTPUTS = ("numpy", "torch", "tf", "jax")
CREATE = {"numpy": "CreateNumPyGenerators", "torch": "CreatePyTorchGenerators",
          "tf": "CreateTFDatasets", "jax": "CreateJAXGenerators"}
AS = {"numpy": "as_numpy", "torch": "as_torch", "tf": "as_tensorflow", "jax": "as_jax"}


def to_numpy(x, out):
    if out in ("torch", "tf"):
        return x.numpy()
    return np.asarray(x)


class Gen:
    """One part of a loader in one output: iterates batches as tuples of NumPy arrays; for
    TensorFlow checks that every batch has batch_size rows and that the padding of the last
    one is zeros, then strips it (the real rows of the last batch: last_batch_no_of_rows)."""

    def __init__(self, obj, out, bs, counts):
        self.obj, self.out, self.bs, self.counts = obj, out, bs, counts

    def __iter__(self):
        n, last = self.counts()
        for i, b in enumerate(self.obj):
            b = tuple(to_numpy(a, self.out) for a in (b if isinstance(b, tuple) else (b,)))
            if self.out == "tf":
                assert all(a.shape[0] == self.bs for a in b), "TF batches keep batch_size rows"
                if i == n - 1 and last:
                    assert all(not a[last:].any() for a in b), "ROOT pads with zeros"
                    b = tuple(a[:last] for a in b)
            yield b


def make(api, out, dfs, split=0.4, bs=3, **kw):
    """(train, val or None, counts(part)) of a loader made the API's way."""
    if out == "torch":
        need("torch")
    elif out == "tf":
        need("tensorflow")
    elif out == "jax":
        need("jax")
    if api == "638":
        kw.setdefault("chunk_size", 5)
        kw.setdefault("block_size", 1)
        kw.pop("batches_in_memory", None)
        r = getattr(ROOT.TMVA.Experimental, CREATE[out])(dfs, batch_size=bs,
                                                          validation_split=split, **kw)
        if not isinstance(r, tuple):
            r = (r, None)
        parts = r
        if out == "tf":
            counts = [lambda p=p: (p.number_of_batches, 0) for p in parts]
            # TF datasets carry number_of_batches only; the real rows of the last batch come
            # from a NumPy twin of the same loader
            twin = ROOT.TMVA.Experimental.CreateNumPyGenerators(dfs, batch_size=bs,
                                                                validation_split=split, **kw)
            counts = [lambda t=t: (t.number_of_batches, t.last_batch_no_of_rows) if t else (0, 0)
                      for t in twin]
        else:
            counts = [lambda p=p: (p.number_of_batches, p.last_batch_no_of_rows) if p else (0, 0)
                      for p in parts]
    else:
        kw.pop("chunk_size", None)
        kw.pop("block_size", None)
        kw.setdefault("batches_in_memory", 2)
        dl = ROOT.Experimental.ML.RDataLoader(dfs, batch_size=bs, **kw)
        splits = dl.train_test_split(split) if split else (dl, None)
        parts = [getattr(s, AS[out])() if s else None for s in splits]
        counts = [lambda s=s: (s.num_batches, s.last_batch_no_of_rows) if s else (0, 0)
                  for s in splits]
    return tuple(Gen(p, out, bs, c) if p is not None else None for p, c in zip(parts, counts))


def flat(batches, k=0):
    return [v for b in batches for v in b[k].ravel().tolist()]


def shapes(batches, k=0):
    return [b[k].shape for b in batches]


@pytest.fixture(params=[(a, o) for a in APIS for o in OUTPUTS], ids=lambda p: f"{p[0]}-{p[1]}")
def api_out(request):
    return request.param


@pytest.fixture
def df(ml_files):
    return ROOT.RDataFrame("mytree", ml_files["first_half"])


@pytest.mark.parametrize("eager", [False, True], ids=["lazy", "eager"])
def test01_unshuffled(api_out, df, eager):
    api, out = api_out
    before = df.AsNumpy(["rdfentry_"])["rdfentry_"]
    tr, va = make(api, out, df, target="b2", shuffle=False, drop_remainder=False, block_size=2,
                  load_eager=eager)
    ti, vi = iter(tr), iter(va)
    got_v = [next(vi)]  # ROOT's test fetches a validation batch first
    got_t = [next(ti), next(ti)]
    got_v.append(next(vi))
    assert shapes(got_t) == [(3, 1), (3, 1)] and shapes(got_v) == [(3, 1), (1, 1)]
    assert shapes(got_t, 1) == [(3, 1), (3, 1)] and shapes(got_v, 1) == [(3, 1), (1, 1)]
    assert flat(got_t) == [0, 1, 2, 3, 4, 5] and flat(got_t, 1) == [0, 1, 4, 9, 16, 25]
    assert flat(got_v) == [6, 7, 8, 9] and flat(got_v, 1) == [36, 49, 64, 81]
    assert np.array_equal(before, df.AsNumpy(["rdfentry_"])["rdfentry_"])


def test02_shuffled(api_out, df):
    api, out = api_out
    tr, va = make(api, out, df, target="b2", shuffle=True, drop_remainder=False)
    t, v = list(tr), list(va)
    assert shapes(t) == [(3, 1), (3, 1)] and shapes(v) == [(3, 1), (1, 1)]
    assert len(set(flat(t))) == 6 and len(set(flat(v))) == 4
    assert len(set(flat(t, 1))) == 6 and len(set(flat(v, 1))) == 4
    assert sorted(flat(t) + flat(v)) == list(range(10))
    assert all(y == x * x for b in t + v for x, y in zip(b[0].ravel(), b[1].ravel()))


def test03_chunk_equals_batch_size(df):
    """6.38: chunk_size == batch_size == 3 must not crash."""
    tr, _ = make("638", "numpy", df, target="b2", chunk_size=3, block_size=2, shuffle=False,
                 drop_remainder=False)
    x, y = next(iter(tr))
    assert x.shape == (3, 1) and set(x.ravel()) <= set(range(6))


def test04_drop_remainder(api_out, df):
    api, out = api_out
    tr, va = make(api, out, df, target="b2", shuffle=False, drop_remainder=True)
    got = list(tr) + list(va)
    assert len(got) == 3 and shapes(got) == [(3, 1)] * 3 and shapes(got, 1) == [(3, 1)] * 3


@pytest.mark.parametrize("eager", [False, True], ids=["lazy", "eager"])
def test05_more_than_one_file(api_out, ml_files, eager):
    api, out = api_out
    df = ROOT.RDataFrame("mytree", [ml_files["first_half"], ml_files["second_half"]])
    tr, va = make(api, out, df, target="b2", shuffle=False, drop_remainder=False,
                  load_eager=eager)
    t, v = list(tr), list(va)
    want = [0, 1, 2, 5, 6, 7, 3, 4, 8] if api == "638" and not eager else list(range(9))
    assert flat(t) == want and flat(t, 1) == [x * x for x in want]
    assert flat(v) == list(range(9, 15)) and flat(v, 1) == [x * x for x in range(9, 15)]
    assert shapes(t) == [(3, 1)] * 3 and shapes(v) == [(3, 1)] * 2


@pytest.mark.parametrize("eager", [False, True], ids=["lazy", "eager"])
def test06_multiple_targets_and_weights(api_out, ml_files, eager):
    api, out = api_out
    df = ROOT.RDataFrame("myTree", ml_files["multiple_target_columns"])
    tr, va = make(api, out, df, target=["b2", "b4"], weights="b3", shuffle=False,
                  drop_remainder=False, load_eager=eager)
    ti, vi = iter(tr), iter(va)
    t = [next(ti), next(ti)]
    v = [next(vi), next(vi)]
    assert [tuple(a.shape for a in b) for b in t] == [((3, 1), (3, 2), (3, 1))] * 2
    assert [tuple(a.shape for a in b) for b in v] == [((3, 1), (3, 2), (3, 1)),
                                                     ((1, 1), (1, 2), (1, 1))]
    assert flat(t) == [0, 1, 2, 3, 4, 5] and flat(v) == [6, 7, 8, 9]
    assert flat(t, 1) == [0, 0, 1, 100, 4, 200, 9, 300, 16, 400, 25, 500]
    assert flat(v, 1) == [36, 600, 49, 700, 64, 800, 81, 900]
    assert flat(t, 2) == [0, 10, 20, 30, 40, 50] and flat(v, 2) == [60, 70, 80, 90]


def test07_multiple_input_columns(api_out, ml_files):
    api, out = api_out
    df = ROOT.RDataFrame("myTree", ml_files["multiple_input_columns"])
    tr, va = make(api, out, df, target="b2", shuffle=False, drop_remainder=False)
    t, v = list(tr), list(va)
    assert shapes(t) == [(3, 2)] * 2 and shapes(v) == [(3, 2), (1, 2)]
    assert flat(t) == [0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50]
    assert flat(v) == [6, 60, 7, 70, 8, 80, 9, 90]
    assert flat(t, 1) == [0, 1, 4, 9, 16, 25] and flat(v, 1) == [36, 49, 64, 81]


@pytest.mark.parametrize("eager", [False, True], ids=["lazy", "eager"])
def test08_filtered(api_out, df, eager):
    api, out = api_out
    tr, va = make(api, out, df.Filter("b1 % 2 == 0", "name"), target="b2", shuffle=False,
                  drop_remainder=False, load_eager=eager)
    x, y = next(iter(tr))
    assert x.shape == (3, 1) and x.ravel().tolist() == [0, 2, 4] and y.ravel().tolist() == [0, 4, 16]
    x, y = next(iter(va))
    assert x.shape == (2, 1) and x.ravel().tolist() == [6, 8] and y.ravel().tolist() == [36, 64]


def test09_filtered_last_chunk(api_out, ml_files):
    api, out = api_out
    df = ROOT.RDataFrame("myTree", ml_files["filtered_last_chunk"]).Filter("b1 % 2 == 0", "name")
    tr, _ = make(api, out, df, split=0, target="b2", chunk_size=9, shuffle=False,
                 drop_remainder=False)
    t = list(tr)
    assert shapes(t) == [(3, 1)] * 3 + [(1, 1)]
    assert flat(t) == list(range(0, 20, 2)) and flat(t, 1) == [x * x for x in range(0, 20, 2)]


def test10_two_epochs_same_validation(api_out, df):
    api, out = api_out
    tr, va = make(api, out, df, target="b2", shuffle=False, drop_remainder=False)
    epochs = []
    for _ in range(2):
        t, v = list(tr), list(va)
        assert len(set(flat(t))) == 6 and len(set(flat(v))) == 4
        epochs.append((flat(v), flat(v, 1)))
    assert epochs[0] == epochs[1]


def test11_number_of_batches(api_out, df):
    api, out = api_out
    tr, va = make(api, out, df, target="b2", shuffle=False, drop_remainder=False)
    assert tr.counts() == (len(list(tr)), 0) and tr.counts()[0] == 2
    assert va.counts() == (len(list(va)), 1) and va.counts()[0] == 2


def test12_torch_device_cpu(ml_files):
    torch = need("torch")
    df = ROOT.RDataFrame("myTree", ml_files["multiple_target_columns"])
    dl = ROOT.Experimental.ML.RDataLoader(df, batch_size=3, batches_in_memory=2,
                                          target=["b2", "b4"], weights="b3", shuffle=False,
                                          drop_remainder=False)
    tr, va = dl.train_test_split(0.4)
    t = list(tr.as_torch(device="cpu"))
    assert all(isinstance(a, torch.Tensor) and a.device.type == "cpu" for b in t for a in b)
    assert [v for b in t for v in b[1].ravel().tolist()] == [0, 0, 1, 100, 4, 200, 9, 300, 16,
                                                             400, 25, 500]


@pytest.mark.parametrize("api", APIS)
def test13_tensorflow_padding(api, ml_files):
    """ROOT pads the short last batch of its TF datasets with zero rows."""
    tf = need("tensorflow")
    df = ROOT.RDataFrame("myTree", ml_files["multiple_target_columns"])
    kw = dict(batch_size=3, target=["b2", "b4"], weights="b3", shuffle=False, drop_remainder=False)
    if api == "638":
        tr, va = ROOT.TMVA.Experimental.CreateTFDatasets(df, chunk_size=5, block_size=1,
                                                        validation_split=0.4, **kw)
    else:
        tr, va = [s.as_tensorflow() for s in
                  ROOT.Experimental.ML.RDataLoader(df, batches_in_memory=2, **kw).train_test_split(0.4)]
    assert va.element_spec[0] == tf.TensorSpec((3, 1), tf.float32)
    assert va.element_spec[1] == tf.TensorSpec((3, 2), tf.float32)
    v = [tuple(a.numpy() for a in b) for b in va]
    assert [x for b in v for x in b[0].ravel().tolist()] == [6, 7, 8, 9, 0, 0]
    assert [x for b in v for x in b[1].ravel().tolist()] == [36, 600, 49, 700, 64, 800, 81, 900,
                                                             0, 0, 0, 0]
    assert [x for b in v for x in b[2].ravel().tolist()] == [60, 70, 80, 90, 0, 0]
    assert tr.columns == ["b1", "b2", "b3", "b4"] and tr.target_column == ["b2", "b4"]
    assert tr.train_columns == ["b1"] and tr.weights_column == "b3" and va.number_of_batches == 2


def test14_big_data(api_out, tmp_path, request):
    api, out = api_out
    rng = np.random.default_rng(abs(hash(request.node.name)) % 2**32)
    n = int(rng.integers(10000, 30000))
    bs = int(rng.integers(100, 501))
    e = np.arange(n)
    path = str(tmp_path / "big_data.root")
    ROOT.write(path, "myTree", {"b1": e.astype(np.int32), "b2": e * 2.0,
                                "b3": (e + 10192).astype(np.int32), "b4": (-e).astype(np.int32),
                                "b5": -e - 10192.0})
    df = ROOT.RDataFrame("myTree", path)
    kw = dict(chunk_size=int(rng.integers(1000, 3001))) if api == "638" else \
        dict(batches_in_memory=int(rng.integers(5, 20)))
    tr, va = make(api, out, df, split=0.3, bs=bs, target=["b3", "b5"], weights="b2",
                  shuffle=False, drop_remainder=False, **kw)
    seen = []
    for part in (tr, va):
        nb, last = part.counts()
        got = list(part)
        assert len(got) == nb
        for i, (x, y, w) in enumerate(got):
            rows = last if (i == nb - 1 and last) else bs
            assert x.shape == (rows, 2) and y.shape == (rows, 2) and w.shape == (rows, 1)
            assert np.all(x[:, 0] * -1 == x[:, 1]) and np.all(x[:, 0] + 10192 == y[:, 0])
            assert np.all(x[:, 0] * 2 == w[:, 0])
            seen.extend(x[:, 0].tolist())
    assert sorted(seen) == list(range(n)), (n, bs, kw)


def test15_same_seed_same_batches(api_out, df):
    api, out = api_out
    runs = []
    for _ in range(2):
        tr, va = make(api, out, df, target="b2", shuffle=True, drop_remainder=False,
                      set_seed=42, block_size=2)
        runs.append((flat(list(tr)), flat(list(va))))
        assert len(set(runs[-1][0])) == 6 and len(set(runs[-1][1])) == 4
    assert runs[0] == runs[1]


@pytest.mark.parametrize("eager", [False, True], ids=["lazy", "eager"])
def test16_vector_padding(api_out, ml_files, eager):
    api, out = api_out
    df = ROOT.RDataFrame("mytree", ml_files["vector_columns"])
    tr, va = make(api, out, df, target="b1", max_vec_sizes={"v1": 3, "v2": 2}, shuffle=False,
                  drop_remainder=False, block_size=2, load_eager=eager)
    vi, ti = iter(va), iter(tr)
    v = [next(vi)]
    t = [next(ti), next(ti)]
    v.append(next(vi))
    assert shapes(t) == [(3, 5)] * 2 and shapes(v) == [(3, 5), (1, 5)]
    row = lambda b: [b, 10 * b, 0, 100 * b, 1000 * b]  # noqa: E731
    assert flat(t) == [x for b in range(6) for x in row(b)]
    assert flat(v) == [x for b in range(6, 10) for x in row(b)]
    assert flat(t, 1) == list(range(6)) and flat(v, 1) == list(range(6, 10))


# ------------------------------------------------------------------ several dataframes

def test_eager_multiple_dataframes(api_out, ml_files):
    api, out = api_out
    dfs = [ROOT.RDataFrame("mytree", ml_files[n]) for n in ("five_a", "five_b")]
    tr, va = make(api, out, dfs, target="b2", shuffle=False, drop_remainder=False, load_eager=True)
    assert flat(list(tr)) == [0, 1, 2, 5, 6, 7] and flat(list(va)) == [3, 4, 8, 9]
    filt = [dfs[0].Filter("b1 % 2 == 0"), dfs[1].Filter("b1 % 2 == 1")]
    tr, va = make(api, out, filt, target="b2", shuffle=False, drop_remainder=False, load_eager=True)
    assert next(iter(tr))[0].ravel().tolist() == [0, 2, 5] and flat(list(va)) == [4, 9]
    three = [ROOT.RDataFrame("mytree", [ml_files["five_a"], ml_files["five_b"]]),
             ROOT.RDataFrame("mytree", ml_files["second_half"])]
    tr, va = make(api, out, three, target="b2", shuffle=False, drop_remainder=False,
                  load_eager=True)
    assert flat(list(tr)) == [0, 1, 2, 3, 4, 5, 10, 11, 12]
    assert flat(list(va)) == [6, 7, 8, 9, 13, 14]


@pytest.mark.parametrize("out", OUTPUTS)
def test_lazy_multiple_dataframes(out, ml_files):
    """6.40's lazy loader splits the dataframes' entries as one list (6.38's took the first
    dataframe only: ROOT issue #21782)."""
    dfs = [ROOT.RDataFrame("mytree", ml_files[n]) for n in ("five_a", "five_b")]
    tr, va = make("640", out, dfs, target="b2", shuffle=False, drop_remainder=False)
    assert flat(list(tr)) == [0, 1, 2, 3, 4, 5] and flat(list(va)) == [6, 7, 8, 9]
    dfs = [ROOT.RDataFrame("mytree", ml_files[n]).Filter("b1 % 2 == 0")
           for n in ("first_half", "ten_b")]
    tr, _ = make("640", out, dfs, split=0, target="b2", shuffle=False, drop_remainder=False)
    t = list(tr)
    assert flat(t) == [0, 2, 4, 10, 12, 14, 6, 8, 16, 18]
    assert shapes(t) == [(3, 1)] * 3 + [(1, 1)]


# ------------------------------------------------------------------ ROOT's two-class sampler

def sampled(api, out, files, order=(0, 1), bs=2, filt=None, **kw):
    dfs = [ROOT.RDataFrame("mytree", files[n]) for n in order]
    if filt:
        dfs[0] = dfs[0].Filter(filt)
    tr, va = make(api, out, dfs, bs=bs, target="b2", shuffle=False, drop_remainder=False,
                  load_eager=True, **kw)
    return tr, va


@pytest.mark.parametrize("order", [("major20", "minor5"), ("minor5", "major20")],
                         ids=["major-first", "minor-first"])
def test_random_undersampling(api_out, ml_files, order):
    api, out = api_out
    tr, va = sampled(api, out, ml_files, order, sampling_type="undersampling",
                     sampling_ratio=0.5)
    t, v = list(tr), list(va)
    assert flat(t) == [0, 2, 4, 6, 8, 10, 1, 3, 5] and flat(v) == [24, 26, 28, 30, 7, 9]
    assert flat(t, 1) == [x * x for x in flat(t)]
    assert shapes(t) == [(2, 1)] * 4 + [(1, 1)] and shapes(v) == [(2, 1)] * 3
    assert tr.counts() == (5, 1) and va.counts() == (3, 0)


def test_random_undersampling_filtered_and_replacement(api_out, ml_files):
    api, out = api_out
    tr, va = sampled(api, out, ml_files, ("major20", "minor5"), filt="b1 % 8 != 0",
                     sampling_type="undersampling", sampling_ratio=0.5)
    assert flat(list(tr)) == [2, 4, 6, 10, 12, 14, 1, 3, 5]
    assert flat(list(va)) == [26, 28, 30, 34, 7, 9]
    tr, va = sampled(api, out, ml_files, ("major20", "minor5"), sampling_type="undersampling",
                     sampling_ratio=0.2, replacement=True)
    assert flat(list(tr)) == list(range(0, 24, 2)) + [0, 2, 4] + [1, 3, 5]
    assert flat(list(va)) == list(range(24, 40, 2)) + [24, 26] + [7, 9]


def test_random_undersampling_ratio_too_low(ml_files):
    with pytest.raises(ValueError, match=r"(?s)The sampling_ratio is too low.*Choose sampling_ratio > 0\.25"):
        sampled("640", "numpy", ml_files, ("major20", "minor5"), sampling_type="undersampling",
                sampling_ratio=0.1)[0].counts()


def test_random_oversampling(api_out, ml_files):
    api, out = api_out
    tr, va = sampled(api, out, ml_files, ("major10", "minor3"), sampling_type="oversampling",
                     sampling_ratio=0.5)
    t, v = list(tr), list(va)
    assert flat(t) == [1, 3, 1, 0, 2, 4, 6, 8, 10] and flat(v) == [5, 5, 12, 14, 16, 18]
    assert len(set(flat(t))) < len(flat(t)) and len(set(flat(v))) < len(flat(v))
    assert shapes(t) == [(2, 1)] * 4 + [(1, 1)]


# ------------------------------------------------------------------ ROOT's error cases

def test_root_errors(ml_files, df):
    vec = ROOT.RDataFrame("mytree", ml_files["vector_columns"])
    with pytest.raises(ValueError, match="No max size given for feature v1"):
        ROOT.Experimental.ML.RDataLoader(vec, batch_size=3, target="b1").as_numpy()
    with pytest.raises(ValueError, match="No max size given for feature v1"):
        ROOT.TMVA.Experimental.CreateNumPyGenerators(vec, batch_size=3, chunk_size=5,
                                                     block_size=1, target="b1")
    with pytest.raises(ValueError, match="Weights can only be used when a target is provided"):
        ROOT.TMVA.Experimental.CreateNumPyGenerators(df, batch_size=3, chunk_size=5,
                                                     block_size=1, weights="b2")
    with pytest.raises(ValueError, match="Provided target not in given columns"):
        ROOT.Experimental.ML.RDataLoader(df, batch_size=3, columns=["b1"], target="b2").as_numpy()
    with pytest.raises(ValueError, match="Provided weights not in given columns"):
        ROOT.Experimental.ML.RDataLoader(df, batch_size=3, columns=["b1", "b2"], target="b2",
                                         weights="b3").as_numpy()
    with pytest.raises(ValueError, match="chunk_size cannot be smaller than batch_size"):
        ROOT.TMVA.Experimental.CreatePyTorchGenerators(df, batch_size=3, chunk_size=2,
                                                       block_size=1, target="b2")
    with pytest.raises(ValueError, match="validation_split has to be in range"):
        ROOT.TMVA.Experimental.CreateNumPyGenerators(df, batch_size=3, chunk_size=5,
                                                     block_size=1, validation_split=1.5)
    dl = ROOT.Experimental.ML.RDataLoader(df, batch_size=3, target="b2")
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match=r"test_size must be in \(0\.0, 1\.0\)"):
            dl.train_test_split(bad)
    with pytest.raises(RuntimeError, match="num_batches is available after the first call"):
        dl.num_batches
    dl.train_test_split(0.4)
    dl.train_test_split(0.4)  # the same split again is fine
    with pytest.raises(RuntimeError, match="already initialised with test_size=0.4"):
        dl.train_test_split(0.3)


def test_root_namespaces():
    """ROOT's spellings resolve to the same functions."""
    assert ROOT.TMVA.Experimental.CreatePyTorchGenerators is ROOT.CreatePyTorchGenerators
    assert ROOT.Experimental.ML.RDataLoader is ROOT.RDataLoader
    assert ROOT.Experimental.ML.CreateNumPyGenerators is ROOT.CreateNumPyGenerators
    assert ROOT.Experimental.ML.FormattedLoader is ROOT.FormattedLoader
