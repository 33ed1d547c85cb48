/* _loader.c - rootfeed._core.Loader, an rf_loader (include/rootfeed_loader.h) over Datasets,
 * and rootfeed._core.Tensor, one tensor of a block of batches exported through the buffer
 * protocol without copying. next() gives a batch as (row0, rows, bases): bases are Tensors
 * viewing the whole block the batch lies in (rf_batch_block) - the same tuple object for every
 * batch of one chunk, so Python makes its arrays once per chunk and slices the batches out of
 * them. A Tensor holds a reference to a batch of its block, so the chunk stays alive until the
 * last NumPy array or torch tensor over it goes (rf_batch_release then); the Loader keeps the
 * current block's bases until the next block, stop() or close().
 *
 * Every C call runs without the GIL under the loader's lock. Waits for data ask Python every
 * 50 ms whether a signal is pending (the loader's interrupt callback): Ctrl-C ends the wait,
 * the epoch is stopped and KeyboardInterrupt propagates. Worker threads do not survive a
 * fork: a loader used in a forked child (torch's DataLoader workers) raises at once with what
 * to do, and is never freed there (its threads and locks belong to the parent). The policy
 * (ROOT's API, layouts, formats) lives in _ml.py. */
#include "_core.h"

#include <pthread.h>
#include <pythread.h>
#include <stdlib.h>
#include <string.h>

#include "rootfeed_loader.h"

typedef struct {
    PyObject_HEAD
    rf_loader *l;
    PyObject *datasets;       /* the Dataset objects: their rf_datasets outlive l */
    PyThread_type_lock lock;  /* one C call on l at a time */
    double *class_weights;    /* the options' memory the loader keeps using */
    PyObject *bases;          /* Tensors of the block of the last batch (or NULL) */
    const void *block;        /* that block's tensor 0 (alive while bases are held) */
    unsigned long fork_gen;   /* fork generation at creation */
} LoaderObject;

typedef struct {
    PyObject_HEAD
    rf_batch *b;              /* one reference, released with the Tensor */
    rf_tensor_view v;
    Py_ssize_t shape[3], strides[3];
} TensorObject;

static PyTypeObject Tensor_Type;

/* ------------------------------------------------------------------ fork guard */

static volatile unsigned long fork_gen;
static void on_fork_child(void) { fork_gen++; }

static int check_usable(LoaderObject *o)
{
    if (o->fork_gen != fork_gen) {
        PyErr_SetString(PyExc_RuntimeError, "this rootfeed loader was made in another process "
                        "(before a fork) and its worker threads do not exist here. Iterate it in "
                        "the process that made it - rootfeed decodes on its own threads, so with "
                        "torch.utils.data.DataLoader use num_workers=0 and batch_size=None - or "
                        "make a new loader in each process");
        return -1;
    }
    if (!o->l) {
        PyErr_SetString(PyExc_ValueError, "the loader is closed");
        return -1;
    }
    return 0;
}

/* Runs stmt without the GIL under the loader's lock; returns NULL (ValueError) from the
 * calling function if another thread closed the loader meanwhile. */
#define LOADER_CALL(o, stmt) \
    do { \
        int closed_; \
        Py_BEGIN_ALLOW_THREADS \
        PyThread_acquire_lock((o)->lock, WAIT_LOCK); \
        closed_ = !(o)->l; \
        if (!closed_) { \
            stmt; \
        } \
        PyThread_release_lock((o)->lock); \
        Py_END_ALLOW_THREADS \
        if (closed_) { \
            PyErr_SetString(PyExc_ValueError, "the loader is closed"); \
            return NULL; \
        } \
    } while (0)

/* The interrupt callback: runs Python's signal handlers (KeyboardInterrupt stays set). */
static int interrupted(void *ctx)
{
    (void)ctx;
    PyGILState_STATE g = PyGILState_Ensure();
    int r = PyErr_CheckSignals();
    PyGILState_Release(g);
    return r < 0;
}

