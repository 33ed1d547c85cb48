"""ML loaders over rootfeed's C engine (include/rootfeed_loader.h): ROOT's own API, so a ROOT
script runs its loader lines unchanged after ``import rootfeed as ROOT``, and rootfeed's.

ROOT 6.38 (``ROOT.TMVA.Experimental``)::

    train, val = rootfeed.CreatePyTorchGenerators(df, batch_size=1024, chunk_size=500_000,
                     block_size=10_000, target="label", validation_split=0.3)

ROOT 6.40 (``ROOT.Experimental.ML``)::

    train, val = rootfeed.RDataLoader(df, batch_size=1024, target="label").train_test_split(0.3)
    for X, y in train.as_torch(): ...

rootfeed's own (native mode: cluster-aligned blocks, read amplification 1.0)::

    loader = rootfeed.Loader(df, batch_size=1024, target="label", seed=1)
    for X, y in loader.as_numpy(): ...

Batches are views of the engine's memory (NumPy arrays through the buffer protocol, torch
tensors through ``torch.from_numpy``): no copy, and a chunk's memory goes when the last array
viewing it goes. Every ``iter()`` of a part is one epoch. rootfeed's additions, as keyword
arguments on every entry point: ``rank``/``world_size`` (from ``torch.distributed`` when a
process group is initialised), ``num_threads``, ``dtypes`` (typed outputs: a dict of one array
per column), ``collections``, ``balance``/``label``/``class_weights``/``per_batch`` (N-class
balancing), ``progress``, ``mode``; and on every part ``state_dict()``/``load_state_dict()``,
``set_epoch()``, ``stats()``.
"""

import atexit
import os
import sys
import time
import weakref

import numpy as np

from . import _core
from ._rdf import RDataFrame

__all__ = ["CreateNumPyGenerators", "CreatePyTorchGenerators", "CreateTFDatasets",
           "CreateJAXGenerators", "RDataLoader",
           "FormattedLoader", "Loader", "ScoreWriter"]

NATIVE, ROOT_638, ROOT_640, ROOT_EAGER = 0, 1, 2, 3
TRAIN, VALIDATION = 0, 1
_PART_NAMES = ("training", "validation")
_VIRTUAL = {"rdfentry_": "ULong64_t", "rf_dataset_": "ULong64_t", "rf_file_": "ULong64_t",
            "rf_entry_": "ULong64_t"}
_BALANCE = {None: 0, "": 0, "under": 1, "undersampling": 1, "over": 2, "oversampling": 2}
_LIVE = weakref.WeakSet()  # engines whose worker threads are joined at exit


@atexit.register
def _close_all():
    for e in list(_LIVE):
        e.close()


# ------------------------------------------------------------------ output layout

class _Layout:
    """Columns as ROOT resolves them (ROOT's get_template): the given columns, their flattened
    names (vector columns as name_0 .. name_{k-1}), features, targets, weights; and the C
    tensors: ROOT's float32 X, y, w, or one tensor per column in its own dtype (``dtypes``),
    plus collection tensors and their masks."""

    def __init__(self, df, columns, max_vec_sizes, target, weights, dtypes, collections):
        max_vec_sizes = dict(max_vec_sizes or {})
        if not columns:
            columns = df.GetColumnNames()
        self.given, self.all, self.sizes = [], [], {}
        for name in columns:
            name = str(name)
            self.given.append(name)
            ctype = _VIRTUAL.get(name) or df.GetColumnType(name)
            if "RVec" in ctype:
                if name not in max_vec_sizes:
                    raise ValueError(f"No max size given for feature {name}. "
                                     f"Given max sizes: {max_vec_sizes}")
                self.sizes[name] = int(max_vec_sizes[name])
                self.all += [f"{name}_{i}" for i in range(self.sizes[name])]
            else:
                self.all.append(name)
        if target is None or target == "":
            target = []
        self.target = [target] if isinstance(target, str) else list(target)
        self.weights = weights or ""
        for t in self.target:
            if t not in self.all:
                raise ValueError(f"Provided target not in given columns: \ntarget => {t}\n"
                                 f"columns => {self.all}")
        if self.weights:
            if not self.target:
                raise ValueError("Weights can only be used when a target is provided")
            if self.weights not in self.all:
                raise ValueError(f"Provided weights not in given columns: \nweights => "
                                 f"{self.weights}\ncolumns => {self.all}")
        self.train = [c for c in self.all if c not in self.target + [self.weights]]
        self.typed = dtypes is not None or bool(collections)
        self.tensors = self._typed(df, dtypes, collections) if self.typed else self._root()

    def _whole(self, flat_name, what):
        """The given column behind a target or weights name (whole columns only)."""
        if flat_name in self.given:
            return flat_name
        owner = next(g for g in self.sizes if flat_name.startswith(g + "_"))
        raise ValueError(f"{what} '{flat_name}' is one item of vector column '{owner}': "
                         f"rootfeed takes whole columns as {what}; Define a column for it")

    def _root(self):
        targets = [self._whole(t, "target") for t in self.target]
        weight = [self._whole(self.weights, "weights")] if self.weights else []
        feats = [c for c in self.given if c not in targets + weight]
        if not feats:
            raise ValueError("no feature columns left after the target and weights")
        col = lambda c: (c, self.sizes.get(c, 0))  # noqa: E731
        tensors = [("X", "float32", [col(c) for c in feats], 0)]
        if targets:
            tensors.append(("y", "float32", [col(c) for c in targets], 0))
        if weight:
            tensors.append(("w", "float32", [col(c) for c in weight], 0))
        self.names = [t[0] for t in tensors]
        return tensors

    def _typed(self, df, dtypes, collections):
        if not (dtypes is None or dtypes == "stored" or isinstance(dtypes, dict)):
            raise ValueError(f"dtypes={dtypes!r}: 'stored' (each column its own dtype) or "
                             f"{{column: dtype}} (the others stored)")
        types = {c.name: c.dtype for c in df._columns()}
        tensors = []
        for c in self.given:
            if isinstance(dtypes, dict) and c in dtypes:
                dt = np.dtype(dtypes[c])
            elif dtypes is None:  # collections alone: ROOT's float32
                dt = np.dtype(np.float32)
            else:
                dt = np.dtype(types.get(c, np.int64))  # virtual columns: int64
            tensors.append((c, _dtype_name(dt), [(c, self.sizes.get(c, 0))], 0))
        self.names = list(self.given)
        for name, (cols, n_max) in (collections or {}).items():
            tensors.append((name, "float32", [(c, 0) for c in cols], int(n_max)))
            self.names += [name, name + "_mask"]
        return tensors


