/* ttree_read.c - reading entries [a, b) of one TTree column: locate the baskets, read and
 * decompress each once (the last one stays cached for the next range), recover entry
 * boundaries (offset array, or the counter branch when a basket was written without one, or
 * when counting saves decoding the offset array), and convert big-endian values into the
 * caller's buffers. */
#include <stdlib.h>
#include <string.h>

#include "../common/buffer.h"
#include "../common/clones.h"
#include "../common/endian.h"
#include "../common/error.h"
#include "../common/stream.h"
#include "ttree.h"

static rf_status grow_bytes(uint8_t **p, size_t *cap, size_t need, rf_error *err)
{
    void *q = *p;
    rf_status st = rf_grow(&q, cap, need, RF_MAX_OBJECT, "basket", err);
    *p = q;
    return st;
}

static rf_status grow_offsets(tt_basket *bk, size_t n, rf_error *err)
{
    size_t bytes = bk->offsets_cap * sizeof *bk->offsets;
    void *q = bk->offsets;
    rf_status st = rf_grow(&q, &bytes, (uint64_t)n * sizeof *bk->offsets, RF_MAX_OBJECT, "offset array", err);
    bk->offsets = q;
    bk->offsets_cap = bytes / sizeof *bk->offsets;
    return st;
}

/* Copies key-relative entry offsets (first n of them) and closes them with the data end. */
static rf_status set_offsets(tt_basket *bk, const int32_t *raw, int be, int64_t n, int32_t keylen, rf_error *err)
{
    RF_TRY(grow_offsets(bk, (size_t)n + 1, err));
    int32_t prev = 0;
    for (int64_t i = 0; i < n; i++) {
        int32_t o = (be ? (int32_t)load_be32(raw + i) : raw[i]) - keylen;
        RF_CHECK(o >= prev && (size_t)o <= bk->len, err, RF_ERR_FORMAT,
                 "entry offset %lld (%d) out of order or past the data (%zu bytes)", (long long)i, o, bk->len);
        bk->offsets[i] = prev = o;
    }
    bk->offsets[n] = (int32_t)bk->len;
    return RF_OK;
}

static rf_status load_embedded(tt_basket *bk, const tt_embedded *e, int64_t nentries, rf_error *err)
{
    RF_CHECK(e->nevbuf == nentries, err, RF_ERR_FORMAT, "embedded basket holds %d entries, %lld expected",
             e->nevbuf, (long long)nentries);
    bk->data = e->buf + e->keylen;
    bk->len = (size_t)(e->last - e->keylen);
    bk->nentries = nentries;
    if (!e->offsets) {
        free(bk->offsets);
        bk->offsets = NULL;
        bk->offsets_cap = 0;
        return RF_OK;
    }
    return set_offsets(bk, e->offsets, 0, nentries, e->keylen, err);
}

/* The fields of a basket's key and header that reading needs, parsed without allocating. */
typedef struct {
    int32_t nbytes, objlen, keylen, nevbuf, last;
    int gen_offsets;    /* fIOBits kGenerateOffsetMap */
    const uint8_t *raw; /* the basket's bytes, key first (a view or the scratch buffer) */
} basket_info;

static rf_status parse_basket_info(const uint8_t *p, size_t n, basket_info *bi, rf_error *err)
{
    RF_CHECK(n >= 18, err, RF_ERR_FORMAT, "basket key truncated (%zu bytes)", n);
    bi->nbytes = (int32_t)load_be32(p);
    int big = (int16_t)load_be16(p + 4) > 1000;
    bi->objlen = (int32_t)load_be32(p + 6);
    bi->keylen = (int16_t)load_be16(p + 14);
    size_t pos = 18 + (big ? 16 : 8);
    for (int i = 0; i < 3 && pos < n; i++) { /* class, name, title */
        size_t len = p[pos++];
        if (len == 255 && pos + 4 <= n) {
            len = load_be32(p + pos);
            pos += 4;
        }
        pos += len;
    }
    RF_CHECK(pos + 19 <= n && bi->keylen >= (int32_t)pos + 19 && bi->keylen <= bi->nbytes && bi->objlen >= 0, err,
             RF_ERR_FORMAT, "basket key header corrupt (keylen %d, nbytes %d)", bi->keylen, bi->nbytes);
    int32_t nevbufsize = (int32_t)load_be32(p + pos + 6);
    const uint8_t *q = p + pos + 10 + (nevbufsize < 0);
    bi->gen_offsets = nevbufsize < 0 && (q[-1] & 1);
    bi->nevbuf = (int32_t)load_be32(q);
    bi->last = (int32_t)load_be32(q + 4);
    RF_CHECK(bi->last >= bi->keylen && bi->last - bi->keylen <= bi->objlen && (uint64_t)bi->objlen <= RF_MAX_OBJECT,
             err, RF_ERR_FORMAT, "basket fLast %d inconsistent with keylen %d and object length %d", bi->last,
             bi->keylen, bi->objlen);
    return RF_OK;
}

