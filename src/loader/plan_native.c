/* plan_native.c - rootfeed's own plan (RF_LOADER_NATIVE).
 *
 * Blocks are runs of whole clusters of about block_size entries inside one dataset, so no
 * cluster is ever decompressed for two chunks (read amplification 1.0). The split gives each
 * block to training or validation once, from the seed. Every epoch the part's blocks are put
 * in a random order (the same on every rank), that order is cut into world_size shares of
 * equal numbers of selected entries (a block on a cut is split between two ranks), each share
 * is grouped into chunks of at most chunk_size entries (or one block when a block is larger),
 * and the rows of each chunk are permuted. Ranks then keep the same number of rows: the
 * smallest share (rows dropped from the end) or the largest (pad: rows of the last chunk
 * repeated), as torch's DistributedSampler does.
 *
 * Balancing: per rank share, each class is sampled to a target (under: the limiting class
 * keeps everything and the others are cut to their weight; over: the largest keeps everything
 * and the others are repeated up to theirs); targets are spread over the chunks in proportion
 * to what each chunk holds, so every chunk is decoded once. Per-batch quotas additionally fix
 * the rows of each class in every batch: blocks are interleaved class by class so chunks hold
 * the classes in proportion, and each chunk delivers whole batches. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/buffer.h"
#include "../common/error.h"
#include "plan_impl.h"

/* ------------------------------------------------------------------ blocks and split */

static rf_status make_blocks(lp_plan *p, rf_error *err)
{
    lp_native *nb = &p->nat;
    nb->blocks = lp_alloc(p->nclusters, sizeof *nb->blocks, err);
    if (!nb->blocks)
        return RF_ERR_NOMEM;
    int64_t bs = p->cfg.block_size;
    for (size_t g = 0; g < p->ngroups; g++) {
        size_t c = p->group_start[g], end = p->group_start[g + 1];
        while (c < end) {
            size_t d = c + 1;
            int64_t raw = p->bounds[d] - p->bounds[c];
            while (d < end && raw + (p->bounds[d + 1] - p->bounds[d]) <= bs) {
                raw += p->bounds[d + 1] - p->bounds[d];
                d++;
            }
            if (p->sel[d] > p->sel[c])
                nb->blocks[nb->nblocks++] = (lp_piece){p->sel[c], p->sel[d] - p->sel[c]};
            c = d;
        }
    }
    nb->part = lp_alloc(nb->nblocks, 1, err);
    return nb->part ? RF_OK : RF_ERR_NOMEM;
}

/* Entries of each class per block, and each block's dominant class. */
static rf_status count_classes(lp_plan *p, rf_error *err)
{
    lp_native *nb = &p->nat;
    int nc = p->nclasses;
    if (!nc)
        return RF_OK;
    nb->counts = lp_alloc(nb->nblocks * (size_t)nc, sizeof *nb->counts, err);
    nb->cls = lp_alloc(nb->nblocks, 1, err);
    if (!nb->counts || !nb->cls)
        return RF_ERR_NOMEM;
    for (size_t b = 0; b < nb->nblocks; b++) {
        int64_t *cnt = nb->counts + b * (size_t)nc;
        for (int64_t i = nb->blocks[b].start; i < nb->blocks[b].start + nb->blocks[b].n; i++)
            cnt[p->labels[i]]++;
        for (int c = 1; c < nc; c++)
            if (cnt[c] > cnt[nb->cls[b]])
                nb->cls[b] = (uint8_t)c;
    }
    return RF_OK;
}

/* Validation blocks: in a seeded random order, each block joins validation when that brings
 * its entry count closer to validation_split x the selected entries. */
