/* test_plan_props.c - property tests of the loader plan over random (datasets, clusters,
 * filters, batch, chunk, block, split, world_size, seed, balancing) combinations, in every
 * mode (native mostly). 1,000 cases from a fixed seed; ROOTFEED_LOADER_CASES=N runs N
 * (ROOTFEED_LOADER_SEED=S another sequence). Each case runs two epochs of both parts on every
 * rank, on paper (plan_sim.h), and checks:
 *   - every chunk row written exactly once, no row delivered twice, batch shapes (only an
 *     epoch's last batch short, none with drop_remainder), num_batches and last batch rows;
 *   - exactly once: without sampling, every entry of a part delivered once per epoch over the
 *     ranks, except the rows the plan reports dropped (equalisation, drop_remainder) and the
 *     rows it reports repeated (padding);
 *   - the split: parts disjoint, covering every selected entry, the same in every epoch, the
 *     validation fraction within one block of the target (native);
 *   - determinism (a second plan from the same seed, the drawn one when the seed was 0) and
 *     epochs that differ (native, two batches or more: rows inside a batch keep file order);
 *   - the same number of batches and rows on every rank;
 *   - resume: the batches from j on, from a new plan, equal the uninterrupted ones, and no row
 *     of them lives in a chunk before lp_epoch_first_chunk(j);
 *   - read amplification 1.0 and chunks within max(chunk_size, largest block) (native), ROOT
 *     buffers within their own bounds;
 *   - balancing: under-sampling without replacement repeats nothing and keeps every entry of
 *     the limiting class, over-sampling keeps every entry, class counts follow the weights,
 *     per-batch quotas fill every batch with the same mix. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/rng.h"
#include "plan_sim.h"

typedef struct tcase {
    int64_t bounds[65];
    size_t nclusters;
    size_t group_start[5];
    size_t ngroups;
    int64_t pass[64];
    int filtered;
    int64_t S;
    uint8_t *labels;
    double weights[4];
    lp_config cfg;
} tcase;

static lp_rng R;

static int64_t rnd(int64_t lo, int64_t hi) { return lo + (int64_t)lp_rng_below(&R, (uint64_t)(hi - lo + 1)); }

static void make_shape(tcase *t)
{
    t->nclusters = (size_t)rnd(1, 40);
    int big = rnd(0, 9) == 0;
    for (size_t c = 0; c < t->nclusters; c++) {
        int64_t n = rnd(0, 3) == 0 ? rnd(1, 5) : rnd(1, 300);
        if (big && c == t->nclusters / 2)
            n = rnd(500, 3000);
        t->bounds[c + 1] = t->bounds[c] + n;
    }
    t->ngroups = (size_t)rnd(1, t->nclusters < 3 ? (int64_t)t->nclusters : 3);
    t->group_start[0] = 0;
    for (size_t g = 1; g < t->ngroups; g++) /* strictly increasing cluster indices */
        t->group_start[g] = t->group_start[g - 1] + 1 +
            (size_t)rnd(0, (int64_t)(t->nclusters - t->group_start[g - 1] - (t->ngroups - g) - 1));
    t->group_start[t->ngroups] = t->nclusters;
    int how = (int)rnd(0, 3); /* 0, 1: no filter; 2: random mask; 3: some clusters empty */
    t->filtered = how >= 2;
    t->S = 0;
    for (size_t c = 0; c < t->nclusters; c++) {
        int64_t n = t->bounds[c + 1] - t->bounds[c];
        t->pass[c] = how < 2 ? n : how == 2 ? (int64_t)((double)n * (double)rnd(0, 100) / 100.0)
                                            : (rnd(0, 2) ? n : 0);
        t->S += t->pass[c];
    }
}

