/*
 * STM32H7 independent watchdog IWDG1 (RM0433 45), clocked by the LSI (32 kHz). With the option bit
 * IWDG1_SW = 0 (hal_flash_option_hw_watchdog) it runs from every reset; once started it stops only with a
 * reset. Writing the start key to a running IWDG1 is harmless, so starting and reprogramming are one path.
 */
#include "stm32h7_internal.h"
#include "stm32h7_regs.h"
#include "tsboot_hal.h"

#define IWDG_PRESCALER_MAX 6u /* PR = 6: /256 (7 is /256 too) */
/* A PR or RLR update reaches the LSI domain within 5 LSI periods (RM0433 45.4.4: PVU/RVU); ST's HAL
 * allows 48 ms (IWDG_DEFAULT_TIMEOUT, 6 periods of /256 at the slowest LSI). */
#define IWDG_UPDATE_MAX_MS 48u

void hal_iwdg_start(uint32_t timeout_ms) {
  /* The smallest prescaler 4 << pr whose 12-bit reload covers the timeout; the longest period otherwise. */
  uint32_t pr = 0u;
  uint64_t ticks = (uint64_t)timeout_ms * IWDG_LSI_HZ / 1000u;
  while (pr < IWDG_PRESCALER_MAX && (ticks + (4u << pr) - 1u) / (4u << pr) > IWDG_RLR_Msk + 1u) {
    pr++;
  }
  uint64_t counts = (ticks + (4u << pr) - 1u) / (4u << pr);
  uint32_t reload = counts == 0u ? 0u : (counts > IWDG_RLR_Msk + 1u ? IWDG_RLR_Msk : (uint32_t)counts - 1u);

  REG_WRITE32(IWDG_KR, IWDG_KR_START);  /* starts the LSI and the counter (if not already running) */
  REG_WRITE32(IWDG_KR, IWDG_KR_ACCESS); /* unlocks PR and RLR */
  REG_WRITE32(IWDG_PR, pr);
  REG_WRITE32(IWDG_RLR, reload);
  /* The new values are in force when PVU and RVU are back to 0; the refresh then loads the new reload. */
  (void)stm32h7_wait(IWDG_SR, IWDG_SR_PVU | IWDG_SR_RVU, 0u, stm32h7_polls_ms(IWDG_UPDATE_MAX_MS));
  REG_WRITE32(IWDG_KR, IWDG_KR_REFRESH); /* also locks PR and RLR again */
}

void hal_iwdg_refresh(void) { REG_WRITE32(IWDG_KR, IWDG_KR_REFRESH); }
