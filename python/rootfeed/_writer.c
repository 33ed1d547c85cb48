/* _writer.c - the Writer type of rootfeed._core: an rf_writer (include/rootfeed_writer.h)
 * wrapped 1:1. Writer(path, name, format, compression, cluster_entries, cluster_bytes,
 * basket_bytes, title) opens the file; add_column() declares columns; append() takes one batch
 * as [(values, offsets or None, nentries)], each values/offsets an object with the buffer
 * protocol (C-contiguous, the column's dtype; the Python layer converts), checks that every
 * buffer holds what the entries need, and copies them into the writer without the GIL;
 * close() finishes the file (its success is the commit: the C writer renames its temporary
 * file into place), abort() or garbage collection of an open Writer drops it.
 * A lock keeps one C call per writer at a time (the C writer serves one thread). */
#include "_core.h"

#include <pythread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    rf_dtype dtype;
    int jagged;
    int64_t item; /* values per entry (flat/fixed) or per item (jagged) */
} wcolumn;

typedef struct {
    PyObject_HEAD
    rf_writer *w;             /* NULL once closed or aborted */
    PyThread_type_lock lock;
    PyObject *path;           /* str, for messages */
    wcolumn *cols;            /* the declared columns */
    Py_ssize_t ncols;
} WriterObject;

#define WRITER_C_CALL(wo, stmt) \
    do { \
        Py_BEGIN_ALLOW_THREADS \
        PyThread_acquire_lock((wo)->lock, WAIT_LOCK); \
        stmt; \
        PyThread_release_lock((wo)->lock); \
        Py_END_ALLOW_THREADS \
    } while (0)

static int kind_from_name(const char *name)
{
    for (int k = RF_KIND_FLAT; k <= RF_KIND_JAGGED; k++)
        if (!strcmp(name, rf_kind_name((rf_kind)k)))
            return k;
    PyErr_Format(PyExc_ValueError, "unknown kind '%s'", name);
    return -1;
}

/* compression: None (the format's default), an int (ROOT's setting) or a str ("zstd:5"). */
static int compression_setting(PyObject *c, int *setting)
{
    if (c == Py_None) {
        *setting = -1;
        return 0;
    }
    if (PyLong_Check(c)) {
        long v = PyLong_AsLong(c);
        if (v == -1 && PyErr_Occurred())
            return -1;
        if (v < 0 || v >= 600) {
            PyErr_Format(PyExc_ValueError, "compression setting %ld out of range [0, 600)", v);
            return -1;
        }
        *setting = (int)v;
        return 0;
    }
    if (!PyUnicode_Check(c)) {
        PyErr_SetString(PyExc_ValueError, "compression must be None, an int or a str like 'zstd:5'");
        return -1;
    }
    const char *text = PyUnicode_AsUTF8(c);
    if (!text)
        return -1;
    rf_error err = {0};
    rf_status s = rf_writer_parse_compression(text, setting, &err);
    return s ? (rfpy_raise(s, err.msg), -1) : 0;
}

static int Writer_init(WriterObject *wo, PyObject *args, PyObject *kw)
{
    static char *names[] = {"path", "name", "format", "compression", "cluster_entries",
                            "cluster_bytes", "basket_bytes", "title", NULL};
    PyObject *path, *compression = Py_None;
    const char *name, *format = "ttree", *title = "";
    long long cluster_entries = 0, cluster_bytes = 0, basket_bytes = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&s|sOLLLs", names, PyUnicode_FSConverter, &path,
                                     &name, &format, &compression, &cluster_entries,
                                     &cluster_bytes, &basket_bytes, &title))
        return -1;
    rf_writer_options opt;
    rf_writer_options_init(&opt);
    int ok = !wo->w && !wo->lock;
    if (!ok)
        PyErr_SetString(PyExc_RuntimeError, "Writer already initialised");
    else if (strcmp(format, "ttree") && strcmp(format, "rntuple")) {
        PyErr_Format(PyExc_ValueError, "format '%s': choose 'ttree' or 'rntuple'", format);
        ok = 0;
    } else if (cluster_entries < 0 || cluster_bytes < 0 || basket_bytes < 0) {
        PyErr_SetString(PyExc_ValueError, "cluster_entries, cluster_bytes and basket_bytes "
                                          "must be positive (0: the format's default)");
        ok = 0;
    } else if (compression_setting(compression, &opt.compression))
        ok = 0;
    else if (!(wo->lock = PyThread_allocate_lock())) {
        PyErr_NoMemory();
        ok = 0;
    }
    if (!ok) {
        Py_DECREF(path);
        return -1;
    }
    opt.format = strcmp(format, "ttree") ? RF_FORMAT_RNTUPLE : RF_FORMAT_TTREE;
    opt.cluster_entries = cluster_entries;
    opt.cluster_bytes = cluster_bytes;
    opt.basket_bytes = basket_bytes;
    opt.title = title;
    rf_error err = {0};
    rf_status s;
    const char *p = PyBytes_AS_STRING(path);
    Py_BEGIN_ALLOW_THREADS
    s = rf_writer_open(p, name, &opt, &wo->w, &err);
    Py_END_ALLOW_THREADS
    wo->path = PyUnicode_DecodeFSDefault(p);
    Py_DECREF(path);
    if (s) {
        rfpy_raise(s, err.msg);
        return -1;
    }
    return wo->path ? 0 : -1;
}

