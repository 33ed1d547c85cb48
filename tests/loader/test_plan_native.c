/* test_plan_native.c - rootfeed's native plan on small hand-computed cases: chunks of whole
 * blocks, batches straddling chunks, inference order and shares, rank equalisation (drop and
 * pad), exact class sampling and per-batch quotas, the epoch figures (read amplification in
 * native and ROOT 6.38 mode, shuffle quality) and the options the plan refuses. */
#include <stdio.h>
#include <string.h>

#include "loader/rng.h"
#include "plan_sim.h"

static int64_t bounds3[4] = {0, 10, 20, 30};

static lp_config native(void)
{
    lp_config c = {0};
    c.mode = RF_LOADER_NATIVE;
    c.batch_size = 4;
    c.chunk_size = 15;
    c.world_size = 1;
    c.seed = 5;
    c.sampling_ratio = 1.0f;
    return c;
}

/* Runs one epoch; returns the delivered entries in *out (caller frees with sim_free). */
static sim_epoch epoch_of(const lp_shape *sh, const lp_config *c, int part, lp_epoch_info *info)
{
    lp_plan *p;
    lp_epoch *e;
    rf_error err = {0};
    sim_epoch s = {0};
    if (lp_plan_create(sh, c, &p, &err) != RF_OK || lp_epoch_create(p, part, 0, &e, &err) != RF_OK) {
        CHECK(0, "plan: %s", err.msg);
        return s;
    }
    int64_t S = lp_plan_selected(p);
    s = sim_run(e, S);
    if (info)
        *info = *lp_epoch_get_info(e);
    lp_epoch_free(e);
    lp_plan_free(p);
    return s;
}

static void test_stream(void)
{
    lp_shape sh = {3, bounds3, NULL, 0, 1, NULL, NULL, NULL};
    lp_config c = native();
    lp_epoch_info in;
    sim_epoch s = epoch_of(&sh, &c, 0, &in);
    int ok = s.nrows == 30 && s.nbatches == 8 && in.last_batch_rows == 2;
    for (int64_t i = 0; i < s.nrows && ok; i++)
        ok &= s.entries[i] == i;
    CHECK(ok, "unshuffled native: entries in file order, 7 batches of 4 and one of 2");
    CHECK(s.copied_rows == 4, "one batch straddles two chunks (4 rows), got %lld", (long long)s.copied_rows);
    CHECK(in.max_chunk_rows == 10 && in.read_amplification == 1.0, "chunks of one cluster");
    sim_free(&s);
    c.block_size = 25; /* blocks [c0 c1] and [c2]: a block larger than a chunk is one chunk */
    s = epoch_of(&sh, &c, 0, &in);
    CHECK(in.max_chunk_rows == 20 && s.nrows == 30, "a 20-entry block makes a 20-row chunk");
    sim_free(&s);
    c.drop_remainder = 1;
    s = epoch_of(&sh, &c, 0, &in);
    CHECK(s.nbatches == 7 && in.dropped == 2 && in.rows == 28, "drop_remainder drops 2 rows");
    sim_free(&s);
}

/* Native shuffling: each batch a random sample of its chunk, rows in entry order inside it. */
static void test_batches_sorted(void)
{
    int64_t b[2] = {0, 1000};
    lp_shape sh = {1, b, NULL, 0, 1, NULL, NULL, NULL};
    lp_config c = native();
    c.shuffle = 1;
    c.batch_size = 100;
    c.chunk_size = 1000;
    lp_plan *p;
    rf_error err = {0};
    if (lp_plan_create(&sh, &c, &p, &err) != RF_OK)
        return;
    int64_t first[2][100];
    int ok = 1;
    for (int ep = 0; ep < 2; ep++) {
        lp_epoch *e;
        lp_epoch_create(p, 0, ep, &e, &err);
        sim_epoch s = sim_run(e, 1000);
        ok &= s.nrows == 1000 && s.nbatches == 10;
        for (int64_t i = 0; i < s.nrows; i++)
            ok &= i % 100 == 0 || s.entries[i] > s.entries[i - 1];
        memcpy(first[ep], s.entries, sizeof first[ep]);
        sim_free(&s);
        lp_epoch_free(e);
    }
    CHECK(ok && memcmp(first[0], first[1], sizeof first[0]), "native batches: ascending entries inside, "
          "other members every epoch");
    lp_plan_free(p);
}

