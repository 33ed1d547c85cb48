/* bench_ttree.c - TTree read throughput against the decompression bound (DESIGN.md): the
 * same baskets, already in memory, decompressed by the same libraries into a reused buffer
 * on one thread (stored baskets: read from the file into a reused buffer plus one byte-swap
 * pass; LZ4 blocks have their XXH64 checked, part of decoding ROOT's L4 format). Each run
 * times rootfeed and the bound back to back (at least one second each); the ratio is taken
 * within a run and the median of 5 runs printed, with MB/s of decoded values (medians).
 * Usage: bench_ttree FILE TREE [FILE TREE ...] */
#include <libdeflate.h>
#include <lz4.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>
#include <zstd.h>

#include "../common/bench_time.h"
#include "common/endian.h"
#include "ttree/ttree.h"

typedef struct {
    uint8_t *data; /* the stored payload (after the key) */
    size_t size, objlen;
    uint64_t offset; /* of the payload in the file */
} blob;

typedef struct {
    blob *b;
    size_t n, cap;
    size_t max_objlen;
} blobs;

/* Collects the stored payload of every basket of every readable column. */
static void collect(rf_table *t, blobs *out)
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
static void swap_words(uint8_t *p, size_t n)
{
    for (size_t j = 0; j + 4 <= n; j += 4)
        store_le32(p + j, load_be32(p + j));
}

/* The bound: decompress every basket with the codec library directly (one pass). */
static void bound_pass(rf_source *src, const blobs *bs, uint8_t *dst, struct libdeflate_decompressor *inf,
                       ZSTD_DCtx *z)
{
    for (size_t i = 0; i < bs->n; i++) {
        const blob *b = &bs->b[i];
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

/* rootfeed: every readable column, all entries; returns decoded value bytes. */
static double rootfeed_pass(rf_table *t, rf_column_data *d)
{
    double bytes = 0;
    rf_error err;
    for (size_t c = 0; c < rf_table_ncolumns(t); c++) {
        if (rf_table_column(t, c)->unsupported)
            continue;
        if (rf_table_read(t, c, 0, rf_table_entries(t), d, &err) != RF_OK) {
            fprintf(stderr, "bench: %s\n", err.msg);
            exit(1);
        }
        bytes += (double)d->nvalues * (double)rf_dtype_size(d->dtype);
    }
    return bytes;
}

/* Seconds per pass of rootfeed (which 0) or the bound (1), passes repeated for >= 1 s. */
static double timed(int which, rf_table *t, rf_column_data *d, const blobs *bs, uint8_t *dst,
                    struct libdeflate_decompressor *inf, ZSTD_DCtx *z)
{
    int passes = 0;
    double t0 = bench_now(), el;
    do {
        if (which)
            bound_pass(t->file->src, bs, dst, inf, z);
        else
            rootfeed_pass(t, d);
        passes++;
    } while ((el = bench_now() - t0) < 1.0);
    return el / passes;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc % 2 == 0) {
        fprintf(stderr, "usage: bench_ttree FILE TREE [FILE TREE ...]\n");
        return 2;
    }
    printf("%-30s %9s %13s %11s %6s\n", "file", "MB values", "rootfeed MB/s", "bound MB/s", "ratio");
    for (int i = 1; i + 1 < argc; i += 2) {
        rf_error err;
        rf_file *f;
        rf_table *t;
        if (rf_file_open(argv[i], &f, &err) || rf_table_open(f, argv[i + 1], &t, &err)) {
            fprintf(stderr, "bench: %s\n", err.msg);
            return 1;
        }
        rf_column_data d;
        rf_column_data_init(&d);
        blobs bs = {0};
        collect(t, &bs);
        uint8_t *dst = malloc(bs.max_objlen + 16);
        struct libdeflate_decompressor *inf = libdeflate_alloc_decompressor();
        ZSTD_DCtx *z = ZSTD_createDCtx();
        double bytes = rootfeed_pass(t, &d);
        /* 5 runs, each timing both back to back; the ratio within a run, medians */
        double sec[2][5], ratio[5];
        for (int r = 0; r < 5; r++) {
            for (int v = 0; v < 2; v++)
                sec[v][r] = timed(v, t, &d, &bs, dst, inf, z);
            ratio[r] = sec[1][r] / sec[0][r];
        }
        const char *name = strrchr(argv[i], '/');
        printf("%-30s %9.2f %13.0f %11.0f %6.2f\n", name ? name + 1 : argv[i], bytes / 1e6,
               bytes / bench_median(sec[0], 5) / 1e6, bytes / bench_median(sec[1], 5) / 1e6, bench_median(ratio, 5));
        fflush(stdout);
        for (size_t k = 0; k < bs.n; k++)
            free(bs.b[k].data);
        free(bs.b);
        free(dst);
        libdeflate_free_decompressor(inf);
        ZSTD_freeDCtx(z);
        rf_column_data_free(&d);
        rf_table_close(t);
        rf_file_close(f);
    }
    return 0;
}
