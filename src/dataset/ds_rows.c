/* ds_rows.c - writing decoded columns into row-major matrices (rf_dataset_read_rows): the
 * loader's column -> row transpose, with the shuffle fused in (entry i goes to row rows[i]),
 * the type conversion fused in, and jagged columns cut or padded to a fixed number of items.
 *
 * The hot case - one value per entry, any dtype to any dtype - runs through a loop generated
 * for each (source, destination) pair (measured hot loop: ~1 ns per value matters against
 * decompression at 1-3 GB/s). Fixed-size and jagged columns go through one generic loop that
 * converts item by item. Conversions are C casts, except float -> integer, which gives the
 * target's minimum for NaN and out-of-range values instead of undefined behaviour. */
#include "dataset.h"

#include <math.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "../common/error.h"

typedef uint8_t rf_bool_t;

/* float -> integer of target type T with min/max TMIN/TMAX (exclusive upper bound as double) */
#define F2I(T, TMIN, HI, x) \
    ((x) >= (double)(TMIN) && (x) < (HI) ? (T)(x) : (T)(TMIN))

#define CONV_int8_t(x) ((int8_t)(x))
#define CONV_uint8_t(x) ((uint8_t)(x))
#define CONV_int16_t(x) ((int16_t)(x))
#define CONV_uint16_t(x) ((uint16_t)(x))
#define CONV_int32_t(x) ((int32_t)(x))
#define CONV_uint32_t(x) ((uint32_t)(x))
#define CONV_int64_t(x) ((int64_t)(x))
#define CONV_uint64_t(x) ((uint64_t)(x))
#define CONV_float(x) ((float)(x))
#define CONV_double(x) ((double)(x))
#define CONV_rf_bool_t(x) ((rf_bool_t)((x) != 0))

/* Conversions from floating point to integers, safe for NaN and out-of-range values. */
#define FCONV_int8_t(x) F2I(int8_t, INT8_MIN, 128.0, x)
#define FCONV_uint8_t(x) F2I(uint8_t, 0, 256.0, x)
#define FCONV_int16_t(x) F2I(int16_t, INT16_MIN, 32768.0, x)
#define FCONV_uint16_t(x) F2I(uint16_t, 0, 65536.0, x)
#define FCONV_int32_t(x) F2I(int32_t, INT32_MIN, 2147483648.0, x)
#define FCONV_uint32_t(x) F2I(uint32_t, 0, 4294967296.0, x)
#define FCONV_int64_t(x) F2I(int64_t, INT64_MIN, 9223372036854775808.0, x)
#define FCONV_uint64_t(x) F2I(uint64_t, 0, 18446744073709551616.0, x)
#define FCONV_float(x) ((float)(x))
#define FCONV_double(x) ((double)(x))
#define FCONV_rf_bool_t(x) ((rf_bool_t)((x) != 0))

/* is_float(S) selects FCONV for floating sources */
#define PICK_0(D, x) CONV_##D(x)
#define PICK_1(D, x) FCONV_##D(x)
#define PICK(F, D, x) PICK_##F(D, x)

/* One flat value per entry: dst row rows[i] <- src[i]. */
#define SCATTER_FN(S, SF, D)                                                                   \
    static void scatter_##S##_##D(const void *src, int64_t n, const int64_t *rows,              \
                                  uint8_t *base, size_t stride)                                 \
    {                                                                                           \
        const S *s = src;                                                                       \
        for (int64_t i = 0; i < n; i++) {                                                       \
            if (rows[i] < 0)                                                                    \
                continue;                                                                       \
            S v;                                                                                \
            memcpy(&v, &s[i], sizeof v);                                                        \
            D d = PICK(SF, D, v);                                                               \
            memcpy(base + (size_t)rows[i] * stride, &d, sizeof d);                              \
        }                                                                                       \
    }                                                                                           \
    static void convert_##S##_##D(const void *src, void *dst, int64_t n)                        \
    {                                                                                           \
        const S *s = src;                                                                       \
        uint8_t *o = dst;                                                                       \
        for (int64_t i = 0; i < n; i++) {                                                       \
            S v;                                                                                \
            memcpy(&v, &s[i], sizeof v);                                                        \
            D d = PICK(SF, D, v);                                                               \
            memcpy(o + (size_t)i * sizeof d, &d, sizeof d);                                     \
        }                                                                                       \
    }