static PyObject *raise_status(rf_status s, const rf_error *err)
{
    if (s == RF_ERR_INTERRUPTED && PyErr_Occurred())
        return NULL; /* KeyboardInterrupt (or what the signal handler raised) */
    return rfpy_raise(s, err->msg);
}

/* ------------------------------------------------------------------ options */

typedef struct {
    const char *key;
    char kind;       /* 'i' int, 'L' int64, 'K' uint64, 'f' float, 'd' double */
    size_t offset;
} opt_field;

#define F(k, t, m) {k, t, offsetof(rf_loader_options, m)}
static const opt_field OPT_FIELDS[] = {
    F("mode", 'i', mode), F("vec_padding", 'd', vec_padding), F("batch_size", 'L', batch_size),
    F("chunk_size", 'L', chunk_size), F("block_size", 'L', block_size),
    F("batches_in_memory", 'L', batches_in_memory), F("shuffle", 'i', shuffle),
    F("drop_remainder", 'i', drop_remainder), F("seed", 'K', seed),
    F("validation_split", 'f', validation_split), F("rank", 'i', rank),
    F("world_size", 'i', world_size), F("pad", 'i', pad), F("inference", 'i', inference),
    F("num_threads", 'i', num_threads), F("prefetch_chunks", 'L', prefetch_chunks),
    F("balance", 'i', balance), F("nclasses", 'i', nclasses),
    F("sampling_ratio", 'f', sampling_ratio), F("replacement", 'i', replacement),
    F("per_batch", 'i', per_batch),
};
#undef F

static int set_field(rf_loader_options *o, const opt_field *f, PyObject *v)
{
    char *p = (char *)o + f->offset;
    if (f->kind == 'f' || f->kind == 'd') {
        double d = PyFloat_AsDouble(v);
        if (d == -1.0 && PyErr_Occurred())
            return -1;
        if (f->kind == 'f')
            *(float *)p = (float)d;
        else
            *(double *)p = d;
        return 0;
    }
    if (f->kind == 'K') {
        unsigned long long u = PyLong_AsUnsignedLongLong(v);
        if (u == (unsigned long long)-1 && PyErr_Occurred())
            return -1;
        *(uint64_t *)p = u;
        return 0;
    }
    long long x = PyLong_AsLongLong(v);
    if (x == -1 && PyErr_Occurred())
        return -1;
    if (f->kind == 'i') {
        if (x < -2147483647LL || x > 2147483647LL) {
            PyErr_Format(PyExc_ValueError, "option %s: %lld is out of range", f->key, x);
            return -1;
        }
        *(int *)p = (int)x;
    } else {
        *(int64_t *)p = x;
    }
    return 0;
}

/* Fills o from a dict; label_column and class_weights point into the dict's objects or into
 * self->class_weights. */
static int parse_options(LoaderObject *self, PyObject *d, rf_loader_options *o)
{
    PyObject *key, *val;
    Py_ssize_t pos = 0;
    while (PyDict_Next(d, &pos, &key, &val)) {
        const char *k = PyUnicode_AsUTF8(key);
        if (!k)
            return -1;
        if (!strcmp(k, "label_column")) {
            if (val != Py_None && !(o->label_column = PyUnicode_AsUTF8(val)))
                return -1;
            continue;
        }
        if (!strcmp(k, "class_weights")) {
            if (val == Py_None)
                continue;
            PyObject *seq = PySequence_Fast(val, "class_weights: a sequence of numbers");
            if (!seq)
                return -1;
            Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
            free(self->class_weights);
            self->class_weights = malloc((size_t)(n ? n : 1) * sizeof(double));
            for (Py_ssize_t i = 0; self->class_weights && i < n; i++)
                self->class_weights[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, i));
            Py_DECREF(seq);
            if (!self->class_weights)
                return PyErr_NoMemory(), -1;
            if (PyErr_Occurred())
                return -1;
            o->class_weights = self->class_weights;
            continue;
        }
        size_t f = 0;
        while (f < sizeof OPT_FIELDS / sizeof OPT_FIELDS[0] && strcmp(OPT_FIELDS[f].key, k))
            f++;
        if (f == sizeof OPT_FIELDS / sizeof OPT_FIELDS[0]) {
            PyErr_Format(PyExc_TypeError, "unknown loader option '%s'", k);
            return -1;
        }
        if (set_field(o, &OPT_FIELDS[f], val) < 0)
            return -1;
    }
    return 0;
}