static void test_ranks(void)
{
    lp_shape sh = {3, bounds3, NULL, 0, 1, NULL, NULL, NULL};
    lp_config c = native();
    c.inference = 1;
    c.world_size = 2;
    for (int r = 0; r < 2; r++) {
        c.rank = r;
        sim_epoch s = epoch_of(&sh, &c, 0, NULL);
        int ok = s.nrows == 15;
        for (int64_t i = 0; i < s.nrows && ok; i++)
            ok &= s.entries[i] == 15 * r + i;
        CHECK(ok, "inference: rank %d reads entries %d..%d in order", r, 15 * r, 15 * r + 14);
        sim_free(&s);
    }
    int64_t b10[2] = {0, 10};
    lp_shape ten = {1, b10, NULL, 0, 1, NULL, NULL, NULL};
    c = native();
    c.world_size = 3; /* shares 3, 3, 4 */
    c.shuffle = 1;
    for (int pad = 0; pad < 2; pad++)
        for (int r = 0; r < 3; r++) {
            c.rank = r;
            c.pad = pad;
            lp_epoch_info in;
            sim_epoch s = epoch_of(&ten, &c, 0, &in);
            CHECK(s.nrows == (pad ? 4 : 3) && in.dropped == (!pad && r == 2) &&
                  in.repeated == (pad && r < 2), "world 3, pad %d, rank %d: %lld rows", pad, r,
                  (long long)s.nrows);
            sim_free(&s);
        }
}

static void test_balance(void)
{
    int64_t b[3] = {0, 30, 40};
    size_t groups[3] = {0, 1, 2};
    lp_shape sh = {2, b, NULL, 0, 2, groups, NULL, NULL}; /* class 0: 30 entries, class 1: 10 */
    lp_config c = native();
    c.chunk_size = 1000;
    c.shuffle = 1;
    c.balance = RF_BALANCE_UNDER;
    c.nclasses = 2;
    sim_epoch s = epoch_of(&sh, &c, 0, NULL);
    int64_t n[2] = {0, 0}, seen[40] = {0};
    for (int64_t i = 0; i < s.nrows; i++) {
        n[s.entries[i] >= 30]++;
        seen[s.entries[i]]++;
    }
    int ok = n[0] == 10 && n[1] == 10;
    for (int i = 0; i < 40; i++)
        ok &= seen[i] <= 1 && (i < 30 || seen[i] == 1);
    CHECK(ok, "under-sampling 30:10 to equal weights: 10 + 10 distinct (got %lld + %lld)",
          (long long)n[0], (long long)n[1]);
    sim_free(&s);
    c.balance = RF_BALANCE_OVER;
    s = epoch_of(&sh, &c, 0, NULL);
    memset(seen, 0, sizeof seen);
    for (int64_t i = 0; i < s.nrows; i++)
        seen[s.entries[i]]++;
    ok = s.nrows == 60;
    for (int i = 0; i < 40; i++)
        ok &= seen[i] == (i < 30 ? 1 : 3);
    CHECK(ok, "over-sampling 30:10 to equal weights: each minority entry three times");
    sim_free(&s);
    double w[2] = {1, 3}; /* a quarter of class 0 */
    c.class_weights = w;
    c.balance = RF_BALANCE_UNDER;
    c.per_batch = 1;
    s = epoch_of(&sh, &c, 0, NULL);
    ok = s.nbatches == 3; /* 10 of class 1 at 3 per batch: 3 batches of 1 + 3 */
    for (int64_t j = 0; j < s.nbatches; j++) {
        int64_t k1 = 0;
        for (int64_t i = 0; i < 4; i++)
            k1 += s.entries[4 * j + i] >= 30;
        ok &= s.bsize[j] == 4 && k1 == 3;
    }
    CHECK(ok, "quotas 1:3 in batches of 4: 3 batches of one class-0 and three class-1 rows");
    sim_free(&s);
}

