/* What a host register model reports (see model_report.h): violations, MODEL FATAL and read counts. */
#include "model_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIOLATION_TEXT_SIZE 220u
#define READ_SLOTS_LOG2 13u
#define READ_SLOTS (1u << READ_SLOTS_LOG2)

static struct {
  uint32_t violations;
  char violation_text[MODEL_VIOLATIONS_KEPT][VIOLATION_TEXT_SIZE];
  /* Read counts: an open-addressing hash table of addresses; a slot with count 0 is free. */
  uint32_t read_addr[READ_SLOTS];
  uint64_t read_count[READ_SLOTS];
} s_report;

void violation(const char *fmt, ...) {
  if (s_report.violations < MODEL_VIOLATIONS_KEPT) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s_report.violation_text[s_report.violations], VIOLATION_TEXT_SIZE, fmt, ap);
    va_end(ap);
  }
  s_report.violations++;
}

void fatal(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("MODEL FATAL: ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  fflush(stdout);
  exit(3);
}

void model_report_reset(void) { memset(&s_report, 0, sizeof s_report); }

uint32_t model_violation_count(void) { return s_report.violations; }

const char *model_violation(uint32_t i) {
  return i < MODEL_VIOLATIONS_KEPT && i < s_report.violations ? s_report.violation_text[i] : "";
}

void model_clear_violations(void) { s_report.violations = 0; }

/* The slot an address's search starts at: the top bits of a multiplicative (Fibonacci) hash. */
static uint32_t first_read_slot(uint32_t addr) { return (addr * 2654435761u) >> (32u - READ_SLOTS_LOG2); }

void model_count_read(uint32_t addr) {
  for (uint32_t i = 0, s = first_read_slot(addr); i < READ_SLOTS; i++, s = (s + 1u) % READ_SLOTS) {
    if (s_report.read_addr[s] == addr || s_report.read_count[s] == 0u) {
      s_report.read_addr[s] = addr;
      s_report.read_count[s]++;
      return;
    }
  }
}

uint64_t model_reads(uint32_t addr) {
  for (uint32_t i = 0, s = first_read_slot(addr); i < READ_SLOTS; i++, s = (s + 1u) % READ_SLOTS) {
    if (s_report.read_count[s] == 0u) {
      return 0;
    }
    if (s_report.read_addr[s] == addr) {
      return s_report.read_count[s];
    }
  }
  return 0;
}
