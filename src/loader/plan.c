/* plan.c - the mode-independent half of the loader plan (see plan.h): checking the shape and
 * options, the selected-space numbering, epochs (dispatching to the mode builders), batching
 * over the chunks (stream or ROOT's leftover scheme), the per-epoch figures (read
 * amplification, shuffle quality) and lp_chunk_build, which turns a chunk's pieces and row map
 * into ranges to read, destination rows and row copies. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/buffer.h"
#include "../common/error.h"
#include "plan_impl.h"

void *lp_alloc(size_t n, size_t size, rf_error *err)
{
    void *q = calloc(n ? n : 1, size);
    if (!q)
        rf_fail(err, RF_ERR_NOMEM, "loader plan: out of memory for %zu x %zu bytes", n, size);
    return q;
}

int64_t lp_muldiv(int64_t a, int64_t b, int64_t c)
{
    return (int64_t)((__int128)a * b / c);
}

uint64_t lp_derived_seed(const lp_plan *p, uint64_t a, uint64_t b, uint64_t c)
{
    lp_rng r;
    uint64_t w[4] = {LP_TAG_ROOT, a, b, c};
    lp_rng_init(&r, p->seed, w, 4);
    return lp_rng_next(&r);
}

/* ------------------------------------------------------------------ plan */

static rf_status check_config(const lp_config *c, rf_error *err)
{
    RF_CHECK(c->batch_size >= 1, err, RF_ERR_ARG, "batch_size must be >= 1 (got %lld)",
             (long long)c->batch_size);
    RF_CHECK(c->validation_split >= 0.0f && c->validation_split < 1.0f, err, RF_ERR_ARG,
             "validation_split must be in [0, 1) (got %g)", (double)c->validation_split);
    RF_CHECK(c->world_size >= 1 && c->rank >= 0 && c->rank < c->world_size, err, RF_ERR_ARG,
             "rank %d is not in [0, world_size %d)", c->rank, c->world_size);
    RF_CHECK(c->mode == RF_LOADER_NATIVE || c->world_size == 1, err, RF_ERR_ARG,
             "rank/world_size need the native mode (ROOT's loaders have no sharding)");
    RF_CHECK(c->world_size == 1 || c->seed || c->drawn_seed, err, RF_ERR_ARG,
             "world_size %d with seed 0: every rank must use the same seed (give a seed, or the "
             "one rank 0 drew)", c->world_size);
    RF_CHECK(c->mode == RF_LOADER_NATIVE || !c->inference, err, RF_ERR_ARG,
             "inference needs the native mode");
    RF_CHECK(c->mode == RF_LOADER_NATIVE || !c->per_batch, err, RF_ERR_ARG,
             "per-batch class quotas need the native mode");
    RF_CHECK(c->mode == RF_LOADER_NATIVE || c->mode == RF_LOADER_ROOT_EAGER ||
             c->balance == RF_BALANCE_NONE, err, RF_ERR_ARG,
             "class balancing needs the native or the eager mode (ROOT samples in eager mode only)");
    RF_CHECK(c->balance == RF_BALANCE_NONE || (c->nclasses >= 2 && c->nclasses <= LP_MAX_CLASSES),
             err, RF_ERR_ARG, "class balancing needs 2 to %d classes (got %d)", LP_MAX_CLASSES,
             c->nclasses);
    RF_CHECK(c->balance == RF_BALANCE_NONE || c->class_weights || c->nclasses == 2 ||
             !(c->sampling_ratio != 1.0f), err, RF_ERR_ARG,
             "sampling_ratio describes two classes; give class_weights for %d", c->nclasses);
    RF_CHECK(c->sampling_ratio > 0.0f, err, RF_ERR_ARG, "sampling_ratio must be > 0 (got %g)",
             (double)c->sampling_ratio);
    RF_CHECK(!c->per_batch || c->balance != RF_BALANCE_NONE, err, RF_ERR_ARG,
             "per-batch quotas need a balancing mode (under or over)");
    if (c->class_weights && c->balance != RF_BALANCE_NONE)
        for (int i = 0; i < c->nclasses; i++)
            RF_CHECK(c->class_weights[i] >= 0.0 && isfinite(c->class_weights[i]), err,
                     RF_ERR_ARG, "class weight %d must be finite and >= 0 (got %g)", i,
                     c->class_weights[i]);
    return RF_OK;
}

static rf_status check_mode_config(const lp_config *c, rf_error *err)
{
    if (c->mode == RF_LOADER_NATIVE || c->mode == RF_LOADER_ROOT_638)
        RF_CHECK(c->chunk_size >= 1, err, RF_ERR_ARG, "chunk_size must be >= 1 (got %lld)",
                 (long long)c->chunk_size);
    if (c->mode == RF_LOADER_ROOT_638)
        RF_CHECK(c->block_size >= 1, err, RF_ERR_ARG, "block_size must be >= 1 (got %lld)",
                 (long long)c->block_size);
    if (c->mode == RF_LOADER_ROOT_640)
        RF_CHECK(c->batches_in_memory >= 1 && c->batches_in_memory <= INT64_MAX / c->batch_size,
                 err, RF_ERR_ARG, "batches_in_memory must be >= 1 (got %lld)",
                 (long long)c->batches_in_memory);
    RF_CHECK(c->mode >= RF_LOADER_NATIVE && c->mode <= RF_LOADER_ROOT_EAGER, err, RF_ERR_ARG,
             "unknown loader mode %d", (int)c->mode);
    return RF_OK;
}

