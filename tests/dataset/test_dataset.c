/* test_dataset.c - the dataset layer (rootfeed_dataset.h) over files written here: chains of
 * TTree and RNTuple files with several clusters, global entry numbers and joined cluster
 * boundaries, reads across file edges, friends, constants, filters and defines, entry ranges,
 * row-major writes with a permutation, conversions and padding, and the errors (schema
 * mismatch naming file and column, bad ranges, configuration after use).
 *
 * Every file holds entries e = global index: x = e (int32), f = e / 4 (float32), v = jagged
 * float64 with e % 4 items v_k = e + k / 10, a = fixed [2] int16 {e, -e}. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfeed.h"
#include "check.h"

static char dir[256];
static int64_t basket_bytes; /* the writer's, for the files written next (0: its default) */

/* Writes entries [e0, e0 + n) in clusters of `cluster` entries. */
static void write_file(const char *name, rf_format fmt, int64_t e0, int64_t n, int64_t cluster,
                       int with_a)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    rf_writer_options o;
    rf_writer_options_init(&o);
    o.format = fmt;
    o.cluster_entries = cluster;
    o.basket_bytes = basket_bytes;
    rf_writer *w;
    rf_error err = {0};
    if (rf_writer_open(path, "t", &o, &w, &err)) {
        printf("writer: %s\n", err.msg);
        exit(1);
    }
    rf_writer_column cols[4] = {{"x", RF_INT32, RF_KIND_FLAT, 0, {0}, 0},
                                {"f", RF_FLOAT32, RF_KIND_FLAT, 0, {0}, 0},
                                {"v", RF_FLOAT64, RF_KIND_JAGGED, 0, {0}, 0},
                                {"a", RF_INT16, RF_KIND_FIXED, 1, {2}, 0}};
    int nc = with_a ? 4 : 3;
    for (int i = 0; i < nc; i++)
        rf_writer_add_column(w, &cols[i], &err);
    rf_column_data d[4];
    for (int i = 0; i < 4; i++)
        rf_column_data_init(&d[i]);
    int32_t *x = malloc((size_t)n * 4);
    float *f = malloc((size_t)n * 4);
    int16_t *a = malloc((size_t)n * 4);
    int64_t *off = malloc((size_t)(n + 1) * 8);
    double *v = malloc((size_t)n * 3 * 8 + 8);
    off[0] = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t e = e0 + i;
        x[i] = (int32_t)e;
        f[i] = (float)e / 4.0f;
        a[2 * i] = (int16_t)e;
        a[2 * i + 1] = (int16_t)-e;
        off[i + 1] = off[i] + e % 4;
        for (int64_t k = 0; k < e % 4; k++)
            v[off[i] + k] = (double)e + (double)k / 10.0;
    }
    d[0] = (rf_column_data){.dtype = RF_INT32, .nentries = n, .nvalues = n, .values = x};
    d[1] = (rf_column_data){.dtype = RF_FLOAT32, .nentries = n, .nvalues = n, .values = f};
    d[2] = (rf_column_data){.dtype = RF_FLOAT64, .nlevels = 1, .nentries = n,
                            .nvalues = off[n], .values = v, .offsets = {off}};
    d[3] = (rf_column_data){.dtype = RF_INT16, .nentries = n, .nvalues = 2 * n, .values = a};
    if (rf_writer_append(w, d, (size_t)nc, &err) || rf_writer_close(w, &err)) {
        printf("writer: %s\n", err.msg);
        exit(1);
    }
    free(x), free(f), free(a), free(off), free(v);
}

static const char *p(const char *name)
{
    static char buf[8][512];
    static int i;
    i = (i + 1) % 8;
    snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
    return buf[i];
}

