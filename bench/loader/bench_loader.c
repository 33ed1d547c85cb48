/* bench_loader.c - the loader (native mode, shuffled batches of 1024 rows, chunks of 500,000
 * entries) against the bound (DESIGN.md) on the same number of threads, on files of N x 20
 * float32 columns (N = 1e7, or ROOTFEED_BENCH_ENTRIES), TTree and RNTuple, zstd / lz4 / zlib /
 * none, written first with the rootfeed writer into bench/out/.
 *
 * The bound (bench/common/bound.h, as bench_read's): every basket or page of the 20 columns
 * already in memory, decompressed by the same library straight into its place in an output as
 * large as the columns (faulted in once), plus the pass the encoding needs (TTree: byte swap;
 * RNTuple: page checksum and the split decode), the baskets/pages shared among T threads. The loader: one training epoch of
 * rf_loader (T worker threads, the consumer dropping each batch), in a child process so that
 * its peak RSS is its own; four epochs, the median of the last three (steady state: the chunk
 * buffers exist, the file is mapped) giving the main figures, the first reported beside them;
 * the bound's time is the median of at least 3 passes. Each of 3 runs times the bound and the
 * loader back to back for 1 and 2 threads; ratios are taken within a run, medians printed. Also: 1 -> 2 threads
 * scaling, peak RSS against 2.5 x (chunk + largest cluster) + 100 MB, and the shuffle quality
 * on a file sorted by label: the spread of the per-batch label fraction against a perfect
 * shuffle's, for several block sizes.
 * The machine is shared: ratios are also given in CPU time (all threads; robust to other
 * processes taking the cores, not to them sharing the memory bus) with the load average.
 * Usage: bench_loader [FORMAT CODEC ...] (e.g. ttree zstd rntuple none); no arguments: all 8. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/bench_time.h"
#include "../common/bound.h"
#include "rootfeed.h"

#define NCOL 20
#define RUNS 3
#define STEADY 5 /* steady-state epochs per loader process */
#define BATCH 1024
#define CHUNK 500000

static int64_t N = 10000000;

/* ------------------------------------------------------------------ files */

/* Physics-like values: 0.01 steps over [0, 1000) from a fixed generator; label (when asked)
 * 0 for the first half of the entries, 1 for the second (a file sorted by label). */
static int write_file(const char *path, rf_format fmt, int codec, int64_t n, int64_t cluster, int label)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return 0;
    rf_writer_options o;
    rf_writer_options_init(&o);
    o.format = fmt;
    o.compression = codec;
    o.cluster_entries = cluster;
    rf_writer *w;
    rf_error err;
    if (rf_writer_open(path, "events", &o, &w, &err)) {
        printf("writer: %s\n", err.msg);
        return 1;
    }
    int nc = NCOL + (label != 0);
    rf_column_data c[NCOL + 1];
    const int64_t step = 100000;
    for (int k = 0; k < nc; k++) {
        char name[16];
        snprintf(name, sizeof name, k < NCOL ? "f%d" : "label", k);
        rf_writer_column col = {.name = name, .dtype = k < NCOL ? RF_FLOAT32 : RF_INT32, .kind = RF_KIND_FLAT};
        rf_writer_add_column(w, &col, &err);
        rf_column_data_init(&c[k]);
        c[k].dtype = col.dtype;
        c[k].values = malloc((size_t)step * 4);
    }
    uint64_t s = 0x9e3779b97f4a7c15ull;
    rf_status rs = RF_OK;
    for (int64_t e = 0; e < n && rs == RF_OK; e += step) {
        int64_t m = n - e < step ? n - e : step;
        for (int64_t i = 0; i < m; i++)
            for (int k = 0; k < nc; k++) {
                s = s * 6364136223846793005ull + 1442695040888963407ull;
                if (k < NCOL)
                    ((float *)c[k].values)[i] = (float)((s >> 40) % 100000) * 0.01f;
                else
                    ((int32_t *)c[k].values)[i] = e + i >= n / 2;
            }
        for (int k = 0; k < nc; k++)
            c[k].nentries = c[k].nvalues = m;
        rs = rf_writer_append(w, c, (size_t)nc, &err);
    }
    for (int k = 0; k < nc; k++)
        free(c[k].values);
    if (rs != RF_OK || rf_writer_close(w, &err) != RF_OK) {
        printf("writer: %s\n", err.msg);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ the bound */

/* Keeps the pages of [p, p + n) out of the loader's forked children: else each fork makes them
 * copy-on-write, and the bound's next pass takes a write fault on every page of its output
 * (measured: its first pass after a child 15-30% slower than the next ones). */
static void no_fork(void *p, size_t n)
{
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE), a = ((uintptr_t)p + pg - 1) & ~(pg - 1);
    uintptr_t e = ((uintptr_t)p + n) & ~(pg - 1);
    if (p && e > a)
        madvise((void *)a, e - a, MADV_DONTFORK);
}

