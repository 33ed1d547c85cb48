/* xxh3_isa.c - XXH3-64 compiled for one instruction set. The build compiles this file once
 * per variant with that variant's flags and RF_XXH3_NAME set to its function name; hash.c
 * picks the variant the CPU runs. The system libxxhash is built for the x86-64 baseline
 * (SSE2), which hashes RNTuple pages at a third of the AVX2 speed (16 vs 48 GB/s here). */
#include <stddef.h>
#include <stdint.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

uint64_t RF_XXH3_NAME(const void *p, size_t n);

uint64_t RF_XXH3_NAME(const void *p, size_t n)
{
    return XXH3_64bits(p, n);
}
