/* zip.c - encoding ROOT compressed blocks, the inverse of unzip.c. The input is cut into
 * chunks of at most 0xFFFFFF bytes; each becomes a 9-byte header (magic, method, 24-bit LE
 * compressed and uncompressed sizes) followed by a zlib stream (libdeflate), an .xz stream
 * (liblzma), an LZ4 block behind its big-endian XXH64, a zstd frame, or raw deflate for the
 * old "CS" algorithm. Compressors live in the codec context and are reused. When the result
 * would not be smaller than the input the function says so and the caller stores raw bytes,
 * as ROOT does. */
#include "codec_impl.h"

#include <libdeflate.h>
#include <lz4.h>
#include <lz4hc.h>
#include <lzma.h>
#include <xxhash.h>
#include <zstd.h>

#include "../common/endian.h"
#include "../common/error.h"

#define BLOCK_MAX 0xFFFFFFu
#define HEADER 9

static struct libdeflate_compressor *deflater(rf_codec *c, int level)
{
    if (level < 1)
        level = 1;
    if (level > 12)
        level = 12;
    if (!c->deflate[level])
        c->deflate[level] = libdeflate_alloc_compressor(level);
    return c->deflate[level];
}

/* The .xz stream as ROOT's ZipLZMA makes it: the streaming encoder, whose block headers
 * carry no sizes (JSROOT's decoder expects exactly that layout), with a CRC32 check. */
static size_t xz(int level, const uint8_t *src, size_t n, uint8_t *dst, size_t cap)
{
    lzma_options_lzma opt;
    if (lzma_lzma_preset(&opt, (uint32_t)(level > 9 ? 9 : level)))
        return 0;
    /* A dictionary larger than the input only costs time (presets 7-9 allocate 64+ MiB). */
    while (opt.dict_size > 4096 && opt.dict_size / 2 >= n)
        opt.dict_size /= 2;
    lzma_filter filters[2] = {{LZMA_FILTER_LZMA2, &opt}, {LZMA_VLI_UNKNOWN, NULL}};
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_stream_encoder(&s, filters, LZMA_CHECK_CRC32) != LZMA_OK)
        return 0;
    s.next_in = src, s.avail_in = n, s.next_out = dst, s.avail_out = cap;
    lzma_ret r = lzma_code(&s, LZMA_FINISH);
    size_t got = cap - s.avail_out;
    lzma_end(&s);
    return r == LZMA_STREAM_END ? got : 0;
}

/* Compresses one chunk into dst[0, cap); returns the body size or 0 when it does not fit. */
static size_t zip_body(rf_codec *c, int alg, int level, const uint8_t *src, size_t n, uint8_t *dst,
                       size_t cap)
{
    switch (alg) {
    case RF_ZIP_ZLIB:
    case RF_ZIP_OLD: {
        struct libdeflate_compressor *d = deflater(c, level);
        if (!d)
            return 0;
        return alg == RF_ZIP_ZLIB ? libdeflate_zlib_compress(d, src, n, dst, cap)
                                  : libdeflate_deflate_compress(d, src, n, dst, cap);
    }
    case RF_ZIP_LZMA:
        return xz(level, src, n, dst, cap);
    case RF_ZIP_LZ4: {
        if (cap <= 8 || n > INT32_MAX)
            return 0;
        int room = cap - 8 > INT32_MAX ? INT32_MAX : (int)(cap - 8);
        int got = level >= 4 ? LZ4_compress_HC((const char *)src, (char *)dst + 8, (int)n, room, level)
                             : LZ4_compress_default((const char *)src, (char *)dst + 8, (int)n, room);
        if (got <= 0)
            return 0;
        store_be64(dst, XXH64(dst + 8, (size_t)got, 0));
        return (size_t)got + 8;
    }
    default: {
        if (!c->zstd_c && !(c->zstd_c = ZSTD_createCCtx()))
            return 0;
        size_t z = ZSTD_compressCCtx(c->zstd_c, dst, cap, src, n, level);
        return ZSTD_isError(z) ? 0 : z;
    }
    }
}

static void put_header(uint8_t *h, int alg, size_t csize, size_t usize)
{
    static const char magic[6][3] = {
        {0, 0, 0}, {'Z', 'L', 8}, {'X', 'Z', 0}, {'C', 'S', 8}, {'L', '4', 1}, {'Z', 'S', 1}};
    memcpy(h, magic[alg], 3);
    h[3] = (uint8_t)csize, h[4] = (uint8_t)(csize >> 8), h[5] = (uint8_t)(csize >> 16);
    h[6] = (uint8_t)usize, h[7] = (uint8_t)(usize >> 8), h[8] = (uint8_t)(usize >> 16);
}

rf_status rf_zip(rf_codec *c, int setting, const uint8_t *src, size_t srclen, uint8_t *dst,
                 size_t dstcap, size_t *outlen, rf_error *err)
{
    int alg = setting / 100, level = setting % 100;
    RF_CHECK(setting >= 0 && alg <= RF_ZIP_ZSTD, err, RF_ERR_ARG, "unknown compression setting %d", setting);
    RF_CHECK(level > 0 && srclen > 0, err, RF_ERR_ARG, "compression setting %d stores raw bytes", setting);
    if (alg == 0)
        alg = RF_ZIP_ZLIB;
    size_t in = 0, out = 0;
    while (in < srclen) {
        size_t n = srclen - in < BLOCK_MAX ? srclen - in : BLOCK_MAX;
        size_t room = dstcap - out;
        RF_CHECK(room > HEADER, err, RF_ERR_ARG, "compressed data does not fit in %zu bytes", dstcap);
        room -= HEADER;
        if (room > BLOCK_MAX)
            room = BLOCK_MAX;
        size_t z = zip_body(c, alg, level, src + in, n, dst + out + HEADER, room);
        RF_CHECK(z > 0, err, RF_ERR_ARG, "block at input byte %zu does not compress into %zu bytes", in, room);
        put_header(dst + out, alg, z, n);
        out += HEADER + z;
        in += n;
    }
    RF_CHECK(out < srclen, err, RF_ERR_ARG, "compression does not shrink %zu bytes", srclen);
    *outlen = out;
    return RF_OK;
}
