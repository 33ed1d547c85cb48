"""The reading API (rootfeed.open / arrays / iterate / concatenate) against uproot on real
files, its errors, and its memory: arrays are views of the C library's buffers."""
import gc
import os
import shutil

import numpy as np
import pytest

import rootfeed
from rootfeed import _core


@pytest.fixture(scope="module")
def hzz(external):
    return os.path.join(external, "uproot-HZZ.root")


def buffer_of(arr):
    """The _core.Buffer an array views (its .base chain), or None."""
    b = arr
    while b is not None and not isinstance(b, _core.Buffer):
        b = getattr(b, "base", None)
    return b


def test_open_keys_and_schema(hzz, uproot):
    with rootfeed.open(hzz) as f, uproot.open(hzz) as u:
        assert f.keys() == u.keys()
        assert f.classnames() == u.classnames()
        t, ut = f["events"], u["events"]
        assert t.num_entries == ut.num_entries == len(t)
        assert t.keys() == ut.keys()
        s = t.schema
        assert s["NMuon"].dtype == np.int32 and s["NMuon"].kind == "flat"
        assert s["Muon_Px"].kind == "jagged" and s["Muon_Px"].nlevels == 1
        assert t.typenames() == ut.typenames()  # uproot's spelling: "int32_t", "float[]"
    assert f.closed


def test_arrays_match_uproot(hzz, uproot):
    t = rootfeed.open(hzz + ":events")
    got = t.arrays(["NMuon", "Muon_Px", "MET_px"], entry_start=10, entry_stop=500)
    with uproot.open(hzz) as u:
        want = u["events"].arrays(["NMuon", "Muon_Px", "MET_px"], entry_start=10,
                                  entry_stop=500, library="np")
    assert np.array_equal(got["NMuon"], want["NMuon"])
    assert np.array_equal(got["MET_px"], want["MET_px"])
    r = got["Muon_Px"]
    assert isinstance(r, rootfeed.Ragged) and len(r) == 490
    assert all(np.array_equal(r[i], want["Muon_Px"][i]) for i in range(len(r)))
    assert r.to_list() == [list(x) for x in want["Muon_Px"].tolist()] or \
        r.to_list() == [x.tolist() for x in want["Muon_Px"]]


def test_awkward_is_built_over_the_same_buffers(hzz, awkward):
    ak = awkward
    t = rootfeed.open(hzz)["events"]
    arr = t["Muon_Px"].array(library="ak")
    layout = arr.layout
    assert isinstance(layout, ak.contents.ListOffsetArray)
    off, vals = layout.offsets.data, layout.content.data
    assert buffer_of(off) is not None and buffer_of(off).address == off.ctypes.data
    assert buffer_of(vals) is not None and buffer_of(vals).address == vals.ctypes.data
    np_arr = t["Muon_Px"].array()
    assert ak.to_list(arr) == np_arr.to_list()
    rec = t.arrays(["NMuon", "Muon_Px"], entry_stop=7, library="ak")
    assert rec.fields == ["NMuon", "Muon_Px"] and len(rec) == 7


def test_zero_copy_and_valid_after_close(hzz):
    f = rootfeed.open(hzz)
    t = f["events"]
    a = t["NMuon"].array()
    r = t["Muon_Px"].array()
    for arr in (a, r.values, r.offsets):
        b = buffer_of(arr)
        assert b is not None, "array is not a view of a C buffer"
        assert b.address == arr.ctypes.data  # the data pointer is the C library's buffer
    copy_a, copy_v = a.copy(), r.values.copy()
    f.close()
    del t, f
    gc.collect()
    np.ones(1 << 20)  # reuse freed memory, if any was freed wrongly
    assert np.array_equal(a, copy_a) and np.array_equal(r.values, copy_v)
    g = rootfeed.open(hzz)
    tt = g["events"]
    g.close()
    with pytest.raises(ValueError, match="closed file"):
        tt["NMuon"].array()  # a table of a closed file reads no more


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.rss  # deselected under ASan: its quarantine keeps freed memory
def test_rss_over_many_open_read_close_cycles(hzz):
    def cycle():
        with rootfeed.open(hzz) as f:
            t = f["events"]
            x = t.arrays(["NMuon", "Muon_Px", "Jet_E"])
            assert len(x["NMuon"]) == 2421
    for _ in range(50):
        cycle()
    gc.collect()
    before = rss_bytes()
    for _ in range(1000):
        cycle()
    gc.collect()
    grown = rss_bytes() - before
    assert grown < 5 * 2**20, f"RSS grew by {grown / 2**20:.1f} MB over 1000 cycles"


