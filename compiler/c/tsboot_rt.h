/*
 * tsboot runtime header: included by every C file the compiler writes.
 *
 * The generated code relies on two implementation-defined behaviours that GCC and Clang define the same way
 * on every target tsboot supports: converting an out-of-range integer to a signed type wraps modulo 2^N, and
 * >> on a negative signed value shifts arithmetically. (docs/subset.md, "C assumptions".)
 */
#ifndef TSBOOT_RT_H
#define TSBOOT_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a program stopped: the first argument of tsb_panic(). */
enum tsb_panic_kind {
  TSB_PANIC_RANGE = 1,    /* a value left the range of the type it was stored into */
  TSB_PANIC_BOUNDS = 2,   /* a typed-array index outside 0..length-1 (Node would read undefined) */
  TSB_PANIC_EXPLICIT = 3  /* panic("...") in the program */
};

/* Provided by the platform: a board resets into the bootloader, the host prints and exits. */
_Noreturn void tsb_panic(uint32_t kind, const char *file, uint32_t line, const char *message);
void tsb_print(const char *text);
/* print() of a text that holds a NUL byte: C would end the string there, so the length is passed. */
void tsb_print_n(const char *text, uint32_t length);
void tsb_print_int(int64_t value);

/* The checks are inlined whole at each use: GCC would otherwise split their cold path into clones that its
 * -fcallgraph-info leaves out, and the bootloader's worst-case stack report could not count them. */
#if defined(__GNUC__)
#define TSB_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define TSB_ALWAYS_INLINE static inline
#endif

#define TSB_TRAP(kind, message) tsb_panic((kind), __FILE__, (uint32_t)__LINE__, (message))

/* Typed-array views: a pointer and a length, passed by value (two registers on Cortex-M). */
typedef struct { uint8_t *ptr; uint32_t len; } tsb_view_u8;
typedef struct { uint16_t *ptr; uint32_t len; } tsb_view_u16;
typedef struct { uint32_t *ptr; uint32_t len; } tsb_view_u32;
typedef struct { int8_t *ptr; uint32_t len; } tsb_view_i8;
typedef struct { int16_t *ptr; uint32_t len; } tsb_view_i16;
typedef struct { int32_t *ptr; uint32_t len; } tsb_view_i32;
typedef struct { int64_t *ptr; uint32_t len; } tsb_view_i64; /* Float64Array: the subset's i64 elements */

#endif /* TSBOOT_RT_H */

#ifndef TSBOOT_RT_CHECKS_H
#define TSBOOT_RT_CHECKS_H
/*
 * Range checks for stores into a declared type: tsb_check_<to>_<from>(value, file, line) returns the value
 * converted, or stops the program where Node would have left the type's range.
 */
#define TSB_DEFINE_CHECK(to, to_t, lo, hi)                                                              \
  TSB_ALWAYS_INLINE to_t tsb_check_##to(int64_t v, const char *file, uint32_t line) {                      \
    if (v < (int64_t)(lo) || v > (int64_t)(hi)) {                                                      \
      tsb_panic(TSB_PANIC_RANGE, file, line, "value out of range for " #to);                           \
    }                                                                                                  \
    return (to_t)v;                                                                                    \
  }
/* An N-bit type holds v exactly when v + offset (offset 0 unsigned, 2^(N-1) signed) lies in 0..2^N-1, that
 * is when the bits of the 64-bit sum above the low N are all zero: one shift and test (for u32, "the high
 * word is 0") instead of two 64-bit comparisons. */
#define TSB_DEFINE_BITS_CHECK(to, to_t, bits, offset)                                                   \
  TSB_ALWAYS_INLINE to_t tsb_check_##to(int64_t v, const char *file, uint32_t line) {                      \
    if ((((uint64_t)v + (uint64_t)(offset)) >> (bits)) != 0u) {                                          \
      tsb_panic(TSB_PANIC_RANGE, file, line, "value out of range for " #to);                           \
    }                                                                                                  \
    return (to_t)v;                                                                                    \
  }