/* Copies the cluster boundaries and numbers the selected entries. */
static rf_status set_clusters(lp_plan *p, const lp_shape *s, rf_error *err)
{
    RF_CHECK(s->bounds && s->bounds[0] == 0, err, RF_ERR_ARG,
             "loader plan: cluster boundaries must start at entry 0");
    p->nclusters = s->nclusters;
    p->bounds = lp_alloc(s->nclusters + 1, sizeof *p->bounds, err);
    p->sel = lp_alloc(s->nclusters + 1, sizeof *p->sel, err);
    if (!p->bounds || !p->sel)
        return RF_ERR_NOMEM;
    for (size_t c = 0; c < s->nclusters; c++) {
        int64_t n = s->bounds[c + 1] - s->bounds[c];
        RF_CHECK(n >= 1, err, RF_ERR_ARG, "loader plan: cluster %zu is empty or reversed "
                 "(entries %lld to %lld)", c, (long long)s->bounds[c], (long long)s->bounds[c + 1]);
        int64_t k = s->pass ? s->pass[c] : n;
        RF_CHECK(k >= 0 && k <= n, err, RF_ERR_ARG, "loader plan: cluster %zu has %lld passing "
                 "entries out of %lld", c, (long long)k, (long long)n);
        p->bounds[c + 1] = s->bounds[c + 1];
        p->sel[c + 1] = p->sel[c] + k;
    }
    p->nunits = s->nclusters;
    if (s->unit && s->nclusters) {
        if (!(p->unit = lp_alloc(s->nclusters, sizeof *p->unit, err)))
            return RF_ERR_NOMEM;
        memcpy(p->unit, s->unit, s->nclusters * sizeof *p->unit);
        p->nunits = p->unit[s->nclusters - 1] + 1;
    }
    p->nsel = p->sel[s->nclusters];
    return RF_OK;
}

static rf_status set_groups(lp_plan *p, const lp_shape *s, rf_error *err)
{
    p->ngroups = s->ngroups > 1 ? s->ngroups : 1;
    p->group_start = lp_alloc(p->ngroups + 1, sizeof *p->group_start, err);
    if (!p->group_start)
        return RF_ERR_NOMEM;
    p->group_start[p->ngroups] = s->nclusters;
    if (s->ngroups > 1) {
        RF_CHECK(s->group_start && s->group_start[0] == 0 &&
                 s->group_start[s->ngroups] == s->nclusters, err, RF_ERR_ARG,
                 "loader plan: dataset boundaries must cover the %zu clusters", s->nclusters);
        for (size_t g = 0; g < s->ngroups; g++) {
            RF_CHECK(s->group_start[g] <= s->group_start[g + 1], err, RF_ERR_ARG,
                     "loader plan: dataset %zu starts after dataset %zu", g, g + 1);
            p->group_start[g] = s->group_start[g];
        }
    }
    return RF_OK;
}

/* Classes: from the label of each selected entry, or dataset i is class i. */
static rf_status set_labels(lp_plan *p, const lp_shape *s, rf_error *err)
{
    p->nclasses = p->cfg.balance != RF_BALANCE_NONE ? p->cfg.nclasses : 0;
    if (!p->nclasses || p->cfg.mode != RF_LOADER_NATIVE)
        return RF_OK;
    p->labels = lp_alloc((size_t)p->nsel, 1, err);
    if (!p->labels)
        return RF_ERR_NOMEM;
    if (s->labels) {
        for (int64_t i = 0; i < p->nsel; i++) {
            RF_CHECK(s->labels[i] < p->nclasses, err, RF_ERR_ARG, "selected entry %lld has "
                     "class %d, outside [0, %d)", (long long)i, s->labels[i], p->nclasses);
            p->labels[i] = s->labels[i];
        }
        return RF_OK;
    }
    RF_CHECK(p->ngroups == (size_t)p->nclasses, err, RF_ERR_ARG, "%d classes need a label "
             "column or %d datasets (got %zu)", p->nclasses, p->nclasses, p->ngroups);
    for (size_t g = 0; g < p->ngroups; g++)
        for (int64_t i = p->sel[p->group_start[g]]; i < p->sel[p->group_start[g + 1]]; i++)
            p->labels[i] = (uint8_t)g;
    return RF_OK;
}

void lp_plan_free(lp_plan *p)
{
    if (!p)
        return;
    lp_mode_free(p);
    free(p->bounds);
    free(p->unit);
    free(p->sel);
    free(p->group_start);
    free(p->labels);
    free(p);
}

