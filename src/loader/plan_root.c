/* plan_root.c - ROOT's three plans, reproduced draw for draw (docs/root-ml-loader.md §2).
 *
 * 6.38 (RChunkConstructor/RChunkLoader): the selected entries are cut into training then
 * validation, each modelled as full chunks plus a leftover chunk, each made of full blocks plus
 * a leftover block; the block sizes are permuted once and laid over the entries. Every epoch
 * the four kinds of blocks are shuffled in place (so epochs compose the permutation), grouped
 * into chunks, and the chunks shuffled; a chunk's blocks load sorted by start.
 * 6.40 (RClusterLoader/RDataLoaderEngine): clusters are split proportionally (shuffled: a coin
 * decides whether training takes the prefix or the suffix) or contiguously; with filters the
 * split is "discovered" in the first training epoch, one cluster per buffer. Every epoch the
 * cluster list is shuffled in place with seed ^ epoch, and buffers take whole clusters until
 * they hold batch_size x batches_in_memory entries.
 * Eager (RDatasetLoader, RSampler): each dataset is shuffled and its last rows go to
 * validation; every epoch the part is reshuffled (with a fixed seed: the same permutation),
 * after ROOT's two-class sampling when asked.
 * Every chunk's rows are permuted by ShuffleTensor: std::mt19937 seeded afresh per buffer.
 * Float arithmetic is ROOT's (split fractions are float). Where ROOT draws from
 * std::random_device (seed 0), the plan derives a seed from the drawn one instead. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "plan_impl.h"

enum { SITE_SPLIT = 1, SITE_EPOCH, SITE_TENSOR, SITE_SAMPLE };

/* The mt19937 seed of a ROOT draw: ROOT's own when the user gave a seed. */
static uint64_t root_seed(const lp_plan *p, uint64_t rootval, uint64_t site, uint64_t a, uint64_t b)
{
    return p->cfg.seed ? rootval : lp_derived_seed(p, site, a, b);
}

void lp_mode_free(lp_plan *p)
{
    free(p->nat.blocks);
    free(p->nat.part);
    free(p->nat.cls);
    free(p->nat.counts);
    for (int t = 0; t < 2; t++) {
        for (int k = 0; k < 4; k++)
            free(p->r638.lists[t][k]);
        free(p->r640.pieces[t]);
        free(p->eager.entries[t]);
        free(p->eager.group_off[t]);
        free(p->eager.sortpos[t]);
        free(p->eager.ranges[t]);
    }
    free(p->r640.cluster_train);
}

/* ------------------------------------------------------------------ 6.38 */

typedef struct ctor638 {
    int64_t size[4], count[4], full_chunks, leftover_chunks, fb_full, lb_full, fb_left, lb_left;
} ctor638;

/* RChunkConstructor's arithmetic for n entries. */
static ctor638 ctor638_make(int64_t n, int64_t C, int64_t K)
{
    ctor638 c;
    int64_t left = n % C;
    c.size[0] = K;
    c.size[1] = C % K;
    c.size[2] = K;
    c.size[3] = left % K;
    c.full_chunks = n / C;
    c.leftover_chunks = left ? 1 : 0;
    c.fb_full = C / K;
    c.lb_full = C % K ? 1 : 0;
    c.fb_left = left / K;
    c.lb_left = left % K ? 1 : 0;
    c.count[0] = c.fb_full * c.full_chunks;
    c.count[1] = c.lb_full * c.full_chunks;
    c.count[2] = c.fb_left * c.leftover_chunks;
    c.count[3] = c.lb_left * c.leftover_chunks;
    return c;
}

static int64_t ctor638_blocks(const ctor638 *c)
{
    return c->count[0] + c->count[1] + c->count[2] + c->count[3];
}

/* RChunkLoader::SplitDataset: permuted block sizes laid over the entries, then given back to
 * the blocks in their original order, training's first. */