/* Checks column values of global entries [a, b) against the formulas (offset: global -> e). */
static void check_values(rf_dataset_reader *r, rf_dataset *ds, int64_t a, int64_t b, int64_t e_of0)
{
    rf_column_data d;
    rf_column_data_init(&d);
    rf_error err = {0};
    long cx = rf_dataset_find_column(ds, "x"), cv = rf_dataset_find_column(ds, "v");
    CHECK(rf_dataset_read(r, (size_t)cx, a, b, &d, &err) == RF_OK, "read x: %s", err.msg);
    int ok = d.nentries == b - a;
    for (int64_t i = 0; ok && i < b - a; i++)
        ok = ((int32_t *)d.values)[i] == (int32_t)(e_of0 + a + i);
    CHECK(ok, "x over [%lld, %lld)", (long long)a, (long long)b);
    CHECK(rf_dataset_read(r, (size_t)cv, a, b, &d, &err) == RF_OK, "read v: %s", err.msg);
    ok = d.nlevels == 1 && d.nentries == b - a;
    for (int64_t i = 0; ok && i < b - a; i++) {
        int64_t e = e_of0 + a + i, n = d.offsets[0][i + 1] - d.offsets[0][i];
        ok = n == e % 4;
        for (int64_t k = 0; ok && k < n; k++)
            ok = ((double *)d.values)[d.offsets[0][i] + k] == (double)e + (double)k / 10.0;
    }
    CHECK(ok, "v over [%lld, %lld)", (long long)a, (long long)b);
    rf_column_data_free(&d);
}

static void test_chain(rf_format fmt)
{
    const char *paths[3] = {p("c0.root"), p("c1.root"), p("c2.root")};
    write_file("c0.root", fmt, 0, 1000, 300, 1);
    write_file("c1.root", fmt, 1000, 500, 128, 1);
    write_file("c2.root", fmt, 1500, 777, 1000, 1);
    rf_dataset *ds;
    rf_error err = {0};
    CHECK(rf_dataset_open(paths, NULL, 3, &ds, &err) == RF_OK, "open: %s", err.msg);
    if (!ds)
        return;
    CHECK(rf_dataset_entries(ds) == 2277, "entries %lld", (long long)rf_dataset_entries(ds));
    CHECK(rf_dataset_nfiles(ds) == 3 && rf_dataset_file_starts(ds)[1] == 1000 &&
          rf_dataset_file_starts(ds)[2] == 1500 && rf_dataset_file_starts(ds)[3] == 2277, "file starts");
    size_t nc;
    const int64_t *cl = rf_dataset_clusters(ds, &nc);
    int64_t want[] = {0, 300, 600, 900, 1000, 1128, 1256, 1384, 1500, 2277};
    int same = nc == 9;
    for (size_t i = 0; same && i <= nc; i++)
        same = cl[i] == want[i];
    CHECK(same, "cluster boundaries joined over files (%zu clusters)", nc);
    size_t file;
    int64_t entry;
    CHECK(rf_dataset_locate(ds, 1499, &file, &entry, &err) == RF_OK && file == 1 && entry == 499,
          "locate 1499");
    rf_dataset_reader *r;
    CHECK(rf_dataset_reader_new(ds, &r, &err) == RF_OK, "reader: %s", err.msg);
    check_values(r, ds, 0, 2277, 0);
    check_values(r, ds, 950, 1600, 0); /* across two file edges */
    check_values(r, ds, 1499, 1501, 0);
    check_values(r, ds, 7, 7, 0);
    /* configuration after a reader exists is refused */
    CHECK(rf_dataset_filter(ds, "x > 1", &err) == RF_ERR_ARG, "filter after use");
    rf_dataset_reader_free(r);
    rf_dataset_free(ds);
}

/* rf_dataset_block_end over two files of small baskets/pages: each entry's block ends after
 * it, within its file, at one of as many distinct ends as the column has blocks; RNTuple
 * pages hold 100 int32 elements from each cluster's start (basket_bytes 400); collections
 * (RNTuple) and defines have none. */