rf_status lp_plan_create(const lp_shape *shape, const lp_config *cfg, lp_plan **out, rf_error *err)
{
    *out = NULL;
    RF_TRY(check_config(cfg, err));
    RF_TRY(check_mode_config(cfg, err));
    lp_plan *p = lp_alloc(1, sizeof *p, err);
    if (!p)
        return RF_ERR_NOMEM;
    p->cfg = *cfg;
    if (p->cfg.inference) {
        p->cfg.shuffle = 0;
        p->cfg.validation_split = 0.0f;
        p->cfg.drop_remainder = 0;
        p->cfg.pad = 0;
        p->cfg.balance = RF_BALANCE_NONE;
    }
    if (cfg->class_weights && cfg->balance != RF_BALANCE_NONE) { /* kept: the caller's may go */
        memcpy(p->weights, cfg->class_weights, (size_t)cfg->nclasses * sizeof *p->weights);
        p->cfg.class_weights = p->weights;
    }
    p->seed = cfg->seed ? cfg->seed : cfg->drawn_seed ? cfg->drawn_seed : lp_random_seed();
    p->filtered = shape->filtered;
    rf_status s = set_clusters(p, shape, err);
    if (s == RF_OK)
        s = set_groups(p, shape, err);
    if (s == RF_OK)
        s = set_labels(p, shape, err);
    if (s == RF_OK) {
        switch (p->cfg.mode) {
        case RF_LOADER_NATIVE: s = lp_native_init(p, err); break;
        case RF_LOADER_ROOT_638: s = lp_root638_init(p, err); break;
        case RF_LOADER_ROOT_640: s = lp_root640_init(p, err); break;
        default: s = lp_eager_init(p, err); break;
        }
    }
    if (s != RF_OK) {
        lp_plan_free(p);
        return s;
    }
    *out = p;
    return RF_OK;
}

uint64_t lp_plan_seed(const lp_plan *p) { return p->seed; }
int64_t lp_plan_part_entries(const lp_plan *p, int part) { return p->part_entries[part != 0]; }
int64_t lp_plan_selected(const lp_plan *p) { return p->nsel; }
const int64_t *lp_plan_sel_bounds(const lp_plan *p) { return p->sel; }

/* ------------------------------------------------------------------ epoch building */

rf_status lp_open_chunk(lp_epoch *e, uint64_t seed, rf_error *err)
{
    if (e->nchunks == e->chunks_cap) {
        size_t cap = e->chunks_cap * sizeof *e->chunks;
        RF_TRY(rf_grow((void **)&e->chunks, &cap, (e->nchunks + 1) * sizeof *e->chunks,
                       RF_MAX_ALLOC, "loader plan chunk list", err));
        e->chunks_cap = cap / sizeof *e->chunks;
    }
    e->chunks[e->nchunks++] = (lp_chunk){.first = e->npieces, .seed = seed};
    return RF_OK;
}

rf_status lp_add_piece(lp_epoch *e, int64_t start, int64_t n, rf_error *err)
{
    if (e->npieces == e->pieces_cap) {
        size_t cap = e->pieces_cap * sizeof *e->pieces;
        RF_TRY(rf_grow((void **)&e->pieces, &cap, (e->npieces + 1) * sizeof *e->pieces,
                       RF_MAX_ALLOC, "loader plan piece list", err));
        e->pieces_cap = cap / sizeof *e->pieces;
    }
    e->pieces[e->npieces++] = (lp_piece){start, n};
    lp_chunk *c = &e->chunks[e->nchunks - 1];
    c->npieces++;
    c->nstage += n;
    return RF_OK;
}

/* Offsets of rows, leftover tails and batches per chunk (plan.h: stream / leftover). */
static rf_status set_batching(lp_epoch *e, rf_error *err)
{
    size_t K = e->nchunks;
    int64_t B = e->plan->cfg.batch_size;
    e->row_off = lp_alloc(K + 1, sizeof(int64_t), err);
    e->lo_off = lp_alloc(K + 1, sizeof(int64_t), err);
    e->batch_off = lp_alloc(K + 1, sizeof(int64_t), err);
    if (!e->row_off || !e->lo_off || !e->batch_off)
        return RF_ERR_NOMEM;
    for (size_t k = 0; k < K; k++) {
        int64_t n = e->chunks[k].keep + e->chunks[k].pad;
        e->row_off[k + 1] = e->row_off[k] + n;
        e->lo_off[k + 1] = e->lo_off[k] + n % B;
        int64_t c = n / B + (e->lo_off[k + 1] / B > e->lo_off[k] / B);
        e->batch_off[k + 1] = e->batch_off[k] + c;
    }
    int64_t T = e->row_off[K], drop = e->plan->cfg.drop_remainder;
    lp_epoch_info *in = &e->info;
    in->rows = T;
    if (e->leftover) {
        int64_t rem = e->lo_off[K] % B;
        in->nbatches = e->batch_off[K] + (K && !drop && rem);
        in->last_batch_rows = rem;
        in->max_leftover_rows = B - 1;
    } else {
        in->nbatches = drop ? T / B : (T + B - 1) / B;
        in->last_batch_rows = T % B;
        in->max_leftover_rows = K > 1 ? B - 1 : 0;
    }
    if (drop) { /* the remainder is the stream's last rows: padding rows go first */
        int64_t rem = T % B, pad = K ? e->chunks[K - 1].pad : 0, padded = rem < pad ? rem : pad;
        in->repeated -= padded;
        in->dropped += rem - padded;
        in->rows -= rem;
    }
    return RF_OK;
}

