"""The demo's stand-in PHYSLITE generator (demo/physlite.py) against its documentation
(demo/README.md): the Z peak, E_T^miss and m_T2 shapes, signal kinematics that move with the
mass point, weights; the m_T2 algorithm against a brute-force minimisation; and the demo's
Filter/Define strings (demo/selection.py) evaluated by rootfeed's expression layer on the
written TTree and RNTuple files, against NumPy on the generator's arrays."""
import os
import sys

import numpy as np
import pytest

import rootfeed
from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "demo"))
import generate  # noqa: E402
import physlite as P  # noqa: E402
import selection  # noqa: E402
from mt2 import mt2  # noqa: E402

N = 40_000


@pytest.fixture(scope="module")
def samples():
    return {s: P.generate(s, N, seed=7, keep_truth=True) for s in
            ["Zmumu", "WW", "ttbar", "C1C1_200_50", "C1C1_300_50", "C1C1_300_150",
             "C1C1_400_250", "C1C1_600_100"]}


def dimuon(cols):
    """NumPy selection of demo/selection.py: (mask, mu+ index, mu- index) over the values."""
    off, pt = cols["AnalysisMuonsAuxDyn.pt"]
    q = cols["AnalysisMuonsAuxDyn.charge"][1]
    n = np.diff(off)
    first = off[:-1]
    two = n == 2
    i0, i1 = np.minimum(first, len(pt) - 1), np.minimum(first + 1, len(pt) - 1)
    mask = two & (q[i0] + q[i1] == 0) & (np.maximum(pt[i0], pt[i1]) > selection.TRIGGER_PT_MEV)
    plus = np.where(q[i0] > 0, i0, i1)
    return mask, plus[mask], np.where(q[i0] > 0, i1, i0)[mask]


def m_mumu(cols, a, b, energy=False):
    """m(mu mu) in GeV in float64 (and the pair's energy)."""
    pt, eta, phi = (cols[f"AnalysisMuonsAuxDyn.{v}"][1].astype(np.float64) / s
                    for v, s in (("pt", 1000), ("eta", 1), ("phi", 1)))
    m = selection.MUON_MASS_MEV / 1000
    e = [np.sqrt((pt[i] * np.cosh(eta[i])) ** 2 + m * m) for i in (a, b)]
    px, py, pz = ([pt[a] * f(phi[a]) + pt[b] * f(phi[b]) for f in (np.cos, np.sin)] +
                  [pt[a] * np.sinh(eta[a]) + pt[b] * np.sinh(eta[b])])
    m = np.sqrt((e[0] + e[1]) ** 2 - px ** 2 - py ** 2 - pz ** 2)
    return (m, e[0] + e[1]) if energy else m


def selected(cols, key):
    """Values of a flat column (or "lead_pt", the leading muon's pT) in selected events."""
    mask = dimuon(cols)[0]
    if key == "lead_pt":
        off, pt = cols["AnalysisMuonsAuxDyn.pt"]
        return pt[np.minimum(off[:-1], len(pt) - 1)][mask]
    return cols[key][mask]


# ------------------------------------------------------------------ m_T2


def test_mt2_brute_force():
    scipy_opt = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(3)
    p1, p2, k = (rng.normal(0, s, (60, 2)) for s in (50, 50, 60))

    def mt_sq(p, q):
        return 2 * (np.hypot(*p) * np.hypot(*q) - p @ q)

    def brute(a, b, kk):
        f = lambda q: max(mt_sq(a, q), mt_sq(b, kk - q))  # noqa: E731
        starts = [kk / 2, np.zeros(2), kk, a, -b, kk - b]
        return np.sqrt(max(min(scipy_opt.minimize(f, x0, method="Nelder-Mead", options=dict(
            xatol=1e-9, fatol=1e-11, maxiter=5000)).fun for x0 in starts), 0))

    got = mt2(p1, p2, k)
    want = np.array([brute(*x) for x in zip(p1, p2, k)])
    assert np.all(np.abs(got - want) <= 1e-4 * np.maximum(want, 1))
    # no upstream momentum: the closed form m_T2^2 = 2 (|p1||p2| + p1.p2)
    k0 = -(p1 + p2)
    closed = np.sqrt(2 * (np.hypot(*p1.T) * np.hypot(*p2.T) + np.sum(p1 * p2, 1)))
    assert np.allclose(mt2(p1, p2, k0), closed, rtol=1e-6, atol=1e-4)
    # symmetric, and below the trivial splits (all of pTmiss to one particle)
    assert np.allclose(mt2(p2, p1, k), got, rtol=1e-6, atol=1e-4)
    trivial = np.minimum(*(np.sqrt(np.maximum([mt_sq(p, q) for p, q in zip(pp, k)], 0))
                           for pp in (p1, p2)))
    assert np.all(got <= trivial * (1 + 1e-6) + 1e-4)


