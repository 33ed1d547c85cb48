"""rootfeed's own loader through Python (native mode) and what the Python skin adds: the
engine's properties again (every entry once per epoch, a disjoint split that never changes,
seeds, shards of equal batches, resume), typed outputs, collections, class balancing, batches
without copies (adjacent slices of one engine buffer, 0 bytes copied, RSS flat over epochs),
the GIL released, Ctrl-C, breaking out of a loop, threads joined, torch's DataLoader, errors,
the progress line, RDataFrame ranges, TensorFlow's honest short batch, JAX without a copy and
the CUDA staging logic (on CPU: no GPU here)."""
import gc
import os
import threading
import time

import numpy as np
import pytest

import rootfeed
from conftest import need

N = 20000


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Two TTree files of 12000 + 8000 entries in clusters of 1000: x = entry (int32),
    f = x / 4 (float32), y = x % 3 (int16), w (float64), v jagged (x % 4 items x + k/10)."""
    d = tmp_path_factory.mktemp("native")
    paths = []
    for lo, n in ((0, 12000), (12000, 8000)):
        x = np.arange(lo, lo + n)
        counts = x % 4
        offsets = np.r_[0, np.cumsum(counts)]
        values = np.repeat(x, counts) + (np.arange(offsets[-1]) - np.repeat(offsets[:-1], counts)) / 10
        path = str(d / f"part{lo}.root")
        rootfeed.write(path, "t", {"x": x.astype(np.int32), "f": (x / 4).astype(np.float32),
                                   "y": (x % 3).astype(np.int16), "w": x * 0.5,
                                   "v": (offsets, values)}, cluster_entries=1000)
        paths.append(path)
    return paths


def df_of(data, filt=None):
    df = rootfeed.RDataFrame("t", data)
    return df.Filter(filt) if filt else df


def ids(batches):
    return np.concatenate([np.asarray(b[0])[:, 0] for b in batches]).astype(np.int64)


def loader(data, filt=None, **kw):
    kw.setdefault("columns", ["x", "f", "y"])
    kw.setdefault("target", "y")
    kw.setdefault("batch_size", 256)
    kw.setdefault("chunk_size", 3000)
    kw.setdefault("block_size", 500)
    kw.setdefault("seed", 7)
    return rootfeed.Loader(df_of(data, filt), **kw)


# ------------------------------------------------------------------ the engine's properties

def test_exactly_once_split_seeds(data):
    filt = "x % 7 != 3"
    selected = np.array([e for e in range(N) if e % 7 != 3])
    tr, va = loader(data, filt).train_test_split(0.25)
    train, val = tr.as_numpy(), va.as_numpy()
    epochs = []
    for _ in range(3):
        t, v = ids(train), ids(val)
        assert len(np.unique(t)) == len(t) and len(np.unique(v)) == len(v)  # once each
        assert not np.intersect1d(t, v).size and np.array_equal(np.sort(np.r_[t, v]), selected)
        epochs.append((t, v))
        for X, y in train:  # the values belong to their entries
            assert np.array_equal(X[:, 1], X[:, 0] / 4) and np.array_equal(y[:, 0], X[:, 0] % 3)
            break
    assert all(np.array_equal(np.sort(e[0]), np.sort(epochs[0][0])) for e in epochs)  # stable
    assert not np.array_equal(epochs[0][0], epochs[1][0])  # the order changes every epoch
    assert len(train) == tr.num_batches and tr.num_batches == -(-len(epochs[0][0]) // 256)
    assert 0.2 < len(epochs[0][1]) / len(selected) < 0.3
    # the same seed gives the same batches; another seed others
    again = loader(data, filt).train_test_split(0.25)[0].as_numpy()
    assert np.array_equal(ids(again), epochs[0][0])
    other = loader(data, filt, seed=8).train_test_split(0.25)[0].as_numpy()
    assert not np.array_equal(ids(other), epochs[0][0])
    # seed 0 draws one and reports it; the draw replays
    drawn = loader(data, filt, seed=0)
    first = ids(drawn.as_numpy())
    assert drawn.stats()["seed"] != 0
    assert np.array_equal(ids(loader(data, filt, seed=drawn.stats()["seed"]).as_numpy()), first)


def test_set_epoch(data):
    a = loader(data).as_numpy()
    for _ in range(3):
        ids(a)
    b = loader(data)
    b.set_epoch(3)
    c = loader(data).as_numpy()
    c.set_epoch(3)
    epoch3 = ids(a)
    assert np.array_equal(epoch3, ids(b.as_numpy())) and np.array_equal(epoch3, ids(c))


@pytest.mark.parametrize("world", [2, 3])
def test_sharding(data, world):
    """Disjoint shares with the same number of batches on every rank, also with a filter that
    passes unevenly; the rows that do not fit every rank are dropped and counted."""
    filt = "x < 4000 || x % 9 == 0"
    shards, batches, dropped = [], [], 0
    for rank in range(world):
        part = loader(data, filt, rank=rank, world_size=world).as_numpy()
        got = list(part)
        shards.append(ids(got))
        batches.append(len(got))
        dropped += part.stats()["rows_dropped"]
        assert part.stats()["rows_repeated"] == 0
    assert len(set(batches)) == 1
    everything = np.concatenate(shards)
    assert len(np.unique(everything)) == len(everything)
    assert len(everything) + dropped == 4000 + len([e for e in range(4000, N) if e % 9 == 0])
    assert dropped < world * 256
    padded = [ids(loader(data, filt, rank=r, world_size=world, pad=True).as_numpy())
              for r in range(world)]
    assert len({len(p) for p in padded}) == 1 and len(np.unique(np.concatenate(padded))) == \
        len(everything) + dropped


def test_resume(data):
    """A loader stopped mid-epoch and resumed in a new loader gives the batches of the run
    that was not stopped, also with a seed drawn by the first loader."""
    for seed in (7, 0):
        ref = loader(data, seed=seed)
        part = ref.as_numpy()
        ids(part)  # epoch 0
        it = iter(part)  # epoch 1
        head = [next(it) for _ in range(5)]
        state = ref.state_dict()
        assert (state["epoch"], state["next_batch"]) == (1, 5)
        rest = ids(list(it))
        new = loader(data, seed=seed)
        new.load_state_dict(state)
        assert np.array_equal(ids(new.as_numpy()), rest) and len(head) == 5
        # and the epoch after goes on in the same order
        assert np.array_equal(ids(new.as_numpy()), ids(part))
    with pytest.raises(ValueError, match="fingerprint|other options"):
        bad = loader(data, batch_size=128)
        bad.load_state_dict(state)
        bad.as_numpy().__iter__()


# ------------------------------------------------------------------ outputs

def test_typed_and_collections(data):
    tr = rootfeed.Loader(df_of(data), columns=["x", "y", "w", "v"], max_vec_sizes={"v": 3},
                         batch_size=100, dtypes="stored", vec_padding=-1, seed=3,
                         collections={"V": (["v"], 2)})
    b = next(iter(tr.as_numpy()))
    assert set(b) == {"x", "y", "w", "v", "V", "V_mask"}
    assert b["x"].dtype == np.int32 and b["y"].dtype == np.int16 and b["w"].dtype == np.float64
    assert b["x"].shape == (100,) and b["v"].shape == (100, 3) and b["V"].shape == (100, 2, 1)
    x = b["x"].astype(np.int64)
    assert np.array_equal(b["y"], x % 3) and np.array_equal(b["w"], x * 0.5)
    for i, e in enumerate(x):
        k = e % 4
        want = [e + j / 10 for j in range(min(k, 3))] + [-1] * (3 - min(k, 3))
        assert np.allclose(b["v"][i], want)
        assert b["V_mask"][i].tolist() == [1 if j < k else 0 for j in range(2)]
    d = next(iter(rootfeed.Loader(df_of(data), columns=["x", "y"], dtypes={"y": "float64"},
                                  seed=1, batch_size=8).as_numpy()))
    assert d["y"].dtype == np.float64 and d["x"].dtype == np.int32


def test_balancing(data):
    """Three classes from a label column, under-sampled to equal shares, every batch with
    its quota of each class."""
    tr = loader(data, columns=["x", "y"], target="y", batch_size=90, balance="under",
                label="y", class_weights=[1, 1, 1], per_batch=True, seed=5)
    for X, y in tr.as_numpy():
        counts = np.bincount(y[:, 0].astype(int), minlength=3)
        assert counts.tolist() == [30, 30, 30]
    with pytest.raises(ValueError, match="native mode"):
        rootfeed.RDataLoader(df_of(data), batch_size=10, columns=["x", "y"], balance="under",
                             label="y",
                             class_weights=[1, 1, 1], mode="root").as_numpy()


def test_no_copy(data):
    """Consecutive batches of one chunk are adjacent slices of one engine buffer; NumPy and
    torch view it (data pointers); nothing is copied after the transpose when chunks hold
    whole batches."""
    torch = need("torch")
    part = rootfeed.Loader(df_of(data), columns=["x", "f"], batch_size=250, chunk_size=3000,
                           block_size=1000, seed=2, drop_remainder=True).as_numpy()
    prev, adjacent = None, 0
    for X in part:
        a = X.__array_interface__["data"][0]
        if prev is not None and a == prev:
            adjacent += 1
        prev = a + X.nbytes
    assert adjacent >= len(part) - 10  # all but the first batch of each chunk
    assert part.stats()["bytes_copied"] == 0
    t = rootfeed.Loader(df_of(data), columns=["x", "f"], batch_size=250, chunk_size=3000,
                        block_size=1000, seed=2).as_torch()
    it = iter(t)
    x0, x1 = next(it), next(it)
    assert x1.data_ptr() == x0.data_ptr() + x0.numel() * 4
    np_view = np.asarray(next(iter(part)))
    assert np_view.base is not None and np_view.flags.writeable
    assert torch.from_numpy(np_view).data_ptr() == np_view.__array_interface__["data"][0]


@pytest.mark.rss
def test_rss_flat_over_epochs(data):
    """RSS grows by less than 10 MB between epoch 2 and epoch 20 (deselected in the sanitizer
    run: ASan holds freed memory in its quarantine, so RSS grows there by design)."""
    part = loader(data, batch_size=512).as_numpy()

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    for e in range(20):
        for X, y in part:
            pass
        if e == 1:
            gc.collect()
            r2 = rss()
    gc.collect()
    assert rss() - r2 < 10e6


def test_batches_outlive_and_break_frees(data):
    """A batch kept after the loop stays valid; breaking out of a loop stops the epoch (its
    chunks are released); a closed loader's threads are joined."""
    def threads():
        return len(os.listdir("/proc/self/task"))
    gc.collect()
    before = threads()
    part = loader(data, num_threads=2).as_numpy()
    kept = None
    for i, (X, y) in enumerate(part):
        kept = X
        if i == 3:
            break
    gc.collect()
    assert part._engine.owner is None and part._engine.at == -1
    v = kept.copy()
    assert threads() >= before + 2
    part._engine.close()
    del part
    gc.collect()
    assert threads() == before and np.array_equal(kept, v)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """1,000,000 entries of 4 columns in clusters of 125,000: a chunk of 500,000 entries
    keeps one worker thread busy for a while."""
    n = 1_000_000
    path = str(tmp_path_factory.mktemp("big") / "big.root")
    x = np.arange(n)
    rootfeed.write(path, "t", {"x": x.astype(np.int32), "a": x * 1.0, "b": x * 2.0,
                               "c": x * 3.0}, cluster_entries=125_000)
    return rootfeed.RDataFrame("t", path), n