/* ------------------------------------------------------------------ the loader */

/* VmHWM of this process in kB (getrusage's ru_maxrss would count the parent's pages at the
 * fork). */
static long peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

typedef struct loader_run {
    double seconds, cpu;       /* the first epoch (opening, faulting the buffers in) */
    double seconds2, cpu2;     /* the second epoch (steady state) */
    double label_spread, perfect_spread, quality;
    int64_t batches, rows, maxrss_kb, peak_bytes, largest_cluster;
    int ok;
} loader_run;

/* One training epoch in a child process: X = the 20 columns (float32); with label > 0 also
 * the label tensor, and the per-batch label fractions' spread. */
static loader_run loader_child(const char *path, int T, int64_t chunk, int64_t block, int label)
{
    loader_run r = {0};
    int fd[2];
    if (pipe(fd))
        return r;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        FILE *cr = fopen("/proc/self/clear_refs", "w"); /* the peak RSS from here: its own, not */
        if (cr) {                                         /* the parent's at the fork */
            fputs("5", cr);
            fclose(cr);
        }
        rf_error err;
        rf_dataset *ds;
        rf_loader *l;
        rf_loader_column cols[NCOL], lc[1] = {{"label", 0}};
        for (int k = 0; k < NCOL; k++) {
            static char names[NCOL][8];
            snprintf(names[k], sizeof names[k], "f%d", k);
            cols[k] = (rf_loader_column){names[k], 0};
        }
        rf_loader_tensor t[2] = {{"X", RF_FLOAT32, cols, NCOL, 0}, {"y", RF_FLOAT32, lc, 1, 0}};
        rf_loader_options o;
        rf_loader_options_init(&o);
        o.tensors = t;
        o.ntensors = label ? 2 : 1;
        o.batch_size = BATCH;
        o.chunk_size = chunk;
        o.block_size = block;
        o.num_threads = T;
        o.seed = 7;
        const char *paths[1] = {path};
        if (rf_dataset_open(paths, NULL, 1, &ds, &err) || rf_loader_open(&ds, 1, &o, &l, &err)) {
            fprintf(stderr, "loader: %s\n", err.msg);
            _exit(1);
        }
        double sum = 0, sum2 = 0, t0 = bench_now(), c0 = process_cpu();
        rf_loader_start(l, RF_PART_TRAIN, 0, 0, &err);
        for (rf_batch *b; rf_loader_next(l, &b, &err) == RF_OK && b; rf_batch_release(b)) {
            r.batches++;
            r.rows += rf_batch_rows(b);
            if (label && rf_batch_rows(b) == BATCH) {
                rf_tensor_view y;
                rf_batch_tensor(b, 1, &y, &err);
                double fr = 0;
                for (int64_t i = 0; i < BATCH; i++)
                    fr += ((const float *)y.data)[i];
                fr /= BATCH;
                sum += fr;
                sum2 += fr * fr;
            }
        }
        r.seconds = bench_now() - t0;
        r.cpu = process_cpu() - c0;
        if (!label) { /* STEADY more epochs (the buffers exist, the file is mapped): medians */
            double w[STEADY], c[STEADY];
            for (int e = 0; e < STEADY; e++) {
                t0 = bench_now(), c0 = process_cpu();
                rf_loader_start(l, RF_PART_TRAIN, 1 + e, 0, &err);
                for (rf_batch *b; rf_loader_next(l, &b, &err) == RF_OK && b;)
                    rf_batch_release(b);
                w[e] = bench_now() - t0;
                c[e] = process_cpu() - c0;
            }
            r.seconds2 = bench_median(w, STEADY);
            r.cpu2 = bench_median(c, STEADY);
        }
        rf_loader_stats st;
        rf_loader_get_stats(l, &st);
        double nb = (double)r.rows / BATCH, mean = sum / nb, S = (double)rf_loader_entries(l, RF_PART_TRAIN);
        r.label_spread = sqrt(sum2 / nb - mean * mean);
        r.perfect_spread = sqrt(0.25 / BATCH * (S - BATCH) / (S - 1));
        r.quality = st.shuffle_quality;
        r.peak_bytes = st.peak_buffer_bytes;
        r.largest_cluster = st.largest_cluster;
        r.maxrss_kb = peak_rss_kb();
        r.ok = 1;
        rf_loader_free(l);
        rf_dataset_free(ds);
        ssize_t w = write(fd[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fd[1]);
    if (read(fd[0], &r, sizeof r) != (ssize_t)sizeof r)
        r.ok = 0;
    close(fd[0]);
    waitpid(pid, NULL, 0);
    return r;
}

/* ------------------------------------------------------------------ tables */

/* Peak RSS of the loader (2 threads) with the default byte source and with pread (whose
 * page cache is not mapped into the process). */
static void loader_rss(const char *path, loader_run *mapped, loader_run *pread)
{
    *mapped = loader_child(path, 2, CHUNK, 10000, 0);
    setenv("ROOTFEED_IO", "pread", 1);
    *pread = loader_child(path, 2, CHUNK, 10000, 0);
    unsetenv("ROOTFEED_IO");
}

static int bench_file(const char *fmtname, rf_format fmt, const char *cname, int codec)
{
    char path[256];
    snprintf(path, sizeof path, "bench/out/loader_%s_%s_%lld.root", fmtname, cname, (long long)N);
    if (write_file(path, fmt, codec, N, 0, 0))
        return 1;
    settle(path);
    loader_run mem, mem_pread;
    loader_rss(path, &mem, &mem_pread); /* from processes holding nothing else */
    bound b;
    if (!mem.ok || !mem_pread.ok || bound_open(&b, path, "events"))
        return 1;
    no_fork(b.out, b.bs.out_len);
    no_fork(b.bs.file, b.file_len);
    double wr[3][RUNS], cr[3][RUNS], tl[3][RUNS], w1[3][RUNS], scal[RUNS], bscal[RUNS], bps[RUNS], tb[3],
           load0 = loadavg();
    for (int r = 0; r < RUNS; r++) {
        for (int T = 1; T <= 2; T++) {
            double bw, bc;
            bound_time(&b, T, &bw, &bc);
            tb[T] = bw;
            loader_run x = loader_child(path, T, CHUNK, 10000, 0);
            tl[T][r] = x.ok ? x.seconds2 : 1e9;
            wr[T][r] = bw / tl[T][r];
            cr[T][r] = x.ok ? bc / x.cpu2 : 0;
            w1[T][r] = x.ok ? bw / x.seconds : 0;
            if (T == 2)
                bps[r] = (double)x.batches / x.seconds2;
        }
        scal[r] = tl[1][r] / tl[2][r];
        bscal[r] = tb[1] / tb[2];
    }
    double mb = (double)N * NCOL * 4 / 1e6, limit = (2.5 * (double)(CHUNK + mem.largest_cluster) * NCOL * 4) / 1e6 + 100;
    printf("%-8s %-5s %6.0f %8.0f %9.0f %6.2f %6.2f %6.2f %6.2f %6.2f %6.2f %6.2f %6.2f %8.0f %8.0f %6.0f %5.1f\n",
           fmtname, cname, mb, mb / bench_median(tl[2], RUNS), bench_median(bps, RUNS), bench_median(wr[1], RUNS),
           bench_median(wr[2], RUNS), bench_median(cr[1], RUNS), bench_median(cr[2], RUNS),
           bench_median(scal, RUNS), bench_median(bscal, RUNS), bench_median(w1[1], RUNS), bench_median(w1[2], RUNS), (double)mem.maxrss_kb / 1024, (double)mem_pread.maxrss_kb / 1024, limit,
           (load0 + loadavg()) / 2);
    fflush(stdout);
    bound_close(&b);
    return 0;
}

/* The shuffle on a file sorted by label: clusters of 10,000 entries, chunks of 100,000. */
static int bench_quality(void)
{
    char path[256];
    int64_t n = N / 10 > 200000 ? N / 10 : 200000;
    snprintf(path, sizeof path, "bench/out/loader_sorted_%lld.root", (long long)n);
    if (write_file(path, RF_FORMAT_TTREE, 505, n, 10000, 1))
        return 1;
    printf("\nshuffle on a file sorted by label (%lld entries, clusters of 10000, chunks of 100000, "
           "batches of %d):\n%-12s %14s %14s %8s %10s\n", (long long)n, BATCH, "block_size",
           "label spread", "perfect", "ratio", "quality");
    const int64_t blocks[4] = {1, 30000, 100000, 1000000};
    for (int i = 0; i < 4; i++) {
        loader_run x = loader_child(path, 2, 100000, blocks[i], 1);
        if (!x.ok)
            return 1;
        printf("%-12lld %14.4f %14.4f %8.2f %10.3f\n", (long long)blocks[i], x.label_spread,
               x.perfect_spread, x.label_spread / x.perfect_spread, x.quality);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *env = getenv("ROOTFEED_BENCH_ENTRIES");
    if (env)
        N = atoll(env);
    if (system("mkdir -p bench/out") != 0)
        return 1;
    static const char *fnames[2] = {"ttree", "rntuple"}, *cnames[4] = {"zstd", "lz4", "zlib", "none"};
    static const int codecs[4] = {505, 404, 101, 0};
    printf("loader (native, batches of %d, chunks of %d) against the bound on the same threads; "
           "%lld entries x %d float32; medians of %d runs\n"
           "MB/s and batches/s: 2 threads, wall time; wall1/wall2: bound / loader wall time on 1 and 2 "
           "threads; cpu1/cpu2: the same with CPU time (all threads); 1->2: the loader's 1 -> 2 thread "
           "speed-up, bnd1->2: the bound's; all these of "
           "epochs 2-6 of a process (steady state, median); first1/first2: wall1/wall2 of its first epoch (opening the "
           "file, faulting the chunk buffers and the mapping in); RSS: peak of the loader's "
           "process, mapped (default) and with ROOTFEED_IO=pread; limit: 2.5 x (chunk + largest "
           "cluster) + 100 MB\n", BATCH, CHUNK, (long long)N, NCOL, RUNS);
    printf("%-8s %-5s %6s %8s %9s %6s %6s %6s %6s %6s %6s %6s %6s %8s %8s %6s %5s\n", "format", "codec", "MB", "MB/s",
           "batches/s", "wall1", "wall2", "cpu1", "cpu2", "1->2", "bnd1>2", "first1", "first2", "RSS map", "RSS prd", "limit",
           "load");
    int bad = 0;
    for (int f = 0; f < 2; f++)
        for (int c = 0; c < 4; c++) {
            int pick = argc < 2;
            for (int a = 1; a + 1 < argc; a += 2)
                pick |= !strcmp(argv[a], fnames[f]) && !strcmp(argv[a + 1], cnames[c]);
            if (pick)
                bad |= bench_file(fnames[f], f ? RF_FORMAT_RNTUPLE : RF_FORMAT_TTREE, cnames[c], codecs[c]);
        }
    bad |= bench_quality();
    return bad;
}
