/*
 * rootfeed_writer.h - write ROOT files (TTree or RNTuple 1.0), or CSV, from typed column arrays.
 *
 * A writer creates one file holding one table. Declare the columns, then append batches of
 * entries (each batch gives every column as an rf_column_data, the same struct rf_table_read
 * fills, so a table read with rootfeed can be appended as is), then close. Entries are
 * gathered into clusters (TTree: auto-flush ranges whose baskets all end together; RNTuple:
 * clusters) and written as each cluster fills; close writes the tree or the RNTuple anchor,
 * the streamer infos, the key list and the free list. Files past 2 GiB get 64-bit offsets.
 *
 * Column shapes: flat (one value per entry), fixed (a block of prod(shape) values per entry:
 * TTree `x[2][3]/F`, RNTuple std::array<std::array<float,3>,2>), jagged with one level (a
 * variable number of items per entry, each item a block of prod(shape) values: TTree
 * `x[nx]/F` with a counter branch `nx`, RNTuple std::vector<float>) and nested jagged with
 * 2 to RF_MAX_LEVELS levels of numbers (TTree: a TBranchElement of class
 * vector<vector<float> > with its streamer info, as ROOT writes it; RNTuple: nested
 * std::vector collection fields).
 *
 * Threads: a writer is used by one thread at a time. Errors are values, as in rootfeed.h.
 */
#ifndef ROOTFEED_WRITER_H
#define ROOTFEED_WRITER_H

#include "rootfeed.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RF_FORMAT_CSV: a header row of names, one row per entry, numbers in their shortest exact
 * form; a fixed-size column x[2][3] becomes columns x_0_0 ... x_1_2; jagged columns are
 * refused (RF_ERR_UNSUPPORTED at the first append or close); compression and cluster options
 * do not apply. */
typedef enum rf_format { RF_FORMAT_TTREE = 0, RF_FORMAT_RNTUPLE = 1, RF_FORMAT_CSV = 2 } rf_format;

/* Options; always start from rf_writer_options_init so that fields added later get their
 * defaults. Zero in a size field means "the format's default". */
typedef struct rf_writer_options {
    size_t struct_size;      /* sizeof(rf_writer_options), set by rf_writer_options_init */
    rf_format format;        /* default RF_FORMAT_TTREE */
    int compression;         /* ROOT setting 100*algorithm+level (101 zlib, 207 lzma, 404 lz4,
                                505 zstd, 0 none); -1 = the format's default: 101 for TTree
                                (TFile's), 505 for RNTuple */
    int64_t cluster_entries; /* entries per cluster; 0 = decided by cluster_bytes */
    int64_t cluster_bytes;   /* uncompressed bytes of the first cluster, whose entry count
                                then holds for all others (ROOT's auto-flush); default 30 MB
                                for TTree, 100 MiB for RNTuple */
    int64_t basket_bytes;    /* uncompressed bytes per TTree basket (default 32000, ROOT's)
                                or RNTuple page (default 1 MiB) */
    const char *title;       /* the table's title (default "") */
} rf_writer_options;

void rf_writer_options_init(rf_writer_options *opt);

/* Parses "none", "zlib", "zlib:6", "lz4:4", "zstd:5", "lzma:7", "old:1" or a ROOT setting
 * number such as "505" into a setting. */
rf_status rf_writer_parse_compression(const char *text, int *setting, rf_error *err);

typedef struct rf_writer rf_writer;

/* One column to declare. */
typedef struct rf_writer_column {
    const char *name;
    rf_dtype dtype;
    rf_kind kind;            /* RF_KIND_FLAT, RF_KIND_FIXED or RF_KIND_JAGGED */
    int ndims;               /* inner dimensions of each entry (fixed) or item (jagged) */
    int64_t shape[RF_MAX_DIMS];
    int nlevels;             /* jagged: levels of nesting, 0 or 1 for one (vector<float>), 2 for
                                vector<vector<float>>, ... up to RF_MAX_LEVELS (ndims 0 then) */
} rf_writer_column;

/* Starts writing a file at path holding a table called name; opt may be NULL for the
 * defaults. Nothing is written at path itself until rf_writer_close succeeds: the bytes go to
 * a temporary file in path's directory, which a successful close fsyncs and renames onto path
 * (replacing a file that is there; a symbolic link is written through). A failed close,
 * rf_writer_abort, a crash or kill -9 leave an existing file at path byte-identical and
 * nothing partial under its name. path must be a regular file or not exist. */
rf_status rf_writer_open(const char *path, const char *name, const rf_writer_options *opt,
                         rf_writer **out, rf_error *err);

/* Declares a column; all columns come before the first append. Names must be unique. */
rf_status rf_writer_add_column(rf_writer *w, const rf_writer_column *col, rf_error *err);

/* Appends cols[0].nentries entries. cols has one element per declared column, in order; each
 * has the column's dtype, nentries equal to cols[0].nentries, and: flat/fixed: nlevels 0 and
 * nentries * prod(shape) values; jagged: the column's nlevels and offsets[0] with nentries + 1
 * non-decreasing item positions into values (items offsets[0][i] .. offsets[0][i+1] belong to
 * entry i); with more levels, offsets[l] holds the positions of level l's items in level l+1
 * (items offsets[l][j] .. offsets[l][j+1] belong to item j of level l-1), the last level's
 * positions pointing into values. Values are copied; the caller keeps its buffers. */
rf_status rf_writer_append(rf_writer *w, const rf_column_data *cols, size_t ncols, rf_error *err);

int64_t rf_writer_entries(const rf_writer *w);

/* Writes everything that is pending and the file's metadata, flushes it to disk, puts it in
 * place at the writer's path and frees w (also on error, when path keeps its old bytes). */
rf_status rf_writer_close(rf_writer *w, rf_error *err);

/* Frees w and discards what it wrote: path keeps its old bytes (or stays absent). */
void rf_writer_abort(rf_writer *w);

#ifdef __cplusplus
}
#endif
#endif