static rf_status split638(lp_plan *p, const ctor638 *ct, rf_error *err)
{
    int64_t nb[2] = {ctor638_blocks(&ct[0]), ctor638_blocks(&ct[1])}, M = nb[0] + nb[1];
    int64_t *sizes = lp_alloc((size_t)M, sizeof *sizes, err), *idx = lp_alloc((size_t)M, sizeof *idx, err);
    lp_piece *iv = lp_alloc((size_t)M, sizeof *iv, err);
    lp_mt *mt = lp_alloc(1, sizeof *mt, err);
    rf_status s = sizes && idx && iv && mt ? RF_OK : RF_ERR_NOMEM;
    for (int64_t i = 0, m = 0; s == RF_OK && i < 8; i++)
        for (int64_t j = 0; j < ct[i / 4].count[i % 4]; j++)
            sizes[m++] = ct[i / 4].size[i % 4];
    for (int64_t i = 0; s == RF_OK && i < M; i++)
        idx[i] = i;
    if (s == RF_OK && p->cfg.shuffle) {
        lp_mt_seed(mt, root_seed(p, p->cfg.seed, SITE_SPLIT, 0, 0));
        lp_mt_shuffle(mt, idx, (size_t)M, sizeof *idx);
    }
    for (int64_t i = 0, at = 0; s == RF_OK && i < M; at += sizes[idx[i]], i++)
        iv[idx[i]] = (lp_piece){at, sizes[idx[i]]};
    for (int part = 0, m = 0; s == RF_OK && part < 2; part++)
        for (int k = 0; k < 4 && s == RF_OK; k++) {
            int64_t n = ct[part].count[k];
            p->r638.lists[part][k] = lp_alloc((size_t)n, sizeof(lp_piece), err);
            if (!p->r638.lists[part][k]) {
                s = RF_ERR_NOMEM;
                break;
            }
            memcpy(p->r638.lists[part][k], iv + m, (size_t)n * sizeof(lp_piece));
            p->r638.nlist[part][k] = (size_t)n;
            m += n;
        }
    free(sizes);
    free(idx);
    free(iv);
    free(mt);
    return s;
}

rf_status lp_root638_init(lp_plan *p, rf_error *err)
{
    float v = p->cfg.validation_split;
    int64_t nval = (int64_t)(v * (float)p->nsel);
    p->r638.n[RF_PART_VALIDATION] = nval;
    p->r638.n[RF_PART_TRAIN] = p->nsel - nval;
    ctor638 ct[2];
    for (int t = 0; t < 2; t++) {
        ct[t] = ctor638_make(p->r638.n[t], p->cfg.chunk_size, p->cfg.block_size);
        p->part_entries[t] = p->r638.n[t];
    }
    return split638(p, ct, err);
}

static int cmp_piece_start(const void *a, const void *b)
{
    int64_t x = ((const lp_piece *)a)->start, y = ((const lp_piece *)b)->start;
    return (x > y) - (x < y);
}

/* One chunk of CreateChunksIntervals: n0 blocks of list a from a0, n1 of list b from b0. */
static rf_status chunk638(lp_epoch *e, const lp_piece *a, int64_t n0, const lp_piece *b, int64_t n1,
                          uint64_t seed, rf_error *err)
{
    RF_TRY(lp_open_chunk(e, seed, err));
    size_t first = e->npieces;
    for (int64_t i = 0; i < n0; i++)
        RF_TRY(lp_add_piece(e, a[i].start, a[i].n, err));
    for (int64_t i = 0; i < n1; i++)
        RF_TRY(lp_add_piece(e, b[i].start, b[i].n, err));
    qsort(e->pieces + first, e->npieces - first, sizeof *e->pieces, cmp_piece_start);
    return RF_OK;
}

