/* pipeline.c - the loader's worker threads and their tasks.
 *
 * Workers take tasks from one FIFO queue: PREPASS (one cluster of the first pass: which
 * entries pass the filters, their labels), PLAN (build chunk k's rows from the plan, the row
 * map of each cluster it reads and its READ tasks, one per slice of a cluster, queued once
 * its matrices exist: PLAN runs a chunk ahead of them, epoch.c) and READ (every output column
 * of a slice, LB_SLICE entries at a time, decoded, converted to the tensor's dtype and cut or
 * padded (jagged) into the worker's stage, which stays in cache, then written to the
 * entries' shuffled rows one whole row at a time: the column -> row transpose with the
 * shuffle fused in, each row written to memory once). The worker finishing a chunk's last
 * READ applies the row copies and marks the chunk ready. Epochs and the consumer: epoch.c.
 *
 * Every task carries the generation of the epoch it belongs to; stopping an epoch bumps the
 * generation, empties the queue and waits for the running tasks. A failing task records its
 * error on the chunk and the loader; the other tasks of the epoch are skipped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "../common/buffer.h"
#include "../common/error.h"
#include "loader.h"

double lb_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Waits for a worker's signal (under the lock). With an interrupt callback the wait wakes
 * every 50 ms and asks it, the lock released, whether to go on. */
rf_status lb_wait(rf_loader *l, rf_error *err)
{
    if (!l->opt.interrupt) {
        pthread_cond_wait(&l->done, &l->mu);
        return RF_OK;
    }
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += 50 * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    if (pthread_cond_timedwait(&l->done, &l->mu, &t) != ETIMEDOUT)
        return RF_OK;
    pthread_mutex_unlock(&l->mu);
    int stop = l->opt.interrupt(l->opt.interrupt_ctx);
    pthread_mutex_lock(&l->mu);
    return stop ? rf_fail(err, RF_ERR_INTERRUPTED, "interrupted while waiting for data") : RF_OK;
}

/* ------------------------------------------------------------------ queue */

rf_status lb_push(rf_loader *l, int kind, int64_t a, int64_t b, rf_error *err)
{
    if (l->qlen == l->qcap) { /* grow the ring, unrolled to start at 0 */
        size_t cap = l->qcap ? 2 * l->qcap : 64;
        lb_task *q = malloc(cap * sizeof *q);
        RF_CHECK(q, err, RF_ERR_NOMEM, "out of memory for the task queue");
        for (size_t i = 0; i < l->qlen; i++)
            q[i] = l->queue[(l->qhead + i) % l->qcap];
        free(l->queue);
        l->queue = q;
        l->qcap = cap;
        l->qhead = 0;
    }
    l->queue[(l->qhead + l->qlen++) % l->qcap] = (lb_task){kind, l->gen, a, b};
    pthread_cond_signal(&l->work);
    return RF_OK;
}

/* Records the first error of the epoch (or of the first pass) and wakes the consumer. */
static void fail(rf_loader *l, const rf_error *e)
{
    pthread_mutex_lock(&l->mu);
    if (!l->failed) {
        l->failed = 1;
        l->err = *e;
    }
    pthread_cond_broadcast(&l->done);
    pthread_mutex_unlock(&l->mu);
}

/* ------------------------------------------------------------------ first pass */

static int64_t label_value(const rf_column_data *d, int64_t i)
{
    const void *p = (const unsigned char *)d->values + (size_t)i * rf_dtype_size(d->dtype);
    switch (d->dtype) {
    case RF_BOOL: case RF_UINT8: return *(const uint8_t *)p;
    case RF_INT8: return *(const int8_t *)p;
    case RF_INT16: return *(const int16_t *)p;
    case RF_UINT16: return *(const uint16_t *)p;
    case RF_INT32: return *(const int32_t *)p;
    case RF_UINT32: return *(const uint32_t *)p;
    case RF_INT64: return *(const int64_t *)p;
    case RF_UINT64: return (int64_t)*(const uint64_t *)p;
    default: return -1;
    }
}

