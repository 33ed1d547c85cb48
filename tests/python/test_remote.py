"""Remote files through the Python package: rootfeed.open and RDataFrame on http://,
https:// and root:// URLs served by real servers on loopback (tests/remote/servers.py:
nginx and xrootd, started once for this module) read the same values as the local files;
errors name the URL."""
import importlib.util
import os
import subprocess

import numpy as np
import pytest

import rootfeed
from conftest import REPO, missing

FILES = ["uproot-HZZ.root", "uproot-HZZ-zstd.root", "Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root",
         "ntpl001_staff_rntuple_v1-0-0-0.root"]


def _servers_module():
    spec = importlib.util.spec_from_file_location("servers", os.path.join(REPO, "tests", "remote", "servers.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def served(external):
    mod = _servers_module()
    srv = mod.Servers(external)
    try:
        try:
            srv.start_nginx()
            srv.start_xrootd()
        except (FileNotFoundError, RuntimeError) as e:
            missing(f"cannot start the servers: {e}")
        old = {k: os.environ.get(k) for k in srv.env}
        os.environ.update(srv.env)
        yield srv
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    finally:
        srv.stop()


def _same_tables(local, remote):
    with rootfeed.open(local) as a, rootfeed.open(remote) as b:
        assert a.keys() == b.keys()
        for name in a.tables():
            ta, tb = a[name], b[name]
            cols = [c for c in ta.keys() if ta.typenames().get(c, "").find("string") < 0]
            xa, xb = ta.arrays(cols, library="np"), tb.arrays(cols, library="np")
            for c in cols:
                _same_values(xa[c], xb[c], c)


def _same_values(va, vb, name):
    """Equal arrays (NaN equal to NaN), jagged ones (Ragged: offsets and values) included."""
    if hasattr(va, "offsets"):
        assert np.array_equal(va.offsets, vb.offsets), name
        _same_values(va.values, vb.values, name)
    elif getattr(va, "dtype", None) == object:
        assert all(np.array_equal(p, q, equal_nan=True) for p, q in zip(va, vb)), name
    else:
        assert np.array_equal(va, vb, equal_nan=np.asarray(va).dtype.kind == "f"), name


@pytest.mark.parametrize("scheme", ["ROOTFEED_HTTP", "ROOTFEED_HTTPS", "ROOTFEED_XROOTD"])
def test_open_url_reads_local_values(served, external, scheme):
    base = served.env[scheme]
    for name in FILES:
        _same_tables(os.path.join(external, name), f"{base}/external/{name}")


def test_url_with_object_and_rdataframe(served, external):
    base = served.env["ROOTFEED_HTTPS"]
    local = os.path.join(external, "uproot-HZZ.root")
    t = rootfeed.open(f"{base}/external/uproot-HZZ.root:events")
    assert np.array_equal(t.arrays(["NMuon"])["NMuon"], rootfeed.open(local + ":events").arrays(["NMuon"])["NMuon"])
    urls = [f"{base}/external/uproot-HZZ.root", f"{served.env['ROOTFEED_XROOTD']}/external/uproot-HZZ-zstd.root"]
    df = rootfeed.RDataFrame("events", urls).Filter("NMuon >= 2")
    ref = rootfeed.RDataFrame("events", [local, os.path.join(external, "uproot-HZZ-zstd.root")]).Filter("NMuon >= 2")
    assert df.Count().GetValue() == ref.Count().GetValue() > 0
    assert np.array_equal(df.AsNumpy(["MET_px"])["MET_px"], ref.AsNumpy(["MET_px"])["MET_px"])


def test_remote_errors_name_the_url(served):
    base = served.env["ROOTFEED_HTTP"]
    with pytest.raises(FileNotFoundError, match=f"{base}/missing/x.root"):
        rootfeed.open(f"{base}/missing/x.root")
    with pytest.raises(OSError, match="access denied"):
        rootfeed.open(f"{base}/secret/x.root")
    xrd = served.env["ROOTFEED_XROOTD"]
    with pytest.raises(FileNotFoundError, match=f"{xrd}/missing/x.root: no such file"):
        rootfeed.open(f"{xrd}/missing/x.root")


def test_cli_on_urls(served, external):
    """The rootfeed command reads URLs (one, or a chain with a local file) as it reads paths."""
    rootfeed_bin = os.environ.get("ROOTFEED_BIN") or missing("ROOTFEED_BIN is not set")
    local = os.path.join(external, "uproot-HZZ.root")

    def run(*args):
        r = subprocess.run([rootfeed_bin, *args], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return r.stdout

    for scheme in ("ROOTFEED_HTTPS", "ROOTFEED_XROOTD"):
        url = f"{served.env[scheme]}/external/uproot-HZZ.root"
        for args in (["dump", "--json", "--columns", "Muon_*,MET_px"], ["show"], ["ls", "-l"]):
            want = run(args[0], f"{local}:events", *args[1:]).replace(local, url)
            assert run(args[0], f"{url}:events", *args[1:]) == want
        chain = run("dump", "--json", url, local, "events", "--columns", "NMuon")
        assert chain == run("dump", "--json", local, local, "events", "--columns", "NMuon")
    for url in (f"{served.env['ROOTFEED_HTTP']}/missing/f.root", f"{served.env['ROOTFEED_XROOTD']}/missing/f.root"):
        r = subprocess.run([rootfeed_bin, "ls", url], capture_output=True, text=True)
        assert r.returncode == 1 and url in r.stderr and "no such file" in r.stderr, r.stderr
