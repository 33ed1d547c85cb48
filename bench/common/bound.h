/* bound.h - the bound of DESIGN.md ("How speed is measured") for the benchmarks: the baskets
 * (TTree) or pages (RNTuple) of the readable columns in an in-memory copy of the file, each
 * decompressed by the same library called directly (libdeflate, zstd, lz4 with the XXH64 of
 * ROOT's L4 blocks, liblzma) into its final place in an output as large as the decoded
 * columns, plus the one pass the encoding needs: TTree, the big-endian swap (values, and the
 * entry offsets that end the baskets of variable-size entries); RNTuple, the page checksum
 * (XXH3) and, for encoded pages, the decode into place from a scratch page. Stored data: that
 * one pass from memory into the output. Used by bench_read (one thread, or --threads) and
 * bench_loader (the loader's threads). */
#ifndef RF_BENCH_BOUND_H
#define RF_BENCH_BOUND_H

#include <fcntl.h>
#include <libdeflate.h>
#include <lz4.h>
#include <stdio.h>
#include <lzma.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <unistd.h>
#include <zstd.h>

#include "bench_time.h"
#include "common/endian.h"
#include "common/hash.h"
#include "rntuple/rnt.h"
#include "ttree/ttree.h"

/* One basket or page of the bound, in the in-memory copy of the file. */
typedef struct {
    const uint8_t *data;
    size_t size, ulen; /* stored and decompressed bytes */
    uint64_t at;       /* where it goes in the output */
    int swap;          /* TTree: width of the values to byte-swap (0: none) */
    size_t swap_len;   /* TTree: bytes of values; 4-byte entry offsets follow up to ulen */
    const rnt_column *col; /* RNTuple: the page's column (NULL for TTree) */
    int64_t nelems;
    int checksum, plain;
} blob;

typedef struct {
    blob *b;
    size_t n, cap;
    uint8_t *file; /* the whole file, in memory */
    uint64_t out_len;
    size_t max_ulen;
} blobs;

static inline blob *add_blob(blobs *bs)
{
    if (bs->n == bs->cap) {
        bs->cap = bs->cap ? 2 * bs->cap : 256;
        bs->b = realloc(bs->b, bs->cap * sizeof *bs->b);
    }
    blob *b = &bs->b[bs->n++];
    memset(b, 0, sizeof *b);
    return b;
}

static inline void collect_ttree(rf_table *t, blobs *bs)
{
    tt_table *tt = t->impl;
    for (size_t c = 0; c < t->ncolumns; c++) {
        const tt_column *tc = &tt->cols[c];
        for (size_t k = 0; !t->columns[c].unsupported && k < tc->nbaskets; k++) {
            const tt_basket_ref *r = &tc->baskets[k];
            rf_key key;
            size_t used;
            if (r->embedded || rf_key_parse(bs->file + r->seek, (size_t)r->bytes, &key, &used, NULL) != RF_OK)
                continue;
            blob *b = add_blob(bs);
            b->data = bs->file + r->seek + key.keylen;
            b->size = (size_t)(key.nbytes - key.keylen);
            b->ulen = (size_t)key.objlen;
            b->at = bs->out_len;
            size_t w = rf_dtype_size(tc->src);
            b->swap = w > 1 ? (int)w : 0;
            /* jagged baskets end with their entry offsets (i32 count, entries + 1 i32), which
             * a reader converts too: the swap pass covers them */
            size_t offsets = tc->enc == TT_FIXED ? 0 : 4 + 4 * (size_t)(r->last - r->first + 1);
            b->swap_len = b->ulen > offsets ? b->ulen - offsets : 0;
            bs->out_len += b->ulen;
            rf_key_clear(&key);
        }
    }
}

static inline void collect_rntuple(rf_table *t, blobs *bs)
{
    rnt_impl *im = t->impl;
    const rnt_desc *d = &im->d;
    for (size_t c = 0; c < t->ncolumns; c++) {
        uint32_t fields[RF_MAX_LEVELS + 1];
        int nf = t->columns[c].unsupported ? 0 : rnt_plan_fields(&im->plans[c], fields);
        for (int i = 0; i < nf; i++) {
            const rnt_field *fd = &d->fields[fields[i]];
            for (uint32_t r = 0; r < fd->nrepr; r++)
                for (uint32_t cl = 0; cl < d->nclusters; cl++) {
                    uint32_t phys = fd->cols[r * (fd->ncols / fd->nrepr)];
                    const rnt_range *rg = &d->clusters[cl].ranges[phys];
                    const rnt_column *col = &d->cols[phys];
                    for (uint32_t k = 0; rg->present && !rg->suppressed && k < rg->npages; k++) {
                        const rnt_page *pg = &d->pages[rg->page0 + k];
                        blob *b = add_blob(bs);
                        size_t dlen = (size_t)pg->nelems * rf_dtype_size(rnt_coltype_natural(col->type));
                        *b = (blob){bs->file + pg->offset, (size_t)pg->size, (size_t)rnt_page_bytes(col, pg->nelems),
                                    bs->out_len, 0, 0, col, pg->nelems, pg->checksum,
                                    rnt_page_is_plain(col, rnt_coltype_natural(col->type))};
                        bs->max_ulen = b->ulen > bs->max_ulen ? b->ulen : bs->max_ulen;
                        bs->out_len += b->ulen > dlen ? b->ulen : dlen;
                    }
                }
        }
    }
}

