/* epoch.c - epochs and the consumer of the loader (rf_loader_start / next / stop).
 *
 * The consumer keeps chunks queued lb_ahead() ahead of the one it delivers, enters chunks
 * in order - copying the rows of batches that span chunks into those batches' own blocks -
 * and hands out batches: a slice of a chunk's block (no copy) or an assembled block. A chunk
 * is dropped by the loader once its batches are handed out (before the next chunk is queued,
 * so at most the delivered chunk and the prefetched ones are alive); its memory goes when the
 * last batch viewing it is released. Nothing waits without a way out: the consumer wakes on
 * ready, failed or stopped, and an error of any worker is returned by the next call. */
#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "loader.h"

void lb_bufs_free(lb_bufs *b)
{
    lp_rows_free(&b->rows);
    free(b->range_dest);
    free(b->reads);
    free(b->maps);
    free(b->slices);
    memset(b, 0, sizeof *b);
}

/* Keeps a chunk's working buffers as a spare for the next chunk (l->mu held), or frees them;
 * b is left empty. Buffers already handed back (b empty) take no spare's place. */
void lb_bufs_keep(rf_loader *l, lb_bufs *b)
{
    if (l->nspare < LB_SPARE && b->rows.dest)
        l->spare[l->nspare++] = *b;
    else
        lb_bufs_free(b);
    memset(b, 0, sizeof *b);
}

/* Drops the loader's hold on a chunk; its working buffers (if it was not read to the end) go
 * to the spares for the next. */
static void chunk_free(rf_loader *l, lb_chunk *ch)
{
    lb_block_release(ch->block);
    lb_block_release(ch->tail);
    lb_block_release(ch->head);
    pthread_mutex_lock(&l->mu);
    lb_bufs_keep(l, &ch->b);
    pthread_mutex_unlock(&l->mu);
    memset(ch, 0, sizeof *ch);
}

/* Frees the spare buffers (the loader is going). */
void lb_spares_free(rf_loader *l)
{
    while (l->nspare > 0)
        lb_bufs_free(&l->spare[--l->nspare]);
}

/* Chunks read ahead of the one being delivered: prefetch_chunks; with big pieces, whose tasks
 * each read a whole piece (a chunk's few tasks keep few workers busy), at least one per
 * worker. */
size_t lb_ahead(const rf_loader *l)
{
    size_t p = (size_t)l->opt.prefetch_chunks, t = (size_t)l->nthreads;
    return l->big_pieces && t > p ? t : p;
}

/* Invalidates the epoch's queued tasks and waits for the running ones. */
void lb_epoch_end(rf_loader *l)
{
    pthread_mutex_lock(&l->mu);
    l->gen++;
    l->qlen = 0;
    l->ending++;
    while (l->running > 0)
        pthread_cond_wait(&l->done, &l->mu);
    l->ending--;
    l->failed = 0;
    pthread_mutex_unlock(&l->mu);
}

void rf_loader_stop(rf_loader *l)
{
    if (!l || !l->workers)
        return;
    lb_epoch_end(l);
    for (size_t k = 0; k < l->nchunks; k++)
        chunk_free(l, &l->chunks[k]);
    free(l->chunks);
    l->chunks = NULL;
    l->nchunks = 0;
    for (size_t i = 0; i < l->nasm; i++)
        lb_block_release(l->assembly[i].block);
    free(l->assembly);
    l->assembly = NULL;
    l->nasm = 0;
    lp_epoch_free(l->e);
    l->e = NULL;
}