/* One cluster of the first pass: passing entries (bits, count) and labels. */
static rf_status prepass_cluster(lb_worker *w, size_t c, rf_error *err)
{
    rf_loader *l = w->l;
    size_t d = 0;
    while (l->ds_cluster[d + 1] <= c)
        d++;
    int64_t g0 = l->bounds[c], n = l->bounds[c + 1] - g0, a = g0 - l->ds_first[d];
    if (l->passbits) {
        RF_TRY(rf_grow((void **)&w->rows, &w->rows_cap, (size_t)n, RF_MAX_ALLOC, "filter mask", err));
        uint8_t *mask = (uint8_t *)w->rows;
        int64_t npass;
        RF_TRY(rf_dataset_select(w->readers[d], a, a + n, mask, &npass, err));
        for (int64_t i = 0; i < n; i++)
            if (mask[i])
                atomic_fetch_or_explicit(&l->passbits[(g0 + i) / 64], (uint64_t)1 << ((g0 + i) % 64),
                                         memory_order_relaxed);
        l->pass[c] = npass; /* each cluster's own slot */
    }
    if (l->raw_labels) {
        RF_TRY(rf_dataset_read(w->readers[d], (size_t)l->label_col[d], a, a + n, &w->scratch, err));
        for (int64_t i = 0; i < n; i++) {
            int64_t v = label_value(&w->scratch, i);
            int pass = !l->passbits || (atomic_load_explicit(&l->passbits[(g0 + i) / 64], memory_order_relaxed) >> ((g0 + i) % 64) & 1);
            RF_CHECK(!pass || (v >= 0 && v < l->opt.nclasses), err, RF_ERR_ARG, "%s: entry %lld: label "
                     "column '%s' holds %lld, outside the classes 0 .. %d",
                     rf_dataset_file_path(l->ds[d], 0), (long long)(a + i), l->opt.label_column,
                     (long long)v, l->opt.nclasses - 1);
            l->raw_labels[g0 + i] = (uint8_t)v;
        }
    }
    return RF_OK;
}

rf_status lb_prepass(rf_loader *l, rf_error *err)
{
    RF_CHECK(!l->raw_labels || (l->opt.nclasses >= 2 && l->opt.nclasses <= LP_MAX_CLASSES), err,
             RF_ERR_ARG, "a label column needs nclasses in [2, %d] (got %d)", LP_MAX_CLASSES,
             l->opt.nclasses);
    pthread_mutex_lock(&l->mu);
    l->prepass_left = (int64_t)l->nclusters;
    rf_status s = RF_OK;
    for (size_t c = 0; c < l->nclusters && s == RF_OK; c++)
        s = lb_push(l, LB_T_PREPASS, (int64_t)c, 0, err);
    while (s == RF_OK && l->prepass_left > 0 && !l->failed)
        s = lb_wait(l, err);
    if (s == RF_OK && l->failed) {
        s = l->err.code ? l->err.code : RF_ERR_IO;
        if (err)
            *err = l->err;
    }
    pthread_mutex_unlock(&l->mu);
    lb_epoch_end(l); /* drops the rest of a failed pass */
    return s;
}

/* ------------------------------------------------------------------ chunks */

/* The clusters that chunk k's sorted ranges fall in, with the ranges of each. */
static rf_status chunk_reads(rf_loader *l, lb_chunk *ch, rf_error *err)
{
    const lp_rows *r = &ch->b.rows;
    const int64_t *sel = lp_plan_sel_bounds(l->plan);
    size_t c = 0, d = 0;
    RF_TRY(rf_grow((void **)&ch->b.range_dest, &ch->b.range_cap, (r->nranges + 1) * sizeof *ch->b.range_dest,
                   RF_MAX_ALLOC, "chunk reads", err));
    for (size_t i = 0, at = 0; i < r->nranges; at += (size_t)r->ranges[i].n, i++) {
        ch->b.range_dest[i] = (int64_t)at;
        for (int64_t s = r->ranges[i].start; s < r->ranges[i].start + r->ranges[i].n;) {
            while (sel[c + 1] <= s) /* the cluster of selected entry s */
                c++;
            while (l->ds_cluster[d + 1] <= c)
                d++;
            if (ch->nreads && ch->b.reads[ch->nreads - 1].cluster == c) {
                ch->b.reads[ch->nreads - 1].r1 = i + 1;
            } else {
                RF_TRY(rf_grow((void **)&ch->b.reads, &ch->b.reads_cap, (ch->nreads + 1) * sizeof *ch->b.reads,
                               RF_MAX_ALLOC, "chunk reads", err));
                ch->b.reads[ch->nreads++] = (lb_read){.cluster = c, .d = d, .a = l->bounds[c] - l->ds_first[d],
                                                    .b = l->bounds[c + 1] - l->ds_first[d], .r0 = i, .r1 = i + 1};
            }
            s = sel[c + 1];
        }
    }
    return RF_OK;
}

/* Where a chunk's rows lie in one tensor: row d >= 0 of the chunk's rows is row d of its block,
 * or row d - own of its tail block; d <= -2 is row -2 - d of the head block (lb_chunk). */
typedef struct lb_dest {
    unsigned char *base, *tbase, *hbase;
    int64_t own;
    size_t rb;
} lb_dest;

static inline unsigned char *dest_row(const lb_dest *d, int64_t r)
{
    return r >= d->own ? d->tbase + (size_t)(r - d->own) * d->rb
           : r >= 0    ? d->base + (size_t)r * d->rb
                       : d->hbase + (size_t)(-2 - r) * d->rb;
}

