/* _core.c - the CPython extension rootfeed._core: a 1:1 wrapper of the C API (files, tables,
 * column reads, expression plans) that hands decoded buffers to Python without copying.
 *
 * Buffer  owns one malloc'd block taken over from an rf_column_data after a read and exports
 *         it through the buffer protocol; numpy.frombuffer(buf, dtype) views it, and the array
 *         keeps the Buffer (and so the block) alive, whatever happens to the file.
 * File    an rf_file. Its C calls run without the GIL under a per-file lock (a file and its
 *         tables serve one thread at a time). close() forbids new work at once; the C file is
 *         freed when its last Table goes. Over a path or URL, or over a Python file object
 *         (binary file, io.BytesIO, an fsspec file: seek + read) through a custom byte source
 *         whose reads take the GIL.
 * Table   an rf_table of a File; read() returns fresh Buffers per call.
 * Plan    an rf_expr_plan (filters and defines) evaluated over columns given as Buffers.
 * Policy (names, arrays, awkward, errors with close names) lives in the Python modules. */
#include "_core.h"

#include <pythread.h>
#include <stdlib.h>
#include <string.h>

#include "rootfeed_source.h"

static PyObject *FormatError;

/* ------------------------------------------------------------------ errors */

/* Raises the Python exception that matches an rf_status, with the C message. */
PyObject *rfpy_raise(rf_status s, const char *msg)
{
    PyObject *type;
    switch (s) {
    case RF_ERR_NO_FILE: type = PyExc_FileNotFoundError; break;
    case RF_ERR_NOT_FOUND: type = PyExc_KeyError; break;
    case RF_ERR_ARG: type = PyExc_ValueError; break;
    case RF_ERR_NOMEM: type = PyExc_MemoryError; break;
    case RF_ERR_IO: type = PyExc_OSError; break;
    default: type = FormatError; break;
    }
    if (type == PyExc_KeyError) { /* KeyError repr()s its argument: keep the message readable */
        PyObject *m = PyUnicode_FromString(msg && msg[0] ? msg : rf_status_name(s));
        if (m) {
            PyErr_SetObject(type, m);
            Py_DECREF(m);
        }
        return NULL;
    }
    PyErr_SetString(type, msg && msg[0] ? msg : rf_status_name(s));
    return NULL;
}

/* ------------------------------------------------------------------ Buffer */


typedef struct {
    PyObject_HEAD
    void *data;
    Py_ssize_t nitems;
    Py_ssize_t itemsize;
    char format[2];
} BufferObject;

static PyTypeObject Buffer_Type;

static const char dtype_format[RF_DTYPE_COUNT] = {'?', 'b', 'B', 'h', 'H', 'i', 'I', 'q', 'Q', 'f', 'd'};

/* Takes ownership of data (malloc'd; freed with the Buffer, also on failure here). */
PyObject *rfpy_buffer_new(void *data, Py_ssize_t nitems, rf_dtype dtype)
{
    BufferObject *b = PyObject_New(BufferObject, &Buffer_Type);
    if (!b) {
        free(data);
        return NULL;
    }
    b->data = data;
    b->nitems = nitems;
    b->itemsize = (Py_ssize_t)rf_dtype_size(dtype);
    b->format[0] = dtype_format[dtype];
    b->format[1] = 0;
    return (PyObject *)b;
}

/* A Buffer holding a copy of nitems items. */
PyObject *rfpy_buffer_copy(const void *src, Py_ssize_t nitems, rf_dtype dtype)
{
    size_t bytes = (size_t)nitems * rf_dtype_size(dtype);
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        return PyErr_NoMemory();
    if (bytes)
        memcpy(p, src, bytes);
    return rfpy_buffer_new(p, nitems, dtype);
}

static void Buffer_dealloc(BufferObject *b)
{
    free(b->data);
    PyObject_Free(b);
}

/* One writable dimension of nitems items (the block belongs to this Buffer alone). */
static int Buffer_getbuffer(BufferObject *b, Py_buffer *view, int flags)
{
    view->obj = Py_NewRef((PyObject *)b);
    view->buf = b->data;
    view->len = b->nitems * b->itemsize;
    view->readonly = 0;
    view->itemsize = b->itemsize;
    view->format = (flags & PyBUF_FORMAT) ? b->format : NULL;
    view->ndim = 1;
    view->shape = (flags & PyBUF_ND) ? &b->nitems : NULL;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? &b->itemsize : NULL;
    view->suboffsets = NULL;
    view->internal = NULL;
    return 0;
}