def big_loader(big):
    return rootfeed.Loader(big[0], columns=["x", "a", "b", "c"], chunk_size=500_000,
                           block_size=125_000, num_threads=1, seed=1).as_numpy()


def test_gil_released(big):
    """Another Python thread runs while the main thread waits in the C loader."""
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)
    t = threading.Thread(target=tick)
    t.start()
    try:
        it = iter(big_loader(big))
        t0, n0 = time.perf_counter(), len(ticks)
        next(it)  # waits for the first chunk: 500,000 entries decoded by one thread
        waited, during = time.perf_counter() - t0, len(ticks) - n0
    finally:
        stop.set()
        t.join()
    assert during >= min(5, waited / 0.004), (during, waited)


def test_ctrl_c(big):
    """Ctrl-C while waiting for data raises KeyboardInterrupt at once and stops the epoch;
    the loader works again afterwards."""
    import _thread
    part = big_loader(big)
    timer = threading.Timer(0.05, _thread.interrupt_main)
    t0 = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        while True:  # epochs until it comes: an epoch shorter than the timer (a fast machine)
            for _ in part:  # must not let the interrupt land after this block
                pass
    took = time.perf_counter() - t0
    timer.join()
    assert part._engine.at == -1 and took < 5
    assert sum(len(X) for X in part) == big[1]