static unsigned char *tensor_base(const lb_block *b, size_t t)
{
    return b ? b->mem + b->off[t] : NULL;
}

static lb_dest chunk_tensor(const rf_loader *l, const lb_chunk *ch, size_t t)
{
    return (lb_dest){tensor_base(ch->block, t), tensor_base(ch->tail, t), tensor_base(ch->head, t), ch->own,
                     (size_t)l->sh->t[t].width * l->sh->t[t].esize};
}

/* The row of the chunk's row r (lp_rows numbering; -1: not delivered) in lb_dest's terms. */
static int64_t chunk_dest(const lb_chunk *ch, int64_t r)
{
    return r < 0 ? -1 : r >= ch->nhead ? r - ch->nhead : -2 - (ch->head_at + r);
}

/* Row copies (entries on several rows: padding, over-sampling), then the chunk is ready. */
static void chunk_done(rf_loader *l, lb_chunk *ch)
{
    ch->copied = 0;
    for (size_t i = 0; i < ch->b.rows.ncopies; i++) {
        int64_t s = chunk_dest(ch, ch->b.rows.copies[2 * i]), d = chunk_dest(ch, ch->b.rows.copies[2 * i + 1]);
        for (size_t t = 0; t < l->sh->nt; t++) {
            lb_dest dt = chunk_tensor(l, ch, t);
            memcpy(dest_row(&dt, d), dest_row(&dt, s), dt.rb);
        }
        ch->copied += (int64_t)l->sh->row_bytes;
    }
    lb_block_release(ch->head); /* its rows are written: the earlier chunk holds it */
    ch->head = NULL;
    pthread_mutex_lock(&l->mu);
    lb_bufs_keep(l, &ch->b); /* its working buffers, for the next chunk */
    ch->state = LB_READY;
    pthread_cond_broadcast(&l->done);
    pthread_mutex_unlock(&l->mu);
}

/* The read's row map: the row of each local entry of [a, b) that passes the filters and that
 * the chunk holds (-1 for the others), trimmed to the span [lo, hi) of delivered entries. */
static void row_map(const rf_loader *l, lb_chunk *ch, lb_read *rd, int32_t *rows)
{
    const lp_piece *rg = ch->b.rows.ranges;
    int64_t s = lp_plan_sel_bounds(l->plan)[rd->cluster], g0 = l->ds_first[rd->d] + rd->a;
    size_t r = rd->r0;
    rd->lo = rd->b - rd->a;
    rd->hi = 0;
    rd->m = 0;
    if (!l->passbits) { /* entry x is selected entry s + x: the ranges' rows, range by range */
        int64_t n = rd->b - rd->a, x = 0;
        for (; r < rd->r1; r++) {
            int64_t x0 = rg[r].start > s ? rg[r].start - s : 0, x1 = rg[r].start + rg[r].n - s;
            x1 = x1 < n ? x1 : n;
            for (; x < x0; x++)
                rows[x] = -1;
            const int64_t *dest = ch->b.rows.dest + ch->b.range_dest[r] + (s + x0 - rg[r].start);
            int64_t m = 0;
            for (; x < x1; x++) {
                int32_t v = (int32_t)chunk_dest(ch, dest[x - x0]);
                rows[x] = v;
                m += v != -1;
            }
            rd->m += m;
        }
        for (; x < n; x++)
            rows[x] = -1;
        if (rd->m) { /* else lo = n, hi = 0 as below */
            for (rd->hi = n; rows[rd->hi - 1] == -1; rd->hi--)
                ;
            for (rd->lo = 0; rows[rd->lo] == -1; rd->lo++)
                ;
        }
        rd->rows = rows + (rd->m ? rd->lo : 0);
        return;
    }
    for (int64_t x = 0; x < rd->b - rd->a; x++) {
        rows[x] = -1;
        if (l->passbits && !(atomic_load_explicit(&l->passbits[(g0 + x) / 64], memory_order_relaxed) >> ((g0 + x) % 64) & 1))
            continue;
        while (r < rd->r1 && s >= rg[r].start + rg[r].n)
            r++;
        int64_t row = r < rd->r1 && s >= rg[r].start ? ch->b.rows.dest[ch->b.range_dest[r] + (s - rg[r].start)] : -1;
        s++;
        if ((rows[x] = (int32_t)chunk_dest(ch, row)) == -1)
            continue;
        rd->m++;
        rd->lo = x < rd->lo ? x : rd->lo;
        rd->hi = x + 1;
    }
    rd->rows = rows + (rd->m ? rd->lo : 0);
}

