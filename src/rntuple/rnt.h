/* rnt.h - internal interface of the RNTuple reader (format 1.0). The reader is staged:
 * rnt_envelope.c finds the anchor and reads checksummed envelopes; rnt_meta.c parses the
 * header, footer and page lists into the descriptor below; rnt_schema.c maps the field tree
 * to rootfeed columns (names, dtype, kind, and a read plan); rnt_page.c decodes one page of
 * one column type; rnt_read.c walks clusters and pages to fill an rf_column_data. All numbers
 * taken from the file are bounds-checked where they are parsed. */
#ifndef RF_RNT_H
#define RF_RNT_H

#include <stddef.h>
#include <stdint.h>

#include "rootfeed.h"
#include "../common/stream.h"
#include "../common/table.h"
#include "../tfile/tfile.h"

/* Checksums are always verified, except in libFuzzer builds that define the conventional
 * FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, so that mutations reach the parsers behind them. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define RNT_SUM_OK(cond) ((void)(cond), 1)
#else
#define RNT_SUM_OK(cond) (cond)
#endif

/* ---- byte cursor over little-endian envelope bytes ---- */

typedef struct rnt_cur {
    const uint8_t *p;
    size_t n, pos;
    const char *what;  /* "header", "footer", "page list" for messages */
    uint64_t base;     /* file offset of the envelope, for messages */
} rnt_cur;

rf_status rnt_u16(rnt_cur *c, uint16_t *v, rf_error *err);
rf_status rnt_u32(rnt_cur *c, uint32_t *v, rf_error *err);
rf_status rnt_u64(rnt_cur *c, uint64_t *v, rf_error *err);
/* Reads a string (u32 length + bytes) into a malloc'd NUL-terminated copy. */
rf_status rnt_str(rnt_cur *c, char **s, rf_error *err);
/* Opens a frame at the cursor: *sub covers its payload (after the preamble), the cursor moves
 * past the whole frame. want_list: 1 list frame (nitems set), 0 record frame. */
rf_status rnt_frame(rnt_cur *c, int want_list, rnt_cur *sub, uint32_t *nitems, rf_error *err);
/* Reads feature flags; any set bit is unsupported (none are defined in format 1.0). */
rf_status rnt_features(rnt_cur *c, rf_error *err);

typedef struct rnt_locator {
    uint64_t offset, size;
} rnt_locator;
rf_status rnt_locator_read(rnt_cur *c, rnt_locator *loc, rf_error *err);

/* ---- descriptor ---- */

enum { RNT_ROLE_LEAF = 0, RNT_ROLE_COLLECTION = 1, RNT_ROLE_RECORD = 2, RNT_ROLE_VARIANT = 3,
       RNT_ROLE_STREAMER = 4 };
enum { RNT_FIELD_REPETITIVE = 0x01, RNT_FIELD_PROJECTED = 0x02, RNT_FIELD_CHECKSUM = 0x04 };
enum { RNT_COL_DEFERRED = 0x01, RNT_COL_RANGE = 0x02 };

typedef struct rnt_field {
    uint32_t parent;
    uint16_t role, flags;
    char *name, *type, *alias;
    uint64_t array_size;
    uint32_t source;
    /* derived: attached columns (physical ids, aliases resolved) in attachment order */
    uint32_t *cols;
    uint32_t ncols, cols_cap;
    uint32_t nrepr;      /* representations: ncols / nrepr columns each */
    /* derived: children in id order */
    uint32_t *kids;
    uint32_t nkids;
    int64_t rep;         /* elements per entry for entry-based columns (repetitive sizes) */
    int in_collection;   /* a collection-role ancestor exists (not counting the field itself) */
} rnt_field;

typedef struct rnt_column {
    uint16_t type, bits;
    uint32_t field;
    uint16_t flags, repr;
    int64_t first_elem; /* deferred columns */
    double min, max;    /* Real32Quant range */
} rnt_column;

