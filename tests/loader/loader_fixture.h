/* loader_fixture.h - what the loader's end-to-end tests share: files written here (TTree or
 * RNTuple, clusters of a given size) whose entry e (a global index) holds x = e (int32),
 * f = e / 4 (float32), y = e % 3 (int16), v = jagged float64 with e % 4 items v_k = e + k / 10;
 * datasets over them; the tensors X = [x, f], y = [y], id = [rdfentry_, rf_dataset_, rf_file_,
 * rf_entry_], V = [v] max 3 (padding -1); and one epoch run with every row's values checked
 * against its entry (GLOBAL0: first e of each dataset; FILES: first e of each file). */
#ifndef RF_TEST_LOADER_FIXTURE_H
#define RF_TEST_LOADER_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootfeed.h"
#include "check.h"

static char dir[256];

static inline void write_file_baskets(const char *name, rf_format fmt, int64_t e0, int64_t n, int64_t cluster,
                                      int64_t basket_bytes)
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
    rf_writer_column cols[4] = {{.name = "x", .dtype = RF_INT32, .kind = RF_KIND_FLAT},
                                {.name = "f", .dtype = RF_FLOAT32, .kind = RF_KIND_FLAT},
                                {.name = "y", .dtype = RF_INT16, .kind = RF_KIND_FLAT},
                                {.name = "v", .dtype = RF_FLOAT64, .kind = RF_KIND_JAGGED}};
    for (int i = 0; i < 4; i++)
        rf_writer_add_column(w, &cols[i], &err);
    rf_column_data d[4];
    int32_t *x = malloc((size_t)n * 4);
    float *f = malloc((size_t)n * 4);
    int16_t *y = malloc((size_t)n * 2);
    int64_t *off = malloc((size_t)(n + 1) * 8);
    double *v = malloc((size_t)n * 3 * 8 + 8);
    off[0] = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t e = e0 + i;
        x[i] = (int32_t)e;
        f[i] = (float)e / 4.0f;
        y[i] = (int16_t)(e % 3);
        off[i + 1] = off[i] + e % 4;
        for (int64_t k = 0; k < e % 4; k++)
            v[off[i] + k] = (double)e + (double)k / 10.0;
    }
    void *vals[4] = {x, f, y, v};
    rf_dtype dt[4] = {RF_INT32, RF_FLOAT32, RF_INT16, RF_FLOAT64};
    for (int i = 0; i < 4; i++) {
        rf_column_data_init(&d[i]);
        d[i].dtype = dt[i];
        d[i].nentries = n;
        d[i].nvalues = i == 3 ? off[n] : n;
        d[i].values = vals[i];
    }
    d[3].nlevels = 1;
    d[3].offsets[0] = off;
    if (rf_writer_append(w, d, 4, &err) || rf_writer_close(w, &err)) {
        printf("writer: %s\n", err.msg);
        exit(1);
    }
    free(x);
    free(f);
    free(y);
    free(off);
    free(v);
}

static inline void write_file(const char *name, rf_format fmt, int64_t e0, int64_t n, int64_t cluster)
{
    write_file_baskets(name, fmt, e0, n, cluster, 0);
}

static inline rf_dataset *open_ds(const char *const *names, size_t n, const char *filter)
{
    char buf[8][512];
    const char *paths[8];
    for (size_t i = 0; i < n; i++) {
        snprintf(buf[i], sizeof buf[i], "%s/%s", dir, names[i]);
        paths[i] = buf[i];
    }
    rf_dataset *ds;
    rf_error err = {0};
    if (rf_dataset_open(paths, NULL, n, &ds, &err) || (filter && rf_dataset_filter(ds, filter, &err))) {
        printf("dataset: %s\n", err.msg);
        exit(1);
    }
    return ds;
}

/* Tensors: X = [x, f] float32, y = [y] float32, id = [rdfentry_, rf_dataset_, rf_file_,
 * rf_entry_] int64, V = [v] max 3 float32 (padding -1). */
static rf_loader_column XC[2] = {{"x", 0}, {"f", 0}}, YC[1] = {{"y", 0}},
                        IDC[4] = {{"rdfentry_", 0}, {"rf_dataset_", 0}, {"rf_file_", 0}, {"rf_entry_", 0}},
                        VC[1] = {{"v", 3}};
