"""The demo's event selection and PNN inputs, as RDataFrame Filter / Define strings that
rootfeed's expression layer evaluates (the same strings go to ROOT's RDataFrame).

    cut, defines = selection("ttree")        # or "rntuple" (PHYSLITE's ':' spelling)
    arrays = rootfeed.open(path)["CollectionTree"].arrays(FEATURES, cut=cut, aliases=defines)

Selection: exactly two muons of opposite charge, the leading one above the single-muon trigger
threshold (27 GeV). Features: pT (GeV), eta and phi of the mu+ and of the mu-, m_mumu (GeV),
m_T2 (GeV, from the generator: the expression layer has no m_T2), E_T^miss (GeV), the number
of jets, and the PNN's parameters m(chi1+-), m(chi10) (GeV; for backgrounds drawn from the
signal grid by the generator).
"""

MUONS, JETS, MET = "AnalysisMuonsAuxDyn", "AnalysisJetsAuxDyn", "MET_Core_AnalysisMETAuxDyn"
MUON_MASS_MEV = 105.658
TRIGGER_PT_MEV = 27_000.0

FEATURES = ["mup_pt", "mup_eta", "mup_phi", "mum_pt", "mum_eta", "mum_phi", "m_mumu", "mT2",
            "met", "n_jets", "mass_chargino", "mass_neutralino"]
TARGET, WEIGHT = "label", "weight"


def selection(fmt):
    """(filter, {name: define}) for files of format "ttree" or "rntuple"."""
    s = ":" if fmt == "rntuple" else "."
    pt, eta, phi, q = (f"{MUONS}{s}{v}" for v in ("pt", "eta", "phi", "charge"))
    cut = f"{pt}.size() == 2 && Sum({q}) == 0 && Max({pt}) > {TRIGGER_PT_MEV:.1f}f"
    defines = {}
    for sign, cond in (("p", f"{q} > 0"), ("m", f"{q} < 0")):
        defines[f"mu{sign}_pt"] = f"{pt}[{cond}][0] / 1000.f"
        defines[f"mu{sign}_eta"] = f"{eta}[{cond}][0]"
        defines[f"mu{sign}_phi"] = f"{phi}[{cond}][0]"
    defines["m_mumu"] = (f"InvariantMass({pt}, {eta}, {phi}, {pt} * 0.f + {MUON_MASS_MEV}f)"
                         f" / 1000.f")
    defines["met"] = f"{MET}{s}met / 1000.f"
    defines["n_jets"] = f"{JETS}{s}pt.size()"
    return cut, defines