/* tensors: [(name, dtype, [(column, max_size)], n_max)] -> arrays (freed by the caller) whose
 * strings borrow from the list's objects. */
static int parse_tensors(PyObject *list, rf_loader_tensor **tout, rf_loader_column **cout, size_t *nt)
{
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "tensors: a list of (name, dtype, columns, n_max)");
        return -1;
    }
    Py_ssize_t n = PyList_GET_SIZE(list), ncols = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyList_GET_ITEM(list, i);
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 4 || !PyList_Check(PyTuple_GET_ITEM(t, 2))) {
            PyErr_SetString(PyExc_TypeError, "tensors: a list of (name, dtype, [(column, max_size)], n_max)");
            return -1;
        }
        ncols += PyList_GET_SIZE(PyTuple_GET_ITEM(t, 2));
    }
    rf_loader_tensor *ts = calloc((size_t)n + 1, sizeof *ts);
    rf_loader_column *cs = calloc((size_t)ncols + 1, sizeof *cs);
    *tout = ts;
    *cout = cs;
    *nt = (size_t)n;
    if (!ts || !cs)
        return PyErr_NoMemory(), -1;
    for (Py_ssize_t i = 0, c = 0; i < n; i++) {
        PyObject *t = PyList_GET_ITEM(list, i), *cols = PyTuple_GET_ITEM(t, 2);
        const char *dt;
        long long n_max;
        if (!PyArg_ParseTuple(t, "ssOL", &ts[i].name, &dt, &cols, &n_max))
            return -1;
        int d = rfpy_dtype(dt);
        if (d < 0)
            return -1;
        ts[i].dtype = (rf_dtype)d;
        ts[i].n_max = n_max;
        ts[i].columns = cs + c;
        ts[i].ncolumns = (size_t)PyList_GET_SIZE(cols);
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(cols); j++, c++) {
            long long ms;
            if (!PyArg_ParseTuple(PyList_GET_ITEM(cols, j), "sL", &cs[c].name, &ms))
                return -1;
            cs[c].max_size = ms;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ Loader */

static int Loader_init(LoaderObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"datasets", "tensors", "options", NULL};
    PyObject *dsl, *tl, *od;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!O!O!", names, &PyList_Type, &dsl, &PyList_Type,
                                     &tl, &PyDict_Type, &od))
        return -1;
    if (self->l || self->datasets) {
        PyErr_SetString(PyExc_RuntimeError, "Loader already initialised");
        return -1;
    }
    self->fork_gen = fork_gen;
    Py_ssize_t n = PyList_GET_SIZE(dsl);
    rf_dataset **ds = calloc((size_t)n + 1, sizeof *ds);
    rf_loader_tensor *ts = NULL;
    rf_loader_column *cs = NULL;
    size_t nt = 0;
    int rc = -1;
    if (!ds) {
        PyErr_NoMemory();
        goto out;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (!(ds[i] = rfpy_dataset_ptr(PyList_GET_ITEM(dsl, i))))
            goto out;
    rf_loader_options o;
    rf_loader_options_init(&o);
    if (parse_options(self, od, &o) < 0 || parse_tensors(tl, &ts, &cs, &nt) < 0)
        goto out;
    o.tensors = ts;
    o.ntensors = nt;
    o.interrupt = interrupted;
    if (!(self->lock = PyThread_allocate_lock())) {
        PyErr_NoMemory();
        goto out;
    }
    self->datasets = PyList_AsTuple(dsl);
    if (!self->datasets)
        goto out;
    rf_error err = {0};
    rf_status s;
    Py_BEGIN_ALLOW_THREADS
    s = rf_loader_open(ds, (size_t)n, &o, &self->l, &err);
    Py_END_ALLOW_THREADS
    rc = s ? (raise_status(s, &err), -1) : 0;
out:
    free(ds);
    free(ts);
    free(cs);
    return rc;
}

