/*
 * Counts Thumb-2 instructions of the subset's Ed25519 verification on QEMU's Cortex-M4 (netduinoplus2), for
 * bench/crypto-bench.ts. QEMU runs with -icount shift=0: virtual time advances exactly 1 ns per executed
 * instruction, and SysTick counts virtual time at the CPU clock, so SysTick ticks are instructions times a
 * constant. A calibration loop of a known instruction count measures that constant first.
 *
 * The message is generated in 1 KB pieces (byte i = (i * 131 + (i >> 8)) & 0xff, as the bench script signs
 * it), fed through verifyUpdate as the bootloader feeds flash; the filling is timed separately and taken out.
 * For comparison, the same message through lib/sha256.ts (what signing a SHA-256 digest instead of the whole
 * image would cost per byte). Prints one line on USART1: "calibration <ticks per 1e6 instr> start <ticks>
 * update <ticks> fill <ticks> finish <ticks> valid <0|1> sha256 <ticks> empty <ticks> empty_valid <0|1>" (empty: a
 * whole verification of an empty message), then idles.
 */
#include <stdint.h>

#include "ed25519.h"
#include "sha256.h"
#include "qemu-inputs.h" /* BENCH_KEY, BENCH_SIGNATURE, BENCH_EMPTY_SIGNATURE, BENCH_MESSAGE_BYTES: by the bench script */

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define USART1_SR (*(volatile uint32_t *)0x40011000u)
#define USART1_DR (*(volatile uint32_t *)0x40011004u)
#define USART1_CR1 (*(volatile uint32_t *)0x4001100Cu)

static volatile uint32_t wraps;
void SysTick_Handler(void) { wraps++; }

/* SysTick ticks since start: 24-bit down-counter plus the wraps (read until the two agree). */
static uint32_t ticks(void) {
  uint32_t w, v;
  do {
    w = wraps;
    v = SYST_CVR;
  } while (w != wraps);
  return w * 0x1000000u + (0xFFFFFFu - v);
}

static void put(const char *s) {
  while (*s) USART1_DR = (uint32_t)*s++;
}
static void put_u32(uint32_t v) {
  char digits[11];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v != 0u);
  while (n > 0) USART1_DR = (uint32_t)digits[--n];
}

_Noreturn void tsb_panic(uint32_t kind, const char *file, uint32_t line, const char *message) {
  (void)kind;
  (void)file;
  (void)line;
  put("PANIC ");
  put(message);
  put("\n");
  for (;;) {
  }
}
void tsb_print(const char *text) { put(text); }
void tsb_print_n(const char *text, uint32_t length) {
  while (length--) USART1_DR = (uint32_t)*text++;
}
void tsb_print_int(int64_t value) { put_u32((uint32_t)value); }

static uint8_t chunk[1024];
static uint8_t key[32] = BENCH_KEY;
static uint8_t signature[64] = BENCH_SIGNATURE;

static void fill(uint32_t at) {
  for (uint32_t j = 0; j < sizeof chunk; j++) {
    uint32_t i = at + j;
    chunk[j] = (uint8_t)((i * 131u + (i >> 8)) & 0xffu);
  }
}

void bench_main(void) {
  USART1_CR1 = (1u << 13) | (1u << 3); /* UE, TE */
  SYST_RVR = 0xFFFFFFu;
  SYST_CVR = 0u;
  SYST_CSR = 7u; /* enable, interrupt, processor clock */

  /* Calibration: 1e6 iterations of a 2-instruction loop (subs, bne) = 2e6 instructions. */
  uint32_t c0 = ticks();
  uint32_t n = 1000000u;
  __asm volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n));
  uint32_t calibration = (ticks() - c0) / 2u;

  uint32_t t0 = ticks();
  ed25519_verifyStart((tsb_view_u8){key, 32u}, (tsb_view_u8){signature, 64u});
  uint32_t t1 = ticks();
  uint32_t filling = 0;
  for (uint32_t at = 0; at < BENCH_MESSAGE_BYTES; at += sizeof chunk) {
    uint32_t f0 = ticks();
    fill(at);
    filling += ticks() - f0;
    ed25519_verifyUpdate((tsb_view_u8){chunk, sizeof chunk});
  }
  uint32_t t2 = ticks();
  int valid = ed25519_verifyFinish();
  uint32_t t3 = ticks();

  /* A verification of an empty message (what a signed image adds beyond hashing its bytes). */
  static uint8_t empty_signature[64] = BENCH_EMPTY_SIGNATURE;
  uint32_t e0 = ticks();
  ed25519_verifyStart((tsb_view_u8){key, 32u}, (tsb_view_u8){empty_signature, 64u});
  int empty_valid = ed25519_verifyFinish();
  uint32_t empty_ticks = ticks() - e0;

  uint32_t s0 = ticks();
  filling = 0;
  sha256_sha256Init();
  for (uint32_t at = 0; at < BENCH_MESSAGE_BYTES; at += sizeof chunk) {
    uint32_t f0 = ticks();
    fill(at);
    filling += ticks() - f0;
    sha256_sha256Update((tsb_view_u8){chunk, sizeof chunk});
  }
  static uint8_t digest[32];
  sha256_sha256Final((tsb_view_u8){digest, 32u});
  uint32_t sha256_ticks = ticks() - s0 - filling;

  put("calibration ");
  put_u32(calibration);
  put(" start ");
  put_u32(t1 - t0);
  put(" update ");
  put_u32(t2 - t1);
  put(" fill ");
  put_u32(filling);
  put(" finish ");
  put_u32(t3 - t2);
  put(" valid ");
  put_u32((uint32_t)valid);
  put(" sha256 ");
  put_u32(sha256_ticks);
  put(" empty ");
  put_u32(empty_ticks);
  put(" empty_valid ");
  put_u32((uint32_t)empty_valid);
  put("\n");
  for (;;) {
  }
}
