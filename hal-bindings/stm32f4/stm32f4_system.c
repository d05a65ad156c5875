/*
 * STM32F4 system: the reset cause (RCC_CSR), the fault record and the reset that ends every fault, and the
 * state of the core before the jump to the application (NVIC, SysTick pending, VTOR).
 *
 * The fault record is three words of the no-init RAM at the top of RAM (boards/linker.ts, symbol
 * __tsboot_fault_record, just above the update-request flag): kind, detail, and a check word
 * (FAULT_RECORD_CHECK ^ kind ^ detail), so that RAM that powered up random, or a record half written when
 * power failed, never reads as a fault.
 */
#include "stm32f4_regs.h"
#include "tsboot_hal.h"

#define FAULT_RECORD_CHECK 0x7FA17C0Du

_Static_assert(RCC_CSR_PINRSTF >> 26 == HAL_RESET_PIN && RCC_CSR_PORRSTF >> 26 == HAL_RESET_POWER_ON &&
                   RCC_CSR_SFTRSTF >> 26 == HAL_RESET_SOFTWARE && RCC_CSR_IWDGRSTF >> 26 == HAL_RESET_IWDG &&
                   RCC_CSR_WWDGRSTF >> 26 == HAL_RESET_WWDG && RCC_CSR_LPWRRSTF >> 26 == HAL_RESET_LOW_POWER,
               "RCC_CSR reset flags and HAL_RESET_* differ");

/* Defined by the linker script (the bootloader's and the application's alike): never initialised or zeroed. */
extern volatile uint32_t __tsboot_fault_record[3];

/* ---- Reset cause ---- */

static struct {
  bool read;
  uint32_t cause;
} s_reset;

uint32_t hal_reset_cause(void) {
  if (s_reset.read) {
    return s_reset.cause;
  }
  uint32_t csr = REG_READ32(RCC_CSR);
  /* PINRSTF..LPWRRSTF (bits 26-31) are HAL_RESET_PIN..HAL_RESET_LOW_POWER in the same order; BORRSTF (bit 25)
   * is HAL_RESET_BROWNOUT. */
  uint32_t cause = ((csr >> 26) & 0x3Fu) | ((csr & RCC_CSR_BORRSTF) != 0u ? HAL_RESET_BROWNOUT : 0u);
  /* F4 has no option-byte-load reset (HAL_RESET_OPTION_LOAD): its option bytes apply without one. */
  REG_WRITE32(RCC_CSR, (csr & RCC_CSR_LSION) | RCC_CSR_RMVF); /* the next reset reports only its own cause */
  s_reset.cause = cause;
  s_reset.read = true;
  return cause;
}

/* ---- Faults ---- */

/* In RAM (TSBOOT_RAMFUNC): the flash driver calls it when the flash controller never finishes, and then no
 * instruction can be fetched from flash. Interrupts masked: nothing may run between the record and the reset. */
TSBOOT_RAMFUNC _Noreturn void hal_fault_reset(uint32_t kind, uint32_t detail) {
  (void)irq_save();
  __tsboot_fault_record[0] = kind;
  __tsboot_fault_record[1] = detail;
  __tsboot_fault_record[2] = FAULT_RECORD_CHECK ^ kind ^ detail;
  REG_DSB(); /* the record is in RAM before the reset request */
  REG_WRITE32(SCB_AIRCR, SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ);
  REG_DSB();
  for (;;) {
  }
}

/* The record as the first hal_fault_kind/hal_fault_detail found it (kind HAL_FAULT_NONE: none). */
static struct {
  bool read;
  uint32_t kind, detail;
} s_fault;

static void fault_read_once(void) {
  if (s_fault.read) {
    return;
  }
  uint32_t kind = __tsboot_fault_record[0];
  uint32_t detail = __tsboot_fault_record[1];
  if (kind != HAL_FAULT_NONE && __tsboot_fault_record[2] == (FAULT_RECORD_CHECK ^ kind ^ detail)) {
    s_fault.kind = kind;
    s_fault.detail = detail;
  }
  /* Cleared: the boot after the next one reports only what ends the next one. */
  __tsboot_fault_record[0] = HAL_FAULT_NONE;
  __tsboot_fault_record[1] = 0u;
  __tsboot_fault_record[2] = 0u;
  s_fault.read = true;
}

uint32_t hal_fault_kind(void) {
  fault_read_once();
  return s_fault.kind;
}

uint32_t hal_fault_detail(void) {
  fault_read_once();
  return s_fault.detail;
}

/* No flash ECC on F4: every fault is recorded and resets (the port's fault entry). */
bool hal_fault_recover(uint32_t kind, uint32_t *frame) {
  (void)kind;
  (void)frame;
  return false;
}

/* ---- Before the jump ---- */

void hal_cpu_quiesce(void) {
  /* Every implemented interrupt line: ICTR says how many groups of 32 (3 on F4: 82 to 86 IRQs). Disabled
   * first, then their pending bits cleared, so nothing enabled can pend again in between. */
  uint32_t groups = (REG_READ32(SCS_ICTR) & SCS_ICTR_INTLINESNUM_Msk) + 1u;
  for (uint32_t i = 0; i < groups; i++) {
    REG_WRITE32(NVIC_ICER(i), 0xFFFFFFFFu);
  }
  for (uint32_t i = 0; i < groups; i++) {
    REG_WRITE32(NVIC_ICPR(i), 0xFFFFFFFFu);
  }
  /* SysTick stopped and its pending bit (and PendSV's) cleared: they are exceptions, not NVIC lines. */
  REG_WRITE32(STK_CTRL, 0u);
  REG_WRITE32(SCB_ICSR, SCB_ICSR_PENDSTCLR | SCB_ICSR_PENDSVCLR);
  REG_DSB();
}

void hal_cpu_vector_table(uint32_t address) { REG_WRITE32(SCB_VTOR, address); }
