/*
 * The one bounded register wait the F4 drivers share (clock, USART, DMA, IWDG): one copy of the loop instead
 * of one per wait. The flash driver's BSY wait is not this one: it runs from RAM and serves the watchdog. And
 * the bound in milliseconds that the flash and IWDG drivers give their waits.
 */
#include "stm32f4_internal.h"
#include "stm32f4_regs.h"
#include "tsboot_hal.h"

/* Not inlined: one copy of the product for the flash driver's bounds and the IWDG's. */
__attribute__((noinline)) uint32_t stm32f4_polls_ms(uint32_t ms) { return ms * (hal_clock_hclk_hz() / 1000u); }

bool stm32f4_wait(uint32_t addr, uint32_t mask, uint32_t value, uint32_t polls) {
  for (uint32_t i = 0; i < polls; i++) {
    if ((REG_READ32(addr) & mask) == value) {
      return true;
    }
  }
  return false;
}
