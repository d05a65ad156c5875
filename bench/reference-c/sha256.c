/*
 * Hand-written reference for bench/compile-bench.ts: SHA-256 (FIPS 180-4) as a firmware engineer would write
 * it, with the signatures and the module-level state of bootloader-ts/lib/sha256.ts, so that the .text of
 * the two compare like for like (including the out-length check that the subset version panics on).
 */
#include "tsboot_rt.h"

void sha256_sha256Init(void);
void sha256_sha256Update(tsb_view_u8 data);
void sha256_sha256Final(tsb_view_u8 out);
void sha256_sha256(tsb_view_u8 data, tsb_view_u8 out);

static const uint32_t k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u,
    0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
    0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u,
    0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
    0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
    0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au,
    0x5b9cca4fu, 0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

static uint32_t state[8];
static uint8_t block[64];
static uint32_t w[64];
static uint32_t block_len;          /* 0..63 */
static uint32_t len_lo, len_hi;     /* message length in bytes */

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BSIG0(x) (ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define BSIG1(x) (ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define SSIG0(x) (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))

static void compress(void) {
    uint32_t a, b, c, d, e, f, g, h, t;
    for (t = 0; t < 16; t++) {
        const uint8_t *p = &block[t * 4];
        w[t] = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    }
    for (t = 16; t < 64; t++) {
        w[t] = SSIG1(w[t - 2]) + w[t - 7] + SSIG0(w[t - 15]) + w[t - 16];
    }
    a = state[0]; b = state[1]; c = state[2]; d = state[3];
    e = state[4]; f = state[5]; g = state[6]; h = state[7];
    for (t = 0; t < 64; t++) {
        uint32_t t1 = h + BSIG1(e) + CH(e, f, g) + k[t] + w[t];
        uint32_t t2 = BSIG0(a) + MAJ(a, b, c);
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

static void absorb(uint8_t byte) {
    block[block_len] = byte;
    block_len = (block_len + 1) & 63u;
    if (block_len == 0) {
        compress();
    }
}

void sha256_sha256Init(void) {
    state[0] = 0x6a09e667u; state[1] = 0xbb67ae85u; state[2] = 0x3c6ef372u; state[3] = 0xa54ff53au;
    state[4] = 0x510e527fu; state[5] = 0x9b05688cu; state[6] = 0x1f83d9abu; state[7] = 0x5be0cd19u;
    block_len = 0;
    len_lo = 0;
    len_hi = 0;
}

void sha256_sha256Update(tsb_view_u8 data) {
    len_lo += data.len;
    if (len_lo < data.len) {
        len_hi++;
    }
    for (uint32_t i = 0; i < data.len; i++) {
        absorb(data.ptr[i]);
    }
}

void sha256_sha256Final(tsb_view_u8 out) {
    if (out.len < 32) {
        TSB_TRAP(TSB_PANIC_EXPLICIT, "sha256Final: out needs 32 bytes");
    }
    uint32_t bits_hi = (len_hi << 3) | (len_lo >> 29);
    uint32_t bits_lo = len_lo << 3;
    absorb(0x80);
    while (block_len != 56) {
        absorb(0);
    }
    for (int s = 24; s >= 0; s -= 8) absorb((uint8_t)(bits_hi >> s));
    for (int s = 24; s >= 0; s -= 8) absorb((uint8_t)(bits_lo >> s));
    for (uint32_t i = 0; i < 8; i++) {
        out.ptr[i * 4 + 0] = (uint8_t)(state[i] >> 24);
        out.ptr[i * 4 + 1] = (uint8_t)(state[i] >> 16);
        out.ptr[i * 4 + 2] = (uint8_t)(state[i] >> 8);
        out.ptr[i * 4 + 3] = (uint8_t)state[i];
    }
}

void sha256_sha256(tsb_view_u8 data, tsb_view_u8 out) {
    sha256_sha256Init();
    sha256_sha256Update(data);
    sha256_sha256Final(out);
}
