/*
 * rootfeed_dataset.h - one columnar view over many files and tables (ROOT's TChain), with
 * friend trees, constant per-file columns, filters and defines, and an entry range.
 *
 *   const char *paths[] = {"a.root", "b.root"}, *objs[] = {"events", "events"};
 *   rf_dataset *ds; rf_dataset_reader *r; rf_column_data d;
 *   rf_dataset_open(paths, objs, 2, NULL, &ds, &err);
 *   rf_dataset_filter(ds, "nMuon >= 2", &err);
 *   rf_dataset_define(ds, "pt0", "Muon_pt[0]", &err);
 *   rf_dataset_reader_new(ds, &r, &err);                        (one per thread)
 *   rf_dataset_read(r, rf_dataset_find_column(ds, "pt0"), 0, 1000, &d, &err);
 *
 * Entries are numbered globally: the files' tables one after the other, in the order given
 * (entry e of file i is global entry start_i + e), restricted to the entry range if one is
 * set (global entry 0 is then the range's first entry). Columns are those of the first
 * table; every other table must have each column that is read with the same dtype, kind,
 * shape and levels (as in a TChain, files may differ in columns nobody reads; a read, or
 * rf_dataset_check_column, names the first file and column that differ). Friends add the
 * columns of other tables entry-aligned with these (ROOT's AddFriend); constants add one
 * value per file (a label, a cross-section weight); defines add computed columns. Cluster
 * boundaries are the union of every file's and friend's boundaries, shifted to global
 * numbers: a range between two boundaries is stored together in every column.
 *
 * Configuration (friends, constants, filters, defines, range) happens before the first
 * reader is made; afterwards those calls fail with RF_ERR_ARG. The dataset is then
 * read-only and may be shared by any number of threads, each with its own reader.
 *
 * Filters do not renumber entries: rf_dataset_read returns every entry of the range asked
 * for, and rf_dataset_select says which of them pass (the loader uses the mask).
 */
#ifndef ROOTFEED_DATASET_H
#define ROOTFEED_DATASET_H

#include "rootfeed.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_dataset rf_dataset;
typedef struct rf_dataset_reader rf_dataset_reader;

/* Opens tables objects[i] of files paths[i] (objects NULL, or an entry NULL: the file's only
 * table; a file with several is an RF_ERR_ARG naming them). Reads every file's metadata. */
rf_status rf_dataset_open(const char *const *paths, const char *const *objects, size_t n,
                          rf_dataset **out, rf_error *err);
void rf_dataset_free(rf_dataset *ds);

/* Adds the columns of a friend chain (as rf_dataset_open's arguments), entry-aligned: its
 * total entries must equal this dataset's. Its columns are reachable as "alias.column" and,
 * where the name is not taken, as "column". */
rf_status rf_dataset_add_friend(rf_dataset *ds, const char *const *paths,
                                const char *const *objects, size_t n, const char *alias,
                                rf_error *err);
/* Adds a flat column whose value is values[i] in every entry of file i (rf_dataset_nfiles
 * values), stored as dtype (converted from double, exact for integers below 2^53). */
rf_status rf_dataset_add_constant(rf_dataset *ds, const char *name, rf_dtype dtype,
                                  const double *values, rf_error *err);
/* RDataFrame-style steps (rootfeed_expr.h), in call order: a filter may use earlier defines;
 * a define becomes a column (flat or jagged, dtype bool/int64/float32/float64). */
rf_status rf_dataset_filter(rf_dataset *ds, const char *expr, rf_error *err);
rf_status rf_dataset_define(rf_dataset *ds, const char *name, const char *expr, rf_error *err);
/* Restricts the dataset to its entries [first, last) (before any filter). */
rf_status rf_dataset_set_range(rf_dataset *ds, int64_t first, int64_t last, rf_error *err);

int64_t rf_dataset_entries(const rf_dataset *ds);
size_t rf_dataset_ncolumns(const rf_dataset *ds);
const rf_column_info *rf_dataset_column(const rf_dataset *ds, size_t i);
/* Index of the column with this name, or -1. */
long rf_dataset_find_column(const rf_dataset *ds, const char *name);
/* RF_OK when every file of the column's chain has it with the first file's dtype, kind,
 * shape and levels; else RF_ERR_FORMAT naming the first file that differs and how. */