static void test_figures(void)
{
    int64_t b[2] = {0, 10}, many[101];
    lp_shape one = {1, b, NULL, 0, 1, NULL, NULL, NULL};
    lp_config c = native();
    c.mode = RF_LOADER_ROOT_638; /* T638 test01: chunks of 5, blocks of 2 over one cluster */
    c.chunk_size = 5;
    c.block_size = 2;
    c.batch_size = 3;
    c.validation_split = 0.4f;
    lp_epoch_info in;
    sim_epoch s = epoch_of(&one, &c, 0, &in);
    CHECK(in.read_amplification == 2.0 && in.entries_read == 20, "6.38 reads its one cluster "
          "for each of the 2 training chunks: amplification %g", in.read_amplification);
    sim_free(&s);
    for (int i = 0; i <= 100; i++)
        many[i] = 10 * i;
    lp_shape sh = {100, many, NULL, 0, 1, NULL, NULL, NULL};
    c = native();
    c.shuffle = 1;
    c.batch_size = 64;
    c.chunk_size = 1000;
    s = epoch_of(&sh, &c, 0, &in);
    CHECK(in.shuffle_quality > 0.999 && in.shuffle_quality < 1.001, "one chunk of everything: "
          "quality %g", in.shuffle_quality);
    sim_free(&s);
    c.chunk_size = 10;
    s = epoch_of(&sh, &c, 0, &in);
    CHECK(in.shuffle_quality < 0.2, "chunks of one cluster: quality %g", in.shuffle_quality);
    sim_free(&s);
    /* the same 100 clusters as pieces of 10 file clusters (the loader's cut): quality counts
     * the file clusters a batch draws from. Chunks of 100 entries (10 random pieces) reach
     * more of them than chunks of one whole file cluster would (100 entries each, 4 in all). */
    size_t unit[100], same[100] = {0};
    for (int i = 0; i < 100; i++)
        unit[i] = (size_t)i / 10;
    lp_shape cut = {100, many, NULL, 0, 1, NULL, NULL, unit}, whole = cut;
    int64_t ten[11];
    for (int i = 0; i <= 10; i++)
        ten[i] = 100 * i;
    whole = (lp_shape){10, ten, NULL, 0, 1, NULL, NULL, NULL};
    c.chunk_size = 100;
    lp_epoch_info win;
    sim_free((s = epoch_of(&whole, &c, 0, &win), &s));
    s = epoch_of(&cut, &c, 0, &in);
    CHECK(win.shuffle_quality < 0.15 && in.shuffle_quality > 3 * win.shuffle_quality, "pieces of file "
          "clusters: quality %g, whole clusters %g", in.shuffle_quality, win.shuffle_quality);
    sim_free(&s);
    cut.unit = same; /* every piece of one file cluster: as good as a global shuffle */
    s = epoch_of(&cut, &c, 0, &in);
    CHECK(in.shuffle_quality == 1.0, "pieces of one file cluster: quality %g", in.shuffle_quality);
    sim_free(&s);
}

/* Seed 0 draws a seed (never 0), different from run to run, and a plan given it as its
 * drawn seed replays the run. */
static void test_drawn_seed(void)
{
    lp_shape sh = {3, bounds3, NULL, 0, 1, NULL, NULL, NULL};
    lp_config c = native();
    c.seed = 0;
    c.shuffle = 1;
    lp_plan *a, *b;
    rf_error err = {0};
    if (lp_plan_create(&sh, &c, &a, &err) != RF_OK || lp_plan_create(&sh, &c, &b, &err) != RF_OK) {
        CHECK(0, "plan: %s", err.msg);
        return;
    }
    CHECK(lp_plan_seed(a) != 0 && lp_plan_seed(a) != lp_plan_seed(b), "seed 0 draws a new seed");
    c.drawn_seed = lp_plan_seed(a);
    sim_epoch x = epoch_of(&sh, &c, 0, NULL);
    lp_epoch *e;
    if (lp_epoch_create(a, 0, 0, &e, &err) == RF_OK) {
        sim_epoch y = sim_run(e, 30);
        CHECK(x.nrows == y.nrows && !memcmp(x.entries, y.entries, (size_t)x.nrows * sizeof *x.entries),
              "the drawn seed replays the run");
        sim_free(&y);
        lp_epoch_free(e);
    }
    sim_free(&x);
    lp_plan_free(a);
    lp_plan_free(b);
}

