"""Writing ROOT files (TTree or RNTuple) from NumPy arrays, Ragged arrays and awkward Arrays.

    import numpy as np, rootfeed
    rootfeed.write("out.root", "events", {"x": np.arange(10.0), "v": ([0, 2, 3], [1, 2, 3])},
                   format="rntuple", compression="zstd:5")

    with rootfeed.Writer("big.root", "events", cluster_entries=100_000) as w:
        for batch in batches:
            w.extend(batch)            # {column: array}, the same columns every time

Columns: a NumPy array (or anything ``np.asarray`` takes) of shape (n,) is flat, of shape
(n, d1, ...) fixed-size (TTree ``x[d1].../F``, RNTuple ``std::array``); a jagged column (a
variable number of items per entry, each item a scalar or a fixed block) is a
:class:`rootfeed.Ragged`, an awkward Array of one ``var`` dimension, or a tuple
``(offsets, values)`` with n + 1 non-decreasing offsets into values. Dtypes: bool, int8-64,
uint8-64, float32, float64. The write is atomic: the file appears (or replaces an older one)
only when :meth:`Writer.close` succeeds; an exception inside ``with`` leaves no trace.
"""

import os
from collections.abc import Mapping

import numpy as np

from . import _core
from ._reading import Ragged

__all__ = ["Writer", "write"]

_DTYPES = {np.dtype(t) for t in (np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32,
                                 np.uint32, np.int64, np.uint64, np.float32, np.float64)}
_FORMATS = ("ttree", "rntuple")


class _Spec:
    """What a column holds: dtype, kind and inner shape (declared from the first batch)."""

    __slots__ = ("dtype", "kind", "shape")

    def __init__(self, dtype, kind, shape):
        self.dtype, self.kind, self.shape = dtype, kind, shape

    def same_layout(self, other):
        return (self.kind, self.shape) == (other.kind, other.shape)

    def describe(self):
        return f"{self.kind} {self.dtype}{list(self.shape) if self.shape else ''}"


def _numeric(name, arr):
    """arr as a C-contiguous native-endian array of a writable dtype."""
    arr = np.asarray(arr)
    if arr.ndim == 0:
        raise ValueError(f"column {name!r}: a scalar, not an array of entries")
    if arr.dtype == object:
        raise ValueError(f"column {name!r}: object array (lists of different lengths?); give a "
                         f"jagged column as rootfeed.Ragged, an awkward Array or "
                         f"(offsets, values)")
    dt = arr.dtype.newbyteorder("=") if arr.dtype.byteorder not in "=|" else arr.dtype
    if dt not in _DTYPES:
        raise ValueError(f"column {name!r}: dtype {arr.dtype} cannot be written (bool, "
                         f"int8-64, uint8-64, float32 or float64)")
    return np.ascontiguousarray(arr, dtype=dt)


def _from_awkward(name, arr):
    """(offsets, values) or a NumPy array from an awkward Array of at most one var level."""
    import awkward as ak
    layout = ak.to_packed(arr).layout
    plain = (ak.contents.NumpyArray, ak.contents.RegularArray)
    if layout.parameter("__array__") in ("string", "bytestring"):
        pass
    elif isinstance(layout, plain):
        return None, ak.to_numpy(arr)
    elif isinstance(layout, ak.contents.ListOffsetArray) and isinstance(layout.content, plain):
        return np.asarray(layout.offsets), ak.to_numpy(ak.Array(layout.content))
    raise ValueError(f"column {name!r}: awkward type {arr.type} cannot be written (one "
                     f"variable-length level of numbers at most, no missing values or records)")


def _column(name, arr):
    """(spec, values, offsets or None, nentries) of one column of a batch."""
    offsets = None
    if isinstance(arr, Ragged):
        if isinstance(arr.values, Ragged):
            raise ValueError(f"column {name!r}: nested Ragged (more than one jagged level) "
                             f"cannot be written")
        offsets, values = arr.offsets, arr.values
    elif isinstance(arr, tuple):
        if len(arr) != 2:
            raise ValueError(f"column {name!r}: a jagged column as a tuple is (offsets, values)")
        offsets, values = arr
    elif type(arr).__module__.startswith("awkward"):
        offsets, values = _from_awkward(name, arr)
    else:
        values = arr
    values = _numeric(name, values)
    if offsets is None:
        return _Spec(values.dtype, "fixed" if values.ndim > 1 else "flat", values.shape[1:]), \
            values, None, len(values)
    offsets = np.asarray(offsets)
    if offsets.ndim != 1 or len(offsets) == 0 or offsets.dtype.kind not in "iu":
        raise ValueError(f"column {name!r}: offsets must be a 1-d integer array of n + 1 values")
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    if np.any(offsets[1:] < offsets[:-1]) or offsets[0] < 0 or offsets[-1] > len(values):
        raise ValueError(f"column {name!r}: offsets must be non-decreasing within "
                         f"[0, {len(values)}] (the number of values)")
    return _Spec(values.dtype, "jagged", values.shape[1:]), values, offsets, len(offsets) - 1


def _items(arrays):
    """(name, column) pairs of a mapping, an awkward record Array or a structured array."""
    if isinstance(arrays, Mapping):
        return list(arrays.items())
    if isinstance(arrays, np.ndarray) and arrays.dtype.names:
        return [(n, arrays[n]) for n in arrays.dtype.names]
    if type(arrays).__module__.startswith("awkward") and getattr(arrays, "fields", None):
        return [(n, arrays[n]) for n in arrays.fields]
    raise ValueError(f"columns must be a dict {{name: array}}, an awkward record Array or a "
                     f"structured array, not {type(arrays).__name__}")