typedef struct rnt_page {
    uint64_t offset, size; /* compressed bytes on disk, checksum excluded */
    int64_t nelems;
    int64_t first;         /* first element of the page, relative to the column range */
    int checksum;          /* an XXH3-64 follows the page on disk */
    int shared;            /* another locator points at the same bytes (see rnt_mark_shared) */
} rnt_page;

typedef struct rnt_range {
    int64_t first_elem;   /* global element index of the range */
    int64_t nelems;
    uint64_t page0;       /* index into rnt_desc.pages */
    uint32_t npages;
    uint32_t compression;
    uint8_t present;      /* listed in the cluster's page list */
    uint8_t suppressed;   /* secondary representation in this cluster */
} rnt_range;

typedef struct rnt_cluster {
    int64_t first_entry, nentries;
    rnt_range *ranges;    /* one per physical column */
} rnt_cluster;

typedef struct rnt_desc {
    char *name;
    rnt_field *fields;
    uint32_t nfields, fields_cap;
    rnt_column *cols;     /* physical columns */
    uint32_t ncols, cols_cap;
    uint64_t header_xxh3;
    rnt_cluster *clusters;
    uint32_t nclusters, clusters_cap;
    rnt_page *pages;
    uint64_t npages, pages_cap;
    int64_t entries;
} rnt_desc;

/* ---- anchor and envelopes (rnt_envelope.c) ---- */

typedef struct rnt_anchor {
    uint16_t epoch, major, minor, patch;
    uint64_t seek_header, nbytes_header, len_header;
    uint64_t seek_footer, nbytes_footer, len_footer;
    uint64_t max_key_size;
} rnt_anchor;

enum { RNT_ENV_HEADER = 1, RNT_ENV_FOOTER = 2, RNT_ENV_PAGELIST = 3 };

/* Parses (and checksums) the anchor payload of a ROOT::RNTuple key. */
rf_status rnt_anchor_parse(const uint8_t *p, size_t n, rnt_anchor *a, rf_error *err);
/* Reads the envelope at (seek, nbytes) of uncompressed length len, checks type, length and
 * XXH3; *buf (caller frees) holds it, *body covers the payload between preamble and hash.
 * *xxh3 receives the envelope's checksum. */
rf_status rnt_envelope_read(rf_file *f, uint64_t seek, uint64_t nbytes, uint64_t len, int type,
                            uint8_t **buf, rnt_cur *body, uint64_t *xxh3, rf_error *err);

/* ---- metadata (rnt_meta.c) ---- */

rf_status rnt_header_parse(rnt_desc *d, rnt_cur *c, rf_error *err);
/* Parses the footer and reads and parses every page list it links to. */
rf_status rnt_footer_parse(rf_file *f, rnt_desc *d, rnt_cur *c, rf_error *err);
void rnt_desc_free(rnt_desc *d);

/* ---- schema -> columns (rnt_schema.c) ---- */

enum { RNT_PLAN_VALUES = 0, RNT_PLAN_CARDINALITY = 1 };

typedef struct rnt_plan {
    int what;                           /* RNT_PLAN_* */
    int nlevels;
    uint32_t level_field[RF_MAX_LEVELS]; /* collection fields: index column 0 */
    uint32_t value_field;               /* field whose column value_col holds the values */
    uint32_t value_col;                 /* 0; 1 for a string (column 0 is its index) */
    int64_t per_item;                   /* values per innermost item (prod(shape)) */
    rf_dtype natural;                   /* dtype of the decoded column (before conversion) */
} rnt_plan;

/* Fills t->columns / t->ncolumns and *plans (one per column) from d. */
rf_status rnt_schema_map(rnt_desc *d, rf_table *t, rnt_plan **plans, rf_error *err);
/* Completes derived field data (children, columns, repetitions); called before mapping. */
rf_status rnt_schema_link(rnt_desc *d, rf_error *err);

/* ---- pages (rnt_page.c) ---- */

/* Column type facts: bits on storage (0 = unknown/unsupported type), and the dtype the
 * page decodes to before conversion to the output dtype. */