/* Gets a stored basket's bytes (a view into the source's buffer when it has one, else a copy
 * in the scratch buffer) and parses its header. */
static rf_status fetch_basket(rf_table *t, tt_table *tt, const tt_basket_ref *ref, basket_info *bi, rf_error *err)
{
    rf_source *src = t->file->src;
    RF_CHECK(ref->bytes > 0, err, RF_ERR_FORMAT, "basket size %d", ref->bytes);
    if (!src->view_at || src->view_at(src, (uint64_t)ref->seek, (size_t)ref->bytes, &bi->raw, NULL) != RF_OK) {
        RF_TRY(grow_bytes(&tt->scratch, &tt->scratch_cap, (size_t)ref->bytes, err));
        RF_TRY(src->read_at(src, (uint64_t)ref->seek, tt->scratch, (size_t)ref->bytes, err));
        bi->raw = tt->scratch;
    }
    RF_TRY(parse_basket_info(bi->raw, (size_t)ref->bytes, bi, err));
    RF_CHECK(bi->nbytes == ref->bytes, err, RF_ERR_FORMAT, "basket key says %d bytes, the branch %d", bi->nbytes,
             ref->bytes);
    RF_CHECK(bi->nevbuf == ref->last - ref->first, err, RF_ERR_FORMAT, "basket holds %d entries, %lld expected",
             bi->nevbuf, (long long)(ref->last - ref->first));
    return RF_OK;
}

static int basket_stored_raw(const basket_info *bi) { return (size_t)bi->objlen <= (size_t)(bi->nbytes - bi->keylen); }

/* Decompresses (or copies) the fetched basket payload into exactly objlen bytes of dst. */
static rf_status unpack_basket(rf_table *t, const basket_info *bi, uint8_t *dst, rf_error *err)
{
    size_t stored = (size_t)(bi->nbytes - bi->keylen);
    if (!basket_stored_raw(bi))
        return rf_unzip(t->file->codec, bi->raw + bi->keylen, stored, dst, (size_t)bi->objlen, err);
    memcpy(dst, bi->raw + bi->keylen, (size_t)bi->objlen);
    return RF_OK;
}

/* The basket's uncompressed payload: in place when stored raw, else decompressed into buf. */
static rf_status basket_payload(rf_table *t, const basket_info *bi, uint8_t **buf, size_t *cap,
                                const uint8_t **out, rf_error *err)
{
    if (basket_stored_raw(bi)) {
        *out = bi->raw + bi->keylen;
        return RF_OK;
    }
    RF_TRY(grow_bytes(buf, cap, (size_t)bi->objlen + 1, err));
    RF_TRY(unpack_basket(t, bi, *buf, err));
    *out = *buf;
    return RF_OK;
}

/* Reads the basket key at ref->seek, decompresses it and finds data and offsets. */
static rf_status load_stored(rf_table *t, tt_table *tt, tt_basket *bk, const tt_basket_ref *ref, rf_error *err)
{
    basket_info bi = {0};
    RF_TRY(fetch_basket(t, tt, ref, &bi, err));
    RF_TRY(grow_bytes(&bk->buf, &bk->cap, (size_t)bi.objlen + 1, err));
    RF_TRY(unpack_basket(t, &bi, bk->buf, err)); /* the cache keeps its own copy */
    bk->data = bk->buf;
    bk->len = (size_t)(bi.last - bi.keylen);
    bk->nentries = bi.nevbuf;
    size_t rest = (size_t)bi.objlen - bk->len;
    if (rest == 0 || bi.gen_offsets) { /* no offsets, or a generated offset map */
        free(bk->offsets);
        bk->offsets = NULL;
        bk->offsets_cap = 0;
        return RF_OK;
    }
    RF_CHECK(rest >= 4 && (int64_t)load_be32(bk->data + bk->len) == (int64_t)bi.nevbuf + 1 &&
             rest >= 4 + 4 * ((size_t)bi.nevbuf + 1), err, RF_ERR_FORMAT,
             "basket entry-offset array is malformed (%zu bytes for %d entries)", rest, bi.nevbuf);
    return set_offsets(bk, (const int32_t *)(bk->data + bk->len + 4), 1, bi.nevbuf, bi.keylen, err);
}