static void Loader_dealloc(LoaderObject *self)
{
    Py_CLEAR(self->bases);
    if (self->l && self->fork_gen == fork_gen) {
        Py_BEGIN_ALLOW_THREADS
        rf_loader_free(self->l); /* joins the workers */
        Py_END_ALLOW_THREADS
    } /* in a forked child the loader is left alone: its threads and locks are the parent's */
    free(self->class_weights);
    Py_XDECREF(self->datasets);
    if (self->lock)
        PyThread_free_lock(self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Loader_close(LoaderObject *self, PyObject *unused)
{
    (void)unused;
    Py_CLEAR(self->bases);
    if (self->l && self->fork_gen == fork_gen)
        LOADER_CALL(self, rf_loader_free(self->l); self->l = NULL);
    Py_RETURN_NONE;
}

static int parse_part(PyObject *args, int *part, long long *epoch)
{
    return PyArg_ParseTuple(args, "iL", part, epoch) ? 0 : -1;
}

static PyObject *Loader_start(LoaderObject *self, PyObject *args)
{
    int part;
    long long epoch, first;
    if (!PyArg_ParseTuple(args, "iLL", &part, &epoch, &first) || check_usable(self))
        return NULL;
    rf_error err = {0};
    rf_status s;
    LOADER_CALL(self, s = rf_loader_start(self->l, (rf_part)part, epoch, first, &err));
    return s ? raise_status(s, &err) : Py_NewRef(Py_None);
}

static PyObject *Loader_stop(LoaderObject *self, PyObject *unused)
{
    (void)unused;
    Py_CLEAR(self->bases);
    if (self->l && self->fork_gen == fork_gen)
        LOADER_CALL(self, rf_loader_stop(self->l));
    Py_RETURN_NONE;
}

/* A Tensor of the whole block of batch b, tensor i (holding a reference to b). */
static PyObject *tensor_new(rf_batch *b, size_t i)
{
    TensorObject *t = PyObject_New(TensorObject, &Tensor_Type);
    if (!t)
        return NULL;
    rf_error err = {0};
    int64_t row0;
    t->b = NULL;
    if (rf_batch_block(b, i, &t->v, &row0, &err)) {
        Py_DECREF(t);
        return rfpy_raise(err.code, err.msg);
    }
    t->b = rf_batch_retain(b);
    for (int d = 0; d < t->v.ndim; d++) {
        t->shape[d] = (Py_ssize_t)t->v.shape[d];
        t->strides[d] = (Py_ssize_t)t->v.strides[d];
    }
    return (PyObject *)t;
}

/* The bases of batch b's block (the ones held when b lies in the same block, else new) and
 * b's first row in it. */
static int take_bases(LoaderObject *self, rf_batch *b, int64_t *row0)
{
    rf_tensor_view v;
    rf_error err = {0};
    if (rf_batch_block(b, 0, &v, row0, &err))
        return rfpy_raise(err.code, err.msg), -1;
    if (self->bases && v.data == self->block)
        return 0; /* the held bases keep that block alive: the address is this block's */
    size_t n = rf_batch_ntensors(b);
    PyObject *tup = PyTuple_New((Py_ssize_t)n);
    for (size_t i = 0; tup && i < n; i++) {
        PyObject *t = tensor_new(b, i);
        if (!t)
            Py_CLEAR(tup);
        else
            PyTuple_SET_ITEM(tup, (Py_ssize_t)i, t);
    }
    if (!tup)
        return -1;
    Py_XSETREF(self->bases, tup);
    self->block = v.data;
    return 0;
}

/* next() -> (row0, rows, bases), or None at the end of the epoch: the batch is rows
 * [row0, row0 + rows) of every Tensor of bases. */
static PyObject *Loader_next(LoaderObject *self, PyObject *unused)
{
    (void)unused;
    if (check_usable(self))
        return NULL;
    rf_batch *b = NULL;
    rf_error err = {0};
    rf_status s;
    LOADER_CALL(self, s = rf_loader_next(self->l, &b, &err);
                if (s == RF_ERR_INTERRUPTED) rf_loader_stop(self->l));
    if (s)
        return raise_status(s, &err);
    if (!b)
        Py_RETURN_NONE;
    PyObject *r = NULL;
    int64_t row0;
    if (take_bases(self, b, &row0) == 0)
        r = Py_BuildValue("(LLO)", (long long)row0, (long long)rf_batch_rows(b), self->bases);
    rf_batch_release(b);
    return r;
}

static PyObject *Loader_num_batches(LoaderObject *self, PyObject *args)
{
    int part;
    long long epoch;
    if (parse_part(args, &part, &epoch) || check_usable(self))
        return NULL;
    int64_t n;
    LOADER_CALL(self, n = rf_loader_num_batches(self->l, (rf_part)part, epoch));
    return PyLong_FromLongLong(n);
}

static PyObject *Loader_last_batch_rows(LoaderObject *self, PyObject *args)
{
    int part;
    long long epoch;
    if (parse_part(args, &part, &epoch) || check_usable(self))
        return NULL;
    int64_t n;
    LOADER_CALL(self, n = rf_loader_last_batch_rows(self->l, (rf_part)part, epoch));
    return PyLong_FromLongLong(n);
}

static PyObject *Loader_entries(LoaderObject *self, PyObject *args)
{
    int part;
    if (!PyArg_ParseTuple(args, "i", &part) || check_usable(self))
        return NULL;
    int64_t n;
    LOADER_CALL(self, n = rf_loader_entries(self->l, (rf_part)part));
    return PyLong_FromLongLong(n);
}

/* layout() -> [(name, [flattened column names])] of every output tensor, masks included. */
static PyObject *Loader_layout(LoaderObject *self, PyObject *unused)
{
    (void)unused;
    if (check_usable(self))
        return NULL;
    size_t n = rf_loader_ntensors(self->l);
    PyObject *out = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; out && i < n; i++) {
        size_t w = rf_loader_tensor_width(self->l, i);
        PyObject *cols = PyList_New((Py_ssize_t)w);
        for (size_t j = 0; cols && j < w; j++) {
            PyObject *s = PyUnicode_FromString(rf_loader_tensor_column(self->l, i, j));
            if (!s)
                Py_CLEAR(cols);
            else
                PyList_SET_ITEM(cols, (Py_ssize_t)j, s);
        }
        PyObject *item = cols ? Py_BuildValue("(N)", cols) : NULL;
        if (!item)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, (Py_ssize_t)i, item);
    }
    return out;
}

