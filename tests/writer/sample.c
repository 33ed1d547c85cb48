/* sample.c - deterministic values for the writer tests (see sample.h). */
#include "sample.h"

#include <stdlib.h>
#include <string.h>

#define COL(n, t) {{n, t, RF_KIND_FLAT, 0, {0}, 0}, 0}
const sample_col sample_schema[] = {
    COL("b", RF_BOOL), COL("i8", RF_INT8), COL("u8", RF_UINT8), COL("i16", RF_INT16),
    COL("u16", RF_UINT16), COL("i32", RF_INT32), COL("u32", RF_UINT32), COL("i64", RF_INT64),
    COL("u64", RF_UINT64), COL("f32", RF_FLOAT32), COL("f64", RF_FLOAT64),
    {{"a3", RF_FLOAT32, RF_KIND_FIXED, 1, {3}, 0}, 0},
    {{"m23", RF_INT32, RF_KIND_FIXED, 2, {2, 3}, 0}, 0},
    {{"jf", RF_FLOAT32, RF_KIND_JAGGED, 0, {0}, 0}, 7},
    {{"jd", RF_FLOAT64, RF_KIND_JAGGED, 0, {0}, 0}, 3},
    {{"ji", RF_INT16, RF_KIND_JAGGED, 0, {0}, 0}, 12},
    {{"jb", RF_BOOL, RF_KIND_JAGGED, 0, {0}, 0}, 4},
    {{"ju", RF_UINT64, RF_KIND_JAGGED, 0, {0}, 0}, 2},
    {{"vvf", RF_FLOAT32, RF_KIND_JAGGED, 0, {0}, 2}, 4},
    {{"vvb", RF_BOOL, RF_KIND_JAGGED, 0, {0}, 2}, 3},
    {{"vvvu", RF_UINT64, RF_KIND_JAGGED, 0, {0}, 3}, 3},
    {{"v4i", RF_INT16, RF_KIND_JAGGED, 0, {0}, RF_MAX_LEVELS}, 2},
};
#undef COL
const int sample_ncols = (int)(sizeof sample_schema / sizeof sample_schema[0]);

int sample_count(const sample_col *c, uint64_t seed, int col, int64_t e)
{
    return (int)(sample_hash(seed * 7919 + (uint64_t)col * 1000003 + (uint64_t)e * 31 + 17) %
                 (uint64_t)(c->max_items + 1));
}

void sample_value(rf_dtype d, uint64_t seed, int col, int64_t e, int64_t k, void *dst)
{
    uint64_t h = sample_hash(seed ^ sample_hash((uint64_t)col << 40 ^ (uint64_t)e << 8 ^ (uint64_t)k));
    switch (d) {
    case RF_BOOL: *(uint8_t *)dst = h & 1; break;
    case RF_INT8: case RF_UINT8: *(uint8_t *)dst = (uint8_t)h; break;
    case RF_INT16: case RF_UINT16: { uint16_t v = (uint16_t)h; memcpy(dst, &v, 2); break; }
    case RF_INT32: case RF_UINT32: { uint32_t v = (uint32_t)h; memcpy(dst, &v, 4); break; }
    case RF_INT64: case RF_UINT64: memcpy(dst, &h, 8); break;
    case RF_FLOAT32: { float v = (float)((int64_t)(h % 2000000) - 1000000) / 64.0f; memcpy(dst, &v, 4); break; }
    default: { double v = (double)((int64_t)(h >> 12) - ((int64_t)1 << 51)) / 1024.0; memcpy(dst, &v, 8); break; }
    }
}

static size_t items_per(const rf_writer_column *c)
{
    size_t n = 1;
    for (int i = 0; i < c->ndims; i++)
        n *= (size_t)c->shape[i];
    return n;
}

/* Items of the level-l item that is the k-th of its level in entry e (level 0: the entry). */
static int64_t item_count(const sample_col *c, uint64_t seed, int col, int64_t e, int l, int64_t k)
{
    if (l == 0)
        return sample_count(c, seed, col, e);
    return (int64_t)(sample_hash(seed * 31 + (uint64_t)col * 7 + sample_hash((uint64_t)e << 20 ^ (uint64_t)l << 16 ^
                                                                             (uint64_t)k)) %
                     (uint64_t)(c->max_items + 1));
}

static void push_offset(rf_column_data *d, int l, int64_t *n, int64_t count)
{
    d->offsets[l] = realloc(d->offsets[l], (size_t)(n[l] + 2) * 8);
    if (n[l] == 0)
        d->offsets[l][0] = 0;
    d->offsets[l][n[l] + 1] = d->offsets[l][n[l]] + count;
    n[l]++;
}

/* Appends the offsets of entry e below the item k[l] of level l, and its count of values. */
static int64_t fill_entry(const sample_col *c, uint64_t seed, int col, int64_t e, int l, int64_t *k,
                          rf_column_data *d, int64_t *n)
{
    int64_t m = item_count(c, seed, col, e, l, k[l]++);
    push_offset(d, l, n, m);
    if (l + 1 == d->nlevels)
        return m;
    int64_t values = 0;
    for (int64_t i = 0; i < m; i++)
        values += fill_entry(c, seed, col, e, l + 1, k, d, n);
    return values;
}

void sample_fill(const sample_col *c, uint64_t seed, int col, int64_t e0, int64_t n,
                 rf_column_data *d)
{
    size_t es = rf_dtype_size(c->def.dtype), per = items_per(&c->def);
    int jag = c->def.kind == RF_KIND_JAGGED;
    d->dtype = c->def.dtype;
    d->nlevels = jag ? (c->def.nlevels > 1 ? c->def.nlevels : 1) : 0;
    d->nentries = n;
    int64_t total = 0, items[RF_MAX_LEVELS] = {0}, *ventry = malloc((size_t)(n + 1) * 8);
    for (int l = 0; l < d->nlevels; l++) {
        d->offsets[l] = realloc(d->offsets[l], 8);
        d->offsets[l][0] = 0;
    }
    for (int64_t e = 0; e < n; e++) {
        int64_t k[RF_MAX_LEVELS] = {0};
        ventry[e] = total;
        total += jag ? fill_entry(c, seed, col, e0 + e, 0, k, d, items) : 1;
    }
    d->nvalues = total * (int64_t)per;
    d->values = realloc(d->values, (size_t)d->nvalues * es + 1);
    uint8_t *p = d->values;
    for (int64_t e = 0, i = 0; e < n; e++) {
        int64_t m = ((e + 1 < n ? ventry[e + 1] : total) - ventry[e]) * (int64_t)per;
        for (int64_t k = 0; k < m; k++, i++)
            sample_value(c->def.dtype, seed, col, e0 + e, k, p + (size_t)i * es);
    }
    free(ventry);
}