/* The cached running item counts of counter column `counter` over table entries [a, b)
 * (see tt_counts), or NULL. */
static const int64_t *counts_cached(const tt_table *tt, long counter, int64_t a, int64_t b)
{
    for (int i = 0; i < TT_COUNT_SLOTS; i++) {
        const tt_counts *c = &tt->counts[i];
        if (c->used && c->col == counter && c->first == a && c->last == b)
            return c->off;
    }
    return NULL;
}

/* The running item counts of counter column `counter` over table entries [a, b), cached
 * or read now. Counts must lie in [0, 2^32). */
static rf_status counter_offsets(rf_table *t, tt_table *tt, long counter, int64_t a, int64_t b, const int64_t **out,
                                 rf_error *err)
{
    if ((*out = counts_cached(tt, counter, a, b)))
        return RF_OK;
    tt_counts *slot = &tt->counts[tt->counts_next++ % TT_COUNT_SLOTS];
    slot->used = 0;
    rf_column_data *cd = &tt->cnt;
    cd->dtype = t->columns[counter].dtype;
    RF_TRY(tt_read(t, (size_t)counter, a, b, cd, err));
    int64_t n = b - a, acc = 0;
    void *q = slot->off;
    RF_TRY(rf_grow(&q, &slot->cap, ((uint64_t)n + 1) * sizeof(int64_t), RF_MAX_OBJECT, "counter offsets", err));
    int64_t *o = slot->off = q;
    uint64_t bad = 0;
    o[0] = 0;
#define RUNNING_SUM(T)                                    \
    for (int64_t i = 0; i < n; i++) {                     \
        int64_t c = (int64_t)((const T *)cd->values)[i];  \
        bad |= (uint64_t)c >> 32;                         \
        o[i + 1] = acc += c & 0xffffffff;                 \
    }                                                     \
    break;
    switch (cd->dtype) {
    case RF_INT8: RUNNING_SUM(int8_t)
    case RF_UINT8: RUNNING_SUM(uint8_t)
    case RF_INT16: RUNNING_SUM(int16_t)
    case RF_UINT16: RUNNING_SUM(uint16_t)
    case RF_INT32: RUNNING_SUM(int32_t)
    case RF_UINT32: RUNNING_SUM(uint32_t)
    case RF_INT64: RUNNING_SUM(int64_t)
    case RF_UINT64: RUNNING_SUM(uint64_t)
    default:
        return rf_fail(err, RF_ERR_FORMAT, "counter branch '%s' is not an integer", tt->cols[counter].branch->name);
    }
#undef RUNNING_SUM
    RF_CHECK(!bad, err, RF_ERR_FORMAT, "counter branch '%s' has a negative or huge value between entries %lld and %lld",
             tt->cols[counter].branch->name, (long long)a, (long long)b);
    slot->used = 1, slot->col = counter, slot->first = a, slot->last = b;
    *out = o;
    return RF_OK;
}

/* Builds entry offsets from the counter column for a basket written without them. */
static rf_status offsets_from_counter(rf_table *t, tt_column *tc, tt_basket *bk, const tt_basket_ref *ref,
                                      rf_error *err)
{
    tt_table *tt = t->impl;
    int64_t base = tc->branch->first_entry, esize = (int64_t)tc->count * (int64_t)rf_dtype_size(tc->src);
    RF_CHECK(tc->counter >= 0, err, RF_ERR_FORMAT, "basket has no entry offsets and no counter branch is known");
    const int64_t *co;
    RF_TRY(counter_offsets(t, tt, tc->counter, ref->first - base, ref->last - base, &co, err));
    RF_TRY(grow_offsets(bk, (size_t)bk->nentries + 1, err));
    for (int64_t i = 0; i <= bk->nentries; i++) {
        int64_t pos = co[i] <= (int64_t)bk->len / esize ? i * tc->header + co[i] * esize : INT64_MAX;
        RF_CHECK(pos <= (int64_t)bk->len, err, RF_ERR_FORMAT, "counter values overrun the basket (%zu bytes) at entry %lld",
                 bk->len, (long long)(ref->first + i));
        bk->offsets[i] = (int32_t)pos;
    }
    return RF_OK;
}

