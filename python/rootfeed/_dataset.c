/* _dataset.c - rootfeed._core.Dataset: an rf_dataset (include/rootfeed_dataset.h) with one
 * reader for calls from Python. Configuration methods (add_friend, add_constant, filter,
 * define, set_range) come first; reads make the reader, after which the C dataset refuses
 * configuration. C calls run without the GIL under the dataset's lock. The loader (_loader.c)
 * takes the rf_dataset itself (rfpy_dataset_ptr). */
#include "_core.h"

#include <pythread.h>
#include <stdlib.h>

typedef struct {
    PyObject_HEAD
    rf_dataset *ds;
    rf_dataset_reader *r;
    PyThread_type_lock lock;
} DatasetObject;

#define DS_CALL(o, stmt) \
    do { \
        Py_BEGIN_ALLOW_THREADS \
        PyThread_acquire_lock((o)->lock, WAIT_LOCK); \
        stmt; \
        PyThread_release_lock((o)->lock); \
        Py_END_ALLOW_THREADS \
    } while (0)

/* Fills paths/objects (borrowed UTF-8 of the list items) from two lists of equal length;
 * objects may hold None. Returns the count or -1 with an exception set. */
static Py_ssize_t spec_lists(PyObject *paths, PyObject *objects, const char ***p, const char ***o)
{
    if (!PyList_Check(paths) || !PyList_Check(objects) || PyList_GET_SIZE(paths) != PyList_GET_SIZE(objects)) {
        PyErr_SetString(PyExc_TypeError, "paths and objects: two lists of equal length");
        return -1;
    }
    Py_ssize_t n = PyList_GET_SIZE(paths);
    *p = calloc((size_t)n + 1, sizeof **p);
    *o = calloc((size_t)n + 1, sizeof **o);
    if (!*p || !*o) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *ob = PyList_GET_ITEM(objects, i);
        if (!((*p)[i] = PyUnicode_AsUTF8(PyList_GET_ITEM(paths, i))))
            return -1;
        if (ob != Py_None && !((*o)[i] = PyUnicode_AsUTF8(ob)))
            return -1;
    }
    return n;
}

static int Dataset_init(DatasetObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"paths", "objects", NULL};
    PyObject *paths, *objects;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO", names, &paths, &objects))
        return -1;
    if (self->ds) {
        PyErr_SetString(PyExc_RuntimeError, "Dataset already initialised");
        return -1;
    }
    const char **p = NULL, **o = NULL;
    Py_ssize_t n = spec_lists(paths, objects, &p, &o);
    int rc = -1;
    if (n >= 0 && (self->lock = PyThread_allocate_lock())) {
        rf_error err = {0};
        rf_status s;
        Py_BEGIN_ALLOW_THREADS
        s = rf_dataset_open(p, o, (size_t)n, &self->ds, &err);
        Py_END_ALLOW_THREADS
        rc = s ? (rfpy_raise(s, err.msg), -1) : 0;
    } else if (n >= 0) {
        PyErr_NoMemory();
    }
    free(p);
    free(o);
    return rc;
}

