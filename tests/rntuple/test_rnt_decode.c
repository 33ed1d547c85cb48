/* test_rnt_decode.c - unit tests of the RNTuple page decoders (rnt_page.c) against naive
 * per-element reference decoders: every split type (un-split fused with zigzag and delta),
 * Real16 plain and split, Bit, Real32Trunc and Real32Quant, on edge sizes (0, 1, odd counts,
 * block borders), to aligned and misaligned outputs; the non-temporal copy on small and misaligned sizes; and, with ../shared data, the reuse of
 * shared pages (test_int_multicluster: 191 locators over 4 blobs) against a read that decodes
 * every page on its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootfeed.h"
#include "common/table.h"
#include "rntuple/rnt.h"


#include "../common/check.h"

enum { T_BIT = 0x00, T_REAL16 = 0x0b, T_SINT16 = 0x11, T_SUINT16, T_SINT32, T_SUINT32, T_SINT64, T_SUINT64,
       T_SREAL16, T_SREAL32, T_SREAL64, T_SINDEX32, T_SINDEX64, T_TRUNC, T_QUANT };

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint8_t rnd8(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint8_t)(rng >> 56);
}

/* The branchy half-to-float conversion the reader used before (bit-exact reference). */
static float ref_half(uint16_t h)
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

/* Bit-by-bit LSB-first value i of a stream of `bits`-bit values. */
static uint64_t ref_bits(const uint8_t *src, size_t i, int bits)
{
    uint64_t v = 0;
    for (int k = 0; k < bits; k++) {
        size_t bit = i * (size_t)bits + (size_t)k;
        v |= (uint64_t)((src[bit / 8] >> (bit % 8)) & 1) << k;
    }
    return v;
}

/* Reference decoding of element i of an n-element page into out (natural dtype bytes). */
static void ref_elem(const rnt_column *col, const uint8_t *src, size_t n, size_t i, uint64_t *run, uint8_t *out)
{
    int t = col->type, w = col->bits / 8;
    uint64_t u = 0;
    if (t == T_BIT) {
        out[0] = (uint8_t)ref_bits(src, i, 1);
        return;
    }
    if (t == T_TRUNC || t == T_QUANT) {
        uint64_t q = ref_bits(src, i, col->bits);
        if (t == T_TRUNC) {
            uint32_t v = (uint32_t)(q << (32 - col->bits));
            memcpy(out, &v, 4);
        } else {
            double qmax = (double)(((uint64_t)1 << col->bits) - 1);
            double v = col->min + (double)q * (col->max - col->min) / qmax;
            memcpy(out, &v, 8);
        }
        return;
    }
    int split = t >= T_SINT16;
    for (int k = 0; k < w; k++)
        u |= (uint64_t)(split ? src[(size_t)k * n + i] : src[i * (size_t)w + (size_t)k]) << (8 * k);
    if (t == T_REAL16 || t == T_SREAL16) {
        float f = ref_half((uint16_t)u);
        memcpy(out, &f, 4);
        return;
    }
    if (t == T_SINT16 || t == T_SINT32 || t == T_SINT64)
        u = (u >> 1) ^ (0 - (u & 1));
    if (t == T_SINDEX32 || t == T_SINDEX64)
        u = *run += u;
    for (int k = 0; k < w; k++)
        out[k] = (uint8_t)(u >> (8 * k));
}

/* Decodes a random page of n elements and compares with the reference. */
static int check_type(uint16_t type, uint16_t bits, size_t n, int special_halves)
{
    rnt_column col;
    memset(&col, 0, sizeof col);
    col.type = type, col.bits = bits, col.min = -3.5, col.max = 1e3;
    size_t nb = (size_t)rnt_page_bytes(&col, (int64_t)n), esz = rf_dtype_size(rnt_coltype_natural(type));
    uint8_t *src = malloc(nb + 1), *want = malloc(n * esz + 1), *got = malloc(n * esz + 24);
    for (size_t i = 0; i < nb; i++)
        src[i] = rnd8();
    if (special_halves) /* every 16-bit pattern: subnormals, infinities, NaNs */
        for (size_t i = 0; i < n; i++) {
            src[i] = (uint8_t)i;
            src[n + i] = (uint8_t)(i >> 8);
        }
    uint64_t run = 0;
    for (size_t i = 0; i < n; i++)
        ref_elem(&col, src, n, i, &run, want + i * esz);
    int ok = 1;
    for (int v = 0; v < 2; v++) { /* aligned and misaligned outputs */
        uint8_t *dst = got + (v ? esz : 0);
        memset(got, 0xa5, n * esz + 24);
        rnt_page_decode(&col, src, (int64_t)n, dst);
        ok &= !memcmp(dst, want, n * esz);
        ok &= dst[n * esz] == 0xa5; /* nothing written past the end */
    }
    if (rnt_page_decodes_part(&col)) { /* parts: in order, every other one from the element
                                         * before (as index reads: the delta cursor steps back), then anywhere */
        rnt_cursor cur = {0, 0};
        for (size_t a = 0, b, k = 0; a < n; a = b, k++) {
            size_t a0 = k % 2 && a ? a - 1 : a;
            b = a + 1 + rnd8() * 5u;
            b = b < n ? b : n;
            rnt_page_decode_part(&col, src, (int64_t)n, (int64_t)a0, (int64_t)b, got, &cur);
            ok &= !memcmp(got, want + a0 * esz, (b - a0) * esz);
        }
        for (int r = 0; r < 64 && n; r++) {
            size_t a = ((size_t)rnd8() << 16 | (size_t)rnd8() << 8 | rnd8()) % n, b = a + rnd8() * 9u;
            b = b < n ? b : n;
            rnt_page_decode_part(&col, src, (int64_t)n, (int64_t)a, (int64_t)b, got, &cur);
            ok &= !memcmp(got, want + a * esz, (b - a) * esz);
        }
    }
    free(src), free(want), free(got);
    return ok;
}