rf_status rf_loader_start(rf_loader *l, rf_part part, int64_t epoch, int64_t first_batch, rf_error *err)
{
    RF_CHECK(l, err, RF_ERR_ARG, "rf_loader_start: NULL loader");
    rf_loader_stop(l);
    RF_TRY(lp_epoch_create(l->plan, part, epoch, &l->e, err));
    const lp_epoch_info *in = lp_epoch_get_info(l->e);
    RF_CHECK(first_batch >= 0 && first_batch <= in->nbatches, err, RF_ERR_ARG,
             "batch %lld is not in epoch %lld (%lld batches)", (long long)first_batch,
             (long long)epoch, (long long)in->nbatches);
    l->nchunks = lp_epoch_nchunks(l->e);
    l->chunks = calloc(l->nchunks + 1, sizeof *l->chunks);
    RF_CHECK(l->chunks, err, RF_ERR_NOMEM, "out of memory");
    l->part = part;
    l->epoch = epoch;
    l->next = first_batch;
    l->entered = l->scheduled = l->first_alive = lp_epoch_first_chunk(l->e, first_batch);
    l->st.read_amplification = in->read_amplification;
    l->st.shuffle_quality = in->shuffle_quality;
    l->st.rows_dropped += in->dropped;
    l->st.rows_repeated += in->repeated;
    /* two chunks being delivered (a batch spans them) and the prefetched ones; stream: each
     * block up to a batch longer than its chunk; leftover: three batches being assembled (two
     * of leftovers, the remainder). Each tensor 64-byte aligned. */
    size_t ahead = lb_ahead(l), B = (size_t)l->opt.batch_size;
    size_t rows = (2 + ahead) * (size_t)in->max_chunk_rows + (lp_epoch_stream(l->e) ? 2 + ahead : 3) * B;
    l->st.buffer_bound_bytes = (int64_t)(rows * l->sh->row_bytes + (5 + ahead) * 64 * l->sh->nt);
    l->sh->block_bytes = ((size_t)in->max_chunk_rows + B) * l->sh->row_bytes + 64 * l->sh->nt;
    atomic_store(&l->sh->bytes_peak, atomic_load(&l->sh->bytes_alive)); /* this epoch's peak */
    for (size_t c = 0; c < l->nclusters; c++)
        if (l->bounds[c + 1] - l->bounds[c] > l->st.largest_cluster)
            l->st.largest_cluster = l->bounds[c + 1] - l->bounds[c];
    l->t_start = lb_now();
    return RF_OK;
}

/* First row of the stream's batches that start at or after row r (the stream's end at most). */
static int64_t batch_start(const rf_loader *l, int64_t r)
{
    int64_t B = l->opt.batch_size, T = lp_epoch_row0(l->e, l->nchunks), a = (r + B - 1) / B * B;
    return a < T ? a : T;
}

/* Chunk k's layout (a function of the epoch), lb_chunk: with stream batching, its first
 * nhead rows go to the tail of the chunk where their batch starts (head_chunk), from row
 * head_at; its block holds the whole batches that start in it, its tail the one that starts
 * in it and ends in a later chunk. */
static void chunk_layout(rf_loader *l, size_t k)
{
    lb_chunk *ch = &l->chunks[k];
    ch->own = lp_epoch_chunk_rows(l->e, k);
    ch->head_chunk = k;
    if (!lp_epoch_stream(l->e))
        return;
    int64_t B = l->opt.batch_size, r0 = lp_epoch_row0(l->e, k), e = r0 + ch->own, a0 = batch_start(l, r0),
            bs = batch_start(l, e), last = e / B * B;
    ch->nhead = (a0 < e ? a0 : e) - r0;
    if (bs > e && last >= a0) { /* the last batch that starts here ends in a later chunk */
        ch->own = last - a0;
        ch->ntail = bs - last;
    } else {
        ch->own = bs > a0 ? bs - a0 : 0;
    }
    if (ch->nhead > 0) { /* the chunk where the batch that row r0 is in starts */
        size_t s = k - 1;
        while (s > 0 && lp_epoch_row0(l->e, s) > r0 / B * B)
            s--;
        ch->head_at = r0 % B;
        ch->head_chunk = s;
    }
}

/* Chunk k's matrices, made when it is scheduled (in order: the tail of an earlier chunk that
 * its first rows go to exists), and a reference to that head block. */
