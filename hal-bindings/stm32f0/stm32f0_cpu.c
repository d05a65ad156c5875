/*
 * Before the jump to the application (PM0215 "Nested vectored interrupt controller", "System control block";
 * RM0091 "SYSCFG configuration register 1").
 *
 * The Cortex-M0 has no VTOR: exceptions always fetch their vector from address 0. To give the application its
 * own table, the table is copied to the start of SRAM and SRAM is mapped at address 0 (MEM_MODE = 11). The
 * application must leave SRAM 0x20000000..0x200000BF (48 words) alone: its linker script reserves it.
 */
#include "stm32f0_regs.h"
#include "tsboot_hal.h"

void hal_cpu_quiesce(void) {
  REG_WRITE32(NVIC_ICER(0), 0xFFFFFFFFu); /* every IRQ disabled ... */
  REG_WRITE32(NVIC_ICPR(0), 0xFFFFFFFFu); /* ... and none left pending */
  REG_WRITE32(SCB_ICSR, SCB_ICSR_PENDSTCLR | SCB_ICSR_PENDSVCLR);
  REG_DSB();
  REG_ISB();
}

void hal_cpu_vector_table(uint32_t address) {
  if ((address & 3u) != 0u) {
    return; /* a vector table is word-aligned; anything else is not one */
  }
  for (uint32_t i = 0; i < VECTOR_TABLE_WORDS; i++) {
    REG_WRITE32(SRAM_BASE + 4u * i, REG_READ32(address + 4u * i));
  }
  /* SYSCFG's registers are written only with its clock on (RCC_APB2ENR.SYSCFGCOMPEN, off at reset). */
  uint32_t apb2enr = REG_READ32(RCC_APB2ENR);
  if ((apb2enr & RCC_APB2ENR_SYSCFGCOMPEN) == 0u) {
    REG_WRITE32(RCC_APB2ENR, apb2enr | RCC_APB2ENR_SYSCFGCOMPEN);
    (void)REG_READ32(RCC_APB2ENR);
  }
  /* The copy is complete before SRAM appears at 0: from the remap on, every exception takes the
   * application's vector. */
  REG_DSB();
  REG_WRITE32(SYSCFG_CFGR1, (REG_READ32(SYSCFG_CFGR1) & ~SYSCFG_CFGR1_MEM_MODE_Msk) | SYSCFG_CFGR1_MEM_MODE_SRAM);
  REG_DSB();
  REG_ISB();
}
