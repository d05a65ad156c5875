/*
 * STM32F0 flash (RM0091 "Embedded flash memory", "Option bytes"): page erase, half-word programming and
 * write protection through the WRP option bytes, on the F07x (2 KB pages, 2 pages per WRP bit).
 *
 * Every operation: check the arguments, wait for BSY to clear, clear stale flags, unlock FLASH_CR if needed,
 * run the RM0091 sequence, wait for BSY (bounded), map FLASH_SR to a status, clear the flags it found, lock
 * FLASH_CR. A controller still busy after twice its bound resets the MCU (hal_fault_reset, FLASH_STUCK): a
 * register write while BSY is set is not taken, so a stuck controller could never be locked again.
 */
#include "stm32f0_regs.h"
#include "tsboot_hal.h"

/*
 * Bounds on BSY waits from the STM32F072 datasheet maxima (DS9826 "Flash memory characteristics"): 16-bit
 * program 60 us, page erase 40 ms (option-byte erase as a page). A bound is the maximum time multiplied by
 * HCLK, one poll per CPU cycle: a real poll takes several cycles, so a wait never expires before the
 * datasheet maximum and gives up a few times later at most.
 */
#define FLASH_PROGRAM_MAX_US 60u
#define FLASH_ERASE_MAX_MS 40u
#define FLASH_F07X_DEFAULT_KB 128u

/* Board builds pass the flash size from the board data (-DTSBOOT_FLASH_SIZE_KB); Renode's stm32f072.repl maps
 * no system memory. */
#ifdef TSBOOT_FLASH_SIZE_KB
static uint32_t flash_size_kb(void) { return TSBOOT_FLASH_SIZE_KB; }
#else
/* F_SIZE from system memory; blank (0 or 0xFFFF): assume the 128 KB F072xB. */
static uint32_t flash_size_kb(void) {
  uint32_t kb = REG_READ32(F_SIZE) & 0xFFFFu;
  return (kb == 0u || kb == 0xFFFFu) ? FLASH_F07X_DEFAULT_KB : kb;
}
#endif

static uint32_t flash_page_count(void) { return flash_size_kb() * 1024u / FLASH_PAGE_SIZE; }

static uint32_t flash_polls_ms(uint32_t ms) { return ms * (hal_clock_hclk_hz() / 1000u); }
static uint32_t flash_polls_us(uint32_t us) { return us * ((hal_clock_hclk_hz() + 999999u) / 1000000u); }

static bool flash_wait_idle(uint32_t polls) {
  for (uint32_t i = 0; i < polls; i++) {
    if ((REG_READ32(FLASH_SR) & FLASH_SR_BSY) == 0u) {
      return true;
    }
  }
  return false;
}

/* Waits for BSY to clear, twice the bound at most; a controller that is still busy resets the MCU. */
static void flash_wait_or_reset(uint32_t polls, uint32_t detail) {
  if (!flash_wait_idle(polls) && !flash_wait_idle(polls)) {
    hal_fault_reset(HAL_FAULT_FLASH_STUCK, detail);
  }
}

/* Writing 1s clears the flags; writing 0s leaves them. Never OR into a read of SR: that would clear every
 * flag that happens to be set, including ones another path still has to report. */
static void flash_clear_flags(uint32_t flags) {
  if (flags != 0u) {
    REG_WRITE32(FLASH_SR, flags);
  }
}

static uint32_t flash_status_from_sr(uint32_t sr) {
  if ((sr & FLASH_SR_WRPRTERR) != 0u) {
    return HAL_ERR_WRP;
  }
  if ((sr & FLASH_SR_PGERR) != 0u) {
    return HAL_ERR_OPERATION; /* the half-word was not erased (F0's only programming error) */
  }
  return HAL_OK;
}

uint32_t hal_flash_unlock(void) {
  if ((REG_READ32(FLASH_CR) & FLASH_CR_LOCK) == 0u) {
    return HAL_OK; /* writing the keys again while unlocked counts as a wrong sequence */
  }
  /* A wrong key or order raises a bus error and locks FLASH_CR until the next reset. */
  REG_WRITE32(FLASH_KEYR, FLASH_KEY1);
  REG_WRITE32(FLASH_KEYR, FLASH_KEY2);
  return (REG_READ32(FLASH_CR) & FLASH_CR_LOCK) == 0u ? HAL_OK : HAL_ERR_LOCKED;
}

void hal_flash_lock(void) {
  if ((REG_READ32(FLASH_CR) & FLASH_CR_LOCK) != 0u) {
    return;
  }
  flash_wait_or_reset(flash_polls_ms(FLASH_ERASE_MAX_MS), FLASH_CR);
  REG_WRITE32(FLASH_CR, FLASH_CR_LOCK); /* also clears PG, PER, OPTPG, OPTER and OPTWRE */
}

