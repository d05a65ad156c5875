/*
 * STM32L4 flash (RM0351 3): page erase, double-word programming, WRP areas, the IWDG_SW option bit, the
 * option byte sequence (shared with BFB2, stm32l4_bank_swap.c) and the ECC double-error record.
 *
 * Every operation: check the arguments, wait for BSY to clear, clear every stale error flag (a flag left from
 * an earlier operation makes the next one fail with PGSERR, RM0351 3.3.7), unlock FLASH_CR if needed, run the
 * RM0351 sequence, wait for BSY (bounded), map FLASH_SR to a status, clear the flags it found, lock FLASH_CR.
 * A controller that stays busy past twice its bound resets the MCU (HAL_FAULT_FLASH_STUCK): FLASH_CR cannot
 * be written while BSY is set, so it could not be locked.
 *
 * The write unit is a 64-bit double word with 8 ECC bits, and it can be programmed once after an erase: a
 * second program sets PROGERR, except when the new data is all zero (RM0351 3.7.5: PROGERR is "set by
 * hardware when a double-word address to be programmed contains a value different from '0xFFFF FFFF' before
 * programming, except if the data to write is '0x0000 0000'"). A double word torn by a power cut can read
 * with an ECC double error (FLASH_ECCR.ECCD), which raises an NMI: stm32l4_flash_ecc_nmi records and clears
 * it so the NMI returns and the read completes; hal_flash_take_ecc_error tells the bootloader.
 */
#include "stm32l4.h"
#include "stm32l4_regs.h"
#include "tsboot_hal.h"

#include <stddef.h>

/*
 * Bounds on BSY waits, from the STM32L476 datasheet (DS10198, "Flash memory characteristics"): 64-bit
 * programming 90.76 us max, one 2 KB page erase 24.47 ms max. The option bytes are a page of their own:
 * OPTSTRT erases and reprograms it, so it gets two page erases. A bound is the maximum time multiplied by
 * HCLK, one poll per CPU cycle; a real poll (an AHB load, a test, a branch, a decrement) takes several cycles,
 * so the wait never expires before the datasheet maximum.
 */
#define FLASH_PROGRAM_MAX_US 100u
#define FLASH_PAGE_ERASE_MAX_MS 25u
#define FLASH_OPTION_MAX_MS 50u
/* The IWDG is refreshed inside every busy-wait, every this many polls (issue 9: a running watchdog must
 * survive any flash wait, whatever period it was started with). */
#define FLASH_IWDG_REFRESH_POLLS 4096u

/* ---- Geometry ---- */

/* Board builds pass the flash size from the board data (-DTSBOOT_FLASH_SIZE_KB); otherwise it comes from the
 * flash size data register, and a blank value (an emulator) is taken as the STM32L476xG's 1 MB. */
static uint32_t flash_size_kb(void) {
#ifdef TSBOOT_FLASH_SIZE_KB
  return TSBOOT_FLASH_SIZE_KB;
#else
  uint32_t kb = REG_READ32(FLASHSIZE_BASE) & FLASHSIZE_Msk;
  return (kb == 0u || kb == FLASHSIZE_Msk) ? 1024u : kb;
#endif
}

static uint32_t flash_page_count(void) { return flash_size_kb() * 1024u / FLASH_PAGE_SIZE; }

/* 1 MB parts always have two banks of 256 pages. 256/512 KB parts have two banks only with OPTR.DUALBANK
 * (RM0351 3.2): then bank 2 starts at half the flash, not at 0x08080000. */
static uint32_t flash_bank_pages(void) {
  uint32_t pages = flash_page_count();
  bool dual = flash_size_kb() >= 1024u || (REG_READ32(FLASH_OPTR) & FLASH_OPTR_DUALBANK) != 0u;
  return dual ? pages / 2u : pages;
}

/* ---- Waits, flags, lock ---- */

static uint32_t flash_polls_ms(uint32_t ms) { return ms * (hal_clock_hclk_hz() / 1000u); }
static uint32_t flash_polls_us(uint32_t us) { return us * ((hal_clock_hclk_hz() + 999999u) / 1000000u); }

