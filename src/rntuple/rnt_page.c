/* rnt_page.c - decodes one RNTuple page, already decompressed, from its column type into the
 * column's natural dtype: plain little-endian copies, split (byte-interleaved) pages, zigzag
 * for split signed integers, per-page delta (prefix sum) for split index columns, half floats
 * (Real16), and the LSB-first bit streams of Bit, Real32Trunc and Real32Quant. Also the dtype
 * conversion that follows (e.g. a Double32_t stored as SplitReal32 read as float64). The
 * loops here are the per-value hot path: they are kept simple enough to vectorize. */
#include <math.h>
#include <string.h>

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

/* Un-splits n elements of w bytes: the page holds all byte-0s, then all byte-1s, ... The
 * three widths are written out so that the compiler vectorizes them (measured hot loop). */
static void unsplit16(const uint8_t *restrict src, int64_t n, uint8_t *restrict dst)
{
    const uint8_t *restrict b0 = src, *restrict b1 = src + n;
    for (int64_t i = 0; i < n; i++) {
        dst[2 * i] = b0[i];
        dst[2 * i + 1] = b1[i];
    }
}

static void unsplit32(const uint8_t *restrict src, int64_t n, uint8_t *restrict dst)
{
    const uint8_t *restrict b0 = src, *restrict b1 = src + n, *restrict b2 = src + 2 * n, *restrict b3 = src + 3 * n;
    for (int64_t i = 0; i < n; i++) {
        dst[4 * i] = b0[i];
        dst[4 * i + 1] = b1[i];
        dst[4 * i + 2] = b2[i];
        dst[4 * i + 3] = b3[i];
    }
}

static void unsplit64(const uint8_t *restrict src, int64_t n, uint8_t *restrict dst)
{
    const uint8_t *restrict b0 = src, *restrict b1 = src + n, *restrict b2 = src + 2 * n, *restrict b3 = src + 3 * n;
    const uint8_t *restrict b4 = src + 4 * n, *restrict b5 = src + 5 * n, *restrict b6 = src + 6 * n;
    const uint8_t *restrict b7 = src + 7 * n;
    for (int64_t i = 0; i < n; i++) {
        uint8_t *restrict o = dst + 8 * i;
        o[0] = b0[i], o[1] = b1[i], o[2] = b2[i], o[3] = b3[i];
        o[4] = b4[i], o[5] = b5[i], o[6] = b6[i], o[7] = b7[i];
    }
}

static void unsplit(const uint8_t *restrict src, int64_t n, int w, uint8_t *restrict dst)
{
    if (w == 2)
        unsplit16(src, n, dst);
    else if (w == 4)
        unsplit32(src, n, dst);
    else
        unsplit64(src, n, dst);
}

/* Un-split and un-zigzag of 16-bit integers in one pass (the default int16 encoding). */
static void unsplit_zz16(const uint8_t *restrict src, int64_t n, int16_t *restrict dst)
{
    const uint8_t *restrict b0 = src, *restrict b1 = src + n;
    for (int64_t i = 0; i < n; i++) {
        uint16_t u = (uint16_t)(b0[i] | b1[i] << 8);
        dst[i] = (int16_t)((u >> 1) ^ (uint16_t)-(u & 1));
    }
}

static void unzigzag(void *p, int64_t n, int w)
{
    if (w == 4) {
        uint32_t *v = p;
        for (int64_t i = 0; i < n; i++)
            v[i] = (v[i] >> 1) ^ (uint32_t)-(v[i] & 1);
    } else {
        uint64_t *v = p;
        for (int64_t i = 0; i < n; i++)
            v[i] = (v[i] >> 1) ^ (uint64_t)-(v[i] & 1);
    }
}

static void undelta(void *p, int64_t n, int w)
{
    if (w == 4) {
        uint32_t *v = p;
        for (int64_t i = 1; i < n; i++)
            v[i] += v[i - 1];
    } else {
        uint64_t *v = p;
        for (int64_t i = 1; i < n; i++)
            v[i] += v[i - 1];
    }
}

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0x1f)
        bits = sign | 0x7f800000u | man << 13;
    else if (exp)
        bits = sign | (exp + 112) << 23 | man << 13;
    else if (man) {
        int e = -1;
        do {
            e++;
            man <<= 1;
        } while (!(man & 0x400));
        bits = sign | (uint32_t)(112 - e) << 23 | (man & 0x3ff) << 13;
    } else
        bits = sign;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static void halves(const uint8_t *src, int64_t n, float *dst)
{
    for (int64_t i = 0; i < n; i++)
        dst[i] = half_to_float(load_le16(src + 2 * i));
}

/* Element i of an LSB-first stream of `bits`-bit values. */
static inline uint32_t bits_at(const uint8_t *src, uint64_t nbytes, int64_t i, int bits)
{
    uint64_t bit = (uint64_t)i * (uint64_t)bits, byte = bit / 8, v = 0;
    for (uint64_t k = 0; k < 5 && byte + k < nbytes; k++)
        v |= (uint64_t)src[byte + k] << (8 * k);
    return (uint32_t)((v >> (bit % 8)) & (((uint64_t)1 << bits) - 1));
}

static void unpack_bits(const rnt_column *col, const uint8_t *src, int64_t n, void *dst)
{
    uint64_t nb = rnt_page_bytes(col, n);
    if (col->type == CT_BIT) {
        uint8_t *d = dst;
        for (int64_t i = 0; i < n; i++)
            d[i] = (src[i >> 3] >> (i & 7)) & 1;
    } else if (col->type == CT_TRUNC) {
        float *d = dst;
        for (int64_t i = 0; i < n; i++) {
            uint32_t u = bits_at(src, nb, i, col->bits) << (32 - col->bits);
            memcpy(&d[i], &u, 4);
        }
    } else {
        double *d = dst, lo = col->min, scale = (col->max - col->min);
        double qmax = (double)(((uint64_t)1 << col->bits) - 1);
        for (int64_t i = 0; i < n; i++)
            d[i] = lo + (double)bits_at(src, nb, i, col->bits) * scale / qmax;
    }
}

void rnt_page_decode(const rnt_column *col, const uint8_t *src, int64_t n, void *dst, uint8_t *tmp)
{
    int w = col->bits / 8;
    (void)tmp;
    switch (col->type) {
    case CT_BIT: case CT_TRUNC: case CT_QUANT:
        unpack_bits(col, src, n, dst);
        return;
    case CT_REAL16:
        halves(src, n, dst);
        return;
    case CT_SREAL16:
        unsplit(src, n, 2, tmp);
        halves(tmp, n, dst);
        return;
    case CT_SINT16:
        unsplit_zz16(src, n, dst);
        return;
    case CT_SUINT16: case CT_SREAL32: case CT_SREAL64: case CT_SUINT32: case CT_SUINT64:
        unsplit(src, n, w, dst);
        return;
    case CT_SINT32: case CT_SINT64:
        unsplit(src, n, w, dst);
        unzigzag(dst, n, w);
        return;
    case CT_SINDEX32: case CT_SINDEX64:
        unsplit(src, n, w, dst);
        undelta(dst, n, w);
        return;
    default:
        memcpy(dst, src, (size_t)n * (size_t)w);
    }
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
