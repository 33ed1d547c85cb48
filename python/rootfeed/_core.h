/* _core.h - what the C files of the extension rootfeed._core share: the exception mapping,
 * Buffers (zero-copy memory handed to Python), column descriptions, and the types each file
 * defines (_core.c: Buffer, File, Table, Plan; _dataset.c: Dataset; _writer.c: Writer;
 * _loader.c: Loader, Tensor). */
#ifndef RFPY_CORE_H
#define RFPY_CORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "rootfeed.h"

/* Raises the exception that matches s (FileNotFoundError, KeyError, ValueError, OSError,
 * MemoryError, rootfeed.FormatError) with the C message; returns NULL. */
PyObject *rfpy_raise(rf_status s, const char *msg);
/* A Buffer owning data (malloc'd; freed with it, also on failure) of nitems items. */
PyObject *rfpy_buffer_new(void *data, Py_ssize_t nitems, rf_dtype dtype);
/* A Buffer holding a copy of nitems items. */
PyObject *rfpy_buffer_copy(const void *src, Py_ssize_t nitems, rf_dtype dtype);
/* (values, (offsets per level...), nentries), taking over d's buffers (d is left empty). */
PyObject *rfpy_column_tuple(rf_column_data *d);
PyObject *rfpy_shape_tuple(const int64_t *shape, int ndims);
/* A dict describing one column (name, type_name, dtype, kind, nlevels, shape, ...). */
PyObject *rfpy_column_info(const rf_column_info *c);
/* The dtype named name ("float32", ...), or -1 with ValueError set. */
int rfpy_dtype(const char *name);

extern PyTypeObject rfpy_Dataset_Type;
extern PyTypeObject rfpy_Writer_Type;
extern PyTypeObject rfpy_Loader_Type;

/* The rf_dataset of a Dataset object, or NULL with TypeError set. */
rf_dataset *rfpy_dataset_ptr(PyObject *o);
/* Readies Loader and Tensor (_loader.c) and adds them to the module; -1 with an exception. */
int rfpy_loader_ready(PyObject *module);

#endif
