/* test_loader.c - the loader end to end over files written here (TTree and RNTuple, several
 * clusters): every entry once per epoch with the right values in every tensor (flat, jagged
 * cut and padded, collection with mask, virtual columns), filters, several datasets, the
 * same batches on 1, 2 and 3 worker threads, batches as adjacent slices of one chunk (no
 * copy), batches that outlive the loader, inference order, resume, stopping mid-epoch,
 * per-batch class quotas from a label column, ROOT's §3 numbers through real files (and 6.38's
 * leftover order without a split), waits ended by the interrupt callback, and a
 * corrupt basket whose error reaches rf_loader_next naming the file while nothing hangs.
 *
 * Every file holds entries e (its global index): x = e (int32), f = e / 4 (float32),
 * y = e % 3 (int16), v = jagged float64 with e % 4 items v_k = e + k / 10. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfeed.h"
#include "check.h"

static char dir[256];

static void write_file(const char *name, rf_format fmt, int64_t e0, int64_t n, int64_t cluster)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    rf_writer_options o;
    rf_writer_options_init(&o);
    o.format = fmt;
    o.cluster_entries = cluster;
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

static rf_dataset *open_ds(const char *const *names, size_t n, const char *filter)
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

static rf_loader_options base_options(void)
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
    rf_status status;
    char msg[RF_ERROR_MSG_SIZE];
} epoch_out;

static int64_t GLOBAL0[4]; /* first global entry of each dataset (the files' e values) */

static void check_row(const rf_batch *b, int64_t r, epoch_out *o)
{
    rf_tensor_view X, y, id, V;
    rf_error err;
    rf_batch_tensor(b, 0, &X, &err);
    rf_batch_tensor(b, 1, &y, &err);
    rf_batch_tensor(b, 2, &id, &err);
    rf_batch_tensor(b, 3, &V, &err);
    const int64_t *ir = (const int64_t *)id.data + r * 4;
    int64_t e = GLOBAL0[ir[1]] + ir[0];
    const float *xr = (const float *)X.data + r * 2, *vr = (const float *)V.data + r * 3;
    int ok = xr[0] == (float)e && xr[1] == (float)e / 4.0f && ((const float *)y.data)[r] == (float)(e % 3);
    ok &= ir[2] == (ir[1] == 0 && e >= 3000) && ir[3] == e - (e >= 3000 ? 3000 : 0); /* file, entry */
    for (int k = 0; k < 3; k++)
        ok &= vr[k] == (k < e % 4 ? (float)((double)e + k / 10.0) : -1.0f);
    o->bad += !ok;
    o->ids[o->n++] = e;
}

static epoch_out run(rf_loader *l, rf_part part, int64_t epoch, int64_t first)
{
    epoch_out o = {0};
    rf_error err = {0};
    o.ids = malloc(sizeof *o.ids * 100000);
    o.bsize = malloc(sizeof *o.bsize * 10000);
    o.status = rf_loader_start(l, part, epoch, first, &err);
    for (rf_batch *b; o.status == RF_OK;) {
        o.status = rf_loader_next(l, &b, &err);
        if (o.status != RF_OK || !b)
            break;
        o.bsize[o.nbatches++] = rf_batch_rows(b);
        for (int64_t r = 0; r < rf_batch_rows(b); r++)
            check_row(b, r, &o);
        rf_batch_release(b);
    }
    if (o.status != RF_OK)
        memcpy(o.msg, err.msg, sizeof o.msg);
    return o;
}

static void out_free(epoch_out *o)
{
    free(o->ids);
    free(o->bsize);
}

static rf_loader *open_loader(rf_dataset **ds, size_t n, const rf_loader_options *o)
{
    rf_loader *l;
    rf_error err = {0};
    rf_status s = rf_loader_open(ds, n, o, &l, &err);
    CHECK(s == RF_OK, "rf_loader_open: %s", err.msg);
    return s == RF_OK ? l : NULL;
}