static void test_block_end(rf_format fmt)
{
    const char *paths[2] = {p("b0.root"), p("b1.root")};
    basket_bytes = 400;
    write_file("b0.root", fmt, 0, 2500, 1000, 0);
    write_file("b1.root", fmt, 2500, 700, 300, 0);
    basket_bytes = 0;
    rf_dataset *ds;
    rf_error err = {0};
    CHECK(rf_dataset_open(paths, NULL, 2, &ds, &err) == RF_OK, "open: %s", err.msg);
    if (!ds)
        return;
    CHECK(rf_dataset_define(ds, "y", "x * 2", &err) == RF_OK, "define: %s", err.msg);
    long cx = rf_dataset_find_column(ds, "x"), cv = rf_dataset_find_column(ds, "v"),
         cy = rf_dataset_find_column(ds, "y");
    const int64_t *fs = rf_dataset_file_starts(ds);
    int ok = 1;
    int64_t distinct = 0, prev = -1;
    for (int64_t e = 0; ok && e < 3200; e++) {
        int64_t end = rf_dataset_block_end(ds, (size_t)cx, e), fend = e < fs[1] ? fs[1] : fs[2];
        ok = end > e && end <= fend && end >= prev && (prev <= e || end == prev);
        if (ok && fmt == RF_FORMAT_RNTUPLE) { /* clusters of 1000 (300 in b1), pages of 100 */
            int64_t cs = e < 2500 ? e / 1000 * 1000 : 2500 + (e - 2500) / 300 * 300,
                    ce = e < 2500 ? (cs + 1000 < 2500 ? cs + 1000 : 2500) : (cs + 300 < 3200 ? cs + 300 : 3200);
            int64_t want = cs + ((e - cs) / 100 + 1) * 100;
            ok = end == (want < ce ? want : ce);
        }
        if (!ok)
            printf("  entry %lld: block end %lld (previous %lld)\n", (long long)e, (long long)end, (long long)prev);
        distinct += end != prev;
        prev = end;
    }
    int64_t blocks = 0;
    for (size_t f = 0; f < 2; f++) {
        const char *one[1] = {paths[f]};
        rf_dataset *d1;
        if (rf_dataset_open(one, NULL, 1, &d1, &err) == RF_OK) {
            blocks += rf_dataset_column(d1, (size_t)rf_dataset_find_column(d1, "x"))->nblocks;
            rf_dataset_free(d1);
        }
    }
    CHECK(ok && distinct == blocks && blocks >= 32, "%s: block ends of x (%lld distinct, %lld blocks)",
          fmt == RF_FORMAT_TTREE ? "TTree" : "RNTuple", (long long)distinct, (long long)blocks);
    CHECK((rf_dataset_block_end(ds, (size_t)cv, 5) > 5) == (fmt == RF_FORMAT_TTREE),
          "a jagged column's block end: TTree baskets, none for an RNTuple collection");
    CHECK(rf_dataset_block_end(ds, (size_t)cy, 5) == -1 && rf_dataset_block_end(ds, (size_t)cx, 3200) == -1 &&
          rf_dataset_block_end(ds, (size_t)cx, -1) == -1, "no block end for a define or outside the dataset");
    rf_dataset_free(ds);
}

