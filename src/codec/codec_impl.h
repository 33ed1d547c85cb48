/* codec_impl.h - the codec context, shared by the decoding (unzip.c) and encoding (zip.c)
 * halves. Compressors are created on first use and kept. */
#ifndef RF_CODEC_IMPL_H
#define RF_CODEC_IMPL_H

#include <libdeflate.h>
#include <zstd.h>

#include "codec.h"

struct rf_codec {
    struct libdeflate_decompressor *inflate;
    ZSTD_DCtx *zstd;
    ZSTD_CCtx *zstd_c;
    struct libdeflate_compressor *deflate[13]; /* by level */
};

#endif
