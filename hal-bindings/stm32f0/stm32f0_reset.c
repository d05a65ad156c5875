/*
 * What happened before this boot: the reset cause (RM0091 "Control/status register (RCC_CSR)") and the fault
 * record that hal_fault_reset leaves in no-init SRAM (BOARD_FAULT_RECORD_ADDR) across the system reset.
 */
#include "stm32f0_regs.h"
#include "tsboot_hal.h"

/* ---- Reset cause ---- */

static bool s_cause_read = false;
static uint32_t s_cause = 0;

uint32_t hal_reset_cause(void) {
  if (s_cause_read) {
    return s_cause;
  }
  uint32_t csr = REG_READ32(RCC_CSR);
  uint32_t cause = 0;
  cause |= (csr & RCC_CSR_PORRSTF) != 0u ? HAL_RESET_POWER_ON : 0u;
  cause |= (csr & RCC_CSR_SFTRSTF) != 0u ? HAL_RESET_SOFTWARE : 0u;
  cause |= (csr & RCC_CSR_IWDGRSTF) != 0u ? HAL_RESET_IWDG : 0u;
  cause |= (csr & RCC_CSR_WWDGRSTF) != 0u ? HAL_RESET_WWDG : 0u;
  cause |= (csr & RCC_CSR_LPWRRSTF) != 0u ? HAL_RESET_LOW_POWER : 0u;
  cause |= (csr & RCC_CSR_OBLRSTF) != 0u ? HAL_RESET_OPTION_LOAD : 0u;
  /* Every reset source drives NRST low, so PINRSTF comes with all of them: it names the pin only alone. The
   * F0 has no brown-out flag (a brown-out is a POR/PDR, PORRSTF). */
  if (cause == 0u && (csr & RCC_CSR_PINRSTF) != 0u) {
    cause = HAL_RESET_PIN;
  }
  /* RMVF clears every flag; LSION, the one writable bit beside it, is kept. */
  REG_WRITE32(RCC_CSR, (csr & RCC_CSR_LSION) | RCC_CSR_RMVF);
  s_cause = cause;
  s_cause_read = true;
  return cause;
}

/* ---- Fault record ----
 * Four words: a magic number, the kind, the detail, and a check word. Power-on SRAM is random, so a record
 * counts only when the magic and the check word agree with kind and detail. */
#define FAULT_MAGIC 0x54534246u /* "TSBF" */
#define FAULT_WORD(i) (BOARD_FAULT_RECORD_ADDR + 4u * (i))

static bool s_fault_read = false;
static uint32_t s_fault_kind = HAL_FAULT_NONE;
static uint32_t s_fault_detail = 0;

static uint32_t fault_check(uint32_t kind, uint32_t detail) { return ~(FAULT_MAGIC ^ kind ^ detail); }

_Noreturn void hal_fault_reset(uint32_t kind, uint32_t detail) {
  REG_WRITE32(FAULT_WORD(0u), FAULT_MAGIC);
  REG_WRITE32(FAULT_WORD(1u), kind);
  REG_WRITE32(FAULT_WORD(2u), detail);
  REG_WRITE32(FAULT_WORD(3u), fault_check(kind, detail));
  REG_DSB(); /* the record is in SRAM before the reset request */
  REG_WRITE32(SCB_AIRCR, SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ);
  REG_DSB();
  for (;;) {
    /* the reset takes a few cycles to arrive */
  }
}

static void fault_load(void) {
  if (s_fault_read) {
    return;
  }
  uint32_t magic = REG_READ32(FAULT_WORD(0u));
  uint32_t kind = REG_READ32(FAULT_WORD(1u));
  uint32_t detail = REG_READ32(FAULT_WORD(2u));
  uint32_t check = REG_READ32(FAULT_WORD(3u));
  if (magic == FAULT_MAGIC && check == fault_check(kind, detail)) {
    s_fault_kind = kind;
    s_fault_detail = detail;
  }
  for (uint32_t i = 0; i < 4u; i++) {
    REG_WRITE32(FAULT_WORD(i), 0u); /* reported once: the next reset starts from no record */
  }
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

/* No flash ECC on F0: every fault is recorded and resets (the port's fault entry). */
bool hal_fault_recover(uint32_t kind, uint32_t *frame) {
  (void)kind;
  (void)frame;
  return false;
}
