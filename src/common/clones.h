/* clones.h - RF_VECTOR_CLONES marks a measured hot loop for AVX-512 and AVX2 clones besides
 * the baseline x86-64, chosen at load time (gcc target_clones): the baseline has no byte
 * shuffle and only 2-lane int64 arithmetic, so byte swaps and offset loops run 2-4x slower
 * there. Empty where the compiler or target lacks it, and under ASan and TSan (ifunc resolvers
 * run before the TSan runtime is up). */
#ifndef RF_CLONES_H
#define RF_CLONES_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define RF_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define RF_VECTOR_CLONES
#endif

#endif
