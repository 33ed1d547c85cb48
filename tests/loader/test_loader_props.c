/* test_loader_props.c - property tests of the whole loader (worker threads, real files) over
 * random (format, datasets, filters, batch, chunk, block, split, world_size, pad,
 * drop_remainder, seed, threads, prefetch, mode) combinations; test_plan_props checks the plan
 * itself over 1,000 more. 1,000 cases from a fixed seed (their seed-0 cases draw a seed, as
 * the loader does: the check counts vary a little from run to run); ROOTFEED_LOADER_CASES=N
 * runs N (as the plan test), ROOTFEED_LOADER_SEED=S another sequence. Three files (TTree,
 * or RNTuple; clusters of 97, 13 and 600 entries; the first and last with baskets/pages of 32
 * bytes, so that the native mode cuts their clusters into pieces where all columns' blocks
 * end) as one chained dataset or as two, with or without the jagged tensor V. Each case runs
 * one epoch of both parts on every rank and checks:
 *   - every row's values against its entry (loader_fixture.h), batch shapes (only the last
 *     batch short, none with drop_remainder), num_batches;
 *   - exactly once: over the ranks, every entry of a part once, except the rows the stats
 *     report dropped and repeated; every entry passes its dataset's filter;
 *   - the split: parts disjoint, and together every selected entry (one rank, nothing dropped);
 *   - the same number of batches on every rank;
 *   - determinism: rank 0 again on another number of threads gives the same rows;
 *   - resume: a new loader from the state after a random batch j delivers the rest;
 *   - read amplification 1.0 (native), peak buffer memory within its bound, and no byte
 *     copied after the transpose (native, no rows repeated). */
#include <stdint.h>

#include "loader/rng.h"
#include "loader_fixture.h"

#define NE 4000 /* entries: files 0 [0, 1700), 1 [1700, 2900), 2 [2900, 4000) */

static lp_rng R;
static int cut_cases; /* cases whose loader cut the 600-entry clusters into pieces */

static int64_t rnd(int64_t lo, int64_t hi) { return lo + (int64_t)lp_rng_below(&R, (uint64_t)(hi - lo + 1)); }

typedef struct pcase {
    int rntuple;           /* the files: TTree or RNTuple */
    int split_ds;          /* 0: one dataset p0+p1+p2; 1: p0 and p1+p2 */
    int filter[2];         /* per dataset: 0 none, 1 x % 3 != 0, 2 x % 7 == 2 */
    rf_loader_options o;   /* o.ntensors 3: without V */
} pcase;

static const char *const FILTERS[3] = {NULL, "x % 3 != 0", "x % 7 == 2"};

static int passes(const pcase *c, int64_t e)
{
    int f = c->filter[c->split_ds && e >= 1700];
    return f == 0 || (f == 1 && e % 3 != 0) || (f == 2 && e % 7 == 2);
}

static size_t open_datasets(const pcase *c, rf_dataset **ds)
{
    static const char *const files[2][3] = {{"t0.root", "t1.root", "t2.root"}, {"n0.root", "n1.root", "n2.root"}};
    const char *const *all = files[c->rntuple];
    if (!c->split_ds) {
        ds[0] = open_ds(all, 3, FILTERS[c->filter[0]]);
        return 1;
    }
    ds[0] = open_ds(all, 1, FILTERS[c->filter[0]]);
    ds[1] = open_ds(all + 1, 2, FILTERS[c->filter[1]]);
    return 2;
}

static void set_layout(const pcase *c)
{
    static const int64_t one[6] = {0, 1700, 2900, INT64_MAX}, first[6] = {0, INT64_MAX},
                         second[6] = {1700, 2900, INT64_MAX};
    memcpy(FILES[0], c->split_ds ? first : one, sizeof one);
    memcpy(FILES[1], second, sizeof second);
    GLOBAL0[0] = 0;
    GLOBAL0[1] = c->split_ds ? 1700 : 0;
}

