/*
 * Independent watchdog (RM0351 IWDG chapter), clocked by the LSI (about 32 kHz). Once started it stops only
 * with a reset; with FLASH_OPTR.IWDG_SW = 0 it starts by hardware at every reset (prescaler /4, reload 0xFFF:
 * about 0.5 s), which is why the flash waits refresh it.
 *
 * Configuration sequence (RM0351 "Configuring the IWDG"): KR = 0xCCCC (start), KR = 0x5555 (register access),
 * PR, RLR, wait until SR = 0, then either WINR (which reloads the counter) or KR = 0xAAAA.
 */
#include "stm32l4_regs.h"
#include "tsboot_hal.h"

#define IWDG_PR_MAX 6u /* /256; 7 is /256 too */
#define IWDG_MS_PER_DIV_COUNT 32u /* (RLR + 1) * divider / 32 kHz = (RLR + 1) * divider / 32 ms */

/* An update (PVU, RVU, WVU) completes within 5 LSI cycles (about 160 us); 1 ms of polls at HCLK is ample. */
static void iwdg_wait_updates(uint32_t flags) {
  uint32_t polls = hal_clock_hclk_hz() / 1000u;
  for (uint32_t i = 0; i < polls; i++) {
    if ((REG_READ32(IWDG_SR) & flags) == 0u) {
      return;
    }
  }
}

void hal_iwdg_start(uint32_t timeout_ms) {
  uint32_t longest = (IWDG_RLR_Msk + 1u) * (4u << IWDG_PR_MAX) / IWDG_MS_PER_DIV_COUNT;
  uint32_t ms = timeout_ms > longest ? longest : timeout_ms;
  uint32_t pr = 0;
  while (pr < IWDG_PR_MAX && (IWDG_RLR_Msk + 1u) * (4u << pr) / IWDG_MS_PER_DIV_COUNT < ms) {
    pr++;
  }
  uint32_t divider = 4u << pr;
  uint32_t counts = (ms * IWDG_MS_PER_DIV_COUNT + divider - 1u) / divider;
  counts = counts == 0u ? 1u : counts;
  uint32_t rlr = counts - 1u > IWDG_RLR_Msk ? IWDG_RLR_Msk : counts - 1u;

  REG_WRITE32(IWDG_KR, IWDG_KR_START); /* running already (hardware mode): no change */
  REG_WRITE32(IWDG_KR, IWDG_KR_ACCESS);
  iwdg_wait_updates(IWDG_SR_PVU | IWDG_SR_RVU | IWDG_SR_WVU); /* PR/RLR take no write while updating */
  REG_WRITE32(IWDG_PR, pr);
  REG_WRITE32(IWDG_RLR, rlr);
  iwdg_wait_updates(IWDG_SR_PVU | IWDG_SR_RVU);
  if ((REG_READ32(IWDG_WINR) & IWDG_WINR_Msk) != IWDG_WINR_Msk) {
    /* A window left by an earlier configuration would reset on an early refresh; 0xFFF is none. Writing
     * WINR reloads the counter. */
    REG_WRITE32(IWDG_WINR, IWDG_WINR_Msk);
    iwdg_wait_updates(IWDG_SR_WVU);
  } else {
    REG_WRITE32(IWDG_KR, IWDG_KR_RELOAD); /* also ends register access */
  }
}

void hal_iwdg_refresh(void) { REG_WRITE32(IWDG_KR, IWDG_KR_RELOAD); }