TSB_DEFINE_BITS_CHECK(u8, uint8_t, 8, 0u)
TSB_DEFINE_BITS_CHECK(u16, uint16_t, 16, 0u)
TSB_DEFINE_BITS_CHECK(u32, uint32_t, 32, 0u)
TSB_DEFINE_BITS_CHECK(i8, int8_t, 8, 0x80u)
TSB_DEFINE_BITS_CHECK(i16, int16_t, 16, 0x8000u)
TSB_DEFINE_BITS_CHECK(i32, int32_t, 32, 0x80000000u)
/* i64: the integers a JavaScript number holds exactly, ±(2^53-1). */
#define TSB_I64_MAX INT64_C(9007199254740991)
TSB_DEFINE_CHECK(i64, int64_t, -TSB_I64_MAX, TSB_I64_MAX)
#define TSB_CHECK(to, v) tsb_check_##to((v), __FILE__, (uint32_t)__LINE__)

/* u32(a + b) and u32(a - b) of two values in 0..2^32-1: the exact result leaves u32 exactly when the
 * uint32_t operation carries or borrows, one flag test instead of a 64-bit sum and compare. */
TSB_ALWAYS_INLINE uint32_t tsb_checked_add_u32(uint32_t a, uint32_t b, const char *file, uint32_t line) {
  uint32_t r;
  if (__builtin_add_overflow(a, b, &r)) tsb_panic(TSB_PANIC_RANGE, file, line, "value out of range for u32");
  return r;
}
TSB_ALWAYS_INLINE uint32_t tsb_checked_sub_u32(uint32_t a, uint32_t b, const char *file, uint32_t line) {
  uint32_t r;
  if (__builtin_sub_overflow(a, b, &r)) tsb_panic(TSB_PANIC_RANGE, file, line, "value out of range for u32");
  return r;
}
#define TSB_ADD_U32(a, b) tsb_checked_add_u32((a), (b), __FILE__, (uint32_t)__LINE__)
#define TSB_SUB_U32(a, b) tsb_checked_sub_u32((a), (b), __FILE__, (uint32_t)__LINE__)

/* Checked i64 arithmetic (Zig-style: a trap where the exact result leaves ±(2^53-1)). Sums and most products
 * cannot overflow int64_t and go through TSB_CHECK(i64, …); a product of two wide operands checks its own
 * overflow first. */
TSB_ALWAYS_INLINE int64_t tsb_mul_i64(int64_t a, int64_t b, const char *file, uint32_t line) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r) || r < -TSB_I64_MAX || r > TSB_I64_MAX) {
    tsb_panic(TSB_PANIC_RANGE, file, line, "value out of range for i64");
  }
  return r;
}
#define TSB_MUL_I64(a, b) tsb_mul_i64((a), (b), __FILE__, (uint32_t)__LINE__)
/* i64(a / b), i64(a % b): by zero JavaScript gives ±Infinity or NaN, which no i64 holds. */
TSB_ALWAYS_INLINE int64_t tsb_div_i64_checked(int64_t a, int64_t b, int remainder, const char *file, uint32_t line) {
  if (b == 0) tsb_panic(TSB_PANIC_RANGE, file, line, "division by zero in i64");
  return remainder ? a % b : a / b;
}
#define TSB_DIV_I64(a, b) tsb_div_i64_checked((a), (b), 0, __FILE__, (uint32_t)__LINE__)
#define TSB_REM_I64(a, b) tsb_div_i64_checked((a), (b), 1, __FILE__, (uint32_t)__LINE__)
/* shr64(x, k): floor(x / 2^k), an arithmetic shift of the whole value (a count past 63 leaves the sign). */
static inline int64_t tsb_shr64(int64_t x, uint8_t k) { return k > 63u ? (x < 0 ? -1 : 0) : x >> k; }
/* mulHigh32(a, b): the high 32 bits of the 64-bit product (Math.imul gives the low 32). */
static inline uint32_t tsb_mul_high32(uint32_t a, uint32_t b) { return (uint32_t)(((uint64_t)a * (uint64_t)b) >> 32); }

