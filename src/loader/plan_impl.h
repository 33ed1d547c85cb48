/* plan_impl.h - what the plan's files share: the plan and epoch structures, and the hooks of
 * the mode builders (plan_native.c for rootfeed's mode, plan_root.c for ROOT's three). */
#ifndef RF_LOADER_PLAN_IMPL_H
#define RF_LOADER_PLAN_IMPL_H

#include "plan.h"
#include "rng.h"

/* How a chunk's staging positions become matrix rows (src[row] = staging position). EAGER:
 * ROOT's staging order is the part's list (per-dataset split order), the pieces are its
 * entries sorted; rows follow ShuffleTensor over the list (or the list itself, unshuffled). */
enum { LP_MAP_IDENTITY, LP_MAP_MT, LP_MAP_XO, LP_MAP_SAMPLE, LP_MAP_EAGER };

/* Words that name the independent random streams of the native mode. */
enum { LP_TAG_SPLIT = 1, LP_TAG_BLOCKS, LP_TAG_ROWS, LP_TAG_SAMPLE, LP_TAG_CLASS, LP_TAG_ROOT };

typedef struct lp_chunk {
    size_t first, npieces; /* pieces in staging order */
    int64_t nstage;        /* staging positions (entries of the pieces, repeats counted) */
    int64_t nmap;          /* rows the row map makes */
    int64_t keep;          /* rows kept (rank equalisation drops the rest) */
    int64_t pad;           /* rows appended as copies of kept rows (rank padding) */
    uint64_t seed;         /* the row map's seed (std::mt19937 seed or stream word) */
} lp_chunk;

typedef struct lp_native {
    lp_piece *blocks;      /* whole clusters, in data order */
    uint8_t *part;         /* part of each block */
    uint8_t *cls;          /* dominant class of each block (quotas) */
    int64_t *counts;       /* nblocks x nclasses entries per class (balancing) */
    size_t nblocks;
} lp_native;

typedef struct lp_root638 {
    int64_t n[2];              /* entries of each part */
    lp_piece *lists[2][4];     /* ROOT's four kinds of block intervals per part, as split */
    size_t nlist[2][4];
} lp_root638;

typedef struct lp_root640 {
    lp_piece *pieces[2];       /* cluster parts of each part, in discovery order */
    size_t npieces[2];
    lp_piece *cluster_train;   /* filtered: each cluster's training part (epoch 0 buffers) */
} lp_root640;

typedef struct lp_eager {
    int64_t *entries[2];       /* each part's rows in ROOT's order (datasets concatenated) */
    int64_t n[2];
    int64_t *sortpos[2];       /* position of entries[p] among the part's sorted entries */
    lp_piece *ranges[2];       /* the part's entries, sorted and merged */
    size_t nranges[2];
    int64_t *group_off[2];     /* ngroups + 1 offsets into entries */
} lp_eager;

struct lp_plan {
    lp_config cfg;
    double weights[LP_MAX_CLASSES];
    uint64_t seed;
    int filtered;
    size_t nclusters;
    int64_t *bounds;       /* raw entry boundaries */
    int64_t *sel;          /* selected-space boundaries */
    size_t *unit, nunits;  /* lp_shape.unit (NULL: each cluster its own) and their count */
    int64_t nsel;
    size_t ngroups;
    size_t *group_start;   /* ngroups + 1 cluster indices */
    uint8_t *labels;       /* class of each selected entry (balancing), or NULL */
    int nclasses;
    int64_t part_entries[2];
    lp_native nat;
    lp_root638 r638;
    lp_root640 r640;
    lp_eager eager;
};

struct lp_epoch {
    const lp_plan *plan;
    int part;
    int64_t epoch;
    int map;               /* LP_MAP_* */
    int leftover;          /* ROOT's batching; else the stream */
    int resident;
    lp_chunk *chunks;
    size_t nchunks, chunks_cap;
    lp_piece *pieces;
    size_t npieces, pieces_cap;
    int64_t *piece_off;    /* staging offset of each piece within its chunk */
    int repeats;           /* pieces may repeat an entry (eager sampling) */
    int64_t *targets;      /* LP_MAP_SAMPLE: nchunks x nclasses rows per class */
    size_t targets_cap;    /* bytes */
    int64_t quota[LP_MAX_CLASSES];
    int quotas;            /* rows per class per batch are fixed */
    int64_t *row_off;      /* nchunks + 1 */
    int64_t *lo_off;       /* leftover stream offsets, nchunks + 1 */
    int64_t *batch_off;    /* batches emitted up to each chunk, nchunks + 1 */
    lp_epoch_info info;
};

/* Builders: fill the plan's mode part at creation, and an epoch's chunks. */
rf_status lp_native_init(lp_plan *p, rf_error *err);
rf_status lp_native_epoch(lp_epoch *e, rf_error *err);
rf_status lp_root638_init(lp_plan *p, rf_error *err);
rf_status lp_root638_epoch(lp_epoch *e, rf_error *err);
rf_status lp_root640_init(lp_plan *p, rf_error *err);
rf_status lp_root640_epoch(lp_epoch *e, rf_error *err);
rf_status lp_eager_init(lp_plan *p, rf_error *err);
rf_status lp_eager_epoch(lp_epoch *e, rf_error *err);
void lp_mode_free(lp_plan *p);

/* Shared helpers (plan.c). */
rf_status lp_add_piece(lp_epoch *e, int64_t start, int64_t n, rf_error *err);
/* Opens a new chunk whose pieces are the ones added from now on. */
rf_status lp_open_chunk(lp_epoch *e, uint64_t seed, rf_error *err);
void *lp_alloc(size_t n, size_t size, rf_error *err); /* calloc or RF_ERR_NOMEM in err */
/* The seed of a draw that ROOT takes from std::random_device when its seed is 0. */
uint64_t lp_derived_seed(const lp_plan *p, uint64_t a, uint64_t b, uint64_t c);
/* floor(a * b / c) without overflow (c > 0). */
int64_t lp_muldiv(int64_t a, int64_t b, int64_t c);
/* The row map of chunk k as src[row] = staging position, nmap rows (LP_MAP_SAMPLE). */
rf_status lp_sample_rows(const lp_epoch *e, size_t k, int64_t *src, rf_error *err);

#endif