static void test_range_filter_define(void)
{
    const char *paths[2] = {p("c0.root"), p("c1.root")};
    rf_dataset *ds;
    rf_error err = {0};
    CHECK(rf_dataset_open(paths, NULL, 2, &ds, &err) == RF_OK, "open: %s", err.msg);
    CHECK(rf_dataset_set_range(ds, 900, 1200, &err) == RF_OK, "range: %s", err.msg);
    CHECK(rf_dataset_set_range(ds, 900, 1501, &err) == RF_ERR_ARG, "range past the end refused");
    CHECK(rf_dataset_set_range(ds, 900, 1200, &err) == RF_OK, "range again");
    CHECK(rf_dataset_entries(ds) == 300, "ranged entries");
    CHECK(rf_dataset_define(ds, "y", "x * 2 + f", &err) == RF_OK, "define: %s", err.msg);
    CHECK(rf_dataset_define(ds, "nv", "v.size()", &err) == RF_OK, "define nv: %s", err.msg);
    CHECK(rf_dataset_define(ds, "vpos", "v[v > 1000.1]", &err) == RF_OK, "define vpos: %s", err.msg);
    CHECK(rf_dataset_filter(ds, "nv >= 2 && rdfentry_ % 2 == 0", &err) == RF_OK, "filter: %s", err.msg);
    CHECK(rf_dataset_define(ds, "x", "1", &err) == RF_ERR_ARG, "define over a column refused");
    CHECK(rf_dataset_filter(ds, "nosuch > 1", &err) != RF_OK && strstr(err.msg, "nosuch"),
          "unknown column in a filter: %s", err.msg);
    CHECK(rf_dataset_has_filter(ds), "has filter");
    rf_dataset_reader *r;
    CHECK(rf_dataset_reader_new(ds, &r, &err) == RF_OK, "reader: %s", err.msg);
    check_values(r, ds, 0, 300, 900);
    uint8_t mask[300];
    int64_t npass = -1, want = 0;
    CHECK(rf_dataset_select(r, 0, 300, mask, &npass, &err) == RF_OK, "select: %s", err.msg);
    int ok = 1;
    for (int64_t i = 0; i < 300; i++) {
        int64_t e = 900 + i;
        int pass = e % 4 >= 2 && e % 2 == 0;
        want += pass;
        ok &= mask[i] == pass;
    }
    CHECK(ok && npass == want, "filter mask (%lld passing, want %lld)", (long long)npass, (long long)want);
    rf_column_data d;
    rf_column_data_init(&d);
    long cy = rf_dataset_find_column(ds, "y"), cvp = rf_dataset_find_column(ds, "vpos");
    CHECK(rf_dataset_read(r, (size_t)cy, 50, 120, &d, &err) == RF_OK, "read define: %s", err.msg);
    ok = d.dtype == RF_FLOAT32 && d.nentries == 70;
    for (int64_t i = 0; ok && i < 70; i++)
        ok = ((float *)d.values)[i] == (float)(2 * (950 + i)) + (float)(950 + i) / 4.0f;
    CHECK(ok, "define y values");
    CHECK(rf_dataset_read(r, (size_t)cvp, 99, 103, &d, &err) == RF_OK, "read vpos: %s", err.msg);
    /* entries 999..1002: v = e + k/10 for k < e%4, kept where > 1000.1 */
    ok = d.nlevels == 1 && d.nentries == 4 && d.offsets[0][1] == 0 && d.offsets[0][2] == 0 &&
         d.offsets[0][3] == 1 && d.offsets[0][4] == 3 && ((double *)d.values)[0] == 1001.0;
    CHECK(ok, "jagged define cut from the evaluated range");
    rf_column_data_free(&d);
    rf_dataset_reader_free(r);
    rf_dataset_free(ds);
}

/* Whether the n bytes at p still hold the 0xff fill. */
static int untouched(const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (((const unsigned char *)p)[i] != 0xff)
            return 0;
    return 1;
}

