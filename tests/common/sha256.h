/* sha256.h - a small SHA-256 (FIPS 180-4) for tests: hash decoded columns to compare them with
 * the reference hashes of shared/data/external/expected. */
#ifndef RF_TEST_SHA256_H
#define RF_TEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t nbytes;     /* total bytes fed */
    uint8_t block[64];
    size_t fill;         /* bytes waiting in block */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t digest[32]);
/* Writes the 64 lowercase hex digits and a NUL into hex. */
void sha256_final_hex(sha256_ctx *c, char hex[65]);
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
