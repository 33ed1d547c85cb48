/* bench_rntuple.c - RNTuple read throughput against three references, on one thread. The
 * DESIGN.md bound: the same pages, already in memory, decompressed by the same library (a
 * plain zstd loop for ZS blocks, rf_unzip for the other codecs) into one reused buffer;
 * stored pages are copied. The materialising bound: the same decompression, but each page
 * into its final position in an output buffer as large as all the columns. The reference
 * reader: the least work a reader must do, in memory: the page checksum, decompression, and
 * the one decode pass split/zigzag/delta encodings need, into the final position. rootfeed
 * reads every readable column of the table into reused rf_column_data (pread, page checksum,
 * decompression, decoding), once as whole columns and once in blocks of 500,000 entries (the
 * loader's default chunk size). Speeds are MB/s of uncompressed page bytes. Each run times
 * every variant for at least one second, one after the other; ratios are taken within a run
 * and the medians of 5 runs are printed (speeds too). Usage: bench_rntuple [FILE OBJECT ...];
 * with no arguments it benchmarks the 100-million entry int16 file of ../shared and a
 * multi-column zstd file it writes first with the rootfeed writer
 * (bench/out/rntuple_multicol.root, 2e6 entries). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/bench_time.h"
#include "../common/rnt_ref.h"
#include "rootfeed_writer.h"

#define CHUNK 500000 /* the loader's default chunk_size */

/* One pass of a bound: every page decompressed into one reused buffer (mat NULL), or into
 * its own place in the materialised output mat. */
static void bound_pass(const pages *ps, uint8_t *buf, uint8_t *mat, ZSTD_DCtx *z, rf_codec *codec)
{
    for (size_t i = 0; i < ps->n; i++)
        bound_page(&ps->b[i], mat ? mat + ps->b[i].at : buf, z, codec);
}

/* Reads every readable column in blocks of `chunk` entries (0: whole) into reused buffers. */
static void rootfeed_pass(rf_table *t, rf_column_data *cd, int64_t chunk)
{
    rf_error err;
    int64_t step = chunk ? chunk : t->entries;
    for (size_t c = 0; c < t->ncolumns; c++)
        for (int64_t a = 0; a < t->entries && !t->columns[c].unsupported; a += step) {
            int64_t b = a + step < t->entries ? a + step : t->entries;
            if (rf_table_read(t, c, a, b, &cd[c], &err) != RF_OK) {
                fprintf(stderr, "read failed: %s\n", err.msg);
                exit(1);
            }
        }
}

/* Prints the physical columns (field, on-disk column type) and the page sizes. */
static void describe(rf_table *t, const pages *ps)
{
    static const char *names[] = {"Bit", "Byte", "Char", "Int8", "UInt8", "Int16", "UInt16", "Int32", "UInt32",
        "Int64", "UInt64", "Real16", "Real32", "Real64", "Index32", "Index64", "Switch", "SplitInt16",
        "SplitUInt16", "SplitInt32", "SplitUInt32", "SplitInt64", "SplitUInt64", "SplitReal16", "SplitReal32",
        "SplitReal64", "SplitIndex32", "SplitIndex64", "Real32Trunc", "Real32Quant"};
    const rnt_desc *d = &((rnt_impl *)t->impl)->d;
    printf("  %u cluster(s); physical columns:", d->nclusters);
    for (uint32_t i = 0; i < d->ncols; i++) {
        const rnt_column *col = &d->cols[i];
        printf(" %s:%s", d->fields[col->field].name,
               col->type < sizeof names / sizeof *names ? names[col->type] : "?");
    }
    printf("\n  largest page %zu bytes uncompressed\n", ps->max_ulen);
}

enum { V_BOUND, V_MAT, V_REF, V_WHOLE, V_BLOCKS, NV, RUNS = 5 };

typedef struct {
    rf_table *t;
    rf_column_data *cd;
    const pages *ps;
    uint8_t *buf, *mat;
    ZSTD_DCtx *z;
    rf_codec *codec;
} ctx;