static rf_status load_basket(rf_table *t, size_t col, size_t k, rf_error *err)
{
    tt_table *tt = t->impl;
    tt_column *tc = &tt->cols[col];
    tt_basket *bk = &tt->cache[col];
    if (bk->index == (long)k)
        return RF_OK;
    bk->index = -1;
    const tt_basket_ref *ref = &tc->baskets[k];
    rf_status s = ref->embedded ? load_embedded(bk, ref->embedded, ref->last - ref->first, err)
                                : load_stored(t, tt, bk, ref, err);
    if (s == RF_OK && !bk->offsets && tc->enc != TT_FIXED)
        s = offsets_from_counter(t, tc, bk, ref, err);
    if (s == RF_OK && tc->enc == TT_FIXED)
        RF_CHECK((uint64_t)bk->nentries * (uint64_t)tc->stride <= bk->len, err, RF_ERR_FORMAT,
                 "basket of %zu bytes is too small for %lld entries of %d bytes", bk->len,
                 (long long)bk->nentries, tc->stride);
    if (s != RF_OK)
        return rf_wrap(err, s, "basket %zu of branch '%s' at offset %lld: ", k, tc->branch->name,
                       (long long)ref->seek);
    bk->index = (long)k;
    return RF_OK;
}

/* Hot loops get AVX-512 and AVX2 clones (clones.h): the baseline x86-64 has no byte shuffle,
 * so byte swaps would not vectorise; AVX-512 takes a third off the item-offset loop. */
/* Big-endian to native, n values; dst may equal src. The measured hot loops. */
RF_VECTOR_CLONES static void swap16(uint8_t *dst, const uint8_t *src, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        store_le16(dst + 2 * i, load_be16(src + 2 * i));
}

RF_VECTOR_CLONES static void swap32(uint8_t *dst, const uint8_t *src, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        store_le32(dst + 4 * i, load_be32(src + 4 * i));
}

RF_VECTOR_CLONES static void swap64(uint8_t *dst, const uint8_t *src, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        store_le64(dst + 8 * i, load_be64(src + 8 * i));
}

/* Converts n big-endian values of the column's stored type into dst (dtype order); dst may
 * be src (in place) when both types have the same size. */
static void convert(const tt_column *tc, rf_dtype dt, uint8_t *dst, const uint8_t *src, int64_t n)
{
    if (n <= 0)
        return; /* dst may be NULL then */
    if (tc->packed) {
        for (int64_t i = 0; i < n; i++) {
            double v = (double)load_be32(src + 4 * i) / tc->pfactor + tc->pmin;
            if (dt == RF_FLOAT32) {
                float x = (float)v;
                memcpy(dst + 4 * i, &x, 4);
            } else
                memcpy(dst + 8 * i, &v, 8);
        }
        return;
    }
    if (tc->d32_float) {
        for (int64_t i = 0; i < n; i++) {
            uint32_t u = load_be32(src + 4 * i);
            float x;
            memcpy(&x, &u, 4);
            double v = x;
            memcpy(dst + 8 * i, &v, 8);
        }
        return;
    }
    switch (rf_dtype_size(dt)) {
    case 1:
        if (dt == RF_BOOL)
            for (int64_t i = 0; i < n; i++)
                dst[i] = src[i] != 0;
        else if (dst != src)
            memcpy(dst, src, (size_t)n);
        break;
    case 2:
        swap16(dst, src, n);
        break;
    case 4:
        if (tc->stream && dst != src)
            rf_bswap_stream(dst, src, (size_t)n * 4, 4);
        else
            swap32(dst, src, n);
        break;
    default:
        if (tc->stream && dst != src)
            rf_bswap_stream(dst, src, (size_t)n * 8, 8);
        else
            swap64(dst, src, n);
        break;
    }
}

rf_status tt_append_values(const tt_column *tc, rf_column_data *out, const uint8_t *src, int64_t n,
                           rf_error *err)
{
    if (n == 0)
        return RF_OK;
    RF_TRY(rf_coldata_reserve_values(out, out->nvalues + n, err));
    size_t vs = rf_dtype_size(out->dtype);
    convert(tc, out->dtype, (uint8_t *)out->values + (size_t)out->nvalues * vs, src, n);
    out->nvalues += n;
    return RF_OK;
}

static rf_status read_fixed(const tt_column *tc, const tt_basket *bk, int64_t e0, int64_t e1,
                            rf_column_data *out, rf_error *err)
{
    int64_t srcsize = (int64_t)rf_dtype_size(tc->src);
    if (tc->stride == tc->count * srcsize)
        return tt_append_values(tc, out, bk->data + e0 * tc->stride, (e1 - e0) * tc->count, err);
    for (int64_t e = e0; e < e1; e++)
        RF_TRY(tt_append_values(tc, out, bk->data + e * tc->stride + tc->offset, tc->count, err));
    return RF_OK;
}