static rf_status chunk_blocks(rf_loader *l, size_t k, rf_error *err)
{
    lb_chunk *ch = &l->chunks[k];
    if (ch->nhead > 0) {
        if ((ch->head = l->chunks[ch->head_chunk].tail))
            atomic_fetch_add(&ch->head->refs, 1);
        else if (!(ch->head = lb_block_new(l->sh, ch->head_at + ch->nhead, err))) /* a resumed */
            return RF_ERR_NOMEM; /* run's delivered batch: rows kept for the row copies only */
    }
    if (ch->ntail > 0 && !(ch->tail = lb_block_new(l->sh, ch->ntail, err)))
        return RF_ERR_NOMEM;
    ch->block = lb_block_new(l->sh, ch->own, err);
    return ch->block ? RF_OK : RF_ERR_NOMEM;
}

/* Queues chunk k's PLAN unless it is queued. Under the lock. */
static rf_status plan(rf_loader *l, size_t k, rf_error *err)
{
    if (k >= l->nchunks || l->chunks[k].plan_queued)
        return RF_OK;
    chunk_layout(l, k);
    l->chunks[k].plan_queued = 1;
    return lb_push(l, LB_T_PLAN, (int64_t)k, 0, err);
}

/* Schedules chunks up to `upto` (exclusive): their matrices made, their reads queued once
 * planned; and the next chunk's PLAN queued ahead, so that it runs while this one is read
 * and its reads can start as soon as its matrices exist. Under the lock. */
static rf_status schedule(rf_loader *l, size_t upto, rf_error *err)
{
    upto = upto < l->nchunks ? upto : l->nchunks;
    for (; l->scheduled < upto; l->scheduled++) {
        lb_chunk *ch = &l->chunks[l->scheduled];
        RF_TRY(plan(l, l->scheduled, err));
        RF_TRY(chunk_blocks(l, l->scheduled, err));
        ch->state = LB_QUEUED;
        if (ch->planned)
            RF_TRY(lb_start_reads(l, l->scheduled, err));
    }
    return plan(l, l->scheduled, err);
}

/* The assembly of batch j: a block made on first use, kept in a short list (a batch spanning
 * chunks is open from its first chunk to its last; a few at a time). */
static lb_block **assembly_find(rf_loader *l, int64_t j)
{
    for (size_t i = 0; i < l->nasm; i++)
        if (l->assembly[i].block && l->assembly[i].batch == j)
            return &l->assembly[i].block;
    return NULL;
}

static lb_block **assembly_slot(rf_loader *l, int64_t j, rf_error *err)
{
    lb_block **found = assembly_find(l, j);
    if (found)
        return found;
    size_t free_i = l->nasm;
    for (size_t i = 0; i < l->nasm; i++)
        if (!l->assembly[i].block)
            free_i = i;
    if (free_i == l->nasm) {
        lb_asm *a = realloc(l->assembly, (l->nasm + 1) * sizeof *a);
        if (!a) {
            rf_fail(err, RF_ERR_NOMEM, "out of memory");
            return NULL;
        }
        l->assembly = a;
        l->nasm++;
    }
    l->assembly[free_i] = (lb_asm){j, NULL};
    return &l->assembly[free_i].block;
}

/* Batch rows: batch_size, or what the epoch's last batch holds. */
static int64_t batch_rows(const rf_loader *l, int64_t j)
{
    const lp_epoch_info *in = lp_epoch_get_info(l->e);
    return j == in->nbatches - 1 && in->last_batch_rows && !l->opt.drop_remainder ? in->last_batch_rows
                                                                                : l->opt.batch_size;
}

