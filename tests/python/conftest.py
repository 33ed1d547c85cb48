"""Shared fixtures of the Python tests.

Paths come from the environment the Meson test sets: ROOTFEED_SHARED (the corpus beside the
checkout), ROOTFEED_BUILD (the build folder with the test programs), PYTHONPATH (build/python).
Without the corpus or an optional package a test skips with the reason, unless
ROOTFEED_REQUIRE_DATA=1 (CI), where it fails instead: nothing may skip there."""
import importlib
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
REQUIRE = os.environ.get("ROOTFEED_REQUIRE_DATA") == "1"


def missing(what):
    """Skips the test, or fails it under ROOTFEED_REQUIRE_DATA=1."""
    if REQUIRE:
        pytest.fail(f"{what} (ROOTFEED_REQUIRE_DATA=1: nothing may skip)")
    pytest.skip(what)


def need(module):
    """Imports an optional package or skips/fails with the reason."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        missing(f"{module} is not installed ({e}); run make setup")


@pytest.fixture(scope="session")
def external():
    """shared/data/external."""
    shared = os.environ.get("ROOTFEED_SHARED") or os.path.join(REPO, "..", "shared")
    d = os.path.join(shared, "data", "external")
    if not os.path.isdir(os.path.join(d, "expected")):
        missing(f"no reference corpus at {d} (set ROOTFEED_SHARED)")
    return d


@pytest.fixture(scope="session")
def build_dir():
    d = os.environ.get("ROOTFEED_BUILD") or os.path.join(REPO, "build")
    if not os.path.isdir(d):
        missing(f"no build folder at {d} (set ROOTFEED_BUILD)")
    return d


@pytest.fixture(scope="session")
def uproot():
    return need("uproot")


@pytest.fixture(scope="session")
def awkward():
    return need("awkward")


@pytest.fixture(scope="session")
def ml_files(tmp_path_factory):
    """The files of ROOT's loader tests (docs/root-ml-loader.md §3), written with
    rootfeed.write: {name: path}. Small files are one cluster each, as ROOT's Snapshot makes
    them."""
    import numpy as np
    import rootfeed
    d = tmp_path_factory.mktemp("ml")
    e = np.arange(20)
    files = {}

    def put(name, tree, cols, format="ttree"):
        files[name] = str(d / f"{name}.root")
        rootfeed.write(files[name], tree, cols, format=format)

    b1 = e[:10].astype(np.int32)
    put("first_half", "mytree", {"b1": b1, "b2": b1.astype(np.float64) ** 2})
    b1 = (e[:5] + 10).astype(np.int32)
    put("second_half", "mytree", {"b1": b1, "b2": b1.astype(np.float64) ** 2})
    b1 = e[:10].astype(np.int16)
    b3 = e[:10] * 10.0
    put("multiple_target_columns", "myTree", {"b1": b1, "b2": (b1 * b1).astype(np.uint16),
                                              "b3": b3, "b4": b3 * 10})
    put("multiple_input_columns", "myTree", {"b1": b1, "b2": (b1 * b1).astype(np.uint16),
                                             "b3": b3})
    b1 = e.astype(np.int16)
    put("filtered_last_chunk", "myTree", {"b1": b1, "b2": (b1 * b1).astype(np.uint16)})
    b1 = e[:10].astype(np.int32)
    ragged = lambda a, b: (np.arange(0, 21, 2), np.stack([a, b], 1).ravel())  # noqa: E731
    # an RNTuple: its vector fields are columns of their own, as ROOT's Snapshot makes
    # std::vector branches (rootfeed's TTree writer adds a counter branch nv1 to v1[nv1])
    put("vector_columns", "mytree", {"b1": b1, "v1": ragged(b1, b1 * 10),
                                     "v2": ragged(b1 * 100, b1 * 1000)}, format="rntuple")
    # eager / lazy multiple dataframes: 0..4 and 5..9
    for name, lo in (("five_a", 0), ("five_b", 5)):
        b1 = np.arange(lo, lo + 5, dtype=np.int32)
        put(name, "mytree", {"b1": b1, "b2": b1.astype(np.float64) ** 2})
    b1 = np.arange(10, 20, dtype=np.int32)
    put("ten_b", "mytree", {"b1": b1, "b2": b1.astype(np.float64) ** 2})
    # sampling: majority even (2 e), minority odd (2 e + 1)
    for name, n, odd in (("major20", 20, 0), ("minor5", 5, 1), ("major10", 10, 0),
                         ("minor3", 3, 1)):
        b1 = (2 * np.arange(n) + odd).astype(np.int32)
        put(name, "mytree", {"b1": b1, "b2": b1.astype(np.float64) ** 2})
    return files
