/*
 * STM32H7 option bytes (RM0433 4.4): sector write protection (FLASH_WPSN_CURx/PRGx, one active-low bit per
 * sector and bank), the IWDG1 hardware-start option (FLASH_OPTSR_CUR.IWDG1_SW) and the bank swap state.
 *
 * Change sequence (RM0433 4.4.3): unlock FLASH_OPTCR with the two OPTKEYR keys, write the wanted values into
 * the _PRG registers, set OPTSTART, wait for OPTSR_CUR.OPT_BUSY to clear, check OPTCHANGEERR, lock
 * (OPTLOCK). Unlike F4/F0/L4 no reset is needed: when OPT_BUSY clears, the _CUR registers hold the new
 * values and the protection is in force (ST's HAL_FLASH_OB_Launch waits for OPT_BUSY and returns). The
 * bank swap (SWAP_BANK_OPT, stm32h7_flash_bank_swap_set) is the exception: it is applied by the next reset.
 */
#include "stm32h7.h"
#include "stm32h7_internal.h"
#include "stm32h7_regs.h"
#include "tsboot_hal.h"

/* No datasheet figure; about 300 ms on silicon (Chromium EC's H7 flash driver bounds it at 1 s). */
#define OPTION_CHANGE_MAX_MS 1000u
#define FLASH_ERASE_MAX_MS 4000u
#define SECTOR_NUMBERS 16u /* 0..7 bank 1, 8..15 bank 2, as hal_flash_erase_unit */

static uint32_t sectors_per_bank(void) {
#ifdef TSBOOT_FLASH_SIZE_KB
  uint32_t kb = TSBOOT_FLASH_SIZE_KB;
#else
  uint32_t kb = REG_READ32(FLASHSIZE_BASE) & FLASHSIZE_Msk;
  kb = (kb == 0u || kb == FLASHSIZE_Msk) ? 2048u : kb;
#endif
  uint32_t n = (kb * 1024u / 2u) / FLASH_SECTOR_SIZE;
  return n > FLASH_SECTORS_PER_BANK_MAX ? FLASH_SECTORS_PER_BANK_MAX : n;
}

static bool sector_exists(uint32_t number) {
  return number < SECTOR_NUMBERS && number % FLASH_SECTORS_PER_BANK_MAX < sectors_per_bank();
}

bool hal_flash_wrp_active(uint32_t number) {
  if (!sector_exists(number)) {
    return false;
  }
  uint32_t bank = number / FLASH_SECTORS_PER_BANK_MAX;
  return (REG_READ32(FLASH_WPSN_CUR(bank)) & BIT(number % FLASH_SECTORS_PER_BANK_MAX)) == 0u;
}

bool hal_flash_option_hw_watchdog(void) { return (REG_READ32(FLASH_OPTSR_CUR) & FLASH_OPTSR_IWDG1_SW) == 0u; }

bool stm32h7_flash_bank_swap_active(void) { return (REG_READ32(FLASH_OPTCR) & FLASH_OPTCR_SWAP_BANK) != 0u; }

bool stm32h7_flash_bank_swap_next_reset(void) {
  return (REG_READ32(FLASH_OPTSR_CUR) & FLASH_OPTSR_SWAP_BANK_OPT) != 0u;
}

static uint32_t options_unlock(void) {
  if ((REG_READ32(FLASH_OPTCR) & FLASH_OPTCR_OPTLOCK) == 0u) {
    return HAL_OK;
  }
  /* A wrong sequence raises a bus error and keeps FLASH_OPTCR locked until reset. */
  REG_WRITE32(FLASH_OPTKEYR, FLASH_OPT_KEY1);
  REG_WRITE32(FLASH_OPTKEYR, FLASH_OPT_KEY2);
  return (REG_READ32(FLASH_OPTCR) & FLASH_OPTCR_OPTLOCK) == 0u ? HAL_OK : HAL_ERR_LOCKED;
}

static void options_lock(void) {
  uint32_t optcr = REG_READ32(FLASH_OPTCR);
  if ((optcr & FLASH_OPTCR_OPTLOCK) == 0u) {
    REG_WRITE32(FLASH_OPTCR, (optcr & ~(FLASH_OPTCR_OPTSTART | FLASH_OPTCR_MER)) | FLASH_OPTCR_OPTLOCK);
  }
}

/* Both banks idle: an option change started while a program or erase runs ends in OPTCHANGEERR. */
static void options_wait_banks_idle(void) {
  for (uint32_t bank = 0; bank < 2u; bank++) {
    uint32_t polls = stm32h7_polls_ms(FLASH_ERASE_MAX_MS);
    if (!stm32h7_wait(FLASH_SR(bank), FLASH_SR_QW | FLASH_SR_BSY, 0u, polls) &&
        !stm32h7_wait(FLASH_SR(bank), FLASH_SR_QW | FLASH_SR_BSY, 0u, polls)) {
      hal_fault_reset(HAL_FAULT_FLASH_STUCK, REG_READ32(FLASH_SR(bank)));
    }
  }
}

