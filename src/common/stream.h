/* stream.h - big-endian to native copies with non-temporal stores (stream.c). */
#ifndef RF_STREAM_H
#define RF_STREAM_H

#include <stddef.h>
#include <stdint.h>

/* Outputs at least this large (a core's L2 on the machines measured: the loader's blocks of
 * 500,000 floats stay below) are written with non-temporal stores by the TTree reader. */
#define RF_STREAM_BYTES ((size_t)2 << 20)

/* Copies n bytes of big-endian `width`-byte values (2, 4 or 8) from src to dst as native
 * values, writing dst with non-temporal stores where the CPU has them (dst is then not in
 * cache). dst and src must not overlap. */
void rf_bswap_stream(void *dst, const void *src, size_t n, int width);

/* Item offsets from big-endian 32-bit byte positions (a T[n] basket's entry offsets), written
 * with non-temporal stores where the CPU has them: off[i] = acc + ((pos_i - base) >> shift)
 * for i in [1, n), pos_i the i-th value at be32. Returns the OR over i of (pos_i - base) |
 * (pos_i - pos_(i-1)) in 32-bit arithmetic: negative when the positions decrease or one is 2^31
 * or more past base, low bits set when one is not a multiple of the item size (2^shift). */
int32_t rf_be32_offsets_stream(int64_t *off, const uint8_t *be32, int64_t n, uint32_t base, int shift, int64_t acc);

#endif
