"""Reading ROOT files as arrays, with the names uproot users know.

    import rootfeed
    with rootfeed.open("HZZ.root") as f:
        t = f["events"]
        arrays = t.arrays(["NMuon", "Muon_Px"], cut="NMuon >= 2")    # dict of arrays

Flat and fixed-size columns come back as NumPy arrays of their own dtype and shape; jagged
columns as :class:`Ragged` (``library="np"``) or awkward Arrays (``library="ak"``). Every
array is a view of the memory the C library decoded into (no copy); it stays valid after the
file is closed. String columns (std::string, TString, char*, vector<string>...) come back as
NumPy arrays of ``str`` (a Ragged of them for vectors of strings; the bytes decoded as UTF-8,
undecodable bytes kept as surrogate escapes, as uproot does) or as awkward string arrays over
the decoded bytes. Cuts and aliases use the C expression layer, in RDataFrame's syntax.
"""

import difflib
import glob
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import _core

__all__ = ["open", "iterate", "concatenate", "File", "Table", "Column", "ColumnSchema",
           "Ragged"]

_open = open  # the builtin, before this module's open() hides it

_LIBRARIES = ("np", "ak")

# Reads estimated below this many uncompressed bytes stay on the calling thread.
_PARALLEL_MIN_BYTES = 4 << 20


def _default_threads():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# ------------------------------------------------------------------ ragged arrays

class Ragged:
    """A jagged column without awkward: ``offsets`` (int64, n + 1 values from 0) and
    ``values`` (a NumPy array, or another Ragged for nested lists). Entry i is
    ``values[offsets[i]:offsets[i+1]]`` (a view). Never an object array of arrays.

    >>> r = t["Muon_Px"].array()
    >>> len(r), r.counts[:3], r[0], r.to_list()[:2]
    """

    __slots__ = ("offsets", "values")

    def __init__(self, offsets, values):
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.values = values

    def __len__(self):
        return len(self.offsets) - 1

    @property
    def counts(self):
        """Items per entry (int64)."""
        return np.diff(self.offsets)

    @property
    def dtype(self):
        return self.values.dtype

    def __getitem__(self, where):
        if isinstance(where, (int, np.integer)):
            n = len(self)
            i = int(where) + n if where < 0 else int(where)
            if not 0 <= i < n:
                raise IndexError(f"index {where} out of range for {n} entries")
            return self.values[self.offsets[i]:self.offsets[i + 1]]
        if isinstance(where, slice):
            start, stop, step = where.indices(len(self))
            if step == 1:
                stop = max(start, stop)
                off = self.offsets[start:stop + 1]
                return Ragged(off - off[0], self.values[off[0]:off[-1]])
            where = np.arange(start, stop, step)
        return _take(self, np.asarray(where))

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def to_list(self):
        """Nested Python lists of Python numbers."""
        inner = self.values.to_list() if isinstance(self.values, Ragged) else self.values.tolist()
        off = self.offsets.tolist()
        return [inner[off[i]:off[i + 1]] for i in range(len(self))]

    def __eq__(self, other):
        return (isinstance(other, Ragged) and np.array_equal(self.offsets, other.offsets) and
                (self.values == other.values if isinstance(self.values, Ragged)
                 else np.array_equal(self.values, other.values, equal_nan=False)))

    def __repr__(self):
        items = self.to_list() if len(self) <= 6 else self[:3].to_list() + ["..."]
        return f"Ragged({items}, dtype={self.dtype})"


def _take(r, idx):
    """Entries idx (ints or a bool mask) of a Ragged, copied."""
    if idx.dtype == np.bool_:
        idx = np.flatnonzero(idx)
    counts = r.counts[idx]
    off = np.zeros(len(idx) + 1, dtype=np.int64)
    np.cumsum(counts, out=off[1:])
    # item positions: for each kept entry, its range of items
    starts = r.offsets[:-1][idx]
    items = np.repeat(starts - off[:-1], counts) + np.arange(off[-1], dtype=np.int64)
    values = _take(r.values, items) if isinstance(r.values, Ragged) else r.values[items]
    return Ragged(off, values)


