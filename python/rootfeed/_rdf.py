"""``rootfeed.RDataFrame``: the part of ROOT's RDataFrame that the ML loaders take, with
RDataFrame's names and semantics, over rootfeed's C dataset layer (no ROOT needed)::

    df = rootfeed.RDataFrame("events", ["a.root", "b*.root"])
    df = df.Filter("nMuon >= 2").Define("pt0", "Muon_pt[0]").Range(100_000)
    df.Count().GetValue(); df.AsNumpy(["pt0"]); df.GetColumnNames(); df.GetColumnType("pt0")

Each call returns a new node; nodes share nothing mutable. Filter and Define take
RDataFrame's C++-like expressions (the C expression layer: include/rootfeed_expr.h).
Range(begin, end, stride) counts the entries that reach it, as in ROOT.
"""

import glob
import os

import numpy as np

from . import _core
from ._reading import ColumnSchema, Ragged, _closest, _expr_schema, _to_numpy

__all__ = ["RDataFrame"]

# C++ spellings of the dtypes, as RDataFrame reports column types
_CPP = {"bool": "bool", "int8": "std::int8_t", "uint8": "std::uint8_t", "int16": "std::int16_t",
        "uint16": "std::uint16_t", "int32": "std::int32_t", "uint32": "std::uint32_t",
        "int64": "std::int64_t", "uint64": "std::uint64_t", "float32": "float",
        "float64": "double"}
_ROOT_LEAF = {"bool": "Bool_t", "int8": "Char_t", "uint8": "UChar_t", "int16": "Short_t",
              "uint16": "UShort_t", "int32": "Int_t", "uint32": "UInt_t", "int64": "Long64_t",
              "uint64": "ULong64_t", "float32": "Float_t", "float64": "Double_t"}


def _files(filenames):
    """Paths from a path, a glob pattern or a list of those (in order, globs sorted)."""
    if isinstance(filenames, (str, os.PathLike)):
        filenames = [filenames]
    out = []
    for f in filenames:
        f = os.fspath(f)
        if glob.has_magic(f) and not f.startswith(("root://", "roots://", "xroot://", "http://", "https://")):
            matched = sorted(glob.glob(f))
            if not matched:
                raise FileNotFoundError(f"{f}: no file matches the pattern")
            out += matched
        else:
            out.append(f)
    if not out:
        raise ValueError("RDataFrame: no files given")
    return out


class _Result:
    """A lazy result, as RDataFrame's RResultPtr: GetValue() computes it."""

    def __init__(self, compute):
        self._compute, self._done, self._value = compute, False, None

    def GetValue(self):
        if not self._done:
            self._value, self._done = self._compute(), True
        return self._value

    def __int__(self):
        return int(self.GetValue())

    def __index__(self):
        return int(self.GetValue())

    def __eq__(self, other):
        return self.GetValue() == other

    def __repr__(self):
        return f"<rootfeed RResult {self.GetValue()!r}>"