/* Common start of an operation: idle, no stale flags, unlocked. */
static uint32_t flash_begin(uint32_t detail) {
  flash_wait_or_reset(flash_polls_ms(FLASH_ERASE_MAX_MS), detail);
  /* A flag left by an earlier operation would be reported as this one's result. */
  flash_clear_flags(REG_READ32(FLASH_SR) & (FLASH_SR_ERRORS | FLASH_SR_EOP));
  return hal_flash_unlock();
}

/* After BSY cleared: the operation's flags, cleared by writing exactly them. */
static uint32_t flash_take_flags(void) {
  uint32_t sr = REG_READ32(FLASH_SR);
  flash_clear_flags(sr & (FLASH_SR_ERRORS | FLASH_SR_EOP));
  return sr;
}

/* Common end once BSY is clear: map, clear what was found, lock. */
static uint32_t flash_end(void) {
  uint32_t sr = flash_take_flags();
  REG_WRITE32(FLASH_CR, FLASH_CR_LOCK);
  return flash_status_from_sr(sr);
}

uint32_t hal_flash_write_unit(void) { return 2u; }

uint32_t hal_flash_erase_unit(uint32_t number) {
  if (number >= flash_page_count()) {
    return HAL_ERR_ARG;
  }
  uint32_t page = FLASH_BASE + number * FLASH_PAGE_SIZE;
  uint32_t status = flash_begin(page);
  if (status != HAL_OK) {
    return status; /* refused unlock: still locked, nothing erased */
  }
  /* RM0091 "Page erase": PER, then the page address in FLASH_AR, then STRT, each its own write. */
  REG_WRITE32(FLASH_CR, FLASH_CR_PER);
  REG_WRITE32(FLASH_AR, page);
  REG_WRITE32(FLASH_CR, FLASH_CR_PER | FLASH_CR_STRT);
  REG_DSB();
  flash_wait_or_reset(flash_polls_ms(FLASH_ERASE_MAX_MS), page);
  return flash_end();
}

uint32_t hal_flash_program_unit(uint32_t address, const uint8_t *data) {
  if (data == 0 || (address & 1u) != 0u || address < FLASH_BASE ||
      address - FLASH_BASE > flash_size_kb() * 1024u - 2u) {
    return HAL_ERR_ARG;
  }
  uint16_t half = (uint16_t)(data[0] | (data[1] << 8));
  uint32_t status = flash_begin(address);
  if (status != HAL_OK) {
    return status;
  }
  /* One write sets PG and clears PER/MER. The store must be a half-word: the interface answers a byte or
   * word write into flash with a bus error (a HardFault), so it goes through the 16-bit seam. */
  REG_WRITE32(FLASH_CR, FLASH_CR_PG);
  REG_WRITE16(address, half);
  REG_DSB();
  flash_wait_or_reset(flash_polls_us(FLASH_PROGRAM_MAX_US), address);
  status = flash_end();
  /* A half-word that was not erased raises PGERR and is left alone, except that 0x0000 is always written
   * (RM0091 "Main Flash memory programming"): read back to be sure what is there now. */
  if (status == HAL_OK && REG_READ16(address) != half) {
    status = HAL_ERR_VERIFY;
  }
  return status;
}

/* ---- Option bytes: the hardware watchdog bit and write protection ---- */

bool hal_flash_option_hw_watchdog(void) { return (REG_READ32(FLASH_OBR) & FLASH_OBR_WDG_SW) == 0u; }

/* F0 flash has no ECC. */
bool hal_flash_take_ecc_error(void) { return false; }

bool hal_flash_wrp_active(uint32_t number) {
  if (number >= flash_page_count()) {
    return false;
  }
  /* FLASH_WRPR holds WRP0..WRP3 as loaded at the last option-byte load: a 0 bit protects its group. */
  return (REG_READ32(FLASH_WRPR) & BIT(number / FLASH_WRP_PAGES_PER_BIT)) == 0u;
}

/* The RDP byte to write back: the level in force, never a different one. Level 0 is 0xAA; level 1 is any
 * other value but 0xCC (the one already programmed when it reads as a valid level-1 value); 0 for level 2,
 * whose option bytes can no longer change. */
static uint32_t flash_rdp_to_keep(uint32_t obr) {
  uint32_t level = (obr & FLASH_OBR_RDPRT_Msk) >> FLASH_OBR_RDPRT_Pos;
  if (level == 0u) {
    return OB_RDP_LEVEL0;
  }
  if ((level & 2u) != 0u) {
    return 0u;
  }
  uint32_t raw = REG_READ16(OB_RDP);
  uint32_t value = raw & 0xFFu;
  bool complemented = ((raw >> 8) ^ value) == 0xFFu;
  return complemented && value != OB_RDP_LEVEL0 && value != OB_RDP_LEVEL2 ? value : 0xFFu;
}

/* Programs one option half-word (OPTPG already set): the byte and its complement, then reads it back. */
static uint32_t flash_option_program(uint32_t address, uint32_t value) {
  uint16_t half = (uint16_t)((value & 0xFFu) | ((~value & 0xFFu) << 8));
  REG_WRITE16(address, half);
  REG_DSB();
  flash_wait_or_reset(flash_polls_us(FLASH_PROGRAM_MAX_US), address);
  uint32_t status = flash_status_from_sr(flash_take_flags());
  if (status == HAL_OK && REG_READ16(address) != half) {
    status = HAL_ERR_VERIFY;
  }
  return status;
}

