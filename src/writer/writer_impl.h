/* writer_impl.h - what the format back ends (ttree_w.c, rntuple_w.c) share with the generic
 * writer (writer.c): the declared columns, the entries of the cluster being gathered (native
 * values and, for jagged columns, per-entry item counts) and the back-end hooks. */
#ifndef RF_WRITER_IMPL_H
#define RF_WRITER_IMPL_H

#include "rootfeed_writer.h"
#include "tfile_w.h"
#include "wbuf.h"

typedef struct wcol {
    char *name;
    rf_dtype dtype;
    rf_kind kind;
    int ndims;
    int64_t shape[RF_MAX_DIMS];
    size_t item;      /* values per entry (flat/fixed) or per item (jagged) */
    size_t esize;     /* bytes per value */
    int nlevels;      /* jagged levels (0 for flat and fixed) */
    wbuf vals;        /* the cluster's values, native byte order */
    wbuf counts[RF_MAX_LEVELS]; /* jagged: the cluster's items per entry (level 0) and per item
                                   of the level above (deeper levels), int64 */
    int64_t max_count;/* largest items-per-entry seen in the file */
    int double32;     /* TTree: float64 stored as Double32_t without a range (float32, TLeafD32) */
} wcol;

typedef struct wbackend {
    rf_status (*begin)(rf_writer *w, rf_error *err);   /* schema complete, first append */
    rf_status (*flush)(rf_writer *w, rf_error *err);   /* write the gathered cluster */
    rf_status (*finish)(rf_writer *w, rf_error *err);  /* metadata; closes w->file */
    void (*release)(rf_writer *w);                     /* frees w->impl */
} wbackend;

struct rf_writer {
    rf_writer_options opt;
    char *name, *path;
    wcol *cols;
    size_t ncols, capcols;
    int begun;
    int64_t entries;          /* entries already flushed */
    int64_t staged;           /* entries of the cluster being gathered */
    int64_t cluster_target;   /* entries per cluster once known */
    size_t staged_bytes;
    const wbackend *be;
    void *impl;
    tfw *file;
    const char *tree_class;   /* TTree: class of the tree record (NULL = "TTree") */
};

extern const wbackend rf_ttree_backend;

/* Internal TTree options, used to write test fixtures of shapes ROOT makes and the public
 * options do not (ttree_w.c); both come before the first append. wr_tree_class writes the
 * tree as a "TNtuple" (float32 columns) or "TNtupleD" (float64 columns): the TTree wrapped in
 * the subclass's frame with fNvar, all columns flat. wr_double32 stores the float64 column
 * named column as Double32_t without a range: float32 values, leaf TLeafD32, title `x/d`. */
rf_status wr_tree_class(rf_writer *w, const char *cls, rf_error *err);
rf_status wr_double32(rf_writer *w, const char *column, rf_error *err);
extern const wbackend rf_rntuple_backend;
/* CSV (csv_w.c): opens the file at rf_writer_open (the ROOT formats open a tfw there). */
extern const wbackend rf_csv_backend;
rf_status rf_csv_writer_open(rf_writer *w, rf_error *err);

/* Items (jagged) or entries (flat/fixed) staged in column c. */
static inline int64_t wcol_nitems(const wcol *c)
{
    return (int64_t)(c->vals.n / (c->esize * c->item));
}

#endif