class RDataFrame:
    """RDataFrame(treename, filenames): a dataframe over a TTree or RNTuple in one or many
    files (a path, a glob pattern, or a list of them: a TChain). Filter, Define and Range
    return new nodes; Count, AsNumpy, GetColumnNames and GetColumnType act on them."""

    def __init__(self, treename, filenames=None, _parent=None, _step=None):
        if _parent is not None:
            self._tree, self._paths, self._base = _parent._tree, _parent._paths, _parent._base
            self._steps = _parent._steps + (_step,)
            if _step[0] == "friend":  # its columns join the table's
                self._base = [ColumnSchema(d) for d in self._dataset().columns()]
            self._plan()  # compiles every step: errors surface at the call that caused them
            return
        if filenames is None:
            raise TypeError("RDataFrame(treename, filenames): rootfeed reads files; "
                            "RDataFrame(n) without a source is not supported")
        self._tree, self._paths, self._steps = treename, _files(filenames), ()
        self._base = [ColumnSchema(d) for d in self._dataset().columns()]  # checks the chain

    # -- building nodes
    def _with(self, step):
        return RDataFrame(None, _parent=self, _step=step)

    def _plan(self):
        plan = _core.Plan(_expr_schema(self._base))
        for st in self._steps:
            if st[0] == "filter":
                plan.filter(st[1])
            elif st[0] == "define":
                plan.define(st[1], st[2])
        return plan

    def Filter(self, expression, name=""):
        """Keeps the entries where the expression is true."""
        if not isinstance(expression, str):
            raise TypeError("Filter takes an expression string (RDataFrame syntax)")
        return self._with(("filter", expression, name))

    def Define(self, name, expression):
        """Adds a column computed by the expression."""
        if not isinstance(name, str) or not isinstance(expression, str):
            raise TypeError("Define(name, expression) takes two strings")
        if name in self.GetColumnNames():
            raise ValueError(f"Define: a column named '{name}' exists already")
        return self._with(("define", name, expression))

    def Range(self, begin, end=None, stride=1):
        """Range(end) or Range(begin, end, stride): the entries that reach this node, counted
        from 0, begin <= i < end (end 0: to the end), every stride-th."""
        if end is None:
            begin, end = 0, begin
        if begin < 0 or end < 0 or stride < 1 or (end and end < begin):
            raise ValueError(f"Range({begin}, {end}, {stride}): need 0 <= begin <= end "
                             f"(end 0: no end) and stride >= 1")
        return self._with(("range", int(begin), int(end), int(stride)))

    def AddFriend(self, treename, filenames, alias=None):
        """Adds the columns of a friend tree (ROOT's TTree::AddFriend): `treename` in
        `filenames` (a path, a glob pattern or a list: a chain), entry-aligned with this
        dataframe's entries (the same total count). Its columns are reachable as
        "alias.column" (alias: the tree's name by default) and, where the name is free, as
        "column". rootfeed's addition: ROOT adds friends to the TTree or TChain it reads."""
        if any(st[0] != "friend" for st in self._steps):
            raise ValueError("AddFriend: add friends before Filter, Define and Range")
        return self._with(("friend", treename, tuple(_files(filenames)), alias or treename))

    # -- the C dataset behind a node
    def _dataset(self, steps=None):
        """A fresh _core.Dataset with this node's filters and defines (up to `steps`); raw
        ranges before any filter go to the dataset, later ones are applied by masks."""
        ds = _core.Dataset(self._paths, [self._tree] * len(self._paths))
        for st in self._steps if steps is None else steps:
            if st[0] == "friend":
                ds.add_friend(list(st[2]), [st[1]] * len(st[2]), st[3])
            elif st[0] == "filter":
                ds.filter(st[1])
            elif st[0] == "define":
                ds.define(st[1], st[2])
        return ds

    def _loader_dataset(self):
        """A fresh _core.Dataset for the ML loader: this node's friends, filters and defines,
        and its Range steps as one window of raw entries. A chain of Range(begin, end) steps
        (stride 1) always selects a window of raw entries intersected with the filters, so
        the loader reads exactly the entries this node selects; a stride other than 1 cannot
        be expressed so and is refused."""
        ranges = [st for st in self._steps if st[0] == "range"]
        if any(st[3] != 1 for st in ranges):
            raise ValueError("the ML loader takes Range(begin, end) steps with stride 1 only "
                             "(a strided range selects entries that are not one window); "
                             "AsNumpy reads strided ranges")
        ds = self._dataset()
        if ranges:
            ds.set_range(*self._window(ds.entries))
        return ds

    def _window(self, n):
        """[first, last) raw entries of this node's Range steps (see _loader_dataset)."""
        last_range = max(i for i, st in enumerate(self._steps) if st[0] == "range")
        if not any(st[0] == "filter" for st in self._steps[:last_range]):
            lo, hi = 0, n  # no filter decides which entries reach a Range: plain arithmetic
            for st in self._steps:
                if st[0] == "range":
                    _, begin, end, _ = st
                    lo, hi = min(lo + begin, hi), min(hi, lo + end) if end else hi
            return lo, hi
        _, mask = self._mask()
        sel = np.flatnonzero(mask)
        return (int(sel[0]), int(sel[-1]) + 1) if len(sel) else (0, 0)

    def _columns(self):
        defined = [ColumnSchema({"name": n, "dtype": dt, "kind": "jagged" if nl else "flat",
                                 "shape": (), "nlevels": nl, "type_name": "", "unsupported": None,
                                 "compressed_bytes": 0, "uncompressed_bytes": 0, "nblocks": 0})
                   for n, dt, nl in self._plan().defines()]
        return self._base + defined

    def _mask(self):
        """(dataset, mask over its entries or None when every entry is selected)."""
        ds = self._dataset()
        n = ds.entries
        mask = None
        for i, st in enumerate(self._steps):
            if st[0] != "range":
                continue
            prefix = self._dataset(self._steps[:i])
            m = np.frombuffer(prefix.select(0, n)[0], dtype=np.bool_).copy() if \
                any(s[0] == "filter" for s in self._steps[:i]) else np.ones(n, dtype=np.bool_)
            if mask is not None:
                m &= mask
            idx = np.flatnonzero(m)
            _, begin, end, stride = st
            keep = idx[begin:end if end else None:stride]
            mask = np.zeros(n, dtype=np.bool_)
            mask[keep] = True
        if any(s[0] == "filter" for s in self._steps):
            m = np.frombuffer(ds.select(0, n)[0], dtype=np.bool_)
            mask = m.copy() if mask is None else mask & m
        return ds, mask

    # -- actions
    def GetColumnNames(self):
        """The names of the columns (the table's and the defined ones)."""
        return [c.name for c in self._columns()]

    def GetColumnType(self, name):
        """The column's C++ type as RDataFrame spells it: e.g. "Float_t" (TTree leaves),
        "float" (defines, RNTuple fields), "ROOT::VecOps::RVec<float>" (arrays, vectors)."""
        cols = {c.name: c for c in self._columns()}
        if name not in cols:
            raise KeyError(f"no column '{name}'{_closest(name, cols)}")
        c = cols[name]
        dt = "bool" if c.dtype == np.bool_ else str(c.dtype)
        inner = (_ROOT_LEAF if c.typename.startswith("TLeaf") else _CPP)[dt]
        if c.kind in ("jagged", "fixed"):
            for _ in range(max(1, c.nlevels)):
                inner = f"ROOT::VecOps::RVec<{inner}>"
        return inner

    def Count(self):
        """The number of entries that pass (a lazy result: .GetValue())."""
        def compute():
            ds, mask = self._mask()
            return int(ds.entries if mask is None else mask.sum())
        return _Result(compute)

    def AsNumpy(self, columns=None, exclude=None):
        """{column: NumPy array} of the selected entries; jagged columns as rootfeed.Ragged
        (offsets + values, no per-entry objects)."""
        names = self.GetColumnNames() if columns is None else list(columns)
        if exclude:
            names = [n for n in names if n not in set(exclude)]
        ds, mask = self._mask()
        index = {c["name"]: i for i, c in enumerate(ds.columns())}
        schema = {c.name: c for c in self._columns()}
        out = {}
        for n in names:
            if n == "rdfentry_":  # RDataFrame's entry number (of the whole chain)
                arr = np.arange(ds.entries, dtype=np.uint64)
            elif n not in index:
                raise KeyError(f"no column '{n}'{_closest(n, index)}")
            else:
                values, offsets, count = ds.read(index[n], 0, ds.entries)
                arr = _to_numpy(schema[n], values, offsets, count)
            if mask is not None:
                arr = arr[mask] if not isinstance(arr, Ragged) else arr[np.flatnonzero(mask)]
            out[n] = arr
        return out

    def __repr__(self):
        return (f"<rootfeed.RDataFrame {self._tree!r} over {len(self._paths)} file(s), "
                f"{len(self._steps)} step(s)>")