static PyObject *Loader_seed(LoaderObject *self, void *c)
{
    (void)c;
    if (check_usable(self))
        return NULL;
    return PyLong_FromUnsignedLongLong(rf_loader_seed(self->l));
}

static PyObject *Loader_state(LoaderObject *self, PyObject *unused)
{
    (void)unused;
    if (check_usable(self))
        return NULL;
    rf_loader_state st;
    LOADER_CALL(self, rf_loader_get_state(self->l, &st));
    return Py_BuildValue("{s:I,s:I,s:K,s:L,s:L,s:i,s:i,s:K}", "version", st.version, "part", st.part,
                         "seed", (unsigned long long)st.seed, "epoch", (long long)st.epoch,
                         "next_batch", (long long)st.next_batch, "rank", st.rank, "world_size",
                         st.world_size, "fingerprint", (unsigned long long)st.fingerprint);
}

static int state_item(PyObject *d, const char *k, unsigned long long *u, long long *s)
{
    PyObject *v = PyDict_GetItemString(d, k);
    if (!v) {
        PyErr_Format(PyExc_ValueError, "loader state: no '%s'", k);
        return -1;
    }
    if (u)
        *u = PyLong_AsUnsignedLongLong(v);
    else
        *s = PyLong_AsLongLong(v);
    return PyErr_Occurred() ? -1 : 0;
}

