/* bench_writer.c - write throughput per codec, for both formats, against the compression
 * bound: the same codec library and level compressing the same column bytes in memory, in
 * blocks of the format's basket/page size, on one thread (the writer is single-threaded).
 * The table is physics-like (Gaussian float32/float64, small int32, bool, a jagged float32
 * and a float32[3]). MB/s are of uncompressed column bytes; each figure is the median of 3
 * runs of at least one second of work each. Usage: bench_writer [MB [OUTDIR]]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec/codec.h"
#include "rootfeed.h"
#include "rootfeed_writer.h"

#define NCOL 6

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static double gauss(uint64_t h)
{
    return ((double)(h & 0xFFFFF) + (double)((h >> 20) & 0xFFFFF) + (double)((h >> 40) & 0xFFFFF)) / 0x100000 - 1.5;
}

static const rf_writer_column cols[NCOL] = {
    {"pt", RF_FLOAT32, RF_KIND_FLAT, 0, {0}, 0}, {"e", RF_FLOAT64, RF_KIND_FLAT, 0, {0}, 0},
    {"n", RF_INT32, RF_KIND_FLAT, 0, {0}, 0}, {"flag", RF_BOOL, RF_KIND_FLAT, 0, {0}, 0},
    {"jet", RF_FLOAT32, RF_KIND_JAGGED, 0, {0}, 0}, {"p3", RF_FLOAT32, RF_KIND_FIXED, 1, {3}, 0}};

static size_t make_table(int64_t n, rf_column_data *d)
{
    size_t bytes = 0;
    for (int c = 0; c < NCOL; c++) {
        rf_column_data_init(&d[c]);
        d[c].dtype = cols[c].dtype;
        d[c].nentries = n;
    }
    d[4].nlevels = 1;
    d[4].offsets[0] = malloc((size_t)(n + 1) * 8);
    d[4].offsets[0][0] = 0;
    for (int64_t e = 0; e < n; e++)
        d[4].offsets[0][e + 1] = d[4].offsets[0][e] + (int64_t)(mix((uint64_t)e) % 9);
    int64_t counts[NCOL] = {n, n, n, n, d[4].offsets[0][n], 3 * n};
    for (int c = 0; c < NCOL; c++) {
        size_t es = rf_dtype_size(cols[c].dtype);
        d[c].nvalues = counts[c];
        d[c].values = malloc((size_t)counts[c] * es);
        bytes += (size_t)counts[c] * es;
        for (int64_t i = 0; i < counts[c]; i++) {
            uint64_t h = mix((uint64_t)i * 7 + (uint64_t)c * 0x10000000000ULL);
            double g = gauss(h);
            uint8_t *p = (uint8_t *)d[c].values + (size_t)i * es;
            if (cols[c].dtype == RF_FLOAT32) { float f = (float)(40 + 15 * g); memcpy(p, &f, 4); }
            else if (cols[c].dtype == RF_FLOAT64) { double v = 100 + 30 * g; memcpy(p, &v, 8); }
            else if (cols[c].dtype == RF_INT32) { int32_t v = (int32_t)(5 + 4 * g); memcpy(p, &v, 4); }
            else *p = (h >> 62) & 1;
        }
    }
    return bytes;
}

static int write_once(const char *path, rf_format fmt, int setting, rf_column_data *d, size_t *fsize)
{
    rf_writer_options o;
    rf_writer_options_init(&o);
    o.format = fmt;
    o.compression = setting;
    rf_error err = {0};
    rf_writer *w;
    int ok = rf_writer_open(path, "events", &o, &w, &err) == RF_OK;
    for (int c = 0; ok && c < NCOL; c++)
        ok = rf_writer_add_column(w, &cols[c], &err) == RF_OK;
    ok = ok && rf_writer_append(w, d, NCOL, &err) == RF_OK;
    ok = ok && rf_writer_close(w, &err) == RF_OK;
    if (!ok)
        fprintf(stderr, "bench_writer: %s\n", err.msg);
    FILE *f = fopen(path, "rb");
    if (f) {
        fseek(f, 0, SEEK_END);
        *fsize = (size_t)ftell(f);
        fclose(f);
    }
    return ok;
}

/* The bound: compress every column's bytes in blocks of `block` bytes into a reused buffer. */
static void compress_all(rf_codec *cx, int setting, rf_column_data *d, size_t block, uint8_t *dst)
{
    for (int c = 0; c < NCOL; c++) {
        size_t n = (size_t)d[c].nvalues * rf_dtype_size(d[c].dtype);
        for (size_t a = 0; a < n; a += block) {
            size_t m = n - a < block ? n - a : block, got;
            rf_zip(cx, setting, (const uint8_t *)d[c].values + a, m, dst, m, &got, NULL);
        }
    }
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median over 3 runs of MB/s, each run repeating fn until one second has passed. */
#define MEASURE(result, bytes, stmt)                              \
    do {                                                          \
        double r_[3];                                             \
        for (int k_ = 0; k_ < 3; k_++) {                          \
            double t0_ = now(), t_;                               \
            int reps_ = 0;                                        \
            do { stmt; reps_++; } while ((t_ = now() - t0_) < 1.0); \
            r_[k_] = (double)(bytes) * reps_ / t_ / 1e6;          \
        }                                                         \
        qsort(r_, 3, sizeof r_[0], cmp);                          \
        result = r_[1];                                           \
    } while (0)

int main(int argc, char **argv)
{
    double mb = argc > 1 ? atof(argv[1]) : 64;
    const char *dir = argc > 2 ? argv[2] : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int64_t n = (int64_t)(mb * 1e6 / 40); /* about 40 bytes per entry */
    rf_column_data d[NCOL];
    size_t bytes = make_table(n, d);
    char path[512];
    snprintf(path, sizeof path, "%s/bench_writer_%d.root", dir, (int)getpid());
    static const int settings[] = {0, 101, 106, 404, 505, 207};
    rf_codec *cx = rf_codec_new();
    uint8_t *scratch = malloc(1 << 21);
    printf("table: %lld entries, %.1f MB of column data; one thread\n", (long long)n, bytes / 1e6);
    printf("%-8s %-8s %12s %12s %8s %10s\n", "format", "setting", "write MB/s", "bound MB/s", "ratio", "file/data");
    for (int f = 0; f < 2; f++)
        for (size_t s = 0; s < sizeof settings / sizeof settings[0]; s++) {
            size_t fsize = 0;
            double w, b = 0;
            MEASURE(w, bytes, write_once(path, (rf_format)f, settings[s], d, &fsize));
            if (settings[s] % 100)
                MEASURE(b, bytes, compress_all(cx, settings[s], d, f ? 1 << 20 : 32000, scratch));
            printf("%-8s %-8d %12.0f %12.0f %8.2f %10.3f\n", f ? "rntuple" : "ttree", settings[s], w, b,
                   b > 0 ? w / b : 0.0, (double)fsize / (double)bytes);
            fflush(stdout);
        }
    remove(path);
    rf_codec_free(cx);
    free(scratch);
    for (int c = 0; c < NCOL; c++)
        rf_column_data_free(&d[c]);
    return 0;
}
