/* dataset.h - internals of the dataset layer (include/rootfeed_dataset.h): chains of tables
 * (the main one and friends), the column list, the expression steps, and what a reader
 * keeps per thread. dataset.c builds and describes a dataset; ds_reader.c reads through
 * readers; ds_rows.c scatters decoded columns into row-major matrices. */
#ifndef RF_DATASET_INTERNAL_H
#define RF_DATASET_INTERNAL_H

#include "rootfeed.h"
#include "rootfeed_dataset.h"
#include "rootfeed_expr.h"

/* One table of a chain. The dataset keeps it open for its metadata (schema, clusters). */
typedef struct ds_file {
    char *path, *object;
    rf_file *f;
    rf_table *t;
    long *colmap;       /* chain column i -> column index in this table */
} ds_file;

/* The files of the main chain or of one friend, one after the other: raw entry numbers run
 * over all of them (raw_starts: nfiles + 1 values). */
typedef struct ds_chain {
    ds_file *files;
    size_t nfiles;
    int64_t *raw_starts;
    char *alias;        /* friends: the prefix of "alias.column"; NULL for the main chain */
} ds_chain;

enum { DS_TABLE = 0, DS_CONST = 1, DS_DEFINE = 2 };

typedef struct ds_column {
    int kind;           /* DS_TABLE, DS_CONST, DS_DEFINE */
    size_t chain;       /* DS_TABLE: which chain */
    size_t src;         /* DS_TABLE: chain column index; DS_DEFINE: define index of the plan */
    double *consts;     /* DS_CONST: one value per file of the main chain */
    rf_column_info info;
    char *name;         /* owned copy behind info.name */
} ds_column;

typedef struct ds_step {
    char *name;         /* define name, NULL for a filter */
    char *text;
} ds_step;

struct rf_dataset {
    ds_chain *chains;   /* chains[0]: the main chain */
    size_t nchains;
    ds_column *cols;
    size_t ncols;
    rf_column_info *infos; /* the columns' descriptions, in order (copies of cols[i].info) */
    size_t ninfos_cap;
    ds_step *steps;
    size_t nsteps;
    size_t nfilters;
    int64_t range_first, range_last; /* raw entries of the main chain */
    int64_t *clusters;  /* nclusters + 1 global boundaries */
    size_t nclusters;
    int64_t *file_starts; /* nfiles + 1 global starts of the main chain's files */
    int frozen;         /* a reader exists: configuration is over */
};

/* Global entry e -> (file index, entry in that file's table) of chain c. */
void ds_locate(const rf_dataset *ds, size_t c, int64_t e, size_t *file, int64_t *entry);
/* Recomputes clusters and file starts after the chains or the range changed. */
rf_status ds_layout(rf_dataset *ds, rf_error *err);

/* The table and constant columns as an expression schema (*n of them; caller frees). */
rf_expr_column *ds_expr_schema(const rf_dataset *ds, size_t *n);
/* Compiles the dataset's filter and define steps into a new plan. */
rf_status ds_compile(const rf_dataset *ds, rf_expr_plan **out, rf_error *err);

/* Scatters entries [e0, e1) of decoded column data src (dtype src->dtype, nlevels 0 with
 * `per` values per entry, or 1 level) to the rows of dst: rows[i] for entry e0 + i. */
rf_status ds_scatter(const rf_column_data *src, int64_t per, int64_t e0, int64_t e1,
                     const int64_t *rows, const rf_rows_dest *dst, rf_error *err);
/* Converts n values from one dtype to another (C casts; float -> int safe). */
void ds_convert(rf_dtype from, const void *src, rf_dtype to, void *dst, int64_t n);

#endif
