/*
 * STM32F4 user option bytes (RM0090 3.7): sector write protection (nWRP) and the hardware-watchdog bit (WDG_SW).
 *
 * Changing them (RM0090 3.7.2): wait for BSY to clear; unlock FLASH_OPTCR with OPTKEY1 then OPTKEY2 into
 * FLASH_OPTKEYR; write the new value into FLASH_OPTCR; set OPTSTRT; wait for BSY to clear; set OPTLOCK. On F4
 * the new protection is in force as soon as BSY clears (no reset, unlike F0 and L4). FLASH_OPTCR is locked
 * again on every path that returns, and every other option byte (RDP above all: 0xCC would freeze the chip
 * for good) is written back exactly as it was read.
 */
#include "stm32f4_internal.h"
#include "stm32f4_regs.h"
#include "tsboot_hal.h"

/* nWRP covers sectors 0..11 (bank 2 of the 2 MB parts is in FLASH_OPTCR1, which is not supported here). */
#define OPTIONS_WRP_SECTORS 12u

static uint32_t options_unlock(void) {
  if ((REG_READ32(FLASH_OPTCR) & FLASH_OPTCR_OPTLOCK) == 0u) {
    return HAL_OK; /* a key while unlocked would be a wrong sequence */
  }
  /* As for FLASH_KEYR, a wrong key or order is a bus error and locks FLASH_OPTCR until reset. */
  REG_WRITE32(FLASH_OPTKEYR, FLASH_OPT_KEY1);
  REG_WRITE32(FLASH_OPTKEYR, FLASH_OPT_KEY2);
  return (REG_READ32(FLASH_OPTCR) & FLASH_OPTCR_OPTLOCK) == 0u ? HAL_OK : HAL_ERR_LOCKED;
}

/* Only while BSY is clear (the callers have waited): FLASH_OPTCR is then written without a stall. Not inlined:
 * both ends of hal_flash_wrp_set share one copy. */
__attribute__((noinline)) static void options_lock(void) {
  uint32_t optcr = REG_READ32(FLASH_OPTCR);
  if ((optcr & FLASH_OPTCR_OPTLOCK) == 0u) {
    REG_WRITE32(FLASH_OPTCR, (optcr & ~FLASH_OPTCR_OPTSTRT) | FLASH_OPTCR_OPTLOCK);
  }
}

static uint32_t sector_mask(uint32_t first, uint32_t last) {
  uint32_t bits = ((1u << (last - first + 1u)) - 1u) << first;
  return bits << FLASH_OPTCR_nWRP_Pos;
}

uint32_t hal_flash_wrp_set(uint32_t first, uint32_t last, bool protect) {
  if (first > last || last >= OPTIONS_WRP_SECTORS) {
    return HAL_ERR_ARG;
  }
  uint32_t optcr = REG_READ32(FLASH_OPTCR);
  if ((optcr & FLASH_OPTCR_SPRMOD) != 0u) {
    return HAL_ERR_ARG; /* PCROP mode: nWRP bits mean read protection there, not write protection */
  }
  if (((optcr & FLASH_OPTCR_RDP_Msk) >> FLASH_OPTCR_RDP_Pos) == FLASH_OPTCR_RDP_LEVEL2) {
    return HAL_ERR_LOCKED; /* level 2: the option bytes can never change */
  }
  uint32_t mask = sector_mask(first, last);
  uint32_t wanted = protect ? (optcr & ~mask) : (optcr | mask); /* nWRP: 0 = protected */
  if ((wanted & FLASH_OPTCR_nWRP_Msk) == (optcr & FLASH_OPTCR_nWRP_Msk)) {
    return HAL_OK; /* already so: no option-byte program (each one wears the option sector) */
  }
  stm32f4_flash_idle_and_clean();
  uint32_t status = options_unlock();
  if (status != HAL_OK) {
    return status; /* refused: FLASH_OPTCR still locked */
  }
  wanted &= ~(FLASH_OPTCR_OPTLOCK | FLASH_OPTCR_OPTSTRT);
  REG_WRITE32(FLASH_OPTCR, wanted);                                  /* the new value first ... */
  uint32_t bound = stm32f4_polls_ms(FLASH_ERASE_128K_MAX_MS);
  stm32f4_flash_run(FLASH_OPTCR, wanted | FLASH_OPTCR_OPTSTRT, bound, /* ... then OPTSTRT */
                    FLASH_STUCK_OPTION_BYTES);
  status = stm32f4_flash_take_status();
  if (status == HAL_OK && (REG_READ32(FLASH_OPTCR) & FLASH_OPTCR_nWRP_Msk) != (wanted & FLASH_OPTCR_nWRP_Msk)) {
    status = HAL_ERR_VERIFY; /* the option bytes in force are not what was programmed */
  }
  if (status != HAL_OK) {
    /* The register still holds the value that failed: put back the one in force, so that reading it
     * (hal_flash_wrp_active) and a later OPTSTRT see the option bytes as they are. */
    REG_WRITE32(FLASH_OPTCR, optcr & ~(FLASH_OPTCR_OPTLOCK | FLASH_OPTCR_OPTSTRT));
  }
  options_lock();
  return status;
}

bool hal_flash_wrp_active(uint32_t number) {
  if (number >= OPTIONS_WRP_SECTORS) {
    return false;
  }
  uint32_t optcr = REG_READ32(FLASH_OPTCR);
  if ((optcr & FLASH_OPTCR_SPRMOD) != 0u) {
    return false;
  }
  return (optcr & (1u << (FLASH_OPTCR_nWRP_Pos + number))) == 0u;
}

bool hal_flash_option_hw_watchdog(void) { return (REG_READ32(FLASH_OPTCR) & FLASH_OPTCR_WDG_SW) == 0u; }
