/*
 * The ARM link of bench/crypto-bench.ts: one entry, bench_entry, that verifies one signature with the
 * implementation chosen by -DBENCH_SUBSET, -DBENCH_MONOCYPHER or -DBENCH_TWEETNACL (none: the baseline, which
 * verifies nothing). Linked with --gc-sections, the image holds what verification pulls in and nothing else;
 * the baseline is subtracted. The inputs are globals, so the compiler cannot fold the verification away.
 */
#include <stddef.h>
#include <stdint.h>

uint8_t bench_key[32];
uint8_t bench_signature[64];
uint8_t bench_message[256];
uint8_t bench_signed[64 + 256];
int bench_result;

#if defined(BENCH_SUBSET) || defined(BENCH_SUBSET_SHA512)
#include "tsboot_rt.h"
/* The platform functions the generated C calls: a board resets on a panic; nothing is printed here. */
_Noreturn void tsb_panic(uint32_t kind, const char *file, uint32_t line, const char *message) {
  (void)kind;
  (void)file;
  (void)line;
  (void)message;
  for (;;) {
  }
}
void tsb_print(const char *text) { (void)text; }
void tsb_print_n(const char *text, uint32_t length) {
  (void)text;
  (void)length;
}
void tsb_print_int(int64_t value) { (void)value; }
#endif

#if defined(BENCH_SUBSET)
#include "ed25519.h"
void bench_entry(void) {
  bench_result = ed25519_ed25519Verify((tsb_view_u8){bench_key, 32u}, (tsb_view_u8){bench_message, sizeof bench_message},
                                       (tsb_view_u8){bench_signature, 64u});
}
#elif defined(BENCH_SUBSET_SHA512)
#include "sha512.h"
void bench_entry(void) {
  sha512_sha512((tsb_view_u8){bench_message, sizeof bench_message}, (tsb_view_u8){bench_signed, 64u});
}
#elif defined(BENCH_MONOCYPHER)
#include "monocypher-ed25519.h"
void bench_entry(void) { bench_result = crypto_ed25519_check(bench_signature, bench_key, bench_message, sizeof bench_message); }
#elif defined(BENCH_MONOCYPHER_SHA512)
#include "monocypher-ed25519.h"
void bench_entry(void) { crypto_sha512(bench_signed, bench_message, sizeof bench_message); }
#elif defined(BENCH_TWEETNACL)
#include "tweetnacl.h"
void randombytes(unsigned char *out, unsigned long long n) { /* key generation only: never linked in here */
  (void)out;
  (void)n;
}
void bench_entry(void) {
  unsigned long long message_length;
  bench_result = crypto_sign_open(bench_message, &message_length, bench_signed, sizeof bench_signed, bench_key);
}
#elif defined(BENCH_TWEETNACL_SHA512)
#include "tweetnacl.h"
void randombytes(unsigned char *out, unsigned long long n) {
  (void)out;
  (void)n;
}
void bench_entry(void) { crypto_hash(bench_signed, bench_message, sizeof bench_message); }
#else
void bench_entry(void) { bench_result = bench_key[0]; }
#endif

/* What GCC may call for a structure copy or a loop it recognises; linked only if used. */
void *memcpy(void *to, const void *from, size_t n) {
  uint8_t *t = to;
  const uint8_t *f = from;
  while (n--) *t++ = *f++;
  return to;
}
void *memset(void *to, int value, size_t n) {
  uint8_t *t = to;
  while (n--) *t++ = (uint8_t)value;
  return to;
}