/* The epoch's chunk list (in ROOT's order): full chunks, then the leftover chunk, shuffled. */
static rf_status chunks638(lp_epoch *e, lp_piece *const *L, const ctor638 *ct, lp_mt *mt, rf_error *err)
{
    const lp_plan *p = e->plan;
    int64_t K = ct->full_chunks + ct->leftover_chunks;
    int64_t *order = lp_alloc((size_t)K, sizeof *order, err);
    if (!order)
        return RF_ERR_NOMEM;
    for (int64_t k = 0; k < K; k++)
        order[k] = k;
    if (p->cfg.shuffle)
        lp_mt_shuffle(mt, order, (size_t)K, sizeof *order);
    rf_status s = RF_OK;
    for (int64_t t = 0; t < K && s == RF_OK; t++) {
        int64_t k = order[t];
        uint64_t seed = root_seed(p, p->cfg.seed, SITE_TENSOR, (uint64_t)e->part << 32 | (uint64_t)e->epoch, (uint64_t)t);
        if (k < ct->full_chunks)
            s = chunk638(e, L[0] + k * ct->fb_full, ct->fb_full, L[1] + k * ct->lb_full, ct->lb_full, seed, err);
        else
            s = chunk638(e, L[2], ct->fb_left, L[3], ct->lb_left, seed, err);
    }
    free(order);
    return s;
}

rf_status lp_root638_epoch(lp_epoch *e, rf_error *err)
{
    const lp_plan *p = e->plan;
    int part = e->part;
    ctor638 ct = ctor638_make(p->r638.n[part], p->cfg.chunk_size, p->cfg.block_size);
    lp_piece *L[4] = {0};
    lp_mt *mt = lp_alloc(1, sizeof *mt, err);
    rf_status s = mt ? RF_OK : RF_ERR_NOMEM;
    for (int k = 0; k < 4 && s == RF_OK; k++) {
        size_t n = p->r638.nlist[part][k];
        L[k] = lp_alloc(n, sizeof(lp_piece), err);
        if (!L[k])
            s = RF_ERR_NOMEM;
        else if (n)
            memcpy(L[k], p->r638.lists[part][k], n * sizeof(lp_piece));
    }
    e->map = p->cfg.shuffle ? LP_MAP_MT : LP_MAP_IDENTITY;
    e->leftover = 1;
    for (int64_t i = p->cfg.shuffle ? 0 : e->epoch; s == RF_OK && i <= e->epoch; i++) {
        lp_mt_seed(mt, root_seed(p, p->cfg.seed, SITE_EPOCH, (uint64_t)part, (uint64_t)i));
        for (int k = 0; k < 4 && p->cfg.shuffle; k++)
            lp_mt_shuffle(mt, L[k], p->r638.nlist[part][k], sizeof(lp_piece));
        if (i == e->epoch)
            s = chunks638(e, L, &ct, mt, err);
    }
    for (int k = 0; k < 4; k++)
        free(L[k]);
    free(mt);
    return s;
}

/* ------------------------------------------------------------------ 6.40 */

static rf_status push640(lp_plan *p, int part, lp_piece pc, rf_error *err)
{
    if (pc.n <= 0)
        return RF_OK;
    lp_root640 *r = &p->r640;
    r->pieces[part][r->npieces[part]++] = pc;
    p->part_entries[part] += pc.n;
    (void)err;
    return RF_OK;
}

/* SplitDataset, shuffled: every cluster's train share from the cumulative float target. */
static rf_status split640_shuffled(lp_plan *p, lp_mt *mt, rf_error *err)
{
    float keep = 1.0f - p->cfg.validation_split;
    lp_mt_seed(mt, p->cfg.seed);
    uint64_t cum = 0, cur = 0;
    for (size_t c = 0; c < p->nclusters; c++) {
        int64_t start = p->sel[c], sz = p->sel[c + 1] - p->sel[c];
        cum += (uint64_t)sz;
        uint64_t target = (uint64_t)((float)cum * keep);
        int64_t tr = (int64_t)(target - cur);
        tr = tr < 0 ? 0 : tr > sz ? sz : tr;
        cur = target;
        int64_t va = sz - tr;
        int prefix = (int)lp_mt_uniform(mt, 0, 1);
        RF_TRY(push640(p, RF_PART_TRAIN, (lp_piece){prefix ? start : start + va, tr}, err));
        RF_TRY(push640(p, RF_PART_VALIDATION, (lp_piece){prefix ? start + tr : start, va}, err));
    }
    return RF_OK;
}

