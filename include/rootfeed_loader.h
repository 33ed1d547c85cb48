/*
 * rootfeed_loader.h - shuffled mini-batches for ML training, read from one or more datasets.
 *
 * Model. A loader reads the columns of its output tensors from one or more datasets (each is
 * one of ROOT's RDataFrames: files x trees, friends, constant columns, filters, defines, an
 * entry range; see rootfeed_dataset.h). It delivers the selected entries (those passing the
 * dataset's filters) in batches of batch_size rows. Each output tensor is a row-major matrix:
 *   flat tensor        [B, width]: its columns side by side, a column taking one value, or
 *                      max_size values for a jagged or fixed-size array column (truncated, or
 *                      padded with vec_padding), named name_0 .. name_{k-1} as ROOT does;
 *   collection tensor  [B, n_max, ncolumns]: the items of one collection (Muon_pt, Muon_eta,
 *                      ...), truncated or padded to n_max, followed by a tensor named
 *                      "<name>_mask" [B, n_max] of uint8 (1 = a real item).
 * ROOT's layout is three float32 tensors X (features), y (targets), w (weights); rootfeed's
 * typed layout is one tensor per column in the column's own dtype. Virtual columns usable in
 * any tensor: rdfentry_ (entry number within its dataset, as ROOT's), rf_dataset_ (index of
 * the dataset in the list given to rf_loader_open), rf_file_ (index of the file within its
 * dataset), rf_entry_ (entry number within that file).
 *
 * Modes (rf_loader_mode): how entries are grouped, split, shuffled and cut into batches.
 *   RF_LOADER_NATIVE      rootfeed's: blocks of whole clusters (block_size entries, rounded to
 *                         clusters), chunks of about chunk_size entries filled with blocks drawn
 *                         at random from the whole dataset, every batch a uniformly random
 *                         sample of its chunk (rows inside a batch keep file order: the
 *                         transpose then writes each batch sequentially). A cluster larger
 *                         than chunk_size is cut where every column read ends a basket or
 *                         page (not with filters or a label column): its pieces count as
 *                         clusters, so a chunk stays near chunk_size (or one piece, where a
 *                         piece is larger) and draws from many places. Pieces of more than
 *                         chunk_size / 4 entries (ROOT's 1 MiB RNTuple pages) are each read
 *                         whole by one worker, and at least num_threads chunks are read ahead.
 *                         Every cluster is decompressed once per epoch (read amplification
 *                         1.0). The split is made on blocks. Batches straddle chunks; only an
 *                         epoch's last batch may be short. The only mode with rank/world_size,
 *                         N-class balancing and per-batch quotas.
 *   RF_LOADER_ROOT_638    ROOT 6.38's block shuffling (chunk_size, block_size) with ROOT's
 *                         selection, split and order (std::mt19937 draws as libstdc++ makes them).
 *   RF_LOADER_ROOT_640    ROOT 6.40's RDataLoader (batches_in_memory buffers of whole clusters,
 *                         clusters split proportionally between training and validation).
 *   RF_LOADER_ROOT_EAGER  ROOT's load_eager: every dataset in memory, split per dataset, a full
 *                         reshuffle each epoch; ROOT's two-class sampler (sampling_type).
 * The ROOT modes read whole clusters underneath and report the read amplification that
 * ROOT's semantics cost (rf_loader_stats). They keep ROOT's seeding: with a seed other than 0
 * their permutations repeat where ROOT's do (same seed every epoch); with seed 0 rootfeed
 * draws one seed, reports it (rf_loader_seed) and derives the draws ROOT takes from
 * std::random_device from it, so runs still replay from that seed.
 *
 * Epochs. Each part (training, validation) is iterated epoch by epoch: rf_loader_start(part,
 * epoch, first_batch) then rf_loader_next until it returns no batch. An epoch's order is a pure
 * function of (seed, part, epoch, rank, world_size); the caller numbers the epochs (torch's
 * set_epoch), so a run resumed from rf_loader_get_state continues with the next undelivered
 * batch in the same order.
 *
 * Data parallel (native mode). Ranks get disjoint shares of every epoch and the same number of
 * batches: shares are cut from the epoch's block order at equal numbers of selected entries;
 * rows that do not fit every rank are dropped (default) or rows are repeated (pad), as torch's
 * DistributedSampler does; rf_loader_stats says how many.
 *
 * Memory. Batches are slices of a chunk's matrices, handed out without copying. In native
 * mode the matrices are batch-aligned: a chunk's matrices hold the batches that start in it,
 * whole (the rows of a batch that straddles chunks are written there by the next chunk's
 * workers), so consecutive batches of one chunk are adjacent slices of one buffer and no row
 * is copied after the transpose (rf_loader_stats.bytes_copied stays 0 unless rows are
 * repeated). ROOT's modes copy a batch made of several chunks' leftovers into its own buffer,
 * as ROOT does. Batches are reference counted: a chunk's memory is freed when the last batch
 * viewing it is released, and batches stay valid after rf_loader_free. The loader holds about
 * two chunks (the one being delivered and the next, decoded by the workers) plus what the
 * caller still holds.
 *
 * Errors follow rootfeed.h: every fallible call returns an rf_status and fills the caller's
 * rf_error. An error in a worker thread (a corrupt basket in the 500th file) is returned by the
 * next rf_loader_next with the file, column and offset; the other workers stop.
 *
 * Threads. An rf_loader is used by one thread at a time (all rf_loader_* calls); it runs its
 * own worker threads. rf_batch_retain/release/tensor may be called from any thread.
 */
