/*
 * Host driver for test/lib/ed25519.test.ts. Each stdin line is
 *   "<public key hex> <signature hex> <message hex> <split> <what>"   (an empty byte string is "-")
 * and for each the driver prints "<one call> <streamed> <key strict>": ed25519Verify's answer, the answer of
 * verifyStart / verifyUpdate(message[0..split)) / verifyUpdate(message[split..]) / verifyFinish, and
 * ed25519PublicKeyIsStrict's answer, each when <what> holds "1", "s", "k" respectively ("-" otherwise);
 * 1 for true, 0 for false.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ed25519.h"

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
  static char line[1 << 20];
  static uint8_t message[1 << 18];
  uint8_t public_key[64];
  uint8_t signature[128];
  while (fgets(line, sizeof line, stdin) != NULL) {
    char *key_text = strtok(line, " \n");
    char *signature_text = strtok(NULL, " \n");
    char *message_text = strtok(NULL, " \n");
    char *split_text = strtok(NULL, " \n");
    char *what = strtok(NULL, " \n");
    if (key_text == NULL || signature_text == NULL || message_text == NULL || split_text == NULL || what == NULL) {
      fprintf(stderr, "short line\n");
      return 2;
    }
    uint32_t key_len = parse_hex(key_text, public_key, sizeof public_key);
    uint32_t signature_len = parse_hex(signature_text, signature, sizeof signature);
    uint32_t message_len = parse_hex(message_text, message, sizeof message);
    uint32_t split = (uint32_t)strtoul(split_text, NULL, 10);
    if (split > message_len) split = message_len;
    tsb_view_u8 key = {public_key, key_len};
    tsb_view_u8 sig = {signature, signature_len};

    if (strchr(what, '1') != NULL) {
      printf("%d ", ed25519_ed25519Verify(key, (tsb_view_u8){message, message_len}, sig) ? 1 : 0);
    } else {
      printf("- ");
    }
    if (strchr(what, 's') != NULL) {
      ed25519_verifyStart(key, sig);
      ed25519_verifyUpdate((tsb_view_u8){message, split});
      ed25519_verifyUpdate((tsb_view_u8){message + split, message_len - split});
      printf("%d ", ed25519_verifyFinish() ? 1 : 0);
    } else {
      printf("- ");
    }
    if (strchr(what, 'k') != NULL) {
      printf("%d\n", ed25519_ed25519PublicKeyIsStrict(key) ? 1 : 0);
    } else {
      printf("-\n");
    }
  }
  return 0;
}
