/* rnt_page.c - decodes one RNTuple page, already decompressed, from its column type into the
 * column's natural dtype: plain little-endian copies, split (byte-interleaved) pages, zigzag
 * for split signed integers, per-page delta (prefix sum) for split index columns, half floats
 * (Real16), and the LSB-first bit streams of Bit, Real32Trunc and Real32Quant. Also the dtype
 * conversion that follows (e.g. a Double32_t stored as SplitReal32 read as float64). The
 * loops here are the per-value hot path: they are kept simple enough to vectorize. */
#include <math.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "rnt.h"
#include "../common/endian.h"

enum {
    CT_BIT = 0x00, CT_BYTE, CT_CHAR, CT_INT8, CT_UINT8, CT_INT16, CT_UINT16, CT_INT32, CT_UINT32,
    CT_INT64, CT_UINT64, CT_REAL16, CT_REAL32, CT_REAL64, CT_INDEX32, CT_INDEX64, CT_SWITCH,
    CT_SINT16, CT_SUINT16, CT_SINT32, CT_SUINT32, CT_SINT64, CT_SUINT64, CT_SREAL16, CT_SREAL32,
    CT_SREAL64, CT_SINDEX32, CT_SINDEX64, CT_TRUNC, CT_QUANT
};

/* Fixed storage bits of each type (0: variable or unsupported). */
static const uint8_t fixed_bits[] = {1, 8, 8, 8, 8, 16, 16, 32, 32, 64, 64, 16, 32, 64, 32, 64, 0,
                                     16, 16, 32, 32, 64, 64, 16, 32, 64, 32, 64, 0, 0};

int rnt_coltype_known(uint16_t type, uint16_t bits)
{
    if (type == CT_TRUNC)
        return bits >= 10 && bits <= 31;
    if (type == CT_QUANT)
        return bits >= 1 && bits <= 32;
    return type < sizeof fixed_bits && fixed_bits[type] && fixed_bits[type] == bits;
}

rf_dtype rnt_coltype_natural(uint16_t type)
{
    static const rf_dtype nat[] = {RF_BOOL, RF_UINT8, RF_INT8, RF_INT8, RF_UINT8, RF_INT16, RF_UINT16,
        RF_INT32, RF_UINT32, RF_INT64, RF_UINT64, RF_FLOAT32, RF_FLOAT32, RF_FLOAT64, RF_UINT32, RF_INT64,
        RF_UINT8, RF_INT16, RF_UINT16, RF_INT32, RF_UINT32, RF_INT64, RF_UINT64, RF_FLOAT32, RF_FLOAT32,
        RF_FLOAT64, RF_UINT32, RF_INT64, RF_FLOAT32, RF_FLOAT64};
    return type < sizeof nat / sizeof nat[0] ? nat[type] : RF_UINT8;
}

uint64_t rnt_page_bytes(const rnt_column *col, int64_t n)
{
    return ((uint64_t)n * col->bits + 7) / 8;
}

int rnt_page_is_plain(const rnt_column *col, rf_dtype out)
{
    switch (col->type) {
    case CT_BYTE: case CT_CHAR: case CT_INT8: case CT_UINT8: case CT_INT16: case CT_UINT16:
    case CT_INT32: case CT_UINT32: case CT_INT64: case CT_UINT64: case CT_REAL32: case CT_REAL64:
    case CT_INDEX64:
        return rnt_coltype_natural(col->type) == out ||
               (rf_dtype_size(out) == col->bits / 8 && out != RF_BOOL && out != RF_FLOAT32 &&
                out != RF_FLOAT64 && col->type != CT_REAL32 && col->type != CT_REAL64);
    default:
        return 0;
    }
}

/* ---- transforms ---- */

