/*
 * SysTick timebase at 1 kHz (ARMv7-M ARM B3.3), counted by SysTick_Handler. CLKSOURCE = 1 counts the
 * processor clock, which on H7 is the Cortex-M7 clock (sys_d1cpre_ck: 400 MHz after hal_clock_init), not
 * the AXI/AHB clock: hal_clock_hclk_hz() returns the former.
 *
 * While a flash erase runs, code fetched from the same bank stalls, including this handler's vector fetch:
 * ticks that fall due meanwhile collapse into one pending exception, so hal_millis runs behind by roughly
 * the erase time. Use it for protocol timeouts, not to time erases.
 */
#include "stm32h7_regs.h"
#include "tsboot_hal.h"

static volatile uint32_t s_millis = 0;

void SysTick_Handler(void) { s_millis = s_millis + 1u; }

uint32_t hal_millis(void) { return s_millis; }

void hal_tick_init(uint32_t hclk_hz) {
  uint32_t reload = hclk_hz / 1000u - 1u;
  if (hclk_hz < 1000u || reload > STK_LOAD_RELOAD_Msk) {
    return;
  }
  REG_WRITE32(STK_CTRL, 0u);
  REG_WRITE32(STK_LOAD, reload);
  REG_WRITE32(STK_VAL, 0u); /* any write clears the counter and COUNTFLAG */
  s_millis = 0;
  REG_WRITE32(STK_CTRL, STK_CTRL_CLKSOURCE | STK_CTRL_TICKINT | STK_CTRL_ENABLE);
}

void hal_tick_deinit(void) {
  REG_WRITE32(STK_CTRL, 0u);
  REG_WRITE32(STK_LOAD, 0u);
  REG_WRITE32(STK_VAL, 0u);
  /* A tick that fell due before CTRL was cleared would still fire after the jump, in the application,
   * through the application's vector table: clear it. Zeros in ICSR's other bits change nothing. */
  REG_WRITE32(SCB_ICSR, SCB_ICSR_PENDSTCLR);
}
