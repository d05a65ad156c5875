/* The harness of the register-model cases (see harness.h). */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *g_case = "?";
jmp_buf g_reset_point;

/* What the target's linker script reserves at the top of RAM; here plain memory that no reset touches. */
volatile uint32_t __tsboot_fault_record[3];
volatile uint32_t __tsboot_update_flag[16]; /* the no-init block the port's words live in */

void fail(int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("FAIL %s: line %d: ", g_case, line);
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  for (uint32_t i = 0; i < f4_model_violation_count() && i < 64u; i++) {
    printf("  model violation: %s\n", f4_model_violation(i));
  }
  fflush(stdout);
  exit(1);
}

void setup(enum f4_part part) { f4_model_reset(part); }

uint32_t peek(uint32_t addr) { return f4_model_peek(addr); }

uint32_t writes_to(uint32_t addr) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < f4_model_trace_count(); i++) {
    n += f4_model_trace(i)->addr == addr ? 1u : 0u;
  }
  return n;
}

int32_t find_write(uint32_t addr, uint32_t bits, uint32_t from) {
  for (uint32_t i = from; i < f4_model_trace_count(); i++) {
    const struct f4_model_write *w = f4_model_trace(i);
    if (w->addr == addr && (w->value & bits) == bits) {
      return (int32_t)i;
    }
  }
  return -1;
}

int32_t last_write(uint32_t addr) {
  for (uint32_t i = f4_model_trace_count(); i > 0u; i--) {
    if (f4_model_trace(i - 1u)->addr == addr) {
      return (int32_t)(i - 1u);
    }
  }
  return -1;
}

uint32_t write_value(int32_t index) {
  CHECK(index >= 0);
  return f4_model_trace((uint32_t)index)->value;
}

void expect_violation(const char *needle) {
  for (uint32_t i = 0; i < f4_model_violation_count(); i++) {
    if (strstr(f4_model_violation(i), needle) != NULL) {
      return;
    }
  }
  fail(__LINE__, "expected a model violation containing \"%s\"", needle);
}

void check_sector_erased(uint32_t index) {
  uint32_t start = f4_model_flash_sector_start(index);
  for (uint32_t a = start; a < start + f4_model_flash_sector_size(index); a += 4u) {
    if (f4_model_flash_word(a) != 0xFFFFFFFFu) {
      fail(__LINE__, "sector %u not erased at 0x%08X", (unsigned)index, (unsigned)a);
    }
  }
}

int main(int argc, char **argv) {
  const struct case_table *tables[] = {&g_driver_cases, &g_robustness_cases, &g_port_cases, &g_port_header_cases};
  if (argc != 2) {
    fprintf(stderr, "usage: %s --list | CASE\n", argv[0]);
    return 2;
  }
  bool list = strcmp(argv[1], "--list") == 0;
  for (uint32_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
    if (tables[t] == NULL) {
      continue;
    }
    for (uint32_t i = 0; i < tables[t]->count; i++) {
      const struct test_case *c = &tables[t]->cases[i];
      if (list) {
        printf("%s\n", c->name);
      } else if (strcmp(argv[1], c->name) == 0) {
        g_case = c->name;
        c->fn();
        if (f4_model_violation_count() != 0u) {
          fail(0, "%u model violation(s)", (unsigned)f4_model_violation_count());
        }
        printf("PASS %s\n", g_case);
        return 0;
      }
    }
  }
  if (list) {
    return 0;
  }
  fprintf(stderr, "no case named %s\n", argv[1]);
  return 2;
}