/* SplitDataset, unshuffled: one cut, at most one cluster split. */
static rf_status split640_contiguous(lp_plan *p, rf_error *err)
{
    int64_t total = p->nsel, target = total - (int64_t)(p->cfg.validation_split * (float)total);
    for (size_t c = 0; c < p->nclusters; c++) {
        int64_t start = p->sel[c], sz = p->sel[c + 1] - p->sel[c];
        int64_t tr = target - start < 0 ? 0 : target - start > sz ? sz : target - start;
        RF_TRY(push640(p, RF_PART_TRAIN, (lp_piece){start, tr}, err));
        RF_TRY(push640(p, RF_PART_VALIDATION, (lp_piece){start + tr, sz - tr}, err));
    }
    return RF_OK;
}

/* LoadTrainingClusterInto during discovery (filtered datasets): the per-cluster counts and
 * coins ROOT computes in the first training epoch. */
static rf_status split640_filtered(lp_plan *p, lp_mt *mt, rf_error *err)
{
    float keep = 1.0f - p->cfg.validation_split;
    uint64_t ntrain = (uint64_t)((float)p->nsel * keep), acc_t = 0, acc_v = 0;
    for (size_t c = 0; c < p->nclusters; c++) {
        int64_t start = p->sel[c], n = p->sel[c + 1] - p->sel[c];
        if (n == 0)
            continue;
        uint64_t cum = acc_t + acc_v + (uint64_t)n, target = (uint64_t)((float)cum * keep);
        target = target < ntrain ? target : ntrain;
        int64_t tr = (int64_t)(target - acc_t), va = n - tr;
        int prefix = 1;
        if (p->cfg.shuffle) {
            lp_mt_seed(mt, p->cfg.seed + acc_t);
            prefix = (int)lp_mt_uniform(mt, 0, 1);
        }
        lp_piece t = {prefix ? start : start + va, tr};
        p->r640.cluster_train[c] = t;
        RF_TRY(push640(p, RF_PART_TRAIN, t, err));
        RF_TRY(push640(p, RF_PART_VALIDATION, (lp_piece){prefix ? start + tr : start, va}, err));
        acc_t += (uint64_t)tr;
        acc_v += (uint64_t)va;
    }
    return RF_OK;
}

rf_status lp_root640_init(lp_plan *p, rf_error *err)
{
    lp_root640 *r = &p->r640;
    RF_CHECK(p->nclusters > 0, err, RF_ERR_ARG, "RClusterLoader::SplitDataset: no clusters found.");
    r->pieces[0] = lp_alloc(p->nclusters, sizeof(lp_piece), err);
    r->pieces[1] = lp_alloc(p->nclusters, sizeof(lp_piece), err);
    r->cluster_train = lp_alloc(p->nclusters, sizeof(lp_piece), err);
    lp_mt *mt = lp_alloc(1, sizeof *mt, err);
    rf_status s = r->pieces[0] && r->pieces[1] && r->cluster_train && mt ? RF_OK : RF_ERR_NOMEM;
    if (s == RF_OK && p->filtered)
        s = split640_filtered(p, mt, err);
    else if (s == RF_OK && p->cfg.shuffle)
        s = split640_shuffled(p, mt, err);
    else if (s == RF_OK)
        s = split640_contiguous(p, err);
    free(mt);
    RF_TRY(s);
    if (p->filtered) /* ROOT checks the split of unfiltered datasets only */
        return RF_OK;
    RF_CHECK(r->npieces[RF_PART_TRAIN] > 0, err, RF_ERR_ARG, "RClusterLoader::SplitDataset: no "
             "entries for training after split. Reduce validation_split.");
    RF_CHECK(p->cfg.validation_split <= 0.0f || r->npieces[RF_PART_VALIDATION] > 0, err, RF_ERR_ARG,
             "RClusterLoader::SplitDataset: no entries for validation after split. Increase "
             "validation_split.");
    return RF_OK;
}

