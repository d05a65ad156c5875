/*
 * What a host register model reports, the same for every family's model (test/hal-stm32<family>/model):
 *   - violations: an access the hardware would ignore, stall on or fault on, counted, with the first
 *     MODEL_VIOLATIONS_KEPT kept as text; a case fails on any it does not expect (case_harness.h);
 *   - fatal(): an access the model cannot go on from (an address it does not model, or a HardFault on
 *     silicon): prints "MODEL FATAL: ..." and exits with status 3;
 *   - read counts: how many times software read each address (how often a driver polled a register).
 * One copy, so that the four models and their cases report and count alike.
 */
#ifndef MODEL_REPORT_H
#define MODEL_REPORT_H

#include <stdint.h>

#define MODEL_VIOLATIONS_KEPT 64u

/* For the models: record a violation (printf-style text), stop the program, count a software read. */
void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void model_count_read(uint32_t addr);

/* A model's power-on reset calls this: no violations, no reads counted. */
void model_report_reset(void);

/* For the cases. */
uint32_t model_violation_count(void);
const char *model_violation(uint32_t i); /* "" beyond the kept ones */
void model_clear_violations(void);
uint64_t model_reads(uint32_t addr); /* how many times software read this address */

#endif /* MODEL_REPORT_H */
