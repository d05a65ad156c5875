/*
 * What GCC needs of a freestanding environment when there is no C library (GCC manual, "C Language
 * Standards": memcpy, memmove, memset and memcmp). The ARM builds link with -nostdlib, and GCC may call
 * these for a structure copy or initialisation it does not expand inline: it does for the compiled
 * bootloader on Cortex-M0 (Thumb-1, -Os), not on Cortex-M4/M7.
 * `used` keeps them through LTO (which would otherwise drop them before code generation asks for them);
 * no-tree-loop-distribute-patterns keeps GCC from turning each loop back into a call to itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TSB_FREESTANDING __attribute__((used, optimize("no-tree-loop-distribute-patterns")))

TSB_FREESTANDING void *memcpy(void *restrict dest, const void *restrict src, size_t n) {
  uint8_t *d = dest;
  const uint8_t *s = src;
  while (n-- != 0u) *d++ = *s++;
  return dest;
}

TSB_FREESTANDING void *memmove(void *dest, const void *src, size_t n) {
  uint8_t *d = dest;
  const uint8_t *s = src;
  if ((uintptr_t)d < (uintptr_t)s) {
    while (n-- != 0u) *d++ = *s++;
  } else {
    while (n-- != 0u) d[n] = s[n];
  }
  return dest;
}

TSB_FREESTANDING void *memset(void *dest, int c, size_t n) {
  uint8_t *d = dest;
  while (n-- != 0u) *d++ = (uint8_t)c;
  return dest;
}

TSB_FREESTANDING int memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *p = a;
  const uint8_t *q = b;
  for (; n != 0u; n--, p++, q++) {
    if (*p != *q) return (int)*p - (int)*q;
  }
  return 0;
}