def _dtype_name(dt):
    dt = np.dtype(dt)
    return "bool" if dt == np.bool_ else dt.name


# ------------------------------------------------------------------ the engine

def _dist_rank_world():
    """(rank, world_size) of an initialised torch.distributed process group, else None."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return None


def _shared_seed(seed, world_size):
    """Every rank must shuffle alike: seed 0 becomes rank 0's random draw, broadcast."""
    if seed or world_size <= 1:
        return seed
    if _dist_rank_world() is None:
        raise ValueError(f"world_size={world_size}: give a seed (set_seed), the same on every "
                         f"rank, or initialise torch.distributed so rank 0's draw is shared")
    import torch.distributed as dist
    box = [int.from_bytes(os.urandom(7), "little") | 1]
    dist.broadcast_object_list(box, src=0)
    return box[0]


class _Engine:
    """One C loader over the datasets of some RDataFrame nodes, shared by its parts
    (training, validation) and their iterators. The C loader delivers one (part, epoch) at a
    time from a position; iterators that interleave (ROOT's tests fetch validation batches
    between training ones) move it where they need it (`fetch`)."""

    def __init__(self, dfs, layout, options, progress=False, seed_shared=False):
        self.layout, self.options = layout, options
        self.seed_shared = seed_shared  # a seed drawn here for every rank (see begin)
        self.batch_size = options["batch_size"]
        self.datasets = [df._loader_dataset() for df in dfs]
        self.files = [[(path, obj) for path, obj, _, _ in ds.files()] for ds in self.datasets]
        self.core = _core.Loader(self.datasets, layout.tensors, options)
        self.owner = None           # token of the iterator whose epoch the C loader runs
        self.at = -1                # the batch it delivers next (-1: none, restart)
        self.next_epoch = [0, 0]    # per part: the epoch its next iter() starts
        self.pending = [None, None]  # per part: a state to resume from
        self.last = [None, None]    # per part: weak reference to its latest iterator
        self.progress = progress
        for part in (TRAIN, VALIDATION):  # an epoch the plan refuses (e.g. ROOT's sampler
            if self.core.num_batches(part, 0) < 0:  # with too low a ratio): its error, now
                self.core.start(part, 0, 0)
        self.row_bytes = sum(np.dtype(t[1]).itemsize * sum(max(m, 1) for _, m in t[2]) *
                             max(t[3], 1) for t in layout.tensors)
        _LIVE.add(self)

    def move(self, it):
        """Puts the C loader at iterator `it`'s epoch and next batch."""
        self.owner, self.at = None, -1
        self.core.start(it.part, it.epoch, it.pos)
        self.owner, self.at = it.token, it.pos

    def begin(self, it):
        """Registers a new epoch iterator: its epoch, its first batch (a pending resume
        state's, else 0) and its number of batches."""
        part = it.part
        it.epoch, it.pos = self.next_epoch[part], 0
        state, self.pending[part] = self.pending[part], None
        if state is not None:  # rf_loader_resume: checks the state, re-plans a drawn seed
            self.owner, self.at = None, -1
            if self.seed_shared and state.get("seed") != self.core.seed:
                # the ranks' seed was drawn here, not by the engine: take the state's
                self.core.close()
                self.options = dict(self.options, seed=int(state["seed"]))
                self.core = _core.Loader(self.datasets, self.layout.tensors, self.options)
            self.core.resume(state)
            it.pos = state["next_batch"]
            self.owner, self.at = it.token, it.pos
        self.next_epoch[part] = it.epoch + 1
        it.n = self.core.num_batches(part, it.epoch)
        self.last[part] = weakref.ref(it)

    def position(self, part):
        """(epoch, next undelivered batch) of a part: its epoch in progress, else the next."""
        it = self.last[part]() if self.last[part] else None
        if it is not None and it.pos < it.n:
            return it.epoch, it.pos
        return self.next_epoch[part], 0

    def release(self, it):
        """Stops the C loader if `it` owns it (a loop left early: its chunks are freed)."""
        if self.owner is it.token:
            self.owner, self.at = None, -1
            self.core.stop()

    def num_batches(self, part):
        return self.core.num_batches(part, self.position(part)[0])

    def last_batch_rows(self, part):
        return self.core.last_batch_rows(part, self.position(part)[0])

    def close(self):
        self.owner, self.at = None, -1
        self.core.close()


class _EpochIter:
    """One epoch of one part: an iterator of batches in one format. The C loader gives each
    batch as rows of the block (chunk) it lies in; the block's arrays are made once (`bases`)
    and every batch of it is a slice of them."""

    __slots__ = ("engine", "part", "epoch", "pos", "n", "fmt", "token", "src", "bases",
                 "progress", "__weakref__")

    def __init__(self, engine, part, fmt):
        self.engine, self.part, self.fmt = engine, part, fmt
        self.token, self.src, self.bases = object(), None, None
        engine.begin(self)
        self.progress = _Progress(engine, part, self.epoch, self.n) if engine.progress else None

    def __iter__(self):
        return self

    def __next__(self):
        pos = self.pos
        if pos >= self.n:
            self.finish()
            raise StopIteration
        e = self.engine
        if e.at != pos or e.owner is not self.token:
            e.move(self)
        e.at = -1  # until the batch is here (Ctrl-C stops the C loader)
        row0, rows, src = e.core.next()
        e.at = self.pos = pos + 1
        if src is not self.src:
            self.src, self.bases = src, [self.fmt.base(t) for t in src]
        if self.progress is not None:
            self.progress.update(pos + 1, rows)
        end = row0 + rows
        return self.fmt.batch([b[row0:end] for b in self.bases])

    def finish(self):
        """The epoch is over or abandoned: the chunk views go, the C loader stops."""
        self.src = self.bases = None
        if self.progress is not None:
            self.progress.close()
            self.progress = None
        self.engine.release(self)

    def __del__(self):
        try:
            self.finish()
        except Exception:  # interpreter shutdown: the engine may be gone
            pass