/* T[n] entries: item counts from the basket's entry offsets (already checked to increase),
 * then the values - in one pass when no per-entry header separates them. Hot loop. */
static rf_status read_jagged(const tt_column *tc, const tt_basket *bk, int64_t e0, int64_t e1,
                             rf_column_data *out, int64_t *n0, rf_error *err)
{
    int64_t esize = (int64_t)rf_dtype_size(tc->src) * tc->count;
    int64_t span = (int64_t)bk->offsets[e1] - bk->offsets[e0];
    RF_TRY(rf_coldata_reserve_offsets(out, 0, *n0 + (e1 - e0), err));
    RF_TRY(rf_coldata_reserve_values(out, out->nvalues + span / (int64_t)rf_dtype_size(tc->src) + 1, err));
    int64_t *restrict off = out->offsets[0];
    const int32_t *restrict bo = bk->offsets;
    int pow2 = (esize & (esize - 1)) == 0, shift = __builtin_ctzll((unsigned long long)esize);
    int64_t n = *n0, acc = off[n], rem = 0, neg = 0, header = tc->header;
    for (int64_t e = e0; e < e1; e++) {
        int64_t bytes = (int64_t)bo[e + 1] - bo[e] - header;
        int64_t items = pow2 ? bytes >> shift : bytes / esize; /* no division for the common sizes */
        rem |= bytes - items * esize;
        neg |= bytes;
        acc += items;
        off[++n] = acc;
    }
    RF_CHECK(neg >= 0 && rem == 0, err, RF_ERR_FORMAT,
             "entries %lld..%lld: entry sizes are not multiples of %lld bytes", (long long)e0, (long long)e1,
             (long long)esize);
    size_t vs = rf_dtype_size(out->dtype);
    if (header) { /* per-entry headers interrupt the values */
        for (int64_t e = e0; e < e1; e++) {
            int64_t k = (off[*n0 + (e - e0) + 1] - off[*n0 + (e - e0)]) * tc->count;
            convert(tc, out->dtype, (uint8_t *)out->values + (size_t)out->nvalues * vs,
                    bk->data + bo[e] + header, k);
            out->nvalues += k;
        }
    } else { /* contiguous values: one conversion pass */
        int64_t k = span / (int64_t)rf_dtype_size(tc->src);
        convert(tc, out->dtype, (uint8_t *)out->values + (size_t)out->nvalues * vs, bk->data + bo[e0], k);
        out->nvalues += k;
    }
    *n0 = n;
    return RF_OK;
}

/* The hot path for whole fixed-size baskets: decompress straight into the caller's buffer
 * and byte-swap there, with no intermediate copy. Returns 0 when the basket does not qualify
 * (then the caller takes the general path). */
static int read_direct(rf_table *t, size_t col, size_t k, rf_column_data *out, rf_status *s, rf_error *err)
{
    tt_table *tt = t->impl;
    const tt_column *tc = &tt->cols[col];
    const tt_basket_ref *ref = &tc->baskets[k];
    if (ref->embedded || tc->packed || tc->d32_float || tc->stride != tc->count * (int32_t)rf_dtype_size(tc->src) ||
        tt->cache[col].index == (long)k)
        return 0;
    basket_info bi = {0};
    if ((*s = fetch_basket(t, tt, ref, &bi, err)) != RF_OK)
        return 1;
    int64_t n = (int64_t)bi.nevbuf * tc->count;
    if ((int64_t)(bi.last - bi.keylen) != n * (int64_t)rf_dtype_size(tc->src) || bi.objlen != bi.last - bi.keylen)
        return 0;
    if ((*s = rf_coldata_reserve_values(out, out->nvalues + n + 1, err)) != RF_OK)
        return 1;
    uint8_t *dst = (uint8_t *)out->values + (size_t)out->nvalues * rf_dtype_size(out->dtype);
    if (basket_stored_raw(&bi)) /* stored: swap while copying */
        convert(tc, out->dtype, dst, bi.raw + bi.keylen, n);
    else if ((*s = unpack_basket(t, &bi, dst, err)) != RF_OK)
        return 1;
    else
        convert(tc, out->dtype, dst, dst, n); /* byte-swap in place */
    out->nvalues += n;
    return 1;
}

