/* The harness of the register-model cases (see case_harness.h). */
#include "case_harness.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_case = "?";
jmp_buf case_reset_point;

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash != NULL ? slash + 1 : path;
}

void case_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("FAIL %s: %s:%d: ", s_case, base_name(file), line);
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  for (uint32_t i = 0; i < model_violation_count() && i < MODEL_VIOLATIONS_KEPT; i++) {
    printf("  model violation: %s\n", model_violation(i));
  }
  fflush(stdout);
  exit(1);
}

void expect_violation(const char *needle) {
  for (uint32_t i = 0; i < model_violation_count(); i++) {
    if (strstr(model_violation(i), needle) != NULL) {
      return;
    }
  }
  FAIL("expected a model violation containing \"%s\"", needle);
}

uint32_t writes_to(uint32_t addr) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < model_trace_count(); i++) {
    n += model_trace(i)->addr == addr ? 1u : 0u;
  }
  return n;
}

int32_t find_write(uint32_t addr, uint32_t bits, uint32_t from) {
  for (uint32_t i = from; i < model_trace_count(); i++) {
    const struct model_write *w = model_trace(i);
    if (w->addr == addr && (w->value & bits) == bits) {
      return (int32_t)i;
    }
  }
  return -1;
}

int32_t find_value(uint32_t addr, uint32_t value, uint32_t from) {
  for (uint32_t i = from; i < model_trace_count(); i++) {
    const struct model_write *w = model_trace(i);
    if (w->addr == addr && w->value == value) {
      return (int32_t)i;
    }
  }
  return -1;
}

int32_t last_write(uint32_t addr) {
  for (uint32_t i = model_trace_count(); i > 0u; i--) {
    if (model_trace(i - 1u)->addr == addr) {
      return (int32_t)(i - 1u);
    }
  }
  return -1;
}

uint32_t write_value(int32_t index) {
  CHECK(index >= 0);
  return model_trace((uint32_t)index)->value;
}

static int run_one(const struct test_case *c) {
  s_case = c->name;
  c->fn();
  if (model_violation_count() != 0u) {
    case_fail(c->file, 0, "%u model violation(s)", (unsigned)model_violation_count());
  }
  printf("PASS %s\n", c->name);
  return 0;
}

int run_cases(int argc, char **argv, const struct case_table *const *tables, uint32_t table_count) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s --list | CASE\n", argv[0]);
    return 2;
  }
  bool list = strcmp(argv[1], "--list") == 0;
  for (uint32_t t = 0; t < table_count; t++) {
    for (uint32_t i = 0; tables[t] != NULL && i < tables[t]->count; i++) {
      const struct test_case *c = &tables[t]->cases[i];
      if (list) {
        printf("%s\n", c->name);
      } else if (strcmp(argv[1], c->name) == 0) {
        return run_one(c);
      }
    }
  }
  if (list) {
    return 0;
  }
  fprintf(stderr, "no case named %s\n", argv[1]);
  return 2;
}

int run_case_list(int argc, char **argv, const struct test_case *cases, uint32_t count) {
  const struct case_table table = {cases, count};
  const struct case_table *const tables[] = {&table};
  return run_cases(argc, argv, tables, 1u);
}