int rnt_coltype_known(uint16_t type, uint16_t bits);
rf_dtype rnt_coltype_natural(uint16_t type);
/* Bytes of a page of n elements of this column. */
uint64_t rnt_page_bytes(const rnt_column *col, int64_t n);
/* 1 when the page bytes are the output values as they are (no decoding needed). */
int rnt_page_is_plain(const rnt_column *col, rf_dtype out);
/* Decodes n elements of a page (src, plain decompressed bytes) into dst in the column's
 * natural dtype, in one pass (un-split, zigzag and delta fused). */
void rnt_page_decode(const rnt_column *col, const uint8_t *src, int64_t n, void *dst);
/* Where the last part decode of a delta-coded page ended: the next element and the running
 * total there, so that reads in order go on without summing the page from its start. */
typedef struct rnt_cursor {
    int64_t pos;
    uint64_t run;
} rnt_cursor;
/* 1 when a part of a page decodes from the page's bytes (split, zigzag, and the delta of
 * split index columns, from a cursor): elements [a, b) of n into dst by
 * rnt_page_decode_part; cur (of this page's bytes, {0, 0} for a new page) is used and moved
 * by delta-coded columns only. */
int rnt_page_decodes_part(const rnt_column *col);
void rnt_page_decode_part(const rnt_column *col, const uint8_t *src, int64_t n, int64_t a, int64_t b, void *dst,
                          rnt_cursor *cur);
/* memcpy with non-temporal stores (where available) for outputs that will not stay in cache. */
void rnt_stream_copy(void *dst, const void *src, size_t n);
/* Reads writing at least this many output bytes copy pages (shared, cut or stored as they
 * are) into it with rnt_stream_copy. */
#define RNT_STREAM_BYTES ((uint64_t)RF_STREAM_BYTES)
/* Converts n values from dtype `from` to dtype `to`. */
void rnt_convert(rf_dtype from, const void *src, rf_dtype to, void *dst, int64_t n);

/* ---- reading (rnt_read.c) ---- */

/* One decoded page kept per physical column (see rnt_read.c), keyed by its stored bytes so
 * that locators sharing them find it too. */
typedef struct rnt_pcache {
    uint64_t offset, size; /* the page's stored bytes */
    int64_t nelems;
    int valid;
    const uint8_t *view; /* the page's stored bytes themselves, where they need no decoding
                          * and the source's views live until close; else NULL and buf */
    uint8_t *buf;
    size_t cap;
    rnt_cursor cur; /* delta-coded pages: where the last part read ended */
} rnt_pcache;

#define RNT_CACHE_LIMIT ((uint64_t)512 << 20)

typedef struct rnt_impl {
    rnt_desc d;
    rnt_plan *plans;
    uint8_t *raw, *page, *nat; /* reused scratch buffers */
    size_t raw_cap, page_cap, nat_cap;
    uint8_t *idx; /* int64 index elements */
    size_t idx_cap;
    rnt_pcache *cache; /* per physical column, allocated on first use */
    uint64_t cache_bytes;
    int big;           /* the current read's output is over RNT_STREAM_BYTES */
    int stream;        /* values (not index) being read now go to such an output */
} rnt_impl;

rf_status rnt_read(rf_table *t, size_t col, int64_t first, int64_t last, rf_column_data *out,
                   rf_error *err);
int64_t rnt_block_end(const rf_table *t, size_t col, int64_t entry);
/* Marks the pages whose stored bytes (offset, size, elements) another page also points at:
 * they are decoded once into the column's page cache and copied from there. */
rf_status rnt_mark_shared(rnt_desc *d, rf_error *err);
/* The fields a plan reads, collection levels first, then the value field; returns how many. */
int rnt_plan_fields(const rnt_plan *p, uint32_t fields[RF_MAX_LEVELS + 1]);
/* Sizes on disk of the primary columns behind a plan, for rf_column_info. */
void rnt_plan_sizes(const rnt_desc *d, const rnt_plan *p, rf_column_info *ci);

#endif