class _Progress:
    """A live line on stderr while an epoch runs (batches/s, MB/s, ratio to the bound, ETA),
    redrawn at most 5 times a second; silent when stderr is not a terminal."""

    def __init__(self, engine, part, epoch, total, stream=None):
        self.engine, self.total = engine, total
        self.stream = stream or sys.stderr
        self.on = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label = f"{_PART_NAMES[part]} epoch {epoch}"
        self.t0 = self.last = time.perf_counter()
        self.rows = 0

    def update(self, done, rows):
        self.rows += rows
        now = time.perf_counter()
        if self.on and (now - self.last >= 0.2 or done == self.total):
            self.last = now
            self.stream.write("\r" + self.line(done, now) + "\x1b[K")
            self.stream.flush()

    def line(self, done, now):
        dt = max(now - self.t0, 1e-9)
        rate = done / dt
        mbs = self.rows * self.engine.row_bytes / dt / 1e6
        ratio = self.engine.core.stats()["ratio_to_bound"]
        eta = (self.total - done) / rate if rate > 0 else 0.0
        return (f"{self.label}: {done}/{self.total} batches | {rate:.0f} batches/s | "
                f"{mbs:.1f} MB/s | {ratio:.2f} of bound | ETA {int(eta // 60)}:{int(eta % 60):02d}")

    def close(self):
        if self.on and self.rows:
            self.stream.write("\n")
            self.stream.flush()


# ------------------------------------------------------------------ formats

class _Format:
    """How a batch is made: `base` turns a block's Tensor into an array of the library (once
    per chunk), `batch` turns the batch's slices of them into what a loop receives."""

    __slots__ = ("base", "batch")

    def __init__(self, base, batch):
        self.base, self.batch = base, batch


def _structure(layout, inference=False):
    """A function of the tensors' slices giving ROOT's return shape - X; (X, y); (X, y, w) -
    or a dict in the typed layout; with the (dataset, file, entry) tensor in inference."""
    if inference:
        inner = _structure(layout)
        return lambda v: (inner(v[:-1]), v[-1])
    if layout.typed:
        names = layout.names
        return lambda v: {n: (a.reshape(a.shape[0]) if a.ndim == 2 and a.shape[1] == 1 else a)
                          for n, a in zip(names, v)}
    return tuple if len(layout.names) > 1 else (lambda v: v[0])


def _numpy_format(layout, inference=False):
    """NumPy arrays over the engine's memory (buffer protocol): no copy."""
    return _Format(np.asarray, _structure(layout, inference))


def _torch_format(layout, device=None, inference=False):
    """torch tensors over the engine's memory (torch.from_numpy); on a CUDA device through
    pinned staging buffers and non-blocking copies; on others through .to(device)."""
    import torch
    from_numpy = torch.from_numpy  # of NumPy slices: cheaper than slicing a torch tensor
    dev = torch.device(device) if device is not None else torch.device("cpu")
    shape = _structure(layout, inference)
    if dev.type == "cpu":
        return _Format(np.asarray, lambda v: shape([from_numpy(a) for a in v]))
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r}: torch.cuda.is_available() is False")
        to_device = _PinnedStaging(torch, dev)
    else:
        to_device = lambda tensors: [t.to(dev) for t in tensors]  # noqa: E731
    return _Format(np.asarray, lambda v: shape(to_device([from_numpy(a) for a in v])))


class _PinnedStaging:
    """Host to GPU without stalls: each batch is copied (one memcpy per tensor) into a pinned
    host buffer taken from a ring of `depth`, then sent with non_blocking=True; a buffer is
    reused only once the copy that read it has completed (a CUDA event recorded after it).
    The engine's own memory is not pinned: it is allocated by C and freed when its last
    batch goes, which pinning (cudaHostRegister) would have to follow chunk by chunk."""

    def __init__(self, torch, device, depth=3, pin=True, event=None):
        self.torch, self.device, self.depth, self.pin = torch, device, depth, pin
        self.event = event or (lambda: torch.cuda.Event())
        self.ring = [None] * depth  # (pinned buffers, event of their last copy)
        self.i = 0

    def __call__(self, tensors):
        torch = self.torch
        slot = self.ring[self.i]
        if slot is None or any(b.shape[1:] != t.shape[1:] or b.dtype != t.dtype or
                               b.shape[0] < t.shape[0] for b, t in zip(slot[0], tensors)):
            bufs = [torch.empty(t.shape, dtype=t.dtype, pin_memory=self.pin) for t in tensors]
        else:
            bufs = slot[0]
            slot[1].synchronize()  # the copy that last read these buffers is done
        out = []
        for b, t in zip(bufs, tensors):
            view = b[:t.shape[0]]
            view.copy_(t)
            out.append(view.to(self.device, non_blocking=True))
        ev = self.event()
        ev.record()
        self.ring[self.i] = (bufs, ev)
        self.i = (self.i + 1) % self.depth
        return out


def _tf_signature(layout, batch_rows):
    import tensorflow as tf
    if layout.typed:
        out = {}
        for (name, dt, cols, n_max) in layout.tensors:
            width = sum(max(m, 1) for _, m in cols)
            shape = (batch_rows,) if width == 1 and n_max == 0 else \
                (batch_rows, n_max, len(cols)) if n_max else (batch_rows, width)
            out[name] = tf.TensorSpec(shape=shape, dtype=tf.as_dtype(dt))
            if n_max:
                out[name + "_mask"] = tf.TensorSpec(shape=(batch_rows, n_max), dtype=tf.uint8)
        return out
    specs = [tf.TensorSpec(shape=(batch_rows, sum(max(m, 1) for _, m in cols)), dtype=tf.float32)
             for (_, _, cols, _) in layout.tensors]
    return specs[0] if len(specs) == 1 else tuple(specs)