static PyObject *Buffer_address(BufferObject *b, void *closure)
{
    (void)closure;
    return PyLong_FromVoidPtr(b->data);
}

static PyGetSetDef Buffer_getset[] = {
    {"address", (getter)Buffer_address, NULL, "address of the first byte (for zero-copy checks)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyBufferProcs Buffer_as_buffer = {
    .bf_getbuffer = (getbufferproc)Buffer_getbuffer,
};

static Py_ssize_t Buffer_len(BufferObject *b)
{
    return b->nitems;
}

static PySequenceMethods Buffer_as_sequence = {
    .sq_length = (lenfunc)Buffer_len,
};

static PyTypeObject Buffer_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rootfeed._core.Buffer",
    .tp_basicsize = sizeof(BufferObject),
    .tp_dealloc = (destructor)Buffer_dealloc,
    .tp_as_buffer = &Buffer_as_buffer,
    .tp_as_sequence = &Buffer_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Memory decoded by the C library, exported through the buffer protocol.",
    .tp_getset = Buffer_getset,
};

/* Moves the buffers of a filled rf_column_data into a tuple (values, (offsets...), nentries):
 * the Buffers own them now and d is left empty. offsets[l] holds n_l + 1 values, where n_0 is
 * the number of entries and n_{l+1} = offsets[l][n_l]. */
PyObject *rfpy_column_tuple(rf_column_data *d)
{
    PyObject *offs = PyTuple_New(d->nlevels), *values = NULL;
    int64_t n = d->nentries;
    for (int l = 0; offs && l < d->nlevels; l++) {
        int64_t next = d->offsets[l][n];
        PyObject *b = rfpy_buffer_new(d->offsets[l], (Py_ssize_t)(n + 1), RF_INT64);
        d->offsets[l] = NULL;
        d->offsets_cap[l] = 0;
        if (!b)
            Py_CLEAR(offs);
        else
            PyTuple_SET_ITEM(offs, l, b);
        n = next;
    }
    if (offs) {
        values = rfpy_buffer_new(d->values ? d->values : malloc(1), (Py_ssize_t)d->nvalues, d->dtype);
        d->values = NULL;
        d->values_cap = 0;
    }
    PyObject *r = values ? Py_BuildValue("(NNL)", values, offs, (long long)d->nentries) : NULL;
    if (!r) {
        Py_XDECREF(offs);
        rf_column_data_free(d);
    }
    rf_column_data_init(d);
    return r;
}

/* ------------------------------------------------------------------ File */

typedef struct {
    PyObject_HEAD
    rf_file *f;
    PyThread_type_lock lock; /* one C call on this file (or its tables) at a time */
    int closed;              /* close() called: no new work */
    Py_ssize_t ntables;      /* open Tables, which keep the C file alive */
} FileObject;

static PyTypeObject File_Type;

#define LOCKED_C_CALL(fo, stmt) \
    do { \
        Py_BEGIN_ALLOW_THREADS \
        PyThread_acquire_lock((fo)->lock, WAIT_LOCK); \
        stmt; \
        PyThread_release_lock((fo)->lock); \
        Py_END_ALLOW_THREADS \
    } while (0)

static void file_release_c(FileObject *fo)
{
    if (fo->f && fo->closed && fo->ntables == 0) {
        rf_file_close(fo->f);
        fo->f = NULL;
    }
}

/* ------------------------------------------------------------------ file objects */

/* A Python file object as a byte source: its seek and read run under the GIL, one call at a
 * time (the ops do not say thread_safe, so the library serialises them). */
typedef struct pysrc {
    PyObject *obj;
    char name[256];
} pysrc;

/* The pending Python exception as text (and cleared). */
static void pysrc_exception(char *out, size_t n)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *text = value ? PyObject_Str(value) : NULL;
    const char *msg = text ? PyUnicode_AsUTF8(text) : NULL;
    snprintf(out, n, "%s%s%s", type ? ((PyTypeObject *)type)->tp_name : "error", msg && *msg ? ": " : "",
             msg ? msg : "");
    PyErr_Clear();
    Py_XDECREF(text);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

/* Copies what obj.read(n - *got) returns into buf + *got; 0 at the end of the object, -1
 * on an exception. */
static int pysrc_read_some(PyObject *obj, uint8_t *buf, size_t n, size_t *got)
{
    PyObject *data = PyObject_CallMethod(obj, "read", "n", (Py_ssize_t)(n - *got));
    if (!data)
        return -1;
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) != 0) {
        Py_DECREF(data);
        return -1;
    }
    size_t len = (size_t)view.len < n - *got ? (size_t)view.len : n - *got;
    memcpy(buf + *got, view.buf, len);
    *got += len;
    PyBuffer_Release(&view);
    Py_DECREF(data);
    return len > 0;
}