/* Where a READ task of read rd that starts at local entry x and aims at T entries ends: at
 * x + T moved up to the end of the basket/page there (of the column whose block ends last,
 * within x + 2T; at any distance with big pieces, loader.c: the whole piece), so that two
 * workers do not decode one block each. Where some column's
 * blocks are unknown (an RNTuple collection's items pages), a short remainder joins the task:
 * on its own it would decode the last page of such columns again for a few entries. */
static int64_t task_end(const rf_loader *l, const lb_read *rd, int64_t x, int64_t T)
{
    int64_t e = x + T;
    if (e >= rd->hi)
        return rd->hi;
    int64_t best = e, reach = l->big_pieces ? rd->hi : x + 2 * T;
    int unknown = 0;
    for (size_t c = 0; c < l->ncolrefs; c++) {
        const lb_col *col = &l->sh->t[l->colrefs[c].t].cols[l->colrefs[c].c];
        if (col->source != LB_DATA)
            continue;
        int64_t end = rf_dataset_block_end(l->ds[rd->d], (size_t)col->dscol[rd->d], rd->a + e - 1);
        unknown |= end < 0;
        if (end - rd->a > best && end - rd->a <= reach)
            best = end - rd->a;
    }
    return best < rd->hi && (!unknown || rd->hi - best > T / 2) ? best : rd->hi;
}

/* Builds chunk k's rows, its reads with their row maps and its READ tasks (slices of the
 * reads), and queues them if its matrices exist (else schedule does, epoch.c). */
static rf_status plan_chunk(lb_worker *w, size_t k, rf_error *err)
{
    rf_loader *l = w->l;
    lb_chunk *ch = &l->chunks[k];
    pthread_mutex_lock(&l->mu); /* a freed chunk's buffers, already grown */
    if (l->nspare > 0)
        ch->b = l->spare[--l->nspare];
    pthread_mutex_unlock(&l->mu);
    RF_CHECK(lp_epoch_chunk_rows(l->e, k) < INT32_MAX - 2 * l->opt.batch_size, err, RF_ERR_ARG,
             "chunk %zu has %lld rows, over 2^31", k, (long long)lp_epoch_chunk_rows(l->e, k));
    RF_TRY(lp_chunk_build(l->e, k, &ch->b.rows, err));
    RF_TRY(chunk_reads(l, ch, err));
    int64_t span = 0;
    size_t nslices = 0;
    for (size_t i = 0; i < ch->nreads; i++) {
        span += ch->b.reads[i].b - ch->b.reads[i].a;
        nslices += (size_t)((ch->b.reads[i].b - ch->b.reads[i].a) / LB_SLICE + 2);
    }
    RF_TRY(rf_grow((void **)&ch->b.maps, &ch->b.maps_cap, (size_t)(span + 1) * sizeof *ch->b.maps,
                   RF_MAX_ALLOC, "chunk row maps", err));
    RF_TRY(rf_grow((void **)&ch->b.slices, &ch->b.slices_cap, (nslices + 1) * sizeof *ch->b.slices,
                   RF_MAX_ALLOC, "chunk reads", err));
    ch->nslices = 0;
    for (size_t i = 0, at = 0; i < ch->nreads; at += (size_t)(ch->b.reads[i].b - ch->b.reads[i].a), i++) {
        lb_read *rd = &ch->b.reads[i];
        row_map(l, ch, rd, ch->b.maps + at);
        /* tasks of about LB_SLICE x 2^k entries, as large as leaves two per thread, ending
         * where baskets/pages end: a worker decodes the blocks of its task (one that a task
         * boundary cuts would be decoded on both sides) */
        int64_t T = LB_SLICE;
        while (2 * T <= LB_TASK_MAX && 2 * T * 2 * l->nthreads <= rd->hi - rd->lo)
            T *= 2;
        for (int64_t x = rd->lo, end; x < rd->hi; x = end) {
            end = task_end(l, rd, x, T);
            ch->b.slices[ch->nslices++] = (lb_slice){i, x, end};
        }
    }
    pthread_mutex_lock(&l->mu);
    ch->planned = 1;
    rf_status s = ch->state == LB_QUEUED ? lb_start_reads(l, k, err) : RF_OK;
    pthread_mutex_unlock(&l->mu);
    return s;
}

rf_status lb_start_reads(rf_loader *l, size_t k, rf_error *err)
{
    lb_chunk *ch = &l->chunks[k];
    ch->state = LB_READING;
    atomic_store(&ch->pending, (long)(ch->nslices ? ch->nslices : 1));
    if (ch->nslices == 0) /* nothing to read: a task that marks it ready */
        return lb_push(l, LB_T_READ, (int64_t)k, -1, err);
    rf_status s = RF_OK;
    for (size_t i = 0; i < ch->nslices && s == RF_OK; i++)
        s = lb_push(l, LB_T_READ, (int64_t)k, (int64_t)i, err);
    return s;
}

