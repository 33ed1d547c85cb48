/*
 * rootfeed.h - read ROOT files (TTree and RNTuple) as typed column arrays, without ROOT.
 *
 * Handles are opaque; every rf_*_free/close accepts NULL. Every fallible function returns an
 * rf_status and, when given a non-NULL rf_error, leaves a one-line message there naming the
 * file, the object, the column and the byte offset of the problem. The library never prints
 * and never exits.
 *
 * Threads: an rf_file and the rf_tables opened from it may be used by one thread at a time.
 * Open the file once per thread to read in parallel (local files are memory-mapped, or read
 * with pread: no shared cursor). A local file truncated by another process while open gives
 * RF_ERR_IO on the next read, not a crash (rootfeed handles SIGBUS on its own mappings and
 * passes other SIGBUS signals to the handler installed before it).
 *
 * Format-neutral model: a table (TTree, TNtuple(D) or RNTuple) has a number of entries and
 * columns. A column holds numbers of one dtype; per entry it is either one value (flat), a
 * fixed block of values (fixed, with an inner shape), or a variable number of items (jagged;
 * nested vectors give several levels; the innermost items may themselves be fixed blocks).
 * Text is a column too (string: std::string, TString, char*, vector<string>, ...): its
 * values are the bytes (RF_UINT8) and its innermost level the strings, as a jagged column of
 * bytes (see rf_kind). A std::map<K, V> branch NAME gives two columns: NAME.first (the keys)
 * and NAME.second (the values), each with one level for the map's entries. rf_table_read()
 * decodes entries [a, b) of one column into an rf_column_data whose buffers it grows as needed
 * and which the caller reuses across reads.
 */
#ifndef ROOTFEED_H
#define ROOTFEED_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RF_VERSION_STRING "0.1.0"

typedef enum rf_status {
    RF_OK = 0,
    RF_ERR_IO,          /* the byte source failed (open, read, short file) */
    RF_ERR_FORMAT,      /* bytes that do not parse as the format says */
    RF_ERR_CHECKSUM,    /* a stored checksum does not match the bytes */
    RF_ERR_NOT_FOUND,   /* no such object or column */
    RF_ERR_UNSUPPORTED, /* valid data this version cannot decode */
    RF_ERR_ARG,         /* a bad parameter from the caller */
    RF_ERR_NOMEM,       /* an allocation failed or a size exceeds sane limits */
    RF_ERR_NO_FILE,     /* the file does not exist (a path or URL that names nothing) */
    RF_ERR_INTERRUPTED  /* the caller's interrupt callback stopped a wait (Ctrl-C) */
} rf_status;

#define RF_ERROR_MSG_SIZE 512
typedef struct rf_error {
    rf_status code;
    char msg[RF_ERROR_MSG_SIZE];
} rf_error;

const char *rf_status_name(rf_status s);

typedef enum rf_dtype {
    RF_BOOL = 0, RF_INT8, RF_UINT8, RF_INT16, RF_UINT16, RF_INT32, RF_UINT32,
    RF_INT64, RF_UINT64, RF_FLOAT32, RF_FLOAT64, RF_DTYPE_COUNT
} rf_dtype;

size_t rf_dtype_size(rf_dtype t);
const char *rf_dtype_name(rf_dtype t); /* "bool", "int8", ..., "float64" */

/* RF_KIND_STRING: one string per entry (std::string, TString, char*) or per item of the outer
 * levels (vector<string>: one level of lists, then the strings). dtype RF_UINT8 and nlevels
 * counting the byte level: offsets[nlevels-1] delimit each string's bytes in values (UTF-8 as
 * stored, no terminating NUL), the levels above are lists of strings as for jagged columns.
 * A std::string column has nlevels 1, vector<string> 2, vector<vector<string>> 3. */
typedef enum rf_kind { RF_KIND_FLAT = 0, RF_KIND_FIXED, RF_KIND_JAGGED, RF_KIND_STRING } rf_kind;
const char *rf_kind_name(rf_kind k); /* "flat", "fixed", "jagged", "string" */

#define RF_MAX_DIMS 8
#define RF_MAX_LEVELS 4

/* One column of a table. Strings are owned by the table. */
typedef struct rf_column_info {
    const char *name;        /* the name rootfeed dump prints and rf_table_find_column takes */
    const char *type_name;   /* the stored type, e.g. "Float_t", "vector<float>", "float" */
    rf_dtype dtype;
    rf_kind kind;
    int nlevels;             /* jagged levels (0 for flat and fixed; strings: with the bytes) */
    int ndims;               /* fixed inner dims of each innermost item */
    int64_t shape[RF_MAX_DIMS];
    const char *unsupported; /* NULL when readable, else why not */
    int64_t compressed_bytes;   /* on disk */
    int64_t uncompressed_bytes;
    int64_t nblocks;            /* baskets (TTree) or pages (RNTuple) */
} rf_column_info;

