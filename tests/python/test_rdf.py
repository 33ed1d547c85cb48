"""rootfeed.RDataFrame: RDataFrame's names and semantics over the C dataset layer (chains,
Filter, Define, Range counted after filters, Count, AsNumpy, GetColumnNames/Type), compared
with the same selection computed with uproot + NumPy."""
import os
import shutil

import numpy as np
import pytest

import rootfeed


@pytest.fixture(scope="module")
def chain(external, tmp_path_factory):
    d = tmp_path_factory.mktemp("rdf")
    for k in range(3):
        shutil.copy(os.path.join(external, "uproot-HZZ.root"), d / f"hzz{k}.root")
    return str(d / "hzz*.root")


@pytest.fixture(scope="module")
def truth(external, uproot):
    with uproot.open(os.path.join(external, "uproot-HZZ.root")) as f:
        a = f["events"].arrays(["NMuon", "Muon_Px", "MET_px"], library="np")
    return {k: np.concatenate([v] * 3) for k, v in a.items()}


def test_chain_count_columns_types(chain):
    df = rootfeed.RDataFrame("events", chain)
    assert df.Count().GetValue() == 3 * 2421
    assert df.GetColumnNames()[:2] == ["NJet", "Jet_Px"]
    assert df.GetColumnType("NMuon") == "Int_t"
    assert df.GetColumnType("Muon_Px") == "ROOT::VecOps::RVec<Float_t>"
    d = df.Define("px0", "Muon_Px[0]").Define("n2", "NMuon * 2")
    assert d.GetColumnType("px0") == "float" and d.GetColumnType("n2") == "std::int64_t"
    assert "px0" in d.GetColumnNames() and "px0" not in df.GetColumnNames()  # nodes are immutable
    with pytest.raises(KeyError, match="did you mean 'NMuon'"):
        df.GetColumnType("NMuons")


def test_filter_define_asnumpy(chain, truth):
    df = rootfeed.RDataFrame("events", [chain])
    d = df.Filter("NMuon >= 2").Define("px0", "Muon_Px[0]").Filter("px0 > 0")
    keep = np.array([n >= 2 and px[0] > 0 for n, px in zip(truth["NMuon"], truth["Muon_Px"])])
    assert d.Count().GetValue() == keep.sum()
    a = d.AsNumpy(["NMuon", "px0", "Muon_Px", "MET_px"])
    assert np.array_equal(a["NMuon"], truth["NMuon"][keep])
    assert np.array_equal(a["MET_px"], truth["MET_px"][keep])
    assert np.array_equal(a["px0"], np.array([p[0] for p in truth["Muon_Px"][keep]], np.float32))
    assert a["Muon_Px"].to_list() == [p.tolist() for p in truth["Muon_Px"][keep]]


def test_range_counts_entries_that_reach_it(chain, truth):
    df = rootfeed.RDataFrame("events", chain)
    assert np.array_equal(df.Range(10, 20).AsNumpy(["NMuon"])["NMuon"], truth["NMuon"][10:20])
    sel = np.flatnonzero(truth["NMuon"] >= 2)
    r = df.Filter("NMuon >= 2").Range(100, 130, 3).AsNumpy(["MET_px"])["MET_px"]
    assert np.array_equal(r, truth["MET_px"][sel[100:130:3]])
    assert df.Range(2500, 0).Count().GetValue() == 3 * 2421 - 2500  # end 0: to the end
    r2 = df.Range(1000).Filter("NMuon >= 2").Count().GetValue()
    assert r2 == (truth["NMuon"][:1000] >= 2).sum()
    with pytest.raises(ValueError):
        df.Range(5, 2)


def test_errors(chain, tmp_path):
    with pytest.raises(FileNotFoundError):
        rootfeed.RDataFrame("events", str(tmp_path / "none*.root"))
    with pytest.raises(KeyError):
        rootfeed.RDataFrame("Events", chain)
    df = rootfeed.RDataFrame("events", chain)
    with pytest.raises(KeyError, match="nosuch"):
        df.Filter("nosuch > 1")
    with pytest.raises(ValueError, match="syntax"):
        df.Define("x", "NMuon +* 2")
    with pytest.raises(ValueError, match="exists"):
        df.Define("NMuon", "1")