static void test_friend_constant_rows(void)
{
    const char *paths[2] = {p("c0.root"), p("c1.root")};
    write_file("f0.root", RF_FORMAT_RNTUPLE, 0, 600, 100, 0);
    write_file("f1.root", RF_FORMAT_TTREE, 600, 900, 450, 0);
    const char *fpaths[2] = {p("f0.root"), p("f1.root")}, *fobj[2] = {"t", "t"};
    rf_dataset *ds;
    rf_error err = {0};
    CHECK(rf_dataset_open(paths, NULL, 2, &ds, &err) == RF_OK, "open: %s", err.msg);
    CHECK(rf_dataset_add_friend(ds, fpaths, fobj, 2, "fr", &err) == RF_OK, "friend: %s", err.msg);
    CHECK(rf_dataset_find_column(ds, "fr.x") >= 0 && rf_dataset_find_column(ds, "a") >= 0,
          "friend columns by alias");
    size_t nc;
    const int64_t *cl = rf_dataset_clusters(ds, &nc);
    int has = 0;
    for (size_t i = 0; i <= nc; i++)
        has += cl[i] == 100 || cl[i] == 300 || cl[i] == 1050 || cl[i] == 1256;
    CHECK(has == 4, "friend and chain boundaries joined");
    double w[2] = {0.5, 7};
    CHECK(rf_dataset_add_constant(ds, "weight", RF_FLOAT32, w, &err) == RF_OK, "const: %s", err.msg);
    CHECK(rf_dataset_add_constant(ds, "weight", RF_FLOAT32, w, &err) == RF_ERR_ARG, "const twice");
    const char *bad[1] = {p("c2.root")};
    CHECK(rf_dataset_add_friend(ds, bad, NULL, 1, "b", &err) == RF_ERR_ARG &&
          strstr(err.msg, "entry-aligned"), "misaligned friend: %s", err.msg);
    CHECK(rf_dataset_filter(ds, "fr.x == x && weight > 0", &err) == RF_OK, "filter on friend: %s", err.msg);
    rf_dataset_reader *r;
    CHECK(rf_dataset_reader_new(ds, &r, &err) == RF_OK, "reader: %s", err.msg);
    /* rows: entries [980, 1020) reversed into a float32 matrix [40, 6]: x, fr.f, weight, v[2] */
    enum { N = 40, W = 6 };
    float m[N][W];
    uint8_t vm[N][2];
    int64_t rows[N];
    for (int i = 0; i < N; i++)
        rows[i] = N - 1 - i;
    rows[5] = -1; /* skipped */
    memset(m, 0xff, sizeof m);
    rf_rows_dest dst;
    rf_rows_dest_init(&dst);
    dst.base = m;
    dst.row_stride = sizeof m[0];
    const char *names[4] = {"x", "fr.f", "weight", "v"};
    size_t offs[4] = {0, 4, 8, 12};
    for (int c = 0; c < 4; c++) {
        dst.col_offset = offs[c];
        dst.max_items = c == 3 ? 2 : 0;
        dst.padding = -1;
        dst.mask = c == 3 ? &vm[0][0] : NULL;
        dst.mask_row_stride = 2;
        long ci = rf_dataset_find_column(ds, names[c]);
        CHECK(rf_dataset_read_rows(r, (size_t)ci, 980, 1020, rows, &dst, &err) == RF_OK,
              "rows %s: %s", names[c], err.msg);
    }
    int ok = 1;
    for (int i = 0; i < N; i++) {
        int64_t e = 980 + i;
        const float *row = m[N - 1 - i];
        if (i == 5) { /* the skipped row keeps its fill */
            ok &= untouched(row, 4);
            continue;
        }
        ok &= row[0] == (float)e && row[1] == (float)e / 4.0f && row[2] == (e < 1000 ? 0.5f : 7.0f);
        for (int k = 0; k < 2; k++) {
            int have = k < e % 4;
            ok &= row[3 + k] == (have ? (float)((double)e + k / 10.0) : -1.0f);
            ok &= vm[N - 1 - i][k] == have;
        }
    }
    CHECK(ok, "row-major writes: permutation, friend, constant, jagged cut/padded with mask");
    /* the jagged column again in its own dtype without a mask (copies, no conversion), cut to 3 */
    double jm[N][3];
    memset(jm, 0xff, sizeof jm);
    rf_rows_dest_init(&dst);
    dst.base = jm;
    dst.dtype = RF_FLOAT64;
    dst.row_stride = sizeof jm[0];
    dst.max_items = 3;
    dst.padding = -2;
    CHECK(rf_dataset_read_rows(r, (size_t)rf_dataset_find_column(ds, "v"), 980, 1020, rows, &dst, &err) == RF_OK,
          "rows v: %s", err.msg);
    ok = 1;
    for (int i = 0; i < N; i++) {
        int64_t e = 980 + i;
        const double *row = jm[N - 1 - i];
        if (i == 5) {
            ok &= untouched(row, 8);
            continue;
        }
        for (int k = 0; k < 3; k++)
            ok &= row[k] == (k < e % 4 ? (double)e + k / 10.0 : -2.0);
    }
    CHECK(ok, "jagged rows in their dtype, cut to 3 / padded with -2, no mask");
    /* typed destination: int16 fixed [2] as int64, float -> int8 conversion */
    int64_t am[4][2];
    int64_t seq[4] = {0, 1, 2, 3};
    rf_rows_dest_init(&dst);
    dst.base = am;
    dst.dtype = RF_INT64;
    dst.row_stride = sizeof am[0];
    CHECK(rf_dataset_read_rows(r, (size_t)rf_dataset_find_column(ds, "a"), 10, 14, seq, &dst, &err) == RF_OK,
          "fixed rows: %s", err.msg);
    CHECK(am[0][0] == 10 && am[0][1] == -10 && am[3][0] == 13 && am[3][1] == -13, "fixed as int64");
    uint8_t mask[1500];
    int64_t npass;
    CHECK(rf_dataset_select(r, 0, 1500, mask, &npass, &err) == RF_OK && npass == 1500,
          "friend filter keeps all (%s)", err.msg);
    rf_dataset_reader_free(r);
    rf_dataset_free(ds);
}