static rf_status pysrc_read(void *ctx, uint64_t offset, void *buf, size_t n, rf_error *err)
{
    pysrc *p = ctx;
    PyGILState_STATE g = PyGILState_Ensure();
    size_t got = 0;
    int rc = 1;
    PyObject *r = PyObject_CallMethod(p->obj, "seek", "K", (unsigned long long)offset);
    if (!r)
        rc = -1;
    Py_XDECREF(r);
    while (rc > 0 && got < n)
        rc = pysrc_read_some(p->obj, buf, n, &got);
    char why[200] = "";
    if (rc < 0)
        pysrc_exception(why, sizeof why);
    PyGILState_Release(g);
    if (rc >= 0 && got == n)
        return RF_OK;
    if (err) {
        err->code = RF_ERR_IO;
        if (rc < 0)
            snprintf(err->msg, sizeof err->msg, "%s: reading %zu bytes at offset %llu: %s", p->name, n,
                     (unsigned long long)offset, why);
        else
            snprintf(err->msg, sizeof err->msg, "%s: the file object gave %zu of the %zu bytes at offset %llu",
                     p->name, got, n, (unsigned long long)offset);
    }
    return RF_ERR_IO;
}

static void pysrc_close(void *ctx)
{
    pysrc *p = ctx;
    PyGILState_STATE g = PyGILState_Ensure();
    Py_DECREF(p->obj);
    PyGILState_Release(g);
    free(p);
}

/* obj's size: seek(0, 2) then tell(); -1 with an exception set when it cannot seek. */
static long long pysrc_size(PyObject *obj)
{
    PyObject *r = PyObject_CallMethod(obj, "seek", "ii", 0, 2);
    if (!r)
        return -1;
    Py_DECREF(r);
    r = PyObject_CallMethod(obj, "tell", NULL);
    long long size = r ? PyLong_AsLongLong(r) : -1;
    Py_XDECREF(r);
    return size;
}

/* A source over the file object obj, named name. */
static rf_source *pysrc_new(PyObject *obj, const char *name)
{
    long long size = pysrc_size(obj);
    if (size < 0) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_ValueError, "%s: the file object gives a negative size", name);
        return NULL;
    }
    pysrc *p = calloc(1, sizeof *p);
    if (!p) {
        PyErr_NoMemory();
        return NULL;
    }
    Py_INCREF(obj);
    p->obj = obj;
    snprintf(p->name, sizeof p->name, "%s", name);
    rf_source_ops ops = {sizeof ops, pysrc_read, NULL, NULL, pysrc_close, 0, 0};
    rf_source *src = NULL;
    rf_error err = {0};
    rf_status s = rf_source_new(&ops, p, (uint64_t)size, name, &src, &err); /* (closes p on failure) */
    if (s) {
        rfpy_raise(s, err.msg);
        return NULL;
    }
    return src;
}

/* ------------------------------------------------------------------ File */

