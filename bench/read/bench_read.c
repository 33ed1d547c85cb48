/* bench_read.c - TTree and RNTuple read throughput against the bound of DESIGN.md ("How speed
 * is measured"), on one thread.
 *
 * rootfeed: rf_file_open + rf_table_open + rf_table_read of every readable column, all
 * entries, into rf_column_data reused from pass to pass (one per column: the output is
 * faulted in once), then close - a fresh open each pass, so the file's bytes come from the
 * page cache every time. Files after --hot (small files, the cache-hot figure) are opened
 * once and their columns read over and over instead.
 *
 * The bound (materialising bound): the same baskets or pages, already in memory (a copy of
 * the file), each decompressed by the same library called directly (libdeflate, zstd, lz4 with
 * the XXH64 of ROOT's L4 blocks, liblzma) into its final place in an output as large as the
 * decoded columns (faulted in once, reused), plus the one pass the encoding needs: TTree, the
 * big-endian swap of the basket in place (values, and the entry offsets that end the baskets
 * of variable-size entries); RNTuple, the page checksum (XXH3) and, for encoded
 * pages (split, zigzag, delta, ...), decompression into a scratch page decoded into place by
 * the library's decode function. Stored (uncompressed) data: that one pass from memory into
 * the output.
 *
 * Each of RUNS runs times rootfeed, then the bound, each repeated for at least one second of
 * the thread's CPU time (user + system: the machine is shared, and wall time there counts
 * other processes' turns); the ratio bound time / rootfeed time is taken within each run.
 * Printed: MB of values, the medians of MB/s of CPU time (decoded values, as rf_table_read
 * returns them), the median ratio and its range over the runs, the median ratio of wall
 * times, and the load average (other jobs on the machine move the figures).
 * Before a file is measured, its page cache is settled (see settle(); BENCH_NO_SETTLE=1 skips).
 * BENCH_ONLY=rootfeed (or bound) times only that side, for profiles.
 * With --threads T, only the bound, on T threads sharing each pass (as bench_loader's): MB of
 * values and MB/s of wall time, the median of at least 3 passes (the loader bench of
 * bench/peers takes its bounds from here).
 * Usage: bench_read [--runs N] [--hot] [--threads T] FILE OBJECT [FILE OBJECT ...] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/bench_time.h"
#include "../common/bound.h"

static void fail(const char *what, const rf_error *err)
{
    fprintf(stderr, "bench_read: %s: %s\n", what, err->msg);
    exit(1);
}

/* Reads every readable column of t in full into cd[c]; returns bytes of values. */
static double read_columns(rf_table *t, rf_column_data *cd)
{
    double bytes = 0;
    rf_error err;
    for (size_t c = 0; c < rf_table_ncolumns(t); c++) {
        if (rf_table_column(t, c)->unsupported)
            continue;
        if (rf_table_read(t, c, 0, rf_table_entries(t), &cd[c], &err) != RF_OK)
            fail(rf_table_name(t), &err);
        bytes += (double)cd[c].nvalues * (double)rf_dtype_size(cd[c].dtype);
    }
    return bytes;
}

/* One rootfeed pass: a fresh open (unless hot: then `t` is the table opened once). */
static double rootfeed_pass(const char *path, const char *obj, rf_table *t, rf_column_data *cd)
{
    if (t)
        return read_columns(t, cd);
    rf_file *f;
    rf_error err;
    if (rf_file_open(path, &f, &err) != RF_OK || rf_table_open(f, obj, &t, &err) != RF_OK)
        fail(path, &err);
    double bytes = read_columns(t, cd);
    rf_table_close(t);
    rf_file_close(f);
    return bytes;
}

typedef struct {
    const char *path, *obj;
    rf_table *hot; /* the table opened once, for --hot files */
    rf_column_data *cd;
    const blobs *bs;
    uint8_t *out, *scratch;
    codecs cx;
} job;

/* Seconds per pass of rootfeed (which 0) or the bound (1), passes repeated for >= 1 s of
 * CPU time; the wall seconds per pass go to *wall. */
static double timed(int which, const job *j, double *wall)
{
    long passes = 0;
    double t0 = bench_now(), c0 = bench_cpu_now(), cpu;
    do {
        if (which)
            bound_pass(j->bs, 0, 1, j->out, j->scratch, &j->cx);
        else
            rootfeed_pass(j->path, j->obj, j->hot, j->cd);
        passes++;
    } while ((cpu = bench_cpu_now() - c0) < 1.0);
    *wall = (bench_now() - t0) / (double)passes;
    return cpu / (double)passes;
}

