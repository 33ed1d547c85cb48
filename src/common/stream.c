/* stream.c - big-endian to native copies with non-temporal stores, for conversions into
 * outputs much larger than the caches: the stores go to memory without first reading each
 * destination line (read-for-ownership). Measured here on 80 MB: 12-15 GB/s of CPU time with
 * AVX-512 against 8-9 GB/s for the plain vectorised loop. The output is not in cache after:
 * only for outputs that would not stay there anyway (RF_STREAM_BYTES). x86-64 with AVX2 or
 * AVX-512BW, chosen at run time; elsewhere, and for the unaligned head and the tail, a plain
 * loop. */
#include "stream.h"

#include <stdint.h>

#include "endian.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define RF_HAVE_STREAM 1
#endif

static void bswap_plain(uint8_t *d, const uint8_t *s, size_t n, int w)
{
    size_t i = 0;
    if (w == 2)
        for (; i + 2 <= n; i += 2)
            store_le16(d + i, load_be16(s + i));
    else if (w == 4)
        for (; i + 4 <= n; i += 4)
            store_le32(d + i, load_be32(s + i));
    else
        for (; i + 8 <= n; i += 8)
            store_le64(d + i, load_be64(s + i));
}

#ifdef RF_HAVE_STREAM
/* The byte order within each 16-byte lane that reverses every w-byte value. */
static void lane_pattern(int w, uint8_t p[16])
{
    for (int i = 0; i < 16; i++)
        p[i] = (uint8_t)(i / w * w + (w - 1 - i % w));
}

__attribute__((target("avx512f,avx512bw"))) static size_t bswap512(uint8_t *d, const uint8_t *s, size_t n,
                                                                      const uint8_t p[16])
{
    __m512i shuf = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)p));
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        _mm512_stream_si512((void *)(d + i), _mm512_shuffle_epi8(_mm512_loadu_si512(s + i), shuf));
    return i;
}

__attribute__((target("avx2"))) static size_t bswap256(uint8_t *d, const uint8_t *s, size_t n, const uint8_t p[16])
{
    __m256i shuf = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)p));
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        _mm256_stream_si256((__m256i *)(void *)(d + i),
                            _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(s + i)), shuf));
    return i;
}
#endif

void rf_bswap_stream(void *dst, const void *src, size_t n, int width)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
#ifdef RF_HAVE_STREAM
    int isa = __builtin_cpu_supports("avx512bw") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
    size_t head = (64 - ((uintptr_t)d & 63)) & 63;
    if (isa && (uintptr_t)d % (uintptr_t)width == 0 && head < n) {
        uint8_t p[16];
        lane_pattern(width, p);
        bswap_plain(d, s, head, width);
        size_t done = head + (isa == 2 ? bswap512(d + head, s + head, n - head, p)
                                       : bswap256(d + head, s + head, n - head, p));
        _mm_sfence();
        bswap_plain(d + done, s + done, n - done, width);
        return;
    }
#endif
    bswap_plain(d, s, n, width);
}