static void put_value(void *dst, rf_dtype t, int64_t v)
{
    switch (t) {
    case RF_BOOL: *(uint8_t *)dst = v != 0; break;
    case RF_INT8: case RF_UINT8: *(uint8_t *)dst = (uint8_t)v; break;
    case RF_INT16: case RF_UINT16: { uint16_t x = (uint16_t)v; memcpy(dst, &x, 2); break; }
    case RF_INT32: case RF_UINT32: { uint32_t x = (uint32_t)v; memcpy(dst, &x, 4); break; }
    case RF_FLOAT32: { float x = (float)v; memcpy(dst, &x, 4); break; }
    case RF_FLOAT64: { double x = (double)v; memcpy(dst, &x, 8); break; }
    default: memcpy(dst, &v, 8); break;
    }
}

/* Whether tensor x is staged row by row: its rows as they will be (each column written at its
 * place by the dataset's row writer), so that assembling copies whole rows. Tensors of
 * columns of one 4-byte value each take the transposing path instead (their columns staged
 * as decoded), masks are staged as rows already, and collections interleave their columns'
 * items. */
static int staged_rows(const lb_tensor *x)
{
    int one4 = x->esize == 4;
    for (size_t c = 0; c < x->ncols; c++)
        one4 &= x->cols[c].items == 1;
    return !x->is_mask && x->n_max == 0 && !one4;
}

/* A virtual column's values - entry numbers, dataset, file, entry in the file - for local
 * entries [x0, x1) of a read, `stride` bytes apart from out. */
static rf_status stage_virtual(rf_loader *l, const lb_read *rd, const lb_col *col, const lb_tensor *x,
                               int64_t x0, int64_t x1, unsigned char *out, size_t stride, rf_error *err)
{
    size_t file = 0;
    int64_t entry0 = 0;
    if (col->source == LB_FILE || col->source == LB_FILE_ENTRY) /* a cluster lies in one file */
        RF_TRY(rf_dataset_locate(l->ds[rd->d], rd->a + x0, &file, &entry0, err));
    for (int64_t i = 0; i < x1 - x0; i++) {
        int64_t e = rd->a + x0 + i,
                v = col->source == LB_ENTRY ? e : col->source == LB_DATASET ? (int64_t)rd->d
                  : col->source == LB_FILE ? (int64_t)file : entry0 + i;
        put_value(out + (size_t)i * stride, x->dtype, v);
    }
    return RF_OK;
}

#define LB_AHEAD 16 /* rows prefetched ahead of the writes */

#ifdef __SSE2__
/* The 4-byte path four rows at a time: 4 x 4 blocks of values (four columns of four entries)
 * loaded as four vectors, transposed in registers and stored as four rows' pieces: a quarter
 * of the loads and stores of value-by-value copies. Returns the rows done (a multiple of 4). */
static int64_t assemble4x4(const lb_dest *dt, const unsigned char *const *src, size_t nc, const int32_t *rows,
                           int64_t n)
{
    int64_t g = 0;
    for (; g + 4 <= n; g += 4) {
        unsigned char *r[4];
        for (int i = 0; i < 4; i++) {
            r[i] = rows[g + i] != -1 ? dest_row(dt, rows[g + i]) : NULL;
            if (g + LB_AHEAD + i < n && rows[g + LB_AHEAD + i] != -1) { /* lines on the way */
                unsigned char *p = dest_row(dt, rows[g + LB_AHEAD + i]);
                __builtin_prefetch(p, 1);
                __builtin_prefetch(p + 4 * nc - 1, 1);
            }
        }
        size_t c = 0;
        for (; c + 4 <= nc; c += 4) {
            __m128 v0 = _mm_loadu_ps((const float *)(const void *)(src[c] + 4 * (size_t)g));
            __m128 v1 = _mm_loadu_ps((const float *)(const void *)(src[c + 1] + 4 * (size_t)g));
            __m128 v2 = _mm_loadu_ps((const float *)(const void *)(src[c + 2] + 4 * (size_t)g));
            __m128 v3 = _mm_loadu_ps((const float *)(const void *)(src[c + 3] + 4 * (size_t)g));
            _MM_TRANSPOSE4_PS(v0, v1, v2, v3);
            if (r[0])
                _mm_storeu_ps((float *)(void *)(r[0] + 4 * c), v0);
            if (r[1])
                _mm_storeu_ps((float *)(void *)(r[1] + 4 * c), v1);
            if (r[2])
                _mm_storeu_ps((float *)(void *)(r[2] + 4 * c), v2);
            if (r[3])
                _mm_storeu_ps((float *)(void *)(r[3] + 4 * c), v3);
        }
        for (; c < nc; c++)
            for (int i = 0; i < 4; i++)
                if (r[i])
                    memcpy(r[i] + 4 * c, src[c] + 4 * (size_t)(g + i), 4);
    }
    return g;
}
#endif