static rf_status split_blocks(lp_plan *p, rf_error *err)
{
    lp_native *nb = &p->nat;
    float v = p->cfg.validation_split;
    if (v <= 0.0f || nb->nblocks == 0)
        return RF_OK;
    int64_t *ids = lp_alloc(nb->nblocks, sizeof *ids, err);
    if (!ids)
        return RF_ERR_NOMEM;
    for (size_t b = 0; b < nb->nblocks; b++)
        ids[b] = (int64_t)b;
    lp_rng r;
    uint64_t w[1] = {LP_TAG_SPLIT};
    lp_rng_init(&r, p->seed, w, 1);
    lp_rng_shuffle64(&r, ids, nb->nblocks);
    int64_t target = llround((double)v * (double)p->nsel), cum = 0;
    for (size_t t = 0; t < nb->nblocks; t++) {
        int64_t n = nb->blocks[ids[t]].n;
        if (llabs(cum + n - target) < llabs(cum - target) || (t == nb->nblocks - 1 && cum == 0)) {
            nb->part[ids[t]] = RF_PART_VALIDATION;
            cum += n;
        }
    }
    free(ids);
    RF_CHECK(cum < p->nsel, err, RF_ERR_ARG, "validation_split %g leaves no training entries: "
             "the selected entries form %zu block(s) of whole clusters; use a smaller block_size",
             (double)v, nb->nblocks);
    return RF_OK;
}

rf_status lp_native_init(lp_plan *p, rf_error *err)
{
    RF_TRY(make_blocks(p, err));
    RF_TRY(count_classes(p, err));
    RF_TRY(split_blocks(p, err));
    for (size_t b = 0; b < p->nat.nblocks; b++)
        p->part_entries[p->nat.part[b]] += p->nat.blocks[b].n;
    return RF_OK;
}

/* ------------------------------------------------------------------ class targets */

typedef struct class_plan {
    int nc;
    double w[LP_MAX_CLASSES];    /* weights of the part (the same on every rank) */
    int64_t q[LP_MAX_CLASSES];   /* rows per batch (quotas) */
} class_plan;

/* Weights: given, equal, or (two classes) 1 for the larger class and sampling_ratio for the
 * other, the larger decided over the whole part (ties: the second, as ROOT's sampler). */
static void class_weights(const lp_plan *p, const int64_t *ids, size_t nids, class_plan *cp)
{
    const lp_config *c = &p->cfg;
    cp->nc = p->nclasses;
    int64_t total[LP_MAX_CLASSES] = {0};
    for (size_t t = 0; t < nids; t++)
        for (int k = 0; k < cp->nc; k++)
            total[k] += p->nat.counts[(size_t)ids[t] * (size_t)cp->nc + (size_t)k];
    for (int k = 0; k < cp->nc; k++)
        cp->w[k] = c->class_weights ? c->class_weights[k] : 1.0;
    if (!c->class_weights && cp->nc == 2 && c->sampling_ratio != 1.0f) {
        int major = total[0] > total[1] ? 0 : 1;
        cp->w[major] = 1.0;
        cp->w[1 - major] = (double)c->sampling_ratio;
    }
    /* quotas: largest remainders of B x w / sum(w) */
    double sum = 0, frac[LP_MAX_CLASSES];
    int64_t B = c->batch_size, used = 0;
    for (int k = 0; k < cp->nc; k++)
        sum += cp->w[k];
    for (int k = 0; k < cp->nc; k++) {
        double x = sum > 0 ? (double)B * cp->w[k] / sum : 0;
        cp->q[k] = (int64_t)floor(x);
        frac[k] = x - (double)cp->q[k];
        used += cp->q[k];
    }
    for (; used < B && sum > 0; used++) {
        int best = -1;
        for (int k = 0; k < cp->nc; k++)
            if (cp->w[k] > 0 && (best < 0 || frac[k] > frac[best]))
                best = k;
        frac[best] = -1;
        cp->q[best]++;
    }
}

