/* plan.h - the loader's plan: pure logic, no I/O.
 *
 * From the shape of the data (clusters, the entries of each that pass the filters, the
 * datasets they belong to, optional class labels) and the options, the plan says for every
 * (part, epoch, rank): which entries each chunk reads, at which row of the chunk's matrix
 * each one lands (the shuffle, fused into the transpose), and how batches are cut from the
 * chunks. Everything is a pure function of (seed, part, epoch, rank, world_size), so a run
 * resumes anywhere by recomputing.
 *
 * Entries are numbered in "selected space": 0 .. S-1 over the entries that pass the filters,
 * in dataset order (dataset 0's clusters, then dataset 1's, ...). Without filters selected
 * entry i is global entry i. The pipeline maps a selected range back to clusters (it reads
 * whole clusters and runs the filters over them anyway).
 *
 * A chunk is a list of pieces (selected ranges) in staging order - the order ROOT would load
 * them - and a row map from staging positions to matrix rows. The native map gives each entry
 * a random batch (a uniformly random balanced assignment: every batch a random sample of the
 * chunk) and keeps the entries' order inside a batch, so that the transpose writes one
 * sequential stream per batch; ROOT's maps are ShuffleTensor's permutations. lp_chunk_build turns it into
 * what the pipeline executes: sorted disjoint ranges to read, dest[i] (the row of the i-th
 * entry read, or -1) and copies (row pairs) for entries that appear on several rows.
 *
 * Batching: "stream" cuts the concatenated chunks at multiples of batch_size (native mode);
 * "leftover" is ROOT's RBatchLoader: each chunk's full batches, then its tail appended to a
 * leftover stream cut at multiples of batch_size (ROOT modes). A batch is one slice of one
 * chunk, or pieces of several chunks: in the stream, the later chunks write their pieces into
 * the matrix of the chunk where the batch starts (nothing copied); ROOT's leftover batches are
 * copied together. */
#ifndef RF_LOADER_PLAN_H
#define RF_LOADER_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "rootfeed_loader.h"

#define LP_MAX_CLASSES 64

typedef struct lp_shape {
    size_t nclusters;
    const int64_t *bounds;       /* nclusters + 1 global entry numbers, bounds[0] = 0 */
    const int64_t *pass;         /* entries of each cluster passing the filters; NULL: all */
    int filtered;                /* a dataset has filters (ROOT 6.40 then discovers its split) */
    size_t ngroups;              /* datasets; 0 or 1: one */
    const size_t *group_start;   /* ngroups + 1 cluster indices (NULL when ngroups <= 1) */
    const uint8_t *labels;       /* class of each selected entry, or NULL */
    const size_t *unit;          /* the shuffle quality's unit of each cluster, nondecreasing:
                                    the file's cluster it is a piece of; NULL: itself */
} lp_shape;

typedef struct lp_config {
    rf_loader_mode mode;
    int64_t batch_size, chunk_size, block_size, batches_in_memory;
    int shuffle, drop_remainder;
    uint64_t seed;               /* the user's; 0: drawn (ROOT modes keep 0 where ROOT does) */
    uint64_t drawn_seed;         /* the seed to use when seed is 0 (a resumed run); 0: draw */
    float validation_split;
    int rank, world_size, pad;
    int inference;
    rf_balance balance;
    int nclasses;                /* classes from shape.labels, or the groups when labels NULL */
    const double *class_weights; /* NULL: equal, or from sampling_ratio for two classes */
    float sampling_ratio;
    int replacement, per_batch;
} lp_config;

typedef struct lp_piece {
    int64_t start, n;            /* selected entries [start, start + n) */
} lp_piece;

typedef struct lp_plan lp_plan;
typedef struct lp_epoch lp_epoch;

rf_status lp_plan_create(const lp_shape *shape, const lp_config *cfg, lp_plan **out, rf_error *err);
void lp_plan_free(lp_plan *p);
uint64_t lp_plan_seed(const lp_plan *p);
/* Selected entries of a part (all ranks). */
int64_t lp_plan_part_entries(const lp_plan *p, int part);
/* Selected entries in total, and the first selected entry of each cluster (nclusters + 1). */
int64_t lp_plan_selected(const lp_plan *p);
const int64_t *lp_plan_sel_bounds(const lp_plan *p);

