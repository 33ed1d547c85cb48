/* batch.c - the memory batches are made of: reference-counted blocks holding every output
 * tensor's matrix for some rows, batches viewing rows of a block, and the public rf_batch
 * functions. A block counts its bytes in the shared counters (alive, peak) and keeps the
 * shared layout alive, so batches outlive their loader. Any thread may retain and release. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../common/error.h"
#include "loader.h"

void *lb_buffer_get(lb_shared *sh, size_t bytes, size_t *cap)
{
    pthread_mutex_lock(&sh->pool_mu);
    int best = -1;
    for (int i = 0; i < sh->npool; i++)
        if (sh->pool_cap[i] >= bytes && sh->pool_cap[i] / 2 <= bytes && /* not a chunk's for a batch */
            (best < 0 || sh->pool_cap[i] < sh->pool_cap[best]))
            best = i;
    void *p = NULL;
    if (best >= 0) {
        p = sh->pool[best];
        *cap = sh->pool_cap[best];
        sh->npool--;
        sh->pool[best] = sh->pool[sh->npool];
        sh->pool_cap[best] = sh->pool_cap[sh->npool];
    }
    pthread_mutex_unlock(&sh->pool_mu);
    if (!p) { /* a chunk's block: as large as any, so that it can serve the next */
        size_t want = bytes > sh->block_bytes / 2 && bytes < sh->block_bytes ? sh->block_bytes : bytes;
        *cap = (want + 63) & ~(size_t)63;
        /* a block of 4 MB or more on 2 MB pages where the kernel gives them: the assembly
         * writes its rows at random places in it, and walks fewer pages */
        size_t huge = (size_t)2 << 20;
        if (*cap >= 2 * huge) {
            *cap = (*cap + huge - 1) & ~(huge - 1);
            p = aligned_alloc(huge, *cap);
            if (p)
                madvise(p, *cap, MADV_HUGEPAGE);
        } else {
            p = aligned_alloc(64, *cap ? *cap : 64);
        }
    }
    return p;
}

void lb_buffer_put(lb_shared *sh, void *p, size_t cap)
{
    if (!p)
        return;
    pthread_mutex_lock(&sh->pool_mu);
    if (!sh->pool_closed) { /* keep the largest LB_POOL buffers */
        int small = -1;
        for (int i = 0; i < sh->npool; i++)
            if (small < 0 || sh->pool_cap[i] < sh->pool_cap[small])
                small = i;
        if (sh->npool < LB_POOL) {
            sh->pool[sh->npool] = p;
            sh->pool_cap[sh->npool++] = cap;
            p = NULL;
        } else if (sh->pool_cap[small] < cap) {
            void *q = sh->pool[small];
            sh->pool[small] = p;
            sh->pool_cap[small] = cap;
            p = q;
        }
    }
    pthread_mutex_unlock(&sh->pool_mu);
    free(p);
}

void lb_pool_close(lb_shared *sh)
{
    pthread_mutex_lock(&sh->pool_mu);
    sh->pool_closed = 1;
    for (int i = 0; i < sh->npool; i++)
        free(sh->pool[i]);
    sh->npool = 0;
    pthread_mutex_unlock(&sh->pool_mu);
}

void lb_shared_release(lb_shared *sh)
{
    if (!sh || atomic_fetch_sub(&sh->refs, 1) != 1)
        return;
    lb_pool_close(sh);
    pthread_mutex_destroy(&sh->pool_mu);
    for (size_t t = 0; t < sh->nt; t++) {
        lb_tensor *x = &sh->t[t];
        for (size_t c = 0; c < x->ncols; c++) {
            free(x->cols[c].name);
            free(x->cols[c].dscol);
        }
        for (int64_t i = 0; x->flat && i < x->width; i++)
            free(x->flat[i]);
        free(x->flat);
        free(x->cols);
        free(x->name);
    }
    free(sh->t);
    free(sh);
}