static void test_refusals(void)
{
    lp_shape sh = {3, bounds3, NULL, 0, 1, NULL, NULL, NULL};
    uint8_t labels[30] = {0};
    labels[7] = 5;
    typedef struct refusal {
        const char *what, *msg;
        lp_config c;
    } refusal;
    refusal bad[8];
    int n = 0;
    lp_config c = native();
    c.rank = 2;
    c.world_size = 2;
    bad[n++] = (refusal){"rank out of range", "rank 2", c};
    c = native();
    c.mode = RF_LOADER_ROOT_640;
    c.batches_in_memory = 2;
    c.world_size = 2;
    bad[n++] = (refusal){"ranks in a ROOT mode", "native mode", c};
    c = native();
    c.world_size = 2;
    c.seed = 0;
    bad[n++] = (refusal){"seed 0 on two ranks", "same seed", c};
    c = native();
    c.batch_size = 0;
    bad[n++] = (refusal){"batch 0", "batch_size", c};
    c = native();
    c.validation_split = 1.0f;
    bad[n++] = (refusal){"split 1", "validation_split", c};
    c = native();
    c.validation_split = 0.5f;
    c.block_size = 100; /* one block: nothing left to train on */
    bad[n++] = (refusal){"split of one block", "no training entries", c};
    c = native();
    c.balance = RF_BALANCE_UNDER;
    c.nclasses = 2;
    bad[n++] = (refusal){"label 5 of 2 classes", "class 5", c};
    c = native();
    c.per_batch = 1;
    bad[n++] = (refusal){"quotas without balancing", "balancing", c};
    for (int i = 0; i < n; i++) {
        lp_shape s = sh;
        if (i == 6)
            s.labels = labels;
        lp_plan *p = NULL;
        rf_error err = {0};
        rf_status st = lp_plan_create(&s, &bad[i].c, &p, &err);
        CHECK(st == RF_ERR_ARG && strstr(err.msg, bad[i].msg), "%s: refused with '%s' (%s)",
              bad[i].what, bad[i].msg, err.msg);
        lp_plan_free(p);
    }
}

/* The generator's shuffles are uniform: the 24 orders of 4 elements, 240,000 shuffles each,
 * against a chi-square with 23 degrees of freedom (99.99th percentile 57.8); the 32-bit one
 * takes its draws two per 64-bit output. */
static void test_shuffle_uniform(void)
{
    for (int w = 32; w <= 64; w += 32) {
        lp_rng r;
        uint64_t words[1] = {(uint64_t)w};
        lp_rng_init(&r, 9, words, 1);
        int64_t count[256] = {0}, n = 240000;
        for (int64_t k = 0; k < n; k++) {
            int64_t v64[4] = {0, 1, 2, 3};
            uint32_t v32[4] = {0, 1, 2, 3};
            int code = 0;
            if (w == 32) {
                lp_rng_shuffle32(&r, v32, 4);
                for (int i = 0; i < 4; i++)
                    code = code * 4 + (int)v32[i];
            } else {
                lp_rng_shuffle64(&r, v64, 4);
                for (int i = 0; i < 4; i++)
                    code = code * 4 + (int)v64[i];
            }
            count[code]++;
        }
        double chi2 = 0, expect = (double)n / 24;
        int orders = 0;
        for (int c = 0; c < 256; c++)
            if (count[c]) {
                orders++;
                chi2 += ((double)count[c] - expect) * ((double)count[c] - expect) / expect;
            }
        CHECK(orders == 24 && chi2 < 57.8, "shuffle%d of 4: %d orders, chi-square %.1f", w, orders, chi2);
    }
    /* 16 and 32-bit values take the same draws: the same permutation (the plan's batch
     * numbers are either) */
    enum { N = 5000 };
    static uint16_t v16[N];
    static uint32_t v32[N];
    for (int i = 0; i < N; i++)
        v16[i] = (uint16_t)i, v32[i] = (uint32_t)i;
    lp_rng r16, r32;
    uint64_t words[1] = {16};
    lp_rng_init(&r16, 3, words, 1);
    r32 = r16;
    lp_rng_shuffle16(&r16, v16, N);
    lp_rng_shuffle32(&r32, v32, N);
    int same = 1, moved = 0;
    for (int i = 0; i < N; i++) {
        same &= v16[i] == v32[i];
        moved += v32[i] != (uint32_t)i;
    }
    CHECK(same && moved > N / 2, "shuffle16 == shuffle32 over %d values (%d moved)", N, moved);
}

int main(void)
{
    test_shuffle_uniform();
    test_stream();
    test_batches_sorted();
    test_ranks();
    test_balance();
    test_figures();
    test_drawn_seed();
    test_refusals();
    return check_summary();
}