/* Buffers of whole cluster parts: each takes parts until it holds the capacity. */
static rf_status buffers640(lp_epoch *e, const lp_piece *L, size_t n, rf_error *err)
{
    const lp_plan *p = e->plan;
    int64_t cap = p->cfg.batch_size * p->cfg.batches_in_memory;
    for (size_t i = 0; i < n;) {
        uint64_t seed = root_seed(p, p->cfg.seed, SITE_TENSOR,
                                  (uint64_t)e->part << 32 | (uint64_t)e->epoch, e->nchunks);
        RF_TRY(lp_open_chunk(e, seed, err));
        for (int64_t acc = 0; i < n && acc < cap; i++) {
            RF_TRY(lp_add_piece(e, L[i].start, L[i].n, err));
            acc += L[i].n;
        }
    }
    return RF_OK;
}

/* The training epoch that discovers a filtered split: one buffer per cluster, in data order
 * (empty buffers for clusters without training entries, as ROOT's). */
static rf_status discovery640(lp_epoch *e, rf_error *err)
{
    const lp_plan *p = e->plan;
    for (size_t c = 0; c < p->nclusters; c++) {
        uint64_t seed = root_seed(p, p->cfg.seed, SITE_TENSOR, (uint64_t)e->part << 32, c);
        RF_TRY(lp_open_chunk(e, seed, err));
        if (p->r640.cluster_train[c].n > 0)
            RF_TRY(lp_add_piece(e, p->r640.cluster_train[c].start, p->r640.cluster_train[c].n, err));
    }
    return RF_OK;
}

rf_status lp_root640_epoch(lp_epoch *e, rf_error *err)
{
    const lp_plan *p = e->plan;
    int part = e->part;
    e->map = p->cfg.shuffle ? LP_MAP_MT : LP_MAP_IDENTITY;
    e->leftover = 1;
    int discovering = p->filtered && part == RF_PART_TRAIN;
    if (discovering && e->epoch == 0)
        return discovery640(e, err);
    size_t n = p->r640.npieces[part];
    lp_piece *L = lp_alloc(n, sizeof *L, err);
    lp_mt *mt = lp_alloc(1, sizeof *mt, err);
    rf_status s = L && mt ? RF_OK : RF_ERR_NOMEM;
    if (s == RF_OK && n)
        memcpy(L, p->r640.pieces[part], n * sizeof *L);
    /* ShuffleTrainingClusters(epoch) at every epoch start, in place (a no-op on the empty list
     * of a filtered first epoch) */
    for (int64_t i = discovering ? 1 : 0; s == RF_OK && p->cfg.shuffle && i <= e->epoch; i++) {
        lp_mt_seed(mt, root_seed(p, p->cfg.seed ^ (uint64_t)i, SITE_EPOCH, (uint64_t)part, (uint64_t)i));
        lp_mt_shuffle(mt, L, n, sizeof *L);
    }
    if (s == RF_OK)
        s = buffers640(e, L, n, err);
    free(L);
    free(mt);
    return s;
}

/* ------------------------------------------------------------------ eager */

