"""A stand-in for ATLAS Open Data PHYSLITE samples of the mu+ mu- + E_T^miss chargino search:
SM backgrounds and chargino-pair signal, generated with vectorised NumPy from the model that
demo/README.md writes down (the numbers below are that model; change both together).

    columns = generate("Zmumu", 100_000, seed=1)      # {PHYSLITE name: array or (offsets, values)}

Each process builds its hard system in its rest frame (resonance masses from Breit-Wigner
shapes, isotropic two-body decays), gives it the transverse recoil of initial-state radiation
and a rapidity, and boosts it; a detector model then smears and selects muons and jets and
computes E_T^miss from everything measured. Momenta are in GeV inside this module and MeV in
the columns (as PHYSLITE stores them).
"""
import numpy as np

from mt2 import mt2

# ---------------------------------------------------------------- constants (README: "Model")
M_Z, G_Z = 91.1876, 2.4952
M_W, G_W = 80.377, 2.085
M_TOP, G_TOP = 172.5, 1.42
M_B = 4.8
LUMI_PB = 36_100.0            # 36.1 fb^-1 (the 2015-16 dataset of the Open Data release)
BR_W_MUNU, BR_Z_MUMU, BR_Z_NUNU = 0.1063, 0.03366, 0.2000

MU_ETA_MAX, MU_PT_MIN, MU_EFF = 2.5, 10.0, 0.95
MU_RES_CONST, MU_RES_SLOPE = 0.015, 1.0e-4          # sigma(pT)/pT = 1.5% (+) 0.01% pT/GeV
JET_ETA_MAX, JET_PT_MIN = 4.5, 20.0
JET_RES_STOCH, JET_RES_CONST = 0.8, 0.05            # sigma(pT)/pT = 80%/sqrt(pT) (+) 5%
SOFT_TRUE_SIGMA, SOFT_NOISE_SIGMA = 6.0, 5.0        # per transverse component, GeV
ISR_PT_MIN, ISR_PT_SCALE, ISR_ETA_SIGMA = 10.0, 25.0, 2.0

# signal grid (m(chi1+-), m(chi10)) in GeV and cross-section model (README)
SIGNAL_GRID = [(200, 50), (300, 50), (300, 150), (400, 100), (400, 250), (500, 200),
               (600, 100), (700, 300)]


def chargino_xsec_pb(m):
    """pp -> chi1+ chi1- at 13 TeV, wino-like: a power law through ~11.6 pb at 100 GeV."""
    return 11.6 * (100.0 / m) ** 3.15


# process: cross-section times branching ratio into the generated final state (pb), mean
# number of ISR partons, rapidity width of the hard system, DSID (fictional, 9xxxxx)
PROCESSES = {
    "Zmumu": dict(xsec=1950.0, isr=0.6, y_sigma=2.0, dsid=900001),   # Z/gamma* -> mumu, m > 40
    "ttbar": dict(xsec=832.0 * BR_W_MUNU ** 2, isr=1.0, y_sigma=1.0, dsid=900002),
    "WW": dict(xsec=118.7 * BR_W_MUNU ** 2, isr=0.7, y_sigma=1.3, dsid=900003),
    "WZ": dict(xsec=47.1 * BR_W_MUNU * BR_Z_MUMU, isr=0.7, y_sigma=1.2, dsid=900004),
    "ZZ": dict(xsec=16.9 * 2 * BR_Z_MUMU * BR_Z_NUNU, isr=0.7, y_sigma=1.2, dsid=900005),
}
SIGNAL_ISR, SIGNAL_Y_SIGMA = 0.9, 1.0

# ---------------------------------------------------------------- four-vectors (E, px, py, pz)


def _vec(e, px, py, pz):
    return np.stack([e, px, py, pz], -1)


def _mass(p):
    return np.sqrt(np.maximum(p[..., 0] ** 2 - np.sum(p[..., 1:] ** 2, -1), 0))