static volatile uint64_t sink; /* keeps the reference reader's checksums */

/* Seconds one pass of variant v takes, repeated for at least one second. */
static double timed(int v, const ctx *c)
{
    long n = 0;
    double t0 = bench_now(), t1;
    do {
        if (v == V_BOUND || v == V_MAT)
            bound_pass(c->ps, c->buf, v == V_MAT ? c->mat : NULL, c->z, c->codec);
        else if (v == V_REF)
            sink += reference_pass(c->ps, 0, 1, c->buf, c->mat, c->z, c->codec);
        else
            rootfeed_pass(c->t, c->cd, v == V_BLOCKS ? CHUNK : 0);
        n++;
        t1 = bench_now();
    } while (t1 - t0 < 1.0);
    return (t1 - t0) / (double)n;
}

static int bench(const char *path, const char *obj)
{
    rf_file *f;
    rf_table *t;
    rf_error err;
    if (rf_file_open(path, &f, &err) != RF_OK || rf_table_open(f, obj, &t, &err) != RF_OK) {
        printf("%s: %s\n", path, err.msg);
        return 1;
    }
    pages ps = {0};
    rnt_collect(t, &ps);
    ctx c = {t, calloc(t->ncolumns, sizeof *c.cd), &ps, malloc(ps.max_ulen ? ps.max_ulen : 1),
             malloc(ps.out_len ? ps.out_len : 1), ZSTD_createDCtx(), rf_codec_new()};
    memset(c.mat, 0, ps.out_len); /* fault the output in once, as reused buffers are */
    /* ratio[b][v]: variant v against bound b (the DESIGN bound, materialising, reference) */
    const int bounds[3] = {V_BOUND, V_MAT, V_REF};
    double sec[NV][RUNS], ratio[3][NV][RUNS], mb = (double)ps.total_ulen / 1e6, speed[NV];
    for (int r = 0; r < RUNS; r++) {
        for (int v = 0; v < NV; v++)
            sec[v][r] = timed(v, &c);
        for (int v = 0; v < NV; v++)
            for (int b = 0; b < 3; b++)
                ratio[b][v][r] = sec[bounds[b]][r] / sec[v][r];
    }
    for (int v = 0; v < NV; v++)
        speed[v] = mb / bench_median(sec[v], RUNS);
    const char *base = strrchr(path, '/');
    printf("%s: %lld entries, %zu columns, %zu pages, %.0f MB of pages (median of %d runs)\n",
           base ? base + 1 : path, (long long)t->entries, t->ncolumns, ps.n, mb, RUNS);
    describe(t, &ps);
    printf("  %-40s %8s %9s %15s %12s\n", "variant", "MB/s", "/ DESIGN", "/ materialising", "/ reference");
    static const char *label[NV] = {"DESIGN bound (zstd into a reused page)", "materialising bound (zstd into place)",
                                    "reference reader (+checksum, decode)", "rootfeed, whole columns",
                                    "rootfeed, 500000-entry blocks"};
    for (int v = 0; v < NV; v++)
        printf("  %-40s %8.0f %9.2f %15.2f %12.2f\n", label[v], speed[v], bench_median(ratio[0][v], RUNS),
               bench_median(ratio[1][v], RUNS), bench_median(ratio[2][v], RUNS));
    for (size_t i = 0; i < t->ncolumns; i++)
        rf_column_data_free(&c.cd[i]);
    free(c.cd), free(c.buf), free(c.mat), free(ps.b), free(ps.store);
    ZSTD_freeDCtx(c.z);
    rf_codec_free(c.codec);
    rf_table_close(t);
    rf_file_close(f);
    return 0;
}

