"""Python file objects as sources (what uproot users pass): rootfeed.open over an open binary
file, io.BytesIO, an fsspec file (local and in-memory filesystems) and an fsspec OpenFile
reads the same values as over the path; a file object that fails or ends early gives a clean
error naming it; other objects are a TypeError."""
import io
import os
import threading

import fsspec
import numpy as np
import pytest

import rootfeed

FILES = {"uproot-HZZ.root": "events", "uproot-HZZ-zstd.root": "events",
         "ntpl001_staff_rntuple_v1-0-0-0.root": "Staff"}


def _columns(t):
    return [c for c in t.keys() if "string" not in t.typenames().get(c, "")]


def _same(table, ref):
    cols = _columns(ref)
    a, b = ref.arrays(cols, library="np"), table.arrays(cols, library="np")
    for c in cols:
        if hasattr(a[c], "offsets"):
            assert np.array_equal(a[c].offsets, b[c].offsets), c
            assert np.array_equal(a[c].values, b[c].values), c
        else:
            assert np.array_equal(a[c], b[c]), c
    return len(cols)


def _sources(path):
    data = open(path, "rb").read()
    mem = fsspec.filesystem("memory")
    mem.pipe("/rootfeed-test/" + os.path.basename(path), data)
    return {"BytesIO": io.BytesIO(data), "open file": open(path, "rb"),
            "fsspec local": fsspec.filesystem("file").open(path, "rb"),
            "fsspec memory": mem.open("/rootfeed-test/" + os.path.basename(path), "rb"),
            "fsspec OpenFile": fsspec.open(path, "rb")}


@pytest.mark.parametrize("name", sorted(FILES))
def test_file_objects_read_the_paths_values(external, name):
    path = os.path.join(external, name)
    ref = rootfeed.open(path)[FILES[name]]
    for kind, src in _sources(path).items():
        with rootfeed.open(src) as f:
            assert f.keys() == rootfeed.open(path).keys(), kind
            assert _same(f[FILES[name]], ref) > 0, kind


def test_file_object_named_and_shared_by_threads(external):
    path = os.path.join(external, "uproot-HZZ.root")
    with open(path, "rb") as fo:
        f = rootfeed.open(fo)
        assert f.file_path == path
        t = f["events"]
        want = rootfeed.open(path)["events"].arrays(["Muon_Px"], library="np")["Muon_Px"]
        bad = []

        def work():
            for _ in range(5):
                got = t.arrays(["Muon_Px"], library="np")["Muon_Px"]
                if not np.array_equal(got.values, want.values):
                    bad.append(1)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert not bad


class Failing(io.BytesIO):
    """Raises on reads once `broken` is set (a network file object losing its connection)."""

    broken = False

    def read(self, n=-1):
        if self.broken:
            raise ConnectionResetError("connection lost")
        return super().read(n)


def test_file_object_errors(external):
    data = open(os.path.join(external, "uproot-HZZ.root"), "rb").read()
    src = Failing(data)
    f = rootfeed.open(src)
    src.broken = True
    with pytest.raises(OSError, match=r"ConnectionResetError: connection lost") as e:
        f["events"].arrays(["Muon_Px", "Jet_Px", "MET_px"], library="np")
    assert "<file object>" in str(e.value)
    with pytest.raises((OSError, rootfeed.FormatError)):
        rootfeed.open(io.BytesIO(data[: len(data) // 3]))["events"].arrays(library="np")
    with pytest.raises(rootfeed.FormatError):
        rootfeed.open(io.BytesIO(b"not a ROOT file" * 100))
    with pytest.raises(TypeError, match="neither a path nor a binary file object"):
        rootfeed.open(42)
