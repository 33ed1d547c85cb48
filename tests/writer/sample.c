/* sample.c - deterministic values for the writer tests (see sample.h). */
#include "sample.h"

#include <stdlib.h>
#include <string.h>

#define COL(n, t) {{n, t, RF_KIND_FLAT, 0, {0}}, 0}
const sample_col sample_schema[] = {
    COL("b", RF_BOOL), COL("i8", RF_INT8), COL("u8", RF_UINT8), COL("i16", RF_INT16),
    COL("u16", RF_UINT16), COL("i32", RF_INT32), COL("u32", RF_UINT32), COL("i64", RF_INT64),
    COL("u64", RF_UINT64), COL("f32", RF_FLOAT32), COL("f64", RF_FLOAT64),
    {{"a3", RF_FLOAT32, RF_KIND_FIXED, 1, {3}}, 0},
    {{"m23", RF_INT32, RF_KIND_FIXED, 2, {2, 3}}, 0},
    {{"jf", RF_FLOAT32, RF_KIND_JAGGED, 0, {0}}, 7},
    {{"jd", RF_FLOAT64, RF_KIND_JAGGED, 0, {0}}, 3},
    {{"ji", RF_INT16, RF_KIND_JAGGED, 0, {0}}, 12},
    {{"jb", RF_BOOL, RF_KIND_JAGGED, 0, {0}}, 4},
    {{"ju", RF_UINT64, RF_KIND_JAGGED, 0, {0}}, 2},
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

void sample_fill(const sample_col *c, uint64_t seed, int col, int64_t e0, int64_t n,
                 rf_column_data *d)
{
    size_t es = rf_dtype_size(c->def.dtype), per = items_per(&c->def);
    int jag = c->def.kind == RF_KIND_JAGGED;
    d->dtype = c->def.dtype;
    d->nlevels = jag;
    d->nentries = n;
    int64_t total = n;
    if (jag) {
        d->offsets[0] = realloc(d->offsets[0], (size_t)(n + 1) * 8);
        d->offsets[0][0] = 0;
        for (int64_t e = 0; e < n; e++)
            d->offsets[0][e + 1] = d->offsets[0][e] + sample_count(c, seed, col, e0 + e);
        total = d->offsets[0][n];
    }
    d->nvalues = total * (int64_t)per;
    d->values = realloc(d->values, (size_t)d->nvalues * es + 1);
    uint8_t *p = d->values;
    for (int64_t e = 0, i = 0; e < n; e++) {
        int64_t m = jag ? (d->offsets[0][e + 1] - d->offsets[0][e]) * (int64_t)per : (int64_t)per;
        for (int64_t k = 0; k < m; k++, i++)
            sample_value(c->def.dtype, seed, col, e0 + e, k, p + (size_t)i * es);
    }
}