/* Adds a chunk's cluster portions to the read figures (per cluster) and the shuffle quality
 * (per unit: lp_shape.unit). */
static void chunk_clusters(const lp_epoch *e, size_t k, int64_t *last, int64_t *lastu, int64_t *acc,
                           size_t *touched, uint8_t *seen, double *qsum)
{
    const lp_plan *p = e->plan;
    const lp_chunk *c = &e->chunks[k];
    size_t nt = 0;
    lp_epoch_info *in = (lp_epoch_info *)&e->info;
    for (size_t i = c->first; i < c->first + c->npieces; i++) {
        int64_t s = e->pieces[i].start, end = s + e->pieces[i].n;
        /* first cluster whose selected range ends after s */
        size_t lo = 0, hi = p->nclusters;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (p->sel[mid + 1] <= s)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t cl = lo; cl < p->nclusters && p->sel[cl] < end; cl++) {
            int64_t a = p->sel[cl] > s ? p->sel[cl] : s, b = p->sel[cl + 1] < end ? p->sel[cl + 1] : end;
            if (b <= a)
                continue;
            if (last[cl] != (int64_t)k) {
                last[cl] = (int64_t)k;
                in->entries_read += p->bounds[cl + 1] - p->bounds[cl];
                if (!seen[cl])
                    in->entries_needed += p->bounds[cl + 1] - p->bounds[cl];
                seen[cl] = 1;
            }
            size_t u = p->unit ? p->unit[cl] : cl;
            if (lastu[u] != (int64_t)k) {
                lastu[u] = (int64_t)k;
                acc[u] = 0;
                touched[nt++] = u;
            }
            acc[u] += b - a;
        }
    }
    double n = (double)c->nstage, B = (double)p->cfg.batch_size, ek = 0;
    for (size_t t = 0; t < nt; t++)
        ek += -expm1(B * log1p(-(double)acc[touched[t]] / n));
    qsum[0] += ek * n;
    qsum[1] += n;
}

/* Read amplification and shuffle quality of the epoch (plan.h lp_epoch_info). */
static rf_status set_figures(lp_epoch *e, rf_error *err)
{
    const lp_plan *p = e->plan;
    size_t C = p->nclusters, U = p->nunits;
    int64_t *last = lp_alloc(C, sizeof *last, err), *lastu = lp_alloc(U, sizeof *lastu, err),
            *acc = lp_alloc(U, sizeof *acc, err), *total = lp_alloc(U, sizeof *total, err);
    size_t *touched = lp_alloc(U, sizeof *touched, err);
    uint8_t *seen = lp_alloc(C, 1, err);
    rf_status s = last && lastu && acc && total && touched && seen ? RF_OK : RF_ERR_NOMEM;
    double q[2] = {0, 0}, perfect = 0, B = (double)p->cfg.batch_size;
    for (size_t c = 0; s == RF_OK && c < C; c++)
        last[c] = -1;
    for (size_t u = 0; s == RF_OK && u < U; u++)
        lastu[u] = -1;
    for (size_t k = 0; s == RF_OK && k < e->nchunks; k++) {
        chunk_clusters(e, k, last, lastu, acc, touched, seen, q);
        for (size_t u = 0; u < U; u++)
            if (lastu[u] == (int64_t)k)
                total[u] += acc[u];
    }
    for (size_t u = 0; s == RF_OK && u < U; u++)
        if (total[u])
            perfect += -expm1(B * log1p(-(double)total[u] / q[1]));
    lp_epoch_info *in = &e->info;
    in->read_amplification = in->entries_needed ? (double)in->entries_read / in->entries_needed : 1.0;
    in->shuffle_quality = perfect > 0 && q[1] > 0 ? q[0] / q[1] / perfect : 1.0;
    free(last);
    free(lastu);
    free(acc);
    free(total);
    free(touched);
    free(seen);
    return s;
}

void lp_epoch_free(lp_epoch *e)
{
    if (!e)
        return;
    free(e->chunks);
    free(e->pieces);
    free(e->piece_off);
    free(e->targets);
    free(e->row_off);
    free(e->lo_off);
    free(e->batch_off);
    free(e);
}