rf_status rf_dataset_check_column(const rf_dataset *ds, size_t col, rf_error *err);
/* Global cluster boundaries: *count + 1 entry numbers from 0 to rf_dataset_entries. */
const int64_t *rf_dataset_clusters(const rf_dataset *ds, size_t *count);
/* The global entry after the last of the basket (TTree) or page (RNTuple) holding entry e of
 * column col, at most the end of e's file: threads that split a cluster there decode none of
 * that column's blocks twice. -1 where there is no such block (a define or constant column,
 * an RNTuple collection, e outside the dataset). */
int64_t rf_dataset_block_end(const rf_dataset *ds, size_t col, int64_t e);
/* The files, in order; file i holds global entries [starts[i], starts[i+1]) (nfiles + 1
 * values; a file outside the range holds none). */
size_t rf_dataset_nfiles(const rf_dataset *ds);
const int64_t *rf_dataset_file_starts(const rf_dataset *ds);
const char *rf_dataset_file_path(const rf_dataset *ds, size_t i);
const char *rf_dataset_file_object(const rf_dataset *ds, size_t i);
/* The file index and the entry number in that file's table of global entry e. */
rf_status rf_dataset_locate(const rf_dataset *ds, int64_t e, size_t *file, int64_t *entry,
                            rf_error *err);
int rf_dataset_has_filter(const rf_dataset *ds);

/* A reader holds what one thread needs to decode (open tables, codec state, scratch
 * buffers, compiled expressions). Use each reader from one thread at a time. */
rf_status rf_dataset_reader_new(rf_dataset *ds, rf_dataset_reader **out, rf_error *err);
void rf_dataset_reader_free(rf_dataset_reader *r);

/* Decodes global entries [first, last) of column col into out (as rf_table_read; ranges
 * across files are joined). */
rf_status rf_dataset_read(rf_dataset_reader *r, size_t col, int64_t first, int64_t last,
                          rf_column_data *out, rf_error *err);

/* The expression counters (rootfeed_expr.h) of this reader's evaluations so far: entries
 * evaluated and selected, out-of-range indices, reductions of empty vectors; zeros when the
 * dataset has no filter or define. */
struct rf_expr_stats;
void rf_dataset_reader_stats(const rf_dataset_reader *r, struct rf_expr_stats *st);

/* Which entries of [first, last) pass every filter: mask[i] = 1 or 0 (last - first bytes);
 * *npass (may be NULL) their count. Without filters every entry passes. */
rf_status rf_dataset_select(rf_dataset_reader *r, int64_t first, int64_t last, uint8_t *mask,
                            int64_t *npass, rf_error *err);

/* Where rf_dataset_read_rows writes one column: entry first+i goes to row rows[i] (skipped
 * when rows[i] < 0) of a matrix at base with row_stride bytes between rows; inside the row
 * its items start col_offset bytes in, item_stride bytes apart, converted to dtype. A flat
 * column writes one item; a fixed one prod(shape) items; a jagged one (one level) exactly
 * max_items items: longer entries are cut, shorter ones padded with `padding`; mask (if not
 * NULL) receives, per row at mask + row * mask_row_stride, max_items bytes: 1 for an item,
 * 0 for padding. Conversions follow C casts; float to integer of NaN or out-of-range values
 * gives the target's minimum (as x86 does), never undefined behaviour. */
typedef struct rf_rows_dest {
    size_t size;            /* sizeof(rf_rows_dest), set by rf_rows_dest_init */
    void *base;
    rf_dtype dtype;
    size_t row_stride;
    size_t col_offset;
    size_t item_stride;     /* 0: rf_dtype_size(dtype) */
    int64_t max_items;      /* jagged columns; ignored otherwise */
    double padding;
    uint8_t *mask;
    size_t mask_row_stride;
} rf_rows_dest;

void rf_rows_dest_init(rf_rows_dest *d);
rf_status rf_dataset_read_rows(rf_dataset_reader *r, size_t col, int64_t first, int64_t last,
                               const int64_t *rows, const rf_rows_dest *dst, rf_error *err);

#ifdef __cplusplus
}
#endif
#endif