static void test_errors(void)
{
    rf_dataset *ds = NULL;
    rf_error err = {0};
    write_file("noa.root", RF_FORMAT_TTREE, 0, 10, 10, 0);
    const char *mixed[2] = {p("c0.root"), p("noa.root")};
    /* a column missing from a later file: fine until it is used (TChain), then named */
    CHECK(rf_dataset_open(mixed, NULL, 2, &ds, &err) == RF_OK, "open a chain differing in 'a': %s", err.msg);
    long ca = rf_dataset_find_column(ds, "a"), cx = rf_dataset_find_column(ds, "x");
    CHECK(rf_dataset_check_column(ds, (size_t)cx, &err) == RF_OK, "x is in both files");
    CHECK(rf_dataset_check_column(ds, (size_t)ca, &err) == RF_ERR_FORMAT && strstr(err.msg, "noa.root") &&
          strstr(err.msg, "'a'"), "schema mismatch names file and column: %s", err.msg);
    rf_dataset_reader *r0;
    rf_column_data d0;
    rf_column_data_init(&d0);
    CHECK(rf_dataset_reader_new(ds, &r0, &err) == RF_OK, "reader");
    CHECK(rf_dataset_read(r0, (size_t)cx, 990, 1010, &d0, &err) == RF_OK && d0.nentries == 20, "x across both");
    CHECK(rf_dataset_read(r0, (size_t)ca, 0, 5, &d0, &err) == RF_ERR_FORMAT && strstr(err.msg, "noa.root"),
          "reading 'a' even from the first file names the file lacking it: %s", err.msg);
    rf_column_data_free(&d0);
    rf_dataset_reader_free(r0);
    rf_dataset_free(ds);
    const char *missing[1] = {p("nope.root")};
    CHECK(rf_dataset_open(missing, NULL, 1, &ds, &err) == RF_ERR_NO_FILE, "missing file: %s", err.msg);
    const char *objs[1] = {"nosuch"};
    CHECK(rf_dataset_open(mixed, objs, 1, &ds, &err) == RF_ERR_NOT_FOUND, "missing object: %s", err.msg);
    CHECK(rf_dataset_open(mixed, NULL, 0, &ds, &err) == RF_ERR_ARG, "no files");
    CHECK(rf_dataset_open(mixed, NULL, 1, &ds, &err) == RF_OK, "open");
    rf_dataset_reader *r;
    CHECK(rf_dataset_reader_new(ds, &r, &err) == RF_OK, "reader");
    rf_column_data d;
    rf_column_data_init(&d);
    CHECK(rf_dataset_read(r, 0, 5, 1001, &d, &err) == RF_ERR_ARG && strstr(err.msg, "outside"),
          "range error: %s", err.msg);
    CHECK(rf_dataset_read(r, 99, 0, 1, &d, &err) == RF_ERR_ARG, "column index error");
    rf_column_data_free(&d);
    rf_dataset_reader_free(r);
    rf_dataset_free(ds);
}

/* Jagged columns cut/padded to every width 1..9 in their own dtype (4- and 8-byte items, the
 * vector path and, for the last entries, its scalar fallback), over a whole file with random
 * sizes 0..9, into a permutation of rows with skipped ones, against a direct computation. */