def _tf_format(layout, pad_to=None):
    """NumPy batches for tf.data (TensorFlow copies them into its tensors); pad_to: ROOT's
    zero-padding of a short last batch to batch_size rows."""
    shape = _structure(layout)
    if not pad_to:
        return _Format(np.asarray, shape)

    def pad(a):
        if a.shape[0] == pad_to:
            return a
        out = np.zeros((pad_to,) + a.shape[1:], dtype=a.dtype)
        out[:a.shape[0]] = a
        return out
    return _Format(np.asarray, lambda v: shape([pad(a) for a in v]))


def _jax_format(layout, inference=False):
    """JAX arrays through DLPack: zero-copy where XLA accepts the memory (64-byte aligned
    batches: batch_size x row bytes a multiple of 64), a copy otherwise."""
    import jax
    from_dlpack, shape = jax.dlpack.from_dlpack, _structure(layout, inference)
    return _Format(np.asarray, lambda v: shape([from_dlpack(a) for a in v]))


# ------------------------------------------------------------------ parts

class _Part:
    """One part (training or validation) of an engine in one output format: iterable (each
    iter() is one epoch), with ROOT's attributes and rootfeed's methods."""

    def __init__(self, engine, part, fmt):
        self._engine, self._part, self._fmt = engine, part, fmt

    def __iter__(self):
        return _EpochIter(self._engine, self._part, self._fmt)

    def __call__(self):
        return iter(self)

    def __len__(self):
        return self.number_of_batches

    # ROOT's attributes
    @property
    def columns(self):
        return list(self._engine.layout.all)

    @property
    def train_columns(self):
        return list(self._engine.layout.train)

    @property
    def target_columns(self):
        return list(self._engine.layout.target)

    @property
    def weights_column(self):
        return self._engine.layout.weights

    @property
    def number_of_batches(self):
        return self._engine.num_batches(self._part)

    @property
    def last_batch_no_of_rows(self):
        return self._engine.last_batch_rows(self._part)

    # rootfeed's
    def set_epoch(self, epoch):
        """Numbers the next epoch (torch's DistributedSampler.set_epoch): the order of an
        epoch is a pure function of (seed, part, epoch, rank, world_size)."""
        self._engine.next_epoch[self._part] = int(epoch)

    def state_dict(self):
        """Where this part stands: the epoch in progress and its next undelivered batch (or
        the next epoch), with the seed, ranks and a fingerprint of options and data."""
        st = self._engine.core.state()
        epoch, nxt = self._engine.position(self._part)
        st.update(part=self._part, epoch=epoch, next_batch=nxt)
        return st

    def load_state_dict(self, state):
        """The next iter() continues from `state` (another loader's, same options and data):
        the batch after the last one delivered there, in the same order."""
        state = dict(state)
        if state.get("part") != self._part:
            raise ValueError(f"loader state of part {state.get('part')} given to the "
                             f"{_PART_NAMES[self._part]} part")
        self._engine.next_epoch[self._part] = int(state["epoch"])
        self._engine.pending[self._part] = state

    def stats(self):
        """The engine's counters (rf_loader_stats) and the seed in use."""
        s = self._engine.core.stats()
        s["seed"] = self._engine.core.seed
        return s

    @property
    def seed(self):
        """The seed in use (rank 0's or the engine's draw when 0 was asked)."""
        return self._engine.core.seed

    @property
    def entries(self):
        """Selected entries of this part (all ranks together)."""
        return self._engine.core.entries(self._part)


# ------------------------------------------------------------------ options

def _ranks(p):
    """(rank, world_size): the arguments, else the torch.distributed process group's."""
    rank, world = p.get("rank"), p.get("world_size")
    if rank is None and world is None:
        rank, world = _dist_rank_world() or (0, 1)
    return int(rank or 0), int(world or 1)


def _mode(api, p, world):
    """'root' (ROOT's exact order) or 'native'; ROOT's modes lack rootfeed's additions."""
    native_only = [k for k, on in (("world_size > 1", world > 1), ("inference", p.get("inference")),
                                   ("balance", p.get("balance")), ("per_batch", p.get("per_batch")),
                                   ("label", p.get("label")),
                                   ("class_weights", p.get("class_weights") is not None)) if on]
    mode = p.get("mode") or ("native" if api == "native" or native_only else "root")
    if api == "native" and mode != "native":
        raise ValueError("rootfeed.Loader is native; ROOT's modes are RDataLoader's and "
                         "Create*Generators'")
    if mode not in ("root", "native"):
        raise ValueError(f"mode={mode!r}: 'root' (ROOT's exact order) or 'native'")
    if mode == "root" and native_only:
        raise ValueError(f"{', '.join(native_only)} need rootfeed's native mode "
                         f"(mode='native'); ROOT's modes reproduce ROOT, which has no such option")
    sampling = p.get("sampling_type") or ""
    if sampling not in ("", "undersampling", "oversampling"):
        raise ValueError(f"sampling_type={sampling!r}: 'undersampling' or 'oversampling'")
    if sampling and not p.get("load_eager") and mode == "root":
        raise ValueError("sampling_type needs load_eager=True (ROOT's sampler is eager); "
                         "rootfeed's native mode balances lazily: balance='under' or 'over'")
    if p.get("balance") not in _BALANCE:
        raise ValueError(f"balance={p.get('balance')!r}: 'under', 'over' or None")
    return mode


def _balance_options(p):
    """Native balancing: ROOT's two datasets (sampling_type) or N classes of a label column."""
    kind = p.get("balance") or p.get("sampling_type")
    if not kind:
        return {}
    o = dict(balance=_BALANCE[kind], replacement=int(bool(p.get("replacement"))),
             per_batch=int(bool(p.get("per_batch"))),
             sampling_ratio=float(p.get("sampling_ratio") or 1.0))
    weights = p.get("class_weights")
    if weights is not None:
        o.update(class_weights=[float(w) for w in weights], nclasses=len(weights))
    if p.get("label"):
        nclasses = p.get("nclasses") or o.get("nclasses")
        if not nclasses:
            raise ValueError("balance with a label column needs nclasses or class_weights")
        o.update(label_column=p["label"], nclasses=int(nclasses))
    return o