#define FOR_DST(S, SF)                                                                          \
    SCATTER_FN(S, SF, rf_bool_t) SCATTER_FN(S, SF, int8_t) SCATTER_FN(S, SF, uint8_t)           \
    SCATTER_FN(S, SF, int16_t) SCATTER_FN(S, SF, uint16_t) SCATTER_FN(S, SF, int32_t)           \
    SCATTER_FN(S, SF, uint32_t) SCATTER_FN(S, SF, int64_t) SCATTER_FN(S, SF, uint64_t)          \
    SCATTER_FN(S, SF, float) SCATTER_FN(S, SF, double)

FOR_DST(rf_bool_t, 0)
FOR_DST(int8_t, 0)
FOR_DST(uint8_t, 0)
FOR_DST(int16_t, 0)
FOR_DST(uint16_t, 0)
FOR_DST(int32_t, 0)
FOR_DST(uint32_t, 0)
FOR_DST(int64_t, 0)
FOR_DST(uint64_t, 0)
FOR_DST(float, 1)
FOR_DST(double, 1)

typedef void (*scatter_fn)(const void *, int64_t, const int64_t *, uint8_t *, size_t);
typedef void (*convert_fn)(const void *, void *, int64_t);

#define ROW(S, P)                                                                                \
    {P##_##S##_rf_bool_t, P##_##S##_int8_t, P##_##S##_uint8_t, P##_##S##_int16_t,               \
     P##_##S##_uint16_t, P##_##S##_int32_t, P##_##S##_uint32_t, P##_##S##_int64_t,              \
     P##_##S##_uint64_t, P##_##S##_float, P##_##S##_double}
#define TABLE(P)                                                                                 \
    {ROW(rf_bool_t, P), ROW(int8_t, P), ROW(uint8_t, P), ROW(int16_t, P), ROW(uint16_t, P),     \
     ROW(int32_t, P), ROW(uint32_t, P), ROW(int64_t, P), ROW(uint64_t, P), ROW(float, P),       \
     ROW(double, P)}

static const scatter_fn scatter_table[RF_DTYPE_COUNT][RF_DTYPE_COUNT] = TABLE(scatter);
static const convert_fn convert_table[RF_DTYPE_COUNT][RF_DTYPE_COUNT] = TABLE(convert);

void ds_convert(rf_dtype from, const void *src, rf_dtype to, void *dst, int64_t n)
{
    convert_table[from][to](src, dst, n);
}

/* The padding value in the destination dtype. */
static void pad_value(const rf_rows_dest *dst, uint8_t out[8])
{
    double p = dst->padding;
    convert_table[RF_FLOAT64][dst->dtype](&p, out, 1);
}

/* One jagged entry's items [0, have) copied and [have, width) padded, es bytes each. */
static inline __attribute__((always_inline)) void cut_pad_entry(uint8_t *out, const uint8_t *in, int64_t have,
                                                                int64_t width, const uint8_t *pad, size_t es)
{
    int64_t k = 0;
    for (have = have < width ? have : width; k < have; k++)
        memcpy(out + es * (size_t)k, in + es * (size_t)k, es);
    for (; k < width; k++)
        memcpy(out + es * (size_t)k, pad, es);
}

/* A jagged column's entries cut or padded to `width` items of es bytes, copied as they are
 * (always inlined: es is a constant at each call). With SSE2, 16 bytes of items at a time
 * without a branch on the entry's size: the items loaded whole, those past the entry's size
 * replaced by the padding under a mask (the entry's size is random: the branchy loops
 * mispredicted once or twice an entry); an entry whose 16-byte loads would pass the end of
 * the values takes the loops. */
static inline __attribute__((always_inline)) void cut_pad(const rf_column_data *src, int64_t e0, int64_t e1,
                                                          const int64_t *rows, const rf_rows_dest *dst,
                                                          int64_t width, const uint8_t *pad, size_t es)
{
    const int64_t *off = src->offsets[0];
    const uint8_t *values = src->values;
#ifdef __SSE2__
    size_t bytes = (size_t)width * es, groups = (bytes + 15) / 16, per = 16 / es;
    size_t tail = bytes - (groups ? groups - 1 : 0) * 16; /* bytes in the last group */
    int64_t room = src->nvalues - (int64_t)(groups * per); /* entries starting at most here load whole */
    __m128i lane = es == 4 ? _mm_setr_epi32(0, 1, 2, 3) : _mm_setr_epi32(0, 0, 1, 1);
    uint32_t p4;
    uint64_t p8;
    memcpy(&p4, pad, 4);
    memcpy(&p8, pad, 8);
    __m128i padv = es == 4 ? _mm_set1_epi32((int)p4) : _mm_set1_epi64x((long long)p8);
#endif
    for (int64_t e = e0; e < e1; e++) {
        int64_t row = rows[e - e0];
        if (row < 0)
            continue;
        int64_t have = off[e + 1] - off[e];
        uint8_t *out = (uint8_t *)dst->base + (size_t)row * dst->row_stride + dst->col_offset;
        const uint8_t *in = values + (size_t)off[e] * es;
#ifdef __SSE2__
        if (room >= 0 && (uint64_t)off[e] <= (uint64_t)room) {
            __m128i n = _mm_set1_epi32((int)(have < width ? have : width));
            for (size_t g = 0; g < groups; g++) {
                __m128i idx = _mm_add_epi32(lane, _mm_set1_epi32((int)(g * per)));
                __m128i m = _mm_cmpgt_epi32(n, idx);
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + 16 * g));
                v = _mm_or_si128(_mm_and_si128(m, v), _mm_andnot_si128(m, padv));
                uint8_t *o = out + 16 * g;
                if (g + 1 < groups || tail == 16)
                    _mm_storeu_si128((__m128i *)(void *)o, v);
                else if (tail == 8)
                    _mm_storel_epi64((__m128i *)(void *)o, v);
                else {
                    uint8_t tmp[16];
                    _mm_storeu_si128((__m128i *)(void *)tmp, v);
                    memcpy(o, tmp, tail);
                }
            }
            continue;
        }
#endif
        cut_pad_entry(out, in, have, width, pad, es);
    }
}