/*
 * The option bytes are rewritten as a block (RM0091 "Option byte programming": a half-word can only be
 * programmed after an option-byte erase): OPTER erases all eight half-words, then RDP, USER, DATA0, DATA1 and
 * WRP0..WRP3 are programmed back, RDP first, with the values in force (FLASH_OBR) and only the requested WRP
 * groups changed. OBL_LAUNCH then loads them with a system reset. A power cut between the erase and the RDP
 * write leaves RDP erased, which loads as read protection level 1: the device still runs and can be updated.
 */
uint32_t hal_flash_wrp_set(uint32_t first, uint32_t last, bool protect) {
  /* Only whole WRP groups: protecting a partial group would protect the neighbouring page as well. */
  if (first > last || last >= flash_page_count() || first % FLASH_WRP_PAGES_PER_BIT != 0u ||
      (last + 1u) % FLASH_WRP_PAGES_PER_BIT != 0u) {
    return HAL_ERR_ARG;
  }
  uint32_t obr = REG_READ32(FLASH_OBR);
  uint32_t rdp = flash_rdp_to_keep(obr);
  if (rdp == 0u) {
    return HAL_ERR_LOCKED; /* level 2: option bytes are frozen for good */
  }
  uint32_t wrpr = REG_READ32(FLASH_WRPR);
  uint32_t groups = 0;
  for (uint32_t g = first / FLASH_WRP_PAGES_PER_BIT; g <= last / FLASH_WRP_PAGES_PER_BIT; g++) {
    groups |= BIT(g);
  }
  uint32_t wanted = protect ? (wrpr & ~groups) : (wrpr | groups);
  if (wanted == wrpr) {
    return HAL_OK; /* already in force: no erase, no reset */
  }

  uint32_t status = flash_begin(OB_BASE);
  if (status != HAL_OK) {
    return status;
  }
  if ((REG_READ32(FLASH_CR) & FLASH_CR_OPTWRE) == 0u) {
    REG_WRITE32(FLASH_OPTKEYR, FLASH_OPTKEY1);
    REG_WRITE32(FLASH_OPTKEYR, FLASH_OPTKEY2);
    if ((REG_READ32(FLASH_CR) & FLASH_CR_OPTWRE) == 0u) {
      REG_WRITE32(FLASH_CR, FLASH_CR_LOCK);
      return HAL_ERR_LOCKED;
    }
  }
  /* OPTWRE is cleared by writing 0: every write below carries it. */
  REG_WRITE32(FLASH_CR, FLASH_CR_OPTWRE | FLASH_CR_OPTER);
  REG_WRITE32(FLASH_CR, FLASH_CR_OPTWRE | FLASH_CR_OPTER | FLASH_CR_STRT);
  REG_DSB();
  flash_wait_or_reset(flash_polls_ms(FLASH_ERASE_MAX_MS), OB_BASE);
  status = flash_status_from_sr(flash_take_flags());

  if (status == HAL_OK) {
    REG_WRITE32(FLASH_CR, FLASH_CR_OPTWRE | FLASH_CR_OPTPG);
    status = flash_option_program(OB_RDP, rdp);
  }
  if (status == HAL_OK) {
    status = flash_option_program(OB_USER, (obr >> FLASH_OBR_USER_Pos) & 0xFFu);
  }
  if (status == HAL_OK) {
    status = flash_option_program(OB_DATA0, (obr >> FLASH_OBR_DATA0_Pos) & 0xFFu);
  }
  if (status == HAL_OK) {
    status = flash_option_program(OB_DATA1, (obr >> FLASH_OBR_DATA1_Pos) & 0xFFu);
  }
  for (uint32_t n = 0; n < 4u && status == HAL_OK; n++) {
    status = flash_option_program(OB_WRP(n), (wanted >> (8u * n)) & 0xFFu);
  }
  if (status != HAL_OK) {
    /* The options in force do not change until the next reset; the caller may try again. */
    REG_WRITE32(FLASH_CR, FLASH_CR_LOCK);
    return status;
  }
  /* Load them now: the option-byte loader resets the MCU (RCC_CSR.OBLRSTF on the next boot). */
  uint32_t polls = flash_polls_ms(1u); /* the reset comes within a few cycles; wait 1 ms at most */
  REG_WRITE32(FLASH_CR, FLASH_CR_OPTWRE | FLASH_CR_OBL_LAUNCH);
  REG_DSB();
  for (uint32_t i = 0; i < polls; i++) {
    (void)REG_READ32(FLASH_CR);
  }
  REG_WRITE32(FLASH_CR, FLASH_CR_LOCK); /* no reset came: report it, locked */
  return HAL_ERR_OPERATION;
}
