/* codec.h - ROOT's compressed-block framing. A compressed object is a chain of blocks with
 * 9-byte headers (2 magic bytes, a method byte, 24-bit LE compressed and uncompressed sizes);
 * the algorithm is chosen per block by its magic, never from the file's fCompress. A codec
 * context keeps the decompressor states so that a reader reuses them from basket to basket;
 * one context per thread. */
#ifndef RF_CODEC_H
#define RF_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "rootfeed.h"

typedef struct rf_codec rf_codec;

rf_codec *rf_codec_new(void);
void rf_codec_free(rf_codec *c);

/* Decompresses the block chain in src[0, srclen) into exactly dstlen bytes of dst. Every
 * block is checked: sizes against both buffers, the LZ4 XXH64 checksum, the exact output
 * length. Errors name the block's offset within src. */
rf_status rf_unzip(rf_codec *c, const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen,
                   rf_error *err);

/* As rf_unzip, but only the first `need` bytes of the dstlen-byte object are wanted: blocks
 * after them are not decoded and an LZ4 block stops early (the bytes of dst past `need` are
 * then undefined). Every block decoded is checked as in rf_unzip. */
rf_status rf_unzip_prefix(rf_codec *c, const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen,
                          size_t need, rf_error *err);

/* Whether rf_unzip_prefix can stop inside the first block of src (only LZ4 decodes part of
 * a block), i.e. whether asking for a prefix of a one-block object saves work. */
int rf_unzip_stops_early(const uint8_t *src, size_t srclen);

/* Algorithms, numbered as in ROOT's compression settings (setting = 100*alg + level). */
enum { RF_ZIP_NONE = 0, RF_ZIP_ZLIB = 1, RF_ZIP_LZMA = 2, RF_ZIP_OLD = 3, RF_ZIP_LZ4 = 4, RF_ZIP_ZSTD = 5 };

/* Which algorithm the block at src uses (RF_ZIP_*), or -1 if src is not a block header. */
int rf_zip_block_algorithm(const uint8_t *src, size_t srclen);

/* Compresses src into ROOT blocks (splitting at 0xFFFFFF bytes) with the given setting
 * (e.g. 101, 404, 505, 207; level 0 or alg 0 = store). Writes at most dstcap bytes; returns
 * RF_ERR_ARG in err if it does not fit or does not shrink - the caller then stores raw, as
 * ROOT does. *outlen receives the framed size. */
rf_status rf_zip(rf_codec *c, int setting, const uint8_t *src, size_t srclen, uint8_t *dst,
                 size_t dstcap, size_t *outlen, rf_error *err);

#endif