static bool flash_wait_idle(uint32_t polls) {
  for (uint32_t i = 0; i < polls; i++) {
    if (i % FLASH_IWDG_REFRESH_POLLS == 0u) {
      hal_iwdg_refresh();
    }
    if ((REG_READ32(FLASH_SR) & FLASH_SR_BSY) == 0u) {
      return true;
    }
  }
  return false;
}

/* The bound, then the same bound once more; a controller still busy after that is stuck, and only a reset
 * gets it back (and leaves FLASH_CR locked). */
static void flash_wait_or_reset(uint32_t polls, uint32_t detail) {
  if (!flash_wait_idle(polls) && !flash_wait_idle(polls)) {
    hal_fault_reset(HAL_FAULT_FLASH_STUCK, detail);
  }
}

/* Writing 1s clears the flags; writing 0s leaves them. Never write back a read of SR: that would clear every
 * flag that happens to be set, including ones another path still has to report. */
static void flash_clear_flags(uint32_t flags) {
  if (flags != 0u) {
    REG_WRITE32(FLASH_SR, flags);
  }
}

/* The most specific cause first. PGSERR also follows any earlier PROGERR/SIZERR/PGAERR/MISERR/FASTERR left
 * set, which flash_begin prevents, so it comes after them. */
static uint32_t flash_status_from_sr(uint32_t sr) {
  if ((sr & FLASH_SR_WRPERR) != 0u) {
    return HAL_ERR_WRP;
  }
  if ((sr & FLASH_SR_PGAERR) != 0u) {
    return HAL_ERR_PGA;
  }
  if ((sr & FLASH_SR_SIZERR) != 0u) {
    return HAL_ERR_PGP;
  }
  if ((sr & FLASH_SR_PROGERR) != 0u) {
    return HAL_ERR_OPERATION;
  }
  if ((sr & FLASH_SR_PGSERR) != 0u) {
    return HAL_ERR_PGS;
  }
  if ((sr & (FLASH_SR_MISERR | FLASH_SR_FASTERR | FLASH_SR_OPERR)) != 0u) {
    return HAL_ERR_OPERATION;
  }
  return HAL_OK;
}

uint32_t hal_flash_unlock(void) {
  if ((REG_READ32(FLASH_CR) & FLASH_CR_LOCK) == 0u) {
    return HAL_OK; /* keys written while unlocked are a wrong sequence */
  }
  /* A wrong key or order raises a bus error and locks FLASH_CR until the next reset (RM0351 3.3.5). */
  REG_WRITE32(FLASH_KEYR, FLASH_KEY1);
  REG_WRITE32(FLASH_KEYR, FLASH_KEY2);
  return (REG_READ32(FLASH_CR) & FLASH_CR_LOCK) == 0u ? HAL_OK : HAL_ERR_LOCKED;
}

/* LOCK and OPTLOCK are set-only bits: one write sets both and clears PG, PER, STRT and the rest. */
static void flash_lock_now(void) { REG_WRITE32(FLASH_CR, FLASH_CR_LOCK | FLASH_CR_OPTLOCK); }

void hal_flash_lock(void) {
  uint32_t cr = REG_READ32(FLASH_CR);
  if ((cr & (FLASH_CR_LOCK | FLASH_CR_OPTLOCK)) == (FLASH_CR_LOCK | FLASH_CR_OPTLOCK)) {
    return;
  }
  /* A FLASH_CR write while BSY is set would stall the bus until BSY clears. */
  flash_wait_or_reset(flash_polls_ms(FLASH_OPTION_MAX_MS), 0u);
  flash_lock_now();
}

/* Common start of an operation: idle, no stale flags, unlocked. */
static uint32_t flash_begin(uint32_t detail) {
  flash_wait_or_reset(flash_polls_ms(FLASH_OPTION_MAX_MS), detail);
  flash_clear_flags(REG_READ32(FLASH_SR) & (FLASH_SR_ERRORS | FLASH_SR_EOP));
  return hal_flash_unlock();
}

/* Common end once BSY is clear: map, clear what was found, lock. */
static uint32_t flash_end(void) {
  uint32_t sr = REG_READ32(FLASH_SR);
  flash_clear_flags(sr & (FLASH_SR_ERRORS | FLASH_SR_EOP));
  flash_lock_now();
  return flash_status_from_sr(sr);
}