static void make_config(tcase *t)
{
    lp_config *c = &t->cfg;
    memset(c, 0, sizeof *c);
    int64_t m = rnd(0, 9);
    c->mode = m < 7 ? RF_LOADER_NATIVE : m == 7 ? RF_LOADER_ROOT_638 : m == 8 ? RF_LOADER_ROOT_640 : RF_LOADER_ROOT_EAGER;
    c->batch_size = rnd(0, 3) ? rnd(1, 64) : rnd(65, 700);
    c->chunk_size = rnd(1, 800);
    c->block_size = rnd(0, 1) ? rnd(0, 20) : rnd(1, 600);
    c->batches_in_memory = rnd(1, 6);
    c->shuffle = rnd(0, 4) != 0;
    c->drop_remainder = (int)rnd(0, 1);
    c->seed = rnd(0, 9) ? (uint64_t)rnd(1, 1000000) : 0;
    c->validation_split = rnd(0, 2) ? (float)rnd(0, 50) / 100.0f : 0.0f;
    c->world_size = 1;
    c->sampling_ratio = 1.0f;
    if (!c->seed && c->mode != RF_LOADER_NATIVE)
        c->drawn_seed = (uint64_t)rnd(1, 1000000);
    if (c->mode == RF_LOADER_ROOT_638) {
        c->block_size = rnd(1, 50);
        c->chunk_size = rnd(1, 400);
    }
    if (c->mode != RF_LOADER_NATIVE)
        return;
    c->world_size = (int)rnd(1, 4);
    c->pad = (int)rnd(0, 1);
    if (!c->seed) /* a seed as drawn (by rank 0, broadcast): runs stay reproducible */
        c->drawn_seed = (uint64_t)rnd(1, 1000000);
    if (rnd(0, 14) == 0) { /* what the plan makes of an inference configuration */
        c->inference = 1;
        c->shuffle = c->drop_remainder = c->pad = 0;
        c->validation_split = 0.0f;
        return;
    }
    if (rnd(0, 2))
        return;
    c->balance = rnd(0, 1) ? RF_BALANCE_UNDER : RF_BALANCE_OVER;
    c->replacement = rnd(0, 3) == 0;
    c->per_batch = (int)rnd(0, 1);
    int by_group = t->ngroups >= 2 && rnd(0, 1);
    c->nclasses = by_group ? (int)t->ngroups : (int)rnd(2, 3);
    if (rnd(0, 1)) {
        for (int k = 0; k < c->nclasses; k++)
            t->weights[k] = (double)rnd(1, 5);
        c->class_weights = t->weights;
    } else if (c->nclasses == 2 && rnd(0, 1)) {
        c->sampling_ratio = (float)rnd(2, 10) / 10.0f;
    }
    if (!by_group) {
        t->labels = malloc((size_t)(t->S ? t->S : 1));
        int skew = (int)rnd(1, 9);
        for (int64_t i = 0; i < t->S; i++)
            t->labels[i] = (uint8_t)(rnd(0, 9) < skew ? 0 : rnd(1, c->nclasses - 1));
    }
}

static lp_shape shape_of(const tcase *t)
{
    lp_shape s = {t->nclusters, t->bounds, t->pass, t->filtered, t->ngroups, t->group_start, t->labels, NULL};
    return s;
}

typedef struct run {
    sim_epoch sim;
    lp_epoch_info info;
    int64_t *chunk_stage;   /* entries staged per chunk */
    size_t nchunks;
    uint64_t seed;
    int ok;
} run;

static run run_epoch(const tcase *t, const lp_config *cfg, int part, int64_t epoch)
{
    run r = {0};
    lp_shape sh = shape_of(t);
    lp_plan *p;
    lp_epoch *e;
    rf_error err = {0};
    if (lp_plan_create(&sh, cfg, &p, &err) != RF_OK) {
        CHECK(0, "plan: %s", err.msg);
        return r;
    }
    r.seed = lp_plan_seed(p);
    if (lp_epoch_create(p, part, epoch, &e, &err) != RF_OK) {
        CHECK(0, "epoch: %s", err.msg);
        lp_plan_free(p);
        return r;
    }
    r.sim = sim_run(e, t->S);
    r.info = *lp_epoch_get_info(e);
    r.nchunks = lp_epoch_nchunks(e);
    r.chunk_stage = calloc(r.nchunks + 1, sizeof *r.chunk_stage);
    for (size_t k = 0; k < r.nchunks; k++) {
        size_t np;
        const lp_piece *pc = lp_epoch_chunk_pieces(e, k, &np);
        for (size_t i = 0; i < np; i++)
            r.chunk_stage[k] += pc[i].n;
    }
    r.ok = r.sim.ok;
    lp_epoch_free(e);
    lp_plan_free(p);
    return r;
}

static void run_free(run *r)
{
    sim_free(&r->sim);
    free(r->chunk_stage);
}

