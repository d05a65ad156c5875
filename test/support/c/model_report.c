/* What a host register model reports about software's accesses (see model_report.h). */
#include "model_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIOLATION_TEXT_SIZE 220u
#define READ_SLOTS_LOG2 13u
#define READ_SLOTS (1u << READ_SLOTS_LOG2)
#define TRACE_MAX (1u << 20)

static struct {
  uint32_t violations;
  char violation_text[MODEL_VIOLATIONS_KEPT][VIOLATION_TEXT_SIZE];
  /* Read counts: an open-addressing hash table of addresses; a slot with count 0 is free. */
  uint32_t read_addr[READ_SLOTS];
  uint64_t read_count[READ_SLOTS];
  uint32_t trace_len;
} s_report;

/* The write trace's storage: allocated at the first reset (TRACE_MAX writes), kept across resets. */
static struct model_write *s_trace;

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

void model_report_reset(void) {
  memset(&s_report, 0, sizeof s_report);
  if (s_trace == NULL) {
    s_trace = calloc(TRACE_MAX, sizeof *s_trace);
    if (s_trace == NULL) {
      fatal("out of memory");
    }
  }
}

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

void model_trace_write(struct model_write w) {
  if (s_trace != NULL && s_report.trace_len < TRACE_MAX) {
    s_trace[s_report.trace_len++] = w;
  }
}

uint32_t model_trace_count(void) { return s_report.trace_len; }

const struct model_write *model_trace(uint32_t i) { return i < s_report.trace_len ? &s_trace[i] : NULL; }

void model_trace_clear(void) { s_report.trace_len = 0; }