/* Fills n entries of a physics-like table: smooth floats, small ints, a jagged float. */
static void fill(rf_column_data *c, int64_t n, int64_t first)
{
    uint64_t s = 0x9e3779b97f4a7c15ULL ^ (uint64_t)first;
    int64_t items = 0;
    c[4].offsets[0][0] = 0;
    for (int64_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        ((float *)c[0].values)[i] = (float)((s >> 40) % 100000) * 0.01f;
        ((float *)c[1].values)[i] = (float)(((s >> 20) % 6284) - 3142) * 0.001f;
        ((double *)c[2].values)[i] = (double)(s >> 11) * 1e-12;
        ((int32_t *)c[3].values)[i] = (int32_t)((s >> 33) % 7);
        int k = (int)((s >> 50) % 5);
        for (int j = 0; j < k; j++)
            ((float *)c[4].values)[items + j] = (float)((s >> (j * 8)) & 0xffff) * 0.1f;
        items += k;
        c[4].offsets[0][i + 1] = items;
        ((int64_t *)c[5].values)[i] = first + i;
    }
    for (int k = 0; k < 6; k++)
        c[k].nentries = n;
    c[4].nvalues = items;
}

static int write_multicol(const char *path, int64_t entries)
{
    rf_writer_options opt;
    rf_writer_options_init(&opt);
    opt.format = RF_FORMAT_RNTUPLE;
    opt.compression = 505;
    rf_writer *w;
    rf_error err;
    if (rf_writer_open(path, "events", &opt, &w, &err) != RF_OK) {
        printf("writer: %s\n", err.msg);
        return 1;
    }
    const char *names[6] = {"pt", "eta", "weight", "charge", "jet_pt", "event"};
    rf_dtype dt[6] = {RF_FLOAT32, RF_FLOAT32, RF_FLOAT64, RF_INT32, RF_FLOAT32, RF_INT64};
    rf_column_data c[6];
    const int64_t chunk = 100000;
    for (int k = 0; k < 6; k++) {
        rf_writer_column col = {names[k], dt[k], k == 4 ? RF_KIND_JAGGED : RF_KIND_FLAT, 0, {0}, 0};
        if (rf_writer_add_column(w, &col, &err) != RF_OK) {
            printf("writer: %s\n", err.msg);
            rf_writer_abort(w);
            return 1;
        }
        rf_column_data_init(&c[k]);
        c[k].dtype = dt[k];
        c[k].nlevels = k == 4;
        c[k].values = malloc((size_t)chunk * 8 * (k == 4 ? 5 : 1));
        if (k == 4)
            c[k].offsets[0] = malloc((size_t)(chunk + 1) * 8);
    }
    rf_status s = RF_OK;
    for (int64_t e = 0; e < entries && s == RF_OK; e += chunk) {
        fill(c, chunk, e);
        for (int k = 0; k < 6; k++)
            if (k != 4)
                c[k].nvalues = chunk;
        s = rf_writer_append(w, c, 6, &err);
    }
    for (int k = 0; k < 6; k++) {
        free(c[k].values);
        free(c[k].offsets[0]);
    }
    if (s != RF_OK) {
        rf_writer_abort(w);
        printf("writer: %s\n", err.msg);
        return 1;
    }
    if (rf_writer_close(w, &err) != RF_OK) {
        printf("writer: %s\n", err.msg);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int bad = 0;
    if (argc > 2) {
        for (int i = 1; i + 1 < argc; i += 2)
            bad |= bench(argv[i], argv[i + 1]);
        return bad;
    }
    const char *shared = getenv("ROOTFEED_SHARED");
    char path[2048];
    snprintf(path, sizeof path, "%s/data/external/test_int_multicluster_rntuple_v1-0-0-0.root",
             shared ? shared : "../shared");
    bad |= bench(path, "ntuple");
    const char *out = "bench/out/rntuple_multicol.root";
    system("mkdir -p bench/out");
    if (write_multicol(out, 2000000) == 0)
        bad |= bench(out, "events");
    else
        printf("multi-column zstd file: pending (the writer could not write it)\n");
    return bad;
}
