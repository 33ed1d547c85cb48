/* test_plan_root.c - ROOT's own test cases (docs/root-ml-loader.md §3) at the plan level, in
 * the three ROOT-compatible modes: entry ids stand for b1 values, filters for pass masks.
 * Each case names its mode; the numbers are ROOT's (T640 for RF_LOADER_ROOT_640 and
 * RF_LOADER_ROOT_EAGER, T638 for RF_LOADER_ROOT_638 with chunk_size 5 and block_size 1 or 2).
 * Also: libstdc++'s std::mt19937 / uniform_int_distribution / std::shuffle reproduced (a hash
 * of g++ 12's output), and the shuffled cases' invariants (distinct rows, fixed-seed
 * determinism, ROOT's random big case). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/rng.h"
#include "plan_sim.h"

#define MAXE 4096

/* A dataset list: clusters (with their dataset), a value per raw entry (b1) and a pass mask. */
typedef struct fx {
    int64_t bounds[64];
    size_t nclusters;
    size_t group_start[8];
    size_t ngroups;
    int64_t value[MAXE];
    uint8_t pass[MAXE];
    int filtered;
} fx;

/* Appends a cluster of n entries to dataset g with values v0, v0 + step, ... */
static void fx_cluster(fx *f, size_t g, int64_t n, int64_t v0, int64_t step)
{
    if (g + 1 > f->ngroups) {
        f->group_start[g] = f->nclusters;
        f->ngroups = g + 1;
    }
    int64_t a = f->bounds[f->nclusters];
    for (int64_t i = 0; i < n; i++) {
        f->value[a + i] = v0 + i * step;
        f->pass[a + i] = 1;
    }
    f->bounds[++f->nclusters] = a + n;
    f->group_start[f->ngroups] = f->nclusters;
}

/* Filter of dataset g's entries: keep values with value % mod == rem. */
static void fx_filter(fx *f, size_t g, int64_t mod, int64_t rem, int keep)
{
    f->filtered = 1;
    for (int64_t i = f->bounds[f->group_start[g]]; i < f->bounds[f->group_start[g + 1]]; i++)
        f->pass[i] = ((f->value[i] % mod) == rem) == keep;
}

static lp_config cfg_base(rf_loader_mode mode)
{
    lp_config c = {0};
    c.mode = mode;
    c.batch_size = 3;
    c.batches_in_memory = 2;
    c.chunk_size = 5;
    c.block_size = 2;
    c.validation_split = 0.4f;
    c.world_size = 1;
    c.sampling_ratio = 1.0f;
    return c;
}

typedef struct result {
    int64_t v[2][MAXE];    /* values delivered per part */
    int64_t n[2];
    int64_t bs[2][MAXE];   /* batch sizes */
    int64_t nb[2];
    int64_t last[2];       /* last_batch_rows */
    rf_status status;
    char msg[RF_ERROR_MSG_SIZE];
} result;

static void run(const fx *f, const lp_config *cfg, int64_t epoch, result *r)
{
    memset(r, 0, sizeof *r);
    int64_t pass[64], sel2raw[MAXE], S = 0;
    for (size_t c = 0; c < f->nclusters; c++) {
        pass[c] = 0;
        for (int64_t i = f->bounds[c]; i < f->bounds[c + 1]; i++)
            if (f->pass[i]) {
                pass[c]++;
                sel2raw[S++] = i;
            }
    }
    lp_shape sh = {f->nclusters, f->bounds, pass, f->filtered, f->ngroups, f->group_start, NULL, NULL};
    lp_plan *p;
    rf_error err = {0};
    r->status = lp_plan_create(&sh, cfg, &p, &err);
    if (r->status != RF_OK) {
        memcpy(r->msg, err.msg, sizeof r->msg);
        return;
    }
    for (int part = 0; part < 2; part++) {
        lp_epoch *e;
        r->status = lp_epoch_create(p, part, epoch, &e, &err);
        if (r->status != RF_OK) {
            memcpy(r->msg, err.msg, sizeof r->msg);
            break;
        }
        sim_epoch s = sim_run(e, S);
        for (int64_t i = 0; i < s.nrows; i++)
            r->v[part][i] = f->value[sel2raw[s.entries[i]]];
        r->n[part] = s.nrows;
        for (int64_t j = 0; j < s.nbatches; j++)
            r->bs[part][j] = s.bsize[j];
        r->nb[part] = s.nbatches;
        r->last[part] = lp_epoch_get_info(e)->last_batch_rows;
        sim_free(&s);
        lp_epoch_free(e);
    }
    lp_plan_free(p);
}