def test_cut_aliases_and_expressions(hzz, uproot):
    t = rootfeed.open(hzz)["events"]
    got = t.arrays(["NMuon", "Muon_Px", "px0"], cut="NMuon >= 2 && Muon_Px[0] > 0",
                   aliases={"px0": "Muon_Px[0]"})
    with uproot.open(hzz) as u:
        want = u["events"].arrays(["NMuon", "Muon_Px"], library="np")
    keep = np.array([n >= 2 and px[0] > 0 for n, px in zip(want["NMuon"], want["Muon_Px"])])
    assert np.array_equal(got["NMuon"], want["NMuon"][keep])
    assert got["Muon_Px"].to_list() == [x.tolist() for x in want["Muon_Px"][keep]]
    assert np.array_equal(got["px0"], np.array([x[0] for x in want["Muon_Px"][keep]],
                                               dtype=np.float32))
    e = t.arrays("Muon_Px[0] * 2", cut="NMuon >= 1", entry_stop=50)
    assert e["Muon_Px[0] * 2"].dtype == np.float32
    # Python-style cuts: & and | between comparisons work, ~/and/or/not name the RDF spelling
    a = t.arrays(["NMuon"], cut="(NMuon >= 2) & (NJet >= 1)")["NMuon"]
    b = t.arrays(["NMuon"], cut="NMuon >= 2 && NJet >= 1")["NMuon"]
    assert np.array_equal(a, b)
    for bad, hint in [("~(NMuon > 1)", "!"), ("NMuon > 1 and NJet > 1", "&&"),
                      ("NMuon > 1 or NJet > 1", "||")]:
        with pytest.raises(ValueError, match=hint.replace("|", r"\|")):
            t.arrays(["NMuon"], cut=bad)


def test_iterate_and_concatenate(hzz, tmp_path):
    t = rootfeed.open(hzz)["events"]
    steps = list(t.iterate(["NMuon", "Muon_Px"], step_size=1000))
    assert [len(s["NMuon"]) for s in steps] == [1000, 1000, 421]
    whole = t.arrays(["NMuon", "Muon_Px"])
    assert np.array_equal(np.concatenate([s["NMuon"] for s in steps]), whole["NMuon"])
    for k in range(3):
        shutil.copy(hzz, tmp_path / f"part{k}.root")
    c = rootfeed.concatenate(str(tmp_path / "part*.root") + ":events", ["NMuon", "Muon_Px"])
    assert len(c["NMuon"]) == 3 * 2421
    assert c["Muon_Px"][2421 + 5].tolist() == whole["Muon_Px"][5].tolist()
    assert np.array_equal(c["Muon_Px"].offsets[-1:], [3 * whole["Muon_Px"].offsets[-1]])
    n = sum(len(s["NMuon"]) for s in rootfeed.iterate([str(tmp_path / "part0.root"),
                                                      str(tmp_path / "part1.root")],
                                                     ["NMuon"], step_size="10 kB"))
    assert n == 2 * 2421
    ak_c = rootfeed.concatenate({str(tmp_path / "part0.root"): "events"}, ["NMuon"],
                                library="ak")
    assert len(ak_c) == 2421


