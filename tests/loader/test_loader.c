/* test_loader.c - the loader end to end over files written here (TTree and RNTuple, several
 * clusters): every entry once per epoch with the right values in every tensor (flat, jagged
 * cut and padded, collection with mask, virtual columns), filters, several datasets, the
 * same batches on 1, 2 and 3 worker threads, batches as adjacent slices of one chunk (no
 * copy), batches that outlive the loader, inference order, resume, stopping mid-epoch,
 * per-batch class quotas from a label column, ROOT's §3 numbers through real files (test01,
 * 06, 07, 08, 16, and 6.38's leftover order without a split; the plan's own cases are in
 * test_plan_root), waits ended by the interrupt callback, and a
 * corrupt basket whose error reaches rf_loader_next naming the file while nothing hangs.
 * The files and the value checks: loader_fixture.h. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader_fixture.h"

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
        /* batch-aligned chunks: batches are adjacent slices except where a chunk starts (chunks
         * hold at least one 200-entry cluster) */
        CHECK(e.nbatches - 1 - e.adjacent <= e.n / 200 + 1, "format %d part %d: %lld of %lld batches "
              "follow the previous one", fmt, part, (long long)e.adjacent, (long long)e.nbatches);
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
    CHECK(st.bytes_copied == 0, "format %d: batches straddle chunks without copies (%lld bytes "
          "copied)", fmt, (long long)st.bytes_copied);
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

/* Big pieces: an RNTuple cluster larger than a chunk, whose pages hold more than a quarter
 * chunk, is cut where its columns' pages end together (x, f: pages of 256 entries, y: 512;
 * so every 512); a chunk is then a piece, not the
 * cluster (its memory bound that of 512-row chunks), each piece read whole by one worker.
 * Every entry once with its values, the same rows on 1, 2 and 3 threads. */