def _engine_options(api, p):
    """The C loader's options from one entry point's parameters `p` (a dict)."""
    rank, world = _ranks(p)
    mode = _mode(api, p, world)
    eager = bool(p.get("load_eager"))
    o = dict(batch_size=int(p["batch_size"]), shuffle=int(bool(p.get("shuffle", True))),
             drop_remainder=int(bool(p.get("drop_remainder", True))),
             vec_padding=float(p.get("vec_padding") or 0), rank=rank, world_size=world,
             pad=int(bool(p.get("pad"))), num_threads=int(p.get("num_threads") or 0),
             validation_split=float(p.get("validation_split") or 0.0),
             inference=int(bool(p.get("inference"))), seed=int(p.get("set_seed") or 0))
    if p.get("prefetch_chunks") is not None:
        o["prefetch_chunks"] = int(p["prefetch_chunks"])
    if mode == "root":
        o["mode"] = ROOT_EAGER if eager else (ROOT_638 if api == "638" else ROOT_640)
        if api == "638":
            o.update(chunk_size=int(p["chunk_size"]), block_size=int(p["block_size"]))
        else:
            o["batches_in_memory"] = int(p["batches_in_memory"])
        if p.get("sampling_type"):
            o.update(balance=_BALANCE[p["sampling_type"]], sampling_ratio=float(p["sampling_ratio"]),
                     replacement=int(bool(p.get("replacement"))))
        return o
    o.update(mode=NATIVE, seed=_shared_seed(o["seed"], world), **_balance_options(p))
    if eager:  # the whole part in one chunk: a full reshuffle every epoch
        o.update(chunk_size=1 << 40, block_size=1)
    elif api == "640":  # a buffer of batches_in_memory batches, blocks of one cluster
        o.update(chunk_size=o["batch_size"] * int(p["batches_in_memory"]), block_size=1)
    else:
        o.update(chunk_size=int(p["chunk_size"]), block_size=int(p["block_size"]))
    return o


_ADDITIONS = dict(rank=None, world_size=None, pad=False, num_threads=0, dtypes=None,
                  collections=None, balance=None, label=None, nclasses=None, class_weights=None,
                  per_batch=False, progress=False, mode=None, prefetch_chunks=None)


def _additions(kwargs):
    """rootfeed's keyword arguments, checked by name."""
    unknown = set(kwargs) - set(_ADDITIONS)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s) {sorted(unknown)}; rootfeed's "
                        f"additions are {sorted(_ADDITIONS)}")
    return {**_ADDITIONS, **kwargs}


def _make_engine(api, rdataframes, p, inference=False):
    dfs = list(rdataframes) if isinstance(rdataframes, (list, tuple)) else [rdataframes]
    if not dfs:
        raise ValueError("no RDataFrame given")
    for df in dfs:
        if not isinstance(df, RDataFrame):
            raise TypeError(f"rootfeed's loaders take rootfeed.RDataFrame nodes (got "
                            f"{type(df).__module__}.{type(df).__qualname__})")
    layout = _Layout(dfs[0], p.get("columns"), p.get("max_vec_sizes"), p.get("target"),
                     p.get("weights"), p.get("dtypes"), p.get("collections"))
    if inference:
        layout.tensors = layout.tensors + [("where", "int64", [("rf_dataset_", 0), ("rf_file_", 0),
                                                               ("rf_entry_", 0)], 0)]
    options = _engine_options(api, p)
    return _Engine(dfs, layout, options, progress=p.get("progress"),
                   seed_shared=options["seed"] != int(p.get("set_seed") or 0))


# ------------------------------------------------------------------ ROOT 6.38

def _create_638(rdataframes, p):
    if not p.get("load_eager") and p["chunk_size"] < p["batch_size"]:
        raise ValueError(f"chunk_size cannot be smaller than batch_size: chunk_size: "
                         f"{p['chunk_size']}, batch_size: {p['batch_size']}")
    vs = p["validation_split"]
    if vs < 0.0 or vs > 1.0:
        raise ValueError(f"The validation_split has to be in range [0.0, 1.0] \n given value "
                         f"is {vs}")
    if p.get("max_chunks"):
        raise ValueError("max_chunks is not supported by rootfeed (every epoch covers the whole "
                         "dataset); select fewer entries with RDataFrame.Range")
    return _make_engine("638", rdataframes, p)


def _params_638(rdataframes, batch_size, chunk_size, block_size, columns, max_vec_sizes,
                vec_padding, target, weights, validation_split, max_chunks, shuffle,
                drop_remainder, set_seed, load_eager, sampling_type, sampling_ratio, replacement,
                kwargs):
    if "rdataframe" in kwargs:  # 6.38's name of the first argument
        rdataframes = kwargs.pop("rdataframe")
    p = dict(batch_size=batch_size, chunk_size=chunk_size, block_size=block_size,
             columns=columns, max_vec_sizes=max_vec_sizes, vec_padding=vec_padding,
             target=target, weights=weights, validation_split=validation_split,
             max_chunks=max_chunks, shuffle=shuffle, drop_remainder=drop_remainder,
             set_seed=set_seed, load_eager=load_eager, sampling_type=sampling_type,
             sampling_ratio=sampling_ratio, replacement=replacement)
    p.update(_additions(kwargs))
    return rdataframes, p


def CreateNumPyGenerators(rdataframes=None, batch_size=0, chunk_size=0, block_size=0, columns=None,
                          max_vec_sizes=None, vec_padding=0, target=None, weights="",
                          validation_split=0.0, max_chunks=0, shuffle=True, drop_remainder=True,
                          set_seed=0, load_eager=False, sampling_type="", sampling_ratio=1.0,
                          replacement=False, **additions):
    """ROOT 6.38's ``ROOT.TMVA.Experimental.CreateNumPyGenerators``: (train, validation)
    generators of NumPy batches, (train, None) without a validation split. A batch is X, or
    (X, y), or (X, y, w): float32 arrays [B, n] (views of the engine's memory). Chunks of
    chunk_size entries are filled with blocks of block_size consecutive entries drawn at
    random (ROOT 6.38's order, exactly). rootfeed's keyword additions: see the module."""
    dfs, p = _params_638(rdataframes, batch_size, chunk_size, block_size, columns, max_vec_sizes,
                         vec_padding, target, weights, validation_split, max_chunks, shuffle,
                         drop_remainder, set_seed, load_eager, sampling_type, sampling_ratio,
                         replacement, additions)
    e = _create_638(dfs, p)
    fmt = _numpy_format(e.layout)
    train = _Part(e, TRAIN, fmt)
    return (train, None) if p["validation_split"] == 0.0 else (train, _Part(e, VALIDATION, fmt))


