"""The hand-made TTree fixtures (tests/fixtures: TNtupleD, TNtuple, Double32_t without a range,
a 36 MB basket split into several compression blocks) read by uproot, an independent reader,
and compared with the formulas of tests/fixtures/fixtures.c, repeated here."""
import os
import subprocess

import numpy as np
import pytest

NT, D32, BIG = 5000, 10000, 4500000


def ntd(c, i):
    i = i.astype(np.float64)
    return [i * 0.5, i / 7.0, (i % 100) - 0.125 * i][c]


def d32(i):
    v = i / 3.0 + 0.1
    special = {5: 1e300, 6: -1e-300, 7: np.nan, 8: 1e-40}
    for k, x in special.items():
        v[i == k] = x
    return v


@pytest.fixture(scope="module")
def fixtures_dir(build_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("fixtures")
    subprocess.run([os.path.join(build_dir, "tests", "fixtures", "make_fixtures"), str(d)],
                   check=True, capture_output=True)
    return d


@pytest.mark.parametrize("name, cls, dtype", [("ntupled.root", "TNtupleD", np.float64),
                                              ("ntuple.root", "TNtuple", np.float32)])
def test_ntuples(uproot, fixtures_dir, name, cls, dtype):
    with uproot.open(fixtures_dir / name) as f:
        assert f.classnames()["nt;1"] == cls
        t = f["nt"]
        assert t.num_entries == NT and t.member("fNvar") == 3
        i = np.arange(NT)
        for c, col in enumerate("xyz"):
            got = t[col].array(library="np")
            assert got.dtype == dtype
            assert np.array_equal(got, ntd(c, i).astype(dtype)), col


def test_double32_without_range(uproot, fixtures_dir):
    # Double32_t without a range is stored as float32: the values are the doubles rounded
    with uproot.open(fixtures_dir / "double32_norange.root") as f:
        t = f["t"]
        i = np.arange(D32)
        want = d32(i.astype(np.float64)).astype(np.float32).astype(np.float64)
        assert np.array_equal(t["d"].array(library="np"), want, equal_nan=True)
        assert np.array_equal(t["f"].array(library="np"), (i * 0.001).astype(np.float32))
        a = t["a"].array(library="np")
        k = np.arange(3)
        assert np.array_equal(a, ((3 * i[:, None] + k) / 9.0).astype(np.float32))
        v = t["v"].array(library="ak")
        import awkward as ak
        counts = ak.num(v).to_numpy()
        assert np.array_equal(counts, i % 4)
        e = np.repeat(i, counts)
        j = np.concatenate([np.arange(c) for c in counts])
        want_v = (-e - j / 5.0).astype(np.float32)
        assert np.array_equal(ak.flatten(v).to_numpy(), want_v)


@pytest.mark.parametrize("name", ["big_basket.root", "big_basket_zlib.root"])
def test_big_basket(uproot, fixtures_dir, name):
    with uproot.open(fixtures_dir / name) as f:
        b = f["t"]["b"].array(library="np")
        assert b.dtype == np.float64
        assert np.array_equal(b, np.arange(BIG) * 0.25)
