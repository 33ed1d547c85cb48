/* loader.h - internals of the loader (include/rootfeed_loader.h).
 *
 * loader.c   options, output layout, the first pass (filters, labels), the plan, state, stats
 * pipeline.c the worker pool and its tasks (plan a chunk's rows, read slices of its clusters
 *            into its matrices)
 * epoch.c    epochs, scheduling chunks, rf_loader_next (batches as slices or assembled)
 * batch.c    reference-counted memory blocks and batches
 *
 * Memory: a block holds the matrices of every output tensor for some rows (a chunk's whole
 * batches, a batch spanning chunks, or one assembled batch). Blocks and batches count references atomically; a batch keeps its block,
 * the block keeps the shared part (layout and memory counters), so batches outlive the
 * loader. */
#ifndef RF_LOADER_INTERNAL_H
#define RF_LOADER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "plan.h"
#include "rootfeed_loader.h"

enum { LB_DATA = 0, LB_ENTRY, LB_DATASET, LB_FILE, LB_FILE_ENTRY }; /* column sources */

/* One column of an output tensor. */
typedef struct lb_col {
    char *name;
    int source;        /* LB_DATA or a virtual column */
    long *dscol;       /* LB_DATA: column index in each dataset */
    int64_t items;     /* values per row: 1, an array's size or max_size */
    int jagged;
    int64_t offset;    /* first value's position in the row (collection: column index) */
} lb_col;

typedef struct lb_tensor {
    char *name;
    rf_dtype dtype;
    size_t esize;
    int64_t width;     /* values per row */
    int64_t n_max;     /* collection: items per row per column (width = n_max x ncols) */
    lb_col *cols;
    size_t ncols;
    long mask;         /* collection: index of its mask tensor; -1 */
    int is_mask;
    int staged;        /* assembled from rows staged whole (pipeline.c, staged_rows) */
    char **flat;       /* flattened column names (width of them) */
} lb_tensor;

#define LB_POOL 2

/* What batches need after the loader is gone: the layout and the memory counters; and, while
 * the loader is open, a few large buffers kept for reuse (chunk matrices), so their
 * pages are faulted in once rather than for every chunk. */
typedef struct lb_shared {
    pthread_mutex_t pool_mu;
    void *pool[LB_POOL];
    size_t pool_cap[LB_POOL];
    int npool, pool_closed;
    atomic_long refs;
    lb_tensor *t;
    size_t nt;
    size_t row_bytes;          /* all tensors of one row */
    size_t block_bytes;        /* the largest chunk block of the epoch (rf_loader_start) */
    atomic_llong bytes_alive;  /* blocks not yet freed */
    atomic_llong bytes_peak;
} lb_shared;

typedef struct lb_block {
    atomic_long refs;
    lb_shared *sh;
    int64_t rows;
    size_t bytes, cap;
    size_t *off;               /* start of each tensor's matrix */
    unsigned char *mem;
} lb_block;

struct rf_batch {
    atomic_long refs;
    lb_block *block;
    int64_t row0, rows, index;
};

lb_block *lb_block_new(lb_shared *sh, int64_t rows, rf_error *err);
/* A buffer of at least `bytes` (64-byte aligned): a pooled one when one is large enough;
 * *cap receives its size. NULL when out of memory. */
void *lb_buffer_get(lb_shared *sh, size_t bytes, size_t *cap);
/* Gives a buffer back: kept for reuse while the pool is open, else freed. */
void lb_buffer_put(lb_shared *sh, void *p, size_t cap);
/* Frees the pooled buffers; later ones are freed as they come back. */
void lb_pool_close(lb_shared *sh);
void lb_block_release(lb_block *b);
void lb_shared_release(lb_shared *sh);
/* Row r of tensor t in a block. */
static inline unsigned char *lb_row(const lb_block *b, size_t t, int64_t r)
{
    const lb_tensor *x = &b->sh->t[t];
    return b->mem + b->off[t] + (size_t)r * (size_t)x->width * x->esize;
}
/* Copies n rows of every tensor from src (row s) to dst (row d). */
void lb_copy_rows(lb_block *dst, int64_t d, const lb_block *src, int64_t s, int64_t n);
rf_batch *lb_batch_new(lb_block *b, int64_t row0, int64_t rows, int64_t index, rf_error *err);