/* The part's entries sorted (merged ranges) and the sorted position of each list entry. */
static rf_status sort_part(lp_plan *p, int t, rf_error *err)
{
    lp_eager *g = &p->eager;
    int64_t n = g->n[t], *rank = lp_alloc((size_t)p->nsel, sizeof *rank, err);
    g->sortpos[t] = lp_alloc((size_t)n, sizeof(int64_t), err);
    g->ranges[t] = lp_alloc((size_t)n, sizeof(lp_piece), err);
    rf_status s = rank && g->sortpos[t] && g->ranges[t] ? RF_OK : RF_ERR_NOMEM;
    for (int64_t x = 0; s == RF_OK && x < p->nsel; x++)
        rank[x] = -1;
    for (int64_t i = 0; s == RF_OK && i < n; i++)
        rank[g->entries[t][i]] = 0;
    for (int64_t x = 0, k = 0; s == RF_OK && x < p->nsel; x++) {
        if (rank[x] < 0)
            continue;
        rank[x] = k++;
        size_t m = g->nranges[t];
        if (m && g->ranges[t][m - 1].start + g->ranges[t][m - 1].n == x)
            g->ranges[t][m - 1].n++;
        else
            g->ranges[t][g->nranges[t]++] = (lp_piece){x, 1};
    }
    for (int64_t i = 0; s == RF_OK && i < n; i++)
        g->sortpos[t][i] = rank[g->entries[t][i]];
    free(rank);
    return s;
}

/* RDatasetLoader::SplitDataframe for each dataset: rows shuffled, the last int(v x n) of the
 * permutation to validation. */
rf_status lp_eager_init(lp_plan *p, rf_error *err)
{
    lp_eager *g = &p->eager;
    float v = p->cfg.validation_split;
    int64_t *idx = lp_alloc((size_t)p->nsel, sizeof *idx, err);
    lp_mt *mt = lp_alloc(1, sizeof *mt, err);
    rf_status s = idx && mt ? RF_OK : RF_ERR_NOMEM;
    for (int t = 0; t < 2 && s == RF_OK; t++) {
        g->entries[t] = lp_alloc((size_t)p->nsel, sizeof(int64_t), err);
        g->group_off[t] = lp_alloc(p->ngroups + 1, sizeof(int64_t), err);
        if (!g->entries[t] || !g->group_off[t])
            s = RF_ERR_NOMEM;
    }
    for (size_t d = 0; d < p->ngroups && s == RF_OK; d++) {
        int64_t base = p->sel[p->group_start[d]], n = p->sel[p->group_start[d + 1]] - base;
        int64_t nval = (int64_t)(v * (float)n), ntrain = n - nval;
        for (int64_t i = 0; i < n; i++)
            idx[i] = i;
        if (p->cfg.shuffle) {
            lp_mt_seed(mt, root_seed(p, p->cfg.seed, SITE_SPLIT, d, 0));
            lp_mt_shuffle(mt, idx, (size_t)n, sizeof *idx);
        }
        for (int64_t i = 0; i < n; i++) {
            int t = i < ntrain ? RF_PART_TRAIN : RF_PART_VALIDATION;
            g->entries[t][g->n[t]++] = base + idx[i];
        }
        g->group_off[0][d + 1] = g->n[0];
        g->group_off[1][d + 1] = g->n[1];
    }
    free(idx);
    free(mt);
    for (int t = 0; t < 2 && s == RF_OK; t++)
        s = sort_part(p, t, err);
    p->part_entries[0] = g->n[0];
    p->part_entries[1] = g->n[1];
    return s;
}