def _select(arr, mask):
    return _take(arr, mask) if isinstance(arr, Ragged) else arr[mask]


def _concat(parts):
    if not parts:
        raise ValueError("nothing to concatenate")
    if not isinstance(parts[0], Ragged):
        return np.concatenate(parts)
    shifts = np.cumsum([0] + [int(p.offsets[-1]) for p in parts[:-1]])
    off = np.concatenate([parts[0].offsets[:1]] +
                         [p.offsets[1:] - p.offsets[0] + s for p, s in zip(parts, shifts)])
    vals = _concat([p.values[p.offsets[0]:p.offsets[-1]] if not isinstance(p.values, Ragged)
                    else p.values[int(p.offsets[0]):int(p.offsets[-1])] for p in parts])
    return Ragged(off, vals)


# ------------------------------------------------------------------ schema

class ColumnSchema:
    """What a column holds: ``dtype`` (NumPy), ``kind`` ("flat", "fixed", "jagged",
    "string"), ``shape`` (inner fixed dimensions), ``nlevels`` (jagged levels; for strings
    counting the level of their bytes, whose dtype is uint8), ``typename`` (the stored type),
    ``unsupported`` (None, or why rootfeed cannot read it), and its sizes on disk."""

    __slots__ = ("name", "dtype", "kind", "shape", "nlevels", "typename", "unsupported",
                 "compressed_bytes", "uncompressed_bytes", "nblocks")

    def __init__(self, d):
        self.name = d["name"]
        self.dtype = np.dtype(d["dtype"] if d["dtype"] != "bool" else np.bool_)
        self.kind = d["kind"]
        self.shape = tuple(d["shape"])
        self.nlevels = d["nlevels"]
        self.typename = d["type_name"]
        self.unsupported = d["unsupported"]
        self.compressed_bytes = d["compressed_bytes"]
        self.uncompressed_bytes = d["uncompressed_bytes"]
        self.nblocks = d["nblocks"]

    def __repr__(self):
        extra = f", unsupported={self.unsupported!r}" if self.unsupported else ""
        return (f"ColumnSchema({self.name!r}, dtype={self.dtype}, kind={self.kind!r}, "
                f"shape={self.shape}, nlevels={self.nlevels}{extra})")


def _expr_schema(columns):
    """The readable columns as the expression layer's schema (strings with nlevels -1: named
    in an expression, they give the C layer's error that expressions read numbers)."""
    out = []
    for c in columns:
        if c.kind == "string" and not c.unsupported:
            out.append((c.name, "uint8", -1, 0))
            continue
        if c.unsupported or c.nlevels > 1 or (c.nlevels == 1 and c.shape):
            continue
        fixed = int(np.prod(c.shape)) if c.kind == "fixed" else 0
        out.append((c.name, str(c.dtype) if c.dtype != np.bool_ else "bool", c.nlevels, fixed))
    return out


def _closest(name, names):
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
    if not close:
        low = {n.lower(): n for n in names}
        if name.lower() in low:
            close = [low[name.lower()]]
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


_PYTHON_STYLE = [(re.compile(r"~"), "~", "!"),
                 (re.compile(r"\band\b"), "and", "&&"),
                 (re.compile(r"\bor\b"), "or", "||"),
                 (re.compile(r"\bnot\b"), "not", "!")]


def _check_cut(cut):
    """Cuts are RDataFrame expressions. uproot's Python-style operators that would silently
    change meaning in C++ (~ is bitwise there; and/or/not are not operators) raise ValueError
    with the RDataFrame spelling. & and | between comparisons give the same result in both."""
    for pattern, py, cpp in _PYTHON_STYLE:
        if pattern.search(cut):
            fixed = cut
            for p2, _, c2 in _PYTHON_STYLE:
                fixed = p2.sub(c2, fixed)
            fixed = re.sub(r"(?<![&|])([&|])(?![&|])", r"\1\1", fixed)
            raise ValueError(f"cut {cut!r}: Python-style '{py}' is not RDataFrame syntax "
                             f"(use '{cpp}'); write e.g. {fixed!r}")