def boost(p, beta):
    """Boosts four-vectors p (..., 4) by the velocity beta (..., 3)."""
    b2 = np.sum(beta * beta, -1, keepdims=True)
    gamma = 1 / np.sqrt(1 - b2)
    bp = np.sum(beta * p[..., 1:], -1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        g2 = np.where(b2 > 0, (gamma - 1) / b2, 0.0)
    e = gamma * (p[..., :1] + bp)
    return np.concatenate([e, p[..., 1:] + g2 * bp * beta + gamma * beta * p[..., :1]], -1)


def _direction(rng, n, cos=None):
    """Unit vectors (n, 3): isotropic, or with the given cos(theta) and a uniform phi."""
    cos = rng.uniform(-1, 1, n) if cos is None else cos
    phi = rng.uniform(0, 2 * np.pi, n)
    sin = np.sqrt(1 - cos * cos)
    return np.stack([sin * np.cos(phi), sin * np.sin(phi), cos], -1)


def two_body(rng, parent, m1, m2, cos=None):
    """Decays parent four-vectors (n, 4) into masses m1, m2 (isotropic in the parent's rest
    frame unless cos(theta) is given); returns the two daughters in the lab, (n, 4) each."""
    m = _mass(parent)
    p = np.sqrt(np.maximum((m * m - (m1 + m2) ** 2) * (m * m - (m1 - m2) ** 2), 0)) / (2 * m)
    d = _direction(rng, len(m), cos) * p[:, None]
    beta = parent[:, 1:] / parent[:, :1]
    first = _vec(np.sqrt(p * p + m1 * m1), *d.T)
    second = _vec(np.sqrt(p * p + m2 * m2), *(-d).T)
    return boost(first, beta), boost(second, beta)


def at_rest(m):
    return _vec(m, 0 * m, 0 * m, 0 * m)


def breit_wigner(rng, n, m0, width, lo, hi):
    """Masses from a relativistic Breit-Wigner in m^2 (inverse CDF), truncated to [lo, hi];
    lo and hi may be arrays."""
    lo, hi = np.broadcast_to(lo, n), np.broadcast_to(hi, n)
    a = np.arctan((lo ** 2 - m0 ** 2) / (m0 * width))
    b = np.arctan((hi ** 2 - m0 ** 2) / (m0 * width))
    return np.sqrt(m0 ** 2 + m0 * width * np.tan(rng.uniform(a, b)))


def one_plus_cos2(rng, n):
    """cos(theta) distributed as 1 + cos^2 (a vector boson into two fermions, unpolarised)."""
    # the CDF (x + x^3/3 + 4/3) / (8/3) is inverted exactly (Cardano)
    u = rng.uniform(0, 1, n) * 8 / 3 - 4 / 3
    r = np.sqrt(9 * u * u / 4 + 1)
    return np.cbrt(1.5 * u + r) + np.cbrt(1.5 * u - r)


# ---------------------------------------------------------------- hard processes (rest frame)
# Each returns (muons (n, k, 4), charges (n, k), quarks (n, j, 4), invisible (n, c, 4) per
# decay chain) in the rest frame of the hard system.


def hard_zmumu(rng, n):
    # Z/gamma*: 92% Breit-Wigner (m_Z, Gamma_Z), 8% Drell-Yan continuum ~ 1/m^2, 40-200 GeV
    m = breit_wigner(rng, n, M_Z, G_Z, 40.0, 200.0)
    dy = rng.uniform(0, 1, n) < 0.08
    m[dy] = 1 / rng.uniform(1 / 200.0, 1 / 40.0, dy.sum())
    mu1, mu2 = two_body(rng, at_rest(m), 0.0, 0.0, cos=one_plus_cos2(rng, n))
    return np.stack([mu1, mu2], 1), np.tile([1.0, -1.0], (n, 1)), np.zeros((n, 0, 4)), \
        np.zeros((n, 0, 4))


def _pair(rng, m1, m2, scale):
    """Two particles of masses m1, m2 back to back, isotropic, the pair's mass above
    threshold by an exponential of the given scale."""
    m = m1 + m2 + rng.exponential(scale, len(m1))
    return two_body(rng, at_rest(m), m1, m2)


def hard_ww(rng, n):
    mw1, mw2 = (breit_wigner(rng, n, M_W, G_W, 50.0, 110.0) for _ in range(2))
    wp, wm = _pair(rng, mw1, mw2, 120.0)
    mu1, nu1 = two_body(rng, wp, 0.0, 0.0)
    mu2, nu2 = two_body(rng, wm, 0.0, 0.0)
    return np.stack([mu1, mu2], 1), np.tile([1.0, -1.0], (n, 1)), np.zeros((n, 0, 4)), \
        np.stack([nu1, nu2], 1)


def hard_ttbar(rng, n):
    mt1, mt2_ = (breit_wigner(rng, n, M_TOP, G_TOP, 150.0, 195.0) for _ in range(2))
    t, tbar = _pair(rng, mt1, mt2_, 150.0)
    out = []
    for top in (t, tbar):
        mw = breit_wigner(rng, n, M_W, G_W, 50.0, _mass(top) - M_B - 0.1)
        b, w = two_body(rng, top, M_B, mw)
        mu, nu = two_body(rng, w, 0.0, 0.0)
        out.append((mu, b, nu))
    (mu1, b1, nu1), (mu2, b2, nu2) = out
    return np.stack([mu1, mu2], 1), np.tile([1.0, -1.0], (n, 1)), np.stack([b1, b2], 1), \
        np.stack([nu1, nu2], 1)


def hard_wz(rng, n):
    mw = breit_wigner(rng, n, M_W, G_W, 50.0, 110.0)
    mz = breit_wigner(rng, n, M_Z, G_Z, 66.0, 116.0)
    w, z = _pair(rng, mw, mz, 120.0)
    muw, nu = two_body(rng, w, 0.0, 0.0)
    mz1, mz2 = two_body(rng, z, 0.0, 0.0, cos=one_plus_cos2(rng, n))
    qw = np.where(rng.uniform(0, 1, n) < 0.6, 1.0, -1.0)  # W+ Z : W- Z ~ 60 : 40 at the LHC
    charges = np.stack([qw, np.ones(n), -np.ones(n)], 1)
    return np.stack([muw, mz1, mz2], 1), charges, np.zeros((n, 0, 4)), nu[:, None]


def hard_zz(rng, n):
    m1, m2 = (breit_wigner(rng, n, M_Z, G_Z, 66.0, 116.0) for _ in range(2))
    za, zb = _pair(rng, m1, m2, 120.0)
    mu1, mu2 = two_body(rng, za, 0.0, 0.0, cos=one_plus_cos2(rng, n))
    return np.stack([mu1, mu2], 1), np.tile([1.0, -1.0], (n, 1)), np.zeros((n, 0, 4)), \
        zb[:, None]  # Z -> nu nu: the whole Z is invisible


def hard_signal(m_c, m_n):
    """pp -> chi1+ chi1-, chi1+- -> W+- chi10, W -> mu nu; the pair's mass above threshold by
    an exponential of scale m(chi1+-)/2."""
    def make(rng, n):
        mc = np.full(n, float(m_c))
        cp, cm = _pair(rng, mc, mc, 0.5 * m_c)
        mus, invs = [], []
        for chi in (cp, cm):
            mw = breit_wigner(rng, n, M_W, G_W, 1.0, m_c - m_n - 0.1)
            w, n1 = two_body(rng, chi, mw, float(m_n))
            mu, nu = two_body(rng, w, 0.0, 0.0)
            mus.append(mu)
            invs.append(nu + n1)
        return np.stack(mus, 1), np.tile([1.0, -1.0], (n, 1)), np.zeros((n, 0, 4)), \
            np.stack(invs, 1)
    return make


# ---------------------------------------------------------------- event: recoil, boost


def _offsets(counts):
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def _massless(pt, eta, phi):
    return _vec(pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta))