/* Item offsets of entries 1..n-1 of a T[n] basket from its big-endian byte offsets, for
 * power-of-two item sizes: a map, not a prefix sum - item_e = (pos_e - start0 - e*header) >>
 * shift - so it vectorises. Returns a value that is negative when the offsets decrease or
 * one is 2^31 or more past base, and has low bits set when one is not a multiple of the item
 * size. The measured hot loop. */
RF_VECTOR_CLONES __attribute__((noinline)) static int64_t item_offsets_pow2(const uint8_t *restrict raw, int64_t n,
                                                                            int64_t base, int64_t header, int shift,
                                                                            int64_t acc, int64_t *restrict off)
{
    /* 32-bit lanes, in unsigned arithmetic (positions come from the file): a position 2^31 or
     * more past base sets the sign bit of bad, as a decrease does. */
    uint32_t bad = 0, b = (uint32_t)base, h = (uint32_t)header;
    if (h == 0) { /* the common case, without the per-entry multiply */
        for (int32_t e = 1; e < (int32_t)n; e++) {
            uint32_t pos = __builtin_bswap32(load_le32(raw + 4 * e)) - b;
            uint32_t before = __builtin_bswap32(load_le32(raw + 4 * (e - 1))) - b;
            off[e] = acc + ((int32_t)pos >> shift);
            bad |= pos | (pos - before);
        }
        return (int32_t)bad;
    }
    for (int32_t e = 1; e < (int32_t)n; e++) {
        uint32_t pos = __builtin_bswap32(load_le32(raw + 4 * e)) - b - (uint32_t)e * h;
        uint32_t before = __builtin_bswap32(load_le32(raw + 4 * (e - 1))) - b - (uint32_t)(e - 1) * h;
        off[e] = acc + ((int32_t)pos >> shift);
        bad |= pos | (pos - before);
    }
    return (int32_t)bad;
}

/* A whole compressed T[n] basket whose counter is known: the item offsets are the counter's
 * running sums (as ROOT reads these arrays), which must add up to the basket's entry data,
 * so only that data is decompressed (an LZ4 block stops before the entry-offset array).
 * co = the counter offsets of the basket's entries. Returns 0 when the counts do not fit
 * the basket: its entry offsets decide then. */
static int jagged_by_counter(rf_table *t, const tt_column *tc, const basket_info *bi, const int64_t *co,
                             rf_column_data *out, int64_t *n0, rf_status *s, rf_error *err)
{
    tt_table *tt = t->impl;
    int64_t n = bi->nevbuf, len = bi->last - bi->keylen, esize = (int64_t)rf_dtype_size(tc->src) * tc->count;
    if (co[n] > len / esize || co[n] * esize != len)
        return 0;
    if ((*s = grow_bytes(&tt->unpacked, &tt->unpacked_cap, (size_t)bi->objlen + 1, err)) != RF_OK ||
        (*s = rf_unzip_prefix(t->file->codec, bi->raw + bi->keylen, (size_t)(bi->nbytes - bi->keylen), tt->unpacked,
                              (size_t)bi->objlen, (size_t)len, err)) != RF_OK)
        return 1;
    int64_t items = co[n] * tc->count;
    if ((*s = rf_coldata_reserve_offsets(out, 0, *n0 + n, err)) != RF_OK ||
        (*s = rf_coldata_reserve_values(out, out->nvalues + items, err)) != RF_OK)
        return 1;
    int64_t *restrict off = out->offsets[0] + *n0, acc = off[0];
    for (int64_t e = 1; e <= n; e++)
        off[e] = acc + co[e];
    size_t vs = rf_dtype_size(out->dtype);
    convert(tc, out->dtype, (uint8_t *)out->values + (size_t)out->nvalues * vs, tt->unpacked, items);
    out->nvalues += items;
    *n0 += n;
    return 1;
}

/* Whole T[n] baskets: by the counter when it is known and the entries have no header, else
 * item counts straight from the big-endian entry offsets; values converted from the (viewed
 * or decompressed) payload, nothing cached or copied. Returns 0 when the basket needs the
 * general path (no offsets and no usable counter, or a generated offset map). */