static int file_init_common(FileObject *fo)
{
    if (fo->f) {
        PyErr_SetString(PyExc_RuntimeError, "File already initialised");
        return -1;
    }
    if (!fo->lock && !(fo->lock = PyThread_allocate_lock())) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* File(fileobj, name): a ROOT file read through fileobj's seek and read. */
static int file_init_object(FileObject *fo, PyObject *obj, const char *name)
{
    if (file_init_common(fo))
        return -1;
    rf_source *src = pysrc_new(obj, name);
    if (!src)
        return -1;
    rf_error err = {0};
    rf_status s;
    Py_BEGIN_ALLOW_THREADS
    s = rf_file_open_source(src, &fo->f, &err);
    Py_END_ALLOW_THREADS
    if (s) {
        rfpy_raise(s, err.msg);
        return -1;
    }
    return 0;
}

static int File_init(FileObject *fo, PyObject *args, PyObject *kw)
{
    static char *names[] = {"path", "name", NULL};
    PyObject *arg;
    const char *name = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|s", names, &arg, &name))
        return -1;
    if (!PyUnicode_Check(arg) && !PyBytes_Check(arg) && !PyObject_HasAttrString(arg, "__fspath__"))
        return file_init_object(fo, arg, name ? name : "<file object>");
    PyObject *path;
    if (!PyUnicode_FSConverter(arg, &path))
        return -1;
    if (file_init_common(fo)) {
        Py_DECREF(path);
        return -1;
    }
    rf_error err = {0};
    rf_status s;
    const char *p = PyBytes_AS_STRING(path);
    Py_BEGIN_ALLOW_THREADS
    s = rf_file_open(p, &fo->f, &err);
    Py_END_ALLOW_THREADS
    Py_DECREF(path);
    if (s) {
        rfpy_raise(s, err.msg);
        return -1;
    }
    return 0;
}

static void File_dealloc(FileObject *fo)
{
    rf_file_close(fo->f);
    if (fo->lock)
        PyThread_free_lock(fo->lock);
    Py_TYPE(fo)->tp_free((PyObject *)fo);
}

static int file_check_open(FileObject *fo)
{
    if (!fo->f || fo->closed) {
        PyErr_SetString(PyExc_ValueError, "I/O operation on a closed file");
        return -1;
    }
    return 0;
}

static PyObject *File_close(FileObject *fo, PyObject *unused)
{
    (void)unused;
    fo->closed = 1;
    file_release_c(fo);
    Py_RETURN_NONE;
}

/* [(path, class_name, title, cycle, is_table), ...] */
static PyObject *File_list(FileObject *fo, PyObject *unused)
{
    (void)unused;
    if (file_check_open(fo))
        return NULL;
    rf_object_info *items = NULL;
    size_t n = 0;
    rf_error err = {0};
    rf_status s;
    LOCKED_C_CALL(fo, s = rf_file_list(fo->f, &items, &n, &err));
    if (s)
        return rfpy_raise(s, err.msg);
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        PyObject *t = Py_BuildValue("(sssiO)", items[i].path, items[i].class_name,
                                    items[i].title ? items[i].title : "", items[i].cycle,
                                    items[i].is_table ? Py_True : Py_False);
        if (!t)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    rf_object_list_free(items, n);
    return list;
}

static PyObject *File_name(FileObject *fo, void *closure)
{
    (void)closure;
    if (!fo->f)
        Py_RETURN_NONE;
    return PyUnicode_DecodeFSDefault(rf_file_name(fo->f));
}

static PyObject *File_closed(FileObject *fo, void *closure)
{
    (void)closure;
    return PyBool_FromLong(fo->closed || !fo->f);
}

static PyMethodDef File_methods[] = {
    {"list", (PyCFunction)File_list, METH_NOARGS,
     "list() -> [(path, class_name, title, cycle, is_table)]: every object, recursively"},
    {"close", (PyCFunction)File_close, METH_NOARGS, "close(): no new reads; arrays stay valid"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef File_getset[] = {
    {"name", (getter)File_name, NULL, "the path the file was opened with", NULL},
    {"closed", (getter)File_closed, NULL, "True after close()", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject File_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rootfeed._core.File",
    .tp_basicsize = sizeof(FileObject),
    .tp_dealloc = (destructor)File_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "File(path) or File(fileobj, name): an open ROOT file (rf_file).",
    .tp_methods = File_methods,
    .tp_getset = File_getset,
    .tp_init = (initproc)File_init,
    .tp_new = PyType_GenericNew,
};

/* ------------------------------------------------------------------ Table */

typedef struct {
    PyObject_HEAD
    FileObject *file;
    rf_table *t;
} TableObject;

static PyTypeObject Table_Type;

static int Table_init(TableObject *to, PyObject *args, PyObject *kw)
{
    static char *names[] = {"file", "path", NULL};
    FileObject *fo;
    const char *path;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!s", names, &File_Type, &fo, &path))
        return -1;
    if (to->file) {
        PyErr_SetString(PyExc_RuntimeError, "Table already initialised");
        return -1;
    }
    if (file_check_open(fo))
        return -1;
    rf_error err = {0};
    rf_status s;
    LOCKED_C_CALL(fo, s = rf_table_open(fo->f, path, &to->t, &err));
    if (s) {
        rfpy_raise(s, err.msg);
        return -1;
    }
    to->file = (FileObject *)Py_NewRef((PyObject *)fo);
    fo->ntables++;
    return 0;
}

static void table_release(TableObject *to)
{
    if (!to->file)
        return;
    rf_table_close(to->t);
    to->t = NULL;
    to->file->ntables--;
    file_release_c(to->file);
    Py_CLEAR(to->file);
}

static void Table_dealloc(TableObject *to)
{
    table_release(to);
    Py_TYPE(to)->tp_free((PyObject *)to);
}

static int table_check(TableObject *to)
{
    if (!to->t) {
        PyErr_SetString(PyExc_ValueError, "table is closed");
        return -1;
    }
    return file_check_open(to->file);
}

static PyObject *Table_close(TableObject *to, PyObject *unused)
{
    (void)unused;
    table_release(to);
    Py_RETURN_NONE;
}

PyObject *rfpy_shape_tuple(const int64_t *shape, int ndims)
{
    PyObject *t = PyTuple_New(ndims);
    for (int i = 0; t && i < ndims; i++) {
        PyObject *v = PyLong_FromLongLong(shape[i]);
        if (!v) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, v);
    }
    return t;
}

/* {name, type_name, dtype, kind, nlevels, shape, unsupported, compressed_bytes,
 *  uncompressed_bytes, nblocks} of one column */
PyObject *rfpy_column_info(const rf_column_info *c)
{
    return Py_BuildValue(
        "{s:s,s:s,s:s,s:s,s:i,s:N,s:z,s:L,s:L,s:L}", "name", c->name, "type_name",
        c->type_name ? c->type_name : "", "dtype", rf_dtype_name(c->dtype), "kind",
        rf_kind_name(c->kind), "nlevels", c->nlevels, "shape", rfpy_shape_tuple(c->shape, c->ndims),
        "unsupported", c->unsupported, "compressed_bytes", (long long)c->compressed_bytes,
        "uncompressed_bytes", (long long)c->uncompressed_bytes, "nblocks", (long long)c->nblocks);
}

static PyObject *Table_columns(TableObject *to, PyObject *unused)
{
    (void)unused;
    if (!to->t)
        return PyErr_Format(PyExc_ValueError, "table is closed");
    size_t n = rf_table_ncolumns(to->t);
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        PyObject *d = rfpy_column_info(rf_table_column(to->t, i));
        if (!d)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, (Py_ssize_t)i, d);
    }
    return list;
}

static PyObject *Table_clusters(TableObject *to, PyObject *unused)
{
    (void)unused;
    if (!to->t)
        return PyErr_Format(PyExc_ValueError, "table is closed");
    size_t n;
    const int64_t *b = rf_table_clusters(to->t, &n);
    return rfpy_buffer_copy(b, (Py_ssize_t)(n + 1), RF_INT64);
}

/* read(col, first, last) -> (values, (offsets per level...), nentries) */
static PyObject *Table_read(TableObject *to, PyObject *args)
{
    Py_ssize_t col;
    long long first, last;
    if (!PyArg_ParseTuple(args, "nLL", &col, &first, &last) || table_check(to))
        return NULL;
    if (col < 0 || (size_t)col >= rf_table_ncolumns(to->t))
        return PyErr_Format(PyExc_IndexError, "column index %zd out of range", col);
    rf_column_data d;
    rf_column_data_init(&d);
    rf_error err = {0};
    rf_status s;
    LOCKED_C_CALL(to->file, s = rf_table_read(to->t, (size_t)col, first, last, &d, &err));
    if (s) {
        rf_column_data_free(&d);
        return rfpy_raise(s, err.msg);
    }
    return rfpy_column_tuple(&d);
}

static PyObject *Table_name(TableObject *to, void *c)
{
    (void)c;
    return to->t ? PyUnicode_FromString(rf_table_name(to->t)) : Py_NewRef(Py_None);
}

static PyObject *Table_class(TableObject *to, void *c)
{
    (void)c;
    return to->t ? PyUnicode_FromString(rf_table_class(to->t)) : Py_NewRef(Py_None);
}

static PyObject *Table_entries(TableObject *to, void *c)
{
    (void)c;
    return to->t ? PyLong_FromLongLong(rf_table_entries(to->t)) : Py_NewRef(Py_None);
}

static PyMethodDef Table_methods[] = {
    {"columns", (PyCFunction)Table_columns, METH_NOARGS, "columns() -> [dict]: the schema"},
    {"clusters", (PyCFunction)Table_clusters, METH_NOARGS,
     "clusters() -> Buffer of int64 cluster boundaries (n + 1 values)"},
    {"read", (PyCFunction)Table_read, METH_VARARGS,
     "read(col, first, last) -> (values, (offsets per level), nentries): new Buffers"},
    {"close", (PyCFunction)Table_close, METH_NOARGS, "close()"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Table_getset[] = {
    {"name", (getter)Table_name, NULL, "object path", NULL},
    {"class_name", (getter)Table_class, NULL, "'TTree' or 'RNTuple'", NULL},
    {"entries", (getter)Table_entries, NULL, "number of entries", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject Table_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rootfeed._core.Table",
    .tp_basicsize = sizeof(TableObject),
    .tp_dealloc = (destructor)Table_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Table(file, path): a TTree, TNtuple or RNTuple of a File (rf_table).",
    .tp_methods = Table_methods,
    .tp_getset = Table_getset,
    .tp_init = (initproc)Table_init,
    .tp_new = PyType_GenericNew,
};

/* ------------------------------------------------------------------ Plan */

typedef struct {
    PyObject_HEAD
    rf_expr_plan *p;
    PyThread_type_lock lock;
} PlanObject;

static PyTypeObject Plan_Type;

int rfpy_dtype(const char *name)
{
    for (int d = 0; d < RF_DTYPE_COUNT; d++)
        if (!strcmp(name, rf_dtype_name((rf_dtype)d)))
            return d;
    PyErr_Format(PyExc_ValueError, "unknown dtype '%s'", name);
    return -1;
}

/* Plan(schema): schema = [(name, dtype, nlevels, fixed)] */
static int Plan_init(PlanObject *po, PyObject *args, PyObject *kw)
{
    static char *names[] = {"schema", NULL};
    PyObject *schema;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!", names, &PyList_Type, &schema))
        return -1;
    if (po->p) {
        PyErr_SetString(PyExc_RuntimeError, "Plan already initialised");
        return -1;
    }
    Py_ssize_t n = PyList_GET_SIZE(schema);
    rf_expr_column *cols = calloc((size_t)n + 1, sizeof *cols);
    if (!cols) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *dt;
        int nl;
        long long fixed;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(schema, i), "ssiL", &cols[i].name, &dt, &nl, &fixed)) {
            free(cols);
            return -1;
        }
        int d = rfpy_dtype(dt);
        if (d < 0) {
            free(cols);
            return -1;
        }
        cols[i].dtype = (rf_dtype)d;
        cols[i].nlevels = nl;
        cols[i].fixed = fixed;
    }
    rf_error err = {0};
    rf_status s = rf_expr_plan_create(cols, (size_t)n, &po->p, &err);
    free(cols);
    if (s) {
        rfpy_raise(s, err.msg);
        return -1;
    }
    if (!(po->lock = PyThread_allocate_lock())) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void Plan_dealloc(PlanObject *po)
{
    rf_expr_plan_free(po->p);
    if (po->lock)
        PyThread_free_lock(po->lock);
    Py_TYPE(po)->tp_free((PyObject *)po);
}

static int plan_check(PlanObject *po)
{
    if (!po->p) {
        PyErr_SetString(PyExc_ValueError, "uninitialised Plan");
        return -1;
    }
    return 0;
}

static PyObject *Plan_filter(PlanObject *po, PyObject *args)
{
    const char *text;
    if (!PyArg_ParseTuple(args, "s", &text) || plan_check(po))
        return NULL;
    rf_error err = {0};
    rf_status s = rf_expr_plan_filter(po->p, text, &err);
    return s ? rfpy_raise(s, err.msg) : Py_NewRef(Py_None);
}

static PyObject *Plan_define(PlanObject *po, PyObject *args)
{
    const char *name, *text;
    if (!PyArg_ParseTuple(args, "ss", &name, &text) || plan_check(po))
        return NULL;
    rf_error err = {0};
    rf_status s = rf_expr_plan_define(po->p, name, text, &err);
    return s ? rfpy_raise(s, err.msg) : Py_NewRef(Py_None);
}

static PyObject *Plan_inputs(PlanObject *po, PyObject *unused)
{
    (void)unused;
    if (plan_check(po))
        return NULL;
    size_t n = rf_expr_plan_ninputs(po->p);
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; l && i < n; i++) {
        PyObject *s = PyUnicode_FromString(rf_expr_plan_input(po->p, i));
        if (!s)
            Py_CLEAR(l);
        else
            PyList_SET_ITEM(l, (Py_ssize_t)i, s);
    }
    return l;
}

/* [(name, dtype, nlevels)] of the defines, in order */
static PyObject *Plan_defines(PlanObject *po, PyObject *unused)
{
    (void)unused;
    if (plan_check(po))
        return NULL;
    size_t n = rf_expr_plan_ndefines(po->p);
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; l && i < n; i++) {
        const rf_expr *e = rf_expr_plan_define_expr(po->p, i);
        PyObject *t = Py_BuildValue("(ssi)", rf_expr_plan_define_name(po->p, i),
                                    rf_dtype_name(rf_expr_dtype(e)), rf_expr_nlevels(e));
        if (!t)
            Py_CLEAR(l);
        else
            PyList_SET_ITEM(l, (Py_ssize_t)i, t);
    }
    return l;
}