typedef struct {
    struct libdeflate_decompressor *inflate;
    ZSTD_DCtx *zstd;
} codecs;

/* Decompresses ROOT's compressed blocks at src into dst with each library called directly. */
static inline void unzip_direct(const codecs *cx, const uint8_t *src, size_t n, uint8_t *dst, size_t ulen)
{
    size_t in = 0, out = 0, got;
    while (out < ulen && in + 9 <= n) {
        const uint8_t *h = src + in;
        size_t cs = load_le24(h + 3), us = load_le24(h + 6);
        if (h[0] == 'Z' && h[1] == 'L')
            libdeflate_zlib_decompress(cx->inflate, h + 9, cs, dst + out, us, &got);
        else if (h[0] == 'Z' && h[1] == 'S')
            ZSTD_decompressDCtx(cx->zstd, dst + out, us, h + 9, cs);
        else if (h[0] == 'L' && h[1] == '4') { /* ROOT's L4 block carries an XXH64 every decoder checks */
            if (XXH64(h + 17, cs - 8, 0) != load_be64(h + 9))
                abort();
            LZ4_decompress_safe((const char *)h + 17, (char *)dst + out, (int)cs - 8, (int)us);
        } else if (h[0] == 'X' && h[1] == 'Z') {
            uint64_t lim = UINT64_MAX;
            size_t ip = 0, op = 0;
            if (lzma_stream_buffer_decode(&lim, 0, NULL, h + 9, &ip, cs, dst + out, &op, us) != LZMA_OK)
                abort();
        } else
            abort();
        in += 9 + cs;
        out += us;
    }
}

/* The bound's byte swaps, vectorised as well as the reader's (the same clones). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define CLONES
#endif
CLONES static inline void swap_copy(uint8_t *restrict d, const uint8_t *restrict s, size_t n, int w)
{
    if (w == 2)
        for (size_t j = 0; j + 2 <= n; j += 2)
            store_le16(d + j, load_be16(s + j));
    else if (w == 4)
        for (size_t j = 0; j + 4 <= n; j += 4)
            store_le32(d + j, load_be32(s + j));
    else
        for (size_t j = 0; j + 8 <= n; j += 8)
            store_le64(d + j, load_be64(s + j));
}

CLONES static inline void swap_in_place(uint8_t *p, size_t n, int w)
{
    if (w == 2)
        for (size_t j = 0; j + 2 <= n; j += 2)
            store_le16(p + j, load_be16(p + j));
    else if (w == 4)
        for (size_t j = 0; j + 4 <= n; j += 4)
            store_le32(p + j, load_be32(p + j));
    else
        for (size_t j = 0; j + 8 <= n; j += 8)
            store_le64(p + j, load_be64(p + j));
}

static volatile uint64_t sink; /* keeps the bound's checksums */

/* One pass of the bound over baskets or pages first, first + step, ... (threads share a pass
 * by taking every step-th one). */
static inline void bound_pass(const blobs *bs, size_t first, size_t step, uint8_t *out, uint8_t *scratch,
                              const codecs *cx)
{
    uint64_t sums = 0;
    for (size_t i = first; i < bs->n; i += step) {
        const blob *b = &bs->b[i];
        uint8_t *dst = out + b->at;
        int stored = b->size >= b->ulen;
        if (!b->col) { /* TTree: into place, then the swap; stored: the swap from memory */
            size_t rest = b->ulen - b->swap_len; /* the entry offsets */
            if (stored) {
                if (b->swap)
                    swap_copy(dst, b->data, b->swap_len, b->swap);
                else
                    memcpy(dst, b->data, b->swap_len);
                swap_copy(dst + b->swap_len, b->data + b->swap_len, rest, 4);
                continue;
            }
            unzip_direct(cx, b->data, b->size, dst, b->ulen);
            if (b->swap)
                swap_in_place(dst, b->swap_len, b->swap);
            swap_in_place(dst + b->swap_len, rest, 4);
            continue;
        }
        if (b->checksum)
            sums += rf_xxh3(b->data, b->size);
        if (b->plain && stored)
            memcpy(dst, b->data, b->ulen);
        else if (b->plain)
            unzip_direct(cx, b->data, b->size, dst, b->ulen);
        else if (stored)
            rnt_page_decode(b->col, b->data, b->nelems, dst);
        else {
            unzip_direct(cx, b->data, b->size, scratch, b->ulen);
            rnt_page_decode(b->col, scratch, b->nelems, dst);
        }
    }
    sink += sums;
}