/* Every selected entry once over both parts, values right, the counts the loader reports. */
static void test_exactly_once(rf_format fmt)
{
    write_file("a.root", fmt, 0, 3000, 250);
    write_file("b.root", fmt, 3000, 2000, 300);
    const char *names[2] = {"a.root", "b.root"};
    rf_dataset *ds = open_ds(names, 2, NULL);
    rf_loader_options o = base_options();
    o.validation_split = 0.25f;
    rf_loader *l = open_loader(&ds, 1, &o);
    if (!l)
        return;
    uint8_t *seen = calloc(5000, 1);
    int ok = 1;
    int64_t total = 0;
    for (int part = 0; part < 2; part++) {
        epoch_out e = run(l, (rf_part)part, 0, 0);
        CHECK(e.status == RF_OK && e.bad == 0, "format %d part %d: %lld wrong rows (%s)", fmt, part,
              (long long)e.bad, e.msg);
        CHECK(e.nbatches == rf_loader_num_batches(l, (rf_part)part, 0), "num_batches");
        for (int64_t i = 0; i < e.n; i++)
            ok &= e.ids[i] >= 0 && e.ids[i] < 5000 && !seen[e.ids[i]]++;
        for (int64_t j = 0; j + 1 < e.nbatches; j++)
            ok &= e.bsize[j] == 64;
        total += e.n;
        out_free(&e);
    }
    CHECK(ok && total == 5000, "format %d: every entry once over both parts (%lld rows)", fmt, (long long)total);
    int64_t nval = rf_loader_entries(l, RF_PART_VALIDATION);
    CHECK(nval > 1000 && nval < 1500, "validation holds about a quarter: %lld", (long long)nval);
    rf_loader_stats st;
    rf_loader_get_stats(l, &st);
    CHECK(st.entries_delivered == 5000 && st.read_amplification == 1.0 && st.peak_buffer_bytes > 0 &&
          st.peak_buffer_bytes <= st.buffer_bound_bytes, "stats: %lld rows, amplification %g, peak %lld "
          "bound %lld", (long long)st.entries_delivered, st.read_amplification,
          (long long)st.peak_buffer_bytes, (long long)st.buffer_bound_bytes);
    free(seen);
    rf_loader_free(l);
    rf_dataset_free(ds);
}

/* 1, 2 and 3 threads: the same batches; consecutive batches of a chunk are adjacent slices;
 * epochs differ; a batch outlives its loader. */
static void test_threads_and_memory(void)
{
    const char *names[2] = {"a.root", "b.root"};
    rf_dataset *ds = open_ds(names, 2, NULL);
    epoch_out ref = {0};
    for (int th = 1; th <= 3; th++) {
        rf_loader_options o = base_options();
        o.num_threads = th;
        rf_loader *l = open_loader(&ds, 1, &o);
        if (!l)
            break;
        epoch_out e = run(l, RF_PART_TRAIN, 1, 0);
        if (th == 1)
            ref = e;
        else {
            CHECK(e.n == ref.n && !memcmp(e.ids, ref.ids, (size_t)e.n * sizeof *e.ids),
                  "%d threads deliver other batches than 1", th);
            out_free(&e);
        }
        rf_loader_free(l);
    }
    rf_loader_options o = base_options();
    o.chunk_size = 5000; /* one chunk: every full batch a slice of it */
    o.block_size = 100000;
    rf_loader *l = open_loader(&ds, 1, &o);
    epoch_out e0 = run(l, RF_PART_TRAIN, 0, 0);
    CHECK(e0.n == ref.n && memcmp(e0.ids, ref.ids, (size_t)e0.n * sizeof *e0.ids) != 0,
          "epochs 0 and 1 differ");
    out_free(&e0);
    out_free(&ref);
    rf_error err;
    rf_loader_start(l, RF_PART_TRAIN, 0, 0, &err);
    rf_batch *a = NULL, *b = NULL;
    rf_loader_next(l, &a, &err);
    rf_loader_next(l, &b, &err);
    rf_tensor_view va, vb;
    rf_batch_tensor(a, 0, &va, &err);
    rf_batch_tensor(b, 0, &vb, &err);
    CHECK((char *)vb.data == (char *)va.data + 64 * 2 * 4, "consecutive batches are adjacent slices");
    rf_tensor_view ka, kb;
    int64_t ra = -1, rb = -1;
    CHECK(rf_batch_block(a, 0, &ka, &ra, &err) == RF_OK && rf_batch_block(b, 0, &kb, &rb, &err) == RF_OK &&
          ka.data == kb.data && ka.shape[0] == kb.shape[0] && ka.shape[0] >= 128 && ka.shape[1] == 2 &&
          ra == 0 && rb == 64 && (char *)vb.data == (char *)kb.data + rb * 2 * 4,
          "rf_batch_block: both batches in one block, at rows 0 and 64");
    rf_loader_stats st;
    rf_loader_get_stats(l, &st);
    CHECK(st.bytes_copied == 0, "no row copied: %lld bytes", (long long)st.bytes_copied);
    rf_loader_free(l);
    /* the batches still hold their chunk */
    rf_tensor_view id;
    rf_batch_tensor(b, 2, &id, &err);
    int64_t e = ((const int64_t *)id.data)[0];
    CHECK(((const float *)vb.data)[0] == (float)e, "a batch outlives its loader");
    rf_batch_release(a);
    rf_batch_release(b);
    rf_dataset_free(ds);
}