# ------------------------------------------------------------------ columns and tables

def _decode(data, offsets):
    """The strings delimited by offsets in the bytes data, as a NumPy array of str."""
    raw = data.tobytes()
    off = offsets.tolist()
    out = np.empty(len(off) - 1, dtype=object)
    out[:] = [raw[off[i]:off[i + 1]].decode("utf-8", "surrogateescape") for i in range(len(off) - 1)]
    return out


def _to_numpy(schema, values, offsets, nentries):
    """Wraps the Buffers of one read without copying (strings are decoded into str)."""
    arr = np.frombuffer(values, dtype=schema.dtype)
    offsets = [np.frombuffer(off, dtype=np.int64) for off in offsets]
    if schema.kind == "string":
        arr = _decode(arr, offsets.pop())
    elif schema.shape:
        arr = arr.reshape((-1,) + schema.shape)
    for off in reversed(offsets):
        arr = Ragged(off, arr)
    return arr


def _string_layout(data, offsets):
    import awkward as ak
    chars = ak.contents.NumpyArray(data, parameters={"__array__": "char"})
    return ak.contents.ListOffsetArray(ak.index.Index64(offsets), chars,
                                       parameters={"__array__": "string"})


def _raw_to_awkward(schema, values, offsets):
    """An awkward Array over the Buffers of one read (no copy), strings as awkward strings."""
    import awkward as ak
    arr = np.frombuffer(values, dtype=schema.dtype)
    offsets = [np.frombuffer(off, dtype=np.int64) for off in offsets]
    if schema.kind == "string":
        layout = _string_layout(arr, offsets.pop())
    else:
        layout = ak.contents.NumpyArray(arr.reshape((-1,) + schema.shape) if schema.shape else arr)
    for off in reversed(offsets):
        layout = ak.contents.ListOffsetArray(ak.index.Index64(off), layout)
    return ak.Array(layout)


def _to_awkward(arr):
    import awkward as ak
    return ak.Array(_ak_layout(arr))


def _ak_layout(arr):
    import awkward as ak
    if isinstance(arr, Ragged):
        return ak.contents.ListOffsetArray(ak.index.Index64(arr.offsets), _ak_layout(arr.values))
    if arr.dtype == object:  # str (a selection of a string column): encoded again
        raw = [x.encode("utf-8", "surrogateescape") for x in arr]
        off = np.zeros(len(raw) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in raw], out=off[1:])
        return _string_layout(np.frombuffer(b"".join(raw), dtype=np.uint8), off)
    return ak.contents.NumpyArray(arr)


class Column:
    """One column of a table (uproot's TBranch): ``.array()``, ``.typename``, ``.schema``."""

    def __init__(self, table, index, schema):
        self._table, self._index, self.schema = table, index, schema

    name = property(lambda self: self.schema.name)
    typename = property(lambda self: self.schema.typename)
    dtype = property(lambda self: self.schema.dtype)
    num_entries = property(lambda self: self._table.num_entries)

    def array(self, entry_start=None, entry_stop=None, library="np"):
        """The column's entries [entry_start, entry_stop) as an array of ``library``."""
        a, b = self._table._range(entry_start, entry_stop)
        if library == "ak":
            return _raw_to_awkward(self.schema, *self._table._read_raw(self._index, a, b))
        return _finish(self._table._read(self._index, a, b), library)

    def __repr__(self):
        return f"<Column {self.name!r} ({self.typename}) of {self._table.name!r}>"


def _finish(arr, library):
    if library == "np":
        return arr
    if library == "ak":
        return _to_awkward(arr)
    raise ValueError(f"library={library!r}: choose one of {_LIBRARIES}")