static int read_whole_jagged(rf_table *t, size_t col, size_t k, rf_column_data *out, int64_t *n0, rf_status *s,
                             rf_error *err)
{
    tt_table *tt = t->impl;
    const tt_column *tc = &tt->cols[col];
    const tt_basket_ref *ref = &tc->baskets[k];
    if (ref->embedded || tt->cache[col].index == (long)k)
        return 0;
    basket_info bi = {0};
    const uint8_t *data;
    if ((*s = fetch_basket(t, tt, ref, &bi, err)) != RF_OK)
        return 1;
    if (bi.gen_offsets)
        return 0;
    /* The counts save work only where decompression can stop before the entry-offset array
     * (LZ4; stored baskets are viewed, other codecs decode whole blocks). */
    if (tc->counter >= 0 && tc->header == 0 && !basket_stored_raw(&bi) &&
        rf_unzip_stops_early(bi.raw + bi.keylen, (size_t)(bi.nbytes - bi.keylen))) {
        int64_t a = ref->first - tc->branch->first_entry, b = ref->last - tc->branch->first_entry;
        const int64_t *co = counts_cached(tt, tc->counter, a, b);
        /* Counting pays only if the counts are reused by the collection's other columns:
         * when the counter has more baskets than the cache has slots, column after column
         * would evict them (measured 0.55 of the bound on a NanoAOD-like file). */
        if (!co && tt->cols[tc->counter].nbaskets <= TT_COUNT_SLOTS) {
            /* reading the counter may move the source's window: fetch the basket again */
            if (counter_offsets(t, tt, tc->counter, a, b, &co, err) != RF_OK)
                co = NULL; /* the entry offsets decide */
            if ((*s = fetch_basket(t, tt, ref, &bi, err)) != RF_OK)
                return 1;
        }
        if (co && jagged_by_counter(t, tc, &bi, co, out, n0, s, err))
            return 1;
    }
    int64_t n = bi.nevbuf, len = bi.last - bi.keylen;
    if ((uint64_t)bi.objlen < (uint64_t)len + 4 + 4 * (uint64_t)(n + 1))
        return 0;
    /* A compressed basket whose values keep their size decompresses straight into the output,
     * as fixed baskets do: values in place, the entry offsets after them (read from there,
     * then overwritten by the next basket); no scratch copy. */
    size_t vs = rf_dtype_size(out->dtype), ss = rf_dtype_size(tc->src);
    int inplace = !basket_stored_raw(&bi) && !tc->header && !tc->packed && !tc->d32_float && vs == ss;
    if ((*s = rf_coldata_reserve_offsets(out, 0, *n0 + n, err)) != RF_OK ||
        (*s = rf_coldata_reserve_values(out, out->nvalues + (inplace ? bi.objlen : len) / (int64_t)ss + 1, err)) != RF_OK)
        return 1;
    uint8_t *dst = (uint8_t *)out->values + (size_t)out->nvalues * vs;
    if (inplace)
        *s = unpack_basket(t, &bi, dst, err), data = dst;
    else
        *s = basket_payload(t, &bi, &tt->unpacked, &tt->unpacked_cap, &data, err);
    if (*s != RF_OK)
        return 1;
    const uint8_t *raw = data + len + 4; /* fNevBuf + 1 big-endian offsets, the last one junk */
    if ((int64_t)load_be32(data + len) != n + 1) {
        *s = rf_fail(err, RF_ERR_FORMAT, "basket entry-offset array is malformed (%d entries)", bi.nevbuf);
        return 1;
    }
    int64_t esize = (int64_t)ss * tc->count, header = tc->header;
    /* (items past 2^31 bytes fit no basket: the general loop finds that without shifts that wide) */
    int pow2 = (esize & (esize - 1)) == 0 && esize < ((int64_t)1 << 31), shift = __builtin_ctzll((unsigned long long)esize);
    int64_t *restrict off = out->offsets[0] + *n0;
    int64_t start0 = n > 0 ? (int32_t)load_be32(raw) - bi.keylen : len;
    int64_t acc = off[0], rem = 0, neg = start0 | (len - start0);
    if (pow2 && n > 0) {
        /* outputs past the caches: the 8-byte offsets go to memory without being read first */
        int64_t bad = tc->stream && !header
                          ? rf_be32_offsets_stream(off, raw, n, (uint32_t)(start0 + bi.keylen), shift, acc)
                          : item_offsets_pow2(raw, n, start0 + bi.keylen, header, shift, acc, off);
        int64_t prev = (int32_t)load_be32(raw + 4 * (n - 1)) - (start0 + bi.keylen) - (n - 1) * header;
        int64_t last = len - start0 - n * header;
        off[n] = acc + (last >> shift);
        rem = (bad | last) & (esize - 1);
        neg |= bad | (last - prev);
    } else {
        int64_t start = start0;
        for (int64_t e = 0; e < n; e++) {
            int64_t end = e + 1 < n ? (int32_t)load_be32(raw + 4 * (e + 1)) - bi.keylen : len;
            int64_t bytes = end - start - header, items = bytes / esize;
            rem |= bytes - items * esize;
            neg |= bytes;
            acc += items;
            off[e + 1] = acc;
            start = end;
        }
    }
    if (neg < 0 || rem != 0) {
        *s = rf_fail(err, RF_ERR_FORMAT, "entry offsets out of order or not multiples of %lld bytes", (long long)esize);
        return 1;
    }
    off -= *n0;
    int64_t m = *n0 + n;
    if (!header) {
        int64_t cnt = (len - start0) / (int64_t)ss;
        if (inplace && start0) /* values after a gap: close it first (convert needs src == dst) */
            memmove(dst, dst + start0, (size_t)cnt * ss);
        convert(tc, out->dtype, dst, inplace ? dst : data + start0, cnt);
        out->nvalues += cnt;
    } else {
        for (int64_t e = 0; e < n; e++) {
            int64_t cnt = (off[*n0 + e + 1] - off[*n0 + e]) * tc->count;
            int64_t at = (int32_t)load_be32(raw + 4 * e) - bi.keylen + header;
            convert(tc, out->dtype, (uint8_t *)out->values + (size_t)out->nvalues * vs, data + at, cnt);
            out->nvalues += cnt;
        }
    }
    *n0 = m;
    return 1;
}