/* Filters, several datasets, virtual columns, inference order. */
static void test_filters_datasets(void)
{
    const char *na[1] = {"a.root"}, *nb[1] = {"b.root"};
    rf_dataset *ds[2] = {open_ds(na, 1, "x % 3 == 0"), open_ds(nb, 1, NULL)};
    GLOBAL0[1] = 3000;
    rf_loader_options o = base_options();
    rf_loader *l = open_loader(ds, 2, &o);
    epoch_out e = run(l, RF_PART_TRAIN, 0, 0);
    uint8_t *seen = calloc(5000, 1);
    int ok = e.status == RF_OK && e.bad == 0 && e.n == 1000 + 2000;
    for (int64_t i = 0; i < e.n; i++)
        ok &= !seen[e.ids[i]]++ && (e.ids[i] >= 3000 || e.ids[i] % 3 == 0);
    CHECK(ok, "a filtered and an unfiltered dataset: %lld rows, %lld bad (%s)", (long long)e.n,
          (long long)e.bad, e.msg);
    out_free(&e);
    rf_loader_free(l);
    o.inference = 1;
    o.batch_size = 100;
    l = open_loader(ds, 2, &o);
    e = run(l, RF_PART_TRAIN, 0, 0);
    ok = e.n == 3000;
    for (int64_t i = 0; i < e.n && ok; i++)
        ok &= e.ids[i] == (i < 1000 ? 3 * i : 2000 + i);
    CHECK(ok, "inference: every selected entry once in file order");
    out_free(&e);
    rf_loader_free(l);
    free(seen);
    rf_dataset_free(ds[0]);
    rf_dataset_free(ds[1]);
    GLOBAL0[1] = 0;
}