class Table:
    """A TTree, TNtuple or RNTuple (uproot's TTree / RNTuple), from ``file[name]``."""

    def __init__(self, file, path):
        self._file = file
        self._t = _core.Table(file._f, path)
        self._columns = [ColumnSchema(d) for d in self._t.columns()]
        self._index = {c.name: i for i, c in enumerate(self._columns)}

    # -- description
    name = property(lambda self: self._t.name, doc="object path in the file")
    classname = property(lambda self: "ROOT::RNTuple" if self._t.class_name == "RNTuple"
                         else "TTree", doc="'TTree' or 'ROOT::RNTuple'")
    num_entries = property(lambda self: self._t.entries, doc="number of entries")
    file = property(lambda self: self._file)

    def __len__(self):
        return self.num_entries

    def keys(self, filter_name=None, readable_only=False):
        """Column names (``filter_name``: a glob pattern or a function of the name)."""
        names = [c.name for c in self._columns if not (readable_only and c.unsupported)]
        return [n for n in names if _match(n, filter_name)]

    def typenames(self, filter_name=None):
        """{column name: type name}, spelled as uproot does (TTree leaves: "int32_t",
        "float[]" for x[n], "float[3]"; otherwise the stored C++ type)."""
        return {c.name: _typename(c) for c in self._columns if _match(c.name, filter_name)}

    @property
    def schema(self):
        """{column name: ColumnSchema} for every column (unsupported ones say why)."""
        return {c.name: c for c in self._columns}

    def common_entry_offsets(self):
        """Cluster boundaries: entry numbers where all columns start a new basket/cluster."""
        return np.frombuffer(self._t.clusters(), dtype=np.int64).tolist()

    def __contains__(self, name):
        return name in self._index

    def __iter__(self):
        return iter(self.keys())

    def __getitem__(self, name):
        return Column(self, self._find(name), self._columns[self._find(name)])

    def close(self):
        self._t.close()

    def __repr__(self):
        return (f"<{self.classname} {self.name!r} ({self.num_entries} entries, "
                f"{len(self._columns)} columns) in {self._file.file_path!r}>")

    # -- reading
    def _find(self, name):
        i = self._index.get(name)
        if i is None:
            raise KeyError(f"{self._file.file_path}: {self.classname} {self.name!r} has no "
                           f"column {name!r}{_closest(name, self._index)}")
        return i

    def _range(self, entry_start, entry_stop):
        n = self.num_entries
        a = 0 if entry_start is None else int(entry_start)
        b = n if entry_stop is None else int(entry_stop)
        a = a + n if a < 0 else a  # negative numbers count from the end, as in uproot
        b = b + n if b < 0 else b
        if not 0 <= a <= n or not 0 <= b <= n or a > b:
            raise ValueError(f"{self.name}: entry range [{entry_start}, {entry_stop}) is "
                             f"outside [0, {n}]")
        return a, b

    def _read_many(self, indices, a, b):
        """{index: (values, offsets)} Buffers of entries [a, b) of columns. Big reads go
        to up to num_threads threads, each on its own handle of the table (a handle serves
        one thread), pulling the largest columns first; the GIL is released in C."""
        order = sorted(set(indices), key=lambda i: -self._columns[i].uncompressed_bytes)
        for i in order:
            schema = self._columns[i]
            if schema.unsupported:
                raise _core.FormatError(f"{self._file.file_path}: {self.name}: column "
                                        f"{schema.name!r} is unsupported: {schema.unsupported}")
        nbytes = sum(self._columns[i].uncompressed_bytes for i in order)
        nbytes = nbytes * (b - a) / max(1, self.num_entries)
        nthreads = min(self._file.num_threads, len(order))
        if nthreads <= 1 or nbytes < _PARALLEL_MIN_BYTES:
            return {i: self._t.read(i, a, b)[:2] for i in order}
        handles = [self._t] + self._file._spare_tables(self.name, nthreads - 1)
        queue, lock, out = iter(order), threading.Lock(), {}

        def work(t):
            while True:
                with lock:
                    i = next(queue, None)
                if i is None:
                    return
                out[i] = t.read(i, a, b)[:2]

        with ThreadPoolExecutor(len(handles)) as pool:
            for f in [pool.submit(work, t) for t in handles]:
                f.result()
        return out

    def _read_raw(self, index, a, b):
        """(values, offsets) Buffers of entries [a, b) of a column."""
        return self._read_many([index], a, b)[index]

    def _read(self, index, a, b):
        values, offsets = self._read_raw(index, a, b)
        return _to_numpy(self._columns[index], values, offsets, b - a)

    def _read_numpy(self, indices, a, b):
        """{index: array} of entries [a, b) of columns, read as _read_many reads them."""
        raw = self._read_many(indices, a, b)
        return {i: _to_numpy(self._columns[i], v, o, b - a) for i, (v, o) in raw.items()}

    def arrays(self, expressions=None, cut=None, *, filter_name=None, aliases=None,
               entry_start=None, entry_stop=None, library="np"):
        """Reads columns of entries [entry_start, entry_stop).

        expressions: column names, or RDataFrame expressions computed from them
            ("Muon_Px[0] * 2"); default every readable column (or those of filter_name).
        cut: an RDataFrame filter ("nMuon >= 2 && Muon_pt[0] > 25"); only passing entries.
        aliases: {name: expression} defines usable in expressions and cut.
        library: "np" -> {name: numpy array or Ragged}; "ak" -> an awkward record Array.
        """
        if library not in _LIBRARIES:
            raise ValueError(f"library={library!r}: choose one of {_LIBRARIES}")
        a, b = self._range(entry_start, entry_stop)
        names = self._expressions(expressions, filter_name, aliases)
        if library == "ak" and cut is None and not aliases and all(n in self._index for n in names):
            import awkward as ak  # columns as they are: awkward over the decoded buffers
            raw = self._read_many([self._index[n] for n in names], a, b)
            return ak.Array({n: _raw_to_awkward(self._columns[self._index[n]],
                                                *raw[self._index[n]]) for n in names})
        out = self._arrays_np(names, cut, aliases or {}, a, b)
        if library == "np":
            return out
        import awkward as ak
        return ak.Array({k: _to_awkward(v) for k, v in out.items()})

    def _expressions(self, expressions, filter_name, aliases):
        if expressions is None:
            return [c.name for c in self._columns
                    if not c.unsupported and _match(c.name, filter_name)]
        if isinstance(expressions, str):
            expressions = [expressions]
        return list(expressions)

    def _arrays_np(self, names, cut, aliases, a, b):
        computed = [n for n in names if n not in self._index or n in aliases]
        if cut is None and not computed:
            arrays = self._read_numpy([self._find(n) for n in names], a, b)
            return {n: arrays[self._index[n]] for n in names}
        plan = _core.Plan(_expr_schema(self._columns))
        for name, text in aliases.items():
            plan.define(name, text)
        internal = {}  # expression text -> the define's generated name
        for n in computed:
            if n not in aliases:
                internal[n] = f"_rootfeed_expr_{len(internal)}"
                try:
                    plan.define(internal[n], n)
                except KeyError:
                    raise
                except ValueError as e:
                    if re.fullmatch(r"[A-Za-z_][\w.]*", n):
                        raise KeyError(f"{self._file.file_path}: {self.classname} "
                                       f"{self.name!r} has no column {n!r}"
                                       f"{_closest(n, self._index)}") from None
                    raise ValueError(f"expression {n!r}: {e}") from None
        if cut is not None:
            _check_cut(cut)
            plan.filter(cut)
        inputs = plan.inputs()
        raw = self._read_many([self._find(name) for name in inputs], a, b)
        cache = {}
        feed = []
        for name in inputs:
            i = self._index[name]
            values, offsets = raw[i]
            cache[name] = _to_numpy(self._columns[i], values, offsets, b - a)
            feed.append((_expr_dtype(self._columns[i]), values, offsets, b - a))
        mask_buf, nsel, defined = plan.eval(feed, a, b - a)
        mask = np.frombuffer(mask_buf, dtype=np.bool_)
        results = {}
        for (dname, dtype, nlev), (values, offsets, n) in zip(plan.defines(), defined):
            arr = np.frombuffer(values, dtype=np.bool_ if dtype == "bool" else dtype)
            if nlev:
                arr = Ragged(np.frombuffer(offsets[0], dtype=np.int64), arr)
            results[dname] = arr
        rest = [self._index[n] for n in names if n not in results
                and internal.get(n) not in results and n not in cache]
        cache.update({self._columns[i].name: arr
                      for i, arr in self._read_numpy(rest, a, b).items()})
        out = {}
        for n in names:
            arr = results[internal.get(n, n)] if n in results or internal.get(n) in results \
                else cache[n]
            out[n] = arr if cut is None else _select(arr, mask)
        return out

    def iterate(self, expressions=None, cut=None, *, filter_name=None, aliases=None,
                step_size="100 MB", entry_start=None, entry_stop=None, library="np"):
        """Yields ``arrays(...)`` over consecutive steps of ``step_size`` entries (an int) or
        bytes of uncompressed data ("100 MB", estimated from the columns read)."""
        a, b = self._range(entry_start, entry_stop)
        names = self._expressions(expressions, filter_name, aliases)
        step = _step_entries(step_size, self, names)
        for start in range(a, b, step):
            yield self.arrays(names, cut, aliases=aliases, entry_start=start,
                              entry_stop=min(b, start + step), library=library)