/* Copies rows [row, row + n) of chunk k to row `at` of batch j's assembly. */
static rf_status copy_share(rf_loader *l, int64_t j, int64_t at, size_t k, int64_t row, int64_t n, rf_error *err)
{
    lb_block **slot = assembly_slot(l, j, err);
    if (!slot)
        return RF_ERR_NOMEM;
    if (!*slot && !(*slot = lb_block_new(l->sh, batch_rows(l, j), err)))
        return RF_ERR_NOMEM;
    lb_copy_rows(*slot, at, l->chunks[k].block, row, n);
    l->st.bytes_copied += n * (int64_t)l->sh->row_bytes;
    return RF_OK;
}

/* Copies chunk k's rows of ROOT's leftover batches into those batches' blocks (the stream's
 * chunks write theirs in place). */
static rf_status enter_chunk(rf_loader *l, size_t k, rf_error *err)
{
    l->st.bytes_copied += l->chunks[k].copied; /* its repeated rows */
    if (lp_epoch_stream(l->e)) /* the chunks wrote them in place */
        return RF_OK;
    size_t n = lp_epoch_chunk_shares(l->e, k, l->shares, l->shares_cap);
    if (n > l->shares_cap) {
        free(l->shares);
        l->shares_cap = n;
        l->shares = malloc(n * sizeof *l->shares);
        RF_CHECK(l->shares, err, RF_ERR_NOMEM, "out of memory");
        lp_epoch_chunk_shares(l->e, k, l->shares, n);
    }
    for (size_t i = 0; i < n; i++) {
        const lp_share *s = &l->shares[i];
        if (s->batch >= l->next) /* else a resumed run's earlier batch */
            RF_TRY(copy_share(l, s->batch, s->at, k, s->row, s->n, err));
    }
    /* the remainder in this chunk's tail alone: copied too, as the chunk may go first */
    lp_bpiece q;
    int64_t last = lp_epoch_nbatches(l->e) - 1;
    if (last >= l->next && lp_epoch_batch(l->e, last, &q, 1) == 1 && (size_t)q.chunk == k &&
        q.row >= lp_epoch_chunk_rows(l->e, k) / l->opt.batch_size * l->opt.batch_size)
        RF_TRY(copy_share(l, last, 0, k, q.row, q.n, err));
    return RF_OK;
}

/* Waits until chunk k is ready (or the epoch failed). Under the lock. */
static rf_status wait_chunk(rf_loader *l, size_t k, rf_error *err)
{
    double t0 = lb_now();
    rf_status s = RF_OK;
    while (s == RF_OK && l->chunks[k].state != LB_READY && !l->failed)
        s = lb_wait(l, err);
    l->st.wait_seconds += lb_now() - t0;
    if (s != RF_OK)
        return s;
    if (l->failed) {
        if (err)
            *err = l->err;
        return l->err.code ? l->err.code : RF_ERR_IO;
    }
    return RF_OK;
}

/* Enters chunks up to kmax: each one scheduled and waited for, its shared rows copied. */
static rf_status enter_upto(rf_loader *l, size_t kmax, rf_error *err)
{
    while (l->entered <= kmax) {
        size_t k = l->entered;
        pthread_mutex_lock(&l->mu);
        rf_status s = schedule(l, k + 1, err);
        if (s == RF_OK)
            s = wait_chunk(l, k, err);
        pthread_mutex_unlock(&l->mu);
        RF_TRY(s);
        RF_TRY(enter_chunk(l, k, err));
        l->entered++;
    }
    return RF_OK;
}

/* Drops the loader's chunks that no batch from j on needs: the stream's batch j lies in the
 * block of its first chunk; ROOT's leftover batches (of several chunks, or the remainder in one
 * chunk's tail, which a later batch of ROOT 6.38's order may follow) were copied when their
 * chunks entered. */
static void release_before(rf_loader *l, int64_t j)
{
    size_t need = l->entered;
    lp_bpiece p;
    size_t np = j < lp_epoch_nbatches(l->e) ? lp_epoch_batch(l->e, j, &p, 1) : 0;
    if (np == 1 || (np > 1 && lp_epoch_stream(l->e)))
        need = (size_t)p.chunk < need ? (size_t)p.chunk : need;
    for (; l->first_alive < need; l->first_alive++)
        chunk_free(l, &l->chunks[l->first_alive]);
}