/* Puts the file in the page cache as a first read from disk leaves it: written back, dropped,
 * read again sequentially. How the pages got there matters for a mapped reader: read-ahead
 * fills the cache with large folios, which a fault maps many pages at a time, while a file
 * just written by small writes sits in 4 KiB pages, each mapped by its own fault (measured:
 * an uncompressed 80 MB TTree read 2.7 GB/s in the first state, 0.9 GB/s in the second). */
static inline void settle(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    fdatasync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    static char buf[1 << 20];
    while (read(fd, buf, sizeof buf) > 0)
        ;
    close(fd);
}

/* The file's bytes in memory (the bound's input). */
static inline uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0)
        return NULL;
    long len = ftell(f);
    uint8_t *p = len > 0 ? malloc((size_t)len) : NULL;
    rewind(f);
    if (p && fread(p, 1, (size_t)len, f) != (size_t)len) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return p;
}


/* The bound of one table on T threads (bench_loader, bench_read --threads). */
typedef struct bound {
    rf_file *f;
    rf_table *t;
    blobs bs;
    size_t file_len;
    uint8_t *out;
} bound;

typedef struct bound_job {
    bound *b;
    size_t first, step;
} bound_job;

static inline void *bound_thread(void *arg)
{
    bound_job *j = arg;
    codecs cx = {libdeflate_alloc_decompressor(), ZSTD_createDCtx()};
    uint8_t *scratch = malloc(j->b->bs.max_ulen + 64);
    bound_pass(&j->b->bs, j->first, j->step, j->b->out, scratch, &cx);
    free(scratch);
    libdeflate_free_decompressor(cx.inflate);
    ZSTD_freeDCtx(cx.zstd);
    return NULL;
}

/* The bound of table `obj` of a file: its baskets/pages in a copy of the file in memory and
 * the output, faulted in once. Returns 0, or 1 with a message on stdout. */
static inline int bound_open(bound *b, const char *path, const char *obj)
{
    rf_error err = {0};
    memset(b, 0, sizeof *b);
    if (rf_file_open(path, &b->f, &err) || rf_table_open(b->f, obj, &b->t, &err) ||
        !(b->bs.file = slurp(path, &b->file_len))) {
        printf("%s: %s\n", path, err.msg);
        return 1;
    }
    if (!strcmp(rf_table_class(b->t), "TTree"))
        collect_ttree(b->t, &b->bs);
    else
        collect_rntuple(b->t, &b->bs);
    b->out = malloc(b->bs.out_len ? b->bs.out_len : 1);
    memset(b->out, 0, b->bs.out_len); /* faulted in once */
    return 0;
}

static inline void bound_close(bound *b)
{
    free(b->bs.b);
    free(b->bs.file);
    free(b->out);
    rf_table_close(b->t);
    rf_file_close(b->f);
}

static inline double process_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wall and CPU (all threads) seconds per pass of the bound on T threads: the medians of at
 * least 3 passes and one second of CPU time. */
static inline void bound_time(bound *b, int T, double *wall, double *cpu)
{
    double w[16], c[16], c_all = process_cpu();
    int n = 0;
    do { /* at least 3 passes and 1 CPU second; the medians of the passes */
        double t0 = bench_now(), c0 = process_cpu();
        pthread_t th[8];
        bound_job jobs[8];
        for (int i = 0; i < T; i++) {
            jobs[i] = (bound_job){b, (size_t)i, (size_t)T};
            pthread_create(&th[i], NULL, bound_thread, &jobs[i]);
        }
        for (int i = 0; i < T; i++)
            pthread_join(th[i], NULL);
        w[n] = bench_now() - t0;
        c[n++] = process_cpu() - c0;
    } while ((n < 3 || process_cpu() - c_all < 1.0) && n < 16);
    *wall = bench_median(w, n);
    *cpu = bench_median(c, n);
}

#endif