/* Writes the slice's staged entries to their rows: one row at a time, so each row is written
 * once and whole (with the native plan each batch's rows in order: one sequential stream per
 * batch). Tensors staged as rows (and masks) copy whole rows; tensors of 4-byte columns -
 * ROOT's float32 layout - transpose their columns, a load and a store per value; collections
 * interleave their columns' items. */
static void assemble(rf_loader *l, const lb_worker *w, lb_chunk *ch, const int32_t *rows, int64_t n)
{
    for (size_t t = 0; t < l->sh->nt; t++) {
        const lb_tensor *x = &l->sh->t[t];
        size_t rb = (size_t)x->width * x->esize, k0 = l->tbase[t], nc = x->ncols;
        lb_dest dt = chunk_tensor(l, ch, t);
        const unsigned char *const *src = w->src + k0, *m = w->stage + l->soff[l->ncolrefs + t];
        if (x->is_mask || x->staged) {
            for (int64_t g = 0; g < n; g++)
                if (rows[g] != -1)
                    memcpy(dest_row(&dt, rows[g]), m + (size_t)g * rb, rb);
        } else if (x->n_max == 0) { /* each column one 4-byte value */
            int64_t g0 = 0;
#ifdef __SSE2__
            g0 = assemble4x4(&dt, src, nc, rows, n);
#endif
            for (int64_t g = g0, ahead = 0; g < n; g++) {
                if (rows[g] == -1)
                    continue;
                unsigned char *row = dest_row(&dt, rows[g]);
                for (ahead = ahead > g ? ahead : g + 1; ahead < n && ahead <= g + LB_AHEAD; ahead++)
                    if (rows[ahead] != -1) { /* rows of other batches: their lines on the way */
                        unsigned char *p = dest_row(&dt, rows[ahead]);
                        __builtin_prefetch(p, 1);
                        __builtin_prefetch(p + rb - 1, 1);
                    }
                for (size_t c = 0; c < nc; c++)
                    memcpy(row + 4 * c, src[c] + 4 * (size_t)g, 4);
            }
        } else { /* a collection */
            for (int64_t g = 0; g < n; g++) {
                if (rows[g] == -1)
                    continue;
                unsigned char *row = dest_row(&dt, rows[g]);
                for (size_t c = 0; c < nc; c++) {
                    const unsigned char *v = src[c] + (size_t)g * l->colrefs[k0 + c].bytes;
                    for (int64_t i = 0; i < x->n_max; i++)
                        memcpy(row + ((size_t)i * nc + c) * x->esize, v + (size_t)i * x->esize, x->esize);
                }
            }
        }
    }
}

/* Entries [x0, x1) of a read (at most LB_SLICE): each output column decoded, converted and cut
 * or padded into the worker's stage (column by column; it stays in cache), then the staged
 * entries written to their rows. */
static rf_status stage_and_assemble(lb_worker *w, lb_chunk *ch, const lb_read *rd, int64_t x0, int64_t x1,
                                    rf_error *err)
{
    rf_loader *l = w->l;
    for (size_t c = 0; c < l->ncolrefs; c++) {
        const lb_tensor *x = &l->sh->t[l->colrefs[c].t];
        const lb_col *col = &x->cols[l->colrefs[c].c];
        int rows = x->staged;
        /* where the column goes in the stage: at its place in the staged rows, or its own run */
        unsigned char *base = rows ? w->stage + l->soff[l->ncolrefs + l->colrefs[c].t] + (size_t)col->offset * x->esize
                                   : w->stage + l->soff[c];
        size_t stride = rows ? (size_t)x->width * x->esize : l->colrefs[c].bytes;
        w->src[c] = base;
        if (col->source != LB_DATA) {
            RF_TRY(stage_virtual(l, rd, col, x, x0, x1, base, stride, err));
            continue;
        }
        const rf_column_info *info = rf_dataset_column(l->ds[rd->d], (size_t)col->dscol[rd->d]);
        if (!rows && info->nlevels == 0 && info->ndims == 0 && info->dtype == x->dtype && x->n_max == 0) {
            /* one value per entry in the tensor's dtype: the decoded values themselves */
            RF_TRY(rf_dataset_read(w->readers[rd->d], (size_t)col->dscol[rd->d], rd->a + x0, rd->a + x1,
                                   &w->direct[c], err));
            w->src[c] = w->direct[c].values;
            continue;
        }
        rf_rows_dest dst;
        rf_rows_dest_init(&dst);
        dst.base = base;
        dst.dtype = x->dtype;
        dst.row_stride = stride;
        dst.max_items = col->items;
        dst.padding = l->opt.vec_padding;
        if (x->n_max > 0 && l->colrefs[c].c == 0) {
            dst.mask = w->stage + l->soff[l->ncolrefs + (size_t)x->mask];
            dst.mask_row_stride = (size_t)x->n_max;
        }
        RF_TRY(rf_dataset_read_rows(w->readers[rd->d], (size_t)col->dscol[rd->d], rd->a + x0, rd->a + x1,
                                    w->iota, &dst, err));
    }
    assemble(l, w, ch, rd->rows + (x0 - rd->lo), x1 - x0);
    return RF_OK;
}

