/*
 * The Cortex-M7 before the jump (ARMv7-M ARM B3.4 NVIC, B3.5 MPU; Cortex-M7 TRM and CMSIS core_cm7.h for the
 * L1 caches): every interrupt disabled and cleared, the caches cleaned, invalidated and off, the MPU off,
 * then VTOR at the application's table. The application starts as after a reset; its startup code turns
 * the caches and the MPU on again if it wants them.
 *
 * tsboot keeps the D-cache off (the reset state): DMA reception then needs no cache maintenance, and a flash
 * word just programmed reads back from flash. The drivers still invalidate the lines they change when a
 * port turns the D-cache on (stm32h7_dcache_invalidate).
 */
#include "stm32h7.h"
#include "stm32h7_regs.h"
#include "tsboot_hal.h"

void stm32h7_dcache_invalidate(uint32_t address, uint32_t length) {
  if ((REG_READ32(SCB_CCR) & SCB_CCR_DC) == 0u || length == 0u) {
    return;
  }
  uint32_t end = address + length;
  REG_DSB();
  for (uint32_t line = address & ~(SCB_CACHE_LINE - 1u); line < end; line += SCB_CACHE_LINE) {
    REG_WRITE32(SCB_DCIMVAC, line);
  }
  REG_DSB();
  REG_ISB();
}

/* CMSIS SCB_DisableDCache: D-cache off, then clean and invalidate every line by set and way, so that no
 * dirty line of RAM is lost and no stale line survives for the application. */
static void cpu_dcache_off(void) {
  REG_WRITE32(SCB_CSSELR, SCB_CSSELR_L1_DATA);
  REG_DSB();
  uint32_t ccsidr = REG_READ32(SCB_CCSIDR);
  REG_WRITE32(SCB_CCR, REG_READ32(SCB_CCR) & ~SCB_CCR_DC);
  REG_DSB();
  for (uint32_t set = 0; set <= SCB_CCSIDR_SETS(ccsidr); set++) {
    for (uint32_t way = 0; way <= SCB_CCSIDR_WAYS(ccsidr); way++) {
      REG_WRITE32(SCB_DCCISW, ((set << SCB_DCCISW_SET_Pos) & SCB_DCCISW_SET_Msk) |
                                  ((way << SCB_DCCISW_WAY_Pos) & SCB_DCCISW_WAY_Msk));
    }
  }
  REG_DSB();
  REG_ISB();
}

void hal_cpu_quiesce(void) {
  uint32_t words = (REG_READ32(NVIC_ICTR) & NVIC_ICTR_INTLINESNUM_Msk) + 1u; /* 5 on H743: 150 IRQs */
  for (uint32_t i = 0; i < words; i++) {
    REG_WRITE32(NVIC_ICER(i), 0xFFFFFFFFu);
  }
  REG_DSB();
  REG_ISB();
  for (uint32_t i = 0; i < words; i++) {
    REG_WRITE32(NVIC_ICPR(i), 0xFFFFFFFFu);
  }
  REG_WRITE32(SCB_ICSR, SCB_ICSR_PENDSTCLR | SCB_ICSR_PENDSVCLR);

  if ((REG_READ32(SCB_CCR) & SCB_CCR_DC) != 0u) {
    cpu_dcache_off();
  }
  /* CMSIS SCB_DisableICache: off, then invalidate all (also when it was off: a stale line costs nothing to
   * drop and the application may turn it on without invalidating). */
  REG_DSB();
  REG_ISB();
  REG_WRITE32(SCB_CCR, REG_READ32(SCB_CCR) & ~SCB_CCR_IC);
  REG_WRITE32(SCB_ICIALLU, 0u);
  REG_DSB();
  REG_ISB();

  REG_DMB();
  REG_WRITE32(MPU_CTRL, 0u);
  REG_DSB();
  REG_ISB();
}

/* VTOR[31:7]: the table must be aligned to its size rounded up to a power of two - 1 KB for the 166
 * entries of H743 - which the application's linker script does (boards/linker.ts). */
void hal_cpu_vector_table(uint32_t address) {
  REG_WRITE32(SCB_VTOR, address & SCB_VTOR_TBLOFF_Msk);
  REG_DSB();
  REG_ISB();
}