/* Decoded entries of one column. offsets[l] has n_l + 1 int64 values starting at 0, where
 * n_0 is the number of entries read and n_{l+1} = offsets[l][n_l]; the values buffer holds
 * offsets[nlevels-1][last] items of prod(shape) values each (or entries*prod(shape) values
 * when there are no levels). Buffers are owned by the struct and grown by the reader. */
typedef struct rf_column_data {
    rf_dtype dtype;
    int nlevels;
    int64_t nentries;
    int64_t nvalues;
    void *values;
    size_t values_cap;                   /* bytes */
    int64_t *offsets[RF_MAX_LEVELS];
    size_t offsets_cap[RF_MAX_LEVELS];   /* elements */
} rf_column_data;

void rf_column_data_init(rf_column_data *d);
void rf_column_data_free(rf_column_data *d);

typedef struct rf_file rf_file;
typedef struct rf_table rf_table;

rf_status rf_file_open(const char *path, rf_file **out, rf_error *err);
void rf_file_close(rf_file *f);
const char *rf_file_name(const rf_file *f);

/* An object of the file as listed by rf_file_list (recursively, directories included). */
typedef struct rf_object_info {
    char *path;        /* "dir/sub/name" */
    char *class_name;  /* "TTree", "TNtuple", "ROOT::RNTuple", "TDirectory", "TH1F", ... */
    char *title;
    int cycle;
    int is_table;      /* 1 for TTree, TNtuple(D) and RNTuple */
} rf_object_info;

/* Lists every object (highest cycle of each name) in every directory, depth first. The array
 * and its strings are freed with rf_object_list_free. */
rf_status rf_file_list(rf_file *f, rf_object_info **items, size_t *count, rf_error *err);
void rf_object_list_free(rf_object_info *items, size_t count);

/* One input named by a path spec: a file (local path or URL) and the object in it. */
typedef struct rf_path_item {
    char *path;    /* local path or URL */
    char *object;  /* "dir/tree" after the spec's colon, or NULL when the spec names none */
    int remote;    /* 1 for a URL (root://, http://, https://, ...) */
} rf_path_item;

/* Expands one path spec as TChain and uproot users write them and appends its inputs to
 * *items (realloc'ed; *count grows): "f.root", "f.root:tree", "dir/f.root:dir/tree", glob
 * patterns ("data/run*.root:events": the matches in sorted order, RF_ERR_NO_FILE when nothing
 * matches), URLs ("root://host:1094//eos/f.root:tree", "https://host/f.root:tree": split
 * after host and port, never globbed) and "file:///abs/f.root" (a local path). The object is
 * what follows a colon after the file part: a spec naming an existing file has none; else the
 * rightmost colon whose left part is an existing file or a pattern separates them, else the
 * rightmost colon. Free with rf_path_items_free. */
rf_status rf_path_expand(const char *spec, rf_path_item **items, size_t *count, rf_error *err);
void rf_path_items_free(rf_path_item *items, size_t count);

/* Opens a TTree, TNtuple(D) or RNTuple by path "dir/sub/name" or "name;cycle". */
rf_status rf_table_open(rf_file *f, const char *path, rf_table **out, rf_error *err);
void rf_table_close(rf_table *t);

const char *rf_table_class(const rf_table *t); /* "TTree" or "RNTuple" */
const char *rf_table_name(const rf_table *t);
int64_t rf_table_entries(const rf_table *t);
size_t rf_table_ncolumns(const rf_table *t);
const rf_column_info *rf_table_column(const rf_table *t, size_t i);
/* Index of the column with this name, or -1. */
long rf_table_find_column(const rf_table *t, const char *name);

/* Cluster boundaries: *count + 1 entry numbers, from 0 to rf_table_entries. Entries of one
 * cluster are stored together (TTree: common basket edges of all columns; RNTuple: clusters). */
const int64_t *rf_table_clusters(const rf_table *t, size_t *count);
/* The entry after the last of the basket (TTree) or page (RNTuple) holding entry e of column
 * col: readers that split work there decode none of that column's blocks twice. -1 where
 * there is none (an RNTuple collection, e or col out of range). */
int64_t rf_table_block_end(const rf_table *t, size_t col, int64_t e);

/* Decodes entries [first, last) of column col into out (whose buffers are reused). */
rf_status rf_table_read(rf_table *t, size_t col, int64_t first, int64_t last,
                        rf_column_data *out, rf_error *err);

#ifdef __cplusplus
}
#endif

#include "rootfeed_expr.h"
#include "rootfeed_writer.h"
#include "rootfeed_dataset.h"
#include "rootfeed_source.h"
#include "rootfeed_loader.h"

#endif
