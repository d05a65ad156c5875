/* The F4 part of the register-model cases' harness (see harness.h). */
#include "harness.h"

/* What the target's linker script reserves at the top of RAM; here plain memory that no reset touches. */
volatile uint32_t __tsboot_fault_record[3];
volatile uint32_t __tsboot_update_flag[16]; /* the no-init block the port's words live in */

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

void check_sector_erased(uint32_t index) {
  uint32_t start = f4_model_flash_sector_start(index);
  for (uint32_t a = start; a < start + f4_model_flash_sector_size(index); a += 4u) {
    if (f4_model_flash_word(a) != 0xFFFFFFFFu) {
      FAIL("sector %u not erased at 0x%08X", (unsigned)index, (unsigned)a);
    }
  }
}

int main(int argc, char **argv) {
  const struct case_table *const tables[] = {&g_driver_cases, &g_robustness_cases, &g_port_cases, &g_port_header_cases};
  return run_cases(argc, argv, tables, (uint32_t)(sizeof tables / sizeof tables[0]));
}