/* Fills one rf_expr_column's data from (dtype, values, (offsets...), nentries); the views are
 * held in views[0..1] (values, level-0 offsets) and released by the caller. */
static int input_from_tuple(PyObject *t, rf_column_data *d, Py_buffer views[2])
{
    const char *dt;
    PyObject *values, *offs;
    long long nentries;
    if (!PyArg_ParseTuple(t, "sOO!L", &dt, &values, &PyTuple_Type, &offs, &nentries))
        return -1;
    int dtype = rfpy_dtype(dt);
    if (dtype < 0)
        return -1;
    if (PyTuple_GET_SIZE(offs) > 1) {
        PyErr_SetString(PyExc_ValueError, "expressions read at most one jagged level");
        return -1;
    }
    if (PyObject_GetBuffer(values, &views[0], PyBUF_SIMPLE))
        return -1;
    rf_column_data_init(d);
    d->dtype = (rf_dtype)dtype;
    d->nentries = nentries;
    d->values = views[0].buf;
    d->nvalues = (int64_t)(views[0].len / (Py_ssize_t)rf_dtype_size(d->dtype));
    if (PyTuple_GET_SIZE(offs) == 1) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(offs, 0), &views[1], PyBUF_SIMPLE)) {
            PyBuffer_Release(&views[0]);
            return -1;
        }
        if (views[1].len != (Py_ssize_t)((nentries + 1) * 8)) {
            PyBuffer_Release(&views[0]);
            PyBuffer_Release(&views[1]);
            PyErr_SetString(PyExc_ValueError, "offsets must hold nentries + 1 int64 values");
            return -1;
        }
        d->nlevels = 1;
        d->offsets[0] = views[1].buf;
    }
    return 0;
}