/* Rows per class of a share holding have[c] entries of each class. */
static void class_targets(const lp_plan *p, const class_plan *cp, const int64_t *have, int64_t *want)
{
    int m = -1, under = p->cfg.balance == RF_BALANCE_UNDER;
    for (int k = 0; k < cp->nc; k++) {
        want[k] = 0;
        if (cp->w[k] <= 0 || have[k] == 0)
            continue;
        /* have[k] / w[k] against have[m] / w[m]: under keeps the smallest, over the largest */
        long double lhs = m < 0 ? 0 : (long double)have[k] * cp->w[m],
                    rhs = m < 0 ? 0 : (long double)have[m] * cp->w[k];
        if (m < 0 || (under ? lhs < rhs : lhs > rhs))
            m = k;
    }
    for (int k = 0; m >= 0 && k < cp->nc; k++) {
        if (cp->w[k] <= 0 || have[k] == 0)
            continue;
        int64_t t = k == m ? have[k] : (int64_t)floorl((long double)have[m] * cp->w[k] / cp->w[m]);
        want[k] = under ? (t < have[k] ? t : have[k]) : (t > have[k] ? t : have[k]);
    }
}

/* ------------------------------------------------------------------ epochs */

/* The part's blocks in this epoch's order. */
static rf_status epoch_order(const lp_epoch *e, int64_t **out, size_t *n, rf_error *err)
{
    const lp_plan *p = e->plan;
    const lp_native *nb = &p->nat;
    int64_t *ids = lp_alloc(nb->nblocks, sizeof *ids, err);
    if (!ids)
        return RF_ERR_NOMEM;
    size_t k = 0;
    for (size_t b = 0; b < nb->nblocks; b++)
        if (nb->part[b] == e->part)
            ids[k++] = (int64_t)b;
    *out = ids;
    *n = k;
    if (!p->cfg.shuffle)
        return RF_OK;
    lp_rng r;
    uint64_t w[3] = {LP_TAG_BLOCKS, (uint64_t)e->part, (uint64_t)e->epoch};
    lp_rng_init(&r, p->seed, w, 3);
    lp_rng_shuffle64(&r, ids, k);
    return RF_OK;
}

/* Quotas: the blocks of each (dominant) class keep their random order and are interleaved so
 * that every class advances through its entries at the same pace. */
static rf_status stratify(const lp_plan *p, int64_t *ids, size_t n, rf_error *err)
{
    const lp_native *nb = &p->nat;
    int nc = p->nclasses;
    int64_t *tmp = lp_alloc(n, sizeof *tmp, err);
    if (!tmp)
        return RF_ERR_NOMEM;
    int64_t total[LP_MAX_CLASSES] = {0}, taken[LP_MAX_CLASSES] = {0};
    size_t next[LP_MAX_CLASSES] = {0};
    for (size_t t = 0; t < n; t++)
        total[nb->cls[ids[t]]] += nb->blocks[ids[t]].n;
    for (size_t out = 0; out < n; out++) {
        int best = -1;
        for (int c = 0; c < nc; c++) {
            while (next[c] < n && nb->cls[ids[next[c]]] != c)
                next[c]++;
            if (next[c] >= n)
                continue;
            if (best < 0 || (__int128)taken[c] * total[best] < (__int128)taken[best] * total[c])
                best = c;
        }
        int64_t b = ids[next[best]++];
        tmp[out] = b;
        taken[best] += nb->blocks[b].n;
    }
    memcpy(ids, tmp, n * sizeof *ids);
    free(tmp);
    return RF_OK;
}

/* Entries per class of a piece: the block's counts, or counted (pieces cut between ranks). */
static void piece_classes(const lp_plan *p, const lp_piece *pc, int64_t block, int64_t *cnt)
{
    const lp_native *nb = &p->nat;
    int nc = p->nclasses;
    if (pc->start == nb->blocks[block].start && pc->n == nb->blocks[block].n) {
        for (int c = 0; c < nc; c++)
            cnt[c] += nb->counts[(size_t)block * (size_t)nc + (size_t)c];
        return;
    }
    for (int64_t i = pc->start; i < pc->start + pc->n; i++)
        cnt[p->labels[i]]++;
}

/* Chunks of one rank's share [lo, hi) of the block order; targets per class when balancing.
 * Returns the rows the rank delivers before equalisation. */
