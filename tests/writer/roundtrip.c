/* roundtrip.c - property test: random schemas (every dtype; flat, fixed, jagged and nested
 * jagged shapes), random sizes, batch splits, cluster and basket sizes, every codec and both
 * formats are written with rf_writer_* and read back with rf_table_read; every value, every
 * count and the cluster edges must come back exactly. Usage: roundtrip [ITERATIONS [SEED]]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sample.h"

static int passed, failed;

#define CHECK(cond, ...) do { if (cond) passed++; else { failed++; printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

static const int settings[] = {0, 101, 106, 207, 301, 404, 409, 505, 510};

static void random_schema(uint64_t *rng, sample_col *cols, int n)
{
    for (int i = 0; i < n; i++) {
        sample_col *c = &cols[i];
        memset(c, 0, sizeof *c);
        *rng = sample_hash(*rng);
        char *name = malloc(16);
        snprintf(name, 16, "c%d", i);
        c->def.name = name;
        c->def.dtype = (rf_dtype)(*rng % RF_DTYPE_COUNT);
        c->def.kind = (rf_kind)((*rng >> 8) % 3);
        if (c->def.kind != RF_KIND_FLAT) {
            c->def.ndims = c->def.kind == RF_KIND_FIXED ? 1 + (int)((*rng >> 12) % 2) : (int)((*rng >> 12) % 2);
            for (int d = 0; d < c->def.ndims; d++)
                c->def.shape[d] = 2 + (int64_t)((*rng >> (16 + 4 * d)) % 4); /* the TTree reader reads x[1] as flat */
        }
        c->max_items = (int)((*rng >> 32) % 9);
        if (c->def.kind == RF_KIND_JAGGED && c->def.ndims == 0 && (*rng >> 36) % 3 == 0) {
            c->def.nlevels = 2 + (int)((*rng >> 40) % (RF_MAX_LEVELS - 1)); /* nested: 2 .. RF_MAX_LEVELS */
            c->max_items = 1 + (int)((*rng >> 44) % 4);
        }
    }
}

static int same_values(const rf_column_data *a, const rf_column_data *b, size_t es)
{
    if (a->nentries != b->nentries || a->nvalues != b->nvalues || a->nlevels != b->nlevels)
        return 0;
    if (a->nvalues && memcmp(a->values, b->values, (size_t)a->nvalues * es) != 0)
        return 0;
    int64_t n = a->nentries;
    for (int l = 0; l < a->nlevels; l++) {
        for (int64_t e = 0; e <= n; e++)
            if (a->offsets[l][e] - a->offsets[l][0] != b->offsets[l][e] - b->offsets[l][0])
                return 0;
        n = a->offsets[l][n] - a->offsets[l][0];
    }
    return 1;
}

/* Reads every column back, whole and in one random sub-range, and compares. */
static void verify(const char *path, const sample_col *cols, int nc, int64_t n, uint64_t seed,
                   int64_t cluster, rf_format o_format, uint64_t *rng, const char *what)
{
    rf_error err = {0};
    rf_file *f = NULL;
    rf_table *t = NULL;
    if (rf_file_open(path, &f, &err) != RF_OK || rf_table_open(f, "t", &t, &err) != RF_OK) {
        CHECK(0, "%s: open: %s", what, err.msg);
        rf_file_close(f);
        return;
    }
    CHECK(rf_table_entries(t) == n, "%s: %lld entries, expected %lld", what, (long long)rf_table_entries(t), (long long)n);
    size_t ncl;
    const int64_t *edges = rf_table_clusters(t, &ncl);
    /* Every cluster edge written must be an edge read back; a TTree reader may report more
     * (it intersects basket edges, and baskets also end inside clusters). */
    int edges_ok = edges && edges[0] == 0 && edges[ncl] == n;
    for (size_t i = 0; edges_ok && i < ncl; i++)
        edges_ok = edges[i + 1] > edges[i];
    for (int64_t e = cluster, i = 0; edges_ok && cluster > 0 && e < n; e += cluster) {
        while (i < (int64_t)ncl && edges[i] < e)
            i++;
        edges_ok = edges[i] == e;
    }
    if (edges_ok && cluster > 0 && o_format == RF_FORMAT_RNTUPLE)
        edges_ok = (int64_t)ncl == (n + cluster - 1) / cluster;
    CHECK(edges_ok, "%s: %zu cluster edges (%lld, %lld, ...) do not match %lld entries per cluster", what, ncl,
          (long long)(edges && ncl > 0 ? edges[1] : -1), (long long)(edges && ncl > 1 ? edges[2] : -1), (long long)cluster);
    rf_column_data got, want;
    rf_column_data_init(&got);
    rf_column_data_init(&want);
    for (int c = 0; c < nc; c++) {
        long k = rf_table_find_column(t, cols[c].def.name);
        const rf_column_info *ci = k >= 0 ? rf_table_column(t, (size_t)k) : NULL;
        int levels = cols[c].def.kind != RF_KIND_JAGGED ? 0 : cols[c].def.nlevels > 1 ? cols[c].def.nlevels : 1;
        int shape_ok = ci && ci->dtype == cols[c].def.dtype && ci->kind == cols[c].def.kind &&
                       ci->ndims == cols[c].def.ndims && ci->nlevels == levels;
        for (int d = 0; shape_ok && d < ci->ndims; d++)
            shape_ok = ci->shape[d] == cols[c].def.shape[d];
        CHECK(shape_ok, "%s: column %s (%s %s, %d dims): read back as %s %s with %d dims", what, cols[c].def.name,
              rf_kind_name(cols[c].def.kind), rf_dtype_name(cols[c].def.dtype), cols[c].def.ndims,
              ci ? rf_kind_name(ci->kind) : "missing", ci ? rf_dtype_name(ci->dtype) : "", ci ? ci->ndims : 0);
        if (!shape_ok)
            continue;
        *rng = sample_hash(*rng);
        int64_t a = n ? (int64_t)(*rng % (uint64_t)n) : 0, b = a + (n ? (int64_t)((*rng >> 20) % (uint64_t)(n - a + 1)) : 0);
        int64_t ranges[2][2] = {{0, n}, {a, b}};
        for (int r = 0; r < 2; r++) {
            rf_status s = rf_table_read(t, (size_t)k, ranges[r][0], ranges[r][1], &got, &err);
            sample_fill(&cols[c], seed, c, ranges[r][0], ranges[r][1] - ranges[r][0], &want);
            CHECK(s == RF_OK && same_values(&got, &want, rf_dtype_size(cols[c].def.dtype)),
                  "%s: column %s (%s %s) entries [%lld, %lld): %s", what, cols[c].def.name,
                  rf_kind_name(cols[c].def.kind), rf_dtype_name(cols[c].def.dtype), (long long)ranges[r][0],
                  (long long)ranges[r][1], s == RF_OK ? "values differ" : err.msg);
        }
    }
    rf_column_data_free(&got);
    rf_column_data_free(&want);
    rf_table_close(t);
    rf_file_close(f);
}