static void bench(const char *path, const char *obj, int hot, int runs)
{
    if (!getenv("BENCH_NO_SETTLE"))
        settle(path);
    rf_file *f;
    rf_table *t;
    rf_error err;
    if (rf_file_open(path, &f, &err) != RF_OK || rf_table_open(f, obj, &t, &err) != RF_OK)
        fail(path, &err);
    size_t fsize;
    blobs bs = {0};
    if (!(bs.file = slurp(path, &fsize))) {
        fprintf(stderr, "bench_read: %s: cannot read\n", path);
        exit(1);
    }
    int ttree = !strcmp(rf_table_class(t), "TTree");
    (ttree ? collect_ttree : collect_rntuple)(t, &bs);
    job j = {path, obj, hot ? t : NULL, calloc(t->ncolumns, sizeof(rf_column_data)), &bs,
             malloc(bs.out_len + 64), malloc(bs.max_ulen + 64), {libdeflate_alloc_decompressor(), ZSTD_createDCtx()}};
    memset(j.out, 0, bs.out_len); /* fault the output in once, as rootfeed's reused buffers are */
    double bytes = rootfeed_pass(path, obj, j.hot, j.cd), load0 = loadavg();
    double sec[2][64], wall[2][64], ratio[64], wratio[64];
    const char *only = getenv("BENCH_ONLY"); /* "rootfeed" or "bound": to profile one side */
    for (int r = 0; r < runs; r++) {
        for (int v = 0; v < 2; v++)
            sec[v][r] = only && strcmp(only, v ? "bound" : "rootfeed") ? (wall[v][r] = 1) : timed(v, &j, &wall[v][r]);
        ratio[r] = sec[1][r] / sec[0][r];
        wratio[r] = wall[1][r] / wall[0][r];
    }
    const char *name = strrchr(path, '/');
    double lo = ratio[0], hi = ratio[0];
    for (int r = 1; r < runs; r++)
        lo = ratio[r] < lo ? ratio[r] : lo, hi = ratio[r] > hi ? ratio[r] : hi;
    char range[32];
    snprintf(range, sizeof range, "%.2f-%.2f", lo, hi);
    printf("%-28s %-7s %4s %9.1f %13.0f %11.0f %6.2f %11s %10.2f %9.1f\n", name ? name + 1 : path,
           ttree ? "TTree" : "RNTuple", hot ? "once" : "each", bytes / 1e6, bytes / bench_median(sec[0], runs) / 1e6,
           bytes / bench_median(sec[1], runs) / 1e6, bench_median(ratio, runs), range, bench_median(wratio, runs),
           (load0 + loadavg()) / 2);
    fflush(stdout);
    for (size_t c = 0; c < t->ncolumns; c++)
        rf_column_data_free(&j.cd[c]);
    free(j.cd), free(j.out), free(j.scratch), free(bs.b), free(bs.file);
    libdeflate_free_decompressor(j.cx.inflate);
    ZSTD_freeDCtx(j.cx.zstd);
    rf_table_close(t);
    rf_file_close(f);
}

/* The bound alone on T threads. */
static void bench_threads(const char *path, const char *obj, int T)
{
    if (!getenv("BENCH_NO_SETTLE"))
        settle(path);
    bound b;
    if (bound_open(&b, path, obj))
        exit(1);
    rf_column_data *cd = calloc(b.t->ncolumns, sizeof *cd);
    double bytes = read_columns(b.t, cd), wall, cpu;
    for (size_t c = 0; c < b.t->ncolumns; c++)
        rf_column_data_free(&cd[c]);
    free(cd);
    bound_time(&b, T, &wall, &cpu);
    const char *name = strrchr(path, '/');
    printf("%-28s %-7s %7d %9.1f %11.0f %9.1f\n", name ? name + 1 : path, rf_table_class(b.t), T, bytes / 1e6,
           bytes / wall / 1e6, loadavg());
    fflush(stdout);
    bound_close(&b);
}

int main(int argc, char **argv)
{
    int runs = 5, hot = 0, any = 0, threads = 0;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--threads"))
            threads = atoi(argv[i + 1]);
    threads = threads < 0 ? 1 : threads > 8 ? 8 : threads; /* 0: no --threads */
    if (threads)
        printf("%-28s %-7s %7s %9s %11s %9s\n", "file", "format", "threads", "MB values", "bound MB/s", "load avg");
    else
        printf("%-28s %-7s %4s %9s %13s %11s %6s %11s %10s %9s\n", "file", "format", "open", "MB values", "rootfeed MB/s",
           "bound MB/s", "ratio", "range", "wall ratio", "load avg");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
            runs = runs < 1 ? 1 : runs > 64 ? 64 : runs;
        } else if (!strcmp(argv[i], "--hot"))
            hot = 1;
        else if (!strcmp(argv[i], "--threads"))
            i++;
        else if (i + 1 < argc) {
            if (threads)
                bench_threads(argv[i], argv[i + 1], threads);
            else
                bench(argv[i], argv[i + 1], hot, runs);
            any = 1;
            i++;
        }
    }
    if (!any) {
        fprintf(stderr, "usage: bench_read [--runs N] [--hot] [--threads T] FILE OBJECT [FILE OBJECT ...]\n");
        return 2;
    }
    return 0;
}