/* ---- Caches ----
 * The L4 starts with the instruction and data caches on (FLASH_ACR = 0x600). A cache line filled before a
 * program or an erase would return the old contents afterwards, so (as ST's HAL does) the caches that are on
 * go off for the operation, are reset (ICRST/DCRST, writable only while the cache is off) and come back. */
static uint32_t flash_caches_off(uint32_t which) {
  uint32_t acr = REG_READ32(FLASH_ACR);
  uint32_t on = acr & which & (FLASH_ACR_ICEN | FLASH_ACR_DCEN);
  if (on != 0u) {
    REG_WRITE32(FLASH_ACR, acr & ~on);
  }
  return on;
}

static void flash_caches_back(uint32_t on) {
  if (on == 0u) {
    return;
  }
  uint32_t acr = REG_READ32(FLASH_ACR) & ~(on | FLASH_ACR_ICRST | FLASH_ACR_DCRST);
  uint32_t reset = ((on & FLASH_ACR_ICEN) != 0u ? FLASH_ACR_ICRST : 0u) |
                   ((on & FLASH_ACR_DCEN) != 0u ? FLASH_ACR_DCRST : 0u);
  REG_WRITE32(FLASH_ACR, acr | reset);
  REG_WRITE32(FLASH_ACR, acr);
  REG_WRITE32(FLASH_ACR, acr | on);
}

/* ---- Erase and program ---- */

/* number = the page's address window: (address - 0x08000000) / 2 KB. BKER names the physical bank, not the
 * window (ST's FLASH_EraseProgram example for the L476 picks it by SYSCFG_MEMRMP.FB_MODE): with the banks
 * swapped (FB_MODE = 1, the bank-swap install) the first window is bank 2. */
uint32_t hal_flash_erase_unit(uint32_t number) {
  if (number >= flash_page_count()) {
    return HAL_ERR_ARG;
  }
  uint32_t bank_pages = flash_bank_pages();
  uint32_t bank = number / bank_pages;
  if (bank_pages < flash_page_count() && stm32l4_flash_bank_swap_active()) {
    bank ^= 1u;
  }
  uint32_t page = number % bank_pages;
  uint32_t address = FLASH_BASE + number * FLASH_PAGE_SIZE;
  uint32_t status = flash_begin(address);
  if (status != HAL_OK) {
    return status; /* refused unlock: FLASH_CR still locked */
  }
  uint32_t caches = flash_caches_off(FLASH_ACR_ICEN | FLASH_ACR_DCEN);
  uint32_t cr = FLASH_CR_PER | (page << FLASH_CR_PNB_Pos) | (bank != 0u ? FLASH_CR_BKER : 0u);
  REG_WRITE32(FLASH_CR, cr);                 /* RM0351 3.3.6 step 3: PER, PNB and BKER ... */
  REG_WRITE32(FLASH_CR, cr | FLASH_CR_STRT); /* ... step 4: then STRT */
  REG_DSB();
  flash_wait_or_reset(flash_polls_ms(FLASH_PAGE_ERASE_MAX_MS), address);
  status = flash_end();
  flash_caches_back(caches);
  return status;
}

uint32_t hal_flash_write_unit(void) { return FLASH_DOUBLE_WORD; }

static uint32_t load_le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint32_t hal_flash_program_unit(uint32_t address, const uint8_t *data) {
  uint32_t size = flash_size_kb() * 1024u;
  if (data == NULL || (address & (FLASH_DOUBLE_WORD - 1u)) != 0u || address < FLASH_BASE ||
      address - FLASH_BASE > size - FLASH_DOUBLE_WORD) {
    return HAL_ERR_ARG;
  }
  uint32_t low = load_le32(data);
  uint32_t high = load_le32(data + 4);
  uint32_t status = flash_begin(address);
  if (status != HAL_OK) {
    return status;
  }
  uint32_t caches = flash_caches_off(FLASH_ACR_DCEN);
  /* One write sets PG and clears PER/MER: PG with an erase bit set is not a program sequence. */
  REG_WRITE32(FLASH_CR, FLASH_CR_PG);
  /* RM0351 3.3.7: the first word at the double-word address, then the second word; the second store starts
   * the programming. Nothing of tsboot's touches flash between them (no handler writes flash). */
  REG_WRITE32(address, low);
  REG_WRITE32(address + 4u, high);
  REG_DSB();
  flash_wait_or_reset(flash_polls_us(FLASH_PROGRAM_MAX_US), address);
  status = flash_end();
  flash_caches_back(caches);
  /* A double word of all zeros over programmed data is legal and reads back as zero; anything else that
   * did not land would have raised PROGERR. The read-back also catches a cell that did not program. */
  if (status == HAL_OK && (REG_READ32(address) != low || REG_READ32(address + 4u) != high)) {
    status = HAL_ERR_VERIFY;
  }
  return status;
}