static void make_case(pcase *c)
{
    memset(c, 0, sizeof *c);
    c->rntuple = (int)rnd(0, 1);
    c->split_ds = (int)rnd(0, 1);
    c->filter[0] = (int)rnd(0, 2) * (rnd(0, 1) == 1);
    c->filter[1] = (int)rnd(0, 2) * (rnd(0, 1) == 1);
    rf_loader_options *o = &c->o;
    *o = base_options();
    int64_t m = rnd(0, 9);
    o->ntensors = rnd(0, 1) ? 4 : 3;
    o->mode = m < 7 ? RF_LOADER_NATIVE : m == 7 ? RF_LOADER_ROOT_638 : m == 8 ? RF_LOADER_ROOT_640 : RF_LOADER_ROOT_EAGER;
    o->batch_size = rnd(0, 3) ? rnd(1, 100) : rnd(101, 900);
    o->chunk_size = rnd(0, 2) ? rnd(1, 2000) : rnd(64, 599); /* the latter: 600-entry clusters cut */
    o->block_size = rnd(0, 1) ? rnd(o->mode == RF_LOADER_ROOT_638, 50) : rnd(1, 800); /* 6.38: >= 1 */
    o->batches_in_memory = rnd(1, 5);
    o->shuffle = rnd(0, 4) != 0;
    o->drop_remainder = (int)rnd(0, 1);
    /* seed 0 in native mode only: ROOT modes treat the drawn seed given back as a fixed seed
     * (ROOT's re-seeding), so their loaders could not share it here (the plan tests do) */
    o->seed = rnd(0, 4) || o->mode != RF_LOADER_NATIVE ? (uint64_t)rnd(1, 1000000) : 0;
    o->validation_split = rnd(0, 2) ? (float)rnd(5, 50) / 100.0f : 0.0f;
    o->num_threads = (int)rnd(1, 3);
    o->prefetch_chunks = rnd(1, 2);
    if (o->mode == RF_LOADER_NATIVE) {
        o->world_size = (int)rnd(1, 3);
        o->pad = (int)rnd(0, 1);
        if (o->world_size > 1 && !o->seed) /* ranks share a seed (rank 0's, broadcast) */
            o->seed = (uint64_t)rnd(1, 1000000);
    }
}

typedef struct pres {
    epoch_out e;
    rf_loader_stats st;
    rf_loader_state state; /* after batch j */
    int64_t j, nb, last_rows, dropped, repeated, entries;
    uint64_t seed, oseed;  /* in use; given in the options */
} pres;

/* One epoch of part on rank r; the state after batch j (random) is kept for the resume. */
static int rank_epoch(const pcase *c, rf_dataset **ds, size_t nds, int part, int64_t epoch, int r,
                      int threads, uint64_t seed, pres *out)
{
    rf_loader_options o = c->o;
    o.seed = seed ? seed : o.seed;
    out->oseed = o.seed;
    o.rank = r;
    o.num_threads = threads;
    rf_loader *l;
    rf_error err = {0};
    if (rf_loader_open(ds, nds, &o, &l, &err) != RF_OK) {
        out->e.status = RF_ERR_ARG;
        snprintf(out->e.msg, sizeof out->e.msg, "%s", err.msg);
        return 0;
    }
    rf_loader_stats s0;
    rf_loader_get_stats(l, &s0);
    out->nb = rf_loader_num_batches(l, (rf_part)part, epoch);
    out->last_rows = rf_loader_last_batch_rows(l, (rf_part)part, epoch);
    out->seed = rf_loader_seed(l);
    out->entries = rf_loader_entries(l, (rf_part)part);
    out->j = out->nb ? rnd(0, out->nb - 1) : 0;
    /* the state after j batches: a second pass over the same epoch on this loader */
    out->e = run(l, (rf_part)part, epoch, 0);
    rf_loader_get_stats(l, &out->st);
    out->dropped = out->st.rows_dropped - s0.rows_dropped;
    out->repeated = out->st.rows_repeated - s0.rows_repeated;
    rf_loader_start(l, (rf_part)part, epoch, 0, &err);
    for (int64_t i = 0; i < out->j; i++) {
        rf_batch *b = NULL;
        rf_loader_next(l, &b, &err);
        rf_batch_release(b);
    }
    rf_loader_get_state(l, &out->state);
    rf_loader_free(l);
    return 1;
}