/* Split pages hold all byte-0s of the page's n elements, then all byte-1s, and so on. The
 * un-split loops below read the planes and write whole elements in one pass; zigzag (split
 * signed integers) and the delta prefix sum (split index columns) are fused into the same
 * pass by working in blocks of BLK elements: a block is un-split into dst with the byte
 * interleave loop (which compilers turn into SIMD unpack instructions) and transformed in
 * place while it is still in L1. Each loop has a fixed element width and restrict pointers
 * so that it vectorizes (checked with -fopt-info-vec). */
#define BLK 512

static void unsplit16(const uint8_t *restrict s, size_t n, size_t stride, uint8_t *restrict d)
{
    const uint8_t *restrict b0 = s, *restrict b1 = s + stride;
    for (size_t i = 0; i < n; i++) {
        d[2 * i] = b0[i];
        d[2 * i + 1] = b1[i];
    }
}

static void unsplit32(const uint8_t *restrict s, size_t n, size_t stride, uint8_t *restrict d)
{
    const uint8_t *restrict b0 = s, *restrict b1 = s + stride, *restrict b2 = s + 2 * stride;
    const uint8_t *restrict b3 = s + 3 * stride;
    for (size_t i = 0; i < n; i++) {
        d[4 * i] = b0[i];
        d[4 * i + 1] = b1[i];
        d[4 * i + 2] = b2[i];
        d[4 * i + 3] = b3[i];
    }
}

static void unsplit64(const uint8_t *restrict s, size_t n, size_t stride, uint8_t *restrict d)
{
    const uint8_t *restrict b0 = s, *restrict b1 = s + stride, *restrict b2 = s + 2 * stride;
    const uint8_t *restrict b3 = s + 3 * stride, *restrict b4 = s + 4 * stride;
    const uint8_t *restrict b5 = s + 5 * stride, *restrict b6 = s + 6 * stride;
    const uint8_t *restrict b7 = s + 7 * stride;
    for (size_t i = 0; i < n; i++) {
        uint8_t *restrict o = d + 8 * i;
        o[0] = b0[i], o[1] = b1[i], o[2] = b2[i], o[3] = b3[i];
        o[4] = b4[i], o[5] = b5[i], o[6] = b6[i], o[7] = b7[i];
    }
}

/* Un-splits elements [a, a+n) of a page of `stride` w-byte elements into d. */
static void unsplit_part(const uint8_t *s, size_t a, size_t n, size_t stride, int w, uint8_t *d)
{
    if (w == 2)
        unsplit16(s + a, n, stride, d);
    else if (w == 4)
        unsplit32(s + a, n, stride, d);
    else
        unsplit64(s + a, n, stride, d);
}

static void unzigzag16(uint16_t *restrict v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (uint16_t)((v[i] >> 1) ^ (uint16_t)(0u - (v[i] & 1u)));
}

static void unzigzag32(uint32_t *restrict v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (v[i] >> 1) ^ (0u - (v[i] & 1u));
}

static void unzigzag64(uint64_t *restrict v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (v[i] >> 1) ^ (0u - (v[i] & 1u));
}

/* Prefix sums continuing from *run (the previous block's last value). */
static void undelta32(uint32_t *restrict v, size_t n, uint64_t *run)
{
    uint32_t r = (uint32_t)*run;
    for (size_t i = 0; i < n; i++)
        v[i] = r += v[i];
    *run = r;
}

static void undelta64(uint64_t *restrict v, size_t n, uint64_t *run)
{
    uint64_t r = *run;
    for (size_t i = 0; i < n; i++)
        v[i] = r += v[i];
    *run = r;
}

enum { XF_NONE, XF_ZIGZAG, XF_DELTA };

/* Non-temporal stores where the target has them (SSE2): a 16-byte aligned body, memcpy for
 * the unaligned head and the tail, a fence at the end. */