static void writer_drop(WriterObject *wo)
{
    rf_writer_abort(wo->w);
    wo->w = NULL;
}

static void Writer_dealloc(WriterObject *wo)
{
    writer_drop(wo);
    if (wo->lock)
        PyThread_free_lock(wo->lock);
    Py_XDECREF(wo->path);
    free(wo->cols);
    Py_TYPE(wo)->tp_free((PyObject *)wo);
}

static int writer_check(WriterObject *wo)
{
    if (!wo->w) {
        PyErr_Format(PyExc_ValueError, "%S: the writer is closed", wo->path ? wo->path : Py_None);
        return -1;
    }
    return 0;
}

/* add_column(name, dtype, kind, shape): dtype "float32"..., kind "flat"/"fixed"/"jagged",
 * shape the inner dimensions of an entry (fixed) or an item (jagged). */
static PyObject *Writer_add_column(WriterObject *wo, PyObject *args)
{
    rf_writer_column c = {0};
    const char *dtype, *kind;
    PyObject *shape;
    if (!PyArg_ParseTuple(args, "sssO!", &c.name, &dtype, &kind, &PyTuple_Type, &shape) ||
        writer_check(wo))
        return NULL;
    int d = rfpy_dtype(dtype);
    int k = d < 0 ? -1 : kind_from_name(kind);
    if (k < 0)
        return NULL;
    if (PyTuple_GET_SIZE(shape) > RF_MAX_DIMS)
        return PyErr_Format(PyExc_ValueError, "column '%s': more than %d dimensions", c.name,
                            RF_MAX_DIMS);
    c.dtype = (rf_dtype)d;
    c.kind = (rf_kind)k;
    c.ndims = (int)PyTuple_GET_SIZE(shape);
    int64_t item = 1;
    for (int i = 0; i < c.ndims; i++) {
        c.shape[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(shape, i));
        if (c.shape[i] == -1 && PyErr_Occurred())
            return NULL;
        item *= c.shape[i] > 0 ? c.shape[i] : 1;
    }
    wcolumn *cols = realloc(wo->cols, (size_t)(wo->ncols + 1) * sizeof *cols);
    if (!cols)
        return PyErr_NoMemory();
    wo->cols = cols;
    rf_error err = {0};
    rf_status s;
    WRITER_C_CALL(wo, s = rf_writer_add_column(wo->w, &c, &err));
    if (s)
        return rfpy_raise(s, err.msg);
    wo->cols[wo->ncols++] = (wcolumn){c.dtype, c.kind == RF_KIND_JAGGED, item};
    Py_RETURN_NONE;
}

/* Views one column of a batch: values (and offsets for a jagged column) as buffers of the
 * right size. views[0] values, views[1] offsets; *nviews says how many are held. */