/* Resume at batch 7 of epoch 2 on a new loader; stop mid-epoch and start again. */
static void test_resume(void)
{
    const char *names[2] = {"a.root", "b.root"};
    rf_dataset *ds = open_ds(names, 2, NULL);
    rf_loader_options o = base_options();
    o.seed = 0; /* drawn: the state carries it */
    rf_loader *l = open_loader(&ds, 1, &o);
    epoch_out full = run(l, RF_PART_TRAIN, 2, 0);
    rf_error err;
    rf_loader_start(l, RF_PART_TRAIN, 2, 0, &err);
    for (int i = 0; i < 7; i++) {
        rf_batch *b;
        rf_loader_next(l, &b, &err);
        rf_batch_release(b);
    }
    rf_loader_state st;
    rf_loader_get_state(l, &st);
    rf_loader_free(l);
    o.num_threads = 3;
    l = open_loader(&ds, 1, &o);
    epoch_out rest = {0};
    rest.ids = malloc(sizeof *rest.ids * 100000);
    rf_status s = rf_loader_resume(l, &st, &err);
    for (rf_batch *b; s == RF_OK && rf_loader_next(l, &b, &err) == RF_OK && b;) {
        for (int64_t r = 0; r < rf_batch_rows(b); r++)
            check_row(b, r, &rest);
        rf_batch_release(b);
    }
    CHECK(s == RF_OK && rest.n == full.n - 7 * 64 &&
          !memcmp(rest.ids, full.ids + 7 * 64, (size_t)rest.n * sizeof *rest.ids),
          "resumed run == uninterrupted run (%s)", s ? err.msg : "");
    st.fingerprint ^= 1;
    CHECK(rf_loader_resume(l, &st, &err) == RF_ERR_ARG, "a state of other options is refused");
    out_free(&rest);
    /* stop mid-epoch, start again: the same epoch from the start */
    rf_loader_start(l, RF_PART_TRAIN, 2, 0, &err);
    rf_batch *b;
    rf_loader_next(l, &b, &err);
    rf_batch_release(b);
    rf_loader_stop(l);
    epoch_out again = run(l, RF_PART_TRAIN, 2, 0);
    CHECK(again.n == full.n && !memcmp(again.ids, full.ids, (size_t)full.n * sizeof *full.ids),
          "after a stop, the epoch starts over the same");
    out_free(&again);
    out_free(&full);
    rf_loader_free(l);
    rf_dataset_free(ds);
}

/* Typed columns, a collection tensor with its mask, per-batch quotas from a label column. */
static void test_collection_quotas(void)
{
    const char *names[2] = {"a.root", "b.root"};
    rf_dataset *ds = open_ds(names, 2, NULL);
    rf_loader_column vc[1] = {{"v", 0}}, yc[1] = {{"y", 0}}, ic[1] = {{"rdfentry_", 0}};
    rf_loader_tensor t[3] = {{"muons", RF_FLOAT64, vc, 1, 2}, {"y", RF_INT16, yc, 1, 0}, {"e", RF_INT64, ic, 1, 0}};
    rf_loader_options o = base_options();
    o.tensors = t;
    o.ntensors = 3;
    o.batch_size = 30;
    o.balance = RF_BALANCE_UNDER;
    o.label_column = "y";
    o.nclasses = 3;
    o.per_batch = 1;
    rf_loader *l = open_loader(&ds, 1, &o);
    if (!l)
        return;
    CHECK(rf_loader_ntensors(l) == 4 && !strcmp(rf_loader_tensor_column(l, 1, 1), "muons_mask_1"),
          "a collection tensor is followed by its mask");
    rf_error err;
    rf_loader_start(l, RF_PART_TRAIN, 0, 0, &err);
    int ok = 1;
    int64_t nb = 0;
    for (rf_batch *b; rf_loader_next(l, &b, &err) == RF_OK && b; nb++) {
        rf_tensor_view m, mk, y, e;
        rf_batch_tensor(b, 0, &m, &err);
        rf_batch_tensor(b, 1, &mk, &err);
        rf_batch_tensor(b, 2, &y, &err);
        rf_batch_tensor(b, 3, &e, &err);
        ok &= m.ndim == 3 && m.shape[1] == 2 && m.shape[2] == 1 && y.dtype == RF_INT16;
        int cnt[3] = {0, 0, 0};
        for (int64_t r = 0; r < rf_batch_rows(b); r++) {
            int64_t x = ((const int64_t *)e.data)[r];
            int16_t cls = ((const int16_t *)y.data)[r];
            cnt[cls % 3]++;
            ok &= cls == x % 3;
            for (int k = 0; k < 2; k++) {
                int real = k < x % 4;
                ok &= ((const uint8_t *)mk.data)[r * 2 + k] == real &&
                      ((const double *)m.data)[r * 2 + k] == (real ? (double)x + k / 10.0 : -1.0);
            }
        }
        ok &= rf_batch_rows(b) == 30 && cnt[0] == 10 && cnt[1] == 10 && cnt[2] == 10;
        rf_batch_release(b);
    }
    CHECK(ok && nb > 100, "collection values and masks, 10 + 10 + 10 rows per batch (%lld batches)",
          (long long)nb);
    rf_loader_free(l);
    rf_loader_column bad[1] = {{"v", 0}};
    rf_loader_tensor tb[1] = {{"X", RF_FLOAT32, bad, 1, 0}};
    o = base_options();
    o.tensors = tb;
    o.ntensors = 1;
    CHECK(rf_loader_open(&ds, 1, &o, &l, &err) == RF_ERR_ARG && strstr(err.msg, "max_size"),
          "a jagged column without max_size is refused: %s", err.msg);
    rf_loader_column none[1] = {{"nope", 0}};
    tb[0].columns = none;
    CHECK(rf_loader_open(&ds, 1, &o, &l, &err) == RF_ERR_NOT_FOUND && strstr(err.msg, "nope"),
          "an unknown column is RF_ERR_NOT_FOUND: %s", err.msg);
    rf_dataset_free(ds);
}

