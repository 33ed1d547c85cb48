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
