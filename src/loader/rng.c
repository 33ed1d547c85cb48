/* rng.c - std::mt19937 with libstdc++'s uniform_int_distribution and std::shuffle (for the
 * ROOT-compatible plans), and xoshiro256** streams (for rootfeed's native plan). See rng.h. */
#include "rng.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ std::mt19937 */

void lp_mt_seed(lp_mt *m, uint64_t seed)
{
    m->x[0] = (uint32_t)seed;
    for (uint32_t i = 1; i < 624; i++)
        m->x[i] = 1812433253u * (m->x[i - 1] ^ (m->x[i - 1] >> 30)) + i;
    m->i = 624;
}

static void mt_twist(lp_mt *m)
{
    for (int k = 0; k < 624; k++) {
        uint32_t y = (m->x[k] & 0x80000000u) | (m->x[(k + 1) % 624] & 0x7fffffffu);
        m->x[k] = m->x[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    m->i = 0;
}

uint32_t lp_mt_next(lp_mt *m)
{
    if (m->i >= 624)
        mt_twist(m);
    uint32_t y = m->x[m->i++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
}

/* libstdc++'s _S_nd: Lemire's nearly divisionless reduction of a 32-bit draw to [0, range). */
static uint64_t mt_nd(lp_mt *m, uint32_t range)
{
    uint64_t product = (uint64_t)lp_mt_next(m) * range;
    uint32_t low = (uint32_t)product;
    if (low < range) {
        uint32_t threshold = (uint32_t)(-range) % range;
        while (low < threshold) {
            product = (uint64_t)lp_mt_next(m) * range;
            low = (uint32_t)product;
        }
    }
    return product >> 32;
}

uint64_t lp_mt_uniform(lp_mt *m, uint64_t a, uint64_t b)
{
    const uint64_t urngrange = 0xffffffffu, urange = b - a;
    uint64_t ret;
    if (urngrange > urange) {
        ret = mt_nd(m, (uint32_t)(urange + 1));
    } else if (urngrange < urange) { /* upscaling: two or more draws per value */
        uint64_t tmp;
        do {
            tmp = (urngrange + 1) * lp_mt_uniform(m, 0, urange / (urngrange + 1));
            ret = tmp + lp_mt_next(m);
        } while (ret > urange || ret < tmp);
    } else {
        ret = lp_mt_next(m);
    }
    return ret + a;
}

/* Swaps elements i and j; the usual sizes (int64 indices, 16-byte ranges) by fixed-size copies
 * the compiler turns into moves. */
static inline void swap_elems(unsigned char *base, size_t size, uint64_t i, uint64_t j)
{
    unsigned char *p = base + i * size, *q = base + j * size, a[16], b[16];
    if (size == 8) {
        memcpy(a, p, 8);
        memcpy(b, q, 8);
        memcpy(p, b, 8);
        memcpy(q, a, 8);
    } else if (size == 16) {
        memcpy(a, p, 16);
        memcpy(b, q, 16);
        memcpy(p, b, 16);
        memcpy(q, a, 16);
    } else {
        for (size_t k = 0; k < size; k++) {
            unsigned char t = p[k];
            p[k] = q[k];
            q[k] = t;
        }
    }
}

/* std::shuffle as libstdc++ writes it: when n * n fits the generator's range, two swap
 * positions come from one draw (after one single swap when n is even). */
void lp_mt_shuffle(lp_mt *m, void *base, size_t n, size_t size)
{
    unsigned char *b = base;
    if (n == 0)
        return;
    const uint64_t urngrange = 0xffffffffu, urange = n;
    uint64_t i = 1;
    if (urngrange / urange >= urange) {
        if (urange % 2 == 0) {
            swap_elems(b, size, i, lp_mt_uniform(m, 0, 1));
            i++;
        }
        while (i != n) {
            uint64_t r = i + 1, x = lp_mt_uniform(m, 0, r * (r + 1) - 1);
            swap_elems(b, size, i, x / (r + 1));
            swap_elems(b, size, i + 1, x % (r + 1));
            i += 2;
        }
        return;
    }
    for (; i != n; i++)
        swap_elems(b, size, i, lp_mt_uniform(m, 0, i));
}

/* ------------------------------------------------------------------ xoshiro256** */

uint64_t lp_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void lp_rng_init(lp_rng *r, uint64_t seed, const uint64_t *w, int n)
{
    uint64_t h = lp_mix64(seed);
    for (int k = 0; k < n; k++)
        h = lp_mix64(h ^ lp_mix64(w[k] + (uint64_t)k));
    for (int k = 0; k < 4; k++) {
        h += 0x9e3779b97f4a7c15ull;
        r->s[k] = lp_mix64(h);
    }
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t next(lp_rng *r)
{
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint64_t lp_rng_next(lp_rng *r)
{
    return next(r);
}

uint64_t lp_rng_below(lp_rng *r, uint64_t n)
{
    unsigned __int128 p = (unsigned __int128)next(r) * n;
    uint64_t low = (uint64_t)p;
    if (low < n) {
        uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            p = (unsigned __int128)next(r) * n;
            low = (uint64_t)p;
        }
    }
    return (uint64_t)(p >> 64);
}

/* 32 random bits: the two halves of each 64-bit output in turn (*half keeps the second). */
static inline uint32_t bits32(lp_rng *r, uint64_t *half, int *have)
{
    if ((*have ^= 1) == 0)
        return (uint32_t)(*half >> 32);
    *half = next(r);
    return (uint32_t)*half;
}

/* lp_rng_below for 1 <= n <= 2^32 at half the generator's work per draw. */
static inline uint32_t below32(lp_rng *r, uint64_t *half, int *have, uint64_t n)
{
    uint64_t p = (uint64_t)bits32(r, half, have) * n;
    if ((uint32_t)p < n) {
        uint32_t threshold = (uint32_t)((0x100000000ull - n) % n);
        while ((uint32_t)p < threshold)
            p = (uint64_t)bits32(r, half, have) * n;
    }
    return (uint32_t)(p >> 32);
}

/* The draws of a shuffle over r: 64-bit, or 32-bit while n < 2^32 (the same draws whatever
 * the values' width; `half` and `have` are the shuffle's locals). */
#define DRAW64(k) lp_rng_below(r, k)
#define DRAW32(k) below32(r, &half, &have, k)

/* Fisher-Yates whose draws are made LP_AHEAD swaps early, so that the element each swap
 * touches is prefetched: over an array larger than the caches the plain loop waits on one
 * cache miss per swap. The draws, in the same order, give the same permutation. */
#define LP_AHEAD 16
#define LP_SHUFFLE(v, n, draw)                                                                      \
    do {                                                                                           \
        size_t ahead_[LP_AHEAD], steps_ = (n) > 1 ? (n) - 1 : 0;                                   \
        for (size_t s_ = 0; s_ < steps_ + LP_AHEAD; s_++) {                                        \
            size_t k_ = s_ % LP_AHEAD;                                                             \
            if (s_ >= LP_AHEAD) { /* step s_ - LP_AHEAD: swap v[i - 1] with v[j] */                \
                size_t i_ = (n) - (s_ - LP_AHEAD), j_ = ahead_[k_];                                \
                __typeof__(*(v)) t_ = (v)[i_ - 1];                                                 \
                (v)[i_ - 1] = (v)[j_];                                                             \
                (v)[j_] = t_;                                                                      \
            }                                                                                      \
            if (s_ < steps_) {                                                                     \
                ahead_[k_] = (size_t)draw((n) - s_);                                               \
                __builtin_prefetch(&(v)[ahead_[k_]], 1);                                           \
            }                                                                                      \
        }                                                                                          \
    } while (0)

void lp_rng_shuffle64(lp_rng *r, int64_t *v, size_t n)
{
    LP_SHUFFLE(v, n, DRAW64);
}

#define LP_SHUFFLE_NARROW(v, n)                                                                    \
    do {                                                                                           \
        uint64_t half = 0;                                                                         \
        int have = 0;                                                                              \
        if ((n) > 0xffffffffu)                                                                     \
            LP_SHUFFLE(v, n, DRAW64);                                                              \
        else                                                                                       \
            LP_SHUFFLE(v, n, DRAW32);                                                              \
    } while (0)

void lp_rng_shuffle32(lp_rng *r, uint32_t *v, size_t n)
{
    LP_SHUFFLE_NARROW(v, n);
}

void lp_rng_shuffle16(lp_rng *r, uint16_t *v, size_t n)
{
    LP_SHUFFLE_NARROW(v, n);
}

uint64_t lp_random_seed(void)
{
    uint64_t s = 0;
    if (getentropy(&s, sizeof s) != 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s = lp_mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)getpid());
    }
    return s ? s : 1;
}