#ifndef ROOTFEED_LOADER_H
#define ROOTFEED_LOADER_H

#include "rootfeed.h"
#include "rootfeed_dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_loader rf_loader;
typedef struct rf_batch rf_batch;

typedef enum rf_loader_mode {
    RF_LOADER_NATIVE = 0,
    RF_LOADER_ROOT_638,
    RF_LOADER_ROOT_640,
    RF_LOADER_ROOT_EAGER
} rf_loader_mode;

typedef enum rf_part { RF_PART_TRAIN = 0, RF_PART_VALIDATION = 1 } rf_part;

/* Class balancing (native mode for N classes; ROOT's sampling_type in RF_LOADER_ROOT_EAGER). */
typedef enum rf_balance {
    RF_BALANCE_NONE = 0,
    RF_BALANCE_UNDER, /* every class but the limiting one is sampled down to its weight */
    RF_BALANCE_OVER   /* every class but the largest is repeated up to its weight */
} rf_balance;

/* One column of an output tensor: a dataset column, a define, or a virtual column. */
typedef struct rf_loader_column {
    const char *name;
    int64_t max_size; /* values kept per entry of a jagged or array column (ROOT's
                         max_vec_sizes); 0 for a flat column, or the array's own size */
} rf_loader_column;

typedef struct rf_loader_tensor {
    const char *name;                /* "X", "y", "w", or a column's name in typed layout */
    rf_dtype dtype;                  /* values are converted to it while being transposed */
    const rf_loader_column *columns;
    size_t ncolumns;
    int64_t n_max;                   /* > 0: a collection tensor [B, n_max, ncolumns] + mask */
} rf_loader_tensor;

typedef struct rf_loader_options {
    size_t size;                     /* sizeof(rf_loader_options), set by rf_loader_options_init */
    rf_loader_mode mode;             /* RF_LOADER_NATIVE */
    const rf_loader_tensor *tensors; /* the batch's outputs, in order */
    size_t ntensors;
    double vec_padding;              /* value of missing items (ROOT's vec_padding): 0 */
    int64_t batch_size;              /* rows per batch: 1024 */
    int64_t chunk_size;              /* native, ROOT_638: entries per chunk: 500000 */
    int64_t block_size;              /* native (rounded to whole clusters), ROOT_638: 10000 */
    int64_t batches_in_memory;       /* ROOT_640: a buffer holds batch_size x this: 10 */
    int shuffle;                     /* 1 */
    int drop_remainder;              /* drop an epoch's last, short batch: 1 (ROOT's default) */
    uint64_t seed;                   /* 0: draw one (see rf_loader_seed) */
    float validation_split;          /* fraction of selected entries for validation: 0 */
    int rank, world_size;            /* native only: 0, 1 */
    int pad;                         /* ranks: repeat rows instead of dropping them: 0 */
    int inference;                   /* native, every selected entry once in file order, no
                                        split, no shuffle, short last batch, shares of
                                        consecutive entries per rank: 0 */
    int num_threads;                 /* worker threads: 0 = all cores */
    int64_t prefetch_chunks;         /* chunks decoded ahead of the one being delivered: 1
                                        (num_threads at least with pieces over chunk_size / 4) */
    /* balancing */
    rf_balance balance;              /* RF_BALANCE_NONE */
    const char *label_column;        /* classes from this integer column (values 0..nclasses-1);
                                        NULL: class i is dataset i */
    int nclasses;
    const double *class_weights;     /* target share of each class (nclasses values); NULL:
                                        equal, or from sampling_ratio for two classes */
    float sampling_ratio;            /* ROOT: minority/majority after sampling: 1 */
    int replacement;                 /* draw with replacement (ROOT's `replacement`): 0 */
    int per_batch;                   /* native: every batch holds round(B x weight) rows of
                                        each class: 0 */
    /* Called about every 50 ms, without any loader lock held, by the thread waiting in
     * rf_loader_open (the first pass) or rf_loader_next; a nonzero return ends the wait: the
     * call returns RF_ERR_INTERRUPTED (Python's Ctrl-C). NULL: wait as long as it takes. */
    int (*interrupt)(void *ctx);
    void *interrupt_ctx;
} rf_loader_options;

