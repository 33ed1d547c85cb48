"""rootfeed.write / rootfeed.Writer: tables written from Python read back by rootfeed and by
uproot (the independent reader) with the same values, dtypes, shapes and cluster layout, for
every dtype, flat, fixed and jagged columns, both formats and every codec; bad arguments raise
ValueError naming what is wrong."""
import numpy as np
import pytest

import rootfeed

N, CLUSTER = 1000, 300
DTYPES = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
          "float32", "float64"]
CODECS = ["none", "zlib:6", "lz4", "zstd:5", "lzma:1"]
# RNTuple field names may not hold '.'; TTree names may (PHYSLITE's spelling)
JAGGED_NAME = {"ttree": "Muons.pt", "rntuple": "Muons:pt"}


def values(dtype, n, rng):
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.random(n) < 0.5
    if dt.kind == "f":
        return rng.normal(size=n).astype(dt) * dt.type(1e3)
    info = np.iinfo(dt)  # the extremes of each type, then random values
    body = rng.integers(info.min, info.max, size=n, dtype=dt, endpoint=True)
    body[:2] = info.min, info.max
    return body


def table(fmt, seed=1):
    """{name: column} with every dtype flat, fixed (n, 2, 3) and jagged, a jagged column of
    fixed items and the expected arrays (offsets from 0, values)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 5, size=N)
    counts[:7] = 0  # a run of empty entries at the start
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    cols = {}
    for d in DTYPES:
        cols[f"flat_{d}"] = values(d, N, rng)
        cols[f"fixed_{d}"] = values(d, N * 6, rng).reshape(N, 2, 3)
        cols[f"jag_{d}"] = rootfeed.Ragged(offsets, values(d, int(offsets[-1]), rng))
    cols[JAGGED_NAME[fmt]] = rootfeed.Ragged(offsets, values("float32", 2 * int(offsets[-1]),
                                                                 rng).reshape(-1, 2))
    return cols


def part(col, a, b):
    return col[a:b]


def assert_same(got, want, name):
    if isinstance(want, rootfeed.Ragged):
        assert isinstance(got, rootfeed.Ragged), name
        assert np.array_equal(got.offsets, want.offsets), name
        got, want = got.values, want.values
    assert got.dtype == want.dtype, name
    assert got.shape == want.shape, name
    assert np.array_equal(got, want), name


def uproot_as_expected(uproot, path, cols):
    """uproot's arrays as (offsets, flat values) compared with what was written."""
    import awkward as ak
    t = uproot.open(path)["events"]
    for name, want in cols.items():
        arr = t[name].array(library="ak")
        if isinstance(want, rootfeed.Ragged):
            assert np.array_equal(ak.num(arr, axis=1).to_numpy(), want.counts), name
            flat = ak.to_numpy(ak.flatten(arr, axis=1))
            want = want.values
        else:
            flat = ak.to_numpy(arr)
        assert flat.dtype == want.dtype, name
        assert np.array_equal(flat.reshape(want.shape), want), name


def uproot_clusters(uproot, path, fmt):
    t = uproot.open(path)["events"]
    if fmt == "ttree":
        return list(t.common_entry_offsets())
    return [0] + list(np.cumsum([c.num_entries for c in t.cluster_summaries]))


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("fmt", ["ttree", "rntuple"])
def test_round_trip(tmp_path, uproot, fmt, codec):
    cols = table(fmt)
    path = tmp_path / f"{fmt}.root"
    # three batches that do not line up with the clusters
    with rootfeed.Writer(path, "events", format=fmt, compression=codec,
                         cluster_entries=CLUSTER) as w:
        for a, b in [(0, 10), (10, 650), (650, N)]:
            w.extend({k: part(v, a, b) for k, v in cols.items()})
        assert w.num_entries == N
    with rootfeed.open(path) as f:
        t = f["events"]
        assert t.num_entries == N
        assert t.common_entry_offsets() == [0, 300, 600, 900, N]
        got = t.arrays()
        for name, want in cols.items():
            assert_same(got[name], want, name)
        assert t.schema["fixed_float32"].shape == (2, 3)
    uproot_as_expected(uproot, str(path), cols)
    assert uproot_clusters(uproot, str(path), fmt) == [0, 300, 600, 900, N]


