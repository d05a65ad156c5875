/*
 * The harness of the register-model cases, the same for every family (test/hal-stm32<family>/cases): a
 * binary holds named cases and runs one of them by name, in a fresh process.
 *   ./cases --list      one case name per line, in the order of the tables (and of each table)
 *   ./cases NAME        runs one case; prints "PASS NAME" (exit 0) or "FAIL NAME: file:line: ..." (exit 1);
 *                       the model may stop it with "MODEL FATAL: ..." (exit 3, model_report.h)
 * A case passes when it returns and the model recorded no violation it did not expect and forget
 * (expect_violation, model_clear_violations). One copy, so that the four families' vitest files can read
 * every binary's output alike.
 */
#ifndef CASE_HARNESS_H
#define CASE_HARNESS_H

#include "model_report.h"

#include <setjmp.h>
#include <stdint.h>

/* Ends the case as failed: prints "FAIL NAME: file:line: <message>" (the file's base name) and the model's
 * violations, and exits 1. */
void case_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4), noreturn));
#define FAIL(...) case_fail(__FILE__, __LINE__, __VA_ARGS__)

#define CHECK(cond)                                                                                            \
  do {                                                                                                         \
    if (!(cond)) {                                                                                             \
      FAIL("%s", #cond);                                                                                       \
    }                                                                                                          \
  } while (0)

#define CHECK_EQ(a, b)                                                                                         \
  do {                                                                                                         \
    unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);                             \
    if (a_ != b_) {                                                                                            \
      FAIL("%s == %s: got 0x%llX (%llu), expected 0x%llX (%llu)", #a, #b, a_, a_, b_, b_);                     \
    }                                                                                                          \
  } while (0)

/* Fails the case unless the model recorded a violation whose text contains `needle`. A case that expects
 * a violation checks it with this and then forgets them all (model_clear_violations). */
void expect_violation(const char *needle);

/* Questions about the model's write trace (model_trace). An index is a position in the trace, -1 for none. */
uint32_t writes_to(uint32_t addr); /* how many writes went to addr */
/* Index of the first write to addr at or after `from` whose value has all of `bits`, or -1. */
int32_t find_write(uint32_t addr, uint32_t bits, uint32_t from);
/* Index of the first write of exactly `value` to addr at or after `from`, or -1. */
int32_t find_value(uint32_t addr, uint32_t value, uint32_t from);
int32_t last_write(uint32_t addr);   /* index of the last write to addr, or -1 */
uint32_t write_value(int32_t index); /* the value written; fails the case for -1 */

/*
 * Runs `body` expecting the modelled MCU to reset in it (SYSRESETREQ, a watchdog): `arm_reset` is the
 * family model's function that takes where to longjmp after the reset (NULL: a reset is MODEL FATAL). The
 * case goes on after the macro, as the next boot would; it fails when `body` returns without a reset.
 * Locals changed inside `body` and read after it must be volatile (setjmp rules). A family wraps this in its
 * own EXPECT_RESET(body).
 */
extern jmp_buf case_reset_point;
#define EXPECT_RESET_VIA(arm_reset, body)                                                                      \
  do {                                                                                                         \
    if (setjmp(case_reset_point) == 0) {                                                                       \
      arm_reset(&case_reset_point);                                                                            \
      body;                                                                                                    \
      FAIL("expected a reset in: %s", #body);                                                                  \
    }                                                                                                          \
    arm_reset(NULL);                                                                                           \
  } while (0)

/*
 * Cases and their tables: CASE(name) { ... } defines one, a table lists it with ENTRY(name), in the order
 * `--list` prints (the F0's cases.c instead registers each CASE with a constructor and lists them sorted).
 * The vitest files read the CASE( lines and require `--list` to print exactly those.
 */
struct test_case {
  const char *name;
  void (*fn)(void);
  const char *file; /* where it is defined, for the end-of-case violation check's "FAIL NAME: file:0: ..." */
};
struct case_table {
  const struct test_case *cases;
  uint32_t count;
};
#define CASE(name) static void case_##name(void)
#define ENTRY(name) {#name, case_##name, __FILE__},
#define CASE_TABLE(table_name, array) const struct case_table table_name = {array, sizeof array / sizeof array[0]}

/* The main() of a cases binary: lists or runs one case of `tables` (NULL ones are skipped) as above;
 * returns the exit status (2 for a wrong command line or an unknown name). run_case_list: one table. */
int run_cases(int argc, char **argv, const struct case_table *const *tables, uint32_t table_count);
int run_case_list(int argc, char **argv, const struct test_case *cases, uint32_t count);

#endif /* CASE_HARNESS_H */