/* READ task: slice i of chunk k, LB_SLICE entries at a time. */
static rf_status read_slice(lb_worker *w, size_t k, size_t i, rf_error *err)
{
    rf_loader *l = w->l;
    lb_chunk *ch = &l->chunks[k];
    const lb_slice *sl = &ch->b.slices[i];
    const lb_read *rd = &ch->b.reads[sl->read];
    for (int64_t x0 = sl->x0, x1; x0 < sl->x1; x0 = x1) {
        x1 = x0 + LB_SLICE < sl->x1 ? x0 + LB_SLICE : sl->x1;
        RF_TRY(stage_and_assemble(w, ch, rd, x0, x1, err));
    }
    int64_t n = sl->x1 - sl->x0;
    /* estimated bytes: the columns' totals in proportion to the entries decoded */
    int64_t bytes_read = 0, bytes_dec = 0, entries = rf_dataset_entries(l->ds[rd->d]);
    double frac = (double)n / (double)(entries ? entries : 1);
    for (size_t c = 0; c < l->ncolrefs; c++) {
        const lb_col *col = &l->sh->t[l->colrefs[c].t].cols[l->colrefs[c].c];
        if (col->source != LB_DATA)
            continue;
        const rf_column_info *info = rf_dataset_column(l->ds[rd->d], (size_t)col->dscol[rd->d]);
        bytes_read += (int64_t)((double)info->compressed_bytes * frac);
        bytes_dec += (int64_t)((double)info->uncompressed_bytes * frac);
    }
    pthread_mutex_lock(&l->mu);
    l->st.bytes_read += bytes_read;
    l->st.bytes_decompressed += bytes_dec;
    pthread_mutex_unlock(&l->mu);
    return RF_OK;
}

/* ------------------------------------------------------------------ workers */

static void run_task(lb_worker *w, const lb_task *t)
{
    rf_loader *l = w->l;
    rf_error err = {0};
    rf_status s = RF_OK;
    double t0 = lb_now();
    if (t->kind == LB_T_PREPASS) {
        s = prepass_cluster(w, (size_t)t->a, &err);
    } else if (t->kind == LB_T_PLAN) {
        s = plan_chunk(w, (size_t)t->a, &err);
    } else {
        lb_chunk *ch = &l->chunks[t->a];
        s = t->b < 0 ? RF_OK : read_slice(w, (size_t)t->a, (size_t)t->b, &err);
        if (s == RF_OK && atomic_fetch_sub(&ch->pending, 1) == 1)
            chunk_done(l, ch);
    }
    if (s != RF_OK) {
        if (t->kind != LB_T_PREPASS) {
            rf_wrap(&err, s, "chunk %lld of the %s epoch %lld: ", (long long)t->a,
                    l->part ? "validation" : "training", (long long)l->epoch);
            pthread_mutex_lock(&l->mu);
            l->chunks[t->a].state = LB_FAILED;
            pthread_mutex_unlock(&l->mu);
        }
        fail(l, &err);
    }
    double dt = lb_now() - t0;
    pthread_mutex_lock(&l->mu);
    if (t->kind == LB_T_READ)
        l->st.decode_seconds += dt;
    else if (t->kind == LB_T_PREPASS)
        l->st.filter_seconds += dt;
    else
        l->st.transpose_seconds += dt; /* the row maps (PLAN) */
    if (t->kind == LB_T_PREPASS && --l->prepass_left == 0)
        pthread_cond_broadcast(&l->done);
    pthread_mutex_unlock(&l->mu);
}

