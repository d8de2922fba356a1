/* sha256.h - small self-contained SHA-256 (FIPS 180-4) for the test suite. */
#ifndef HIVEKIT_TEST_SHA256_H
#define HIVEKIT_TEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define HK_SHA256_DIGEST_LEN 32

/* Incremental interface: init, any number of updates, final. After final
 * the context must be re-initialised before it is used again. */
struct hk_sha256_ctx {
    uint32_t state[8];
    uint64_t total;            /* bytes hashed so far */
    unsigned char block[64];   /* pending partial block */
    size_t fill;               /* bytes used in block */
};

void hk_sha256_init(struct hk_sha256_ctx *ctx);
void hk_sha256_update(struct hk_sha256_ctx *ctx, const void *data, size_t len);
void hk_sha256_final(struct hk_sha256_ctx *ctx, unsigned char out[32]);

/* One-shot digest of DATA[0..LEN). */
void hk_sha256(const void *data, size_t len, unsigned char out[32]);

#endif