def event(rng, n, hard, isr_mean, y_sigma):
    """Truth of n events: the hard system's products boosted to the lab, ISR partons and the
    soft term. The system's transverse momentum balances the ISR partons and the soft term."""
    mu, charge, quarks, inv = hard(rng, n)
    nisr = rng.poisson(isr_mean, n)
    isr_evt = np.repeat(np.arange(n), nisr)
    isr = _massless(ISR_PT_MIN + rng.exponential(ISR_PT_SCALE, len(isr_evt)),
                    rng.normal(0, ISR_ETA_SIGMA, len(isr_evt)),
                    rng.uniform(-np.pi, np.pi, len(isr_evt)))
    soft = rng.normal(0, SOFT_TRUE_SIGMA, (n, 2))
    recoil = -soft
    for c in (0, 1):
        recoil[:, c] -= np.bincount(isr_evt, isr[:, c + 1], minlength=n)
    system = np.concatenate([mu, quarks, inv], 1).sum(1)  # at rest: (M, 0, 0, 0)
    m = system[:, 0]
    mt = np.sqrt(m * m + np.sum(recoil ** 2, 1))
    y = rng.normal(0, y_sigma, n)
    lab = _vec(mt * np.cosh(y), recoil[:, 0], recoil[:, 1], mt * np.sinh(y))
    beta = (lab[:, 1:] / lab[:, :1])[:, None, :]
    return dict(muons=boost(mu, beta), charge=charge, quarks=boost(quarks, beta),
                invisible=boost(inv, beta), isr=isr, isr_event=isr_evt, soft=soft)


