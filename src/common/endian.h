/* endian.h - the one place where file bytes become numbers. Every load goes through memcpy,
 * so unaligned and big-endian data are read the same way on any host. TFile/TTree data is
 * big-endian, RNTuple envelopes and pages little-endian. */
#ifndef RF_ENDIAN_H
#define RF_ENDIAN_H

#include <stdint.h>
#include <string.h>

static inline uint16_t load_be16(const void *p) { uint16_t v; memcpy(&v, p, 2); return __builtin_bswap16(v); }
static inline uint32_t load_be32(const void *p) { uint32_t v; memcpy(&v, p, 4); return __builtin_bswap32(v); }
static inline uint64_t load_be64(const void *p) { uint64_t v; memcpy(&v, p, 8); return __builtin_bswap64(v); }
static inline uint16_t load_le16(const void *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t load_le32(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t load_le64(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t load_le24(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16; }

static inline void store_be16(void *p, uint16_t v) { v = __builtin_bswap16(v); memcpy(p, &v, 2); }
static inline void store_be32(void *p, uint32_t v) { v = __builtin_bswap32(v); memcpy(p, &v, 4); }
static inline void store_be64(void *p, uint64_t v) { v = __builtin_bswap64(v); memcpy(p, &v, 8); }
static inline void store_le16(void *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void store_le32(void *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void store_le64(void *p, uint64_t v) { memcpy(p, &v, 8); }

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "rootfeed assumes a little-endian host (x86-64, arm64)"
#endif

#endif