static void test_jagged_widths(rf_format fmt)
{
    enum { N = 3000 };
    char path[512];
    snprintf(path, sizeof path, "%s/widths_%d.root", dir, (int)fmt);
    rf_writer_options o;
    rf_writer_options_init(&o);
    o.format = fmt;
    o.cluster_entries = 1100;
    rf_writer *w;
    rf_error err = {0};
    CHECK(rf_writer_open(path, "t", &o, &w, &err) == RF_OK, "writer: %s", err.msg);
    rf_writer_column cols[2] = {{"jf", RF_FLOAT32, RF_KIND_JAGGED, 0, {0}, 0},
                                {"ji", RF_INT64, RF_KIND_JAGGED, 0, {0}, 0}};
    for (int i = 0; i < 2; i++)
        rf_writer_add_column(w, &cols[i], &err);
    static int64_t off[N + 1], ji[N * 9];
    static float jf[N * 9];
    uint64_t seed = 12345;
    for (int64_t e = 0; e < N; e++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        off[e + 1] = off[e] + (int64_t)(seed >> 33) % 10;
        for (int64_t k = off[e]; k < off[e + 1]; k++) {
            jf[k] = (float)e + (float)(k - off[e]) / 16.0f;
            ji[k] = -(e * 100 + (k - off[e]));
        }
    }
    rf_column_data d[2] = {
        {.dtype = RF_FLOAT32, .nlevels = 1, .nentries = N, .nvalues = off[N], .values = jf, .offsets = {off}},
        {.dtype = RF_INT64, .nlevels = 1, .nentries = N, .nvalues = off[N], .values = ji, .offsets = {off}}};
    CHECK(rf_writer_append(w, d, 2, &err) == RF_OK && rf_writer_close(w, &err) == RF_OK, "write: %s", err.msg);
    rf_dataset *ds = NULL;
    const char *one[1] = {path};
    CHECK(rf_dataset_open(one, NULL, 1, &ds, &err) == RF_OK, "open: %s", err.msg);
    if (!ds)
        return;
    rf_dataset_reader *r = NULL;
    CHECK(rf_dataset_reader_new(ds, &r, &err) == RF_OK, "reader: %s", err.msg);
    static int64_t rows[N];
    for (int64_t e = 0; e < N; e++)
        rows[e] = e % 7 == 3 ? -1 : (e * 1237) % N; /* 1237 is prime to N: a permutation */
    static uint8_t m[N * (9 * 8 + 4)];
    int ok = 1;
    for (int width = 1; width <= 9; width++)
        for (int c = 0; c < 2; c++) {
            size_t es = c == 0 ? 4 : 8;
            memset(m, 0xff, sizeof m);
            rf_rows_dest dst;
            rf_rows_dest_init(&dst);
            dst.base = m;
            dst.dtype = c == 0 ? RF_FLOAT32 : RF_INT64;
            dst.row_stride = (size_t)width * es + 4; /* a gap after each row: nothing written there */
            dst.max_items = width;
            dst.padding = -7;
            CHECK(rf_dataset_read_rows(r, (size_t)rf_dataset_find_column(ds, c == 0 ? "jf" : "ji"), 0, N, rows, &dst,
                                       &err) == RF_OK,
                  "rows width %d: %s", width, err.msg);
            for (int64_t e = 0; e < N; e++) {
                int64_t row = (e * 1237) % N;
                const uint8_t *out = m + (size_t)row * dst.row_stride;
                ok &= untouched(out + (size_t)width * es, 4);
                if (e % 7 == 3) {
                    ok &= untouched(out, (size_t)width * es);
                    continue;
                }
                for (int64_t k = 0; k < width; k++) {
                    int have = k < off[e + 1] - off[e];
                    if (c == 0) {
                        float v;
                        memcpy(&v, out + 4 * k, 4);
                        ok &= v == (have ? jf[off[e] + k] : -7.0f);
                    } else {
                        int64_t v;
                        memcpy(&v, out + 8 * k, 8);
                        ok &= v == (have ? ji[off[e] + k] : -7);
                    }
                }
            }
        }
    CHECK(ok, "%s: jagged float32/int64 cut/padded to widths 1..9 in their dtype", fmt == RF_FORMAT_TTREE ? "TTree" : "RNTuple");
    rf_dataset_reader_free(r);
    rf_dataset_free(ds);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/rf_dataset_XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return 1;
    test_chain(RF_FORMAT_TTREE);
    test_chain(RF_FORMAT_RNTUPLE);
    test_block_end(RF_FORMAT_TTREE);
    test_block_end(RF_FORMAT_RNTUPLE);
    test_range_filter_define();
    test_friend_constant_rows();
    test_errors();
    test_jagged_widths(RF_FORMAT_TTREE);
    test_jagged_widths(RF_FORMAT_RNTUPLE);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("could not remove %s\n", dir);
    return check_summary();
}