/* Index checks: the index, or a stop where Node would read undefined. */
TSB_ALWAYS_INLINE uint32_t tsb_index_u32(uint32_t i, uint32_t len, const char *file, uint32_t line) {
  if (i >= len) tsb_panic(TSB_PANIC_BOUNDS, file, line, "index out of bounds");
  return i;
}
TSB_ALWAYS_INLINE uint32_t tsb_index_i64(int64_t i, uint32_t len, const char *file, uint32_t line) {
  if (i < 0 || i >= (int64_t)len) tsb_panic(TSB_PANIC_BOUNDS, file, line, "index out of bounds");
  return (uint32_t)i;
}
/* array[a + b] with a and b in 0..2^32-1: out of bounds when the uint32_t sum carries or reaches len. */
TSB_ALWAYS_INLINE uint32_t tsb_index_add(uint32_t a, uint32_t b, uint32_t len, const char *file, uint32_t line) {
  uint32_t i;
  if (__builtin_add_overflow(a, b, &i) || i >= len) tsb_panic(TSB_PANIC_BOUNDS, file, line, "index out of bounds");
  return i;
}
#define TSB_INDEX(i, len) tsb_index_u32((i), (len), __FILE__, (uint32_t)__LINE__)
#define TSB_INDEX_ADD(a, b, len) tsb_index_add((a), (b), (len), __FILE__, (uint32_t)__LINE__)
#define TSB_INDEX64(i, len) tsb_index_i64((i), (len), __FILE__, (uint32_t)__LINE__)

/* subarray(begin[, end]) with JavaScript's rules: negative bounds count from the end, all clamp to 0..len. */
static inline uint32_t tsb_clamp_bound(int64_t bound, uint32_t len) {
  if (bound < 0) {
    bound += (int64_t)len;
    return bound < 0 ? 0u : (uint32_t)bound;
  }
  return bound > (int64_t)len ? len : (uint32_t)bound;
}
#define TSB_DEFINE_VIEW_OPS(suffix, elem_t)                                                            \
  static inline tsb_view_##suffix tsb_sub_##suffix(tsb_view_##suffix v, int64_t begin, int64_t end) { \
    uint32_t b = tsb_clamp_bound(begin, v.len);                                                        \
    uint32_t e = tsb_clamp_bound(end, v.len);                                                          \
    tsb_view_##suffix out = {v.ptr + b, e > b ? e - b : 0u};                                           \
    return out;                                                                                        \
  }                                                                                                    \
  static inline tsb_view_##suffix tsb_sub_from_##suffix(tsb_view_##suffix v, int64_t begin) {        \
    return tsb_sub_##suffix(v, begin, (int64_t)v.len);                                                 \
  }                                                                                                    \
  /* Bounds the compiler proved in 0..2^32-1: each only clamps to len, in 32 bits. */                 \
  static inline tsb_view_##suffix tsb_sub32_##suffix(tsb_view_##suffix v, uint32_t begin, uint32_t end) { \
    uint32_t b = begin < v.len ? begin : v.len;                                                        \
    uint32_t e = end < v.len ? end : v.len;                                                            \
    tsb_view_##suffix out = {v.ptr + b, e > b ? e - b : 0u};                                           \
    return out;                                                                                        \
  }                                                                                                    \
  static inline tsb_view_##suffix tsb_sub32_from_##suffix(tsb_view_##suffix v, uint32_t begin) {     \
    return tsb_sub32_##suffix(v, begin, v.len);                                                        \
  }                                                                                                    \
  static inline elem_t *tsb_at_##suffix(tsb_view_##suffix v, int64_t i, const char *file, uint32_t line) { \
    return v.ptr + tsb_index_i64(i, v.len, file, line);                                                \
  }