/* eval(inputs, first_entry, n) -> (mask Buffer(bool), nselected, [define tuples]);
 * inputs = [(dtype, values, (offsets...), nentries)] in the order of inputs(). The defines'
 * values are copied out of the plan. */
static PyObject *Plan_eval(PlanObject *po, PyObject *args)
{
    PyObject *inputs;
    long long first, n;
    if (!PyArg_ParseTuple(args, "O!LL", &PyList_Type, &inputs, &first, &n) || plan_check(po))
        return NULL;
    size_t nin = rf_expr_plan_ninputs(po->p);
    if ((size_t)PyList_GET_SIZE(inputs) != nin)
        return PyErr_Format(PyExc_ValueError, "eval: %zu inputs expected", nin);
    rf_column_data *data = calloc(nin + 1, sizeof *data);
    rf_expr_column *cols = calloc(nin + 1, sizeof *cols);
    Py_buffer *views = calloc(2 * nin + 1, sizeof *views);
    uint8_t *mask = malloc((size_t)n + 1);
    PyObject *result = NULL;
    size_t ok = 0;
    if (!data || !cols || !views || !mask) {
        PyErr_NoMemory();
        goto done;
    }
    for (; ok < nin; ok++) {
        if (input_from_tuple(PyList_GET_ITEM(inputs, (Py_ssize_t)ok), &data[ok], &views[2 * ok]))
            goto done;
        cols[ok].name = rf_expr_plan_input(po->p, ok);
        cols[ok].dtype = data[ok].dtype;
        cols[ok].nlevels = data[ok].nlevels;
        cols[ok].data = &data[ok];
    }
    rf_error err = {0};
    rf_status s;
    int64_t nsel = 0;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(po->lock, WAIT_LOCK);
    s = rf_expr_plan_eval(po->p, cols, nin, first, n, mask, &nsel, &err);
    PyThread_release_lock(po->lock);
    Py_END_ALLOW_THREADS
    if (s) {
        rfpy_raise(s, err.msg);
        goto done;
    }
    size_t nd = rf_expr_plan_ndefines(po->p);
    PyObject *defs = PyList_New((Py_ssize_t)nd);
    for (size_t i = 0; defs && i < nd; i++) {
        const rf_column_data *r = rf_expr_plan_result(po->p, i);
        PyObject *vals = rfpy_buffer_copy(r->values, (Py_ssize_t)r->nvalues, r->dtype);
        PyObject *offs = PyTuple_New(r->nlevels);
        if (offs && r->nlevels)
            PyTuple_SET_ITEM(offs, 0, rfpy_buffer_copy(r->offsets[0], (Py_ssize_t)(r->nentries + 1), RF_INT64));
        PyObject *t = vals && offs && (!r->nlevels || PyTuple_GET_ITEM(offs, 0))
                          ? Py_BuildValue("(OOL)", vals, offs, (long long)r->nentries) : NULL;
        Py_XDECREF(vals);
        Py_XDECREF(offs);
        if (!t)
            Py_CLEAR(defs);
        else
            PyList_SET_ITEM(defs, (Py_ssize_t)i, t);
    }
    if (defs) {
        PyObject *m = rfpy_buffer_new(mask, (Py_ssize_t)n, RF_BOOL);
        mask = NULL;
        result = m ? Py_BuildValue("(NLN)", m, (long long)nsel, defs) : NULL;
        if (!m)
            Py_DECREF(defs);
    }
done:
    for (size_t i = 0; i < ok; i++) {
        PyBuffer_Release(&views[2 * i]);
        if (data[i].nlevels)
            PyBuffer_Release(&views[2 * i + 1]);
    }
    free(data);
    free(cols);
    free(views);
    free(mask);
    return result;
}