/* A cluster a chunk reads: dataset d's local entries [a, b), the chunk's ranges that fall in
 * it ([r0, r1)), the span [lo, hi) of entries it delivers (m of them) and the row of each:
 * local entry a + lo + x goes to row rows[x] (lb_chunk's encoding; -1: not delivered). */
typedef struct lb_read {
    size_t cluster, d;
    int64_t a, b;
    size_t r0, r1;
    int64_t lo, hi, m;
    int32_t *rows;
} lb_read;

/* A READ task: local entries [x0, x1) of read i, every output column of them. */
typedef struct lb_slice {
    size_t read;
    int64_t x0, x1;
} lb_slice;

/* One output column (tensor t, column c) and its bytes per row (items x dtype size). */
typedef struct lb_colref {
    size_t t, c, bytes;
} lb_colref;

enum { LB_IDLE = 0, LB_QUEUED, LB_READING, LB_READY, LB_FAILED }; /* QUEUED: matrices made */

/* A chunk's working buffers, kept from chunk to chunk (grown, never shrunk). */
typedef struct lb_bufs {
    lp_rows rows;
    int64_t *range_dest;       /* dest offset of each range */
    lb_read *reads;
    int32_t *maps;             /* the reads' row maps, end to end */
    lb_slice *slices;
    size_t range_cap, reads_cap, maps_cap, slices_cap; /* bytes */
} lb_bufs;

/* Working buffers kept for the chunks planned next. Up to four chunks are alive at once
 * (delivered, read, prefetched, planned ahead); with two kept, a chunk's row maps (4 bytes an
 * entry of its clusters: 5 MB for a 1.25M-entry RNTuple cluster) were freed and faulted in
 * again a few times an epoch (5,065 page faults an epoch on a 1e7-entry RNTuple; 1,642). */
#define LB_SPARE 4
#define LB_SLICE 8192    /* entries staged at a time (a worker's stage stays in cache) */
/* Entries a READ task aims at, at most (its end moves up to a basket/page end, within twice). */
#define LB_TASK_MAX ((int64_t)1 << 18)

/* A chunk's matrices. With stream batching they are batch-aligned: chunk k's block holds the
 * whole batches that start and end in chunk k; a batch that starts in chunk k and ends in a
 * later one has a block of its own, chunk k's tail, which the later chunks write their first
 * `nhead` rows to (their head block), from row head_at; so chunk k's block can go as soon as
 * its whole batches are delivered, before the chunks after it are read. (A resumed run's
 * delivered batch: a head block of its own, for the row copies only.) */
typedef struct lb_chunk {
    int state;
    lb_block *block;           /* the loader's reference */
    lb_block *tail;            /* the batch that starts in it and ends later, or NULL */
    lb_block *head;            /* a reference to the earlier chunk's tail, or NULL */
    int64_t own, ntail;        /* rows of its block, of its tail */
    int64_t nhead, head_at;
    size_t head_chunk;         /* the chunk whose block holds the head rows */
    int plan_queued, planned;  /* PLAN queued; done (its READs wait for the block) */
    lb_bufs b;
    size_t nreads, nslices;
    atomic_long pending;       /* READ tasks not done */
    int64_t copied;            /* bytes of repeated rows copied (counted when it enters) */
    rf_error err;
} lb_chunk;

typedef struct lb_asm {
    int64_t batch;
    lb_block *block;
} lb_asm;

typedef struct lb_task {
    int kind;                  /* LB_T_PREPASS, LB_T_PLAN, LB_T_READ */
    uint64_t gen;              /* the epoch (or pass) it belongs to */
    int64_t a, b;
} lb_task;