TSB_DEFINE_VIEW_OPS(u8, uint8_t)
TSB_DEFINE_VIEW_OPS(u16, uint16_t)
TSB_DEFINE_VIEW_OPS(u32, uint32_t)
TSB_DEFINE_VIEW_OPS(i8, int8_t)
TSB_DEFINE_VIEW_OPS(i16, int16_t)
TSB_DEFINE_VIEW_OPS(i32, int32_t)
TSB_DEFINE_VIEW_OPS(i64, int64_t)
#define TSB_AT(suffix, v, i) (*tsb_at_##suffix((v), (i), __FILE__, (uint32_t)__LINE__))

/* The low 32 bits of a value, as JavaScript's ToUint32 (and ToInt32's bits) see them. */
static inline uint32_t tsb_bits(int64_t v) { return (uint32_t)v; }
/* Bits as a signed value (ToInt32, and the i16()/i8() wraps): a modular conversion, GCC's documented
 * behaviour; functions keep GCC's constant folder from warning about the conversions it folds. */
static inline int32_t tsb_i32(uint32_t bits) { return (int32_t)bits; }
static inline int16_t tsb_i16(uint32_t bits) { return (int16_t)bits; }
static inline int8_t tsb_i8(uint32_t bits) { return (int8_t)bits; }

/* Division and remainder under a wrapping helper: by zero JavaScript gives NaN or ±Infinity, which wrap to 0. */
static inline int32_t tsb_div_i32(int32_t a, int32_t b) { return b == 0 ? 0 : a / b; }
static inline uint32_t tsb_div_u32(uint32_t a, uint32_t b) { return b == 0 ? 0u : a / b; }
static inline int64_t tsb_div_i64(int64_t a, int64_t b) { return b == 0 ? 0 : a / b; }
static inline int32_t tsb_rem_i32(int32_t a, int32_t b) { return b == 0 ? 0 : a % b; }
static inline uint32_t tsb_rem_u32(uint32_t a, uint32_t b) { return b == 0 ? 0u : a % b; }
static inline int64_t tsb_rem_i64(int64_t a, int64_t b) { return b == 0 ? 0 : a % b; }

/* Registers: one volatile access of the given width. */
#define TSB_MMIO_READ8(addr) (*(volatile uint8_t *)(uintptr_t)(addr))
#define TSB_MMIO_READ16(addr) (*(volatile uint16_t *)(uintptr_t)(addr))
#define TSB_MMIO_READ32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define TSB_MMIO_WRITE8(addr, v) ((void)(*(volatile uint8_t *)(uintptr_t)(addr) = (v)))
#define TSB_MMIO_WRITE16(addr, v) ((void)(*(volatile uint16_t *)(uintptr_t)(addr) = (v)))
#define TSB_MMIO_WRITE32(addr, v) ((void)(*(volatile uint32_t *)(uintptr_t)(addr) = (v)))

/* The CPU: single instructions on Cortex-M; hooks the host platform provides elsewhere. */
#if defined(__arm__)
static inline void tsb_cpu_disable_irq(void) { __asm volatile("cpsid i" ::: "memory"); }
static inline void tsb_cpu_enable_irq(void) { __asm volatile("cpsie i" ::: "memory"); }
static inline void tsb_cpu_dsb(void) { __asm volatile("dsb 0xF" ::: "memory"); }
static inline void tsb_cpu_isb(void) { __asm volatile("isb 0xF" ::: "memory"); }
static inline void tsb_cpu_set_vtor(uint32_t address) { TSB_MMIO_WRITE32(0xE000ED08u, address); }
_Noreturn static inline void tsb_cpu_start_application(uint32_t sp, uint32_t pc) {
  __asm volatile("msr msp, %0\n bx %1" : : "r"(sp), "r"(pc) : "memory");
  __builtin_unreachable();
}
#else
void tsb_cpu_disable_irq(void);
void tsb_cpu_enable_irq(void);
void tsb_cpu_dsb(void);
void tsb_cpu_isb(void);
void tsb_cpu_set_vtor(uint32_t address);
_Noreturn void tsb_cpu_start_application(uint32_t sp, uint32_t pc);
#endif

#endif /* TSBOOT_RT_CHECKS_H */