/* ---- Write protection: the WRP areas (RM0351 3.5.3, 3.4.2) ----
 * Each bank has two areas, A and B, each a range of pages STRT..END (offsets in the bank, END included);
 * STRT > END is no area. hal_flash_wrp_set edits the areas of the banks that first..last touches, programs
 * the option bytes (OPTKEYR, OPTSTRT) and loads them with OBL_LAUNCH, which resets the MCU. */

static const uint32_t s_wrp_regs[2][2] = {{FLASH_WRP1AR, FLASH_WRP1BR}, {FLASH_WRP2AR, FLASH_WRP2BR}};

static bool wrp_area(uint32_t reg, uint32_t *start, uint32_t *end) {
  *start = (reg & FLASH_WRP_STRT_Msk) >> FLASH_WRP_STRT_Pos;
  *end = (reg & FLASH_WRP_END_Msk) >> FLASH_WRP_END_Pos;
  return *start <= *end;
}

/* The reserved bits (read as 1) are written back as read. */
static uint32_t wrp_with(uint32_t reg, uint32_t start, uint32_t end) {
  return (reg & ~(FLASH_WRP_STRT_Msk | FLASH_WRP_END_Msk)) | (start << FLASH_WRP_STRT_Pos) | (end << FLASH_WRP_END_Pos);
}

static uint32_t wrp_none(uint32_t reg) { return wrp_with(reg, 0xFFu, 0x00u); }

static bool wrp_covers(const uint32_t area[2], uint32_t page) {
  for (uint32_t i = 0; i < 2u; i++) {
    uint32_t s = 0;
    uint32_t e = 0;
    if (wrp_area(area[i], &s, &e) && page >= s && page <= e) {
      return true;
    }
  }
  return false;
}

/* Protects pages s..e of a bank: already covered, merged into an area it overlaps or touches, or put in a
 * free area. False when both areas are in use elsewhere. */
static bool wrp_add(uint32_t area[2], uint32_t s, uint32_t e) {
  bool covered = true;
  for (uint32_t p = s; p <= e && covered; p++) {
    covered = wrp_covers(area, p);
  }
  if (covered) {
    return true;
  }
  for (uint32_t i = 0; i < 2u; i++) {
    uint32_t as = 0;
    uint32_t ae = 0;
    if (wrp_area(area[i], &as, &ae) && s <= ae + 1u && as <= e + 1u) {
      area[i] = wrp_with(area[i], as < s ? as : s, ae > e ? ae : e);
      return true;
    }
  }
  for (uint32_t i = 0; i < 2u; i++) {
    uint32_t as = 0;
    uint32_t ae = 0;
    if (!wrp_area(area[i], &as, &ae)) {
      area[i] = wrp_with(area[i], s, e);
      return true;
    }
  }
  return false;
}

/* Unprotects pages s..e of a bank, leaving every other page as it was: an area is dropped, cut at one end,
 * or split, which needs the bank's other area to be free. False (nothing changed) otherwise. */
static bool wrp_remove(uint32_t area[2], uint32_t s, uint32_t e) {
  uint32_t out[2] = {area[0], area[1]};
  for (uint32_t i = 0; i < 2u; i++) {
    uint32_t as = 0;
    uint32_t ae = 0;
    if (!wrp_area(out[i], &as, &ae) || e < as || s > ae) {
      continue;
    }
    if (s <= as && e >= ae) {
      out[i] = wrp_none(out[i]);
    } else if (s <= as) {
      out[i] = wrp_with(out[i], e + 1u, ae);
    } else if (e >= ae) {
      out[i] = wrp_with(out[i], as, s - 1u);
    } else {
      uint32_t other = 1u - i;
      uint32_t os = 0;
      uint32_t oe = 0;
      if (wrp_area(out[other], &os, &oe)) {
        return false;
      }
      out[i] = wrp_with(out[i], as, s - 1u);
      out[other] = wrp_with(out[other], e + 1u, ae);
    }
  }
  area[0] = out[0];
  area[1] = out[1];
  return true;
}