/* Fills opt with the defaults above (and opt->size). */
void rf_loader_options_init(rf_loader_options *opt);

/* Opens a loader over n datasets (ROOT's list of RDataFrames; the datasets must outlive it).
 * Checks every tensor column against each dataset's schema, runs the first pass that counts
 * the entries passing the filters per cluster (and reads the label column) when needed, and
 * makes the split. Errors: RF_ERR_NOT_FOUND (unknown column), RF_ERR_ARG (bad option, e.g. a
 * jagged column without max_size, rank options outside native mode, a split that leaves a
 * part empty), and the dataset's own errors. */
rf_status rf_loader_open(rf_dataset *const *datasets, size_t n, const rf_loader_options *opt,
                         rf_loader **out, rf_error *err);
/* Stops the workers and frees the loader; batches still held stay valid. NULL is fine. */
void rf_loader_free(rf_loader *l);

/* The seed in use (the drawn one when the options said 0). */
uint64_t rf_loader_seed(const rf_loader *l);
/* Selected entries of a part (this rank's share before equalisation is not reported here). */
int64_t rf_loader_entries(const rf_loader *l, rf_part part);
/* Batches that epoch `epoch` of part delivers on this rank, and the rows of its last batch
 * (ROOT's num_batches and last_batch_no_of_rows: 0 when every batch is full). */
int64_t rf_loader_num_batches(const rf_loader *l, rf_part part, int64_t epoch);
int64_t rf_loader_last_batch_rows(const rf_loader *l, rf_part part, int64_t epoch);

/* Output tensors as batches carry them: the options' tensors, each collection tensor followed
 * by its "<name>_mask" tensor. */
size_t rf_loader_ntensors(const rf_loader *l);
/* Names along tensor i's last dimension: a flat tensor's flattened columns (a column of k
 * values is name_0 .. name_{k-1}, as ROOT names them), a collection's columns, a mask's items. */
size_t rf_loader_tensor_width(const rf_loader *l, size_t i);
const char *rf_loader_tensor_column(const rf_loader *l, size_t i, size_t j);

/* Starts epoch `epoch` of part at batch first_batch (0, or the resume point); ends any epoch in
 * progress. Workers begin decoding at once. */
rf_status rf_loader_start(rf_loader *l, rf_part part, int64_t epoch, int64_t first_batch,
                          rf_error *err);
/* The next batch (the caller owns one reference), or *out = NULL at the end of the epoch.
 * Blocks until the batch is ready. */
rf_status rf_loader_next(rf_loader *l, rf_batch **out, rf_error *err);
/* Ends the epoch in progress early; its pending work is dropped (Ctrl-C, break). */
void rf_loader_stop(rf_loader *l);

/* A batch: rows and one view per tensor. Views stay valid while the batch is referenced; the
 * memory is writable and not shared with any other batch. */
typedef struct rf_tensor_view {
    const char *name;
    rf_dtype dtype;
    int ndim;               /* 2, or 3 for a collection */
    int64_t shape[3];
    int64_t strides[3];     /* bytes (row-major, contiguous) */
    void *data;
} rf_tensor_view;