/* resume(state dict): starts the state's epoch at its next batch. */
static PyObject *Loader_resume(LoaderObject *self, PyObject *args)
{
    PyObject *d;
    if (!PyArg_ParseTuple(args, "O!", &PyDict_Type, &d) || check_usable(self))
        return NULL;
    unsigned long long version, seed, fp;
    long long part, epoch, next, rank, ws;
    if (state_item(d, "version", &version, NULL) || state_item(d, "seed", &seed, NULL) ||
        state_item(d, "fingerprint", &fp, NULL) || state_item(d, "part", NULL, &part) ||
        state_item(d, "epoch", NULL, &epoch) || state_item(d, "next_batch", NULL, &next) ||
        state_item(d, "rank", NULL, &rank) || state_item(d, "world_size", NULL, &ws))
        return NULL;
    rf_loader_state st = {(uint32_t)version, (uint32_t)part, seed, epoch, next, (int32_t)rank,
                          (int32_t)ws, fp};
    rf_error err = {0};
    rf_status s;
    LOADER_CALL(self, s = rf_loader_resume(self->l, &st, &err));
    return s ? raise_status(s, &err) : Py_NewRef(Py_None);
}

static PyObject *Loader_stats(LoaderObject *self, PyObject *unused)
{
    (void)unused;
    if (check_usable(self))
        return NULL;
    rf_loader_stats t;
    LOADER_CALL(self, rf_loader_get_stats(self->l, &t));
    return Py_BuildValue("{s:L,s:L,s:L,s:L,s:L,s:d,s:L,s:L,s:L,s:L,s:L,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d}",
        "entries_delivered", (long long)t.entries_delivered, "bytes_delivered", (long long)t.bytes_delivered,
        "bytes_copied", (long long)t.bytes_copied, "bytes_read", (long long)t.bytes_read,
        "bytes_decompressed", (long long)t.bytes_decompressed, "read_amplification", t.read_amplification,
        "rows_dropped", (long long)t.rows_dropped, "rows_repeated", (long long)t.rows_repeated,
        "peak_buffer_bytes", (long long)t.peak_buffer_bytes, "buffer_bound_bytes", (long long)t.buffer_bound_bytes,
        "largest_cluster", (long long)t.largest_cluster, "wait_seconds", t.wait_seconds,
        "read_seconds", t.read_seconds, "decode_seconds", t.decode_seconds, "filter_seconds", t.filter_seconds,
        "transpose_seconds", t.transpose_seconds, "wall_seconds", t.wall_seconds,
        "ratio_to_bound", t.ratio_to_bound, "shuffle_quality", t.shuffle_quality);
}

static PyObject *Loader_reduce(LoaderObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    PyErr_SetString(PyExc_TypeError, "a rootfeed loader cannot be pickled (its worker threads "
                    "and buffers belong to this process): make the loader in the process that "
                    "iterates it; with torch.utils.data.DataLoader use num_workers=0 and "
                    "batch_size=None (rootfeed decodes on its own threads)");
    return NULL;
}

