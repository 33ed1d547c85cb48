/* rng.h - the random numbers of the loader plan.
 *
 * lp_mt is std::mt19937, and lp_mt_uniform / lp_mt_shuffle reproduce libstdc++'s (GCC >= 11)
 * std::uniform_int_distribution and std::shuffle bit for bit, so that the ROOT-compatible
 * modes draw exactly what ROOT built with GCC draws from the same seed.
 *
 * lp_rng (xoshiro256**, seeded through splitmix64 from a seed and up to four stream words) is
 * rootfeed's own generator: one independent stream per (seed, part, epoch, rank, chunk, ...),
 * so any chunk's permutation is computed without replaying the ones before it. */
#ifndef RF_LOADER_RNG_H
#define RF_LOADER_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct lp_mt {
    uint32_t x[624];
    int i;
} lp_mt;

/* std::mt19937 g(seed): the seed is taken modulo 2^32, as libstdc++ does. */
void lp_mt_seed(lp_mt *m, uint64_t seed);
uint32_t lp_mt_next(lp_mt *m);
/* std::uniform_int_distribution<unsigned long>{a, b}(g). */
uint64_t lp_mt_uniform(lp_mt *m, uint64_t a, uint64_t b);
/* std::shuffle over n elements of size `size` (any element type: only swaps). */
void lp_mt_shuffle(lp_mt *m, void *base, size_t n, size_t size);

typedef struct lp_rng {
    uint64_t s[4];
} lp_rng;

/* A stream determined by seed and the words w[0..n-1] (n <= 4). */
void lp_rng_init(lp_rng *r, uint64_t seed, const uint64_t *w, int n);
uint64_t lp_rng_next(lp_rng *r);
/* Uniform in [0, n), n >= 1, without bias (Lemire's multiply and reject). */
uint64_t lp_rng_below(lp_rng *r, uint64_t n);
/* Fisher-Yates over int64 / uint32 / uint16 values (the latter two with 32-bit draws while
 * n < 2^32: the same draws, so the same permutation, for either). */
void lp_rng_shuffle64(lp_rng *r, int64_t *v, size_t n);
void lp_rng_shuffle32(lp_rng *r, uint32_t *v, size_t n);
void lp_rng_shuffle16(lp_rng *r, uint16_t *v, size_t n);
/* A well-mixed 64-bit value from x (splitmix64's finaliser). */
uint64_t lp_mix64(uint64_t x);
/* A fresh seed from the operating system (never 0). */
uint64_t lp_random_seed(void);

#endif