/* The rows of a new loader resumed from st (num_threads threads). */
static epoch_out resumed(const pcase *c, rf_dataset **ds, size_t nds, const rf_loader_state *st, int threads,
                         uint64_t seed)
{
    rf_loader_options o = c->o;
    o.seed = seed;
    o.rank = (int)st->rank;
    o.num_threads = threads;
    epoch_out e = {0};
    e.ids = malloc(sizeof *e.ids * 100000);
    rf_loader *l = NULL;
    rf_error err = {0};
    e.status = rf_loader_open(ds, nds, &o, &l, &err);
    if (e.status == RF_OK)
        e.status = rf_loader_resume(l, st, &err);
    for (rf_batch *b; e.status == RF_OK && (e.status = rf_loader_next(l, &b, &err)) == RF_OK && b;) {
        for (int64_t r = 0; r < rf_batch_rows(b); r++)
            check_row(b, r, &e);
        rf_batch_release(b);
    }
    if (e.status != RF_OK)
        snprintf(e.msg, sizeof e.msg, "%s", err.msg);
    rf_loader_free(l);
    return e;
}

/* Only the last batch short (none with drop_remainder), counts as announced. */
static int shapes_ok(const pcase *c, const pres *p)
{
    int64_t B = c->o.batch_size;
    int ok = p->e.nbatches == p->nb;
    for (int64_t j = 0; j < p->e.nbatches; j++)
        ok &= p->e.bsize[j] == B || (j == p->e.nbatches - 1 && !c->o.drop_remainder && p->e.bsize[j] < B &&
                                     p->e.bsize[j] == p->last_rows);
    return ok;
}

static int run_case(const pcase *c, int idx)
{
    rf_dataset *ds[2];
    size_t nds = open_datasets(c, ds);
    int W = c->o.world_size ? c->o.world_size : 1, fails = check_failed;
    int64_t epoch = rnd(0, 3);
    uint64_t seed = c->o.seed;
    uint8_t *part_of = calloc(NE, 1);
    int64_t selected = 0;
    for (int64_t e = 0; e < NE; e++)
        selected += passes(c, e);
    for (int part = 0; part < 2; part++) {
        int64_t *count = calloc(NE, sizeof *count), nb0 = -1, dropped = 0, repeated = 0, delivered = 0, part_n = 0;
        int ok = 1, copies = c->o.pad || c->o.mode != RF_LOADER_NATIVE; /* repeated rows, ROOT's leftovers */
        for (int r = 0; r < W; r++) {
            pres p = {0};
            if (!rank_epoch(c, ds, nds, part, epoch, r, c->o.num_threads, seed, &p)) {
                /* only a split that leaves a part empty may be refused */
                CHECK(strstr(p.e.msg, "split") != NULL, "case %d: open refused: %s", idx, p.e.msg);
                free(count);
                goto done;
            }
            CHECK(p.e.status == RF_OK && p.e.bad == 0, "case %d part %d rank %d: %lld wrong rows (%s)", idx,
                  part, r, (long long)p.e.bad, p.e.msg);
            CHECK(shapes_ok(c, &p), "case %d part %d rank %d: batch shapes (%lld batches, %lld announced)",
                  idx, part, r, (long long)p.e.nbatches, (long long)p.nb);
            CHECK(r == 0 || p.nb == nb0, "case %d part %d: rank %d has %lld batches, rank 0 %lld", idx, part,
                  r, (long long)p.nb, (long long)nb0);
            nb0 = p.nb;
            seed = p.seed; /* a drawn seed: the same for the other loaders of the case */
            for (int64_t i = 0; i < p.e.n; i++) {
                int64_t e = p.e.ids[i];
                ok &= e >= 0 && e < NE && passes(c, e) && (!part_of[e] || part_of[e] == part + 1);
                if (e >= 0 && e < NE) {
                    count[e]++;
                    part_of[e] = (uint8_t)(part + 1);
                }
            }
            dropped += p.dropped;
            part_n = p.entries;
            repeated += p.repeated;
            delivered += p.e.n;
            const rf_loader_stats *st = &p.st;
            CHECK(c->o.mode != RF_LOADER_NATIVE || st->read_amplification == 1.0, "case %d: read amplification %g",
                  idx, st->read_amplification);
            cut_cases += part == 0 && r == 0 && st->largest_cluster < 600;
            CHECK(st->peak_buffer_bytes <= st->buffer_bound_bytes, "case %d part %d rank %d: peak buffer %lld "
                  "bytes over the bound %lld", idx, part, r, (long long)st->peak_buffer_bytes,
                  (long long)st->buffer_bound_bytes);
            CHECK(copies || st->bytes_copied == 0, "case %d part %d: %lld bytes copied after the transpose", idx,
                  part, (long long)st->bytes_copied);
            if (r == 0) { /* determinism on other threads, and resume after batch j */
                pres q = {0};
                int th = c->o.num_threads % 3 + 1;
                if (rank_epoch(c, ds, nds, part, epoch, r, th, p.seed, &q)) { /* the drawn seed */
                    CHECK(q.e.n == p.e.n && !memcmp(q.e.ids, p.e.ids, (size_t)p.e.n * sizeof *p.e.ids) &&
                          q.seed == p.seed, "case %d part %d: %d and %d threads differ", idx, part,
                          c->o.num_threads, th);
                    out_free(&q.e);
                }
                epoch_out rest = resumed(c, ds, nds, &p.state, th, p.oseed);
                int64_t skip = 0;
                for (int64_t b = 0; b < p.j && b < p.e.nbatches; b++)
                    skip += p.e.bsize[b];
                CHECK(rest.status == RF_OK && rest.n == p.e.n - skip &&
                      !memcmp(rest.ids, p.e.ids + skip, (size_t)rest.n * sizeof *rest.ids),
                      "case %d part %d: resumed after batch %lld != uninterrupted (%s)", idx, part,
                      (long long)p.j, rest.msg);
                free(rest.ids);
            }
            out_free(&p.e);
        }
        int64_t distinct = 0, extra = 0;
        for (int64_t e = 0; e < NE; e++) {
            distinct += count[e] > 0;
            extra += count[e] > 1 ? count[e] - 1 : 0;
        }
        CHECK(ok, "case %d part %d: an entry outside the filter or in both parts", idx, part);
        CHECK(extra == repeated && delivered == distinct + repeated && distinct + dropped == part_n,
              "case %d part %d: %lld rows, %lld distinct of %lld, %lld repeated (stats: %lld repeated, %lld "
              "dropped)", idx, part, (long long)delivered, (long long)distinct, (long long)part_n,
              (long long)extra, (long long)repeated, (long long)dropped);
        free(count);
    }
    /* one rank, nothing dropped: the two parts cover every selected entry */
    if (W == 1 && !c->o.drop_remainder) {
        int64_t covered = 0;
        for (int64_t e = 0; e < NE; e++)
            covered += part_of[e] != 0;
        CHECK(covered == selected, "case %d: the parts hold %lld of %lld selected entries", idx,
              (long long)covered, (long long)selected);
    }
done:
    free(part_of);
    for (size_t d = 0; d < nds; d++)
        rf_dataset_free(ds[d]);
    return check_failed == fails;
}

