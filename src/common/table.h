/* table.h - the format-neutral table interface, below the formats that implement it and the
 * dataset layer that uses it. A format (TTree, RNTuple) is an rf_table_format: the key
 * classes it opens and its opener, which fills the common part of rf_table (name, entry
 * count, columns, cluster boundaries) and points it at the format's rf_table_ops. Nothing
 * above src/ttree and src/rntuple knows which format it reads: rf_table_open picks the format
 * by the key's class and the public rf_table_* functions dispatch through ops. */
#ifndef RF_TABLE_H
#define RF_TABLE_H

#include "rootfeed.h"

typedef struct rf_table_ops {
    const char *class_name; /* "TTree" or "RNTuple" */
    /* Decodes entries [first, last) of column col into out; first <= last <= entries,
     * checked by the caller. out->dtype/nlevels are already set from the column info. */
    rf_status (*read)(rf_table *t, size_t col, int64_t first, int64_t last, rf_column_data *out,
                      rf_error *err);
    void (*close)(rf_table *t); /* frees impl and everything the format allocated */
    /* rf_table_block_end for a supported column and 0 <= entry < entries; reads only what
     * open built, so any thread may call it. */
    int64_t (*block_end)(const rf_table *t, size_t col, int64_t entry);
} rf_table_ops;

struct rf_table {
    const rf_table_ops *ops;
    rf_file *file;
    char *name;              /* object path as opened */
    int64_t entries;
    size_t ncolumns;
    rf_column_info *columns; /* owned by the format; strings too */
    size_t nclusters;
    int64_t *clusters;       /* nclusters + 1 boundaries, 0 ... entries */
    void *impl;
};

/* A format: the key classes it opens (NULL-terminated) and its opener. */
typedef struct rf_table_format {
    const char *classes[4];
    rf_status (*open)(rf_file *f, const char *path, rf_table **out, rf_error *err);
} rf_table_format;

extern const rf_table_format rf_ttree_format;   /* src/ttree */
extern const rf_table_format rf_rntuple_format; /* src/rntuple */

/* Helpers for formats filling rf_column_data (coldata.c). */
/* Ensures out has room for nvalues values of out->dtype; does not change nvalues. */
rf_status rf_coldata_reserve_values(rf_column_data *out, int64_t nvalues, rf_error *err);
/* Ensures offsets[level] has room for n + 1 elements. */
rf_status rf_coldata_reserve_offsets(rf_column_data *out, int level, int64_t n, rf_error *err);

#endif