/* Only the last batch may be short (none with drop_remainder); counts as reported. */
static int check_shapes(const lp_config *c, const run *r)
{
    int ok = r->sim.nbatches == r->info.nbatches && r->sim.nrows == r->info.rows;
    for (int64_t j = 0; j < r->sim.nbatches; j++) {
        int64_t b = r->sim.bsize[j];
        int last = j == r->sim.nbatches - 1;
        ok &= b == c->batch_size || (last && !c->drop_remainder && b > 0 && b < c->batch_size);
    }
    int64_t lb = r->sim.nbatches ? r->sim.bsize[r->sim.nbatches - 1] : 0;
    ok &= r->info.last_batch_rows == (lb == c->batch_size ? 0 : lb) || c->drop_remainder;
    return ok;
}

static int64_t largest_block(const tcase *t, const lp_config *c)
{
    int64_t best = 0;
    for (size_t g = 0; g < t->ngroups; g++)
        for (size_t a = t->group_start[g]; a < t->group_start[g + 1];) {
            size_t b = a + 1;
            int64_t raw = t->bounds[b] - t->bounds[a], sel = t->pass[a];
            while (b < t->group_start[g + 1] && raw + t->bounds[b + 1] - t->bounds[b] <= c->block_size) {
                raw += t->bounds[b + 1] - t->bounds[b];
                sel += t->pass[b];
                b++;
            }
            best = sel > best ? sel : best;
            a = b;
        }
    return best;
}

static int check_memory(const tcase *t, const lp_config *c, const run *r)
{
    int64_t bound = 0, maxc = 0;
    for (size_t k = 0; k < t->nclusters; k++)
        maxc = t->pass[k] > maxc ? t->pass[k] : maxc;
    if (c->mode == RF_LOADER_NATIVE)
        bound = c->chunk_size > largest_block(t, c) ? c->chunk_size : largest_block(t, c);
    else if (c->mode == RF_LOADER_ROOT_640)
        bound = c->batch_size * c->batches_in_memory + maxc;
    else if (c->mode == RF_LOADER_ROOT_638)
        bound = c->chunk_size;
    else
        bound = t->S * 64; /* eager: the part (and its samples) */
    int ok = r->info.max_leftover_rows < c->batch_size;
    for (size_t k = 0; k < r->nchunks; k++)
        ok &= r->chunk_stage[k] <= bound;
    return ok;
}

/* part_of[i]: 1 + part of selected entry i seen in an epoch's chunks (0: none). */
static int mark_parts(const tcase *t, const lp_config *cfg, int64_t epoch, uint8_t *part_of)
{
    int ok = 1;
    memset(part_of, 0, (size_t)(t->S ? t->S : 1));
    for (int part = 0; part < 2; part++) {
        lp_shape sh = shape_of(t);
        lp_plan *p;
        lp_epoch *e;
        rf_error err = {0};
        if (lp_plan_create(&sh, cfg, &p, &err) != RF_OK)
            return 0;
        if (lp_epoch_create(p, part, epoch, &e, &err) != RF_OK) {
            lp_plan_free(p);
            return 0;
        }
        for (size_t k = 0; k < lp_epoch_nchunks(e); k++) {
            size_t np;
            const lp_piece *pc = lp_epoch_chunk_pieces(e, k, &np);
            for (size_t i = 0; i < np; i++)
                for (int64_t x = pc[i].start; x < pc[i].start + pc[i].n; x++) {
                    ok &= !part_of[x] || part_of[x] == part + 1;
                    part_of[x] = (uint8_t)(part + 1);
                }
        }
        lp_epoch_free(e);
        lp_plan_free(p);
    }
    return ok;
}

/* Split: disjoint, covering, stable; native's fraction within a block. */
static void check_split(const tcase *t, int idx)
{
    lp_config c = t->cfg;
    if (c.world_size > 1 || c.balance != RF_BALANCE_NONE || c.inference)
        return;
    uint8_t *a = malloc((size_t)(t->S ? t->S : 1)), *b = malloc((size_t)(t->S ? t->S : 1));
    if (!c.seed)
        c.seed = 77; /* stability needs one seed */
    int ok = mark_parts(t, &c, 0, a) && mark_parts(t, &c, 1, b);
    int64_t nval = 0;
    for (int64_t i = 0; i < t->S && ok; i++) {
        ok &= a[i] != 0 && a[i] == b[i];
        nval += a[i] == 2;
    }
    CHECK(ok, "case %d: split not disjoint, covering and stable", idx);
    if (c.mode == RF_LOADER_NATIVE && c.validation_split > 0 && t->S > 0) {
        double want = (double)c.validation_split * (double)t->S;
        CHECK(fabs((double)nval - want) <= (double)largest_block(t, &c) + 0.5,
              "case %d: %lld validation entries for a target of %.1f", idx, (long long)nval, want);
    }
    free(a);
    free(b);
}