/* Generic path: each entry's items (`per` values per item for fixed columns, a jagged
 * entry's items cut/padded to max_items) converted one by one. */
static void scatter_items(const rf_column_data *src, int64_t per, int64_t e0, int64_t e1,
                          const int64_t *rows, const rf_rows_dest *dst)
{
    size_t es = rf_dtype_size(src->dtype), ds = rf_dtype_size(dst->dtype);
    size_t istride = dst->item_stride ? dst->item_stride : ds;
    convert_fn conv = convert_table[src->dtype][dst->dtype];
    int jag = src->nlevels == 1;
    int64_t width = jag ? dst->max_items : per;
    uint8_t pad[8];
    pad_value(dst, pad);
    if (jag && src->dtype == dst->dtype && istride == es && (es == 4 || es == 8) && !dst->mask) {
        /* the common case (ROOT's float32 vectors cut/padded to max_vec_sizes): fixed-size
         * copies the compiler inlines, not a conversion call per entry */
        if (es == 4)
            cut_pad(src, e0, e1, rows, dst, width, pad, 4);
        else
            cut_pad(src, e0, e1, rows, dst, width, pad, 8);
        return;
    }
    for (int64_t e = e0; e < e1; e++) {
        int64_t row = rows[e - e0];
        if (row < 0)
            continue;
        int64_t first = jag ? src->offsets[0][e] : e * per;
        int64_t have = jag ? src->offsets[0][e + 1] - first : per;
        if (have > width)
            have = width;
        uint8_t *out = (uint8_t *)dst->base + (size_t)row * dst->row_stride + dst->col_offset;
        const uint8_t *in = (const uint8_t *)src->values + (size_t)first * es;
        if (istride == ds)
            conv(in, out, have);
        else
            for (int64_t k = 0; k < have; k++)
                conv(in + (size_t)k * es, out + (size_t)k * istride, 1);
        for (int64_t k = have; k < width; k++)
            memcpy(out + (size_t)k * istride, pad, ds);
        if (dst->mask) {
            uint8_t *m = dst->mask + (size_t)row * dst->mask_row_stride;
            memset(m, 1, (size_t)have);
            memset(m + have, 0, (size_t)(width - have));
        }
    }
}

rf_status ds_scatter(const rf_column_data *src, int64_t per, int64_t e0, int64_t e1,
                     const int64_t *rows, const rf_rows_dest *dst, rf_error *err)
{
    RF_CHECK(src->nlevels <= 1, err, RF_ERR_UNSUPPORTED,
             "columns with %d jagged levels cannot be written as rows", src->nlevels);
    RF_CHECK(src->nlevels == 0 || dst->max_items >= 0, err, RF_ERR_ARG,
             "negative max_items %lld", (long long)dst->max_items);
    if (src->nlevels == 0 && per == 1 && !dst->mask) {
        size_t es = rf_dtype_size(src->dtype);
        scatter_table[src->dtype][dst->dtype]((const uint8_t *)src->values + (size_t)e0 * es,
                                              e1 - e0, rows,
                                              (uint8_t *)dst->base + dst->col_offset,
                                              dst->row_stride);
        return RF_OK;
    }
    scatter_items(src, per, e0, e1, rows, dst);
    return RF_OK;
}
