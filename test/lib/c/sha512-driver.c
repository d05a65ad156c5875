/*
 * Host driver for test/lib/sha512.test.ts: each stdin line is "<hex bytes or -> <split>"; for each it prints
 * "<sha512 in one call> <sha512 in two chunks>" (hex), the chunks cut at byte <split>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha512.h"

static void print_hex(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) printf("%02x", p[i]);
}

static int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* "-" is the empty string; anything that is not lowercase hex pairs ends the program. */
static uint32_t parse_hex(const char *text, uint8_t *out, uint32_t capacity) {
  uint32_t len = 0;
  if (strcmp(text, "-") == 0) return 0;
  for (size_t i = 0; text[i] != '\0'; i += 2) {
    int hi = nibble(text[i]);
    int lo = text[i + 1] != '\0' ? nibble(text[i + 1]) : -1;
    if (hi < 0 || lo < 0 || len == capacity) {
      fprintf(stderr, "bad hex input\n");
      exit(2);
    }
    out[len++] = (uint8_t)(hi * 16 + lo);
  }
  return len;
}

int main(void) {
  static char line[1 << 21];
  static uint8_t data[1 << 20];
  uint8_t digest[64];
  while (fgets(line, sizeof line, stdin) != NULL) {
    char *text = strtok(line, " \n");
    char *split_text = strtok(NULL, " \n");
    if (text == NULL || split_text == NULL) continue;
    uint32_t len = parse_hex(text, data, sizeof data);
    uint32_t split = (uint32_t)strtoul(split_text, NULL, 10);
    if (split > len) split = len;
    tsb_view_u8 out = {digest, 64u};

    sha512_sha512((tsb_view_u8){data, len}, out);
    print_hex(digest, 64);
    printf(" ");
    sha512_sha512Init();
    sha512_sha512Update((tsb_view_u8){data, split});
    sha512_sha512Update((tsb_view_u8){data + split, len - split});
    sha512_sha512Final(out);
    print_hex(digest, 64);
    printf("\n");
  }
  return 0;
}