/* ROOT's test01 and test08 through files: 10 entries, batch 3, split 0.4, unshuffled. */
static void test_root_cases(void)
{
    write_file("ten.root", RF_FORMAT_TTREE, 0, 10, 0);
    const char *names[1] = {"ten.root"};
    rf_loader_column xc[1] = {{"x", 0}}, fc[1] = {{"f", 0}};
    rf_loader_tensor t[2] = {{"X", RF_FLOAT32, xc, 1, 0}, {"y", RF_FLOAT32, fc, 1, 0}};
    rf_loader_mode modes[3] = {RF_LOADER_ROOT_640, RF_LOADER_ROOT_EAGER, RF_LOADER_ROOT_638};
    for (int m = 0; m < 3; m++)
        for (int filt = 0; filt < 2; filt++) {
            rf_dataset *ds = open_ds(names, 1, filt ? "x % 2 == 0" : NULL);
            rf_loader_options o;
            rf_loader_options_init(&o);
            o.mode = modes[m];
            o.tensors = t;
            o.ntensors = 2;
            o.batch_size = 3;
            o.batches_in_memory = 2;
            o.chunk_size = 5;
            o.block_size = 1;
            o.validation_split = 0.4f;
            o.shuffle = 0;
            o.drop_remainder = 0;
            rf_loader *l = open_loader(&ds, 1, &o);
            if (!l)
                continue;
            float got[2][10];
            int n[2] = {0, 0}, ok = 1;
            rf_error err;
            for (int part = 0; part < 2; part++) {
                rf_loader_start(l, (rf_part)part, 0, 0, &err);
                for (rf_batch *b; rf_loader_next(l, &b, &err) == RF_OK && b;) {
                    rf_tensor_view x, y;
                    rf_batch_tensor(b, 0, &x, &err);
                    rf_batch_tensor(b, 1, &y, &err);
                    for (int64_t r = 0; r < rf_batch_rows(b); r++) {
                        float v = ((const float *)x.data)[r];
                        ok &= ((const float *)y.data)[r] == v / 4.0f && n[part] < 10;
                        if (n[part] < 10)
                            got[part][n[part]++] = v;
                    }
                    rf_batch_release(b);
                }
            }
            static const float t01[2][6] = {{0, 1, 2, 3, 4, 5}, {6, 7, 8, 9}}, t08[2][3] = {{0, 2, 4}, {6, 8}};
            int want_n[2] = {filt ? 3 : 6, filt ? 2 : 4};
            for (int part = 0; part < 2; part++) {
                ok &= n[part] == want_n[part];
                for (int i = 0; i < n[part] && i < want_n[part]; i++)
                    ok &= got[part][i] == (filt ? t08[part][i] : t01[part][i]);
            }
            CHECK(ok, "ROOT %s through a file, mode %d", filt ? "test08" : "test01", (int)modes[m]);
            rf_loader_free(l);
            rf_dataset_free(ds);
        }
}

