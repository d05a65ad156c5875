/*
 * Host driver for test/lib/reference-c.test.ts: checks that the hand-written reference C computes what the
 * subset modules compute. Each stdin line is "<hex bytes or -> <split>"; for each it prints
 * "<crc32> <crc32 in two chunks> <sha256> <sha256 in two chunks>" (hex), the chunks cut at byte <split>.
 */
#include "tsboot_rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t crc32_crc32Init(void);
uint32_t crc32_crc32Update(uint32_t crc, tsb_view_u8 data);
uint32_t crc32_crc32Finish(uint32_t crc);
uint32_t crc32_crc32(tsb_view_u8 data);
void sha256_sha256Init(void);
void sha256_sha256Update(tsb_view_u8 data);
void sha256_sha256Final(tsb_view_u8 out);
void sha256_sha256(tsb_view_u8 data, tsb_view_u8 out);

static void print_hex(const uint8_t *p, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) printf("%02x", p[i]);
}

int main(void) {
    static char line[1 << 20];
    static uint8_t data[1 << 19];
    while (fgets(line, sizeof line, stdin) != NULL) {
        char *hex = strtok(line, " \n");
        char *split_text = strtok(NULL, " \n");
        if (hex == NULL || split_text == NULL) continue;
        uint32_t len = 0;
        if (strcmp(hex, "-") != 0) {
            for (size_t i = 0; hex[i] != '\0' && hex[i + 1] != '\0'; i += 2) {
                unsigned v;
                sscanf(hex + i, "%2x", &v);
                data[len++] = (uint8_t)v;
            }
        }
        uint32_t split = (uint32_t)strtoul(split_text, NULL, 10);
        if (split > len) split = len;
        tsb_view_u8 all = {data, len};
        tsb_view_u8 head = {data, split};
        tsb_view_u8 tail = {data + split, len - split};

        uint32_t crc = crc32_crc32Init();
        crc = crc32_crc32Update(crc, head);
        crc = crc32_crc32Update(crc, tail);
        printf("%08x %08x ", (unsigned)crc32_crc32(all), (unsigned)crc32_crc32Finish(crc));

        uint8_t digest[32];
        tsb_view_u8 out = {digest, 32};
        sha256_sha256(all, out);
        print_hex(digest, 32);
        putchar(' ');
        sha256_sha256Init();
        sha256_sha256Update(head);
        sha256_sha256Update(tail);
        sha256_sha256Final(out);
        print_hex(digest, 32);
        putchar('\n');
    }
    return 0;
}