static int same(const int64_t *a, int64_t na, const int64_t *b, int64_t nb)
{
    if (na != nb)
        return 0;
    for (int64_t i = 0; i < na; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static void show(const char *what, const int64_t *a, int64_t n)
{
    printf("  %s:", what);
    for (int64_t i = 0; i < n; i++)
        printf(" %lld", (long long)a[i]);
    printf("\n");
}

#define EXPECT(name, r, part, ...)                                                       \
    do {                                                                                 \
        int64_t want_[] = {__VA_ARGS__};                                                 \
        int64_t nw_ = (int64_t)(sizeof want_ / sizeof want_[0]);                         \
        int ok_ = same((r)->v[part], (r)->n[part], want_, nw_);                          \
        CHECK(ok_, "%s: %s rows differ from ROOT's", name, part ? "validation" : "training"); \
        if (!ok_) {                                                                      \
            show("got", (r)->v[part], (r)->n[part]);                                     \
            show("want", want_, nw_);                                                    \
        }                                                                                \
    } while (0)

#define EXPECT_BATCHES(name, r, part, ...)                                                \
    do {                                                                                  \
        int64_t want_[] = {__VA_ARGS__};                                                  \
        int64_t nw_ = (int64_t)(sizeof want_ / sizeof want_[0]);                          \
        CHECK(same((r)->bs[part], (r)->nb[part], want_, nw_), "%s: %s batch sizes differ", \
              name, part ? "validation" : "training");                                    \
    } while (0)

static const rf_loader_mode MODES[3] = {RF_LOADER_ROOT_640, RF_LOADER_ROOT_EAGER, RF_LOADER_ROOT_638};
static const char *const MODE_NAMES[3] = {"6.40 lazy", "eager", "6.38 blocks"};

/* test01/04/10/11: 10 entries, unshuffled, split 0.4, batch 3. */
static void test_unshuffled(void)
{
    fx f = {0};
    fx_cluster(&f, 0, 10, 0, 1);
    for (int m = 0; m < 3; m++)
        for (int64_t bs = 1; bs <= (m == 2 ? 2 : 1); bs++) {
            char name[64];
            snprintf(name, sizeof name, "test01 %s bs%lld", MODE_NAMES[m], (long long)bs);
            lp_config c = cfg_base(MODES[m]);
            c.block_size = bs;
            result r;
            run(&f, &c, 0, &r);
            CHECK(r.status == RF_OK, "%s: %s", name, r.msg);
            EXPECT(name, &r, 0, 0, 1, 2, 3, 4, 5);
            EXPECT(name, &r, 1, 6, 7, 8, 9);
            EXPECT_BATCHES(name, &r, 0, 3, 3);
            EXPECT_BATCHES(name, &r, 1, 3, 1);
            /* test11: last_batch_no_of_rows */
            CHECK(r.last[0] == 0 && r.last[1] == 1, "%s: last batch rows %lld %lld", name,
                  (long long)r.last[0], (long long)r.last[1]);
            /* test10: a second epoch gives the same validation batches */
            result r2;
            run(&f, &c, 1, &r2);
            CHECK(same(r.v[1], r.n[1], r2.v[1], r2.n[1]), "test10 %s: epochs differ", name);
            /* test04: drop_remainder: 2 + 1 full batches */
            c.drop_remainder = 1;
            run(&f, &c, 0, &r);
            EXPECT_BATCHES(name, &r, 0, 3, 3);
            EXPECT_BATCHES(name, &r, 1, 3);
        }
}

/* test02/15: shuffled, 6 distinct training and 4 distinct validation rows; two loaders with
 * set_seed 42 agree. */
static void test_shuffled(void)
{
    fx f = {0};
    fx_cluster(&f, 0, 10, 0, 1);
    for (int m = 0; m < 3; m++) {
        lp_config c = cfg_base(MODES[m]);
        c.shuffle = 1;
        c.seed = 42;
        result r, r2;
        run(&f, &c, 0, &r);
        run(&f, &c, 0, &r2);
        int seen[10] = {0}, ok = r.n[0] == 6 && r.n[1] == 4;
        for (int part = 0; part < 2; part++)
            for (int64_t i = 0; i < r.n[part]; i++)
                ok &= !seen[r.v[part][i]]++;
        CHECK(ok, "test02 %s: rows not distinct or not 6 + 4", MODE_NAMES[m]);
        CHECK(same(r.v[1], r.n[1], r2.v[1], r2.n[1]) && same(r.v[0], r.n[0], r2.v[0], r2.n[0]),
              "test15 %s: same seed, different batches", MODE_NAMES[m]);
    }
}

/* test05: a chain of 10 + 5 entries (two files, one dataset). */
static void test_chain(void)
{
    fx f = {0};
    fx_cluster(&f, 0, 10, 0, 1);
    fx_cluster(&f, 0, 5, 10, 1);
    for (int m = 0; m < 3; m++)
        for (int64_t bs = 1; bs <= 2; bs++) {
            char name[64];
            snprintf(name, sizeof name, "test05 %s bs%lld", MODE_NAMES[m], (long long)bs);
            lp_config c = cfg_base(MODES[m]);
            c.block_size = bs;
            result r;
            run(&f, &c, 0, &r);
            if (MODES[m] == RF_LOADER_ROOT_638)
                EXPECT(name, &r, 0, 0, 1, 2, 5, 6, 7, 3, 4, 8);
            else
                EXPECT(name, &r, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8);
            EXPECT(name, &r, 1, 9, 10, 11, 12, 13, 14);
        }
}

/* test08: Filter("b1 % 2 == 0"). test09: 20 entries, even filter, no split. */
static void test_filters(void)
{
    fx f = {0};
    fx_cluster(&f, 0, 10, 0, 1);
    fx_filter(&f, 0, 2, 0, 1);
    for (int m = 0; m < 3; m++) {
        lp_config c = cfg_base(MODES[m]);
        result r;
        run(&f, &c, 0, &r);
        EXPECT("test08", &r, 0, 0, 2, 4);
        EXPECT("test08", &r, 1, 6, 8);
        EXPECT_BATCHES("test08", &r, 1, 2);
    }
    fx g = {0};
    fx_cluster(&g, 0, 20, 0, 1);
    fx_filter(&g, 0, 2, 0, 1);
    for (int m = 0; m < 3; m++) {
        lp_config c = cfg_base(MODES[m]);
        c.validation_split = 0;
        c.chunk_size = 9; /* T638's test09 */
        c.block_size = 1;
        result r;
        run(&g, &c, 0, &r);
        EXPECT("test09", &r, 0, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18);
        EXPECT_BATCHES("test09", &r, 0, 3, 3, 3, 1);
    }
}

/* EagerMultipleDataframes and LazyMultipleDataframes. */
static void test_multiple(void)
{
    fx f = {0};
    fx_cluster(&f, 0, 5, 0, 1);
    fx_cluster(&f, 1, 5, 5, 1);
    lp_config c = cfg_base(RF_LOADER_ROOT_EAGER);
    result r;
    run(&f, &c, 0, &r);
    EXPECT("eager multiple", &r, 0, 0, 1, 2, 5, 6, 7);
    EXPECT("eager multiple", &r, 1, 3, 4, 8, 9);
    c.mode = RF_LOADER_ROOT_640;
    run(&f, &c, 0, &r);
    EXPECT("lazy multiple", &r, 0, 0, 1, 2, 3, 4, 5);
    EXPECT("lazy multiple", &r, 1, 6, 7, 8, 9);

    fx g = f; /* even / odd filters */
    fx_filter(&g, 0, 2, 0, 1);
    fx_filter(&g, 1, 2, 1, 1);
    c.mode = RF_LOADER_ROOT_EAGER;
    run(&g, &c, 0, &r);
    CHECK(r.n[0] >= 3 && r.v[0][0] == 0 && r.v[0][1] == 2 && r.v[0][2] == 5,
          "eager multiple filtered: first training batch is not [0, 2, 5]");
    EXPECT("eager multiple filtered", &r, 1, 4, 9);

    fx h = {0}; /* three files: a 10-entry dataset and a 5-entry one */
    fx_cluster(&h, 0, 5, 0, 1);
    fx_cluster(&h, 0, 5, 5, 1);
    fx_cluster(&h, 1, 5, 10, 1);
    run(&h, &c, 0, &r);
    EXPECT("eager three files", &r, 0, 0, 1, 2, 3, 4, 5, 10, 11, 12);
    EXPECT("eager three files", &r, 1, 6, 7, 8, 9, 13, 14);

    fx k = {0}; /* lazy, two filtered datasets, no split */
    fx_cluster(&k, 0, 10, 0, 1);
    fx_cluster(&k, 1, 10, 10, 1);
    fx_filter(&k, 0, 2, 0, 1);
    fx_filter(&k, 1, 2, 0, 1);
    c.mode = RF_LOADER_ROOT_640;
    c.validation_split = 0;
    run(&k, &c, 0, &r);
    EXPECT("lazy multiple filtered", &r, 0, 0, 2, 4, 10, 12, 14, 6, 8, 16, 18);
    EXPECT_BATCHES("lazy multiple filtered", &r, 0, 3, 3, 3, 1);
}

/* RandomUndersampling / RandomOversampling (eager, two datasets, batch 2). */
static void test_sampling(void)
{
    for (int order = 0; order < 2; order++) { /* "RDF order irrelevant" */
        fx f = {0};
        fx_cluster(&f, 0, order ? 5 : 20, order ? 1 : 0, 2); /* major: even 0..38 */
        fx_cluster(&f, 1, order ? 20 : 5, order ? 0 : 1, 2); /* minor: odd 1..9 */
        lp_config c = cfg_base(RF_LOADER_ROOT_EAGER);
        c.batch_size = 2;
        c.balance = RF_BALANCE_UNDER;
        c.nclasses = 2;
        c.sampling_ratio = 0.5f;
        result r;
        run(&f, &c, 0, &r);
        EXPECT("undersampling", &r, 0, 0, 2, 4, 6, 8, 10, 1, 3, 5);
        EXPECT("undersampling", &r, 1, 24, 26, 28, 30, 7, 9);
        EXPECT_BATCHES("undersampling", &r, 0, 2, 2, 2, 2, 1);
        CHECK(r.last[0] == 1 && r.last[1] == 0, "undersampling: last batch rows");
        c.replacement = 1;
        c.sampling_ratio = 0.2f;
        run(&f, &c, 0, &r);
        EXPECT("undersampling with replacement", &r, 0, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20,
               22, 0, 2, 4, 1, 3, 5);
        EXPECT("undersampling with replacement", &r, 1, 24, 26, 28, 30, 32, 34, 36, 38, 24, 26, 7, 9);
        c.replacement = 0;
        c.sampling_ratio = 0.1f;
        run(&f, &c, 0, &r);
        CHECK(r.status == RF_ERR_ARG && strstr(r.msg, "The sampling_ratio is too low") &&
              strstr(r.msg, "Choose sampling_ratio > 0.25"), "undersampling: too low ratio: %s", r.msg);
    }
    fx f = {0}; /* filtered major: b1 % 8 != 0 */
    fx_cluster(&f, 0, 20, 0, 2);
    fx_cluster(&f, 1, 5, 1, 2);
    fx_filter(&f, 0, 8, 0, 0);
    lp_config c = cfg_base(RF_LOADER_ROOT_EAGER);
    c.batch_size = 2;
    c.balance = RF_BALANCE_UNDER;
    c.nclasses = 2;
    c.sampling_ratio = 0.5f;
    result r;
    run(&f, &c, 0, &r);
    EXPECT("undersampling filtered", &r, 0, 2, 4, 6, 10, 12, 14, 1, 3, 5);
    EXPECT("undersampling filtered", &r, 1, 26, 28, 30, 34, 7, 9);

    fx o = {0};
    fx_cluster(&o, 0, 10, 0, 2); /* major: even 0..18 */
    fx_cluster(&o, 1, 3, 1, 2);  /* minor: 1, 3, 5 */
    c.balance = RF_BALANCE_OVER;
    run(&o, &c, 0, &r);
    EXPECT("oversampling", &r, 0, 1, 3, 1, 0, 2, 4, 6, 8, 10);
    EXPECT("oversampling", &r, 1, 5, 5, 12, 14, 16, 18);
}

/* test03 (6.38: chunk_size == batch_size == 3) and test14 (random big datasets): every entry
 * once over both parts, exact shapes, the counts ROOT's generators report. */
static void test_big(void)
{
    lp_rng g;
    uint64_t w[1] = {14};
    lp_rng_init(&g, 14, w, 1);
    for (int round = 0; round < 6; round++) {
        int m = round % 3;
        fx *f = calloc(1, sizeof *f);
        int64_t N = m == 2 && round < 3 ? 10 : 1000 + (int64_t)lp_rng_below(&g, 3000);
        while (f->bounds[f->nclusters] < N) {
            int64_t left = N - f->bounds[f->nclusters], n = 1 + (int64_t)lp_rng_below(&g, 400);
            fx_cluster(f, 0, n < left ? n : left, f->bounds[f->nclusters], 1);
        }
        lp_config c = cfg_base(MODES[m]);
        c.shuffle = 1;
        c.seed = 1 + lp_rng_below(&g, 1000);
        c.batch_size = 100 + (int64_t)lp_rng_below(&g, 400);
        c.batches_in_memory = 5 + (int64_t)lp_rng_below(&g, 15);
        c.chunk_size = 1000 + (int64_t)lp_rng_below(&g, 2000);
        c.block_size = 1 + (int64_t)lp_rng_below(&g, 500);
        c.validation_split = 0.3f;
        if (m == 2 && round < 3)
            c.batch_size = c.chunk_size = 3;
        result *r = malloc(sizeof *r);
        run(f, &c, 0, r);
        CHECK(r->status == RF_OK, "test14 %s: %s", MODE_NAMES[m], r->msg);
        uint8_t *seen = calloc((size_t)N, 1);
        int ok = r->n[0] + r->n[1] == N;
        for (int part = 0; part < 2; part++) {
            for (int64_t i = 0; i < r->n[part]; i++)
                ok &= r->v[part][i] >= 0 && r->v[part][i] < N && !seen[r->v[part][i]]++;
            int64_t n = r->n[part], B = c.batch_size;
            ok &= r->nb[part] == (n + B - 1) / B && r->last[part] == n % B;
            for (int64_t j = 0; j + 1 < r->nb[part]; j++)
                ok &= r->bs[part][j] == B;
        }
        int64_t nval = (int64_t)(0.3f * (float)N);
        if (MODES[m] != RF_LOADER_ROOT_640)
            ok &= r->n[1] == nval;
        CHECK(ok, "test14 %s N=%lld: not every entry once or wrong shapes", MODE_NAMES[m], (long long)N);
        free(seen);
        free(r);
        free(f);
    }
}

/* libstdc++ (g++ 12) output: an FNV hash over shuffles and draws of several sizes and seeds,
 * from a C++ program doing the same with std::mt19937, std::shuffle over vector<long> and
 * std::uniform_int_distribution. */
static void test_libstdcxx(void)
{
    uint64_t h = 1469598103934665603ull;
#define MIX(x) (h ^= (uint64_t)(x), h *= 1099511628211ull)
    const uint64_t seeds[] = {0, 1, 42, 123456789, 0x1234567890ull};
    const long ns[] = {0, 1, 2, 3, 4, 5, 6, 7, 10, 17, 100, 1000, 65535, 65536, 65537, 70000, 200000};
    lp_mt *g = malloc(sizeof *g);
    long *v = malloc(sizeof *v * 200000);
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 17; b++) {
            long n = ns[b];
            lp_mt_seed(g, seeds[a]);
            for (long i = 0; i < n; i++)
                v[i] = i;
            lp_mt_shuffle(g, v, (size_t)n, sizeof *v);
            for (long i = 0; i < n; i++)
                MIX(v[i]);
            MIX(lp_mt_next(g));
            MIX(lp_mt_uniform(g, 0, 1));
            MIX(lp_mt_uniform(g, 0, (uint64_t)n + 3));
            MIX(lp_mt_uniform(g, 5, 0x300000000ull));
            MIX(lp_mt_uniform(g, 5, 0x300000000ull));
            MIX(lp_mt_uniform(g, 0, 0xffffffffull));
        }
    CHECK(h == 0x26d1a272051a1f85ull, "std::mt19937/std::shuffle reproduction: hash %016llx",
          (unsigned long long)h);
    lp_mt_seed(g, 5489); /* the standard's check value: the 10000th draw of mt19937() */
    uint32_t x = 0;
    for (int i = 0; i < 10000; i++)
        x = lp_mt_next(g);
    CHECK(x == 4123659995u, "mt19937 10000th value %u", x);
    free(v);
    free(g);
}

int main(void)
{
    test_libstdcxx();
    test_unshuffled();
    test_shuffled();
    test_chain();
    test_filters();
    test_multiple();
    test_sampling();
    test_big();
    return check_summary();
}
