/*
 * Reset cause from RCC_CSR (RM0351 6.4, RCC_CSR): read once, then cleared with RMVF so that the next reset
 * reports only its own cause.
 *
 * The L4 has no separate power-on flag: BORRSTF covers power-on and brown-out alike, so it reports both
 * HAL_RESET_POWER_ON and HAL_RESET_BROWNOUT. PINRSTF accompanies every reset (the reset circuit drives the
 * NRST pin), as on F4. FWRSTF (a firewall reset) has no HAL_RESET_* bit: tsboot does not use the firewall.
 */
#include "stm32l4_regs.h"
#include "tsboot_hal.h"

static bool s_loaded = false;
static uint32_t s_cause = 0;

static uint32_t reset_cause_from_csr(uint32_t csr) {
  uint32_t cause = 0;
  cause |= (csr & RCC_CSR_PINRSTF) != 0u ? HAL_RESET_PIN : 0u;
  cause |= (csr & RCC_CSR_BORRSTF) != 0u ? (HAL_RESET_POWER_ON | HAL_RESET_BROWNOUT) : 0u;
  cause |= (csr & RCC_CSR_SFTRSTF) != 0u ? HAL_RESET_SOFTWARE : 0u;
  cause |= (csr & RCC_CSR_IWDGRSTF) != 0u ? HAL_RESET_IWDG : 0u;
  cause |= (csr & RCC_CSR_WWDGRSTF) != 0u ? HAL_RESET_WWDG : 0u;
  cause |= (csr & RCC_CSR_LPWRRSTF) != 0u ? HAL_RESET_LOW_POWER : 0u;
  cause |= (csr & RCC_CSR_OBLRSTF) != 0u ? HAL_RESET_OPTION_LOAD : 0u;
  return cause;
}

uint32_t hal_reset_cause(void) {
  if (!s_loaded) {
    uint32_t csr = REG_READ32(RCC_CSR);
    s_cause = reset_cause_from_csr(csr);
    /* RMVF clears every flag; LSION and MSISRANGE are rw and are written back as they were. */
    REG_WRITE32(RCC_CSR, (csr & (RCC_CSR_LSION | RCC_CSR_MSISRANGE_Msk)) | RCC_CSR_RMVF);
    s_loaded = true;
  }
  return s_cause;
}

#ifdef TSBOOT_REG_MODEL
void stm32l4_reset_model_boot(void) {
  s_loaded = false;
  s_cause = 0;
}
#endif
