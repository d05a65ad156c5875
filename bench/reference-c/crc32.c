/*
 * Hand-written reference for bench/compile-bench.ts: CRC-32/ISO-HDLC (zlib) as a firmware engineer would
 * write it, with the signatures the tsboot compiler gives bootloader-ts/lib/crc32.ts, so that the .text of
 * the two compare like for like. Same convention: crc32Update returns the running value without the final xor.
 */
#include "tsboot_rt.h"

uint32_t crc32_crc32Init(void);
uint32_t crc32_crc32Update(uint32_t crc, tsb_view_u8 data);
uint32_t crc32_crc32Finish(uint32_t crc);
uint32_t crc32_crc32(tsb_view_u8 data);

/* Four bits at a time (16 entries, 64 bytes), as bootloader-ts/lib/crc32.ts does: the size baseline for the
 * same algorithm. */
static const uint32_t crc32_nibble[16] = {
    0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu, 0x76dc4190u, 0x6b6b51f4u,
    0x4db26158u, 0x5005713cu, 0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
    0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu,
};

uint32_t crc32_crc32Init(void) { return 0xFFFFFFFFu; }

uint32_t crc32_crc32Update(uint32_t crc, tsb_view_u8 data) {
    const uint8_t *p = data.ptr;
    for (uint32_t i = 0; i < data.len; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ crc32_nibble[crc & 0xFu];
        crc = (crc >> 4) ^ crc32_nibble[crc & 0xFu];
    }
    return crc;
}

uint32_t crc32_crc32Finish(uint32_t crc) { return crc ^ 0xFFFFFFFFu; }

uint32_t crc32_crc32(tsb_view_u8 data) { return crc32_crc32Finish(crc32_crc32Update(0xFFFFFFFFu, data)); }
