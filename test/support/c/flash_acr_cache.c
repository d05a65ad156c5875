/* The flash interface's cache resets (F4, L4): see flash_acr_cache.h. */
#include "flash_acr_cache.h"

#include "model_report.h"

uint32_t flash_acr_cache_resets(uint32_t acr, uint32_t nv) {
  uint32_t resets = 0;
  if ((nv & ACR_ICRST) != 0u) {
    if (((acr | nv) & ACR_ICEN) != 0u) {
      violation("FLASH_ACR: ICRST written while ICEN = 1");
    } else if ((acr & ACR_ICRST) == 0u) {
      resets |= ACR_ICRST;
    }
  }
  if ((nv & ACR_DCRST) != 0u) {
    if (((acr | nv) & ACR_DCEN) != 0u) {
      violation("FLASH_ACR: DCRST written while DCEN = 1");
    } else if ((acr & ACR_DCRST) == 0u) {
      resets |= ACR_DCRST;
    }
  }
  return resets;
}
