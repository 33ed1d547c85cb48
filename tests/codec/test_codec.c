/* test_codec.c - ROOT compression blocks, each property against known bytes: every algorithm
 * round-trips (rf_zip -> rf_unzip), the old CS blocks (raw deflate, no file in the corpus has
 * them) decode, objects over 16 MiB span several blocks in every algorithm, and corrupt
 * blocks fail with a message instead of crashing: truncated, bad magic, wrong sizes, an LZ4
 * checksum flip (RF_ERR_CHECKSUM), trailing garbage sizes. Prefix decoding (rf_unzip_prefix)
 * gives the same first bytes in every algorithm. rf_xxh3 (the vectorised XXH3 of
 * RNTuple checksums) gives libxxhash's values for every length class. */
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include <xxhash.h>

#include "common/endian.h"
#include "common/hash.h"

#include "../common/check.h"

/* Compressible but not trivial data: a counter mixed with a small LCG. */
static uint8_t *make_data(size_t n)
{
    uint8_t *p = malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)((i / 7) ^ (i % 8 == 0 ? (x >> 24) & 3 : 0));
    }
    return p;
}

static void round_trip(rf_codec *c, int setting, size_t n)
{
    uint8_t *src = make_data(n), *out = malloc(n + 1);
    size_t cap = n + n / 8 + 1024, len = 0;
    uint8_t *z = malloc(cap);
    rf_error err = {0};
    rf_status s = rf_zip(c, setting, src, n, z, cap, &len, &err);
    CHECK(s == RF_OK && len < n, "rf_zip setting %d of %zu bytes: %s", setting, n, err.msg);
    if (s == RF_OK) {
        size_t blocks = 0;
        for (size_t at = 0; at + 9 <= len; blocks++)
            at += 9 + load_le24(z + at + 3);
        CHECK(blocks == (n + 0xFFFFFE) / 0xFFFFFF, "setting %d: %zu bytes in %zu blocks", setting, n, blocks);
        memset(out, 0xAA, n);
        s = rf_unzip(c, z, len, out, n, &err);
        CHECK(s == RF_OK && !memcmp(src, out, n), "rf_unzip setting %d of %zu bytes: %s", setting, n, err.msg);
        /* prefixes: inside the first block, at its end, inside a later block */
        const size_t needs[] = {1, n / 3, n < 0xFFFFFF ? n - 1 : 0xFFFFFF, n < 0xFFFFFF ? n : 0xFFFFFF + 7};
        for (size_t k = 0; k < 4; k++) {
            memset(out, 0xAA, n);
            s = rf_unzip_prefix(c, z, len, out, n, needs[k], &err);
            CHECK(s == RF_OK && !memcmp(src, out, needs[k]), "rf_unzip_prefix setting %d, %zu of %zu bytes: %s",
                  setting, needs[k], n, err.msg);
        }
        /* a prefix still checks what it decodes: the block's output is cut short */
        if (n < 0xFFFFFF) {
            uint8_t h6 = z[6];
            z[6] = (uint8_t)(z[6] + 1); /* uncompressed size of the block + 1 */
            CHECK(rf_unzip_prefix(c, z, len, out, n + 1, n + 1, &err) != RF_OK, "setting %d: short block accepted",
                  setting);
            z[6] = h6;
        }
    }
    free(src);
    free(out);
    free(z);
}

/* A CS block: "CS", method 8, sizes, then a raw deflate stream (ROOT's old algorithm). */
static size_t make_cs(const uint8_t *src, size_t n, uint8_t *dst, size_t cap)
{
    struct libdeflate_compressor *cmp = libdeflate_alloc_compressor(6);
    size_t z = libdeflate_deflate_compress(cmp, src, n, dst + 9, cap - 9);
    libdeflate_free_compressor(cmp);
    dst[0] = 'C', dst[1] = 'S', dst[2] = 8;
    for (int i = 0; i < 3; i++) {
        dst[3 + i] = (uint8_t)(z >> (8 * i));
        dst[6 + i] = (uint8_t)(n >> (8 * i));
    }
    return z + 9;
}

static void test_cs(rf_codec *c)
{
    size_t n = 100000;
    uint8_t *src = make_data(n), *z = malloc(2 * n), *out = malloc(n);
    size_t len = make_cs(src, n, z, 2 * n);
    rf_error err = {0};
    CHECK(rf_unzip(c, z, len, out, n, &err) == RF_OK && !memcmp(src, out, n), "CS block: %s", err.msg);
    CHECK(rf_zip_block_algorithm(z, len) == RF_ZIP_OLD, "CS block algorithm");
    free(src);
    free(z);
    free(out);
}

static void test_corrupt(rf_codec *c)
{
    size_t n = 50000, cap = 2 * n, len = 0;
    uint8_t *src = make_data(n), *z = malloc(cap), *out = malloc(n);
    const int settings[] = {101, 207, 404, 505};
    for (int k = 0; k < 4; k++) {
        rf_error err = {0};
        if (rf_zip(c, settings[k], src, n, z, cap, &len, &err) != RF_OK)
            continue;
        CHECK(rf_unzip(c, z, len - 1, out, n, &err) != RF_OK && err.msg[0], "truncated %d accepted", settings[k]);
        CHECK(rf_unzip(c, z, len, out, n + 1, &err) != RF_OK, "longer output accepted (%d)", settings[k]);
        CHECK(rf_unzip(c, z, len, out, n - 1, &err) != RF_OK, "shorter output accepted (%d)", settings[k]);
        uint8_t save = z[0];
        z[0] = 'Q';
        CHECK(rf_unzip(c, z, len, out, n, &err) == RF_ERR_FORMAT, "bad magic accepted (%d)", settings[k]);
        z[0] = save;
        z[len / 2] ^= 0x10; /* flip a bit inside the compressed stream */
        rf_status s = rf_unzip(c, z, len, out, n, &err);
        if (settings[k] == 404)
            CHECK(s == RF_ERR_CHECKSUM, "LZ4 bit flip gave %d: %s", (int)s, err.msg);
        else
            CHECK(s != RF_OK || memcmp(out, src, n) != 0, "bit flip in %d went unnoticed", settings[k]);
    }
    rf_error err = {0};
    CHECK(rf_unzip(c, z, 5, out, n, &err) == RF_ERR_FORMAT, "5-byte input accepted");
    free(src);
    free(z);
    free(out);
}

/* Short inputs, each XXH3 length class (0-16, 17-128, 129-240, long) and odd tails. */
static void test_xxh3(void)
{
    size_t n = (1u << 20) + 77;
    uint8_t *p = make_data(n);
    for (size_t len = 0; len <= n; len = len < 600 ? len + 1 : len * 3 + 1)
        for (size_t off = 0; off < 3 && off + len <= n; off++)
            CHECK(rf_xxh3(p + off, len) == XXH3_64bits(p + off, len), "rf_xxh3 of %zu bytes at +%zu", len, off);
    free(p);
}

int main(void)
{
    test_xxh3();
    rf_codec *c = rf_codec_new();
    const int settings[] = {101, 109, 207, 404, 505, 301};
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        round_trip(c, settings[i], 1000);
        round_trip(c, settings[i], 300000);
    }
    /* Objects over 16 MiB are split into 0xFFFFFF-byte blocks (two and three blocks). */
    const int big[] = {101, 201, 404, 505};
    for (size_t i = 0; i < 4; i++)
        round_trip(c, big[i], 17u << 20);
    round_trip(c, 505, 0xFFFFFFu * 2 + 5);
    test_cs(c);
    test_corrupt(c);
    rf_codec_free(c);
    return check_summary();
}