_C_NAMES = {"bool": "bool", "int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t",
            "uint16": "uint16_t", "int32": "int32_t", "uint32": "uint32_t", "int64": "int64_t",
            "uint64": "uint64_t", "float32": "float", "float64": "double"}


def _typename(c):
    if not c.typename.startswith("TLeaf") or c.unsupported:
        return c.typename
    name = _C_NAMES[_expr_dtype(c)]
    if c.kind == "jagged":
        return name + "[]" + "".join(f"[{d}]" for d in c.shape)
    return name + "".join(f"[{d}]" for d in c.shape)


def _expr_dtype(c):
    return "bool" if c.dtype == np.bool_ else str(c.dtype)


def _match(name, filter_name):
    if filter_name is None:
        return True
    if callable(filter_name):
        return bool(filter_name(name))
    import fnmatch
    pats = [filter_name] if isinstance(filter_name, str) else list(filter_name)
    return any(fnmatch.fnmatchcase(name, p) for p in pats)


_UNITS = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "kib": 1024, "mib": 1024 ** 2,
          "gib": 1024 ** 3}


def _step_entries(step_size, table, names):
    if isinstance(step_size, (int, np.integer)) and not isinstance(step_size, bool):
        if step_size <= 0:
            raise ValueError(f"step_size must be positive, not {step_size}")
        return int(step_size)
    m = re.fullmatch(r"\s*([\d.]+)\s*([kmg]i?b|b)\s*", str(step_size).lower())
    if not m:
        raise ValueError(f"step_size={step_size!r}: give a number of entries or a size "
                         f"such as '100 MB'")
    nbytes = float(m.group(1)) * _UNITS[m.group(2)]
    per_entry = sum(table._columns[table._index[n]].uncompressed_bytes for n in names
                    if n in table._index) / max(1, table.num_entries)
    return max(1, int(nbytes / max(per_entry, 1.0)))