@pytest.mark.parametrize("fmt", ["ttree", "rntuple"])
def test_inputs(tmp_path, fmt, awkward):
    """Jagged columns as awkward Arrays, (offsets, values) with offsets not starting at 0,
    Python lists, strided and big-endian arrays; the same values come back."""
    ak = awkward
    nested = [[1.5, 2.5], [], [3.5]]
    cols = {"ak": ak.Array(nested),
            "ak_sliced": ak.Array([[9.0], [1.5, 2.5], [], [3.5]])[1:],
            "tuple": (np.array([2, 4, 4, 5]), np.array([7, 7, 1.5, 2.5, 3.5])),
            "ak_fixed": ak.to_regular(ak.Array(np.arange(6.0).reshape(3, 2)), axis=1),
            "list": [1, 2, 3],
            "strided": np.arange(6, dtype=np.int32)[::2],
            "big_endian": np.array([1.0, 2.0, 3.0], dtype=">f4")}
    path = tmp_path / "in.root"
    assert rootfeed.write(path, "events", cols, format=fmt) == 3
    got = rootfeed.open(path)["events"].arrays()
    for name in ("ak", "ak_sliced", "tuple"):
        assert got[name].to_list() == nested, name
    assert got["ak_fixed"].tolist() == [[0, 1], [2, 3], [4, 5]]
    assert got["list"].tolist() == [1, 2, 3] and got["list"].dtype == np.int64
    assert got["strided"].tolist() == [0, 2, 4] and got["strided"].dtype == np.int32
    assert got["big_endian"].tolist() == [1, 2, 3] and got["big_endian"].dtype == np.float32
    # a record Array and a structured array are tables too
    rec = rootfeed.open(path)["events"].arrays(["ak", "list"], library="ak")
    rootfeed.write(tmp_path / "rec.root", "events", rec, format=fmt)
    again = rootfeed.open(tmp_path / "rec.root")["events"].arrays()
    assert again["ak"].to_list() == nested and again["list"].tolist() == [1, 2, 3]
    st = np.array([(1, 2.0), (3, 4.0)], dtype=[("i", "<i2"), ("f", "<f8")])
    rootfeed.write(tmp_path / "st.root", "events", st, format=fmt)
    again = rootfeed.open(tmp_path / "st.root")["events"].arrays()
    assert again["i"].dtype == np.int16 and again["f"].tolist() == [2.0, 4.0]


def test_later_batch_safe_cast(tmp_path):
    with rootfeed.Writer(tmp_path / "c.root", "events") as w:
        w.extend({"x": np.zeros(2, np.float64), "n": np.zeros(2, np.int64)})
        w.extend({"n": np.ones(2, np.int8), "x": np.ones(2, np.float32)})  # any order, upcast
        with pytest.raises(ValueError, match="no safe conversion"):
            w.extend({"x": np.ones(2), "n": np.ones(2)})  # float64 into int64
    got = rootfeed.open(tmp_path / "c.root")["events"].arrays()
    assert got["x"].tolist() == [0, 0, 1, 1] and got["n"].dtype == np.int64


def test_options(tmp_path, uproot):
    """compression as ROOT's number, a title, default clusters; an empty table."""
    p = tmp_path / "o.root"
    rootfeed.write(p, "events", {"x": np.arange(10.0)}, compression=404, title="my table")
    t = uproot.open(p)["events"]
    assert t.title == "my table" and t["x"].array(library="np").tolist() == list(range(10))
    with rootfeed.Writer(tmp_path / "e.root", "events", format="rntuple"):
        pass
    assert rootfeed.open(tmp_path / "e.root")["events"].num_entries == 0


BAD = [
    (dict(format="csv"), {"x": [1.0]}, "format"),
    (dict(compression="zip"), {"x": [1.0]}, "unknown compression 'zip'"),
    (dict(compression=3.5), {"x": [1.0]}, "compression"),
    (dict(compression=700), {"x": [1.0]}, "out of range"),
    (dict(cluster_entries=0), {"x": [1.0]}, "cluster_entries"),
    (dict(basket_bytes=-5), {"x": [1.0]}, "basket_bytes"),
    ({}, {"x": np.array([[1], [2, 3]], dtype=object)}, "object array"),
    ({}, {"x": np.zeros(2, np.float16)}, "dtype float16"),
    ({}, {"x": np.zeros(2, np.complex64)}, "dtype complex64"),
    ({}, {"x": np.zeros(2), "y": np.zeros(3)}, "different numbers of entries"),
    ({}, {"x": 1.0}, "scalar"),
    ({}, {}, "no columns"),
    ({}, [1, 2], "must be a dict"),
    ({}, {"x": ([0, 2, 1], [1.0, 2.0])}, "non-decreasing"),
    ({}, {"x": ([0, 5], [1.0])}, "non-decreasing"),
    ({}, {"x": ([[0, 1]], [1.0])}, "1-d integer"),
    ({}, {"x": (0, 1, 2)}, "(offsets, values)"),
    ({}, {"x": rootfeed.Ragged([0, 1], rootfeed.Ragged([0, 1], np.zeros(1)))}, "nested"),
    ({}, {"a/b": [1.0]}, "contains one of"),
    (dict(format="ttree"), {"a:b": [1.0]}, "contains one of"),
    (dict(format="rntuple"), {"a.b": [1.0]}, "contains one of"),
]


