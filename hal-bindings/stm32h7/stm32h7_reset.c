/*
 * Resets: the cause of the last one (RCC_RSR, RM0433 8.4.4 and 8.7.39), the fault record that survives a
 * system reset in no-init RAM, and the reset itself (SYSRESETREQ, ARMv7-M ARM B3.2.6).
 */
#include "stm32h7.h"
#include "stm32h7_internal.h"
#include "stm32h7_regs.h"
#include "tsboot_hal.h"

/* The record: four aligned words. A power-on leaves RAM random, so a record counts only when its magic and
 * its check word (the complement of the XOR of the other three) both match. */
#define FAULT_RECORD_MAGIC 0x54534246u /* "TSBF" */
#define FAULT_MAGIC (BOARD_FAULT_RECORD_ADDR + 0u)
#define FAULT_KIND (BOARD_FAULT_RECORD_ADDR + 4u)
#define FAULT_DETAIL (BOARD_FAULT_RECORD_ADDR + 8u)
#define FAULT_CHECK (BOARD_FAULT_RECORD_ADDR + 12u)

static bool s_cause_read = false;
static uint32_t s_cause = 0;
static bool s_fault_read = false;
static uint32_t s_fault_kind = HAL_FAULT_NONE;
static uint32_t s_fault_detail = 0;

#ifdef TSBOOT_REG_MODEL
void stm32h7_reset_model_zero_bss(void) {
  s_cause_read = false;
  s_cause = 0;
  s_fault_read = false;
  s_fault_kind = HAL_FAULT_NONE;
  s_fault_detail = 0;
}

void stm32h7_model_zero_bss(void) {
  stm32h7_reset_model_zero_bss();
  stm32h7_flash_model_zero_bss();
}
#endif

uint32_t hal_reset_cause(void) {
  if (s_cause_read) {
    return s_cause;
  }
  uint32_t rsr = REG_READ32(RCC_RSR);
  uint32_t cause = 0u;
  cause |= (rsr & RCC_RSR_PINRSTF) != 0u ? HAL_RESET_PIN : 0u;
  cause |= (rsr & RCC_RSR_PORRSTF) != 0u ? HAL_RESET_POWER_ON : 0u;
  cause |= (rsr & RCC_RSR_SFTRSTF) != 0u ? HAL_RESET_SOFTWARE : 0u;
  cause |= (rsr & RCC_RSR_IWDG1RSTF) != 0u ? HAL_RESET_IWDG : 0u;
  cause |= (rsr & RCC_RSR_WWDG1RSTF) != 0u ? HAL_RESET_WWDG : 0u;
  cause |= (rsr & RCC_RSR_LPWRRSTF) != 0u ? HAL_RESET_LOW_POWER : 0u;
  cause |= (rsr & RCC_RSR_BORRSTF) != 0u ? HAL_RESET_BROWNOUT : 0u;
  /* H7 has no option-byte-load reset (OPTSTART applies without one); CPURSTF, D1RSTF and D2RSTF are domain
   * resets that accompany the causes above. RMVF is "set and reset by software": set it to clear the
   * flags, then clear it again so the next reset can record its own. */
  REG_WRITE32(RCC_RSR, RCC_RSR_RMVF);
  REG_WRITE32(RCC_RSR, 0u);
  s_cause = cause;
  s_cause_read = true;
  return cause;
}

static void fault_load(void) {
  if (s_fault_read) {
    return;
  }
  uint32_t magic = REG_READ32(FAULT_MAGIC);
  uint32_t kind = REG_READ32(FAULT_KIND);
  uint32_t detail = REG_READ32(FAULT_DETAIL);
  uint32_t check = REG_READ32(FAULT_CHECK);
  if (magic == FAULT_RECORD_MAGIC && check == ~(magic ^ kind ^ detail)) {
    s_fault_kind = kind;
    s_fault_detail = detail;
  }
  /* Read once: the next boot reports only its own fault. */
  REG_WRITE32(FAULT_MAGIC, 0u);
  REG_WRITE32(FAULT_KIND, 0u);
  REG_WRITE32(FAULT_DETAIL, 0u);
  REG_WRITE32(FAULT_CHECK, 0u);
  s_fault_read = true;
}

uint32_t hal_fault_kind(void) {
  fault_load();
  return s_fault_kind;
}

uint32_t hal_fault_detail(void) {
  fault_load();
  return s_fault_detail;
}

_Noreturn void hal_fault_reset(uint32_t kind, uint32_t detail) {
  REG_WRITE32(FAULT_MAGIC, FAULT_RECORD_MAGIC);
  REG_WRITE32(FAULT_KIND, kind);
  REG_WRITE32(FAULT_DETAIL, detail);
  REG_WRITE32(FAULT_CHECK, ~(FAULT_RECORD_MAGIC ^ kind ^ detail));
  REG_DSB(); /* the record is in RAM before the reset request */
  REG_WRITE32(SCB_AIRCR, SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ);
  REG_DSB();
  for (;;) {
  }
}