# ---------------------------------------------------------------- detector


def _pt_eta_phi(p):
    pt = np.hypot(p[..., 1], p[..., 2])
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.arcsinh(np.where(pt > 0, p[..., 3] / pt, 0.0))
    return pt, eta, np.arctan2(p[..., 2], p[..., 1])


def _sorted_collection(evt, n, keys):
    """Sorts objects by event, then by decreasing pT; returns offsets and sorted columns."""
    order = np.lexsort((-keys["pt"], evt))
    return _offsets(np.bincount(evt, minlength=n)), {k: v[order] for k, v in keys.items()}


def _sum_pt(evt, n, pt, phi):
    return np.stack([np.bincount(evt, pt * np.cos(phi), minlength=n),
                     np.bincount(evt, pt * np.sin(phi), minlength=n)], 1)


def detector(rng, truth):
    """Reconstructed muons and jets (selected, pT-ordered) and E_T^miss."""
    mu = truth["muons"]
    n, k = mu.shape[:2]
    pt, eta, phi = (a.reshape(-1) for a in _pt_eta_phi(mu))
    evt = np.repeat(np.arange(n), k)
    res = np.hypot(MU_RES_CONST, MU_RES_SLOPE * pt)
    pt_meas = pt * (1 + res * rng.normal(size=pt.shape))
    keep = (np.abs(eta) < MU_ETA_MAX) & (pt_meas > MU_PT_MIN) & (rng.uniform(size=pt.shape) < MU_EFF)
    muons = dict(pt=pt_meas[keep], eta=eta[keep], phi=phi[keep],
                 charge=truth["charge"].reshape(-1)[keep])
    mu_off, muons = _sorted_collection(evt[keep], n, muons)

    q = truth["quarks"]
    qpt, qeta, qphi = (a.reshape(-1) for a in _pt_eta_phi(q))
    ipt, ieta, iphi = _pt_eta_phi(truth["isr"])
    jpt = np.concatenate([qpt, ipt])
    jeta, jphi = np.concatenate([qeta, ieta]), np.concatenate([qphi, iphi])
    jevt = np.concatenate([np.repeat(np.arange(n), q.shape[1]), truth["isr_event"]])
    jres = np.hypot(JET_RES_STOCH / np.sqrt(np.maximum(jpt, 1.0)), JET_RES_CONST)
    jpt_meas = jpt * np.maximum(1 + jres * rng.normal(size=jpt.shape), 0.05)
    jkeep = (jpt_meas > JET_PT_MIN) & (np.abs(jeta) < JET_ETA_MAX)
    jets = dict(pt=jpt_meas[jkeep], eta=jeta[jkeep], phi=jphi[jkeep],
                m=jpt_meas[jkeep] * rng.uniform(0.05, 0.2, jkeep.sum()))
    jet_off, jets = _sorted_collection(jevt[jkeep], n, jets)

    # soft term: the truth soft recoil, partons below the jet threshold, noise
    soft = truth["soft"] + _sum_pt(jevt[~jkeep], n, jpt[~jkeep], jphi[~jkeep]) + \
        rng.normal(0, SOFT_NOISE_SIGMA, (n, 2))
    visible = _sum_pt(evt[keep], n, pt_meas[keep], phi[keep]) + \
        _sum_pt(jevt[jkeep], n, jpt_meas[jkeep], jphi[jkeep]) + soft
    met = -visible
    sumet = np.bincount(evt[keep], pt_meas[keep], minlength=n) + \
        np.bincount(jevt[jkeep], jpt_meas[jkeep], minlength=n) + np.hypot(soft[:, 0], soft[:, 1])
    return dict(muons=muons, mu_off=mu_off, jets=jets, jet_off=jet_off, met=met, sumet=sumet)