int64_t rf_batch_rows(const rf_batch *b);
size_t rf_batch_ntensors(const rf_batch *b);
rf_status rf_batch_tensor(const rf_batch *b, size_t i, rf_tensor_view *v, rf_error *err);
/* The whole block a batch views - a chunk's matrices, shared by the batches cut from it as
 * consecutive rows, or a batch's own - as tensor i's view of all its rows, and *row0, the
 * batch's first row in it (rf_batch_tensor's view is rows [row0, row0 + rows) of it). The
 * view is valid while b is referenced. A caller can view a chunk once and slice its batches
 * out of it (Python does). */
rf_status rf_batch_block(const rf_batch *b, size_t i, rf_tensor_view *v, int64_t *row0,
                         rf_error *err);
/* The batch's position: part, epoch and index within the epoch. */
int64_t rf_batch_index(const rf_batch *b);
rf_batch *rf_batch_retain(rf_batch *b);
void rf_batch_release(rf_batch *b); /* NULL is fine */

/* Resume. The state names the next undelivered batch of the epoch in progress; give it to a
 * new loader opened with the same datasets and options (any num_threads) through
 * rf_loader_resume. A state from different options or data is refused with RF_ERR_ARG. */
typedef struct rf_loader_state {
    uint32_t version;       /* 1 */
    uint32_t part;
    uint64_t seed;
    int64_t epoch;
    int64_t next_batch;
    int32_t rank, world_size;
    uint64_t fingerprint;   /* of the options and the datasets' shape */
} rf_loader_state;

void rf_loader_get_state(const rf_loader *l, rf_loader_state *st);
rf_status rf_loader_resume(rf_loader *l, const rf_loader_state *st, rf_error *err);

/* Counters since rf_loader_open (the *_epoch figures for the epoch in progress). */
typedef struct rf_loader_stats {
    int64_t entries_delivered;    /* rows handed out in batches */
    int64_t bytes_delivered;      /* of tensor data */
    int64_t bytes_copied;         /* row bytes copied after the transpose: ROOT modes' batches
                                     of several chunks, and repeated rows (rank padding,
                                     over-sampling); 0 otherwise */
    int64_t bytes_read;           /* compressed bytes of the columns read (estimated from each
                                     column's totals in proportion to the entries decoded) */
    int64_t bytes_decompressed;   /* their uncompressed bytes (estimated the same way) */
    double read_amplification;    /* entries of clusters decompressed / entries of the
                                     distinct clusters needed (1.0 in native mode) */
    int64_t rows_dropped;         /* rank equalisation, drop_remainder, sampling, quotas */
    int64_t rows_repeated;        /* rank padding and over-sampling */
    int64_t peak_buffer_bytes;    /* chunk matrices and batches alive at once (this epoch) */
    int64_t buffer_bound_bytes;   /* two chunks being delivered (a batch spans them) and the
                                     prefetched ones, each chunk's matrices up to a batch longer
                                     than the chunk (native) or three batches being assembled
                                     (ROOT modes); a chunk holds at most max(chunk_size, the
                                     largest block) entries */
    int64_t largest_cluster;      /* entries of the largest cluster, or piece of one (native
                                     mode); > chunk_size means a chunk holds one cluster */
    double wait_seconds;          /* the consumer waiting in rf_loader_next */
    double read_seconds;          /* 0: fetching bytes is timed with the decode (mapped files) */
    double decode_seconds;        /* worker time decoding columns into their rows */
    double filter_seconds;        /* worker time in the first pass (filters, labels) */
    double transpose_seconds;     /* worker time building chunks' row maps */
    double wall_seconds;          /* between rf_loader_start and the end of the epoch */
    double ratio_to_bound;        /* decode CPU / (threads x wall): an estimate of the bench's
                                     ratio to the bound */
    double shuffle_quality;       /* expected distinct clusters per batch / the same for a
                                     perfect shuffle of the part (1.0 = as good as global);
                                     the files' clusters, whole, also where they are cut */
} rf_loader_stats;

void rf_loader_get_stats(const rf_loader *l, rf_loader_stats *st);

#ifdef __cplusplus
}
#endif
#endif
