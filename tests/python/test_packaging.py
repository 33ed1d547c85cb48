"""`pip wheel .` builds a wheel (meson-python) holding exactly the package, its extension and
the rootfeed command - no tests, benches, fuzzers or C library files - and the installed
wheel works: the extension imports and reads a file, the command runs."""
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import REPO

pytestmark = pytest.mark.wheel  # deselected in the sanitizer run (a second build of the same)


def test_wheel_contents_and_install(tmp_path, external):
    subprocess.run([sys.executable, "-m", "pip", "wheel", REPO, "--no-build-isolation",
                    "--no-deps", "-q", "-w", str(tmp_path)], check=True)
    (whl,) = [p for p in os.listdir(tmp_path) if p.endswith(".whl")]
    names = zipfile.ZipFile(tmp_path / whl).namelist()
    files = sorted(n for n in names if ".dist-info/" not in n)
    assert [n for n in files if not n.startswith("rootfeed/")] == \
        ["rootfeed-0.1.0.data/scripts/rootfeed"]
    assert any(n.startswith("rootfeed/_core.") and n.endswith(".so") for n in files)
    assert {"rootfeed/__init__.py", "rootfeed/_reading.py", "rootfeed/_writing.py",
            "rootfeed/__init__.pyi",
            "rootfeed/py.typed"} <= set(files)
    assert not [n for n in names if any(w in n for w in ("test", "bench", "fuzz", ".h", ".a"))]
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(tmp_path / whl)], check=True)
    hzz = os.path.join(external, "uproot-HZZ.root")
    code = ("import rootfeed, sys; t = rootfeed.open(sys.argv[1])['events']; "
            "print(rootfeed.__file__); print(len(t['NMuon'].array()))")
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", code, hzz], env=env, check=True,
                         capture_output=True, text=True, cwd=tmp_path).stdout.split()
    assert out[0].startswith(str(target)) and out[1] == "2421"
    ls = subprocess.run([str(target / "bin" / "rootfeed"), "ls", hzz], check=True,
                        capture_output=True, text=True).stdout
    assert "events" in ls and "TTree" in ls
