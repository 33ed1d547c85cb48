/* hash.h - XXH3-64 (RNTuple's page, envelope and anchor checksums) with the widest vector
 * unit the CPU has; the same values as libxxhash's XXH3_64bits. */
#ifndef RF_HASH_H
#define RF_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t rf_xxh3(const void *p, size_t n);

#endif