rf_status lp_epoch_create(const lp_plan *p, int part, int64_t epoch, lp_epoch **out, rf_error *err)
{
    *out = NULL;
    RF_CHECK(part == RF_PART_TRAIN || part == RF_PART_VALIDATION, err, RF_ERR_ARG,
             "unknown part %d (training 0, validation 1)", part);
    RF_CHECK(epoch >= 0, err, RF_ERR_ARG, "epoch must be >= 0 (got %lld)", (long long)epoch);
    lp_epoch *e = lp_alloc(1, sizeof *e, err);
    if (!e)
        return RF_ERR_NOMEM;
    e->plan = p;
    e->part = part;
    e->epoch = epoch;
    rf_status s;
    switch (p->cfg.mode) {
    case RF_LOADER_NATIVE: s = lp_native_epoch(e, err); break;
    case RF_LOADER_ROOT_638: s = lp_root638_epoch(e, err); break;
    case RF_LOADER_ROOT_640: s = lp_root640_epoch(e, err); break;
    default: s = lp_eager_epoch(e, err); break;
    }
    if (s == RF_OK && !(e->piece_off = lp_alloc(e->npieces, sizeof *e->piece_off, err)))
        s = RF_ERR_NOMEM;
    for (size_t k = 0; s == RF_OK && k < e->nchunks; k++) {
        lp_chunk *c = &e->chunks[k];
        for (size_t i = c->first, off = 0; i < c->first + c->npieces; off += (size_t)e->pieces[i].n, i++)
            e->piece_off[i] = (int64_t)off;
        if (c->nmap == 0 && e->map != LP_MAP_SAMPLE)
            c->nmap = c->nstage;
        if (c->keep == 0 && c->pad == 0)
            c->keep = c->nmap;
        int64_t rows = c->keep + c->pad;
        if (rows > e->info.max_chunk_rows)
            e->info.max_chunk_rows = rows;
    }
    if (s == RF_OK)
        s = set_batching(e, err);
    if (s == RF_OK)
        s = set_figures(e, err);
    if (s != RF_OK) {
        lp_epoch_free(e);
        return s;
    }
    *out = e;
    return RF_OK;
}

const lp_epoch_info *lp_epoch_get_info(const lp_epoch *e) { return &e->info; }
size_t lp_epoch_nchunks(const lp_epoch *e) { return e->nchunks; }
int lp_epoch_resident(const lp_epoch *e) { return e->resident; }
int lp_epoch_stream(const lp_epoch *e) { return !e->leftover; }
int64_t lp_epoch_row0(const lp_epoch *e, size_t k) { return e->row_off[k < e->nchunks ? k : e->nchunks]; }

int64_t lp_epoch_chunk_rows(const lp_epoch *e, size_t k)
{
    return k < e->nchunks ? e->chunks[k].keep + e->chunks[k].pad : 0;
}

const lp_piece *lp_epoch_chunk_pieces(const lp_epoch *e, size_t k, size_t *npieces)
{
    *npieces = k < e->nchunks ? e->chunks[k].npieces : 0;
    return k < e->nchunks ? e->pieces + e->chunks[k].first : NULL;
}

/* ------------------------------------------------------------------ batches */

int64_t lp_epoch_nbatches(const lp_epoch *e) { return e->info.nbatches; }