class File:
    """An open ROOT file (uproot's ReadOnlyDirectory); use as a context manager."""

    def __init__(self, path, num_threads=None):
        obj = _file_object(path)
        if obj is None:
            self.file_path = os.fspath(path)
            self._f = _core.File(self.file_path)
        else:  # (a file object serves one read at a time: no reader threads)
            self.file_path = str(getattr(obj, "path", None) or getattr(obj, "name", None) or "<file object>")
            self._f = _core.File(obj, self.file_path)
            num_threads = 1
        self._objects = None
        self._spares = {}  # table path -> [extra handles for reader threads]
        self.num_threads = _default_threads() if num_threads is None else int(num_threads)
        if self.num_threads < 1:
            raise ValueError(f"num_threads={num_threads!r}: must be >= 1")

    def _spare_tables(self, path, n):
        """n more handles of table path, each on its own open of the file, kept until
        close() for the reader threads of Table._read_many."""
        spares = self._spares.setdefault(path, [])
        while len(spares) < n:
            spares.append(_core.Table(_core.File(self.file_path), path))
        return spares[:n]

    def _list(self):
        if self._objects is None:
            self._objects = self._f.list()
        return self._objects

    def keys(self, recursive=True, cycle=True, filter_classname=None):
        """Object paths ("dir/name;cycle"), every directory level when recursive."""
        out = []
        for path, cls, _title, cyc, _is_table in self._list():
            if not recursive and "/" in path:
                continue
            if filter_classname is not None and not _match(cls, filter_classname):
                continue
            out.append(f"{path};{cyc}" if cycle else path)
        return out

    def classnames(self, recursive=True, cycle=True):
        """{object path: class name}."""
        return {(f"{p};{c}" if cycle else p): cls
                for p, cls, _t, c, _i in self._list() if recursive or "/" not in p}

    def tables(self):
        """Paths of the TTrees, TNtuples and RNTuples (no cycles)."""
        return [p for p, _c, _t, _cy, is_table in self._list() if is_table]

    def __getitem__(self, path):
        bare = path.split(";")[0]
        known = {p: is_table for p, _c, _t, _cy, is_table in self._list()}
        if bare not in known:
            raise KeyError(f"{self.file_path}: no object {path!r}{_closest(bare, known)}")
        if not known[bare]:
            cls = self.classnames(cycle=False)[bare]
            raise TypeError(f"{self.file_path}: {path!r} is a {cls}, not a TTree or RNTuple")
        return Table(self, path)

    def __contains__(self, path):
        return path.split(";")[0] in {p for p, *_ in self._list()}

    def __iter__(self):
        return iter(self.keys())

    def close(self):
        """No new reads; arrays already read stay valid."""
        self._f.close()
        for spares in self._spares.values():
            for t in spares:
                t.close()
        self._spares.clear()

    @property
    def closed(self):
        return self._f.closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"<rootfeed.File {self.file_path!r}{' (closed)' if self.closed else ''}>"


