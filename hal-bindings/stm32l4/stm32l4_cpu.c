/*
 * Before the jump to the application (Cortex-M4, PM0214 4.2-4.4): every NVIC line disabled and its pending
 * bit cleared, SysTick and PendSV pending cleared, and VTOR pointed at the application's vector table.
 */
#include "stm32l4_regs.h"
#include "tsboot_hal.h"

void hal_cpu_quiesce(void) {
  for (uint32_t n = 0; n < NVIC_WORDS; n++) {
    REG_WRITE32(NVIC_ICER(n), 0xFFFFFFFFu); /* write-1-to-disable: zeros elsewhere change nothing */
  }
  for (uint32_t n = 0; n < NVIC_WORDS; n++) {
    REG_WRITE32(NVIC_ICPR(n), 0xFFFFFFFFu);
  }
  /* A tick or a PendSV that fell due would be taken through the application's table after the jump. */
  REG_WRITE32(SCB_ICSR, SCB_ICSR_PENDSTCLR | SCB_ICSR_PENDSVCLR);
  REG_DSB();
  REG_ISB();
}

/* The application's table must be aligned to VTOR_ALIGNMENT (512 bytes on the STM32L476): every page start
 * (2 KB) is. The port checks the address before it calls this. */
void hal_cpu_vector_table(uint32_t address) {
  REG_WRITE32(SCB_VTOR, address);
  REG_DSB();
  REG_ISB();
}

#ifdef TSBOOT_REG_MODEL
void stm32l4_model_boot(void) {
  stm32l4_flash_model_boot();
  stm32l4_fault_model_boot();
  stm32l4_reset_model_boot();
  stm32l4_clock_model_boot();
  stm32l4_uart_model_boot();
  cortex_m_systick_model_boot();
}
#endif