class Writer:
    """Writes one table (TTree or RNTuple) to a new file, batch by batch; a context manager.

    path, name: the file (created or replaced) and the table's name in it.
    format: "ttree" (default) or "rntuple".
    compression: "zstd:5", "lz4", "zlib:6", "lzma", "none", or ROOT's setting as an int (505);
        default: each format's (TTree zlib level 1, as TFile; RNTuple zstd level 5).
    cluster_entries: entries per cluster (TTree: auto-flush range; RNTuple: cluster); default:
        the entry count at which the first cluster reaches cluster_bytes (ROOT's auto-flush).
    cluster_bytes, basket_bytes: uncompressed bytes of the first cluster and per TTree basket
        or RNTuple page (defaults as ROOT: 30 MB / 32000 B for TTree, 100 MiB / 1 MiB RNTuple).
    title: the table's title.

    The first :meth:`extend` declares the columns (names, dtypes, kinds and shapes, in the
    dict's order); later ones must give the same columns (in any order) with the same kinds
    and shapes, and values that NumPy converts to the declared dtype safely. The file is
    committed by :meth:`close` (also at the end of a ``with`` block): the C writer writes a
    temporary file and renames it. An exception in the block or :meth:`abort` drops it, and an
    existing file of that name stays as it was. A Writer never closed is dropped when garbage-collected.

    Column names: TTree names may hold '.' (PHYSLITE's "AnalysisMuonsAuxDyn.pt"), RNTuple names
    may hold ':' ("AnalysisMuonsAuxDyn:pt", as ATLAS writes them); neither takes '/' or '['. A
    jagged TTree column ``x`` gets a counter branch ``nx`` (int32) beside it.
    """

    def __init__(self, path, name, *, format="ttree", compression=None, cluster_entries=None,
                 cluster_bytes=None, basket_bytes=None, title=""):
        fmt = str(format).lower()
        if fmt not in _FORMATS:
            raise ValueError(f"format={format!r}: choose one of {_FORMATS}")
        if isinstance(compression, bool) or not (compression is None or
                                                 isinstance(compression, (int, str))):
            raise ValueError(f"compression={compression!r}: give e.g. 'zstd:5', 'lz4', 'none' "
                             f"or ROOT's setting number")
        sizes = {"cluster_entries": cluster_entries, "cluster_bytes": cluster_bytes,
                 "basket_bytes": basket_bytes}
        for key, v in sizes.items():
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))
                                  or v <= 0):
                raise ValueError(f"{key}={v!r}: must be a positive integer (or None for the "
                                 f"format's default)")
        self.file_path = os.fspath(path)
        self._w = _core.Writer(self.file_path, name, fmt, compression,
                               *(int(v or 0) for v in sizes.values()), title)
        self._specs = None  # {name: _Spec}, in declaration order
        self.num_entries = 0  # entries written so far

    @property
    def closed(self):
        return self._w.closed

    def extend(self, arrays):
        """Appends a batch: {column: array} with the same number of entries in every column."""
        items = _items(arrays)
        if not items:
            raise ValueError("extend: no columns given")
        cols = {}
        for name, arr in items:
            if not isinstance(name, str) or not name:
                raise ValueError(f"column names must be non-empty strings, not {name!r}")
            cols[name] = _column(name, arr)
        lengths = {name: c[3] for name, c in cols.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"extend: columns have different numbers of entries: {lengths}")
        if self._specs is None:
            for name, (spec, *_rest) in cols.items():
                self._w.add_column(name, spec.dtype.name, spec.kind, tuple(spec.shape))
            self._specs = {name: c[0] for name, c in cols.items()}
        extra = set(cols) - set(self._specs)
        if extra:
            raise ValueError(f"extend: columns {sorted(extra)} were not in the first batch")
        self._w.append([self._conform(name, spec, cols) for name, spec in self._specs.items()])
        self.num_entries += next(iter(lengths.values()))

    def _conform(self, name, spec, cols):
        if name not in cols:
            raise ValueError(f"extend: column {name!r} is missing (every batch gives every "
                             f"column)")
        got, values, offsets, n = cols[name]
        if not got.same_layout(spec):
            raise ValueError(f"extend: column {name!r} is {got.describe()}, declared "
                             f"{spec.describe()}")
        if got.dtype != spec.dtype:
            if not np.can_cast(got.dtype, spec.dtype, "safe"):
                raise ValueError(f"extend: column {name!r} has dtype {got.dtype}, declared "
                                 f"{spec.dtype} (no safe conversion)")
            values = values.astype(spec.dtype)
        return values, offsets, n

    def close(self):
        """Writes what is pending and the file's metadata: the file is then complete."""
        if not self._w.closed:
            self._w.close()

    def abort(self):
        """Drops the file (nothing is committed; an older file of that name stays)."""
        self._w.abort()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def __repr__(self):
        state = "closed" if self.closed else f"{self.num_entries} entries"
        return f"<rootfeed.Writer {self.file_path!r} ({state})>"


def write(path, name, arrays, *, format="ttree", compression=None, cluster_entries=None,
          cluster_bytes=None, basket_bytes=None, title=""):
    """Writes {column: array} as one table called name to path (TTree or RNTuple) in one
    call; the options are :class:`Writer`'s. Returns the number of entries written.

    >>> rootfeed.write("scores.root", "scores", {"score": s}, format="rntuple")
    """
    with Writer(path, name, format=format, compression=compression,
                cluster_entries=cluster_entries, cluster_bytes=cluster_bytes,
                basket_bytes=basket_bytes, title=title) as w:
        w.extend(arrays)
    return w.num_entries