/* With the _PRG registers written: OPTSTART, the bounded wait for OPT_BUSY = 0, OPTCHANGEERR mapped to
 * HAL_ERR_OPERATION (and cleared), then OPTLOCK again whatever happened. */
static uint32_t options_start_and_lock(void) {
  uint32_t status = HAL_OK;
  /* OPTSTART; MER (a mass erase) must never ride along. */
  REG_WRITE32(FLASH_OPTCR, (REG_READ32(FLASH_OPTCR) & ~FLASH_OPTCR_MER) | FLASH_OPTCR_OPTSTART);
  REG_DSB();
  uint32_t polls = stm32h7_polls_ms(OPTION_CHANGE_MAX_MS);
  if (!stm32h7_wait(FLASH_OPTSR_CUR, FLASH_OPTSR_OPT_BUSY, 0u, polls) &&
      !stm32h7_wait(FLASH_OPTSR_CUR, FLASH_OPTSR_OPT_BUSY, 0u, polls)) {
    hal_fault_reset(HAL_FAULT_FLASH_STUCK, REG_READ32(FLASH_OPTSR_CUR));
  }
  if ((REG_READ32(FLASH_OPTSR_CUR) & FLASH_OPTSR_OPTCHANGEERR) != 0u) {
    REG_WRITE32(FLASH_OPTCCR, FLASH_OPTCCR_CLR_OPTCHANGEERR);
    status = HAL_ERR_OPERATION;
  }
  options_lock();
  return status;
}

uint32_t hal_flash_wrp_set(uint32_t first, uint32_t last, bool protect) {
  if (first > last || !sector_exists(first) || !sector_exists(last)) {
    return HAL_ERR_ARG;
  }
  uint32_t want[2];
  bool change = false;
  for (uint32_t bank = 0; bank < 2u; bank++) {
    uint32_t mask = 0u;
    for (uint32_t n = first; n <= last; n++) {
      if (n / FLASH_SECTORS_PER_BANK_MAX == bank) {
        mask |= BIT(n % FLASH_SECTORS_PER_BANK_MAX);
      }
    }
    uint32_t cur = REG_READ32(FLASH_WPSN_CUR(bank)) & FLASH_WPSN_WRPSN_Msk;
    want[bank] = protect ? (cur & ~mask) : (cur | mask); /* active low */
    change = change || want[bank] != cur;
  }
  if (!change) {
    return HAL_OK; /* already in force: no option byte cycle spent */
  }
  options_wait_banks_idle();
  uint32_t status = options_unlock();
  if (status != HAL_OK) {
    return status;
  }
  for (uint32_t bank = 0; bank < 2u; bank++) {
    uint32_t prg = REG_READ32(FLASH_WPSN_PRG(bank));
    REG_WRITE32(FLASH_WPSN_PRG(bank), (prg & ~FLASH_WPSN_WRPSN_Msk) | want[bank]);
  }
  status = options_start_and_lock();
  for (uint32_t bank = 0; bank < 2u && status == HAL_OK; bank++) {
    if ((REG_READ32(FLASH_WPSN_CUR(bank)) & FLASH_WPSN_WRPSN_Msk) != want[bank]) {
      status = HAL_ERR_VERIFY;
    }
  }
  return status;
}

/*
 * The bank swap (RM0433 4.3.13, 4.4.3): SWAP_BANK_OPT in FLASH_OPTSR_PRG, written by the option change
 * sequence, is in FLASH_OPTSR_CUR when OPT_BUSY clears, and the next reset maps the banks by it
 * (FLASH_OPTCR.SWAP_BANK). The other option bits of OPTSR_PRG (RDP, IWDG1_SW, BOR ...) are written back
 * as they are. A stale OPTCHANGEERR (a change a power cut or a reset interrupted) is cleared first, so
 * that it is not taken for this change's result.
 */
uint32_t stm32h7_flash_bank_swap_set(bool swapped) {
  if (stm32h7_flash_bank_swap_next_reset() == swapped) {
    return HAL_OK; /* already what the next reset applies: no option byte cycle spent */
  }
  options_wait_banks_idle();
  if ((REG_READ32(FLASH_OPTSR_CUR) & FLASH_OPTSR_OPTCHANGEERR) != 0u) {
    REG_WRITE32(FLASH_OPTCCR, FLASH_OPTCCR_CLR_OPTCHANGEERR);
  }
  uint32_t status = options_unlock();
  if (status != HAL_OK) {
    return status;
  }
  uint32_t prg = REG_READ32(FLASH_OPTSR_PRG) & ~FLASH_OPTSR_SWAP_BANK_OPT;
  REG_WRITE32(FLASH_OPTSR_PRG, swapped ? (prg | FLASH_OPTSR_SWAP_BANK_OPT) : prg);
  status = options_start_and_lock();
  if (status == HAL_OK && stm32h7_flash_bank_swap_next_reset() != swapped) {
    status = HAL_ERR_VERIFY;
  }
  return status;
}