def CreatePyTorchGenerators(rdataframes=None, batch_size=0, chunk_size=0, block_size=0,
                            columns=None, max_vec_sizes=None, vec_padding=0, target=None,
                            weights="", validation_split=0.0, max_chunks=0, shuffle=True,
                            drop_remainder=True, set_seed=0, load_eager=False, sampling_type="",
                            sampling_ratio=1.0, replacement=False, **additions):
    """ROOT 6.38's ``CreatePyTorchGenerators``: as CreateNumPyGenerators with torch tensors
    (``torch.from_numpy`` over the engine's memory); the training generator alone without a
    validation split. ``device=`` (rootfeed) sends batches to a device (CUDA: pinned staging
    buffers and non-blocking copies)."""
    device = additions.pop("device", None)
    dfs, p = _params_638(rdataframes, batch_size, chunk_size, block_size, columns, max_vec_sizes,
                         vec_padding, target, weights, validation_split, max_chunks, shuffle,
                         drop_remainder, set_seed, load_eager, sampling_type, sampling_ratio,
                         replacement, additions)
    e = _create_638(dfs, p)
    fmt = _torch_format(e.layout, device)
    train = _Part(e, TRAIN, fmt)
    return train if p["validation_split"] == 0.0 else (train, _Part(e, VALIDATION, fmt))


def CreateJAXGenerators(rdataframes=None, batch_size=0, chunk_size=0, block_size=0, columns=None,
                        max_vec_sizes=None, vec_padding=0, target=None, weights="",
                        validation_split=0.0, max_chunks=0, shuffle=True, drop_remainder=True,
                        set_seed=0, load_eager=False, sampling_type="", sampling_ratio=1.0,
                        replacement=False, **additions):
    """rootfeed's JAX sibling of ROOT 6.38's generators: as CreateNumPyGenerators, with JAX
    arrays (DLPack; zero-copy where XLA accepts the alignment). (train, None) without a
    validation split."""
    dfs, p = _params_638(rdataframes, batch_size, chunk_size, block_size, columns, max_vec_sizes,
                         vec_padding, target, weights, validation_split, max_chunks, shuffle,
                         drop_remainder, set_seed, load_eager, sampling_type, sampling_ratio,
                         replacement, additions)
    e = _create_638(dfs, p)
    fmt = _jax_format(e.layout)
    train = _Part(e, TRAIN, fmt)
    return (train, None) if p["validation_split"] == 0.0 else (train, _Part(e, VALIDATION, fmt))


def _tf_dataset(part, layout, batch_rows):
    """A tf.data.Dataset over a part with ROOT's attributes (and rootfeed's methods)."""
    import tensorflow as tf
    ds = tf.data.Dataset.from_generator(part, output_signature=_tf_signature(layout, batch_rows))
    for name in ("columns", "train_columns", "weights_column", "number_of_batches"):
        setattr(ds, name, getattr(part, name))
    ds.target_column = part.target_columns  # ROOT's spelling for TF datasets
    for name in ("state_dict", "load_state_dict", "set_epoch", "stats"):
        setattr(ds, name, getattr(part, name))
    return ds


def CreateTFDatasets(rdataframes=None, batch_size=0, chunk_size=0, block_size=0, columns=None,
                     max_vec_sizes=None, vec_padding=0, target=None, weights="",
                     validation_split=0.0, max_chunks=0, shuffle=True, drop_remainder=True,
                     set_seed=0, load_eager=False, sampling_type="", sampling_ratio=1.0,
                     replacement=False, **additions):
    """ROOT 6.38's ``CreateTFDatasets``: (train, validation) ``tf.data.Dataset``s of float32
    batches with fixed TensorSpecs (batch_size, n); a short last batch is zero-padded to
    batch_size rows, as ROOT does. The training dataset alone without a validation split."""
    dfs, p = _params_638(rdataframes, batch_size, chunk_size, block_size, columns, max_vec_sizes,
                         vec_padding, target, weights, validation_split, max_chunks, shuffle,
                         drop_remainder, set_seed, load_eager, sampling_type, sampling_ratio,
                         replacement, additions)
    e = _create_638(dfs, p)
    fmt = _tf_format(e.layout, pad_to=p["batch_size"])
    train = _tf_dataset(_Part(e, TRAIN, fmt), e.layout, p["batch_size"])
    if p["validation_split"] == 0.0:
        return train
    return train, _tf_dataset(_Part(e, VALIDATION, fmt), e.layout, p["batch_size"])


# ------------------------------------------------------------------ ROOT 6.40

class FormattedLoader(_Part):
    """ROOT 6.40's iterable of converted batches (returned by RDataLoader.as_*): each iter()
    is one epoch of its split."""