/* RSampler: entries of the part after sampling, in ROOT's staging order. */
static rf_status sample_eager(lp_epoch *e, lp_mt *mt, rf_error *err)
{
    const lp_plan *p = e->plan;
    const lp_eager *g = &p->eager;
    const int64_t *off = g->group_off[e->part], *rows = g->entries[e->part];
    RF_CHECK(p->ngroups == 2, err, RF_ERR_ARG, "sampling needs exactly two datasets (got %zu)", p->ngroups);
    int64_t n0 = off[1] - off[0], n1 = off[2] - off[1];
    int major = n0 > n1 ? 0 : 1, under = p->cfg.balance == RF_BALANCE_UNDER;
    const int64_t *maj = rows + off[major], *min = rows + off[1 - major];
    int64_t nmaj = major ? n1 : n0, nmin = major ? n0 : n1, ratio_n;
    float ratio = p->cfg.sampling_ratio;
    ratio_n = under ? (int64_t)((float)nmin / ratio) : (int64_t)(ratio * (float)nmaj);
    int64_t pool = under ? nmaj : nmin;
    const int64_t *from = under ? maj : min, *rest = under ? min : maj;
    int64_t nrest = under ? nmin : nmaj;
    if (under && !p->cfg.replacement && ratio_n > nmaj) {
        char r[32];
        snprintf(r, sizeof r, "%.2f", round((double)nmin / (double)nmaj * 100.0) / 100.0);
        return rf_fail(err, RF_ERR_ARG, "The sampling_ratio is too low: not enough entries in the "
                       "majority class to sample from.\nChoose sampling_ratio > %s or set "
                       "replacement to True.", r);
    }
    RF_CHECK(ratio_n == 0 || pool > 0, err, RF_ERR_ARG, "sampling: the %s class of the %s part "
             "has no entries", under ? "majority" : "minority", e->part ? "validation" : "training");
    int64_t *samp = lp_alloc((size_t)(pool > ratio_n ? pool : ratio_n), sizeof *samp, err);
    if (!samp)
        return RF_ERR_NOMEM;
    if (under && !p->cfg.replacement) { /* SampleWithoutReplacement */
        for (int64_t i = 0; i < pool; i++)
            samp[i] = i;
        if (p->cfg.shuffle) {
            lp_mt_seed(mt, root_seed(p, p->cfg.seed, SITE_SAMPLE, (uint64_t)e->part << 32 | (uint64_t)e->epoch, 0));
            lp_mt_shuffle(mt, samp, (size_t)pool, sizeof *samp);
        }
    } else { /* SampleWithReplacement: a fresh generator for every draw */
        for (int64_t i = 0; i < ratio_n; i++) {
            if (p->cfg.shuffle) {
                lp_mt_seed(mt, root_seed(p, p->cfg.seed, SITE_SAMPLE, (uint64_t)e->part << 32 | (uint64_t)e->epoch, (uint64_t)i + 1));
                samp[i] = (int64_t)lp_mt_uniform(mt, 0, (uint64_t)pool - 1);
            } else {
                samp[i] = i % pool;
            }
        }
    }
    rf_status s = RF_OK;
    /* single-entry pieces: an entry may repeat anywhere */
    for (int64_t i = 0; i < ratio_n && s == RF_OK; i++)
        s = lp_add_piece(e, from[samp[i]], 1, err);
    for (int64_t i = 0; i < nrest && s == RF_OK; i++)
        s = lp_add_piece(e, rest[i], 1, err);
    free(samp);
    return s;
}

rf_status lp_eager_epoch(lp_epoch *e, rf_error *err)
{
    const lp_plan *p = e->plan;
    e->map = LP_MAP_EAGER;
    e->leftover = 1;
    e->resident = 1;
    uint64_t seed = root_seed(p, p->cfg.seed, SITE_TENSOR, (uint64_t)e->part << 32 | (uint64_t)e->epoch, 0);
    RF_TRY(lp_open_chunk(e, seed, err));
    if (p->cfg.balance != RF_BALANCE_NONE) {
        e->repeats = 1;
        lp_mt *mt = lp_alloc(1, sizeof *mt, err);
        if (!mt)
            return RF_ERR_NOMEM;
        e->map = p->cfg.shuffle ? LP_MAP_MT : LP_MAP_IDENTITY;
        rf_status s = sample_eager(e, mt, err);
        free(mt);
        return s;
    }
    const lp_eager *g = &p->eager;
    for (size_t i = 0; i < g->nranges[e->part]; i++)
        RF_TRY(lp_add_piece(e, g->ranges[e->part][i].start, g->ranges[e->part][i].n, err));
    return RF_OK;
}