/* ROOT 6.38's leftover carry without a split: 10 entries, chunks of 5, batch 3 gives
 * [0 1 2] [5 6 7] [3 4 8] [9]; the last batch takes a leftover row of chunk 1 after the
 * batch assembled from chunks 0 and 1 (a regression: chunk 1 was dropped too early). */
static void test_root638_leftover(void)
{
    const char *names[1] = {"ten.root"};
    rf_loader_column xc[1] = {{"x", 0}};
    rf_loader_tensor t[1] = {{"X", RF_FLOAT32, xc, 1, 0}};
    rf_dataset *ds = open_ds(names, 1, NULL);
    rf_loader_options o;
    rf_loader_options_init(&o);
    o.mode = RF_LOADER_ROOT_638;
    o.tensors = t;
    o.ntensors = 1;
    o.batch_size = 3;
    o.chunk_size = 5;
    o.block_size = 1;
    o.shuffle = 0;
    o.drop_remainder = 0;
    rf_loader *l = open_loader(&ds, 1, &o);
    static const float want[10] = {0, 1, 2, 5, 6, 7, 3, 4, 8, 9};
    int n = 0, ok = l != NULL;
    rf_error err;
    for (int rep = 0; l && rep < 2; rep++) { /* the second time resumed at the last batch */
        ok &= rf_loader_start(l, RF_PART_TRAIN, 0, rep ? 3 : 0, &err) == RF_OK;
        for (rf_batch *b; rf_loader_next(l, &b, &err) == RF_OK && b;) {
            rf_tensor_view x;
            rf_batch_tensor(b, 0, &x, &err);
            for (int64_t r = 0; r < rf_batch_rows(b); r++, n++)
                ok &= n < 11 && ((const float *)x.data)[r] == want[n < 10 ? n : 9];
            rf_batch_release(b);
        }
    }
    CHECK(ok && n == 11, "ROOT 6.38 leftover order without a split (%d rows)", n);
    rf_loader_free(l);
    rf_dataset_free(ds);
}

/* The interrupt callback (Python's Ctrl-C): a wait for data that it ends returns
 * RF_ERR_INTERRUPTED with the epoch intact; the same batches come when the caller restarts at
 * the batch it did not get. The callback only runs when a wait lasts 50 ms, so one worker
 * decodes a chunk of 60,000 entries; whether a wait was cut is reported, the batches are
 * checked either way. */
static int interrupt_calls;
static int interrupt_now(void *ctx)
{
    interrupt_calls++;
    return *(int *)ctx;
}

static void test_interrupt(void)
{
    write_file("big.root", RF_FORMAT_TTREE, 0, 120000, 0);
    const char *names[1] = {"big.root"};
    rf_dataset *ds = open_ds(names, 1, NULL);
    rf_loader_options o = base_options();
    int armed = 1;
    o.chunk_size = 60000;
    o.batch_size = 4096;
    o.num_threads = 1;
    o.interrupt = interrupt_now;
    o.interrupt_ctx = &armed;
    rf_loader *l = open_loader(&ds, 1, &o);
    int64_t rows = 0, interrupted = 0, ok = l != NULL;
    rf_error err;
    for (int64_t j = 0; l && rf_loader_start(l, RF_PART_TRAIN, 0, j, &err) == RF_OK;) {
        rf_batch *b = NULL;
        rf_status s = rf_loader_next(l, &b, &err);
        if (s == RF_ERR_INTERRUPTED) {
            ok &= !b && strstr(err.msg, "interrupted") != NULL;
            interrupted++;
            armed = 0;
            continue; /* restart at batch j, as Python does after Ctrl-C */
        }
        ok &= s == RF_OK;
        if (!b)
            break;
        ok &= rf_batch_index(b) == j;
        rows += rf_batch_rows(b);
        rf_batch_release(b);
        j++;
        armed = 1;
    }
    CHECK(ok && rows == 120000, "interrupted waits keep every batch (%lld rows)", (long long)rows);
    printf("  interrupt: %d callback calls, %lld waits cut\n", interrupt_calls, (long long)interrupted);
    rf_loader_free(l);
    rf_dataset_free(ds);
}