/* FLASH_OPTKEYR: OPTKEY1 then OPTKEY2, with FLASH_CR unlocked (RM0351 3.4.2). */
static uint32_t flash_option_unlock(void) {
  if ((REG_READ32(FLASH_CR) & FLASH_CR_OPTLOCK) != 0u) {
    REG_WRITE32(FLASH_OPTKEYR, FLASH_OPTKEY1);
    REG_WRITE32(FLASH_OPTKEYR, FLASH_OPTKEY2);
  }
  return (REG_READ32(FLASH_CR) & FLASH_CR_OPTLOCK) == 0u ? HAL_OK : HAL_ERR_LOCKED;
}

/* The option byte sequence, shared with BFB2 (stm32l4_bank_swap.c; stm32l4_regs.h says how to use it). */
uint32_t stm32l4_options_begin(void) {
  uint32_t status = flash_begin(0u);
  if (status != HAL_OK) {
    return status; /* refused unlock: FLASH_CR still locked */
  }
  status = flash_option_unlock();
  if (status != HAL_OK) {
    flash_lock_now();
  }
  return status;
}

uint32_t stm32l4_options_program(void) {
  REG_WRITE32(FLASH_CR, FLASH_CR_OPTSTRT);
  REG_DSB();
  flash_wait_or_reset(flash_polls_ms(FLASH_OPTION_MAX_MS), 0u);
  uint32_t sr = REG_READ32(FLASH_SR);
  flash_clear_flags(sr & (FLASH_SR_ERRORS | FLASH_SR_EOP));
  uint32_t status = flash_status_from_sr(sr);
  if (status == HAL_OK && (sr & FLASH_SR_OPTVERR) != 0u) {
    status = HAL_ERR_OPERATION;
  }
  return status;
}

/* The new options take effect when loaded: OBL_LAUNCH (allowed only while OPTLOCK = 0) reloads them with a
 * system reset, so this call does not return. If it ever does, lock and report. */
uint32_t stm32l4_options_load(void) {
  REG_WRITE32(FLASH_CR, FLASH_CR_OBL_LAUNCH);
  REG_DSB();
  (void)flash_wait_idle(flash_polls_ms(FLASH_OPTION_MAX_MS));
  flash_lock_now();
  return HAL_ERR_TIMEOUT;
}

uint32_t hal_flash_wrp_set(uint32_t first, uint32_t last, bool protect) {
  uint32_t bank_pages = flash_bank_pages();
  uint32_t banks = flash_page_count() / bank_pages;
  if (first > last || last >= flash_page_count()) {
    return HAL_ERR_ARG;
  }
  uint32_t now[2][2];
  uint32_t next[2][2];
  bool changed = false;
  for (uint32_t b = 0; b < banks; b++) {
    for (uint32_t i = 0; i < 2u; i++) {
      now[b][i] = REG_READ32(s_wrp_regs[b][i]);
      next[b][i] = now[b][i];
    }
    uint32_t lo = first > b * bank_pages ? first - b * bank_pages : 0u;
    uint32_t hi = last - b * bank_pages;
    if (last < b * bank_pages || lo >= bank_pages) {
      continue;
    }
    hi = hi >= bank_pages ? bank_pages - 1u : hi;
    bool ok = protect ? wrp_add(next[b], lo, hi) : wrp_remove(next[b], lo, hi);
    if (!ok) {
      return HAL_ERR_ARG; /* both areas of the bank are needed elsewhere: nothing touched */
    }
    changed = changed || next[b][0] != now[b][0] || next[b][1] != now[b][1];
  }
  if (!changed) {
    return HAL_OK; /* the option bytes already say so: no reprogramming, no reset */
  }
  uint32_t status = stm32l4_options_begin();
  if (status != HAL_OK) {
    return status;
  }
  for (uint32_t b = 0; b < banks; b++) {
    for (uint32_t i = 0; i < 2u; i++) {
      if (next[b][i] != now[b][i]) {
        REG_WRITE32(s_wrp_regs[b][i], next[b][i]);
      }
    }
  }
  status = stm32l4_options_program();
  if (status != HAL_OK) {
    flash_lock_now();
    return status;
  }
  return stm32l4_options_load();
}

