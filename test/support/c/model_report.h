/*
 * What a host register model reports about software's accesses, the same for every family's model
 * (test/hal-stm32<family>/model):
 *   - violations: an access the hardware would ignore, stall on or fault on, counted, with the first
 *     MODEL_VIOLATIONS_KEPT kept as text; a case fails on any it does not expect (case_harness.h);
 *   - fatal(): an access the model cannot go on from (an address it does not model, or a HardFault on
 *     silicon): prints "MODEL FATAL: ..." and exits with status 3;
 *   - read counts: how many times software read each address (how often a driver polled a register);
 *   - the write trace: every write software made, in order, with the flash control register as it was.
 * One copy, so that the four models and their cases report, count and trace alike.
 */
#ifndef MODEL_REPORT_H
#define MODEL_REPORT_H

#include <stdint.h>

#define MODEL_VIOLATIONS_KEPT 64u

/* One write in the trace. */
struct model_write {
  uint32_t addr;
  uint32_t value;
  uint32_t flash_cr_before[2]; /* FLASH_CR just before (the H7: FLASH_CR1), and the H7's FLASH_CR2 (else 0) */
  uint8_t width;               /* bits stored: 32, or 16 for the F0's half-word stores */
};

/* For the models: record a violation (printf-style text), stop the program, count a software read, trace a
 * software write (the first 2^20 since the power-on reset are kept). */
void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void model_count_read(uint32_t addr);
void model_trace_write(struct model_write w);

/* A model's power-on reset calls this: no violations, no reads counted, an empty trace. */
void model_report_reset(void);

/* For the cases. */
uint32_t model_violation_count(void);
const char *model_violation(uint32_t i); /* "" beyond the kept ones */
void model_clear_violations(void);
uint64_t model_reads(uint32_t addr); /* how many times software read this address */
uint32_t model_trace_count(void);
const struct model_write *model_trace(uint32_t i); /* NULL beyond the trace */
void model_trace_clear(void);

#endif /* MODEL_REPORT_H */