static void test_big_pieces(void)
{
    write_file_baskets("big.root", RF_FORMAT_RNTUPLE, 0, 3000, 3000, 1024); /* 1 kB pages */
    const char *names[1] = {"big.root"};
    rf_dataset *ds = open_ds(names, 1, NULL);
    epoch_out ref = {0};
    for (int th = 1; th <= 3; th++) {
        rf_loader_options o = base_options();
        o.ntensors = 3; /* without V: a collection's items pages end anywhere (no cut) */
        o.chunk_size = 200;
        o.num_threads = th;
        rf_loader *l = open_loader(&ds, 1, &o);
        if (!l)
            break;
        epoch_out e = run(l, RF_PART_TRAIN, 0, 0);
        uint8_t seen[3000] = {0};
        int once = e.n == 3000;
        for (int64_t i = 0; i < e.n; i++)
            once &= e.ids[i] >= 0 && e.ids[i] < 3000 && !seen[e.ids[i]]++;
        rf_loader_stats st;
        rf_loader_get_stats(l, &st);
        const int64_t row = 3 * 4 + 4 * 8; /* X, y float32; id int64 */
        CHECK(e.status == RF_OK && e.bad == 0 && once, "big pieces, %d threads: every entry once (%lld rows, "
              "%lld wrong: %s)", th, (long long)e.n, (long long)e.bad, e.msg);
        CHECK(st.largest_cluster == 512 && st.read_amplification == 1.0 &&
              st.peak_buffer_bytes <= st.buffer_bound_bytes && st.buffer_bound_bytes < 3000 * row,
              "big pieces, %d threads: pieces of %lld entries, peak %lld <= bound %lld < one cluster's rows",
              th, (long long)st.largest_cluster, (long long)st.peak_buffer_bytes, (long long)st.buffer_bound_bytes);
        if (th == 1) {
            ref = e;
        } else {
            CHECK(e.n == ref.n && !memcmp(e.ids, ref.ids, (size_t)e.n * sizeof *e.ids),
                  "big pieces: %d threads deliver other rows than 1", th);
            out_free(&e);
        }
        rf_loader_free(l);
    }
    out_free(&ref);
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

/* ROOT's fixture for test06/07/16: 10 entries, b1 = entry (Short_t), b2 = b1^2 (UShort_t),
 * b3 = 10 entry, b4 = 10 b3, v1 = {b1, 10 b1}, v2 = {100 b1, 1000 b1}. */
static void write_root_fixture(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    rf_writer_options o;
    rf_writer_options_init(&o);
    rf_writer *w;
    rf_error err = {0};
    rf_writer_column cols[6] = {{.name = "b1", .dtype = RF_INT16, .kind = RF_KIND_FLAT},
                                {.name = "b2", .dtype = RF_UINT16, .kind = RF_KIND_FLAT},
                                {.name = "b3", .dtype = RF_INT32, .kind = RF_KIND_FLAT},
                                {.name = "b4", .dtype = RF_INT32, .kind = RF_KIND_FLAT},
                                {.name = "v1", .dtype = RF_INT32, .kind = RF_KIND_JAGGED},
                                {.name = "v2", .dtype = RF_INT32, .kind = RF_KIND_JAGGED}};
    int16_t b1[10];
    uint16_t b2[10];
    int32_t b3[10], b4[10], v1[20], v2[20];
    int64_t off[11];
    for (int i = 0; i < 10; i++) {
        b1[i] = (int16_t)i;
        b2[i] = (uint16_t)(i * i);
        b3[i] = 10 * i;
        b4[i] = 100 * i;
        v1[2 * i] = i;
        v1[2 * i + 1] = 10 * i;
        v2[2 * i] = 100 * i;
        v2[2 * i + 1] = 1000 * i;
        off[i] = 2 * i;
    }
    off[10] = 20;
    void *vals[6] = {b1, b2, b3, b4, v1, v2};
    rf_column_data d[6];
    int ok = rf_writer_open(path, "mytree", &o, &w, &err) == RF_OK;
    for (int i = 0; i < 6 && ok; i++) {
        ok &= rf_writer_add_column(w, &cols[i], &err) == RF_OK;
        rf_column_data_init(&d[i]);
        d[i].dtype = cols[i].dtype;
        d[i].nentries = 10;
        d[i].nvalues = i >= 4 ? 20 : 10;
        d[i].values = vals[i];
        d[i].nlevels = i >= 4;
        d[i].offsets[0] = i >= 4 ? off : NULL;
    }
    if (!ok || rf_writer_append(w, d, 6, &err) || rf_writer_close(w, &err)) {
        printf("writer: %s\n", err.msg);
        exit(1);
    }
}

/* ROOT's test06 (targets b2, b4 and weights b3), test07 (features b1, b3) and test16 (v1 max 3,
 * v2 max 2 -> x (3, 5), rows [b1, 10 b1, 0, 100 b1, 1000 b1]) through a file, unshuffled,
 * split 0.4, batch 3, in the three ROOT modes: training rows 0..5, validation 6..9, every
 * value and shape as ROOT's tests assert. */
static void test_root_values(void)
{
    write_root_fixture("root3.root");
    const char *names[1] = {"root3.root"};
    rf_dataset *ds = open_ds(names, 1, NULL);
    rf_loader_column x6[1] = {{"b1", 0}}, y6[2] = {{"b2", 0}, {"b4", 0}}, w6[1] = {{"b3", 0}},
                     x7[2] = {{"b1", 0}, {"b3", 0}}, x16[2] = {{"v1", 3}, {"v2", 2}};
    rf_loader_tensor t6[3] = {{"X", RF_FLOAT32, x6, 1, 0}, {"y", RF_FLOAT32, y6, 2, 0}, {"w", RF_FLOAT32, w6, 1, 0}},
                     t7[1] = {{"X", RF_FLOAT32, x7, 2, 0}}, t16[1] = {{"X", RF_FLOAT32, x16, 2, 0}};
    const rf_loader_tensor *tests[3] = {t6, t7, t16};
    size_t ntensors[3] = {3, 1, 1};
    static const char *const test_names[3] = {"test06", "test07", "test16"};
    rf_loader_mode modes[3] = {RF_LOADER_ROOT_640, RF_LOADER_ROOT_EAGER, RF_LOADER_ROOT_638};
    for (int c = 0; c < 3; c++)
        for (int m = 0; m < 3; m++) {
            rf_loader_options o;
            rf_loader_options_init(&o);
            o.mode = modes[m];
            o.tensors = tests[c];
            o.ntensors = ntensors[c];
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
            int ok = c != 2 || (rf_loader_tensor_width(l, 0) == 5 && !strcmp(rf_loader_tensor_column(l, 0, 2), "v1_2") &&
                                !strcmp(rf_loader_tensor_column(l, 0, 4), "v2_1"));
            int64_t next[2] = {0, 6};
            rf_error err;
            for (int part = 0; part < 2; part++) {
                rf_loader_start(l, (rf_part)part, 0, 0, &err);
                for (rf_batch *b; rf_loader_next(l, &b, &err) == RF_OK && b; rf_batch_release(b)) {
                    rf_tensor_view v[3];
                    for (size_t t = 0; t < ntensors[c]; t++)
                        rf_batch_tensor(b, t, &v[t], &err);
                    int64_t rows = rf_batch_rows(b);
                    ok &= rows == (next[part] < 9 ? 3 : 1) && v[0].shape[0] == rows &&
                          v[0].shape[1] == (c == 0 ? 1 : c == 1 ? 2 : 5);
                    for (int64_t r = 0; r < rows; r++) {
                        float e = (float)next[part]++;
                        const float *X = (const float *)v[0].data + r * v[0].shape[1];
                        if (c == 0) {
                            const float *y = (const float *)v[1].data + r * 2, *w = (const float *)v[2].data + r;
                            ok &= v[1].shape[1] == 2 && v[2].shape[1] == 1 && X[0] == e && y[0] == e * e &&
                                  y[1] == 100 * e && w[0] == 10 * e;
                        } else if (c == 1) {
                            ok &= X[0] == e && X[1] == 10 * e;
                        } else {
                            ok &= X[0] == e && X[1] == 10 * e && X[2] == 0 && X[3] == 100 * e && X[4] == 1000 * e;
                        }
                    }
                }
            }
            ok &= next[0] == 6 && next[1] == 10;
            CHECK(ok, "ROOT %s through a file, mode %d: values, shapes or order differ", test_names[c], (int)modes[m]);
            rf_loader_free(l);
        }
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
    fixture_dir_make();
    test_exactly_once(RF_FORMAT_RNTUPLE);
    test_exactly_once(RF_FORMAT_TTREE);
    test_threads_and_memory();
    test_big_pieces();
    test_filters_datasets();
    test_resume();
    test_collection_quotas();
    test_root_cases();
    test_root638_leftover();
    test_interrupt();
    test_root_values();
    test_concurrency();
    test_corrupt();
    fixture_dir_remove();
    return check_summary();
}