enum { LB_T_PREPASS = 1, LB_T_PLAN, LB_T_READ };

typedef struct lb_worker {
    rf_loader *l;
    int id;
    rf_dataset_reader **readers; /* one per dataset */
    int64_t *rows;             /* scratch: the first pass's filter mask */
    size_t rows_cap;
    unsigned char *stage;      /* a slice's output columns (rf_loader.soff) */
    rf_column_data *direct;    /* per output column: a slice decoded as it is stored */
    const unsigned char **src; /* per output column: its values for the slice (stage or direct) */
    int64_t *iota;             /* 0, 1, ... LB_SLICE - 1 */
    rf_column_data scratch;
    pthread_t thread;
} lb_worker;

struct rf_loader {
    rf_loader_options opt;
    rf_dataset **ds;
    size_t nds;
    lb_shared *sh;
    lb_colref *colrefs;        /* every output column */
    size_t ncolrefs;
    size_t *tbase;             /* first colref of each tensor */
    size_t *soff;              /* offsets in a worker's stage: each colref's, each mask's */
    /* the datasets end to end */
    int64_t *ds_first;         /* first global raw entry of each dataset (nds + 1) */
    size_t *ds_cluster;        /* first cluster of each dataset (nds + 1) */
    int64_t *bounds;           /* global raw cluster boundaries (or of their pieces: loader.c) */
    size_t *unit;              /* each piece's cluster in the files (the shuffle quality's unit) */
    size_t nclusters;
    int64_t *pass;             /* entries of each cluster passing the filters */
    _Atomic uint64_t *passbits; /* which raw entries pass (NULL: every one) */
    uint8_t *raw_labels;       /* first pass: class of each raw entry */
    long *label_col;           /* label column in each dataset */
    int filtered;
    int big_pieces;            /* some cluster is cut into pieces over a quarter chunk (loader.c) */
    lp_plan *plan;
    uint64_t fingerprint;
    /* workers */
    int nthreads;
    lb_worker *workers;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    lb_task *queue;
    size_t qhead, qlen, qcap;
    int running;               /* tasks being executed */
    int ending;                /* threads waiting for them to end (lb_epoch_end) */
    int quit;
    uint64_t gen;
    int64_t prepass_left;
    rf_status prepass_status;
    rf_error prepass_err;
    /* the epoch in progress */
    lp_epoch *e;
    int part;
    int64_t epoch;
    int64_t next;              /* next batch to hand out */
    lb_chunk *chunks;
    size_t nchunks, scheduled, entered;
    size_t first_alive;
    lb_asm *assembly;          /* batches being assembled */
    size_t nasm;
    lp_share *shares;
    size_t shares_cap;
    lb_bufs spare[LB_SPARE];   /* working buffers of freed chunks (under mu) */
    int nspare;
    int failed;
    rf_error err;
    /* stats */
    rf_loader_stats st;
    double t_start;
};

/* pipeline.c */
rf_status lb_pool_start(rf_loader *l, rf_error *err);
void lb_pool_stop(rf_loader *l);
/* Queues tasks (under the lock) and wakes workers. */
rf_status lb_push(rf_loader *l, int kind, int64_t a, int64_t b, rf_error *err);
void lb_epoch_end(rf_loader *l);
/* Queues chunk k's READ tasks (planned, its matrices made). Under the lock. */
rf_status lb_start_reads(rf_loader *l, size_t k, rf_error *err);
/* Waits on l->done under l->mu; RF_ERR_INTERRUPTED when the interrupt callback says so. */
rf_status lb_wait(rf_loader *l, rf_error *err);
void lb_spares_free(rf_loader *l);
size_t lb_ahead(const rf_loader *l);
void lb_bufs_free(lb_bufs *b);
void lb_bufs_keep(rf_loader *l, lb_bufs *b);
/* The first pass over every cluster: filters and labels. */
rf_status lb_prepass(rf_loader *l, rf_error *err);
double lb_now(void);

#endif