def test_errors(hzz, tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.root"):
        rootfeed.open(tmp_path / "nope.root")
    with pytest.raises(KeyError, match="did you mean 'events'"):
        rootfeed.open(hzz)["Events"]
    t = rootfeed.open(hzz)["events"]
    with pytest.raises(KeyError, match="did you mean 'NMuon'"):
        t["Nmuon"]
    with pytest.raises(KeyError, match="Muon_Px"):
        t.arrays(["Muon_Pxx"])
    with pytest.raises(ValueError, match="library"):
        t.arrays(["NMuon"], library="pandas")
    with pytest.raises(ValueError, match="outside"):
        t.arrays(["NMuon"], entry_start=3000, entry_stop=4000)
    bad = tmp_path / "bad.root"
    bad.write_bytes(b"not a root file" * 10)
    with pytest.raises(rootfeed.FormatError):
        rootfeed.open(bad)
    trunc = tmp_path / "trunc.root"
    with open(hzz, "rb") as f:
        trunc.write_bytes(f.read(5000))
    with pytest.raises((rootfeed.FormatError, OSError)):
        rootfeed.open(trunc)["events"].arrays()


def test_help_reads_like_uproot():
    doc = rootfeed.open.__doc__
    assert "FileNotFoundError" in doc and "file.root:tree" in doc
    assert "cut" in rootfeed.Table.arrays.__doc__


STRINGS = [  # file, object, {rootfeed column: uproot key}
    ("uproot-stl_containers.root", "tree",
     {n: n for n in ["string", "tstring", "vector_string", "vector_tstring", "vector_vector_string",
                     "vector_vector_tstring", "set_string", "vector_set_string"]}),
    ("uproot-small-evnt-tree-fullsplit.root", "tree",
     {"StdStr": "evt/StdStr", "Str": "evt/Str", "StlVecStr": "evt/StlVecStr"}),
    ("uproot-Zmumu.root", "events", {"Type": "Type"}),
    ("test_stl_containers_rntuple_v1-0-0-0.root", "ntuple",
     {n: n for n in ["string", "vector_string", "vector_vector_string"]}),
]


@pytest.mark.parametrize("name, obj, columns", STRINGS)
def test_strings_match_uproot(external, uproot, awkward, name, obj, columns):
    path = os.path.join(external, name)
    with rootfeed.open(path) as f, uproot.open(path) as u:
        t = f[obj]
        for col, key in columns.items():
            assert t.schema[col].kind == "string" and t.schema[col].dtype == np.uint8
            want = u[obj][key].array(library="ak")
            got = t[col].array(library="ak")
            # the same strings and lists (uproot marks std::set lists as "set")
            assert str(got.type) == str(want.type).replace(
                '[var * string, parameters={"__array__": "set"}]', "var * string"), col
            assert got.to_list() == want.to_list(), col
            arr = t[col].array()  # np: str objects (in a Ragged for vectors of strings)
            assert (arr.to_list() if isinstance(arr, rootfeed.Ragged) else arr.tolist()) == \
                want.to_list(), col
            inner = arr
            while isinstance(inner, rootfeed.Ragged):
                inner = inner.values
            assert inner.dtype == object and all(isinstance(s, str) for s in inner)
            assert t.arrays([col], library="ak")[col].to_list() == want.to_list()


def test_strings_in_awkward_views_the_bytes_and_cuts_select_them(external, awkward):
    t = rootfeed.open(os.path.join(external, "uproot-stl_containers.root"))["tree"]
    arr = t["vector_string"].array(library="ak")
    chars = arr.layout.content.content
    assert chars.parameter("__array__") == "char" and buffer_of(chars.data) is not None
    cut = "vector_int32[0] == 1 && Length(vector_int32) > 3"
    got = t.arrays(["string", "vector_string"], cut=cut)
    assert got["string"].tolist() == ["four", "five"]
    assert got["vector_string"].to_list() == [["one", "two", "three", "four"],
                                              ["one", "two", "three", "four", "five"]]
    ak_got = t.arrays(["string", "vector_string"], cut=cut, library="ak")
    assert ak_got["vector_string"].to_list() == got["vector_string"].to_list()
    assert str(ak_got["string"].type) == "2 * string"
    with pytest.raises(rootfeed.FormatError, match="holds strings"):
        t.arrays(["vector_int32"], cut="string == 1")


MAPS = ["map_int32_int16", "map_int32_vector_int16", "map_int32_vector_string", "map_int32_set_int16",
        "map_int32_set_string", "map_string_int16", "map_string_vector_int16", "map_string_vector_string",
        "map_string_set_int16", "map_string_set_string", "map_int32_vector_vector_int16",
        "map_int32_vector_set_int16", "map_string_string", "map_string_tstring"]


def test_map_members_match_uproot(external, uproot, awkward):
    """std::map branches (streamed member-wise) read as NAME.first (keys) and NAME.second
    (values): the same as uproot's map, unzipped."""
    path = os.path.join(external, "uproot-stl_containers.root")
    with rootfeed.open(path) as f, uproot.open(path) as u:
        t = f["tree"]
        for name in MAPS:
            keys, values = awkward.unzip(u["tree"][name].array())
            for member, want in ((".first", keys), (".second", values)):
                col = t[name + member]
                got = col.array(library="ak")
                assert got.to_list() == want.to_list(), name + member
                arr = col.array()
                assert arr.to_list() == want.to_list(), name + member
                assert col.schema.kind == ("string" if "string" in str(want.type) else "jagged")


def test_podio_generic_parameters(external):
    """FCC-ee metadata: GenericParameters maps inside a split map<int, GenericParameters> (one
    map per item of the outer collection; this file has none) give .first / .second columns
    with the item level, the map level and the value's own levels."""
    with rootfeed.open(os.path.join(external, "test_FCC_Spring2021.root")) as f:
        for tree, outer in (("col_metadata", "colMD"), ("run_metadata", "runMD")):
            t = f[tree]
            s = t.schema
            want = {"_intMap": ("int32", 3), "_floatMap": ("float32", 3), "_stringMap": ("string", 4)}
            for m, (dtype, levels) in want.items():
                keys, values = s[f"{outer}.second.{m}.first"], s[f"{outer}.second.{m}.second"]
                assert keys.kind == "string" and keys.nlevels == 3, keys
                assert values.nlevels == levels and not values.unsupported, values
                assert (values.kind == "string") == (dtype == "string")
                arr = t[f"{outer}.second.{m}.second"].array()
                assert len(arr) == 1 and arr.counts.tolist() == [0]  # no items in this file
                assert t[f"{outer}.first"].array().counts.tolist() == [0]


@pytest.mark.parametrize("fmt", ["ttree", "rntuple"])
def test_reads_on_several_threads_equal_one_thread(tmp_path, fmt, awkward):
    """Reads over 4 MB decode their columns on num_threads threads, each on its own handle of
    the file: the same arrays as one thread, with cuts, aliases and awkward too."""
    rng = np.random.default_rng(7)
    n = 300_000
    counts = rng.integers(0, 4, n)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    cols = {f"x{i}": rng.normal(size=n).astype(np.float32) for i in range(6)}
    cols["id"] = np.arange(n, dtype=np.int64)
    cols["v"] = (offsets, rng.normal(size=offsets[-1]))
    path = str(tmp_path / f"wide.{fmt}.root")
    rootfeed.write(path, "t", cols, format=fmt, cluster_entries=70_000)

    def read(threads, **kw):
        with rootfeed.open(path, num_threads=threads) as f:
            assert f.num_threads == threads
            return f["t"].arrays(**kw)

    for kw in ({}, {"cut": "x0 > 0 && id % 3 != 0"},
               {"expressions": ["id", "x1", "w"], "aliases": {"w": "v * 2"}, "cut": "x2 < 1"},
               {"entry_start": 1000, "entry_stop": 290_000}):
        one, many = read(1, **kw), read(3, **kw)
        assert one.keys() == many.keys()
        for k in one:
            a, b = one[k], many[k]
            if isinstance(a, rootfeed.Ragged):
                np.testing.assert_array_equal(a.offsets, b.offsets)
                a, b = a.values, b.values
            np.testing.assert_array_equal(a, b)
    one, many = read(1, library="ak"), read(2, library="ak")
    assert awkward.to_list(one[:50]) == awkward.to_list(many[:50])
    assert awkward.all(awkward.flatten(one["v"]) == awkward.flatten(many["v"]))
    with pytest.raises(ValueError, match="num_threads"):
        rootfeed.open(path, num_threads=0)