static PyObject *Plan_stats(PlanObject *po, PyObject *unused)
{
    (void)unused;
    if (plan_check(po))
        return NULL;
    rf_expr_stats st;
    rf_expr_plan_get_stats(po->p, &st);
    return Py_BuildValue("{s:L,s:L,s:L,s:L}", "entries", (long long)st.entries, "selected",
                         (long long)st.selected, "out_of_range", (long long)st.out_of_range,
                         "empty_reduction", (long long)st.empty_reduction);
}

static PyMethodDef Plan_methods[] = {
    {"filter", (PyCFunction)Plan_filter, METH_VARARGS, "filter(text): add a Filter step"},
    {"define", (PyCFunction)Plan_define, METH_VARARGS, "define(name, text): add a Define step"},
    {"inputs", (PyCFunction)Plan_inputs, METH_NOARGS, "inputs() -> schema columns the steps read"},
    {"defines", (PyCFunction)Plan_defines, METH_NOARGS, "defines() -> [(name, dtype, nlevels)]"},
    {"eval", (PyCFunction)Plan_eval, METH_VARARGS,
     "eval(inputs, first_entry, n) -> (mask, nselected, [(values, (offsets,), nentries)])"},
    {"stats", (PyCFunction)Plan_stats, METH_NOARGS, "stats() -> dict of counters"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Plan_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rootfeed._core.Plan",
    .tp_basicsize = sizeof(PlanObject),
    .tp_dealloc = (destructor)Plan_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Plan(schema): filters and defines (rf_expr_plan) over [(name, dtype, nlevels, fixed)].",
    .tp_methods = Plan_methods,
    .tp_init = (initproc)Plan_init,
    .tp_new = PyType_GenericNew,
};

/* ------------------------------------------------------------------ module */

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "rootfeed._core",
    .m_doc = "The C library of rootfeed, wrapped 1:1 (use the rootfeed package instead).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__core(void)
{
    PyTypeObject *types[] = {&Buffer_Type, &File_Type, &Table_Type, &Plan_Type, &rfpy_Dataset_Type,
                             &rfpy_Writer_Type};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (PyType_Ready(types[i]) < 0)
            return NULL;
    PyObject *m = PyModule_Create(&core_module);
    if (!m)
        return NULL;
    FormatError = PyErr_NewExceptionWithDoc("rootfeed.FormatError",
        "Corrupt or unsupported data in a ROOT file (the message names file, object, column "
        "and byte offset).", NULL, NULL);
    if (!FormatError || PyModule_AddObjectRef(m, "FormatError", FormatError) < 0 ||
        PyModule_AddObjectRef(m, "Buffer", (PyObject *)&Buffer_Type) < 0 ||
        PyModule_AddObjectRef(m, "File", (PyObject *)&File_Type) < 0 ||
        PyModule_AddObjectRef(m, "Table", (PyObject *)&Table_Type) < 0 ||
        PyModule_AddObjectRef(m, "Plan", (PyObject *)&Plan_Type) < 0 ||
        PyModule_AddObjectRef(m, "Dataset", (PyObject *)&rfpy_Dataset_Type) < 0 ||
        PyModule_AddObjectRef(m, "Writer", (PyObject *)&rfpy_Writer_Type) < 0 ||
        PyModule_AddStringConstant(m, "version", RF_VERSION_STRING) < 0 || rfpy_loader_ready(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