static PyMethodDef Loader_methods[] = {
    {"start", (PyCFunction)Loader_start, METH_VARARGS, "start(part, epoch, first_batch)"},
    {"next", (PyCFunction)Loader_next, METH_NOARGS,
     "next() -> (row0, rows, bases): rows [row0, row0 + rows) of every base Tensor; None at the end"},
    {"stop", (PyCFunction)Loader_stop, METH_NOARGS, "stop(): ends the epoch in progress"},
    {"close", (PyCFunction)Loader_close, METH_NOARGS, "close(): stops and joins the workers"},
    {"num_batches", (PyCFunction)Loader_num_batches, METH_VARARGS, "num_batches(part, epoch)"},
    {"last_batch_rows", (PyCFunction)Loader_last_batch_rows, METH_VARARGS, "last_batch_rows(part, epoch)"},
    {"entries", (PyCFunction)Loader_entries, METH_VARARGS, "entries(part): selected entries"},
    {"layout", (PyCFunction)Loader_layout, METH_NOARGS, "layout() -> [([flattened names],)]"},
    {"state", (PyCFunction)Loader_state, METH_NOARGS, "state() -> dict (rf_loader_state)"},
    {"resume", (PyCFunction)Loader_resume, METH_VARARGS, "resume(state): starts at its next batch"},
    {"stats", (PyCFunction)Loader_stats, METH_NOARGS, "stats() -> dict (rf_loader_stats)"},
    {"__reduce__", (PyCFunction)Loader_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Loader_getset[] = {
    {"seed", (getter)Loader_seed, NULL, "the seed in use (the drawn one when 0 was asked)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject rfpy_Loader_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rootfeed._core.Loader",
    .tp_basicsize = sizeof(LoaderObject),
    .tp_dealloc = (destructor)Loader_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Loader(datasets, tensors, options): an rf_loader over Datasets.",
    .tp_methods = Loader_methods,
    .tp_getset = Loader_getset,
    .tp_init = (initproc)Loader_init,
    .tp_new = PyType_GenericNew,
};

/* ------------------------------------------------------------------ Tensor */

static char FORMATS[RF_DTYPE_COUNT][2] = {"?", "b", "B", "h", "H", "i", "I", "q", "Q", "f", "d"};

static void Tensor_dealloc(TensorObject *t)
{
    rf_batch_release(t->b);
    PyObject_Free(t);
}

static int Tensor_getbuffer(TensorObject *t, Py_buffer *view, int flags)
{
    Py_ssize_t len = (Py_ssize_t)rf_dtype_size(t->v.dtype);
    for (int d = 0; d < t->v.ndim; d++)
        len *= t->shape[d];
    view->obj = Py_NewRef((PyObject *)t);
    view->buf = t->v.data;
    view->len = len;
    view->readonly = 0;
    view->itemsize = (Py_ssize_t)rf_dtype_size(t->v.dtype);
    view->format = (flags & PyBUF_FORMAT) ? FORMATS[t->v.dtype] : NULL;
    view->ndim = (flags & PyBUF_ND) ? t->v.ndim : 1;
    view->shape = (flags & PyBUF_ND) ? t->shape : NULL;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? t->strides : NULL;
    view->suboffsets = NULL;
    view->internal = NULL;
    return 0;
}

static PyBufferProcs Tensor_as_buffer = {.bf_getbuffer = (getbufferproc)Tensor_getbuffer};

static PyObject *Tensor_address(TensorObject *t, void *c)
{
    (void)c;
    return PyLong_FromVoidPtr(t->v.data);
}

static PyObject *Tensor_name(TensorObject *t, void *c)
{
    (void)c;
    return PyUnicode_FromString(t->v.name);
}

static PyGetSetDef Tensor_getset[] = {
    {"address", (getter)Tensor_address, NULL, "address of the first byte (zero-copy checks)", NULL},
    {"name", (getter)Tensor_name, NULL, "the tensor's name", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject Tensor_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rootfeed._core.Tensor",
    .tp_basicsize = sizeof(TensorObject),
    .tp_dealloc = (destructor)Tensor_dealloc,
    .tp_as_buffer = &Tensor_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One tensor of a block of batches (engine memory), exported through the buffer protocol.",
    .tp_getset = Tensor_getset,
};

int rfpy_loader_ready(PyObject *module)
{
    static int atfork_done;
    if (!atfork_done && pthread_atfork(NULL, NULL, on_fork_child) != 0) {
        PyErr_SetString(PyExc_OSError, "pthread_atfork failed");
        return -1;
    }
    atfork_done = 1;
    if (PyType_Ready(&rfpy_Loader_Type) < 0 || PyType_Ready(&Tensor_Type) < 0)
        return -1;
    if (PyModule_AddObjectRef(module, "Loader", (PyObject *)&rfpy_Loader_Type) < 0 ||
        PyModule_AddObjectRef(module, "Tensor", (PyObject *)&Tensor_Type) < 0)
        return -1;
    return 0;
}