static rf_status build_share(lp_epoch *e, const int64_t *ids, size_t n, int64_t lo, int64_t hi,
                             const class_plan *cp, rf_error *err)
{
    const lp_plan *p = e->plan;
    const lp_native *nb = &p->nat;
    int64_t off = 0, cur = 0;
    size_t nc = cp ? (size_t)cp->nc : 0;
    for (size_t t = 0; t < n && off < hi; t++) {
        const lp_piece *b = &nb->blocks[ids[t]];
        int64_t a = off > lo ? off : lo, z = off + b->n < hi ? off + b->n : hi;
        off += b->n;
        if (z <= a)
            continue;
        lp_piece pc = {b->start + (a - (off - b->n)), z - a};
        if (e->nchunks == 0 || (cur > 0 && cur + pc.n > p->cfg.chunk_size)) {
            RF_TRY(lp_open_chunk(e, e->nchunks, err));
            cur = 0;
            if (nc) {
                RF_TRY(rf_grow((void **)&e->targets, &e->targets_cap,
                               e->nchunks * nc * sizeof *e->targets, RF_MAX_ALLOC,
                               "loader plan class counts", err));
                memset(e->targets + (e->nchunks - 1) * nc, 0, nc * sizeof *e->targets);
            }
        }
        RF_TRY(lp_add_piece(e, pc.start, pc.n, err));
        cur += pc.n;
        if (nc)
            piece_classes(p, &pc, ids[t], e->targets + (e->nchunks - 1) * nc);
    }
    return RF_OK;
}

/* Spreads the share's class targets over its chunks in proportion to what each holds. */
static void spread_targets(lp_epoch *e, const class_plan *cp)
{
    const lp_plan *p = e->plan;
    int nc = cp->nc;
    int64_t total[LP_MAX_CLASSES] = {0}, want[LP_MAX_CLASSES], cum[LP_MAX_CLASSES] = {0};
    for (size_t k = 0; k < e->nchunks; k++)
        for (int c = 0; c < nc; c++)
            total[c] += e->targets[k * (size_t)nc + (size_t)c];
    class_targets(p, cp, total, want);
    for (size_t k = 0; k < e->nchunks; k++) {
        int64_t *t = e->targets + k * (size_t)nc, rows = 0, b = INT64_MAX;
        for (int c = 0; c < nc; c++) {
            int64_t before = total[c] ? lp_muldiv(want[c], cum[c], total[c]) : 0;
            cum[c] += t[c];
            int64_t after = total[c] ? lp_muldiv(want[c], cum[c], total[c]) : 0;
            t[c] = after - before;
            rows += t[c];
            if (e->quotas && cp->q[c] > 0 && t[c] / cp->q[c] < b)
                b = t[c] / cp->q[c];
        }
        e->chunks[k].nmap = e->quotas ? (b == INT64_MAX ? 0 : b) * p->cfg.batch_size : rows;
    }
}

/* Builds rank r's chunks into e and returns its rows (before equalisation). */
static rf_status build_rank(lp_epoch *e, const int64_t *ids, size_t n, int64_t total, int r,
                            const class_plan *cp, int64_t *rows, rf_error *err)
{
    const lp_plan *p = e->plan;
    int W = p->cfg.world_size;
    int64_t lo = lp_muldiv(r, total, W), hi = lp_muldiv(r + 1, total, W);
    RF_TRY(build_share(e, ids, n, lo, hi, cp, err));
    for (size_t k = 0; k < e->nchunks; k++) {
        e->chunks[k].seed = ((uint64_t)r << 40) | k;
        if (!cp)
            e->chunks[k].nmap = e->chunks[k].nstage;
    }
    if (cp)
        spread_targets(e, cp);
    *rows = 0;
    for (size_t k = 0; k < e->nchunks; k++)
        *rows += e->chunks[k].nmap;
    return RF_OK;
}

/* The rows every rank keeps: the smallest share, or the largest with pad (unless a rank has
 * nothing it could repeat). */