static rf_loader_tensor TENSORS[4] = {{"X", RF_FLOAT32, XC, 2, 0}, {"y", RF_FLOAT32, YC, 1, 0},
                                      {"id", RF_INT64, IDC, 4, 0}, {"V", RF_FLOAT32, VC, 1, 0}};

static inline rf_loader_options base_options(void)
{
    rf_loader_options o;
    rf_loader_options_init(&o);
    o.tensors = TENSORS;
    o.ntensors = 4;
    o.batch_size = 64;
    o.chunk_size = 700;
    o.block_size = 1;
    o.seed = 11;
    o.drop_remainder = 0;
    o.vec_padding = -1;
    o.num_threads = 2;
    return o;
}

/* One epoch: the entries of its rows (id column 0 + dataset offset), values checked. */
typedef struct epoch_out {
    int64_t *ids, n, nbatches, bad, *bsize;
    int64_t adjacent;   /* batches whose X directly follows the previous batch's */
    rf_status status;
    char msg[RF_ERROR_MSG_SIZE];
} epoch_out;

static int64_t GLOBAL0[4]; /* first global entry of each dataset (the files' e values) */
/* first e of each file of each dataset, then INT64_MAX */
static int64_t FILES[4][6] = {{0, 3000, INT64_MAX}, {3000, INT64_MAX}};

static inline void check_row(const rf_batch *b, int64_t r, epoch_out *o)
{
    rf_tensor_view X, y, id, V;
    rf_error err;
    rf_batch_tensor(b, 0, &X, &err);
    rf_batch_tensor(b, 1, &y, &err);
    rf_batch_tensor(b, 2, &id, &err);
    int has_v = rf_batch_tensor(b, 3, &V, &err) == RF_OK; /* the layout may leave V out */
    const int64_t *ir = (const int64_t *)id.data + r * 4;
    int64_t e = GLOBAL0[ir[1]] + ir[0];
    const float *xr = (const float *)X.data + r * 2, *vr = has_v ? (const float *)V.data + r * 3 : NULL;
    int ok = xr[0] == (float)e && xr[1] == (float)e / 4.0f && ((const float *)y.data)[r] == (float)(e % 3);
    int64_t file = 0;
    while (FILES[ir[1]][file + 1] <= e)
        file++;
    ok &= ir[2] == file && ir[3] == e - FILES[ir[1]][file];
    for (int k = 0; has_v && k < 3; k++)
        ok &= vr[k] == (k < e % 4 ? (float)((double)e + k / 10.0) : -1.0f);
    o->bad += !ok;
    o->ids[o->n++] = e;
}

static inline epoch_out run(rf_loader *l, rf_part part, int64_t epoch, int64_t first)
{
    epoch_out o = {0};
    rf_error err = {0};
    o.ids = malloc(sizeof *o.ids * 100000);
    o.bsize = malloc(sizeof *o.bsize * 10000);
    const void *prev = NULL;
    o.status = rf_loader_start(l, part, epoch, first, &err);
    for (rf_batch *b; o.status == RF_OK;) {
        o.status = rf_loader_next(l, &b, &err);
        if (o.status != RF_OK || !b)
            break;
        rf_tensor_view X;
        rf_batch_tensor(b, 0, &X, &err);
        o.adjacent += o.nbatches && (char *)X.data == (char *)prev + o.bsize[o.nbatches - 1] * X.strides[0];
        prev = X.data;
        o.bsize[o.nbatches++] = rf_batch_rows(b);
        for (int64_t r = 0; r < rf_batch_rows(b); r++)
            check_row(b, r, &o);
        rf_batch_release(b);
    }
    if (o.status != RF_OK)
        memcpy(o.msg, err.msg, sizeof o.msg);
    return o;
}

static inline void out_free(epoch_out *o)
{
    free(o->ids);
    free(o->bsize);
}

static inline rf_loader *open_loader(rf_dataset **ds, size_t n, const rf_loader_options *o)
{
    rf_loader *l;
    rf_error err = {0};
    rf_status s = rf_loader_open(ds, n, o, &l, &err);
    CHECK(s == RF_OK, "rf_loader_open: %s", err.msg);
    return s == RF_OK ? l : NULL;
}

/* The folder of the test's files (under $TMPDIR), made and removed. */
static inline void fixture_dir_make(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/rf_loader_XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        printf("cannot make a temporary folder\n");
        exit(1);
    }
}

static inline void fixture_dir_remove(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("could not remove %s\n", dir);
}

#endif