rf_status rf_loader_next(rf_loader *l, rf_batch **out, rf_error *err)
{
    RF_CHECK(l && out, err, RF_ERR_ARG, "rf_loader_next: NULL argument");
    *out = NULL;
    RF_CHECK(l->e, err, RF_ERR_ARG, "rf_loader_next: no epoch started (rf_loader_start)");
    pthread_mutex_lock(&l->mu);
    int failed = l->failed;
    if (failed && err)
        *err = l->err;
    pthread_mutex_unlock(&l->mu);
    if (failed)
        return l->err.code ? l->err.code : RF_ERR_IO;
    int64_t j = l->next;
    if (j >= lp_epoch_nbatches(l->e)) {
        l->st.wall_seconds += l->t_start > 0 ? lb_now() - l->t_start : 0;
        l->t_start = 0;
        return RF_OK;
    }
    lp_bpiece pc[2];
    size_t np = lp_epoch_batch(l->e, j, pc, 2), kmax = 0;
    if (np > 2) { /* pieces from many chunks: the last one decides */
        lp_bpiece *all = malloc(np * sizeof *all);
        RF_CHECK(all, err, RF_ERR_NOMEM, "out of memory");
        lp_epoch_batch(l->e, j, all, np);
        kmax = (size_t)all[np - 1].chunk;
        free(all);
    } else {
        for (size_t i = 0; i < np; i++)
            kmax = (size_t)pc[i].chunk > kmax ? (size_t)pc[i].chunk : kmax;
    }
    release_before(l, j); /* before the next chunk is scheduled: two chunks at most */
    size_t cur = np ? (size_t)pc[0].chunk : kmax; /* the chunk being delivered */
    lb_chunk *first = np ? &l->chunks[cur] : NULL;
    int in_tail = np && lp_epoch_stream(l->e) && l->entered > cur && pc[0].row - first->nhead >= first->own;
    if (in_tail) { /* its block's batches are delivered: it goes before the next chunk comes */
        lb_block_release(first->block);
        first->block = NULL;
        cur++;
    }
    /* the prefetch: lb_ahead chunks ahead of the chunk being delivered (not of one entered for
     * the tail of a batch that spans two: its block would be a third alive) */
    pthread_mutex_lock(&l->mu);
    rf_status s = schedule(l, cur + 1 + lb_ahead(l), err);
    pthread_mutex_unlock(&l->mu);
    RF_TRY(s);
    RF_TRY(enter_upto(l, kmax, err));
    rf_batch *b;
    lb_block **slot = lp_epoch_stream(l->e) ? NULL : assembly_find(l, j);
    if (!slot) { /* in the block of the chunk where it starts */
        const lb_chunk *ch = &l->chunks[pc[0].chunk];
        RF_CHECK((ch->block || ch->tail) && (np == 1 || lp_epoch_stream(l->e)), err, RF_ERR_ARG,
                 "batch %lld was not assembled", (long long)j);
        int64_t row = pc[0].row - ch->nhead, n = np == 1 ? pc[0].n : batch_rows(l, j);
        b = row >= ch->own ? lb_batch_new(ch->tail, row - ch->own, n, j, err) : lb_batch_new(ch->block, row, n, j, err);
    } else {
        b = lb_batch_new(*slot, 0, (*slot)->rows, j, err);
        lb_block_release(*slot);
        *slot = NULL;
    }
    if (!b)
        return RF_ERR_NOMEM;
    l->next = j + 1;
    l->st.entries_delivered += b->rows;
    l->st.bytes_delivered += b->rows * (int64_t)l->sh->row_bytes;
    release_before(l, j + 1);
    *out = b;
    return RF_OK;
}