lb_block *lb_block_new(lb_shared *sh, int64_t rows, rf_error *err)
{
    lb_block *b = calloc(1, sizeof *b);
    size_t *off = calloc(sh->nt + 1, sizeof *off), at = 0;
    for (size_t t = 0; off && t < sh->nt; t++) {
        off[t] = at;
        at += ((size_t)rows * (size_t)sh->t[t].width * sh->t[t].esize + 63) & ~(size_t)63;
    }
    size_t cap = 0;
    unsigned char *mem = off ? lb_buffer_get(sh, at, &cap) : NULL;
    if (!b || !mem) {
        free(b);
        free(off);
        lb_buffer_put(sh, mem, cap);
        rf_fail(err, RF_ERR_NOMEM, "out of memory for a chunk of %lld rows (%zu bytes)",
                (long long)rows, at);
        return NULL;
    }
    atomic_init(&b->refs, 1);
    atomic_fetch_add(&sh->refs, 1);
    b->sh = sh;
    b->rows = rows;
    b->bytes = at;
    b->cap = cap;
    b->off = off;
    b->mem = mem;
    long long alive = atomic_fetch_add(&sh->bytes_alive, (long long)at) + (long long)at;
    long long peak = atomic_load(&sh->bytes_peak);
    while (alive > peak && !atomic_compare_exchange_weak(&sh->bytes_peak, &peak, alive))
        ;
    return b;
}

void lb_block_release(lb_block *b)
{
    if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    atomic_fetch_sub(&b->sh->bytes_alive, (long long)b->bytes);
    lb_buffer_put(b->sh, b->mem, b->cap);
    lb_shared_release(b->sh);
    free(b->off);
    free(b);
}

void lb_copy_rows(lb_block *dst, int64_t d, const lb_block *src, int64_t s, int64_t n)
{
    for (size_t t = 0; t < dst->sh->nt; t++) {
        const lb_tensor *x = &dst->sh->t[t];
        memcpy(lb_row(dst, t, d), lb_row(src, t, s), (size_t)n * (size_t)x->width * x->esize);
    }
}

rf_batch *lb_batch_new(lb_block *b, int64_t row0, int64_t rows, int64_t index, rf_error *err)
{
    rf_batch *x = calloc(1, sizeof *x);
    if (!x) {
        rf_fail(err, RF_ERR_NOMEM, "out of memory for a batch");
        return NULL;
    }
    atomic_init(&x->refs, 1);
    atomic_fetch_add(&b->refs, 1);
    x->block = b;
    x->row0 = row0;
    x->rows = rows;
    x->index = index;
    return x;
}

int64_t rf_batch_rows(const rf_batch *b) { return b ? b->rows : 0; }
size_t rf_batch_ntensors(const rf_batch *b) { return b ? b->block->sh->nt : 0; }
int64_t rf_batch_index(const rf_batch *b) { return b ? b->index : -1; }

/* A view of rows [row0, row0 + rows) of tensor i of a block. */
static void block_view(const lb_block *k, size_t i, int64_t row0, int64_t rows, rf_tensor_view *v)
{
    const lb_tensor *x = &k->sh->t[i];
    memset(v, 0, sizeof *v);
    v->name = x->name;
    v->dtype = x->dtype;
    v->data = lb_row(k, i, row0);
    v->shape[0] = rows;
    if (x->n_max > 0 && !x->is_mask) {
        v->ndim = 3;
        v->shape[1] = x->n_max;
        v->shape[2] = (int64_t)x->ncols;
    } else {
        v->ndim = 2;
        v->shape[1] = x->width;
    }
    int64_t stride = (int64_t)x->esize;
    for (int d = v->ndim - 1; d >= 0; d--) {
        v->strides[d] = stride;
        stride *= v->shape[d];
    }
}

rf_status rf_batch_tensor(const rf_batch *b, size_t i, rf_tensor_view *v, rf_error *err)
{
    RF_CHECK(b && v, err, RF_ERR_ARG, "rf_batch_tensor: NULL argument");
    RF_CHECK(i < b->block->sh->nt, err, RF_ERR_ARG, "tensor %zu of a batch with %zu", i,
             b->block->sh->nt);
    block_view(b->block, i, b->row0, b->rows, v);
    return RF_OK;
}

rf_status rf_batch_block(const rf_batch *b, size_t i, rf_tensor_view *v, int64_t *row0,
                         rf_error *err)
{
    RF_CHECK(b && v && row0, err, RF_ERR_ARG, "rf_batch_block: NULL argument");
    RF_CHECK(i < b->block->sh->nt, err, RF_ERR_ARG, "tensor %zu of a batch with %zu", i,
             b->block->sh->nt);
    block_view(b->block, i, 0, b->block->rows, v);
    *row0 = b->row0;
    return RF_OK;
}

rf_batch *rf_batch_retain(rf_batch *b)
{
    if (b)
        atomic_fetch_add(&b->refs, 1);
    return b;
}

void rf_batch_release(rf_batch *b)
{
    if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    lb_block_release(b->block);
    free(b);
}