@pytest.mark.parametrize("opts,cols,match", BAD)
def test_bad_arguments(tmp_path, opts, cols, match):
    with pytest.raises(ValueError, match=match.replace("(", r"\(").replace(")", r"\)")):
        rootfeed.write(tmp_path / "bad.root", "events", cols, **opts)


def test_bad_batches(tmp_path, awkward):
    with rootfeed.Writer(tmp_path / "b.root", "events") as w:
        w.extend({"x": np.zeros(2), "v": ([0, 1, 2], [1.0, 2.0])})
        for batch, match in [({"x": np.zeros(2)}, "'v' is missing"),
                             ({"x": np.zeros(1), "v": ([0, 1], [1.0]), "z": [1]}, "not in the first"),
                             ({"x": np.zeros((2, 2)), "v": ([0, 1, 2], [1.0, 2.0])}, "fixed"),
                             ({"x": np.zeros(1), "v": np.zeros(1)}, "flat float64, declared jagged"),
                             ({"x": np.zeros(1), "v": awkward.Array([[[1.0]]])}, "cannot be written")]:
            with pytest.raises(ValueError, match=match):
                w.extend(batch)
        w.extend({"x": np.ones(1), "v": ([0, 0], np.zeros(0))})
    with pytest.raises(ValueError, match="closed"):
        w.extend({"x": np.zeros(1), "v": ([0, 0], np.zeros(0))})
    got = rootfeed.open(tmp_path / "b.root")["events"].arrays()
    assert got["x"].tolist() == [0, 0, 1] and got["v"].to_list() == [[1.0], [2.0], []]


def test_unwritable_path(tmp_path):
    with pytest.raises(OSError, match="cannot create"):
        rootfeed.write(tmp_path / "no" / "such" / "dir.root", "events", {"x": [1.0]})


def test_core_checks_buffers(tmp_path):
    """The extension itself refuses buffers too short for the entries, of the wrong item
    size, or offsets of the wrong length (the C writer trusts its caller)."""
    from rootfeed import _core
    w = _core.Writer(str(tmp_path / "core.root"), "events", "ttree", None, 0, 0, 0, "")
    w.add_column("x", "float64", "flat", ())
    w.add_column("v", "int32", "jagged", (2,))
    ok_v = (np.zeros(4, np.int32), np.array([0, 1, 2], np.int64), 2)
    for batch, match in [([(np.zeros(1), None, 2), ok_v], "1 values given, the entries need 2"),
                         ([(np.zeros(2, np.float32), None, 2), ok_v], "4-byte values"),
                         ([(np.zeros(2), None, 2), (np.zeros(3, np.int32), ok_v[1], 2)], "need 4"),
                         ([(np.zeros(2), None, 2), (ok_v[0], ok_v[1][:2], 2)], "3 int64"),
                         ([(np.zeros(2), None, 2), (ok_v[0], None, 2)], "missing for a jagged"),
                         ([(np.zeros(2), None, -1), ok_v], "negative"),
                         ([(np.zeros(2), None, 2)], "1 columns given, 2 declared")]:
        with pytest.raises(ValueError, match=match):
            w.append(batch)
    w.append([(np.zeros(2), None, 2), ok_v])
    w.close()
    assert rootfeed.open(tmp_path / "core.root")["events"]["v"].array().to_list() == [[[0, 0]], [[0, 0]]]


@pytest.mark.parametrize("fmt", ["ttree", "rntuple"])
def test_atomic(tmp_path, fmt):
    """The file is committed by close() only: an exception inside the with block, abort(), or
    a Writer dropped unclosed leave an existing file byte-identical and create no new one."""
    old = tmp_path / "old.root"
    rootfeed.write(old, "events", {"x": np.arange(5.0)}, format=fmt)
    before = old.read_bytes()
    with pytest.raises(RuntimeError, match="stop"):
        with rootfeed.Writer(old, "events", format=fmt) as w:
            w.extend({"x": np.zeros(1000)})
            raise RuntimeError("stop")
    w = rootfeed.Writer(old, "events", format=fmt)
    w.extend({"y": np.ones(3)})
    w.abort()
    rootfeed.Writer(old, "events", format=fmt).extend({"z": np.ones(3)})  # dropped unclosed
    assert old.read_bytes() == before
    new = tmp_path / "new.root"
    with pytest.raises(ValueError):
        with rootfeed.Writer(new, "events", format=fmt) as w:
            w.extend({"x": np.zeros(3)})
            w.extend({"x": np.zeros((3, 2))})  # a bad batch
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.root"]
