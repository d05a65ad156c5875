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
  TSB_PANIC_EXPLICIT = 3, /* panic("...") in the program */
  TSB_PANIC_DIVIDE = 4    /* an integer division or remainder by zero outside a wrapping helper */
};

/* Provided by the platform: a board resets into the bootloader, the host prints and exits. */
_Noreturn void tsb_panic(uint32_t kind, const char *file, uint32_t line, const char *message);
void tsb_print(const char *text);
void tsb_print_int(int64_t value);

#define TSB_TRAP(kind, message) tsb_panic((kind), __FILE__, (uint32_t)__LINE__, (message))

/* Typed-array views: a pointer and a length, passed by value (two registers on Cortex-M). */
typedef struct { uint8_t *ptr; uint32_t len; } tsb_view_u8;
typedef struct { uint16_t *ptr; uint32_t len; } tsb_view_u16;
typedef struct { uint32_t *ptr; uint32_t len; } tsb_view_u32;
typedef struct { int8_t *ptr; uint32_t len; } tsb_view_i8;
typedef struct { int16_t *ptr; uint32_t len; } tsb_view_i16;
typedef struct { int32_t *ptr; uint32_t len; } tsb_view_i32;

#endif /* TSBOOT_RT_H */