void rnt_stream_copy(void *dst, const void *src, size_t n)
{
#ifdef __SSE2__
    uint8_t *d = dst;
    const uint8_t *s = src;
    size_t head = (16 - ((uintptr_t)d & 15)) & 15, i;
    head = head < n ? head : n;
    memcpy(d, s, head);
    for (i = head; i + 64 <= n; i += 64) {
        __m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 16));
        __m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 32));
        __m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 48));
        _mm_stream_si128((__m128i *)(void *)(d + i), x0);
        _mm_stream_si128((__m128i *)(void *)(d + i + 16), x1);
        _mm_stream_si128((__m128i *)(void *)(d + i + 32), x2);
        _mm_stream_si128((__m128i *)(void *)(d + i + 48), x3);
    }
    memcpy(d + i, s + i, n - i);
    _mm_sfence();
#else
    memcpy(dst, src, n);
#endif
}

/* Applies transform xf in place to m w-byte elements (run: the delta's running total). */
static void transform(uint8_t *d, size_t m, int w, int xf, uint64_t *run)
{
    if (xf == XF_ZIGZAG && w == 2)
        unzigzag16((uint16_t *)(void *)d, m);
    else if (xf == XF_ZIGZAG && w == 4)
        unzigzag32((uint32_t *)(void *)d, m);
    else if (xf == XF_ZIGZAG)
        unzigzag64((uint64_t *)(void *)d, m);
    else if (xf == XF_DELTA && w == 4)
        undelta32((uint32_t *)(void *)d, m, run);
    else if (xf == XF_DELTA)
        undelta64((uint64_t *)(void *)d, m, run);
}

/* Un-splits a page of n w-byte elements into dst and applies transform xf, block by block,
 * in place in dst. (Non-temporal stores here were measured: no gain over these loops.) */
static void unsplit_page(const uint8_t *src, size_t n, int w, int xf, uint8_t *dst)
{
    if (xf == XF_NONE) {
        unsplit_part(src, 0, n, n, w, dst);
        return;
    }
    uint64_t run = 0;
    for (size_t a = 0; a < n; a += BLK) {
        size_t m = n - a < BLK ? n - a : BLK;
        uint8_t *d = dst + a * (size_t)w;
        unsplit_part(src, a, m, n, w, d);
        transform(d, m, w, xf, &run);
    }
}

/* IEEE half to float, bit-exact for every input (normals, subnormals, infinities, NaN
 * payloads), without branches on the data: the exponent is rebased, and subnormals are
 * renormalized by one float subtraction (F. Giesen's method). */
static inline float half_to_float(uint16_t h)
{
    const uint32_t shifted_exp = 0x7c00u << 13;
    uint32_t o = (uint32_t)(h & 0x7fff) << 13, exp = o & shifted_exp;
    o += (uint32_t)(127 - 15) << 23;
    o += exp == shifted_exp ? (uint32_t)(128 - 16) << 23 : 0;
    uint32_t sub = o + (1u << 23), mbits = (uint32_t)113 << 23;
    float f, magic;
    memcpy(&f, &sub, 4);
    memcpy(&magic, &mbits, 4);
    f -= magic;
    memcpy(&sub, &f, 4);
    o = exp == 0 ? sub : o;
    o |= (uint32_t)(h & 0x8000) << 16;
    memcpy(&f, &o, 4);
    return f;
}