/* Every rank's epoch; exactly once over ranks; equal batches; determinism; resume. */
static void check_epoch(const tcase *t, int idx, int part, int64_t epoch, int64_t *first_seq, int64_t *first_n)
{
    const lp_config *c = &t->cfg;
    int W = c->world_size;
    int64_t *count = calloc((size_t)(t->S + 1), sizeof *count), rows = -1, nb = -1;
    int64_t dropped = 0, repeated = 0, delivered = 0, part_n = 0;
    uint64_t used = 0;
    for (int r = 0; r < W; r++) {
        lp_config cr = *c;
        cr.rank = r;
        run x = run_epoch(t, &cr, part, epoch);
        if (!x.chunk_stage) {
            free(count);
            return;
        }
        CHECK(x.ok && check_shapes(&cr, &x), "case %d part %d epoch %lld rank %d: batch shapes",
              idx, part, (long long)epoch, r);
        CHECK(check_memory(t, &cr, &x), "case %d: a chunk over its bound", idx);
        if (c->mode == RF_LOADER_NATIVE)
            CHECK(x.info.read_amplification == 1.0, "case %d: read amplification %g", idx,
                  x.info.read_amplification);
        if (!c->inference && r > 0)
            CHECK(x.info.nbatches == nb && x.info.rows == rows, "case %d: rank %d has %lld batches "
                  "and %lld rows, rank 0 %lld and %lld", idx, r, (long long)x.info.nbatches,
                  (long long)x.info.rows, (long long)nb, (long long)rows);
        rows = x.info.rows;
        nb = x.info.nbatches;
        used = x.seed;
        for (int64_t i = 0; i < x.sim.nrows; i++)
            count[x.sim.entries[i]]++;
        dropped += x.info.dropped;
        repeated += x.info.repeated;
        delivered += x.sim.nrows;
        /* determinism and resume: a second plan (the drawn seed when 0) from batch j on */
        lp_config again = cr;
        again.drawn_seed = x.seed;
        CHECK(!c->seed || x.seed == c->seed, "case %d: seed %llu in use, %llu given", idx,
              (unsigned long long)x.seed, (unsigned long long)c->seed);
        run y = run_epoch(t, &again, part, epoch);
        int64_t j = x.sim.nbatches ? rnd(0, x.sim.nbatches - 1) : 0, skip = 0, ok = y.chunk_stage != NULL;
        for (int64_t b = 0; b < j; b++)
            skip += x.sim.bsize[b];
        ok = ok && y.sim.nrows == x.sim.nrows &&
             !memcmp(y.sim.entries + skip, x.sim.entries + skip, (size_t)(x.sim.nrows - skip) * sizeof(int64_t));
        CHECK(ok, "case %d rank %d: a second plan differs from batch %lld on", idx, r, (long long)j);
        if (r == 0 && x.sim.nrows && !c->inference) {
            lp_shape sh = shape_of(t);
            lp_plan *p;
            lp_epoch *e;
            rf_error err = {0};
            if (lp_plan_create(&sh, &again, &p, &err) == RF_OK) {
                if (lp_epoch_create(p, part, epoch, &e, &err) == RF_OK) {
                    size_t k0 = lp_epoch_first_chunk(e, j);
                    int fine = 1;
                    for (int64_t b = j; b < x.sim.nbatches; b++)
                        fine &= x.sim.bchunk[b] >= (int64_t)k0;
                    CHECK(fine, "case %d: batch %lld needs a chunk before first_chunk %zu", idx, (long long)j, k0);
                    lp_epoch_free(e);
                }
                lp_plan_free(p);
            }
        }
        if (r == 0 && epoch == 0 && first_seq) {
            *first_n = x.sim.nrows < 4096 ? x.sim.nrows : 4096;
            memcpy(first_seq, x.sim.entries, (size_t)*first_n * sizeof(int64_t));
        }
        if (r == 0 && epoch == 1 && first_seq && c->mode == RF_LOADER_NATIVE && c->shuffle &&
            x.sim.nrows >= 12 && *first_n == (x.sim.nrows < 4096 ? x.sim.nrows : 4096))
            CHECK(x.sim.nbatches < 2 || memcmp(first_seq, x.sim.entries, (size_t)*first_n * sizeof(int64_t)) != 0,
                  "case %d: epochs 0 and 1 deliver the same batches", idx);
        run_free(&x);
        run_free(&y);
    }
    /* exactly once (sampling aside): each entry of the part at most once, plus repeats */
    int ok = 1;
    int64_t distinct = 0, extra = 0;
    for (int64_t i = 0; i < t->S; i++) {
        distinct += count[i] > 0;
        extra += count[i] > 1 ? count[i] - 1 : 0;
    }
    lp_shape sh = shape_of(t);
    lp_plan *p;
    rf_error err = {0};
    lp_config same = *c;
    same.drawn_seed = used;
    if (lp_plan_create(&sh, &same, &p, &err) == RF_OK) {
        part_n = lp_plan_part_entries(p, part);
        lp_plan_free(p);
    }
    if (c->balance == RF_BALANCE_NONE)
        ok = extra == repeated && distinct == part_n - dropped && delivered == part_n - dropped + repeated;
    CHECK(ok, "case %d part %d epoch %lld: %lld distinct of %lld (dropped %lld, repeated %lld, "
          "extra %lld)", idx, part, (long long)epoch, (long long)distinct, (long long)part_n,
          (long long)dropped, (long long)repeated, (long long)extra);
    free(count);
}

