/* unzip.c - decoding ROOT compressed blocks: ZL (zlib stream, via libdeflate), CS (the old
 * algorithm = raw deflate), XZ (liblzma), L4 (LZ4 block with an XXH64 checksum of the
 * compressed bytes) and ZS (zstd frame). Objects over 16 MiB span several blocks; the loop
 * runs until the expected output is filled. */
#include "codec_impl.h"

#include <libdeflate.h>
#include <lz4.h>
#include <lzma.h>
#include <stdlib.h>
#include <xxhash.h>
#include <zstd.h>

#include "../common/endian.h"
#include "../common/error.h"



rf_codec *rf_codec_new(void)
{
    rf_codec *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->inflate = libdeflate_alloc_decompressor();
    c->zstd = ZSTD_createDCtx();
    if (!c->inflate || !c->zstd) {
        rf_codec_free(c);
        return NULL;
    }
    return c;
}

void rf_codec_free(rf_codec *c)
{
    if (!c)
        return;
    libdeflate_free_decompressor(c->inflate);
    ZSTD_freeDCtx(c->zstd);
    ZSTD_freeCCtx(c->zstd_c);
    for (int i = 0; i < 13; i++)
        libdeflate_free_compressor(c->deflate[i]);
    free(c);
}

int rf_zip_block_algorithm(const uint8_t *s, size_t n)
{
    if (n < 9)
        return -1;
    if (s[0] == 'Z' && s[1] == 'L')
        return RF_ZIP_ZLIB;
    if (s[0] == 'C' && s[1] == 'S')
        return RF_ZIP_OLD;
    if (s[0] == 'X' && s[1] == 'Z')
        return RF_ZIP_LZMA;
    if (s[0] == 'L' && s[1] == '4')
        return RF_ZIP_LZ4;
    if (s[0] == 'Z' && s[1] == 'S')
        return RF_ZIP_ZSTD;
    return -1;
}

static rf_status unxz(const uint8_t *src, size_t n, uint8_t *dst, size_t m, rf_error *err)
{
    uint64_t memlimit = UINT64_MAX;
    size_t in_pos = 0, out_pos = 0;
    lzma_ret r = lzma_stream_buffer_decode(&memlimit, 0, NULL, src, &in_pos, n, dst, &out_pos, m);
    RF_CHECK(r == LZMA_OK && out_pos == m, err, RF_ERR_FORMAT,
             "xz block does not decode to %zu bytes (liblzma error %d)", m, (int)r);
    return RF_OK;
}

/* An LZ4 block of m bytes, of which the first `need` are decoded (LZ4 stops there). */
static rf_status unlz4(const uint8_t *src, size_t n, uint8_t *dst, size_t m, size_t need, rf_error *err)
{
    RF_CHECK(n >= 8, err, RF_ERR_FORMAT, "lz4 block too short for its checksum");
    uint64_t want = load_be64(src);
    RF_CHECK(XXH64(src + 8, n - 8, 0) == want, err, RF_ERR_CHECKSUM,
             "lz4 block checksum (XXH64) does not match");
    RF_CHECK(n - 8 <= INT32_MAX && m <= INT32_MAX, err, RF_ERR_FORMAT, "lz4 block too large");
    int r = need < m ? LZ4_decompress_safe_partial((const char *)src + 8, (char *)dst, (int)(n - 8), (int)need, (int)m)
                     : LZ4_decompress_safe((const char *)src + 8, (char *)dst, (int)(n - 8), (int)m);
    RF_CHECK(r >= 0 && (size_t)r == need, err, RF_ERR_FORMAT, "lz4 block does not decode to %zu bytes", m);
    return RF_OK;
}

/* Decodes one block body of algorithm alg (zlib-wrapped if zlib_header) into m bytes, at
 * least the first `need` of them (only LZ4 stops early; the others decode all m). */
static rf_status unzip_block(rf_codec *c, int alg, const uint8_t *src, size_t n, uint8_t *dst, size_t m,
                             size_t need, rf_error *err)
{
    enum libdeflate_result r;
    size_t got = 0;
    switch (alg) {
    case RF_ZIP_ZLIB:
        r = libdeflate_zlib_decompress(c->inflate, src, n, dst, m, &got);
        RF_CHECK(r == LIBDEFLATE_SUCCESS && got == m, err, RF_ERR_FORMAT,
                 "zlib block does not decode to %zu bytes (libdeflate result %d)", m, (int)r);
        return RF_OK;
    case RF_ZIP_OLD:
        r = libdeflate_deflate_decompress(c->inflate, src, n, dst, m, &got);
        RF_CHECK(r == LIBDEFLATE_SUCCESS && got == m, err, RF_ERR_FORMAT,
                 "CS (raw deflate) block does not decode to %zu bytes", m);
        return RF_OK;
    case RF_ZIP_LZMA:
        return unxz(src, n, dst, m, err);
    case RF_ZIP_LZ4:
        return unlz4(src, n, dst, m, need, err);
    default: {
        size_t z = ZSTD_decompressDCtx(c->zstd, dst, m, src, n);
        RF_CHECK(!ZSTD_isError(z) && z == m, err, RF_ERR_FORMAT, "zstd block does not decode to %zu bytes: %s",
                 m, ZSTD_isError(z) ? ZSTD_getErrorName(z) : "wrong size");
        return RF_OK;
    }
    }
}

int rf_unzip_stops_early(const uint8_t *src, size_t srclen)
{
    return rf_zip_block_algorithm(src, srclen) == RF_ZIP_LZ4;
}

rf_status rf_unzip(rf_codec *c, const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen,
                   rf_error *err)
{
    return rf_unzip_prefix(c, src, srclen, dst, dstlen, dstlen, err);
}

rf_status rf_unzip_prefix(rf_codec *c, const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen,
                          size_t need, rf_error *err)
{
    size_t in = 0, out = 0;
    need = need < dstlen ? need : dstlen;
    while (out < need) {
        const uint8_t *h = src + in;
        int alg = rf_zip_block_algorithm(h, srclen - in);
        RF_CHECK(alg >= 0, err, RF_ERR_FORMAT,
                 "no compression block header at byte %zu of %zu (output %zu of %zu bytes filled)",
                 in, srclen, out, dstlen);
        size_t csize = load_le24(h + 3), usize = load_le24(h + 6);
        RF_CHECK(csize <= srclen - in - 9, err, RF_ERR_FORMAT,
                 "compressed block at byte %zu claims %zu bytes, only %zu remain", in, csize, srclen - in - 9);
        RF_CHECK(usize > 0 && usize <= dstlen - out, err, RF_ERR_FORMAT,
                 "compressed block at byte %zu claims %zu output bytes, %zu expected", in, usize, dstlen - out);
        size_t part = need - out < usize ? need - out : usize;
        if (unzip_block(c, alg, h + 9, csize, dst + out, usize, part, err) != RF_OK)
            return rf_wrap(err, err ? err->code : RF_ERR_FORMAT, "block at byte %zu: ", in);
        in += 9 + csize;
        out += usize;
    }
    return RF_OK;
}
