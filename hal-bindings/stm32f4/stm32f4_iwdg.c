/*
 * STM32F4 independent watchdog (RM0090 21): started by KR = 0xCCCC (or by hardware at reset when the option
 * bit WDG_SW is 0), reloaded by KR = 0xAAAA, stopped only by a reset.
 *
 * The period is computed at the fastest LSI the datasheets allow (47 kHz; typical 32 kHz, slowest 17 kHz), so
 * it is never shorter than asked: a request for 32 s gets the longest period there is (prescaler /256, reload
 * 0xFFF: 22 s at 47 kHz, 33 s at 32 kHz, 62 s at 17 kHz).
 */
#include "stm32f4_internal.h"
#include "stm32f4_regs.h"
#include "tsboot_hal.h"

#define IWDG_LSI_MAX_KHZ 47u
#define IWDG_TIMEOUT_MS_MAX 100000u /* above any period the IWDG has: keeps the tick count in 32 bits */
/* PR and RLR updates cross into the LSI domain in up to 5 LSI cycles (RM0090 21.4.4): 0.3 ms at 17 kHz, plus
 * the LSI start-up (40 us) after KR = 0xCCCC. 2 ms of polls, one per HCLK cycle at most. */
#define IWDG_UPDATE_WAIT_MS 2u

static void iwdg_wait_updated(uint32_t flags) {
  (void)stm32f4_wait(IWDG_SR, flags, 0u, stm32f4_polls_ms(IWDG_UPDATE_WAIT_MS));
  /* Still updating: the register keeps its earlier value (a write now would be ignored). Go on: the watchdog
   * runs either way, and the caller reloads it. */
}

/* Starts the IWDG with prescaler code `pr` and reload value `reload`. Not inlined: one copy of the register
 * sequence for every caller of hal_iwdg_start. */
__attribute__((noinline)) static void iwdg_program(uint32_t pr, uint32_t reload) {
  REG_WRITE32(IWDG_KR, IWDG_KR_START); /* also starts the LSI; harmless when it runs already */
  REG_WRITE32(IWDG_KR, IWDG_KR_ACCESS);
  iwdg_wait_updated(IWDG_SR_PVU);
  REG_WRITE32(IWDG_PR, pr);
  iwdg_wait_updated(IWDG_SR_RVU);
  REG_WRITE32(IWDG_RLR, reload);
  /* The reload below takes RLR as the LSI domain has it: wait until both updates have landed. */
  iwdg_wait_updated(IWDG_SR_PVU | IWDG_SR_RVU);
  REG_WRITE32(IWDG_KR, IWDG_KR_RELOAD); /* also ends write access to PR and RLR */
}

/* Inlined into every caller (tsboot_hal.h's declaration keeps this an external definition as well): the
 * bootloader's timeouts are board constants, and the prescaler search then folds away. */
__attribute__((always_inline)) inline void hal_iwdg_start(uint32_t timeout_ms) {
  uint32_t ms = timeout_ms > IWDG_TIMEOUT_MS_MAX ? IWDG_TIMEOUT_MS_MAX : timeout_ms;
  uint32_t ticks = ms * IWDG_LSI_MAX_KHZ; /* LSI cycles the period must last at least */
  uint32_t pr = 0u;
  while (pr < 6u && (ticks + (4u << pr) - 1u) / (4u << pr) > IWDG_RLR_Msk + 1u) {
    pr++;
  }
  uint32_t counts = (ticks + (4u << pr) - 1u) / (4u << pr);
  uint32_t reload = counts == 0u ? 0u : (counts > IWDG_RLR_Msk + 1u ? IWDG_RLR_Msk : counts - 1u);
  iwdg_program(pr, reload);
}

/* Harmless when the IWDG does not run: a reload key does not start it. Not inlined: one call is smaller than
 * the key store at each of the bootloader's many refresh points. */
__attribute__((noinline)) void hal_iwdg_refresh(void) { REG_WRITE32(IWDG_KR, IWDG_KR_RELOAD); }