def test_torch_dataloader(data):
    """Inside torch's DataLoader: num_workers=0 works; worker processes fail at once with
    what to do (the loader's threads do not survive a fork; it does not pickle)."""
    torch = need("torch")
    import pickle

    class DS(torch.utils.data.IterableDataset):
        def __init__(self, part):
            self.part = part

        def __iter__(self):
            return iter(self.part)
    part = loader(data).as_torch()
    n = sum(len(X) for X, y in torch.utils.data.DataLoader(DS(part), batch_size=None))
    assert n == N
    with pytest.raises(Exception, match="num_workers=0"):
        for _ in torch.utils.data.DataLoader(DS(part), batch_size=None, num_workers=2,
                                             multiprocessing_context="fork"):
            pass
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(part._engine.core)


def test_errors(data, tmp_path):
    with pytest.raises(FileNotFoundError):
        rootfeed.RDataFrame("t", str(tmp_path / "missing.root"))
    with pytest.raises(KeyError, match="nope"):
        rootfeed.Loader(df_of(data), columns=["x", "nope"]).as_numpy()
    with pytest.raises(ValueError, match="batch"):
        rootfeed.Loader(df_of(data), columns=["x"], batch_size=0).as_numpy()
    with pytest.raises(TypeError, match="rootfeed.RDataFrame"):
        rootfeed.Loader("not a dataframe", columns=["x"]).as_numpy()
    with pytest.raises(TypeError, match="unexpected keyword"):
        rootfeed.RDataLoader(df_of(data), batch_size=3, nonsense=1)
    with pytest.raises(ValueError, match="give a seed"):
        rootfeed.Loader(df_of(data), columns=["x"], rank=0, world_size=2, seed=0).as_numpy()
    # a corrupt basket: FormatError naming the file, raised by the batch that needs it
    bad = str(tmp_path / "bad.root")
    rootfeed.write(bad, "t", {"x": np.arange(5000, dtype=np.int32)}, cluster_entries=1000,
                   compression="zlib:1")
    raw = bytearray(open(bad, "rb").read())
    pos = raw.find(b"ZL", len(raw) // 2)
    raw[pos + 12: pos + 40] = b"\xff" * 28
    open(bad, "wb").write(bytes(raw))
    with pytest.raises(rootfeed.FormatError, match="bad.root"):
        for _ in rootfeed.Loader(rootfeed.RDataFrame("t", bad), columns=["x"],
                                 seed=1).as_numpy():
            pass


def test_progress_line(data, capsys):
    from rootfeed._ml import _Progress

    class TTY:
        def __init__(self):
            self.text = ""

        def isatty(self):
            return True

        def write(self, s):
            self.text += s

        def flush(self):
            pass
    tty = TTY()
    part = loader(data, progress=True).as_numpy()
    p = _Progress(part._engine, 0, 0, 10, stream=tty)
    p.update(10, 256)
    p.close()
    assert tty.text.startswith("\rtraining epoch 0: 10/10 batches") and tty.text.endswith("\n")
    for what in ("batches/s", "MB/s", "of bound", "ETA"):
        assert what in tty.text
    # progress=True with a stderr that is not a terminal: silent
    for _ in part:
        pass
    assert capsys.readouterr().err == ""


def test_ranges_and_friends(data, tmp_path):
    """Range before and after a Filter gives the loader the entries AsNumpy selects; strides
    are refused; friend columns load like the table's."""
    df = rootfeed.RDataFrame("t", data)
    for node in (df.Range(1000, 15000), df.Filter("x % 3 == 0").Range(100, 900),
                 df.Range(500, 0).Filter("x % 2 == 0").Range(10, 2000)):
        want = np.sort(node.AsNumpy(["x"])["x"])
        got = np.sort(np.concatenate([X[:, 0] for X in rootfeed.Loader(
            node, columns=["x"], seed=1).as_numpy()]))
        assert np.array_equal(got, want)
    with pytest.raises(ValueError, match="stride"):
        rootfeed.Loader(df.Range(0, 100, 2), columns=["x"]).as_numpy()


def test_tensorflow_honest_short_batch(data):
    tf = need("tensorflow")
    ds = rootfeed.Loader(df_of(data), columns=["x", "f"], target="f", batch_size=3000,
                         seed=1).as_tensorflow()
    assert ds.element_spec[0].shape.as_list() == [None, 1]
    sizes = [int(x.shape[0]) for x, y in ds]
    assert sizes == [3000] * 6 + [2000]


def test_jax_zero_copy(data):
    jax = need("jax")
    part = rootfeed.Loader(df_of(data), columns=["x", "f", "y", "w"], batch_size=1024,
                           seed=1).as_jax()
    n = 0
    for X in part:
        n += X.shape[0]
    assert n == N
    tr = rootfeed.Loader(df_of(data), columns=["x", "f", "y", "w"], batch_size=1024, seed=1)
    np_part, jx_part = tr.as_numpy(), tr.as_jax()
    a = next(iter(np_part))
    assert a.__array_interface__["data"][0] % 64 == 0
    j = jax.dlpack.from_dlpack(a)
    assert j.unsafe_buffer_pointer() == a.__array_interface__["data"][0]
    assert isinstance(next(iter(jx_part)), jax.Array)


def test_cuda_staging_logic():
    """No GPU here: the staging ring is run with CPU buffers and fake events; the CUDA path is
    what a 'cuda' device selects (and refuses clearly without CUDA)."""
    torch = need("torch")
    from rootfeed import _ml

    class Event:
        made = []

        def __init__(self):
            self.synced = 0
            Event.made.append(self)

        def record(self):
            pass

        def synchronize(self):
            self.synced += 1
    st = _ml._PinnedStaging(torch, torch.device("cpu"), depth=2, pin=False, event=Event)
    batches = [torch.arange(12, dtype=torch.float32).reshape(4, 3) + i for i in range(5)]
    outs = [st([b])[0].clone() for b in batches]
    assert all(torch.equal(o, b) for o, b in zip(outs, batches))
    assert Event.made[0].synced == 1 and Event.made[1].synced == 1  # reused after its copy
    assert st([torch.zeros(2, 3)])[0].shape == (2, 3)  # a short batch uses a prefix
    layout = type("L", (), {"tensors": [("X", "float32", [("x", 0)], 0)], "names": ["X"],
                            "typed": False})()
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="cuda.is_available"):
            _ml._torch_format(layout, "cuda")
    orig = torch.cuda.is_available
    torch.cuda.is_available = lambda: True
    try:
        fmt = _ml._torch_format(layout, "cuda:0")
        staging = [c.cell_contents for c in fmt.batch.__closure__
                   if isinstance(c.cell_contents, _ml._PinnedStaging)]
        assert staging and staging[0].pin and staging[0].device.type == "cuda"
    finally:
        torch.cuda.is_available = orig