def test_mt2_truth_bound(samples):
    """With the true neutrinos' momenta, m_T2 <= the larger m(mu nu) of the two W decays:
    the true split is one of those m_T2 minimises over, and m_T <= m."""
    for name in ("WW", "ttbar"):
        _cols, [(_p, truth, _reco)] = samples[name]
        mu, nu = truth["muons"], truth["invisible"]
        got = mt2(mu[:, 0, 1:3], mu[:, 1, 1:3], nu[:, :, 1:3].sum(1))
        w = mu + nu
        mw = np.sqrt(np.maximum(w[..., 0] ** 2 - np.sum(w[..., 1:] ** 2, -1), 0)).max(1)
        assert np.all(got <= mw * (1 + 1e-6) + 1e-6), name
        assert np.percentile(got, 99) > 0.9 * P.M_W  # and the edge is populated


# ------------------------------------------------------------------ physics


def test_z_peak(samples):
    """m_mumu of selected Z -> mumu events peaks at m_Z with the width of README's model:
    the Breit-Wigner (Gamma_Z) convolved with the muon resolution at pT = m_Z / 2 (a Voigt
    profile, FWHM from Olivero's formula)."""
    cols = samples["Zmumu"][0]
    mask, a, b = dimuon(cols)
    m = m_mumu(cols, a, b)
    h, edges = np.histogram(m, bins=np.arange(81, 101.0001, 0.25))
    centre = 0.5 * (edges[1:] + edges[:-1])
    smooth = np.convolve(h, np.ones(5) / 5, mode="same")
    peak = centre[np.argmax(smooth)]
    assert abs(peak - P.M_Z) < 0.4
    above = centre[smooth > smooth.max() / 2]
    fwhm = above[-1] - above[0] + 0.25
    res = np.hypot(P.MU_RES_CONST, P.MU_RES_SLOPE * P.M_Z / 2)
    f_g = 2.3548 * P.M_Z * res / np.sqrt(2)
    f_l = P.G_Z
    want = 0.5346 * f_l + np.sqrt(0.2166 * f_l ** 2 + f_g ** 2)
    assert abs(fwhm - want) < 0.1 * want, (fwhm, want)
    assert 3.7 < want < 4.2  # the number README states (~4.0 GeV)


def test_met_harder_for_signal(samples):
    met = {s: np.median(selected(c, "MET_Core_AnalysisMETAuxDyn.met")) / 1000
           for s, (c, _t) in samples.items()}
    assert met["Zmumu"] < 15  # no neutrinos: resolution only
    for s in samples:
        if s.startswith("C1C1_"):
            assert met[s] > 3 * met["Zmumu"], (s, met)
    assert met["WW"] > 2 * met["Zmumu"]


def _endpoint(s):
    m_c, m_n = (int(x) for x in s.split("_")[1:])
    return (m_c ** 2 - m_n ** 2) / m_c


def test_signal_moves_with_mass_point(samples):
    """Median m_T2, E_T^miss and leading-muon pT grow with the m_T2 endpoint of the point,
    (m_c^2 - m_n^2) / m_c; each point's m_T2 stays below its endpoint (99th percentile)
    and backgrounds with W -> mu nu below m_W."""
    points = sorted((s for s in samples if s.startswith("C1C1_")), key=_endpoint)
    med = {}
    for s in points:
        cols = samples[s][0]
        mt2v = selected(cols, "mT2")
        assert np.percentile(mt2v, 99) < _endpoint(s), s
        med[s] = [np.median(v) for v in (mt2v, selected(cols, "MET_Core_AnalysisMETAuxDyn.met"),
                                         selected(cols, "lead_pt"))]
    for k in range(3):
        series = [med[s][k] for s in points]
        assert np.corrcoef([_endpoint(s) for s in points], series)[0, 1] > 0.95, (k, series)
    assert med[points[-1]][0] > 2 * med[points[0]][0]
    for s in ("WW", "ttbar"):
        assert np.percentile(selected(samples[s][0], "mT2"), 99) < P.M_W + 10


def test_weights_and_masses(samples):
    """Weights sum to cross-section x luminosity; backgrounds get PNN masses from the grid,
    each point about equally often; signal carries its own masses."""
    for s, (cols, _t) in samples.items():
        proc = P._processes(s, N)[0]
        assert np.isclose(cols["weight"].astype(np.float64).sum(), proc[3] * P.LUMI_PB, rtol=1e-5)
        pairs = np.stack([cols["mass_chargino"], cols["mass_neutralino"]], 1)
        if s.startswith("C1C1_"):
            assert np.all(pairs == np.array(proc[7])) and np.all(cols["label"] == 1)
        else:
            assert np.all(cols["label"] == 0)
            grid, counts = np.unique(pairs, axis=0, return_counts=True)
            assert sorted(map(tuple, grid.tolist())) == sorted(P.SIGNAL_GRID)
            expect = N / len(P.SIGNAL_GRID)
            assert np.all(np.abs(counts - expect) < 5 * np.sqrt(expect))


