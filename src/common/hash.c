/* hash.c - chooses the XXH3 variant for this CPU: AVX-512 or AVX2 builds of xxh3_isa.c on
 * x86-64 (when the build made them), libxxhash otherwise. */
#include <xxhash.h>

#include "hash.h"

#ifdef RF_XXH3_VARIANTS
uint64_t rf_xxh3_avx2(const void *p, size_t n);
uint64_t rf_xxh3_avx512(const void *p, size_t n);
#endif

uint64_t rf_xxh3(const void *p, size_t n)
{
#ifdef RF_XXH3_VARIANTS
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
        return rf_xxh3_avx512(p, n);
    if (__builtin_cpu_supports("avx2"))
        return rf_xxh3_avx2(p, n);
#endif
    return XXH3_64bits(p, n);
}
