/* stream.h - big-endian to native copies with non-temporal stores (stream.c). */
#ifndef RF_STREAM_H
#define RF_STREAM_H

#include <stddef.h>

/* Outputs at least this large (a core's L2 on the machines measured: the loader's blocks of
 * 500,000 floats stay below) are written with non-temporal stores by the TTree reader. */
#define RF_STREAM_BYTES ((size_t)2 << 20)

/* Copies n bytes of big-endian `width`-byte values (2, 4 or 8) from src to dst as native
 * values, writing dst with non-temporal stores where the CPU has them (dst is then not in
 * cache). dst and src must not overlap. */
void rf_bswap_stream(void *dst, const void *src, size_t n, int width);

#endif