static void *worker_main(void *arg)
{
    lb_worker *w = arg;
    rf_loader *l = w->l;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        while (!l->quit && l->qlen == 0)
            pthread_cond_wait(&l->work, &l->mu);
        if (l->quit)
            break;
        lb_task t = l->queue[l->qhead];
        l->qhead = (l->qhead + 1) % l->qcap;
        l->qlen--;
        if (t.gen != l->gen || l->failed)
            continue; /* a stopped epoch's task, or the epoch failed */
        l->running++;
        pthread_mutex_unlock(&l->mu);
        run_task(w, &t);
        pthread_mutex_lock(&l->mu);
        if (--l->running == 0 && l->ending) /* a stop waits for this; chunks and failures signal themselves */
            pthread_cond_broadcast(&l->done);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

rf_status lb_pool_start(rf_loader *l, rf_error *err)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    l->nthreads = l->opt.num_threads > 0 ? l->opt.num_threads : (int)(cores > 0 ? cores : 1);
    RF_CHECK(pthread_mutex_init(&l->mu, NULL) == 0, err, RF_ERR_NOMEM, "pthread_mutex_init failed");
    pthread_cond_init(&l->work, NULL);
    pthread_cond_init(&l->done, NULL);
    l->workers = calloc((size_t)l->nthreads, sizeof *l->workers);
    RF_CHECK(l->workers, err, RF_ERR_NOMEM, "out of memory for %d workers", l->nthreads);
    /* a slice's stage: each output column's values, then the masks and the rows of the tensors
     * staged as rows (staged_rows), 64-byte aligned */
    l->soff = calloc(l->ncolrefs + l->sh->nt + 1, sizeof *l->soff);
    RF_CHECK(l->soff, err, RF_ERR_NOMEM, "out of memory");
    size_t at = 0;
    for (size_t t = 0; t < l->sh->nt; t++)
        l->sh->t[t].staged = staged_rows(&l->sh->t[t]);
    for (size_t k = 0; k < l->ncolrefs; k++) { /* (the columns of staged tensors have none) */
        l->soff[k] = at;
        at += l->sh->t[l->colrefs[k].t].staged ? 0 : (LB_SLICE * l->colrefs[k].bytes + 63) & ~(size_t)63;
    }
    for (size_t t = 0; t < l->sh->nt; t++) {
        const lb_tensor *x = &l->sh->t[t];
        l->soff[l->ncolrefs + t] = at;
        size_t rb = x->is_mask ? (size_t)x->n_max : x->staged ? (size_t)x->width * x->esize : 0;
        at += (LB_SLICE * rb + 63) & ~(size_t)63;
    }
    for (int i = 0; i < l->nthreads; i++) {
        lb_worker *w = &l->workers[i];
        w->l = l;
        w->id = i;
        rf_column_data_init(&w->scratch);
        w->stage = aligned_alloc(64, at ? at : 64);
        w->iota = malloc(LB_SLICE * sizeof *w->iota);
        w->direct = calloc(l->ncolrefs + 1, sizeof *w->direct);
        w->src = calloc(l->ncolrefs + 1, sizeof *w->src);
        RF_CHECK(w->stage && w->iota && w->direct && w->src, err, RF_ERR_NOMEM,
                 "out of memory for a worker's stage (%zu bytes)", at);
        for (int64_t x = 0; x < LB_SLICE; x++)
            w->iota[x] = x;
        w->readers = calloc(l->nds, sizeof *w->readers);
        RF_CHECK(w->readers, err, RF_ERR_NOMEM, "out of memory");
        for (size_t d = 0; d < l->nds; d++)
            RF_TRY(rf_dataset_reader_new(l->ds[d], &w->readers[d], err));
    }
    for (int i = 0; i < l->nthreads; i++)
        RF_CHECK(pthread_create(&l->workers[i].thread, NULL, worker_main, &l->workers[i]) == 0 ||
                 (l->nthreads = i, 0), err, RF_ERR_NOMEM, "cannot start worker thread %d", i);
    return RF_OK;
}

void lb_pool_stop(rf_loader *l)
{
    if (!l->workers)
        return;
    rf_loader_stop(l);
    pthread_mutex_lock(&l->mu);
    l->quit = 1;
    pthread_cond_broadcast(&l->work);
    pthread_mutex_unlock(&l->mu);
    for (int i = 0; i < l->nthreads; i++)
        if (l->workers[i].thread)
            pthread_join(l->workers[i].thread, NULL);
    for (int i = 0; i < l->nthreads; i++) {
        lb_worker *w = &l->workers[i];
        for (size_t d = 0; w->readers && d < l->nds; d++)
            rf_dataset_reader_free(w->readers[d]);
        free(w->readers);
        free(w->rows);
        free(w->stage);
        free(w->iota);
        for (size_t c = 0; w->direct && c < l->ncolrefs; c++)
            rf_column_data_free(&w->direct[c]);
        free(w->direct);
        free(w->src);
        rf_column_data_free(&w->scratch);
    }
    free(l->workers);
    l->workers = NULL;
    free(l->soff);
    l->soff = NULL;
    lb_spares_free(l);
    free(l->queue);
    pthread_cond_destroy(&l->work);
    pthread_cond_destroy(&l->done);
    pthread_mutex_destroy(&l->mu);
}