def leading_pair_mt2(reco):
    """m_T2 (GeV) of the two leading muons and E_T^miss; -1 with fewer than two muons."""
    off, mu = reco["mu_off"], reco["muons"]
    two = np.diff(off) >= 2
    i = off[:-1][two]
    p = [np.stack([mu["pt"][j] * np.cos(mu["phi"][j]), mu["pt"][j] * np.sin(mu["phi"][j])], 1)
         for j in (i, i + 1)]
    out = np.full(len(two), -1.0)
    out[two] = mt2(p[0], p[1], reco["met"][two])
    return out


# ---------------------------------------------------------------- samples and columns

BACKGROUNDS = {"Zmumu": ["Zmumu"], "ttbar": ["ttbar"], "WW": ["WW"], "diboson": ["WZ", "ZZ"]}
_HARD = {"Zmumu": hard_zmumu, "ttbar": hard_ttbar, "WW": hard_ww, "WZ": hard_wz, "ZZ": hard_zz}
RUN_NUMBER = 284500  # mc20a's run number


def signal_name(m_c, m_n):
    return f"C1C1_{m_c}_{m_n}"


SAMPLES = list(BACKGROUNDS) + [signal_name(*m) for m in SIGNAL_GRID]


def _processes(sample, n):
    """[(process, events, hard function, xsec pb, ISR mean, rapidity width, DSID, masses)]:
    a background sample splits its events between its processes by cross-section."""
    if sample in BACKGROUNDS:
        procs = BACKGROUNDS[sample]
        xs = np.array([PROCESSES[p]["xsec"] for p in procs])
        counts = np.diff(np.round(np.concatenate([[0], np.cumsum(xs)]) / xs.sum() * n)).astype(int)
        return [(p, c, _HARD[p], PROCESSES[p]["xsec"], PROCESSES[p]["isr"],
                 PROCESSES[p]["y_sigma"], PROCESSES[p]["dsid"], None)
                for p, c in zip(procs, counts)]
    m_c, m_n = (int(x) for x in sample.split("_")[1:])
    i = SIGNAL_GRID.index((m_c, m_n))
    return [(sample, n, hard_signal(m_c, m_n), chargino_xsec_pb(m_c) * BR_W_MUNU ** 2,
             SIGNAL_ISR, SIGNAL_Y_SIGMA, 910001 + i, (m_c, m_n))]


def _ragged(offsets, values):
    return offsets, np.asarray(values, dtype=np.float32)