/* Balancing with one rank: sampling semantics and quotas. */
static void check_balance(const tcase *t, int idx)
{
    const lp_config *c = &t->cfg;
    if (c->balance == RF_BALANCE_NONE || c->world_size > 1 || c->inference)
        return;
    run x = run_epoch(t, c, RF_PART_TRAIN, 0);
    if (!x.chunk_stage)
        return;
    int nc = c->nclasses;
    const uint8_t *lab = t->labels;
    uint8_t *grp = NULL;
    if (!lab) { /* classes are the datasets */
        grp = malloc((size_t)(t->S ? t->S : 1));
        int64_t s = 0;
        for (size_t g = 0; g < t->ngroups; g++)
            for (size_t k = t->group_start[g]; k < t->group_start[g + 1]; k++)
                for (int64_t i = 0; i < t->pass[k]; i++)
                    grp[s++] = (uint8_t)g;
        lab = grp;
    }
    /* entries of the training part: the chunks' pieces of a one-rank plan */
    uint8_t *in_train = calloc((size_t)(t->S ? t->S : 1), 1);
    lp_config one = *c;
    one.balance = RF_BALANCE_NONE;
    one.per_batch = 0;
    uint8_t *part_of = malloc((size_t)(t->S ? t->S : 1));
    one.drawn_seed = x.seed;
    mark_parts(t, &one, 0, part_of);
    int64_t have[4] = {0}, got[4] = {0}, *count = calloc((size_t)(t->S + 1), sizeof *count);
    for (int64_t i = 0; i < t->S; i++)
        if (part_of[i] == 1) {
            in_train[i] = 1;
            have[lab[i]]++;
        }
    for (int64_t i = 0; i < x.sim.nrows; i++) {
        count[x.sim.entries[i]]++;
        got[lab[x.sim.entries[i]]]++;
    }
    int ok = 1;
    for (int64_t i = 0; i < t->S; i++) {
        ok &= !count[i] || in_train[i];
        if (c->balance == RF_BALANCE_UNDER && !c->replacement && !c->drop_remainder && !c->per_batch)
            ok &= count[i] <= 1;
        if (c->balance == RF_BALANCE_OVER && !c->replacement && !c->drop_remainder && !c->per_batch && in_train[i])
            ok &= count[i] >= 1;
    }
    CHECK(ok, "case %d: sampling repeats (under) or misses (over) an entry", idx);
    /* the weights the plan should use, and the targets they give */
    double w[4], sum = 0;
    for (int k = 0; k < nc; k++)
        w[k] = c->class_weights ? c->class_weights[k] : 1.0;
    if (!c->class_weights && nc == 2 && c->sampling_ratio != 1.0f) {
        int major = have[0] > have[1] ? 0 : 1;
        w[major] = 1.0;
        w[1 - major] = (double)c->sampling_ratio;
    }
    if (!c->per_batch && !c->drop_remainder) {
        int m = -1;
        for (int k = 0; k < nc; k++)
            if (have[k] && (m < 0 || (c->balance == RF_BALANCE_UNDER
                                          ? (long double)have[k] * w[m] < (long double)have[m] * w[k]
                                          : (long double)have[k] * w[m] > (long double)have[m] * w[k])))
                m = k;
        for (int k = 0; k < nc && m >= 0; k++) {
            int64_t t = !have[k] ? 0 : k == m ? have[k] : (int64_t)floorl((long double)have[m] * w[k] / w[m]);
            if (have[k])
                t = c->balance == RF_BALANCE_UNDER ? (t < have[k] ? t : have[k]) : (t > have[k] ? t : have[k]);
            ok &= got[k] == t;
        }
        CHECK(ok, "case %d: class counts differ from the weights' targets", idx);
    }
    if (c->per_batch) { /* every batch: B x w / sum(w) of each class, largest remainders */
        int64_t q[4] = {0}, used = 0;
        double frac[4];
        for (int k = 0; k < nc; k++)
            sum += w[k];
        for (int k = 0; k < nc; k++) {
            double xq = (double)c->batch_size * w[k] / sum;
            q[k] = (int64_t)floor(xq);
            frac[k] = xq - (double)q[k];
            used += q[k];
        }
        for (; used < c->batch_size; used++) {
            int best = 0;
            for (int k = 1; k < nc; k++)
                if (frac[k] > frac[best])
                    best = k;
            frac[best] = -1;
            q[best]++;
        }
        for (int64_t j = 0, at = 0; j < x.sim.nbatches; at += x.sim.bsize[j], j++) {
            int64_t mix[4] = {0};
            for (int64_t i = 0; i < x.sim.bsize[j]; i++)
                mix[lab[x.sim.entries[at + i]]]++;
            ok &= x.sim.bsize[j] == c->batch_size && !memcmp(mix, q, sizeof mix);
        }
        CHECK(ok, "case %d: a batch whose class mix is not the quotas", idx);
    }
    free(in_train);
    free(part_of);
    free(count);
    free(grp);
    run_free(&x);
}

