/*
 * The host program that bench/crypto-bench.ts runs under valgrind --tool=callgrind: it reads a public key,
 * a signature and a message from the files named on the command line and verifies once with the
 * implementation chosen by -DBENCH_SUBSET, -DBENCH_MONOCYPHER or -DBENCH_TWEETNACL (or, with -DBENCH_HASH_ONLY,
 * only hashes the message with that implementation's SHA-512). Callgrind counts from bench_run only
 * (--toggle-collect=bench_run), so reading the files is not counted. Prints 1 (valid) or 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(BENCH_SUBSET) && defined(BENCH_HASH_ONLY)
#include "sha512.h"
#elif defined(BENCH_SUBSET)
#include "ed25519.h"
#elif defined(BENCH_MONOCYPHER)
#include "monocypher-ed25519.h"
#elif defined(BENCH_TWEETNACL)
#include "tweetnacl.h"
void randombytes(unsigned char *out, unsigned long long n) {
  (void)out;
  (void)n;
  abort();
}
#endif

static uint8_t *read_file(const char *name, size_t *length) {
  FILE *f = fopen(name, "rb");
  if (f == NULL) {
    perror(name);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *data = malloc((size_t)size + 64u + 1u);
  if (data == NULL || fread(data + 64, 1, (size_t)size, f) != (size_t)size) exit(2);
  fclose(f);
  *length = (size_t)size;
  return data; /* the bytes start at data + 64: room for TweetNaCl's signature in front */
}

static uint8_t digest[64];

__attribute__((noinline)) int bench_run(const uint8_t *key, const uint8_t *signature, uint8_t *message_with_room, size_t length) {
  uint8_t *message = message_with_room + 64;
#if defined(BENCH_SUBSET)
#if defined(BENCH_HASH_ONLY)
  sha512_sha512((tsb_view_u8){message, (uint32_t)length}, (tsb_view_u8){digest, 64u});
  return digest[0] != 0;
#else
  return ed25519_ed25519Verify((tsb_view_u8){(uint8_t *)key, 32u}, (tsb_view_u8){message, (uint32_t)length},
                               (tsb_view_u8){(uint8_t *)signature, 64u});
#endif
#elif defined(BENCH_MONOCYPHER)
#if defined(BENCH_HASH_ONLY)
  crypto_sha512(digest, message, length);
  return digest[0] != 0;
#else
  return crypto_ed25519_check(signature, key, message, length) == 0;
#endif
#elif defined(BENCH_TWEETNACL)
#if defined(BENCH_HASH_ONLY)
  crypto_hash(digest, message, length);
  return digest[0] != 0;
#else
  /* crypto_sign_open takes signature ‖ message and writes the message out: a copy of the input's size. */
  memcpy(message_with_room, signature, 64);
  uint8_t *out = malloc(length + 64);
  unsigned long long out_length;
  int ok = crypto_sign_open(out, &out_length, message_with_room, length + 64, key) == 0;
  free(out);
  return ok;
#endif
#endif
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <key> <signature> <message>\n", argv[0]);
    return 2;
  }
  size_t key_length, signature_length, length;
  uint8_t *key = read_file(argv[1], &key_length);
  uint8_t *signature = read_file(argv[2], &signature_length);
  uint8_t *message = read_file(argv[3], &length);
  if (key_length != 32 || signature_length != 64) return 2;
  printf("%d\n", bench_run(key + 64, signature + 64, message, length));
  return 0;
}