def test_acceptance(samples):
    """Muons and jets within the documented acceptance, pT-ordered in each event."""
    for s, (cols, _t) in samples.items():
        off, pt = cols["AnalysisMuonsAuxDyn.pt"]
        eta = cols["AnalysisMuonsAuxDyn.eta"][1]
        assert np.all(pt > P.MU_PT_MIN * 1000) and np.all(np.abs(eta) < P.MU_ETA_MAX)
        joff, jpt = cols["AnalysisJetsAuxDyn.pt"]
        assert np.all(jpt > P.JET_PT_MIN * 1000)
        assert np.all(np.abs(cols["AnalysisJetsAuxDyn.eta"][1]) < P.JET_ETA_MAX)
        for o, v in ((off, pt), (joff, jpt)):
            same_event = np.repeat(np.arange(len(o) - 1), np.diff(o))
            later = same_event[1:] == same_event[:-1]
            assert np.all(v[1:][later] <= v[:-1][later]), s


# ------------------------------------------------------------------ files and expressions


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    generate.main(["--out", str(out), "--events", "30000", "--file-events", "6000",
                   "--seed", "5", "--jobs", "1"])
    return out


@pytest.mark.parametrize("fmt", ["ttree", "rntuple"])
def test_selection_through_expressions(files, fmt):
    """The demo's Filter and Defines through rootfeed's expression layer give the numbers
    NumPy computes from the generator's own arrays (regenerated from the seed)."""
    cut, defines = selection.selection(fmt)
    tasks = generate.plan(30000, 6000, 5, str(files), [fmt])
    checked = 0
    for sample, k, first, n, total, seed, _out, _f in tasks[:6] + tasks[-2:]:
        cols = P.generate(sample, n, seed, first_event=first, total=total)
        path = files / fmt / f"mc_{sample}.{k}.root"
        t = rootfeed.open(path)[generate.TREE]
        got = t.arrays(selection.FEATURES + [selection.TARGET, selection.WEIGHT], cut=cut,
                       aliases=defines)
        mask, plus, minus = dimuon(cols)
        _, pt = cols["AnalysisMuonsAuxDyn.pt"]
        want = {"mup_pt": pt[plus] / np.float32(1000), "mum_pt": pt[minus] / np.float32(1000),
                "met": cols["MET_Core_AnalysisMETAuxDyn.met"][mask] / np.float32(1000),
                "n_jets": np.diff(cols["AnalysisJetsAuxDyn.pt"][0])[mask]}
        for v in ("eta", "phi"):
            want[f"mup_{v}"] = cols[f"AnalysisMuonsAuxDyn.{v}"][1][plus]
            want[f"mum_{v}"] = cols[f"AnalysisMuonsAuxDyn.{v}"][1][minus]
        for c in ("mT2", "mass_chargino", "mass_neutralino", "label", "weight"):
            want[c] = cols[c][mask]
        for name, w in want.items():
            assert np.array_equal(got[name], w), (path, name)
        # float32 arithmetic, as ROOT::VecOps on floats: m^2 = E^2 - p^2 to float32 rounding
        m, e = m_mumu(cols, plus, minus, energy=True)
        assert np.all(np.abs(got["m_mumu"].astype(np.float64) ** 2 - m ** 2) < 1e-6 * e ** 2), path
        assert got["mup_pt"].dtype == np.float32 and got["n_jets"].dtype == np.int64
        checked += mask.sum()
    assert checked > 5000


def test_files_layout(files):
    """PHYSLITE's names in both formats (':' in RNTuple), the same entries and values."""
    tt = rootfeed.open(files / "ttree" / "mc_Zmumu.0.root")[generate.TREE]
    rn = rootfeed.open(files / "rntuple" / "mc_Zmumu.0.root")[generate.TREE]
    assert rn.classname == "ROOT::RNTuple" and tt.classname == "TTree"
    assert "AnalysisMuonsAuxDyn.pt" in tt and "AnalysisMuonsAuxDyn:pt" in rn
    assert tt.schema["AnalysisMuonsAuxDyn.pt"].kind == "jagged"
    a, b = tt.arrays(), rn.arrays()
    counters = {"n" + c for c in a}  # the TTree's counter branches of jagged columns
    assert len(a) - len(counters & set(a)) == len(b)
    for name, v in a.items():
        if name not in counters:
            w = b[generate.column_name(name, "rntuple")]
            assert (v == w) if isinstance(v, rootfeed.Ragged) else np.array_equal(v, w), name