/* The last index i in [0, n) with off[i] <= x (off ascending, off[0] <= x). */
static size_t find_off(const int64_t *off, size_t n, int64_t x)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (off[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Pieces of rows [a, b) of a stream whose chunk k holds [off[k], off[k+1]) and starts at
 * row base(k) of chunk k (0 for the row stream, the tail start for the leftover stream). */
static size_t stream_pieces(const lp_epoch *e, const int64_t *off, int leftover, int64_t a,
                            int64_t b, lp_bpiece *out, size_t cap)
{
    size_t K = e->nchunks, n = 0, k = find_off(off, K, a);
    int64_t B = e->plan->cfg.batch_size;
    while (a < b && k < K) {
        int64_t end = off[k + 1] < b ? off[k + 1] : b;
        if (end > a) {
            int64_t base = leftover ? (lp_epoch_chunk_rows(e, k) / B) * B : 0;
            if (n < cap)
                out[n] = (lp_bpiece){(int64_t)k, base + a - off[k], end - a};
            n++;
            a = end;
        }
        k++;
    }
    return n;
}

size_t lp_epoch_batch(const lp_epoch *e, int64_t j, lp_bpiece *pieces, size_t cap)
{
    int64_t B = e->plan->cfg.batch_size;
    size_t K = e->nchunks;
    if (j < 0 || j >= e->info.nbatches)
        return 0;
    if (!e->leftover) {
        int64_t a = j * B, b = a + B < e->row_off[K] ? a + B : e->row_off[K];
        return stream_pieces(e, e->row_off, 0, a, b, pieces, cap);
    }
    if (j >= e->batch_off[K]) /* the remainder */
        return stream_pieces(e, e->lo_off, 1, e->lo_off[K] / B * B, e->lo_off[K], pieces, cap);
    size_t k = find_off(e->batch_off, K, j);
    while (e->batch_off[k + 1] <= j) /* skip chunks without batches */
        k++;
    int64_t t = j - e->batch_off[k], full = lp_epoch_chunk_rows(e, k) / B;
    if (t < full) {
        if (cap)
            pieces[0] = (lp_bpiece){(int64_t)k, t * B, B};
        return 1;
    }
    int64_t m = e->lo_off[k + 1] / B - 1;
    return stream_pieces(e, e->lo_off, 1, m * B, m * B + B, pieces, cap);
}

size_t lp_epoch_first_chunk(const lp_epoch *e, int64_t j)
{
    int64_t B = e->plan->cfg.batch_size;
    size_t K = e->nchunks;
    if (j < 0)
        j = 0;
    if (j >= e->info.nbatches)
        return K;
    if (!e->leftover)
        return find_off(e->row_off, K, j * B);
    if (j >= e->batch_off[K])
        return find_off(e->lo_off, K, e->lo_off[K] / B * B);
    size_t k = find_off(e->batch_off, K, j);
    while (e->batch_off[k + 1] <= j)
        k++;
    int64_t pending = e->lo_off[k] / B * B; /* the first leftover row not yet in a batch */
    if (pending < e->lo_off[K]) {
        size_t kl = find_off(e->lo_off, K, pending);
        while (kl < K && e->lo_off[kl + 1] <= pending)
            kl++;
        if (kl < k)
            return kl;
    }
    return k;
}

/* Appends the share of batch j on stream rows [a, b) (stream offsets off, chunk k) when the
 * batch does not lie in chunk k alone. */
static size_t add_share(const lp_epoch *e, const int64_t *off, int leftover, size_t k, int64_t j,
                        int64_t a, int64_t b, lp_share *out, size_t cap, size_t n)
{
    int64_t B = e->plan->cfg.batch_size, s = a > off[k] ? a : off[k], t = b < off[k + 1] ? b : off[k + 1];
    if (t <= s || (s == a && t == b))
        return n;
    int64_t base = leftover ? lp_epoch_chunk_rows(e, k) / B * B : 0;
    if (n < cap)
        out[n] = (lp_share){j, base + s - off[k], t - s, s - a};
    return n + 1;
}

size_t lp_epoch_chunk_shares(const lp_epoch *e, size_t k, lp_share *out, size_t cap)
{
    int64_t B = e->plan->cfg.batch_size, nb = e->info.nbatches;
    size_t K = e->nchunks, n = 0;
    if (k >= K)
        return 0;
    if (!e->leftover) {
        int64_t T = e->row_off[K];
        for (int64_t j = e->row_off[k] / B; j < nb && j * B < e->row_off[k + 1]; j++)
            n = add_share(e, e->row_off, 0, k, j, j * B, (j + 1) * B < T ? (j + 1) * B : T, out, cap, n);
        return n;
    }
    int64_t total = e->lo_off[K], full = total / B;
    for (int64_t m = e->lo_off[k] / B; m * B < e->lo_off[k + 1]; m++) {
        int64_t j;
        if (m < full) { /* emitted after the full batches of the chunk that completes it */
            size_t kc = find_off(e->lo_off, K + 1, (m + 1) * B - 1);
            j = e->batch_off[kc] + lp_epoch_chunk_rows(e, kc) / B;
        } else if (nb > e->batch_off[K]) {
            j = nb - 1; /* the remainder */
        } else {
            break;
        }
        n = add_share(e, e->lo_off, 1, k, j, m * B, (m + 1) * B < total ? (m + 1) * B : total, out, cap, n);
    }
    return n;
}

/* ------------------------------------------------------------------ chunk rows */

void lp_rows_free(lp_rows *r)
{
    if (!r)
        return;
    free(r->ranges);
    free(r->dest);
    free(r->copies);
    free(r->map);
    free(r->order);
    free(r->pos);
    memset(r, 0, sizeof *r);
}

static rf_status grow64(int64_t **p, size_t *cap, int64_t n, rf_error *err)
{
    return rf_grow((void **)p, cap, (uint64_t)(n ? n : 1) * sizeof **p, RF_MAX_ALLOC,
                   "loader plan row map", err);
}

/* src[row] = staging position for the rows of the row map. */
static rf_status row_map(const lp_epoch *e, size_t k, int64_t *src, rf_error *err)
{
    const lp_chunk *c = &e->chunks[k];
    if (e->map == LP_MAP_SAMPLE)
        return lp_sample_rows(e, k, src, err);
    for (int64_t r = 0; r < c->nmap; r++)
        src[r] = r;
    if (e->map == LP_MAP_MT || (e->map == LP_MAP_EAGER && e->plan->cfg.shuffle)) {
        lp_mt *mt = malloc(sizeof *mt);
        RF_CHECK(mt, err, RF_ERR_NOMEM, "out of memory for a random generator");
        lp_mt_seed(mt, c->seed);
        lp_mt_shuffle(mt, src, (size_t)c->nmap, sizeof *src);
        free(mt);
    } else if (e->map == LP_MAP_XO) {
        lp_rng r;
        uint64_t w[4] = {LP_TAG_ROWS, (uint64_t)e->part, (uint64_t)e->epoch, c->seed};
        lp_rng_init(&r, e->plan->seed, w, 4);
        lp_rng_shuffle64(&r, src, (size_t)c->nmap);
    }
    return RF_OK;
}

/* Sorts (start, staging index) pairs: by start, repeats in staging order. */
static int cmp_pair(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* order[2t], order[2t+1]: start and index of the chunk's pieces by start (repeats in staging
 * order). Many pieces of disjoint entries (eager, tiny blocks) are placed by start in a slot
 * array over their span instead of sorted. */
static rf_status sort_pieces(const lp_piece *pc, size_t np, int disjoint, lp_rows *o, rf_error *err)
{
    int64_t lo = INT64_MAX, hi = 0;
    for (size_t i = 0; i < np; i++) {
        lo = pc[i].start < lo ? pc[i].start : lo;
        hi = pc[i].start + pc[i].n > hi ? pc[i].start + pc[i].n : hi;
    }
    if (!disjoint || np < 4096 || hi - lo > 64 * (int64_t)np) {
        for (size_t i = 0; i < np; i++) {
            o->order[2 * i] = pc[i].start;
            o->order[2 * i + 1] = (int64_t)i;
        }
        qsort(o->order, np, 2 * sizeof *o->order, cmp_pair);
        return RF_OK;
    }
    RF_TRY(grow64(&o->pos, &o->pos_cap, hi - lo, err));
    for (int64_t x = 0; x < hi - lo; x++)
        o->pos[x] = -1;
    for (size_t i = 0; i < np; i++)
        o->pos[pc[i].start - lo] = (int64_t)i;
    size_t t = 0;
    for (int64_t x = 0; x < hi - lo; x++)
        if (o->pos[x] >= 0) {
            o->order[2 * t] = lo + x;
            o->order[2 * t + 1] = o->pos[x];
            t++;
        }
    return RF_OK;
}

/* Appends piece q to the merged ranges. */
static void add_range(lp_rows *o, const lp_piece *q)
{
    if (o->nranges && o->ranges[o->nranges - 1].start + o->ranges[o->nranges - 1].n == q->start)
        o->ranges[o->nranges - 1].n += q->n;
    else
        o->ranges[o->nranges++] = *q;
    o->nin += q->n;
}

/* Merges the sorted pieces into ranges and numbers each staging position by its entry's
 * index among the entries read (identical pieces, repeats of an entry, share the index). */
static rf_status index_entries(const lp_epoch *e, const lp_chunk *c, lp_rows *o, rf_error *err)
{
    const lp_piece *pc = e->pieces + c->first;
    int64_t *stoff = o->map; /* staging offset of each piece (map is refilled afterwards) */
    for (size_t i = 0, off = 0; i < c->npieces; off += (size_t)pc[i].n, i++)
        stoff[i] = (int64_t)off;
    RF_TRY(sort_pieces(pc, c->npieces, 0, o, err));
    o->nranges = 0;
    o->nin = 0;
    int64_t prev_start = -1, prev_n = 0, prev_first = 0;
    for (size_t t = 0; t < c->npieces; t++) {
        int64_t idx = o->order[2 * t + 1];
        const lp_piece *q = &pc[idx];
        if (q->n == 0)
            continue;
        int64_t first;
        if (q->start == prev_start && q->n == prev_n) {
            first = prev_first; /* a repeat of the previous piece */
        } else {
            RF_CHECK(q->start >= prev_start + prev_n, err, RF_ERR_ARG,
                     "loader plan: chunk pieces overlap at selected entry %lld", (long long)q->start);
            first = o->nin;
            add_range(o, q);
        }
        for (int64_t j = 0; j < q->n; j++)
            o->pos[stoff[idx] + j] = first + j;
        prev_start = q->start;
        prev_n = q->n;
        prev_first = first;
    }
    return RF_OK;
}

static rf_status add_copy(lp_rows *o, int64_t from, int64_t to, rf_error *err)
{
    RF_TRY(rf_grow((void **)&o->copies, &o->copies_cap, (o->ncopies + 1) * 2 * sizeof(int64_t),
                   RF_MAX_ALLOC, "loader plan copy list", err));
    o->copies[2 * o->ncopies] = from;
    o->copies[2 * o->ncopies + 1] = to;
    o->ncopies++;
    return RF_OK;
}

/* Rows of chunks whose entries appear once and whose rows come from a permutation: the row of
 * each staging position (rs), then each entry's row in the order of the sorted pieces. */
static rf_status build_permuted(const lp_epoch *e, const lp_chunk *c, lp_rows *o, rf_error *err)
{
    const lp_piece *pc = e->pieces + c->first;
    int64_t n = c->nmap, *rs = o->map;
    uint32_t *rs32 = (uint32_t *)o->map; /* XO: batch numbers, in 16 bits where they fit */
    uint16_t *rs16 = (uint16_t *)o->map;
    RF_CHECK(e->map != LP_MAP_XO || n + e->plan->cfg.batch_size <= UINT32_MAX, err, RF_ERR_ARG,
             "loader plan: a chunk of %lld rows (plus a batch) is over 2^32", (long long)n);
    int64_t B = e->plan->cfg.batch_size, off = e->row_off[c - e->chunks] % B, *next = NULL;
    int narrow = (off + n) / B <= UINT16_MAX;
    if (e->map == LP_MAP_XO) { /* the batch of each staging position, shuffled */
        for (int64_t r = 0, b = 0; r < n; b++) /* batch b: rows up to (b + 1) B - off */
            for (int64_t end = (b + 1) * B - off; r < n && r < end; r++)
                if (narrow)
                    rs16[r] = (uint16_t)b;
                else
                    rs32[r] = (uint32_t)b;
        lp_rng g;
        uint64_t w[4] = {LP_TAG_ROWS, (uint64_t)e->part, (uint64_t)e->epoch, c->seed};
        lp_rng_init(&g, e->plan->seed, w, 4);
        if (narrow)
            lp_rng_shuffle16(&g, rs16, (size_t)n);
        else
            lp_rng_shuffle32(&g, rs32, (size_t)n);
    } else if (e->map == LP_MAP_MT) { /* ShuffleTensor gathers: row r takes staging src[r] */
        RF_TRY(grow64(&o->pos, &o->pos_cap, n, err));
        RF_TRY(row_map(e, (size_t)(c - e->chunks), o->pos, err));
        for (int64_t r = 0; r < n; r++)
            rs[o->pos[r]] = r;
    } else if (e->map == LP_MAP_EAGER) { /* the same over ROOT's list, then to sorted order */
        const int64_t *sortpos = e->plan->eager.sortpos[e->part];
        RF_TRY(grow64(&o->pos, &o->pos_cap, n, err));
        RF_TRY(row_map(e, (size_t)(c - e->chunks), o->pos, err));
        for (int64_t r = 0; r < n; r++)
            rs[sortpos[o->pos[r]]] = r;
    }
    /* XO: the shuffled batch numbers pick each entry's batch (the chunk's rows cut where the
     * epoch's batches are: the first one after `off` rows of a batch begun in the chunk
     * before); inside a batch rows follow the entries' order, so the transpose writes one
     * sequential stream per batch: next[b] is batch b's next row */
    RF_TRY(sort_pieces(pc, c->npieces, 1, o, err)); /* (may use pos) */
    if (e->map == LP_MAP_XO) {
        RF_TRY(grow64(&o->pos, &o->pos_cap, (off + n) / B + 2, err));
        next = o->pos;
        for (int64_t b = 0; b < (off + n) / B + 2; b++)
            next[b] = b ? b * B - off : 0;
    }
    o->nranges = 0;
    o->nin = 0;
    RF_TRY(grow64(&o->dest, &o->dest_cap, c->nstage, err));
    for (size_t t = 0; t < c->npieces; t++) {
        const lp_piece *q = &pc[o->order[2 * t + 1]];
        if (q->n == 0)
            continue;
        RF_CHECK(!o->nranges || q->start >= o->ranges[o->nranges - 1].start + o->ranges[o->nranges - 1].n,
                 err, RF_ERR_ARG, "loader plan: chunk pieces overlap at selected entry %lld",
                 (long long)q->start);
        int64_t at = o->nin;
        add_range(o, q);
        int64_t so = e->piece_off[c->first + (size_t)o->order[2 * t + 1]];
        for (int64_t j = 0; j < q->n; j++) {
            int64_t r;
            if (next) { /* XO */
                r = next[narrow ? rs16[so + j] : rs32[so + j]]++;
            } else {
                r = e->map == LP_MAP_IDENTITY ? so + j : rs[so + j];
            }
            o->dest[at + j] = r < c->keep ? r : -1;
        }
    }
    o->ncopies = 0;
    o->nrows = c->keep + c->pad;
    for (int64_t j = 0; j < c->pad; j++)
        RF_TRY(add_copy(o, j % c->keep, c->keep + j, err));
    return RF_OK;
}

rf_status lp_chunk_build(const lp_epoch *e, size_t k, lp_rows *o, rf_error *err)
{
    RF_CHECK(k < e->nchunks, err, RF_ERR_ARG, "chunk %zu of %zu", k, e->nchunks);
    const lp_chunk *c = &e->chunks[k];
    int64_t np = (int64_t)c->npieces;
    RF_TRY(rf_grow((void **)&o->ranges, &o->ranges_cap, (uint64_t)(np ? np : 1) * sizeof *o->ranges,
                   RF_MAX_ALLOC, "loader plan ranges", err));
    RF_TRY(grow64(&o->order, &o->order_cap, 2 * np, err));
    int64_t nmap = e->map == LP_MAP_XO && !e->repeats ? c->nmap / 2 + 1 : c->nmap; /* XO: uint32 */
    RF_TRY(grow64(&o->map, &o->map_cap, np > nmap ? np : nmap, err));
    if (e->map != LP_MAP_SAMPLE && !e->repeats)
        return build_permuted(e, c, o, err);
    RF_TRY(grow64(&o->pos, &o->pos_cap, c->nstage, err));
    RF_TRY(index_entries(e, c, o, err));
    RF_TRY(grow64(&o->dest, &o->dest_cap, o->nin, err));
    RF_TRY(row_map(e, k, o->map, err));
    for (int64_t i = 0; i < o->nin; i++)
        o->dest[i] = -1;
    o->ncopies = 0;
    o->nrows = c->keep + c->pad;
    for (int64_t r = 0; r < o->nrows; r++) {
        int64_t stage = o->map[r < c->keep ? r : (r - c->keep) % c->keep], i = o->pos[stage];
        if (o->dest[i] < 0)
            o->dest[i] = r;
        else
            RF_TRY(add_copy(o, o->dest[i], r, err));
    }
    return RF_OK;
}