typedef struct lp_epoch_info {
    int64_t rows;                /* rows this rank delivers */
    int64_t nbatches;
    int64_t last_batch_rows;     /* 0 when every batch is full */
    int64_t dropped;             /* rows not delivered: rank equalisation, drop_remainder
                                    (sampling shows in lp_rows: dest -1, copies) */
    int64_t repeated;            /* rows repeated by rank padding */
    int64_t max_chunk_rows;
    int64_t max_leftover_rows;   /* rows waiting for a batch that spans chunks */
    int64_t entries_read;        /* entries of the clusters decompressed (each chunk reads
                                    whole clusters) */
    int64_t entries_needed;      /* entries of the distinct clusters with a delivered entry */
    double read_amplification;   /* entries_read / entries_needed */
    double shuffle_quality;      /* expected distinct clusters per batch vs a global shuffle */
} lp_epoch_info;

rf_status lp_epoch_create(const lp_plan *p, int part, int64_t epoch, lp_epoch **out,
                          rf_error *err);
void lp_epoch_free(lp_epoch *e);
const lp_epoch_info *lp_epoch_get_info(const lp_epoch *e);
size_t lp_epoch_nchunks(const lp_epoch *e);
/* Rows of chunk k's matrix; its pieces in staging order. */
int64_t lp_epoch_chunk_rows(const lp_epoch *e, size_t k);
const lp_piece *lp_epoch_chunk_pieces(const lp_epoch *e, size_t k, size_t *npieces);
/* The same chunk every epoch with only the rows moving (eager: load once, regather). */
int lp_epoch_resident(const lp_epoch *e);
/* Stream batching (native): batch j is rows [j x B, j x B + B) of the chunks' rows end to end,
 * chunk k holding rows [lp_epoch_row0(k), lp_epoch_row0(k + 1)) of it. 0: ROOT's leftover
 * batching. */
int lp_epoch_stream(const lp_epoch *e);
int64_t lp_epoch_row0(const lp_epoch *e, size_t k);

/* What the pipeline executes for one chunk. Buffers are grown and reused across calls. */
typedef struct lp_rows {
    lp_piece *ranges;            /* sorted, disjoint, not adjacent */
    size_t nranges;
    int64_t nin;                 /* entries in the ranges */
    int64_t *dest;               /* nin rows (or -1: read but not delivered) */
    int64_t *copies;             /* ncopies pairs (source row, destination row), in order */
    size_t ncopies;
    int64_t nrows;               /* rows of the matrix */
    size_t ranges_cap, dest_cap, copies_cap;  /* bytes */
    /* scratch */
    int64_t *map, *order, *pos;
    size_t map_cap, order_cap, pos_cap;
} lp_rows;

void lp_rows_free(lp_rows *r);
rf_status lp_chunk_build(const lp_epoch *e, size_t k, lp_rows *out, rf_error *err);

/* A batch is npieces (chunk, first row, rows) in order. */
typedef struct lp_bpiece {
    int64_t chunk, row, n;
} lp_bpiece;

int64_t lp_epoch_nbatches(const lp_epoch *e);
/* Fills up to cap pieces of batch j and returns how many it has (call again with more room
 * when the result exceeds cap); 0 when j is out of range. */
size_t lp_epoch_batch(const lp_epoch *e, int64_t j, lp_bpiece *pieces, size_t cap);
/* The first chunk holding a row of batch j or of a later batch (where a resumed run starts
 * reading); nchunks when j >= nbatches. */
size_t lp_epoch_first_chunk(const lp_epoch *e, int64_t j);

/* Rows of chunk k that belong to batches made of several pieces (copied together when the
 * chunk is ready): batch index, rows [row, row + n) of the chunk, at row `at` of the batch. */
typedef struct lp_share {
    int64_t batch, row, n, at;
} lp_share;

/* Fills up to cap shares of chunk k (in batch order) and returns how many there are. */
size_t lp_epoch_chunk_shares(const lp_epoch *e, size_t k, lp_share *out, size_t cap);

#endif