int main(void)
{
    const char *ncases = getenv("ROOTFEED_LOADER_CASES"), *seed = getenv("ROOTFEED_LOADER_SEED");
    int n = ncases ? atoi(ncases) : 1000;
    uint64_t w[1] = {0x10ad};
    lp_rng_init(&R, seed ? strtoull(seed, NULL, 0) : 20260517, w, 1);
    int64_t *first = malloc(4096 * sizeof *first);
    int refused = 0;
    for (int i = 0; i < n; i++) {
        tcase *t = calloc(1, sizeof *t);
        make_shape(t);
        make_config(t);
        lp_shape sh = shape_of(t);
        lp_plan *p;
        rf_error err = {0};
        rf_status st = lp_plan_create(&sh, &t->cfg, &p, &err);
        lp_plan_free(p);
        if (st != RF_OK) { /* a split that leaves a part empty is refused: skip, but count */
            CHECK(st == RF_ERR_ARG && strstr(err.msg, "split"), "case %d: plan refused: %s", i, err.msg);
            refused++;
            free(t->labels);
            free(t);
            continue;
        }
        int before = check_failed;
        check_split(t, i);
        for (int part = 0; part < 2; part++) {
            int64_t fn = 0;
            for (int64_t epoch = 0; epoch < 2; epoch++)
                check_epoch(t, i, part, epoch, first, &fn);
        }
        check_balance(t, i);
        if (check_failed != before)
            printf("  case %d: mode %d, %zu clusters, S %lld, batch %lld, chunk %lld, block %lld, "
                   "split %.2f, world %d, pad %d, drop %d, shuffle %d, seed %llu, balance %d "
                   "(%d classes, per batch %d, replacement %d), inference %d\n", i,
                   (int)t->cfg.mode, t->nclusters, (long long)t->S, (long long)t->cfg.batch_size,
                   (long long)t->cfg.chunk_size, (long long)t->cfg.block_size,
                   (double)t->cfg.validation_split, t->cfg.world_size, t->cfg.pad,
                   t->cfg.drop_remainder, t->cfg.shuffle, (unsigned long long)t->cfg.seed,
                   (int)t->cfg.balance, t->cfg.nclasses, t->cfg.per_batch, t->cfg.replacement,
                   t->cfg.inference);
        free(t->labels);
        free(t);
    }
    free(first);
    printf("%d cases (%d with a split the plan refuses)\n", n, refused);
    return check_summary();
}