static void test_transforms(void)
{
    static const struct { uint16_t type, bits; } types[] = {
        {T_SINT16, 16}, {T_SUINT16, 16}, {T_SINT32, 32}, {T_SUINT32, 32}, {T_SINT64, 64}, {T_SUINT64, 64},
        {T_SREAL16, 16}, {T_SREAL32, 32}, {T_SREAL64, 64}, {T_SINDEX32, 32}, {T_SINDEX64, 64},
        {T_REAL16, 16}, {T_BIT, 1}, {T_TRUNC, 10}, {T_TRUNC, 17}, {T_TRUNC, 31}, {T_QUANT, 1},
        {T_QUANT, 13}, {T_QUANT, 32}};
    static const size_t sizes[] = {0, 1, 2, 3, 7, 15, 17, 63, 511, 512, 513, 1023, 1025, 4097, 70001};
    for (size_t k = 0; k < sizeof types / sizeof *types; k++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
            CHECK(check_type(types[k].type, types[k].bits, sizes[s], 0), "column type 0x%02x (%u bits), %zu elements",
                   types[k].type, types[k].bits, sizes[s]);
    CHECK(check_type(T_SREAL16, 16, 65536, 1), "SplitReal16 over all 65536 half-float patterns");
}

static void test_stream_copy(void)
{
    uint8_t src[300], dst[320];
    int ok = 1;
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = rnd8();
    for (size_t n = 0; n <= 260; n++)
        for (size_t off = 0; off < 17; off += 3) {
            memset(dst, 0x5a, sizeof dst);
            rnt_stream_copy(dst + off, src, n);
            ok &= !memcmp(dst + off, src, n) && dst[off + n] == 0x5a && (off == 0 || dst[off - 1] == 0x5a);
        }
    CHECK(ok, "non-temporal copy differs from memcpy");
}

/* Reads the int16 column of test_int_multicluster whole, in odd blocks, and whole again with
 * page sharing switched off (every locator decoded on its own): all three must agree. */
static void test_shared_pages(const char *dir)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/test_int_multicluster_rntuple_v1-0-0-0.root", dir);
    rf_file *f;
    rf_table *t;
    rf_error err;
    if (rf_file_open(path, &f, &err) != RF_OK || rf_table_open(f, "ntuple", &t, &err) != RF_OK) {
        CHECK(0, "%s", err.msg);
        return;
    }
    rnt_impl *im = t->impl;
    uint64_t shared = 0;
    for (uint64_t i = 0; i < im->d.npages; i++)
        shared += (uint64_t)im->d.pages[i].shared;
    CHECK(im->d.npages == 191 && shared == 189, "%llu pages, %llu shared (want 191, 189)",
           (unsigned long long)im->d.npages, (unsigned long long)shared);
    int64_t n = rf_table_entries(t);
    rf_column_data a, b, c;
    rf_column_data_init(&a), rf_column_data_init(&b), rf_column_data_init(&c);
    rf_status s = rf_table_read(t, 0, 0, n, &a, &err);
    CHECK(s == RF_OK && a.nvalues == n, "whole read: %s", s == RF_OK ? "count" : err.msg);
    int ok = s == RF_OK;
    for (int64_t x = 0; x < n && ok; x += 7777777) {
        int64_t y = x + 7777777 < n ? x + 7777777 : n;
        ok = rf_table_read(t, 0, x, y, &b, &err) == RF_OK &&
             !memcmp((const int16_t *)a.values + x, b.values, (size_t)(y - x) * 2);
    }
    CHECK(ok, "block reads differ from the whole read");
    for (uint64_t i = 0; i < im->d.npages; i++)
        im->d.pages[i].shared = 0;
    s = rf_table_read(t, 0, 0, n, &c, &err);
    CHECK(s == RF_OK && c.nvalues == n && !memcmp(a.values, c.values, (size_t)n * 2),
           "reading shared pages once differs from decoding each locator");
    rf_column_data_free(&a), rf_column_data_free(&b), rf_column_data_free(&c);
    rf_table_close(t);
    rf_file_close(f);
}

int main(void)
{
    test_transforms();
    test_stream_copy();
    char dir[2048];
    if (check_data(dir, sizeof dir, "test_int_multicluster_rntuple_v1-0-0-0.root"))
        test_shared_pages(dir);
    return check_summary();
}
