/*
 * STM32F0 independent watchdog (RM0091 "Independent watchdog (IWDG)"), clocked by the LSI (30-50 kHz on the
 * F072, DS9826). Started by software here, or at every reset by hardware when the WDG_SW option bit is 0;
 * once started only a reset stops it.
 */
#include "stm32f0_regs.h"
#include "tsboot_hal.h"

/* The longest period, at the fastest LSI: /256 x 4096 / 50 kHz = 20.97 s (26 s at the typical 40 kHz). */
#define IWDG_LONGEST_MS ((256u * (IWDG_RLR_MAX + 1u)) / (LSI_MAX_HZ / 1000u))

/* PVU/RVU clear within 5 LSI cycles (RM0091), 167 us at 30 kHz: 1 ms of polls is ample. */
static void iwdg_wait_updates(void) {
  uint32_t polls = hal_clock_hclk_hz() / 1000u;
  for (uint32_t i = 0; i < polls; i++) {
    if ((REG_READ32(IWDG_SR) & (IWDG_SR_PVU | IWDG_SR_RVU)) == 0u) {
      return;
    }
  }
}

void hal_iwdg_start(uint32_t timeout_ms) {
  uint32_t pr = IWDG_PR_DIV256;
  uint32_t reload = IWDG_RLR_MAX;
  if (timeout_ms < IWDG_LONGEST_MS) {
    /* The smallest prescaler whose 4096 counts cover the timeout at the fastest LSI: a count is 4 << pr LSI
     * cycles, so counts = ceil(lsi_cycles >> (pr + 2)); shifts, because the Cortex-M0 has no divide
     * instruction. timeout_ms < 20971 keeps lsi_cycles below 2^32. */
    uint32_t lsi_cycles = timeout_ms * (LSI_MAX_HZ / 1000u);
    uint32_t counts = 0;
    for (pr = 0u; pr <= IWDG_PR_DIV256; pr++) {
      uint32_t shift = pr + 2u;
      counts = (lsi_cycles + (1u << shift) - 1u) >> shift;
      if (counts <= IWDG_RLR_MAX + 1u) {
        break;
      }
    }
    reload = counts == 0u ? 0u : counts - 1u;
  }
  /* RM0091 "Configuring the IWDG": start (or keep running), unlock PR/RLR, write them once no update is in
   * progress (a write during PVU/RVU is ignored), wait for them to reach the LSI domain, then reload. */
  REG_WRITE32(IWDG_KR, IWDG_KEY_ENABLE);
  REG_WRITE32(IWDG_KR, IWDG_KEY_ACCESS);
  iwdg_wait_updates();
  REG_WRITE32(IWDG_PR, pr);
  REG_WRITE32(IWDG_RLR, reload);
  iwdg_wait_updates();
  REG_WRITE32(IWDG_KR, IWDG_KEY_RELOAD);
}

void hal_iwdg_refresh(void) { REG_WRITE32(IWDG_KR, IWDG_KEY_RELOAD); }
