"""Conformance through Python: every in-scope column of shared/data/external read with
rootfeed.open(path)[object].arrays() must match expected/*.json bit for bit (values and every
jagged level's counts, by SHA-256 of their little-endian bytes), with library="np" (Ragged)
and library="ak" (awkward layouts, walked down to their buffers). String columns too: NumPy
arrays of str (encoded again to UTF-8 bytes and lengths here) and awkward strings (their
bytes). The reference columns, the allow-list and the comparison are
tests/conformance/conformance.py's, shared with the C test."""
import hashlib
import json
import os
import sys

import numpy as np
import pytest

import rootfeed

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance"))
import conformance as conf  # noqa: E402

SHARED = os.environ.get("ROOTFEED_SHARED") or os.path.join(conf.REPO, "..", "shared")
EXPECTED = os.path.join(SHARED, "data", "external", "expected")
STEMS = sorted(n[:-5] for n in os.listdir(EXPECTED) if n.endswith(".json")) \
    if os.path.isdir(EXPECTED) else []


def stats(arr):
    a = np.ascontiguousarray(arr)
    return {"count": int(a.size), "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
            "first": a.reshape(-1)[:8].tolist()}


def strings_as_bytes(arr):
    """A Ragged tree whose innermost values are str objects -> the same with a Ragged of
    UTF-8 bytes (what the C reader returns) at the bottom."""
    if isinstance(arr, rootfeed.Ragged):
        return rootfeed.Ragged(arr.offsets, strings_as_bytes(arr.values))
    if arr.dtype != object:
        return arr
    assert all(isinstance(x, str) for x in arr), "string columns hold str"
    raw = [x.encode("utf-8", "surrogateescape") for x in arr]
    off = np.zeros(len(raw) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in raw], out=off[1:])
    return rootfeed.Ragged(off, np.frombuffer(b"".join(raw), dtype=np.uint8))


def describe_np(schema, arr, entries_read):
    """The record conformance.compare() expects (what colhash prints), from a Ragged/ndarray."""
    arr = strings_as_bytes(arr)
    levels = []
    while isinstance(arr, rootfeed.Ragged):
        counts = np.diff(arr.offsets).astype(np.int64)
        s = stats(counts)
        levels.append({"items": s["count"], "sha256": s["sha256"], "first": s["first"]})
        arr = arr.values
    v = stats(arr)
    return dict(kind=schema.kind, shape=list(schema.shape), nlevels=len(levels),
                entries=entries_read, levels=levels, dtype=str(arr.dtype) if arr.dtype != np.bool_
                else "bool", **v)


def ak_to_ragged(layout):
    """Walks an awkward layout down to NumPy buffers, as a Ragged tree."""
    import awkward as ak
    if isinstance(layout, ak.contents.ListOffsetArray):
        return rootfeed.Ragged(np.asarray(layout.offsets.data), ak_to_ragged(layout.content))
    if isinstance(layout, ak.contents.RegularArray):
        inner = ak_to_ragged(layout.content)
        return inner.reshape((-1, layout.size) + inner.shape[1:])
    assert isinstance(layout, ak.contents.NumpyArray), type(layout)
    return np.asarray(layout.data)


@pytest.fixture(scope="module")
def allowed():
    allow, problems = conf.load_allowlist(conf.ALLOWLIST)
    assert not problems, problems
    return allow


@pytest.mark.parametrize("library", ["np", "ak"])
@pytest.mark.parametrize("stem", STEMS or ["(no corpus)"])
def test_file(external, allowed, stem, library):
    if library == "ak":
        import awkward as ak  # noqa: F401  (a required package here)
    with open(os.path.join(EXPECTED, stem + ".json"), encoding="utf-8") as f:
        ref = json.load(f)
    twin = None
    if stem in conf.TWINS:
        with open(os.path.join(EXPECTED, conf.TWINS[stem] + ".json"), encoding="utf-8") as f:
            twin = json.load(f)
    path = os.path.join(external, ref.get("file", stem + ".root"))
    failures, checked = [], 0
    with rootfeed.open(path) as f:
        for oname, obj in ref["objects"].items():
            if obj["class"] not in conf.TABLE_CLASSES:
                continue
            t = f[oname]
            assert t.num_entries == obj["num_entries"]
            twin_obj = twin["objects"].get(oname) if twin else None
            for r in conf.refs_of_object(stem, oname, obj, twin_obj):
                if r.skip is not None:
                    continue
                if r.name not in t:
                    got = None
                elif t.schema[r.name].unsupported:
                    got = {"unsupported": t.schema[r.name].unsupported}
                else:
                    arr = t.arrays([r.name], library=library)
                    if library == "ak":
                        arr = ak_to_ragged(arr[r.name].layout)
                    else:
                        arr = arr[r.name]
                    got = describe_np(t.schema[r.name], arr, t.num_entries)
                reasons = conf.compare(r, got, obj["num_entries"])
                keys = [(stem, oname, r.name), (stem, oname, r.key)]
                if reasons and not any(k in allowed for k in keys):
                    failures.append(f"{oname}:{r.name}: {'; '.join(reasons)}")
                checked += 1
    assert not failures, f"{len(failures)} of {checked} columns differ:\n" + "\n".join(failures)