/* The option bytes in force: the registers are loaded from them at reset (and by OBL_LAUNCH). */
bool hal_flash_wrp_active(uint32_t number) {
  if (number >= flash_page_count()) {
    return false;
  }
  uint32_t bank_pages = flash_bank_pages();
  uint32_t bank = number / bank_pages;
  uint32_t area[2] = {REG_READ32(s_wrp_regs[bank][0]), REG_READ32(s_wrp_regs[bank][1])};
  return wrp_covers(area, number % bank_pages);
}

bool hal_flash_option_hw_watchdog(void) { return (REG_READ32(FLASH_OPTR) & FLASH_OPTR_IWDG_SW) == 0u; }

/* ---- ECC ----
 * The NMI handler (single writer) counts the ECC double errors; hal_flash_take_ecc_error (single reader)
 * compares with what it has taken, so neither ever clears the other's word and no event is lost. */
static volatile uint32_t s_ecc_seen = 0;
static uint32_t s_ecc_taken = 0;
static volatile uint32_t s_ecc_address = 0;

/* BK_ECC names the physical bank: with the banks swapped (FB_MODE = 1) bank 2's address is reported one
 * bank size up from where the CPU read it. Diagnostic only; the NMI keeps off RCC to look at FB_MODE. */
static uint32_t ecc_address(uint32_t eccr) {
  uint32_t offset = (eccr & FLASH_ECCR_ADDR_ECC_Msk) >> FLASH_ECCR_ADDR_ECC_Pos;
  if ((eccr & FLASH_ECCR_SYSF_ECC) != 0u) {
    return 0x1FFF0000u + offset; /* system memory */
  }
  uint32_t bank = (eccr & FLASH_ECCR_BK_ECC) != 0u ? 1u : 0u;
  return FLASH_BASE + bank * flash_bank_pages() * FLASH_PAGE_SIZE + offset;
}

bool stm32l4_flash_ecc_nmi(void) {
  uint32_t eccr = REG_READ32(FLASH_ECCR);
  if ((eccr & FLASH_ECCR_ECCD) == 0u) {
    return false;
  }
  s_ecc_address = ecc_address(eccr);
  s_ecc_seen = s_ecc_seen + 1u;
  /* ECCD and ECCC are rc_w1 and ECCIE is rw: write the flags that were seen (so ADDR_ECC captures the next
   * error) and ECCIE as it was. Left set, ECCD would raise the NMI again as soon as it returned. */
  REG_WRITE32(FLASH_ECCR, eccr & (FLASH_ECCR_ECCIE | FLASH_ECCR_ECCD | FLASH_ECCR_ECCC));
  return true;
}

bool hal_flash_take_ecc_error(void) {
  (void)stm32l4_flash_ecc_nmi(); /* an ECCD still pending (none should be: the NMI takes it at once) */
  /* A corrected single error (ECCC; nothing clears it with ECCIE = 0) keeps ADDR_ECC from capturing the next
   * error, and later STM32 manuals say a pending ECCC keeps ECCD from being set at all: clear it, so the
   * bootloader can call this before a read that matters as well as after it. */
  uint32_t eccr = REG_READ32(FLASH_ECCR);
  if ((eccr & FLASH_ECCR_ECCC) != 0u) {
    REG_WRITE32(FLASH_ECCR, eccr & (FLASH_ECCR_ECCIE | FLASH_ECCR_ECCC));
  }
  uint32_t seen = s_ecc_seen;
  bool error = seen != s_ecc_taken;
  s_ecc_taken = seen;
  return error;
}

uint32_t stm32l4_flash_ecc_address(void) { return s_ecc_address; }

#ifdef TSBOOT_REG_MODEL
void stm32l4_flash_model_boot(void) {
  s_ecc_seen = 0;
  s_ecc_taken = 0;
  s_ecc_address = 0;
}
#endif
