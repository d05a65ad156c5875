/* The F4 part of the register-model cases' harness (see harness.h). */
#include "harness.h"

/* What the target's linker script reserves at the top of RAM; here plain memory that no reset touches. */
volatile uint32_t __tsboot_fault_record[3];
volatile uint32_t __tsboot_update_flag[16]; /* the no-init block the port's words live in */

void setup(enum f4_part part) { f4_model_reset(part); }

uint32_t peek(uint32_t addr) { return f4_model_peek(addr); }

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
