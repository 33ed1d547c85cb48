/* ttree_read.c - reading entries [a, b) of one TTree column: locate the baskets, read and
 * decompress each once (the last one stays cached for the next range), recover entry
 * boundaries (offset array, or the counter branch when a basket was written without one),
 * and convert big-endian values into the caller's buffers. */
#include <stdlib.h>
#include <string.h>

#include "../common/endian.h"
#include "../common/error.h"
#include "ttree.h"

static rf_status grow_bytes(uint8_t **p, size_t *cap, size_t need, rf_error *err)
{
    if (need <= *cap)
        return RF_OK;
    RF_CHECK(need <= RF_MAX_ALLOC, err, RF_ERR_NOMEM, "basket of %zu bytes is over the limit", need);
    void *q = realloc(*p, need);
    RF_CHECK(q, err, RF_ERR_NOMEM, "out of memory for a basket of %zu bytes", need);
    *p = q;
    *cap = need;
    return RF_OK;
}

static rf_status grow_offsets(tt_basket *bk, size_t n, rf_error *err)
{
    if (n <= bk->offsets_cap)
        return RF_OK;
    RF_CHECK(n <= RF_MAX_ALLOC / 4, err, RF_ERR_NOMEM, "offset array too large");
    void *q = realloc(bk->offsets, n * sizeof *bk->offsets);
    RF_CHECK(q, err, RF_ERR_NOMEM, "out of memory");
    bk->offsets = q;
    bk->offsets_cap = n;
    return RF_OK;
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

/* Reads the basket key at ref->seek, decompresses it and finds data and offsets. */
static rf_status load_stored(rf_table *t, tt_table *tt, tt_basket *bk, const tt_basket_ref *ref, rf_error *err)
{
    rf_file *f = t->file;
    RF_CHECK(ref->bytes > 0, err, RF_ERR_FORMAT, "basket size %d", ref->bytes);
    RF_TRY(grow_bytes(&tt->scratch, &tt->scratch_cap, (size_t)ref->bytes, err));
    RF_TRY(f->src->read_at(f->src, (uint64_t)ref->seek, tt->scratch, (size_t)ref->bytes, err));
    rf_key key;
    size_t used;
    RF_TRY(rf_key_parse(tt->scratch, (size_t)ref->bytes, &key, &used, err));
    int32_t keylen = key.keylen, objlen = key.objlen, nbytes = key.nbytes;
    rf_key_clear(&key);
    const uint8_t *h = tt->scratch + used;
    RF_CHECK(nbytes == ref->bytes && keylen >= (int32_t)used + 19 && keylen <= nbytes, err, RF_ERR_FORMAT,
             "basket key sizes (nbytes %d, keylen %d) do not match the branch's %d", nbytes, keylen, ref->bytes);
    int32_t nevbufsize = (int32_t)load_be32(h + 6);
    const uint8_t *q = h + 10 + (nevbufsize < 0);
    int32_t nevbuf = (int32_t)load_be32(q), last = (int32_t)load_be32(q + 4);
    RF_CHECK(nevbuf == ref->last - ref->first, err, RF_ERR_FORMAT, "basket holds %d entries, %lld expected", nevbuf,
             (long long)(ref->last - ref->first));
    RF_CHECK(last >= keylen && last - keylen <= objlen && (uint64_t)objlen <= RF_MAX_ALLOC, err, RF_ERR_FORMAT,
             "basket fLast %d inconsistent with keylen %d and object length %d", last, keylen, objlen);
    RF_TRY(grow_bytes(&bk->buf, &bk->cap, (size_t)objlen + 1, err));
    size_t stored = (size_t)(nbytes - keylen);
    if ((size_t)objlen > stored)
        RF_TRY(rf_unzip(f->codec, tt->scratch + keylen, stored, bk->buf, (size_t)objlen, err));
    else
        memcpy(bk->buf, tt->scratch + keylen, (size_t)objlen);
    bk->data = bk->buf;
    bk->len = (size_t)(last - keylen);
    bk->nentries = nevbuf;
    size_t rest = (size_t)objlen - bk->len;
    if (rest == 0 || (nevbufsize < 0 && (q[-1] & 1))) { /* no offsets, or a generated offset map */
        free(bk->offsets);
        bk->offsets = NULL;
        bk->offsets_cap = 0;
        return RF_OK;
    }
    RF_CHECK(rest >= 4 && (int64_t)load_be32(bk->buf + bk->len) == (int64_t)nevbuf + 1 &&
             rest >= 4 + 4 * ((size_t)nevbuf + 1), err, RF_ERR_FORMAT,
             "basket entry-offset array is malformed (%zu bytes for %d entries)", rest, nevbuf);
    return set_offsets(bk, (const int32_t *)(bk->buf + bk->len + 4), 1, nevbuf, keylen, err);
}

/* Builds entry offsets from the counter column for a basket written without them. */
static rf_status offsets_from_counter(rf_table *t, tt_column *tc, tt_basket *bk, const tt_basket_ref *ref,
                                      rf_error *err)
{
    RF_CHECK(tc->counter >= 0, err, RF_ERR_FORMAT, "basket has no entry offsets and no counter branch is known");
    rf_column_data cnt;
    rf_column_data_init(&cnt);
    cnt.dtype = t->columns[tc->counter].dtype;
    rf_status s = tt_read(t, (size_t)tc->counter, ref->first, ref->last, &cnt, err);
    if (s == RF_OK)
        s = grow_offsets(bk, (size_t)bk->nentries + 1, err);
    int64_t pos = 0, esize = (int64_t)tc->count * (int64_t)rf_dtype_size(tc->src);
    for (int64_t i = 0; s == RF_OK && i < bk->nentries; i++) {
        int64_t c;
        switch (rf_dtype_size(cnt.dtype)) {
        case 1: c = ((const int8_t *)cnt.values)[i]; break;
        case 2: c = ((const int16_t *)cnt.values)[i]; break;
        case 4: c = ((const int32_t *)cnt.values)[i]; break;
        default: c = ((const int64_t *)cnt.values)[i]; break;
        }
        bk->offsets[i] = (int32_t)pos;
        pos += tc->header + c * esize;
        if (c < 0 || pos > (int64_t)bk->len)
            s = rf_fail(err, RF_ERR_FORMAT, "counter value %lld at entry %lld overruns the basket (%zu bytes)",
                        (long long)c, (long long)(ref->first + i), bk->len);
    }
    if (s == RF_OK)
        bk->offsets[bk->nentries] = (int32_t)pos;
    rf_column_data_free(&cnt);
    return s;
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

/* Converts n big-endian values of the column's stored type into dst (dtype order). */
static void convert(const tt_column *tc, rf_dtype dt, uint8_t *dst, const uint8_t *src, int64_t n)
{
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
        else
            memcpy(dst, src, (size_t)n);
        break;
    case 2:
        for (int64_t i = 0; i < n; i++)
            store_le16(dst + 2 * i, load_be16(src + 2 * i));
        break;
    case 4:
        for (int64_t i = 0; i < n; i++)
            store_le32(dst + 4 * i, load_be32(src + 4 * i));
        break;
    default:
        for (int64_t i = 0; i < n; i++)
            store_le64(dst + 8 * i, load_be64(src + 8 * i));
        break;
    }
}

/* Appends n values at src to out. */
static rf_status append_values(const tt_column *tc, rf_column_data *out, const uint8_t *src, int64_t n,
                               rf_error *err)
{
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
        return append_values(tc, out, bk->data + e0 * tc->stride, (e1 - e0) * tc->count, err);
    for (int64_t e = e0; e < e1; e++)
        RF_TRY(append_values(tc, out, bk->data + e * tc->stride + tc->offset, tc->count, err));
    return RF_OK;
}

/* Appends one item count to level l. */
static rf_status push_count(rf_column_data *out, int l, int64_t *n, int64_t count, rf_error *err)
{
    RF_TRY(rf_coldata_reserve_offsets(out, l, *n + 1, err));
    out->offsets[l][*n + 1] = out->offsets[l][*n] + count;
    (*n)++;
    return RF_OK;
}

static rf_status read_jagged(const tt_column *tc, const tt_basket *bk, int64_t e0, int64_t e1,
                             rf_column_data *out, int64_t *n0, rf_error *err)
{
    int64_t esize = (int64_t)rf_dtype_size(tc->src) * tc->count;
    for (int64_t e = e0; e < e1; e++) {
        int64_t bytes = (int64_t)bk->offsets[e + 1] - bk->offsets[e] - tc->header;
        RF_CHECK(bytes >= 0 && bytes % esize == 0, err, RF_ERR_FORMAT,
                 "entry %lld has %lld bytes, not a multiple of %lld", (long long)e, (long long)bytes, (long long)esize);
        RF_TRY(push_count(out, 0, n0, bytes / esize, err));
        RF_TRY(append_values(tc, out, bk->data + bk->offsets[e] + tc->header, bytes / esize * tc->count, err));
    }
    return RF_OK;
}

/* One serialized vector<T> (i32 n, n values) at p within [p, end): appends, returns bytes. */
static int64_t stl_inner(const tt_column *tc, rf_column_data *out, const uint8_t *p, const uint8_t *end,
                         int64_t *count, rf_error *err)
{
    int64_t size = (int64_t)rf_dtype_size(tc->src);
    if (end - p < 4)
        return -1;
    int64_t n = (int32_t)load_be32(p);
    if (n < 0 || n > (end - p - 4) / size)
        return -1;
    if (append_values(tc, out, p + 4, n, err) != RF_OK)
        return -2;
    *count = n;
    return 4 + n * size;
}

static rf_status read_stl(const tt_column *tc, const tt_basket *bk, int64_t e0, int64_t e1, rf_column_data *out,
                          int64_t *n, rf_error *err)
{
    for (int64_t e = e0; e < e1; e++) {
        const uint8_t *p = bk->data + bk->offsets[e], *end = bk->data + bk->offsets[e + 1];
        RF_CHECK(end - p >= 10 && (load_be32(p) & 0x40000000u), err, RF_ERR_FORMAT,
                 "entry %lld: STL container header missing", (long long)e);
        p += 6;
        int64_t count, used;
        if (tc->enc == TT_STL1) {
            used = stl_inner(tc, out, p, end, &count, err);
            if (used == -2)
                return err ? err->code : RF_ERR_NOMEM;
            RF_CHECK(used >= 0, err, RF_ERR_FORMAT, "entry %lld: vector length runs past the entry", (long long)e);
            RF_TRY(push_count(out, 0, &n[0], count, err));
            continue;
        }
        int64_t outer = (int32_t)load_be32(p);
        p += 4;
        RF_CHECK(outer >= 0 && outer <= (end - p) / 4, err, RF_ERR_FORMAT, "entry %lld: bad outer length %lld",
                 (long long)e, (long long)outer);
        RF_TRY(push_count(out, 0, &n[0], outer, err));
        for (int64_t j = 0; j < outer; j++) {
            used = stl_inner(tc, out, p, end, &count, err);
            if (used == -2)
                return err ? err->code : RF_ERR_NOMEM;
            RF_CHECK(used >= 0, err, RF_ERR_FORMAT, "entry %lld: inner vector %lld runs past the entry",
                     (long long)e, (long long)j);
            RF_TRY(push_count(out, 1, &n[1], count, err));
            p += used;
        }
    }
    return RF_OK;
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

rf_status tt_read(rf_table *t, size_t col, int64_t first, int64_t last, rf_column_data *out, rf_error *err)
{
    tt_table *tt = t->impl;
    tt_column *tc = &tt->cols[col];
    int64_t n[RF_MAX_LEVELS] = {0};
    int64_t base = tc->branch->first_entry;
    int64_t e = first;
    out->nvalues = 0;
    for (size_t k = first_basket(tc, first + base); e < last && k < tc->nbaskets; k++) {
        const tt_basket_ref *ref = &tc->baskets[k];
        RF_CHECK(ref->first - base <= e, err, RF_ERR_FORMAT, "%s: branch '%s' has no basket for entry %lld",
                 t->name, tc->branch->name, (long long)e);
        RF_TRY(load_basket(t, col, k, err));
        const tt_basket *bk = &tt->cache[col];
        int64_t e0 = e - (ref->first - base), e1 = (last < ref->last - base ? last : ref->last - base) - (ref->first - base);
        rf_status s;
        if (tc->enc == TT_FIXED)
            s = read_fixed(tc, bk, e0, e1, out, err);
        else if (tc->enc == TT_JAGGED)
            s = read_jagged(tc, bk, e0, e1, out, &n[0], err);
        else
            s = read_stl(tc, bk, e0, e1, out, n, err);
        if (s != RF_OK)
            return rf_wrap(err, s, "%s: branch '%s', basket %zu at offset %lld: ", t->name, tc->branch->name, k,
                           (long long)ref->seek);
        e += e1 - e0;
    }
    RF_CHECK(e == last, err, RF_ERR_FORMAT, "%s: branch '%s' has baskets for %lld entries, %lld needed", t->name,
             tc->branch->name, (long long)(e), (long long)last);
    return RF_OK;
}