def _columns(rng, reco, n, dsid, xsec, first_event, masses):
    mev = 1000.0
    mu, jets, off, joff = reco["muons"], reco["jets"], reco["mu_off"], reco["jet_off"]
    met = reco["met"]
    if masses is None:  # PNN: backgrounds get masses drawn from the signal grid
        masses = np.array(SIGNAL_GRID, dtype=np.float64)[rng.integers(0, len(SIGNAL_GRID), n)]
    else:
        masses = np.tile(np.array(masses, dtype=np.float64), (n, 1))
    mc_weight = np.ones(n, dtype=np.float32)
    return {
        "EventInfoAuxDyn.runNumber": np.full(n, RUN_NUMBER, dtype=np.uint32),
        "EventInfoAuxDyn.eventNumber": np.arange(first_event, first_event + n, dtype=np.uint64),
        "EventInfoAuxDyn.mcChannelNumber": np.full(n, dsid, dtype=np.uint32),
        "EventInfoAuxDyn.mcEventWeights": (np.arange(n + 1, dtype=np.int64), mc_weight),
        "AnalysisMuonsAuxDyn.pt": _ragged(off, mu["pt"] * mev),
        "AnalysisMuonsAuxDyn.eta": _ragged(off, mu["eta"]),
        "AnalysisMuonsAuxDyn.phi": _ragged(off, mu["phi"]),
        "AnalysisMuonsAuxDyn.charge": _ragged(off, mu["charge"]),
        "AnalysisJetsAuxDyn.pt": _ragged(joff, jets["pt"] * mev),
        "AnalysisJetsAuxDyn.eta": _ragged(joff, jets["eta"]),
        "AnalysisJetsAuxDyn.phi": _ragged(joff, jets["phi"]),
        "AnalysisJetsAuxDyn.m": _ragged(joff, jets["m"] * mev),
        "MET_Core_AnalysisMETAuxDyn.met": (np.hypot(met[:, 0], met[:, 1]) * mev).astype(np.float32),
        "MET_Core_AnalysisMETAuxDyn.phi": np.arctan2(met[:, 1], met[:, 0]).astype(np.float32),
        "MET_Core_AnalysisMETAuxDyn.sumet": (reco["sumet"] * mev).astype(np.float32),
        "label": np.full(n, 0 if dsid < 910000 else 1, dtype=np.int32),
        "weight": (xsec * LUMI_PB / n * mc_weight).astype(np.float32),
        "mass_chargino": masses[:, 0].astype(np.float32),
        "mass_neutralino": masses[:, 1].astype(np.float32),
        "mT2": leading_pair_mt2(reco).astype(np.float32),
    }


def _concat(parts):
    """Joins column dicts; jagged columns are (offsets, values) pairs."""
    out = {}
    for key in parts[0]:
        cols = [p[key] for p in parts]
        if isinstance(cols[0], tuple):
            shift = np.cumsum([0] + [int(c[0][-1]) for c in cols[:-1]])
            out[key] = (np.concatenate([cols[0][0][:1]] + [c[0][1:] + s for c, s in zip(cols, shift)]),
                        np.concatenate([c[1] for c in cols]))
        else:
            out[key] = np.concatenate(cols)
    return out


def generate(sample, n, seed, first_event=0, total=None, keep_truth=False):
    """{column: array} of n events of a sample (jagged columns as (offsets, values)), the
    events first_event.. of a sample of total events (default n: the weights normalise the
    total to the luminosity); with keep_truth also [(process, truth, reco)], for the tests."""
    total = total or n
    parts, truths = [], []
    for k, (proc, count, hard, xsec, isr, y_sigma, dsid, masses) in enumerate(_processes(sample, n)):
        rng = np.random.default_rng([seed, SAMPLES.index(sample), first_event, k])
        truth = event(rng, count, hard, isr, y_sigma)
        reco = detector(rng, truth)
        parts.append(_columns(rng, reco, count, dsid, xsec * n / total, first_event, masses))
        first_event += count
        if keep_truth:
            truths.append((proc, truth, reco))
    cols = _concat(parts)
    return (cols, truths) if keep_truth else cols