class RDataLoader:
    """ROOT 6.40's ``ROOT.Experimental.ML.RDataLoader``::

        dl = rootfeed.RDataLoader(df, batch_size=1000, target="y")
        train, val = dl.train_test_split(test_size=0.2)
        for x, y in train.as_torch(): ...

    Buffers of batch_size x batches_in_memory entries made of whole clusters, shuffled; the
    engine is built at the first as_* or train_test_split. rootfeed's keyword additions: see
    the module; ``as_jax()`` beside ``as_numpy``, ``as_torch(device)``, ``as_tensorflow``."""

    _api = "640"

    def __init__(self, rdataframes, batch_size=64, batches_in_memory=10, columns=None,
                 max_vec_sizes=None, vec_padding=0.0, target=None, weights="", shuffle=True,
                 drop_remainder=True, set_seed=0, load_eager=False, sampling_type="",
                 sampling_ratio=1.0, replacement=False, **additions):
        self._params = dict(batch_size=batch_size, batches_in_memory=batches_in_memory,
                            columns=columns, max_vec_sizes=max_vec_sizes, vec_padding=vec_padding,
                            target=target, weights=weights, shuffle=shuffle,
                            drop_remainder=drop_remainder, set_seed=set_seed, load_eager=load_eager,
                            sampling_type=sampling_type, sampling_ratio=sampling_ratio,
                            replacement=replacement)
        self._params.update(_additions(additions))
        self._rdataframes = rdataframes
        self._engine = None
        self._test_size = None
        self._part = TRAIN

    @classmethod
    def _from_engine(cls, owner, part):
        obj = cls.__new__(cls)
        obj._params, obj._rdataframes = None, owner._rdataframes
        obj._engine, obj._test_size, obj._part = owner._engine, None, part
        obj._fixed = owner._params
        return obj

    def _ensure_created(self, test_size=0.0):
        if self._engine is not None:
            if self._params is not None and test_size != self._test_size:
                raise RuntimeError(f"RDataLoader was already initialised with test_size="
                                   f"{self._test_size}. Create a new RDataLoader to use a "
                                   f"different split.")
            return
        if self._params.get("inference") and test_size:
            raise ValueError("inference delivers every entry once: no train_test_split")
        self._engine = _make_engine(self._api, self._rdataframes,
                                    dict(self._params, validation_split=test_size),
                                    inference=self._params.get("inference", False))
        self._test_size = test_size

    def train_test_split(self, test_size=0.2):
        """(train, validation) RDataLoaders sharing one engine; 0 < test_size < 1."""
        if not (0.0 < test_size < 1.0):
            raise ValueError(f"test_size must be in (0.0, 1.0), got {test_size}")
        self._ensure_created(test_size)
        return type(self)._from_engine(self, TRAIN), type(self)._from_engine(self, VALIDATION)

    def _formatted(self, fmt):
        self._ensure_created()
        return FormattedLoader(self._engine, self._part, fmt)

    def _inference(self):
        return bool(self._p().get("inference"))

    def as_numpy(self):
        """An iterable of NumPy batches (views of the engine's memory)."""
        self._ensure_created()
        return self._formatted(_numpy_format(self._engine.layout, self._inference()))

    def as_torch(self, device=None):
        """An iterable of torch batches (``torch.from_numpy``, no copy); on a CUDA device
        through pinned staging buffers and non-blocking copies."""
        self._ensure_created()
        return self._formatted(_torch_format(self._engine.layout, device, self._inference()))

    def as_jax(self):
        """An iterable of JAX arrays (DLPack; rootfeed's addition)."""
        self._ensure_created()
        return self._formatted(_jax_format(self._engine.layout, self._inference()))

    def as_tensorflow(self):
        """A ``tf.data.Dataset`` with fixed TensorSpecs (batch_size, n) float32; a short last
        batch is zero-padded to batch_size rows, as ROOT does."""
        self._ensure_created()
        bs = self._engine.batch_size
        part = self._formatted(_tf_format(self._engine.layout, pad_to=bs))
        return _tf_dataset(part, self._engine.layout, bs)

    def _p(self):
        return self._params if self._params is not None else self._fixed

    @property
    def columns(self):
        """All column names as they appear in a batch (vectors flattened)."""
        return list(self._engine.layout.all) if self._engine else self._p()["columns"]

    @property
    def train_columns(self):
        if self._engine:
            return list(self._engine.layout.train)
        p = self._p()
        tg = p["target"] or []
        tg = [tg] if isinstance(tg, str) else tg
        return [c for c in p["columns"] or [] if c not in tg and c != p["weights"]]

    @property
    def target_columns(self):
        if self._engine:
            return list(self._engine.layout.target)
        tg = self._p()["target"] or []
        return [tg] if isinstance(tg, str) else list(tg)

    @property
    def weights_column(self):
        return self._engine.layout.weights if self._engine else self._p()["weights"] or ""

    def _need_engine(self, what):
        if self._engine is None:
            raise RuntimeError(f"{what} is available after the first call to as_torch / "
                               f"as_numpy / as_tensorflow / train_test_split.")
        return self._engine

    @property
    def num_batches(self):
        """Batches of this split in one epoch."""
        return self._need_engine("num_batches").num_batches(self._part)

    @property
    def last_batch_no_of_rows(self):
        """Rows of the last (short) batch, 0 if every batch is full."""
        return self._need_engine("last_batch_no_of_rows").last_batch_rows(self._part)

    # rootfeed's
    def _view(self):
        if self._params is not None:
            self._ensure_created()
        return _Part(self._engine, self._part, None)

    def state_dict(self):
        """See ``_Part.state_dict``: this split's epoch and next undelivered batch."""
        return self._view().state_dict()

    def load_state_dict(self, state):
        self._view().load_state_dict(state)

    def set_epoch(self, epoch):
        """Numbers the next epoch of this split (both splits for an unsplit loader)."""
        self._view().set_epoch(epoch)

    def stats(self):
        return self._view().stats()


class Loader(RDataLoader):
    """rootfeed's own loader (native mode): blocks of whole clusters (about block_size
    entries) drawn at random into chunks of about chunk_size entries, rows shuffled inside
    each chunk, every cluster decompressed once per epoch (read amplification 1.0); a cluster
    larger than a chunk is cut where all the columns' baskets or pages end (without filters
    or a label column); pieces larger than a quarter chunk (an RNTuple's 1 MiB pages) are
    each read whole by one worker, with a chunk read ahead per worker. Defaults
    suit training rather than mirroring ROOT: batches of 1024, the short last batch kept
    (drop_remainder=False), and ``as_tensorflow`` gives it honestly (TensorSpecs with a None
    batch dimension). ``inference=True``: every selected entry once in file order, and each
    batch comes with ``where`` [B, 3] int64 (dataset, file, entry) for ``ScoreWriter``."""

    _api = "native"

    def __init__(self, rdataframes, batch_size=1024, columns=None, max_vec_sizes=None,
                 vec_padding=0.0, target=None, weights="", chunk_size=500_000, block_size=10_000,
                 shuffle=True, drop_remainder=False, seed=0, inference=False, **additions):
        super().__init__(rdataframes, batch_size=batch_size, columns=columns,
                         max_vec_sizes=max_vec_sizes, vec_padding=vec_padding, target=target,
                         weights=weights, shuffle=shuffle and not inference,
                         drop_remainder=drop_remainder and not inference, set_seed=seed,
                         **additions)
        self._params.update(chunk_size=chunk_size, block_size=block_size, inference=inference)

    def as_tensorflow(self):
        """A ``tf.data.Dataset`` with TensorSpecs of a None batch dimension: the short last
        batch comes as it is."""
        self._ensure_created()
        if self._inference():
            raise ValueError("inference: iterate as_numpy() or as_torch() (batches come with "
                             "their (dataset, file, entry) numbers)")
        part = self._formatted(_tf_format(self._engine.layout))
        return _tf_dataset(part, self._engine.layout, None)


