/*
 * SysTick timebase at 1 kHz, counted by SysTick_Handler: the same on every core (PM0215 4.4, PM0214 4.5,
 * ARMv7-M ARM B3.3). hal_tick_init takes the clock SysTick counts with CLKSOURCE = 1: HCLK on F0, F4 and L4,
 * the Cortex-M7 clock on H7 (sys_d1cpre_ck, which the H7's hal_clock_hclk_hz() returns).
 *
 * While a flash erase or program stalls the CPU's fetches from the bank it runs in, this handler's vector
 * fetch stalls too: ticks that fall due meanwhile collapse into one pending exception, so hal_millis runs
 * behind by up to the erase time (a 40 ms page on F0, seconds for a 128 KB F4 sector). Use it for protocol
 * timeouts, not to time erases: the flash drivers poll BSY with their own bounds.
 */
#include "cortex_m.h"
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

#ifdef TSBOOT_REG_MODEL
/* The host driver tests boot the drivers more than once in one process: a boot starts with no ticks. */
void cortex_m_systick_model_boot(void) { s_millis = 0; }
#endif