/* Batches released from another thread while the consumer goes on (4 workers, 3 chunks ahead,
 * stops in the middle of epochs): no race, nothing lost (run under ThreadSanitizer). */
typedef struct release_job {
    rf_batch **b;
    int n;
} release_job;

static void *release_all(void *arg)
{
    release_job *j = arg;
    for (int i = 0; i < j->n; i++)
        rf_batch_release(j->b[i]);
    return NULL;
}

static void test_concurrency(void)
{
    const char *names[2] = {"a.root", "b.root"};
    rf_dataset *ds = open_ds(names, 2, NULL);
    rf_loader_options o = base_options();
    o.num_threads = 4;
    o.prefetch_chunks = 3;
    o.chunk_size = 300;
    rf_loader *l = open_loader(&ds, 1, &o);
    rf_error err;
    int ok = 1;
    for (int epoch = 0; epoch < 4 && l; epoch++) {
        rf_loader_start(l, RF_PART_TRAIN, epoch, 0, &err);
        rf_batch *held[256];
        int n = 0;
        int64_t rows = 0;
        for (rf_batch *b; n < 256 && rf_loader_next(l, &b, &err) == RF_OK && b;) {
            held[n++] = b;
            rows += rf_batch_rows(b);
            if (epoch == 3 && n == 20)
                break; /* stop in the middle */
        }
        pthread_t t;
        release_job job = {held, n};
        pthread_create(&t, NULL, release_all, &job);
        if (epoch == 3)
            rf_loader_stop(l);
        pthread_join(t, NULL);
        ok &= epoch == 3 || rows == 5000;
    }
    CHECK(ok, "four epochs with batches released from another thread");
    rf_loader_free(l);
    rf_dataset_free(ds);
}

/* A corrupt basket in the middle of the second file: rf_loader_next returns the error with
 * the file's name, the other workers stop, the loader frees cleanly. */
static void test_corrupt(void)
{
    write_file("c1.root", RF_FORMAT_TTREE, 0, 3000, 250);
    write_file("c2.root", RF_FORMAT_TTREE, 3000, 2000, 300);
    const char *names[2] = {"c1.root", "c2.root"};
    rf_dataset *ds = open_ds(names, 2, NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/c2.root", dir);
    FILE *f = fopen(path, "r+b");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, size / 3, SEEK_SET); /* the baskets are in the first part of the file */
    for (int i = 0; i < 4096; i++)
        fputc(0x5a, f);
    fclose(f);
    rf_loader_options o = base_options();
    o.shuffle = 0;
    rf_loader *l = open_loader(&ds, 1, &o);
    epoch_out e = run(l, RF_PART_TRAIN, 0, 0);
    CHECK(e.status != RF_OK && strstr(e.msg, "c2.root"), "a corrupt basket: the error names the file "
          "(status %d: %s)", (int)e.status, e.msg);
    CHECK(e.n >= 2500, "the batches before the corrupt cluster were delivered (%lld)", (long long)e.n);
    rf_error err;
    rf_batch *b = NULL;
    CHECK(rf_loader_next(l, &b, &err) != RF_OK && !b, "the error stays until the epoch restarts");
    out_free(&e);
    rf_loader_free(l);
    rf_dataset_free(ds);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/rf_loader_XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        printf("cannot make a temporary folder\n");
        return 1;
    }
    test_exactly_once(RF_FORMAT_RNTUPLE);
    test_exactly_once(RF_FORMAT_TTREE);
    test_threads_and_memory();
    test_filters_datasets();
    test_resume();
    test_collection_quotas();
    test_root_cases();
    test_root638_leftover();
    test_interrupt();
    test_concurrency();
    test_corrupt();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("could not remove %s\n", dir);
    return check_summary();
}