static rf_status equal_rows(const lp_epoch *e, const int64_t *ids, size_t n, int64_t total,
                            const class_plan *cp, int64_t mine, int64_t *out, rf_error *err)
{
    const lp_plan *p = e->plan;
    int64_t lo = mine, hi = mine;
    for (int r = 0; r < p->cfg.world_size; r++) {
        int64_t rows;
        if (r == p->cfg.rank) {
            continue;
        } else if (!cp) {
            rows = lp_muldiv(r + 1, total, p->cfg.world_size) - lp_muldiv(r, total, p->cfg.world_size);
        } else {
            lp_epoch tmp = {.plan = p, .part = e->part, .epoch = e->epoch, .quotas = e->quotas};
            rf_status s = build_rank(&tmp, ids, n, total, r, cp, &rows, err);
            free(tmp.chunks);
            free(tmp.pieces);
            free(tmp.targets);
            RF_TRY(s);
        }
        lo = rows < lo ? rows : lo;
        hi = rows > hi ? rows : hi;
    }
    *out = p->cfg.pad && lo > 0 ? hi : lo;
    return RF_OK;
}

/* Drops rows from the end (whole chunks first) or repeats rows of the last chunk. */
static void equalise(lp_epoch *e, int64_t mine, int64_t want)
{
    lp_epoch_info *in = &e->info;
    if (want < mine) {
        int64_t excess = mine - want;
        in->dropped += excess;
        while (excess > 0 && e->nchunks > 0) {
            lp_chunk *c = &e->chunks[e->nchunks - 1];
            if (c->nmap <= excess) {
                excess -= c->nmap;
                e->npieces -= c->npieces;
                e->nchunks--;
            } else {
                c->keep = c->nmap - excess;
                excess = 0;
            }
        }
    } else if (want > mine) {
        size_t k = e->nchunks;
        while (k > 0 && e->chunks[k - 1].nmap == 0)
            k--;
        lp_chunk *c = &e->chunks[k - 1]; /* exists: equal_rows pads only when every rank has rows */
        c->keep = c->nmap;
        c->pad = want - mine;
        in->repeated += want - mine;
    }
}

rf_status lp_native_epoch(lp_epoch *e, rf_error *err)
{
    const lp_plan *p = e->plan;
    int64_t *ids = NULL;
    size_t n = 0;
    class_plan cp;
    RF_TRY(epoch_order(e, &ids, &n, err));
    int balanced = p->nclasses > 0;
    e->quotas = balanced && p->cfg.per_batch;
    e->map = balanced ? LP_MAP_SAMPLE : p->cfg.shuffle ? LP_MAP_XO : LP_MAP_IDENTITY;
    rf_status s = RF_OK;
    if (balanced) {
        class_weights(p, ids, n, &cp);
        memcpy(e->quota, cp.q, sizeof cp.q);
        if (e->quotas)
            s = stratify(p, ids, n, err);
    }
    int64_t total = 0, mine = 0, want = 0;
    for (size_t t = 0; t < n; t++)
        total += p->nat.blocks[ids[t]].n;
    if (s == RF_OK)
        s = build_rank(e, ids, n, total, p->cfg.rank, balanced ? &cp : NULL, &mine, err);
    if (s == RF_OK && !p->cfg.inference)
        s = equal_rows(e, ids, n, total, balanced ? &cp : NULL, mine, &want, err);
    if (s == RF_OK && !p->cfg.inference)
        equalise(e, mine, want);
    free(ids);
    return s;
}

/* ------------------------------------------------------------------ sampled rows */

/* Chooses t copies among the a staging positions L of one class: without replacement a
 * random subset (t <= a) or every position t / a times plus a random subset; with replacement
 * t independent draws. Unshuffled: the first ones, cyclically. Result in L2 (t positions). */
