/* rnt_ref.h - the RNTuple side of the bounds (DESIGN.md) for the benchmarks: the primary pages
 * of every readable column collected from the file in memory; a page decompressed with the
 * codec library (a plain zstd loop for ZS blocks, rf_unzip for the others, stored pages
 * copied); and the reference reader: page checksum, decompression, and the one decode pass
 * that split/zigzag/delta encodings need, into each page's place in the materialised output
 * (pages first, first + step, ... so threads can share the work). */
#ifndef RF_BENCH_RNT_REF_H
#define RF_BENCH_RNT_REF_H

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "rootfeed.h"
#include "common/endian.h"
#include "common/hash.h"
#include "rntuple/rnt.h"

typedef struct {
    const uint8_t *data;
    size_t size, ulen;
    uint64_t at; /* the page's position in the materialised output */
    const rnt_column *col;
    int64_t nelems;
    int checksum;
} pblob;

typedef struct {
    pblob *b;
    size_t n, cap;
    uint8_t *store; /* distinct page bytes, by file offset */
    size_t max_ulen;
    uint64_t total_ulen, out_len; /* page bytes; the output, pages decoded to their dtype */
} pages;

static inline void add_range(pages *ps, const rnt_desc *d, const rnt_column *col, const rnt_range *rg)
{
    for (uint32_t k = 0; k < rg->npages; k++) {
        const rnt_page *pg = &d->pages[rg->page0 + k];
        if (ps->n == ps->cap) {
            ps->cap = ps->cap ? 2 * ps->cap : 256;
            ps->b = realloc(ps->b, ps->cap * sizeof *ps->b);
        }
        size_t ulen = (size_t)rnt_page_bytes(col, pg->nelems);
        size_t dlen = (size_t)pg->nelems * rf_dtype_size(rnt_coltype_natural(col->type)); /* decoded */
        ps->b[ps->n++] = (pblob){ps->store + pg->offset, (size_t)pg->size, ulen, ps->out_len, col, pg->nelems,
                                 pg->checksum};
        ps->max_ulen = ulen > ps->max_ulen ? ulen : ps->max_ulen;
        ps->total_ulen += ulen;
        ps->out_len += ulen > dlen ? ulen : dlen;
    }
}

/* Collects the primary pages of every column that a readable table column reads. */
static inline void rnt_collect(rf_table *t, pages *ps)
{
    rnt_impl *im = t->impl;
    const rnt_desc *d = &im->d;
    rf_file *f = t->file;
    ps->store = malloc((size_t)f->src->size);
    f->src->read_at(f->src, 0, ps->store, (size_t)f->src->size, NULL);
    for (size_t c = 0; c < t->ncolumns; c++) {
        if (t->columns[c].unsupported)
            continue;
        uint32_t fields[RF_MAX_LEVELS + 1];
        int nf = rnt_plan_fields(&im->plans[c], fields);
        for (int i = 0; i < nf; i++) {
            const rnt_field *fd = &d->fields[fields[i]];
            for (uint32_t r = 0; r < fd->nrepr; r++)
                for (uint32_t cl = 0; cl < d->nclusters; cl++) {
                    uint32_t phys = fd->cols[r * (fd->ncols / fd->nrepr)];
                    const rnt_range *rg = &d->clusters[cl].ranges[phys];
                    if (rg->present && !rg->suppressed)
                        add_range(ps, d, &d->cols[phys], rg);
                }
        }
    }
}

/* Decompresses one page into buf, as the bound does. */
static inline void bound_page(const pblob *b, uint8_t *buf, ZSTD_DCtx *z, rf_codec *codec)
{
    if (b->size == b->ulen) {
        memcpy(buf, b->data, b->ulen);
        return;
    }
    const uint8_t *p = b->data, *end = b->data + b->size;
    size_t o = 0;
    while (p + 9 <= end && p[0] == 'Z' && p[1] == 'S') {
        size_t csz = load_le24(p + 3), usz = load_le24(p + 6);
        ZSTD_decompressDCtx(z, buf + o, usz, p + 9, csz);
        o += usz;
        p += 9 + csz;
    }
    if (p != end)
        rf_unzip(codec, b->data, b->size, buf, b->ulen, NULL);
}

/* The reference reader: the least work any reader of these pages must do, in memory: verify
 * the page checksum the file carries, decompress, and decode pages whose encoding needs it
 * (split, zigzag, delta, ...) from the scratch page into their final place (the one pass
 * DESIGN.md allows). Values stored as they are decompress straight into place. */
static inline uint64_t reference_pass(const pages *ps, size_t first, size_t step, uint8_t *buf, uint8_t *mat,
                                      ZSTD_DCtx *z, rf_codec *codec)
{
    uint64_t sums = 0;
    for (size_t i = first; i < ps->n; i += step) {
        const pblob *b = &ps->b[i];
        if (b->checksum)
            sums += rf_xxh3(b->data, b->size);
        if (rnt_page_is_plain(b->col, rnt_coltype_natural(b->col->type))) {
            bound_page(b, mat + b->at, z, codec);
        } else {
            bound_page(b, buf, z, codec);
            rnt_page_decode(b->col, buf, b->nelems, mat + b->at);
        }
    }
    return sums;
}

#endif