static void Dataset_dealloc(DatasetObject *self)
{
    rf_dataset_reader_free(self->r);
    rf_dataset_free(self->ds);
    if (self->lock)
        PyThread_free_lock(self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

rf_dataset *rfpy_dataset_ptr(PyObject *o)
{
    if (!PyObject_TypeCheck(o, &rfpy_Dataset_Type) || !((DatasetObject *)o)->ds) {
        PyErr_SetString(PyExc_TypeError, "datasets: a list of initialised rootfeed._core.Dataset");
        return NULL;
    }
    return ((DatasetObject *)o)->ds;
}

static int check(DatasetObject *self)
{
    if (!self->ds) {
        PyErr_SetString(PyExc_ValueError, "uninitialised Dataset");
        return -1;
    }
    return 0;
}

static PyObject *done(rf_status s, const rf_error *err)
{
    return s ? rfpy_raise(s, err->msg) : Py_NewRef(Py_None);
}

static PyObject *Dataset_add_friend(DatasetObject *self, PyObject *args)
{
    PyObject *paths, *objects;
    const char *alias;
    if (!PyArg_ParseTuple(args, "OOs", &paths, &objects, &alias) || check(self))
        return NULL;
    const char **p = NULL, **o = NULL;
    Py_ssize_t n = spec_lists(paths, objects, &p, &o);
    PyObject *r = NULL;
    if (n >= 0) {
        rf_error err = {0};
        rf_status s;
        DS_CALL(self, s = rf_dataset_add_friend(self->ds, p, o, (size_t)n, alias, &err));
        r = done(s, &err);
    }
    free(p);
    free(o);
    return r;
}

static PyObject *Dataset_add_constant(DatasetObject *self, PyObject *args)
{
    const char *name, *dtype;
    PyObject *values;
    if (!PyArg_ParseTuple(args, "ssO", &name, &dtype, &values) || check(self))
        return NULL;
    int dt = rfpy_dtype(dtype);
    if (dt < 0)
        return NULL;
    size_t nf = rf_dataset_nfiles(self->ds);
    PyObject *seq = PySequence_Fast(values, "values: a sequence of numbers, one per file");
    if (!seq)
        return NULL;
    if ((size_t)PySequence_Fast_GET_SIZE(seq) != nf) {
        Py_DECREF(seq);
        return PyErr_Format(PyExc_ValueError, "constant '%s': %zd values for %zu files", name,
                            PySequence_Fast_GET_SIZE(seq), nf);
    }
    double *v = malloc((nf + 1) * sizeof *v);
    for (size_t i = 0; v && i < nf; i++) {
        v[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, (Py_ssize_t)i));
        if (v[i] == -1.0 && PyErr_Occurred()) {
            free(v);
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    if (!v)
        return PyErr_NoMemory();
    rf_error err = {0};
    rf_status s;
    DS_CALL(self, s = rf_dataset_add_constant(self->ds, name, (rf_dtype)dt, v, &err));
    free(v);
    return done(s, &err);
}

static PyObject *Dataset_filter(DatasetObject *self, PyObject *args)
{
    const char *text;
    if (!PyArg_ParseTuple(args, "s", &text) || check(self))
        return NULL;
    rf_error err = {0};
    rf_status s;
    DS_CALL(self, s = rf_dataset_filter(self->ds, text, &err));
    return done(s, &err);
}

static PyObject *Dataset_define(DatasetObject *self, PyObject *args)
{
    const char *name, *text;
    if (!PyArg_ParseTuple(args, "ss", &name, &text) || check(self))
        return NULL;
    rf_error err = {0};
    rf_status s;
    DS_CALL(self, s = rf_dataset_define(self->ds, name, text, &err));
    return done(s, &err);
}

static PyObject *Dataset_set_range(DatasetObject *self, PyObject *args)
{
    long long a, b;
    if (!PyArg_ParseTuple(args, "LL", &a, &b) || check(self))
        return NULL;
    rf_error err = {0};
    rf_status s;
    DS_CALL(self, s = rf_dataset_set_range(self->ds, a, b, &err));
    return done(s, &err);
}

static PyObject *Dataset_columns(DatasetObject *self, PyObject *unused)
{
    (void)unused;
    if (check(self))
        return NULL;
    size_t n = rf_dataset_ncolumns(self->ds);
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        PyObject *d = rfpy_column_info(rf_dataset_column(self->ds, i));
        if (!d)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, (Py_ssize_t)i, d);
    }
    return list;
}

static PyObject *Dataset_clusters(DatasetObject *self, PyObject *unused)
{
    (void)unused;
    if (check(self))
        return NULL;
    size_t n;
    const int64_t *b = rf_dataset_clusters(self->ds, &n);
    return rfpy_buffer_copy(b, (Py_ssize_t)(n + 1), RF_INT64);
}

/* [(path, object, first global entry, end)] */
static PyObject *Dataset_files(DatasetObject *self, PyObject *unused)
{
    (void)unused;
    if (check(self))
        return NULL;
    size_t n = rf_dataset_nfiles(self->ds);
    const int64_t *st = rf_dataset_file_starts(self->ds);
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        PyObject *t = Py_BuildValue("(ssLL)", rf_dataset_file_path(self->ds, i),
                                    rf_dataset_file_object(self->ds, i), (long long)st[i],
                                    (long long)st[i + 1]);
        if (!t)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    return list;
}

static int ensure_reader(DatasetObject *self, rf_error *err)
{
    if (self->r)
        return 0;
    rf_status s = rf_dataset_reader_new(self->ds, &self->r, err);
    return s ? (int)s : 0;
}

/* read(col, first, last) -> (values, (offsets...), nentries) */
static PyObject *Dataset_read(DatasetObject *self, PyObject *args)
{
    Py_ssize_t col;
    long long a, b;
    if (!PyArg_ParseTuple(args, "nLL", &col, &a, &b) || check(self))
        return NULL;
    if (col < 0)
        return PyErr_Format(PyExc_IndexError, "column index %zd out of range", col);
    rf_column_data d;
    rf_column_data_init(&d);
    rf_error err = {0};
    rf_status s;
    DS_CALL(self, s = ensure_reader(self, &err) ? err.code
                                                : rf_dataset_read(self->r, (size_t)col, a, b, &d, &err));
    if (s) {
        rf_column_data_free(&d);
        return rfpy_raise(s, err.msg);
    }
    return rfpy_column_tuple(&d);
}

/* select(first, last) -> (mask Buffer of bool, npass) */
static PyObject *Dataset_select(DatasetObject *self, PyObject *args)
{
    long long a, b;
    if (!PyArg_ParseTuple(args, "LL", &a, &b) || check(self))
        return NULL;
    if (b < a || a < 0)
        return PyErr_Format(PyExc_ValueError, "bad entry range [%lld, %lld)", a, b);
    uint8_t *mask = malloc((size_t)(b - a) + 1);
    if (!mask)
        return PyErr_NoMemory();
    rf_error err = {0};
    rf_status s;
    int64_t npass = 0;
    DS_CALL(self, s = ensure_reader(self, &err) ? err.code
                                                : rf_dataset_select(self->r, a, b, mask, &npass, &err));
    if (s) {
        free(mask);
        return rfpy_raise(s, err.msg);
    }
    PyObject *m = rfpy_buffer_new(mask, (Py_ssize_t)(b - a), RF_BOOL);
    return m ? Py_BuildValue("(NL)", m, (long long)npass) : NULL;
}

static PyObject *Dataset_entries(DatasetObject *self, void *c)
{
    (void)c;
    return self->ds ? PyLong_FromLongLong(rf_dataset_entries(self->ds)) : Py_NewRef(Py_None);
}

static PyObject *Dataset_has_filter(DatasetObject *self, void *c)
{
    (void)c;
    return self->ds ? PyBool_FromLong(rf_dataset_has_filter(self->ds)) : Py_NewRef(Py_None);
}

static PyMethodDef Dataset_methods[] = {
    {"add_friend", (PyCFunction)Dataset_add_friend, METH_VARARGS, "add_friend(paths, objects, alias)"},
    {"add_constant", (PyCFunction)Dataset_add_constant, METH_VARARGS,
     "add_constant(name, dtype, values): one value per file"},
    {"filter", (PyCFunction)Dataset_filter, METH_VARARGS, "filter(expression)"},
    {"define", (PyCFunction)Dataset_define, METH_VARARGS, "define(name, expression)"},
    {"set_range", (PyCFunction)Dataset_set_range, METH_VARARGS, "set_range(first, last): raw entries"},
    {"columns", (PyCFunction)Dataset_columns, METH_NOARGS, "columns() -> [dict]"},
    {"clusters", (PyCFunction)Dataset_clusters, METH_NOARGS, "clusters() -> Buffer of int64 boundaries"},
    {"files", (PyCFunction)Dataset_files, METH_NOARGS, "files() -> [(path, object, start, end)]"},
    {"read", (PyCFunction)Dataset_read, METH_VARARGS,
     "read(col, first, last) -> (values, (offsets...), nentries)"},
    {"select", (PyCFunction)Dataset_select, METH_VARARGS, "select(first, last) -> (mask, npass)"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Dataset_getset[] = {
    {"entries", (getter)Dataset_entries, NULL, "entries (after the range, before filters)", NULL},
    {"has_filter", (getter)Dataset_has_filter, NULL, "whether a filter step exists", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject rfpy_Dataset_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rootfeed._core.Dataset",
    .tp_basicsize = sizeof(DatasetObject),
    .tp_dealloc = (destructor)Dataset_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Dataset(paths, objects): an rf_dataset over many files (TChain semantics).",
    .tp_methods = Dataset_methods,
    .tp_getset = Dataset_getset,
    .tp_init = (initproc)Dataset_init,
    .tp_new = PyType_GenericNew,
};