static void pick_copies(const lp_epoch *e, lp_rng *r, int64_t *L, int64_t a, int64_t t, int64_t *out)
{
    const lp_config *c = &e->plan->cfg;
    if (!c->shuffle) {
        for (int64_t i = 0; i < t; i++)
            out[i] = L[i % a];
        return;
    }
    if (c->replacement) {
        for (int64_t i = 0; i < t; i++)
            out[i] = L[lp_rng_below(r, (uint64_t)a)];
        return;
    }
    int64_t full = t / a, rest = t % a, n = 0;
    for (int64_t f = 0; f < full; f++)
        for (int64_t i = 0; i < a; i++)
            out[n++] = L[i];
    for (int64_t i = 0; i < rest; i++) { /* partial Fisher-Yates */
        int64_t j = i + (int64_t)lp_rng_below(r, (uint64_t)(a - i)), x = L[i];
        L[i] = L[j];
        L[j] = x;
        out[n++] = L[i];
    }
    lp_rng_shuffle64(r, out, (size_t)t);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Lays the copies out: per-batch quotas (each batch takes its quota of every class, then is
 * shuffled), or all rows shuffled (unshuffled: staging order). */
static void lay_out(const lp_epoch *e, lp_rng *r, int64_t *const *copies, const int64_t *t,
                    int64_t nmap, int64_t *src)
{
    const lp_plan *p = e->plan;
    int nc = p->nclasses;
    int64_t n = 0, B = p->cfg.batch_size;
    if (e->quotas) {
        for (int64_t j = 0; j < nmap / B; j++) {
            for (int c = 0; c < nc; c++)
                for (int64_t i = 0; i < e->quota[c]; i++)
                    src[n++] = copies[c][j * e->quota[c] + i];
            if (p->cfg.shuffle)
                lp_rng_shuffle64(r, src + j * B, (size_t)B);
        }
        return;
    }
    for (int c = 0; c < nc; c++)
        for (int64_t i = 0; i < t[c]; i++)
            src[n++] = copies[c][i];
    if (p->cfg.shuffle)
        lp_rng_shuffle64(r, src, (size_t)nmap);
    else
        qsort(src, (size_t)nmap, sizeof *src, cmp_i64);
}

rf_status lp_sample_rows(const lp_epoch *e, size_t k, int64_t *src, rf_error *err)
{
    const lp_plan *p = e->plan;
    const lp_chunk *ch = &e->chunks[k];
    int nc = p->nclasses;
    const int64_t *t = e->targets + k * (size_t)nc;
    int64_t a[LP_MAX_CLASSES] = {0}, off[LP_MAX_CLASSES + 1] = {0}, toff[LP_MAX_CLASSES + 1] = {0};
    for (size_t i = ch->first; i < ch->first + ch->npieces; i++)
        for (int64_t j = 0; j < e->pieces[i].n; j++)
            a[p->labels[e->pieces[i].start + j]]++;
    for (int c = 0; c < nc; c++) {
        off[c + 1] = off[c] + a[c];
        toff[c + 1] = toff[c] + t[c];
    }
    int64_t *byclass = lp_alloc((size_t)ch->nstage, sizeof *byclass, err),
            *all = lp_alloc((size_t)toff[nc], sizeof *all, err), *copies[LP_MAX_CLASSES];
    if (!byclass || !all) {
        free(byclass);
        free(all);
        return RF_ERR_NOMEM;
    }
    int64_t fill[LP_MAX_CLASSES];
    memcpy(fill, off, sizeof fill);
    for (size_t i = ch->first, stage = 0; i < ch->first + ch->npieces; i++)
        for (int64_t j = 0; j < e->pieces[i].n; j++, stage++)
            byclass[fill[p->labels[e->pieces[i].start + j]]++] = (int64_t)stage;
    lp_rng r;
    uint64_t w[4] = {LP_TAG_SAMPLE, (uint64_t)e->part, (uint64_t)e->epoch, ch->seed};
    lp_rng_init(&r, p->seed, w, 4);
    for (int c = 0; c < nc; c++) {
        copies[c] = all + toff[c];
        if (t[c] > 0)
            pick_copies(e, &r, byclass + off[c], a[c], t[c], copies[c]);
    }
    lay_out(e, &r, copies, t, ch->nmap, src);
    free(byclass);
    free(all);
    return RF_OK;
}