static int column_view(const wcolumn *c, Py_ssize_t i, PyObject *t, rf_column_data *d,
                       Py_buffer views[2], int *nviews)
{
    PyObject *values, *offsets;
    long long n;
    *nviews = 0;
    if (!PyArg_ParseTuple(t, "OOL", &values, &offsets, &n))
        return -1;
    if (n < 0 || (offsets == Py_None) == c->jagged) {
        PyErr_Format(PyExc_ValueError, "column %zd: %s", i,
                     n < 0 ? "negative entry count" : "offsets given for a non-jagged column "
                                                      "or missing for a jagged one");
        return -1;
    }
    if (PyObject_GetBuffer(values, &views[0], PyBUF_C_CONTIGUOUS))
        return -1;
    *nviews = 1;
    if (views[0].itemsize != (Py_ssize_t)rf_dtype_size(c->dtype)) {
        PyErr_Format(PyExc_ValueError, "column %zd: %zd-byte values for a %s column", i,
                     views[0].itemsize, rf_dtype_name(c->dtype));
        return -1;
    }
    d->dtype = c->dtype;
    d->nentries = n;
    d->values = views[0].buf;
    d->nvalues = views[0].itemsize ? (int64_t)(views[0].len / views[0].itemsize) : 0;
    int64_t need = n * c->item;
    if (c->jagged) {
        if (PyObject_GetBuffer(offsets, &views[1], PyBUF_C_CONTIGUOUS))
            return -1;
        *nviews = 2;
        const int64_t *o = views[1].buf;
        if (views[1].itemsize != 8 || views[1].len != (n + 1) * 8) {
            PyErr_Format(PyExc_ValueError, "column %zd: offsets must be %lld int64 values", i, n + 1);
            return -1;
        }
        if (o[0] < 0 || o[n] < o[0]) {
            PyErr_Format(PyExc_ValueError, "column %zd: offsets run from %lld to %lld", i,
                         (long long)o[0], (long long)o[n]);
            return -1;
        }
        d->nlevels = 1;
        d->offsets[0] = (int64_t *)o;
        need = o[n] * c->item;
    }
    if (d->nvalues < need) {
        PyErr_Format(PyExc_ValueError, "column %zd: %lld values given, the entries need %lld", i,
                     (long long)d->nvalues, (long long)need);
        return -1;
    }
    return 0;
}

/* append(columns): one (values, offsets or None, nentries) per declared column, in order;
 * dtype and item size are the Python layer's to match (checked here: bytes per value). */
static PyObject *Writer_append(WriterObject *wo, PyObject *args)
{
    PyObject *cols;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &cols) || writer_check(wo))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(cols);
    if (n != wo->ncols)
        return PyErr_Format(PyExc_ValueError, "append: %zd columns given, %zd declared", n,
                            wo->ncols);
    rf_column_data *data = calloc((size_t)n + 1, sizeof *data);
    Py_buffer *views = calloc(2 * (size_t)n + 1, sizeof *views);
    int *held = calloc((size_t)n + 1, sizeof *held);
    PyObject *result = NULL;
    Py_ssize_t i = 0;
    if (!data || !views || !held) {
        PyErr_NoMemory();
        goto done;
    }
    for (; i < n; i++)
        if (column_view(&wo->cols[i], i, PyList_GET_ITEM(cols, i), &data[i], &views[2 * i], &held[i]))
            goto done;
    rf_error err = {0};
    rf_status s;
    WRITER_C_CALL(wo, s = rf_writer_append(wo->w, data, (size_t)n, &err));
    result = s ? rfpy_raise(s, err.msg) : Py_NewRef(Py_None);
done:
    for (Py_ssize_t j = 0; held && j < n; j++)
        for (int v = 0; v < held[j]; v++)
            PyBuffer_Release(&views[2 * j + v]);
    free(data);
    free(views);
    free(held);
    return result;
}

static PyObject *Writer_close(WriterObject *wo, PyObject *unused)
{
    (void)unused;
    if (writer_check(wo))
        return NULL;
    rf_writer *w = wo->w;
    wo->w = NULL;
    rf_error err = {0};
    rf_status s;
    WRITER_C_CALL(wo, s = rf_writer_close(w, &err));
    return s ? rfpy_raise(s, err.msg) : Py_NewRef(Py_None);
}

static PyObject *Writer_abort(WriterObject *wo, PyObject *unused)
{
    (void)unused;
    writer_drop(wo);
    Py_RETURN_NONE;
}

static PyObject *Writer_closed(WriterObject *wo, void *closure)
{
    (void)closure;
    return PyBool_FromLong(!wo->w);
}

static PyMethodDef Writer_methods[] = {
    {"add_column", (PyCFunction)Writer_add_column, METH_VARARGS,
     "add_column(name, dtype, kind, shape): declare a column (before the first append)"},
    {"append", (PyCFunction)Writer_append, METH_VARARGS,
     "append([(values, offsets or None, nentries)]): one batch, every column in order"},
    {"close", (PyCFunction)Writer_close, METH_NOARGS, "close(): finish and commit the file"},
    {"abort", (PyCFunction)Writer_abort, METH_NOARGS, "abort(): drop the file unfinished"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Writer_getset[] = {
    {"closed", (getter)Writer_closed, NULL, "True after close() or abort()", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject rfpy_Writer_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rootfeed._core.Writer",
    .tp_basicsize = sizeof(WriterObject),
    .tp_dealloc = (destructor)Writer_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Writer(path, name, format='ttree', compression=None, cluster_entries=0, "
              "cluster_bytes=0, basket_bytes=0, title=''): an rf_writer.",
    .tp_methods = Writer_methods,
    .tp_getset = Writer_getset,
    .tp_init = (initproc)Writer_init,
    .tp_new = PyType_GenericNew,
};
