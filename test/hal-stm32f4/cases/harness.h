/*
 * The F4 part of the register-model cases' harness; the shared part (CHECK, CHECK_EQ, FAIL, CASE/ENTRY tables,
 * running a case by name) is test/support/c/case_harness.h. One binary holds several case files, each with
 * its table; harness.c's main() runs them in the order of g_driver_cases, g_robustness_cases, g_port_cases,
 * g_port_header_cases.
 *
 * Expected register values are written as literals from the reference manuals, not with stm32f4_regs.h's names,
 * so a wrong constant in the driver's header fails here. Every case ends by requiring that the model recorded
 * no violation (an access the hardware would ignore, stall on or fault on), unless the case expects one.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include "case_harness.h"
#include "f4_model.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * Runs `body` expecting the MCU to reset in it (SYSRESETREQ or an IWDG timeout): the model longjmps back here
 * and the case goes on after the macro, as the next boot would. Fails when `body` returns without a reset.
 * Locals changed inside `body` and read after it must be volatile (setjmp rules).
 */
#define EXPECT_RESET(body) EXPECT_RESET_VIA(f4_model_on_reset, body)

/* The fault record: the no-init RAM words the linker script names __tsboot_fault_record on the target. */
extern volatile uint32_t __tsboot_fault_record[3];

void setup(enum f4_part part);
uint32_t peek(uint32_t addr);
void check_sector_erased(uint32_t index);

/* The case files' tables; a binary links those it runs (weak: absent ones are skipped). */
extern const struct case_table g_driver_cases __attribute__((weak));
extern const struct case_table g_robustness_cases __attribute__((weak));
extern const struct case_table g_port_cases __attribute__((weak));
extern const struct case_table g_port_header_cases __attribute__((weak));

#endif /* HARNESS_H */
