/*
 * The harness of the register-model cases: one binary holds several case files, each with its table; the
 * binary runs one case by name in a fresh process.
 *   ./cases --list      one case name per line, in the order of the case files and of each file
 *   ./cases NAME        runs one case; prints "PASS NAME" or "FAIL NAME: ..." (exit 1)
 *
 * Expected register values are written as literals from the reference manuals, not with stm32f4_regs.h's names,
 * so a wrong constant in the driver's header fails here. Every case ends by requiring that the model recorded
 * no violation (an access the hardware would ignore, stall on or fault on), unless the case expects one.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include "f4_model.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

void fail(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#define CHECK(cond)                                                                                            \
  do {                                                                                                         \
    if (!(cond)) {                                                                                             \
      fail(__LINE__, "%s", #cond);                                                                             \
    }                                                                                                          \
  } while (0)

#define CHECK_EQ(a, b)                                                                                         \
  do {                                                                                                         \
    unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);                             \
    if (a_ != b_) {                                                                                            \
      fail(__LINE__, "%s == %s: got 0x%llX (%llu), expected 0x%llX (%llu)", #a, #b, a_, a_, b_, b_);           \
    }                                                                                                          \
  } while (0)

/*
 * Runs `body` expecting the MCU to reset in it (SYSRESETREQ or an IWDG timeout): the model longjmps back here
 * and the case goes on after the macro, as the next boot would. Fails when `body` returns without a reset.
 * Locals changed inside `body` and read after it must be volatile (setjmp rules).
 */
extern jmp_buf g_reset_point;
#define EXPECT_RESET(body)                                                                                     \
  do {                                                                                                         \
    if (setjmp(g_reset_point) == 0) {                                                                          \
      f4_model_on_reset(&g_reset_point);                                                                       \
      body;                                                                                                    \
      fail(__LINE__, "expected a reset in: %s", #body);                                                        \
    }                                                                                                          \
    f4_model_on_reset(NULL);                                                                                   \
  } while (0)

/* The fault record: the no-init RAM words the linker script names __tsboot_fault_record on the target. */
extern volatile uint32_t __tsboot_fault_record[3];

void setup(enum f4_part part);
uint32_t peek(uint32_t addr);
uint32_t writes_to(uint32_t addr);
/* Index of the first write to addr at or after `from` whose value has all of `bits`, or -1. */
int32_t find_write(uint32_t addr, uint32_t bits, uint32_t from);
int32_t last_write(uint32_t addr);
uint32_t write_value(int32_t index);
/* Expected violations are checked by the case and then forgotten; anything else fails the case. */
void expect_violation(const char *needle);
void check_sector_erased(uint32_t index);

#define CASE(name) static void case_##name(void)
#define ENTRY(name) {#name, case_##name},

struct test_case {
  const char *name;
  void (*fn)(void);
};
struct case_table {
  const struct test_case *cases;
  uint32_t count;
};
#define CASE_TABLE(table_name, array) const struct case_table table_name = {array, sizeof array / sizeof array[0]}

/* The case files' tables; a binary links those it runs (weak: absent ones are skipped). */
extern const struct case_table g_driver_cases __attribute__((weak));
extern const struct case_table g_robustness_cases __attribute__((weak));
extern const struct case_table g_port_cases __attribute__((weak));
extern const struct case_table g_port_header_cases __attribute__((weak));

#endif /* HARNESS_H */