int main(void)
{
    const char *ncases = getenv("ROOTFEED_LOADER_CASES"), *seed = getenv("ROOTFEED_LOADER_SEED");
    int n = ncases ? atoi(ncases) : 1000;
    uint64_t w[1] = {0x10ad2};
    lp_rng_init(&R, seed ? strtoull(seed, NULL, 0) : 20261202, w, 1);
    fixture_dir_make();
    for (int f = 0; f < 2; f++) {
        rf_format fmt = f ? RF_FORMAT_RNTUPLE : RF_FORMAT_TTREE;
        write_file_baskets(f ? "n0.root" : "t0.root", fmt, 0, 1700, 97, 32);
        write_file(f ? "n1.root" : "t1.root", fmt, 1700, 1200, 13);
        write_file_baskets(f ? "n2.root" : "t2.root", fmt, 2900, 1100, 600, 32);
    }
    for (int i = 0; i < n; i++) {
        pcase c;
        make_case(&c);
        set_layout(&c);
        if (!run_case(&c, i))
            printf("  case %d: %s, mode %d, %s, filters %d %d, batch %lld, chunk %lld, block %lld, split %.2f, "
                   "world %d, pad %d, drop %d, shuffle %d, seed %llu, threads %d, prefetch %lld\n", i,
                   c.rntuple ? "RNTuple" : "TTree", (int)c.o.mode, c.split_ds ? "two datasets" : "one dataset", c.filter[0], c.filter[1],
                   (long long)c.o.batch_size, (long long)c.o.chunk_size, (long long)c.o.block_size,
                   (double)c.o.validation_split, c.o.world_size, c.o.pad, c.o.drop_remainder, c.o.shuffle,
                   (unsigned long long)c.o.seed, c.o.num_threads, (long long)c.o.prefetch_chunks);
    }
    fixture_dir_remove();
    CHECK(n < 50 || cut_cases >= n / 25, "%d of %d cases cut clusters into pieces", cut_cases, n);
    printf("%d cases, %d with clusters cut into pieces\n", n, cut_cases);
    return check_summary();
}