/* Half floats, plain (little-endian pairs) or split (two byte planes). */
static void halves(const uint8_t *restrict src, size_t n, int split, float *restrict dst)
{
    if (split)
        for (size_t i = 0; i < n; i++)
            dst[i] = half_to_float((uint16_t)(src[i] | src[n + i] << 8));
    else
        for (size_t i = 0; i < n; i++)
            dst[i] = half_to_float((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
}

/* Element i of an LSB-first stream of `bits`-bit values (bits <= 32): one 8-byte load while
 * 8 bytes remain in the stream, byte by byte at its tail. */
static inline uint32_t bits_at(const uint8_t *src, uint64_t nbytes, uint64_t i, int bits)
{
    uint64_t bit = i * (uint64_t)bits, byte = bit / 8, v = 0, mask = ((uint64_t)1 << bits) - 1;
    if (byte + 8 <= nbytes)
        return (uint32_t)((load_le64(src + byte) >> (bit % 8)) & mask);
    for (uint64_t k = 0; k < 5 && byte + k < nbytes; k++)
        v |= (uint64_t)src[byte + k] << (8 * k);
    return (uint32_t)((v >> (bit % 8)) & mask);
}

static void unpack_bits(const rnt_column *col, const uint8_t *src, size_t n, void *dst)
{
    uint64_t nb = rnt_page_bytes(col, (int64_t)n);
    if (col->type == CT_BIT) {
        uint8_t *restrict d = dst;
        for (size_t i = 0; i < n; i++)
            d[i] = (src[i >> 3] >> (i & 7)) & 1;
    } else if (col->type == CT_TRUNC) {
        float *d = dst;
        for (size_t i = 0; i < n; i++) {
            uint32_t u = bits_at(src, nb, i, col->bits) << (32 - col->bits);
            memcpy(&d[i], &u, 4);
        }
    } else {
        double *d = dst, lo = col->min, scale = (col->max - col->min);
        double qmax = (double)(((uint64_t)1 << col->bits) - 1);
        for (size_t i = 0; i < n; i++)
            d[i] = lo + (double)bits_at(src, nb, i, col->bits) * scale / qmax;
    }
}

/* The transform of a split column type after its un-split (XF_*), -1 for other types. */
static int split_transform(uint16_t type)
{
    switch (type) {
    case CT_SINT16: case CT_SINT32: case CT_SINT64:
        return XF_ZIGZAG;
    case CT_SINDEX32: case CT_SINDEX64:
        return XF_DELTA;
    case CT_SUINT16: case CT_SREAL32: case CT_SREAL64: case CT_SUINT32: case CT_SUINT64:
        return XF_NONE;
    default:
        return -1;
    }
}

void rnt_page_decode(const rnt_column *col, const uint8_t *src, int64_t n64, void *dst)
{
    size_t n = (size_t)n64;
    int w = col->bits / 8, xf = split_transform(col->type);
    if (xf >= 0) {
        unsplit_page(src, n, w, xf, dst);
        return;
    }
    switch (col->type) {
    case CT_BIT: case CT_TRUNC: case CT_QUANT:
        unpack_bits(col, src, n, dst);
        return;
    case CT_REAL16: case CT_SREAL16:
        halves(src, n, col->type == CT_SREAL16, dst);
        return;
    default:
        memcpy(dst, src, n * (size_t)w);
    }
}

int rnt_page_decodes_part(const rnt_column *col)
{
    return split_transform(col->type) >= 0;
}

void rnt_page_decode_part(const rnt_column *col, const uint8_t *src, int64_t n, int64_t a, int64_t b, void *dst,
                          rnt_cursor *cur)
{
    int w = col->bits / 8, xf = split_transform(col->type);
    uint64_t run = 0;
    if (xf == XF_DELTA) { /* the running total at a: summed on from the cursor, back from it
                           * (index reads start one element before the last one ended), or
                           * from the page's start */
        uint64_t tmp[BLK];
        size_t i = 0;
        if (cur->pos <= a) {
            i = (size_t)cur->pos, run = cur->run;
        } else if (cur->pos - a <= BLK) {
            size_t m = (size_t)(cur->pos - a);
            unsplit_part(src, (size_t)a, m, (size_t)n, w, (uint8_t *)tmp);
            run = cur->run;
            for (size_t k = 0; k < m; k++)
                run -= w == 4 ? ((const uint32_t *)(const void *)tmp)[k] : tmp[k];
            i = (size_t)a;
        }
        for (size_t m; i < (size_t)a; i += m) {
            m = (size_t)a - i < BLK ? (size_t)a - i : BLK;
            unsplit_part(src, i, m, (size_t)n, w, (uint8_t *)tmp);
            transform((uint8_t *)tmp, m, w, XF_DELTA, &run);
        }
    }
    for (size_t i = (size_t)a; i < (size_t)b; i += BLK) { /* transformed while the block is in L1 */
        size_t m = (size_t)b - i < BLK ? (size_t)b - i : BLK;
        uint8_t *d = (uint8_t *)dst + (i - (size_t)a) * (size_t)w;
        unsplit_part(src, i, m, (size_t)n, w, d);
        if (xf != XF_NONE)
            transform(d, m, w, xf, &run);
    }
    if (xf == XF_DELTA)
        *cur = (rnt_cursor){b, run};
}

/* ---- dtype conversion ---- */

#define CONV_LOOP(ST, DT)                                                                          \
    do {                                                                                           \
        const ST *s_ = src;                                                                        \
        DT *d_ = dst;                                                                              \
        for (int64_t i = 0; i < n; i++)                                                            \
            d_[i] = (DT)s_[i];                                                                     \
    } while (0)

#define CONV_FROM(ST)                                                                              \
    switch (to) {                                                                                  \
    case RF_BOOL: { const ST *s_ = src; uint8_t *d_ = dst;                                        \
        for (int64_t i = 0; i < n; i++) d_[i] = s_[i] != 0; } break;                              \
    case RF_INT8: CONV_LOOP(ST, int8_t); break;                                                    \
    case RF_UINT8: CONV_LOOP(ST, uint8_t); break;                                                  \
    case RF_INT16: CONV_LOOP(ST, int16_t); break;                                                  \
    case RF_UINT16: CONV_LOOP(ST, uint16_t); break;                                                \
    case RF_INT32: CONV_LOOP(ST, int32_t); break;                                                  \
    case RF_UINT32: CONV_LOOP(ST, uint32_t); break;                                                \
    case RF_INT64: CONV_LOOP(ST, int64_t); break;                                                  \
    case RF_UINT64: CONV_LOOP(ST, uint64_t); break;                                                \
    case RF_FLOAT32: CONV_LOOP(ST, float); break;                                                  \
    case RF_FLOAT64: CONV_LOOP(ST, double); break;                                                 \
    default: break;                                                                                \
    }

/* Float to integer conversions of out-of-range values are undefined in C: clamp NaN and
 * out-of-range values to 0 first (they do not occur for any type pairing ROOT writes). */
static void float_to_int_safe(rf_dtype from, const void *src, rf_dtype to, void *dst, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        double v = from == RF_FLOAT32 ? (double)((const float *)src)[i] : ((const double *)src)[i];
        if (!(v > -9.2e18 && v < 9.2e18))
            v = 0;
        int64_t k = (int64_t)v;
        rnt_convert(RF_INT64, &k, to, (uint8_t *)dst + (size_t)i * rf_dtype_size(to), 1);
    }
}

void rnt_convert(rf_dtype from, const void *src, rf_dtype to, void *dst, int64_t n)
{
    if (from == to) {
        memmove(dst, src, (size_t)n * rf_dtype_size(to));
        return;
    }
    if ((from == RF_FLOAT32 || from == RF_FLOAT64) && to != RF_FLOAT32 && to != RF_FLOAT64 && to != RF_BOOL) {
        float_to_int_safe(from, src, to, dst, n);
        return;
    }
    switch (from) {
    case RF_BOOL: case RF_UINT8: CONV_FROM(uint8_t); break;
    case RF_INT8: CONV_FROM(int8_t); break;
    case RF_INT16: CONV_FROM(int16_t); break;
    case RF_UINT16: CONV_FROM(uint16_t); break;
    case RF_INT32: CONV_FROM(int32_t); break;
    case RF_UINT32: CONV_FROM(uint32_t); break;
    case RF_INT64: CONV_FROM(int64_t); break;
    case RF_UINT64: CONV_FROM(uint64_t); break;
    case RF_FLOAT32: CONV_FROM(float); break;
    case RF_FLOAT64: CONV_FROM(double); break;
    default: break;
    }
}
