/* bench_remote.c - the loader over remote files against the same file read locally (issue
 * 20). One training epoch of rf_loader (native mode, shuffled batches of 1024 rows, chunks of
 * --chunk entries, --threads workers, one tensor X of the given float32 columns) is timed
 * from rf_dataset_open to the last batch, for each SOURCE in turn: a local path and URLs of
 * the same file (http://, root://). Each of --runs runs times every source back to back, so
 * the ratio remote / local is taken within a run (the machine's load hits both); the medians
 * are printed. For remote sources it also prints what went over the wire in one epoch (the
 * remote counters of src/io/remote.h): requests, byte ranges in them, bytes, retries, and
 * requests and ranges per chunk - the coalescing at work (a chunk's baskets of every column
 * fetched in a few multi-range requests or vector reads instead of one request per basket).
 * Wall time: remote reads wait on the network, which CPU time would not see.
 *
 * Usage: bench_remote [--runs N] [--threads T] [--chunk N] OBJECT COLUMNS SOURCE...
 *        (bench/remote/run.sh writes a file, starts nginx and xrootd on loopback, runs it) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/bench_time.h"
#include "io/remote.h"
#include "rootfeed.h"
#include "rootfeed_dataset.h"
#include "rootfeed_loader.h"

#define MAX_SOURCES 8
#define MAX_RUNS 15

typedef struct {
    double seconds;
    int64_t bytes, chunks;
    remote_counters wire; /* this epoch's traffic */
} epoch_result;

/* Splits "a,b,c" into loader columns (the string is cut in place). */
static size_t split_columns(char *list, rf_loader_column *cols, size_t cap)
{
    size_t n = 0;
    for (char *tok = strtok(list, ","); tok && n < cap; tok = strtok(NULL, ","))
        cols[n++] = (rf_loader_column){tok, 0};
    return n;
}

/* One epoch over source; returns nonzero (with a message) on failure. */
static int run_epoch(const char *source, const char *object, const rf_loader_column *cols, size_t ncols,
                     int threads, int64_t chunk, epoch_result *r)
{
    remote_counters c0, c1;
    remote_get_counters(&c0);
    double t0 = bench_now();
    rf_dataset *ds = NULL;
    rf_loader *l = NULL;
    rf_error err = {0};
    rf_loader_tensor x = {"X", RF_FLOAT32, cols, ncols, 0};
    rf_loader_options o;
    rf_loader_options_init(&o);
    o.tensors = &x;
    o.ntensors = 1;
    o.chunk_size = chunk;
    o.num_threads = threads;
    o.seed = 7;
    rf_status st = rf_dataset_open(&source, &object, 1, &ds, &err);
    if (!st)
        st = rf_loader_open(&ds, 1, &o, &l, &err);
    if (!st)
        st = rf_loader_start(l, RF_PART_TRAIN, 0, 0, &err);
    r->bytes = 0;
    while (!st) {
        rf_batch *b;
        if ((st = rf_loader_next(l, &b, &err)) != RF_OK || !b)
            break;
        r->bytes += rf_batch_rows(b) * (int64_t)(ncols * sizeof(float));
        rf_batch_release(b);
    }
    r->seconds = bench_now() - t0;
    r->chunks = l ? (rf_loader_entries(l, RF_PART_TRAIN) + chunk - 1) / chunk : 0;
    rf_loader_free(l);
    rf_dataset_free(ds);
    remote_get_counters(&c1);
    r->wire = (remote_counters){c1.requests - c0.requests, c1.ranges - c0.ranges, c1.bytes - c0.bytes,
                                c1.retries - c0.retries};
    if (st)
        fprintf(stderr, "bench_remote: %s: %s\n", source, err.msg);
    return st != RF_OK;
}

int main(int argc, char **argv)
{
    int runs = 5, threads = 2;
    int64_t chunk = 100000;
    int a = 1;
    for (; a + 1 < argc && !strncmp(argv[a], "--", 2); a += 2) {
        if (!strcmp(argv[a], "--runs"))
            runs = atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "--threads"))
            threads = atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "--chunk"))
            chunk = atoll(argv[a + 1]);
    }
    int nsrc = argc - a - 2;
    if (nsrc < 1 || nsrc > MAX_SOURCES || runs < 1 || runs > MAX_RUNS || chunk < 1) {
        fprintf(stderr, "usage: bench_remote [--runs N<=15] [--threads T] [--chunk N] OBJECT COLUMNS SOURCE...\n");
        return 2;
    }
    const char *object = argv[a];
    rf_loader_column cols[256];
    size_t ncols = split_columns(argv[a + 1], cols, 256);
    char **src = argv + a + 2;
    static epoch_result res[MAX_RUNS][MAX_SOURCES];
    for (int r = 0; r < runs; r++)
        for (int s = 0; s < nsrc; s++)
            if (run_epoch(src[s], object, cols, ncols, threads, chunk, &res[r][s]))
                return 1;
    printf("loader epoch: %zu float32 columns, chunks of %lld entries, %d threads, %d runs (medians; wall time)\n",
           ncols, (long long)chunk, threads, runs);
    printf("%-60s %8s %9s %9s %9s %8s %8s %9s %12s %12s\n", "source", "s", "MB/s", "x local", "requests",
           "ranges", "retries", "MB wire", "req/chunk", "ranges/chunk");
    for (int s = 0; s < nsrc; s++) {
        double secs[MAX_RUNS], ratio[MAX_RUNS];
        for (int r = 0; r < runs; r++) {
            secs[r] = res[r][s].seconds;
            ratio[r] = res[r][0].seconds / res[r][s].seconds;
        }
        const epoch_result *last = &res[runs - 1][s];
        double t = bench_median(secs, (size_t)runs);
        printf("%-60s %8.2f %9.0f %9.2f %9llu %8llu %8llu %9.1f %12.1f %12.1f\n", src[s], t, last->bytes / t / 1e6,
               bench_median(ratio, (size_t)runs), (unsigned long long)last->wire.requests,
               (unsigned long long)last->wire.ranges, (unsigned long long)last->wire.retries, last->wire.bytes / 1e6,
               last->chunks ? (double)last->wire.requests / (double)last->chunks : 0.0,
               last->chunks ? (double)last->wire.ranges / (double)last->chunks : 0.0);
    }
    return 0;
}
