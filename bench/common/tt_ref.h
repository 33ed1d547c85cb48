/* tt_ref.h - the TTree side of the bound (DESIGN.md) for the benchmarks: every basket of the
 * readable columns collected in memory (the payload after the key), and one pass that
 * decompresses each with the codec library called directly (libdeflate, zstd, lz4 with the
 * L4 block's XXH64 checked, lzma) plus the byte swap, into one reused buffer or into the
 * basket's own place in an output as large as the columns (mat). Stored baskets are read
 * from the file through the same byte source. */
#ifndef RF_BENCH_TT_REF_H
#define RF_BENCH_TT_REF_H

#include <libdeflate.h>
#include <lz4.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>

#include "common/endian.h"
#include "ttree/ttree.h"

typedef struct {
    uint8_t *data; /* the stored payload (after the key) */
    size_t size, objlen;
    uint64_t offset; /* of the payload in the file */
    uint64_t at;     /* of the decoded basket in the materialised output */
} blob;

typedef struct {
    blob *b;
    size_t n, cap;
    size_t max_objlen;
    uint64_t out_len; /* the materialised output: every basket end to end */
} blobs;

/* Collects the stored payload of every basket of every readable column. */
static inline void tt_collect(rf_table *t, blobs *out)
{
    tt_table *tt = t->impl;
    rf_file *f = t->file;
    for (size_t c = 0; c < t->ncolumns; c++) {
        if (t->columns[c].unsupported)
            continue;
        for (size_t k = 0; k < tt->cols[c].nbaskets; k++) {
            const tt_basket_ref *r = &tt->cols[c].baskets[k];
            if (r->embedded)
                continue;
            uint8_t *raw = malloc((size_t)r->bytes);
            rf_key key;
            size_t used;
            f->src->read_at(f->src, (uint64_t)r->seek, raw, (size_t)r->bytes, NULL);
            rf_key_parse(raw, (size_t)r->bytes, &key, &used, NULL);
            if (out->n == out->cap) {
                out->cap = out->cap ? 2 * out->cap : 256;
                out->b = realloc(out->b, out->cap * sizeof *out->b);
            }
            blob *b = &out->b[out->n++];
            b->size = (size_t)(key.nbytes - key.keylen);
            b->objlen = (size_t)key.objlen;
            b->offset = (uint64_t)r->seek + (uint64_t)key.keylen;
            b->data = malloc(b->size);
            memcpy(b->data, raw + key.keylen, b->size);
            b->at = out->out_len;
            out->out_len += b->objlen;
            if (b->objlen > out->max_objlen)
                out->max_objlen = b->objlen;
            rf_key_clear(&key);
            free(raw);
        }
    }
}

/* The bound's byte-swap pass, vectorised as well as the reader's (the same clones). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
static inline void swap_words(uint8_t *p, size_t n)
{
    for (size_t j = 0; j + 4 <= n; j += 4)
        store_le32(p + j, load_be32(p + j));
}

/* The bound: decompress baskets first, first + step, ... with the codec library directly (one
 * pass), into buf (reused) or, when mat is not NULL, into each basket's place in mat. */
static inline void tt_bound_pass(rf_source *src, const blobs *bs, size_t first, size_t step, uint8_t *buf,
                                 uint8_t *mat, struct libdeflate_decompressor *inf, ZSTD_DCtx *z)
{
    for (size_t i = first; i < bs->n; i += step) {
        const blob *b = &bs->b[i];
        uint8_t *dst = mat ? mat + b->at : buf;
        if (b->size >= b->objlen) { /* stored: read from the file + one byte-swap pass (4-byte words) */
            src->read_at(src, b->offset, dst, b->objlen, NULL);
            swap_words(dst, b->objlen);
            continue;
        }
        size_t in = 0, out = 0, got;
        while (out < b->objlen && in + 9 <= b->size) {
            const uint8_t *h = b->data + in;
            size_t cs = load_le24(h + 3), us = load_le24(h + 6);
            if (h[0] == 'Z' && h[1] == 'L')
                libdeflate_zlib_decompress(inf, h + 9, cs, dst + out, us, &got);
            else if (h[0] == 'Z' && h[1] == 'S')
                ZSTD_decompressDCtx(z, dst + out, us, h + 9, cs);
            else if (h[0] == 'L' && h[1] == '4') { /* ROOT's L4 block carries an XXH64 every decoder checks */
                if (XXH64(h + 17, cs - 8, 0) != load_be64(h + 9))
                    abort();
                LZ4_decompress_safe((const char *)h + 17, (char *)dst + out, (int)cs - 8, (int)us);
            }
            else if (h[0] == 'X' && h[1] == 'Z') {
                uint64_t lim = UINT64_MAX;
                size_t ip = 0, op = 0;
                if (lzma_stream_buffer_decode(&lim, 0, NULL, h + 9, &ip, cs, dst + out, &op, us) != LZMA_OK)
                    abort();
            }
            in += 9 + cs;
            out += us;
        }
    }
}

static inline void tt_blobs_free(blobs *bs)
{
    for (size_t k = 0; k < bs->n; k++)
        free(bs->b[k].data);
    free(bs->b);
}

#endif