# ------------------------------------------------------------------ inference write-back

class ScoreWriter:
    """Writes model scores beside the input files as friend trees (or RNTuples), entry-aligned
    with them, from the batches of an inference Loader::

        loader = rootfeed.Loader(df, columns=[...], inference=True)
        with rootfeed.ScoreWriter(loader, "scores") as out:
            for X, where in loader.as_numpy():
                out.write(where, {"score": model(X)})
        df = rootfeed.RDataFrame("events", files).AddFriend("scores", out.paths)

    One output file per input file, ``<input stem>.<name>.root`` beside it (or in
    ``directory``), holding a tree (``format="ttree"``) or an RNTuple named `name` with one
    entry per entry of the input. Entries the loader did not deliver (not selected by a
    filter or range) get ``fill`` (NaN). Every file is written atomically on close."""

    def __init__(self, loader, name, *, format="ttree", directory=None, fill=np.nan,
                 compression=None):
        from ._writing import Writer
        loader._ensure_created()
        if not loader._inference():
            raise ValueError("ScoreWriter takes a Loader made with inference=True")
        self._writer_cls, self._name, self._format = Writer, name, format
        self._fill, self._compression, self._directory = fill, compression, directory
        from ._reading import open as open_file
        self._files = []
        for files in loader._engine.files:
            counts = []
            for path, obj in files:
                with open_file(path) as f:
                    counts.append((path, obj, len(f[obj])))
            self._files.append(counts)
        self.paths = [[self._path(p) for p, _, _ in files] for files in self._files]
        if len(self.paths) == 1:
            self.paths = self.paths[0]
        self._open = None  # (dataset, file, Writer, next entry, dtypes)
        self._done = set()

    def _path(self, inp):
        d = self._directory or os.path.dirname(os.path.abspath(inp))
        stem = os.path.splitext(os.path.basename(inp))[0]
        return os.path.join(d, f"{stem}.{self._name}.root")

    def write(self, where, columns):
        """Scores of one batch: `where` [B, 3] (dataset, file, entry), in the order the loader
        gave them; `columns` {name: array of B values (or B x k)}."""
        where = np.asarray(where)
        cols = {k: np.asarray(v) for k, v in columns.items()}
        for k, v in cols.items():
            if len(v) != len(where):
                raise ValueError(f"column {k!r}: {len(v)} values for {len(where)} entries")
        start = 0
        while start < len(where):
            d, f = int(where[start, 0]), int(where[start, 1])
            end = start + int(np.argmax((where[start:, 0] != d) | (where[start:, 1] != f)))
            if end == start:
                end = len(where)
            self._put(d, f, where[start:end, 2], {k: v[start:end] for k, v in cols.items()})
            start = end

    def _writer_for(self, d, f, cols):
        if self._open is not None and tuple(self._open[:2]) == (d, f):
            return self._open
        if (d, f) in self._done:
            raise ValueError(f"entries of dataset {d} file {f} came after that file was "
                             f"finished: give the batches in the loader's (file) order")
        self._finish_open()
        path = self._files[d][f][0]
        w = self._writer_cls(self._path(path), self._name, format=self._format,
                             compression=self._compression)
        self._open = [d, f, w, 0, {k: (v.dtype, v.shape[1:]) for k, v in cols.items()}]
        return self._open

    def _gap(self, rows, kinds):
        return {k: np.full((rows,) + shape, self._fill if np.issubdtype(dt, np.floating) else 0,
                           dtype=dt) for k, (dt, shape) in kinds.items()}

    def _put(self, d, f, entries, cols):
        op = self._writer_for(d, f, cols)
        w, nxt, kinds = op[2], op[3], op[4]
        if entries[0] < nxt or np.any(np.diff(entries) <= 0):
            raise ValueError(f"entries of file {self._files[d][f][0]} out of order")
        # runs of consecutive entries, gaps filled
        breaks = np.flatnonzero(np.diff(entries) != 1) + 1
        for a, b in zip(np.r_[0, breaks], np.r_[breaks, len(entries)]):
            if entries[a] > nxt:
                w.extend(self._gap(int(entries[a] - nxt), kinds))
            w.extend({k: v[a:b] for k, v in cols.items()})
            nxt = int(entries[b - 1]) + 1
        op[3] = nxt

    def _finish_open(self):
        if self._open is None:
            return
        d, f, w, nxt, kinds = self._open
        n = self._files[d][f][2]
        if n > nxt:
            w.extend(self._gap(n - nxt, kinds))
        w.close()
        self._done.add((d, f))
        self._open = None

    def close(self, kinds=None):
        """Finishes the open file and writes the files no entry came from (all `fill`)."""
        kinds = kinds or (self._open[4] if self._open else None)
        self._finish_open()
        for d, files in enumerate(self._files):
            for f, (path, _, n) in enumerate(files):
                if (d, f) not in self._done and kinds is not None:
                    with self._writer_cls(self._path(path), self._name, format=self._format,
                                          compression=self._compression) as w:
                        if n:
                            w.extend(self._gap(n, kinds))
                    self._done.add((d, f))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        elif self._open is not None:
            self._open[2].abort()
            self._open = None