static int write_file(const char *path, const sample_col *cols, int nc, int64_t n, uint64_t seed,
                      const rf_writer_options *o, uint64_t *rng, char *msg)
{
    rf_error err = {0};
    rf_writer *w;
    if (rf_writer_open(path, "t", o, &w, &err) != RF_OK)
        return snprintf(msg, 512, "%s", err.msg), 0;
    for (int c = 0; c < nc; c++)
        if (rf_writer_add_column(w, &cols[c].def, &err) != RF_OK) {
            rf_writer_abort(w);
            return snprintf(msg, 512, "%s", err.msg), 0;
        }
    rf_column_data d[16];
    for (int c = 0; c < nc; c++)
        rf_column_data_init(&d[c]);
    int ok = 1;
    for (int64_t e = 0; e < n && ok;) {
        *rng = sample_hash(*rng);
        int64_t m = 1 + (int64_t)(*rng % (uint64_t)(n - e < 3000 ? n - e : 3000));
        for (int c = 0; c < nc; c++)
            sample_fill(&cols[c], seed, c, e, m, &d[c]);
        ok = rf_writer_append(w, d, (size_t)nc, &err) == RF_OK;
        e += m;
    }
    for (int c = 0; c < nc; c++)
        rf_column_data_free(&d[c]);
    if (!ok) {
        rf_writer_abort(w);
        return snprintf(msg, 512, "%s", err.msg), 0;
    }
    if (rf_writer_close(w, &err) != RF_OK)
        return snprintf(msg, 512, "%s", err.msg), 0;
    return 1;
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 60;
    uint64_t rng = argc > 2 ? strtoull(argv[2], NULL, 10) : 12345;
    char path[256];
    snprintf(path, sizeof path, "%s/rootfeed_roundtrip_%d.root", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    for (int it = 0; it < iters; it++) {
        sample_col cols[16];
        rng = sample_hash(rng);
        uint64_t seed = rng;
        int nc = 1 + (int)(rng % 8);
        random_schema(&rng, cols, nc);
        rf_writer_options o;
        rf_writer_options_init(&o);
        rng = sample_hash(rng);
        o.format = (rf_format)(it % 2);
        o.compression = settings[(rng >> 3) % (sizeof settings / sizeof settings[0])];
        int64_t n = (int64_t)((rng >> 10) % 6000);
        if ((rng >> 24) % 4 == 0)
            n = (int64_t)((rng >> 30) % 5);
        o.cluster_entries = (rng >> 40) % 3 ? (int64_t)(1 + (rng >> 42) % 2500) : 0;
        o.cluster_bytes = 20000 + (int64_t)((rng >> 50) % 200000);
        o.basket_bytes = 64 + (int64_t)((rng >> 20) % 20000);
        char what[160], msg[512] = "";
        snprintf(what, sizeof what, "iteration %d (%s, setting %d, %lld entries, %d columns)", it,
                 o.format ? "rntuple" : "ttree", o.compression, (long long)n, nc);
        int ok = write_file(path, cols, nc, n, seed, &o, &rng, msg);
        CHECK(ok, "%s: write: %s", what, msg);
        if (ok)
            verify(path, cols, nc, n, seed, o.cluster_entries, o.format, &rng, what);
        for (int c = 0; c < nc; c++)
            free((char *)cols[c].def.name);
    }
    remove(path);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