# ------------------------------------------------------------------ opening and many files

_URL_SCHEMES = ("root://", "roots://", "xroot://", "http://", "https://", "file://")


def _is_url(path):
    return path.startswith(_URL_SCHEMES)


def _split_spec(spec):
    """'file.root:tree' -> ('file.root', 'tree'); a plain path -> (path, None). A colon that is
    part of a URL (scheme, port) or of an existing path stays in the path: in a URL only a
    colon after the last '/' starts the object ('https://host:8080/f.root:events')."""
    spec = os.fspath(spec)
    if _is_url(spec):
        head, _, tail = spec.rpartition("/")
        if ":" in tail:
            name, _, obj = tail.partition(":")
            return head + "/" + name, obj or None
        return spec, None
    if ":" in spec and not os.path.exists(spec):
        path, _, obj = spec.rpartition(":")
        if path:
            return path, obj or None
    return spec, None


def _file_object(path):
    """The readable, seekable binary file object path is (an open file, io.BytesIO, an fsspec
    file; an fsspec OpenFile is opened), or None for a path or URL."""
    if isinstance(path, (str, bytes, os.PathLike)):
        return None
    if not hasattr(path, "read") and callable(getattr(path, "open", None)):
        path = path.open()  # fsspec's OpenFile
    if not (hasattr(path, "read") and hasattr(path, "seek")):
        raise TypeError(f"rootfeed.open: {path!r} is neither a path nor a binary file object (read and seek)")
    return path