/* First basket whose entries end after `entry` (baskets are sorted). */
static size_t first_basket(const tt_column *tc, int64_t entry)
{
    size_t lo = 0, hi = tc->nbaskets;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (tc->baskets[mid].last <= entry)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int64_t tt_block_end(const rf_table *t, size_t col, int64_t entry)
{
    const tt_table *tt = t->impl;
    const tt_column *tc = &tt->cols[col];
    int64_t base = tc->branch->first_entry;
    size_t k = first_basket(tc, entry + base);
    return k < tc->nbaskets && tc->baskets[k].first <= entry + base ? tc->baskets[k].last - base : -1;
}

rf_status tt_read(rf_table *t, size_t col, int64_t first, int64_t last, rf_column_data *out, rf_error *err)
{
    tt_table *tt = t->impl;
    tt_column *tc = &tt->cols[col];
    int64_t n[RF_MAX_LEVELS] = {0};
    int64_t base = tc->branch->first_entry;
    int64_t e = first;
    out->nvalues = 0;
    /* outputs past the caches are written with streaming stores where values are copied */
    tc->stream = (double)t->columns[col].uncompressed_bytes * (double)(last - first) >=
                 (double)RF_STREAM_BYTES * (double)(t->entries > 0 ? t->entries : 1);
    for (size_t k = first_basket(tc, first + base); e < last && k < tc->nbaskets; k++) {
        const tt_basket_ref *ref = &tc->baskets[k];
        RF_CHECK(ref->first - base <= e, err, RF_ERR_FORMAT, "%s: branch '%s' has no basket for entry %lld",
                 t->name, tc->branch->name, (long long)e);
        int64_t e0 = e - (ref->first - base), e1 = (last < ref->last - base ? last : ref->last - base) - (ref->first - base);
        rf_status s = RF_OK;
        int whole = e0 == 0 && e1 == ref->last - ref->first;
        if (whole && ((tc->enc == TT_FIXED && read_direct(t, col, k, out, &s, err)) ||
                      (tc->enc == TT_JAGGED && read_whole_jagged(t, col, k, out, &n[0], &s, err)))) {
            if (s != RF_OK)
                return rf_wrap(err, s, "%s: branch '%s', basket %zu at offset %lld: ", t->name, tc->branch->name,
                               k, (long long)ref->seek);
            e += e1 - e0;
            continue;
        }
        RF_TRY(load_basket(t, col, k, err));
        const tt_basket *bk = &tt->cache[col];
        if (tc->enc == TT_FIXED)
            s = read_fixed(tc, bk, e0, e1, out, err);
        else if (tc->enc == TT_JAGGED)
            s = read_jagged(tc, bk, e0, e1, out, &n[0], err);
        else
            s = tt_read_objects(tc, bk, e0, e1, out, n, err);
        if (s != RF_OK)
            return rf_wrap(err, s, "%s: branch '%s', basket %zu at offset %lld: ", t->name, tc->branch->name, k,
                           (long long)ref->seek);
        e += e1 - e0;
    }
    RF_CHECK(e == last, err, RF_ERR_FORMAT, "%s: branch '%s' has baskets for %lld entries, %lld needed", t->name,
             tc->branch->name, (long long)(e), (long long)last);
    return RF_OK;
}