def open(path, *, object_cache=None, num_threads=None, **options):
    """Opens a ROOT file and returns a :class:`File` (a context manager), or, for
    ``"file.root:tree"``, that :class:`Table` directly, as ``uproot.open`` does. ``path`` may
    also be a binary file object with read and seek (an open file, io.BytesIO, an fsspec file
    or OpenFile): its bytes are read through those calls, one at a time.

    num_threads: threads that decode the columns of one read (``arrays``) at once; default
    the CPUs this process may run on. Reads under a few MB stay on the calling thread.

    Raises FileNotFoundError (no such file), rootfeed.FormatError (not a ROOT file or
    corrupt), KeyError (no such object; the message lists the closest names)."""
    del object_cache, options  # accepted for uproot compatibility; rootfeed keeps no cache
    fileobj = _file_object(path)
    if fileobj is not None:
        return File(fileobj)
    file_path, obj = _split_spec(path)
    f = File(file_path, num_threads)
    return f[obj] if obj else f


def _expand(files):
    """[(path, object or None)] from a path, a 'path:object', a glob, a list of those, or a
    {path: object} dict, as uproot.iterate takes them."""
    if isinstance(files, dict):
        items = list(files.items())
    elif isinstance(files, (str, os.PathLike)):
        items = [_split_spec(files)]
    else:
        items = [_split_spec(f) if not isinstance(f, tuple) else f for f in files]
    out = []
    for path, obj in items:
        path = os.fspath(path)
        if glob.has_magic(path) and not _is_url(path):
            matched = sorted(glob.glob(path))
            if not matched:
                raise FileNotFoundError(f"{path}: no file matches the pattern")
            out += [(m, obj) for m in matched]
        else:
            out.append((path, obj))
    if not out:
        raise ValueError("no files given")
    return out


def _open_table(path, obj, num_threads):
    f = File(path, num_threads)
    if obj is None:
        tables = f.tables()
        if len(tables) != 1:
            raise ValueError(f"{path}: holds {len(tables)} tables ({', '.join(tables) or 'none'})"
                             f"; name one as '{path}:NAME'")
        obj = tables[0]
    return f[obj]


def iterate(files, expressions=None, cut=None, *, filter_name=None, aliases=None,
            step_size="100 MB", library="np", num_threads=None):
    """Yields arrays over the tables of many files in turn (``"f.root:tree"``, glob patterns,
    lists), as ``uproot.iterate``; each step stays inside one file."""
    for path, obj in _expand(files):
        t = _open_table(path, obj, num_threads)
        try:
            yield from t.iterate(expressions, cut, filter_name=filter_name, aliases=aliases,
                                 step_size=step_size, library=library)
        finally:
            t.file.close()


def concatenate(files, expressions=None, cut=None, *, filter_name=None, aliases=None,
                library="np", num_threads=None):
    """Reads the same columns of many files' tables and joins them (``uproot.concatenate``).
    The schemas must agree: a mismatch names the first differing file and column."""
    parts, first = [], None
    for path, obj in _expand(files):
        t = _open_table(path, obj, num_threads)
        try:
            schema = {c.name: (c.dtype, c.kind, c.shape, c.nlevels) for c in t._columns}
            if first is None:
                first = (path, schema)
            else:
                for name, s in first[1].items():
                    if schema.get(name, s) != s:
                        raise ValueError(f"{path}: column {name!r} is {schema[name]}, but "
                                         f"{s} in {first[0]}")
            parts.append(t.arrays(expressions, cut, filter_name=filter_name, aliases=aliases))
        finally:
            t.file.close()
    out = {k: _concat([p[k] for p in parts]) for k in parts[0]}
    if library == "np":
        return out
    if library == "ak":
        import awkward as ak
        return ak.Array({k: _to_awkward(v) for k, v in out.items()})
    raise ValueError(f"library={library!r}: choose one of {_LIBRARIES}")
