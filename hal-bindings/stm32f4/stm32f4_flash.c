/*
 * STM32F4 flash erase/program (RM0090 3.5-3.6), x32 parallelism.
 *
 * Every operation: check the arguments, wait for BSY to clear, clear stale error flags, unlock FLASH_CR if
 * needed, run the RM0090 sequence, wait for BSY (bounded), map FLASH_SR to a status, clear the flags it
 * found, lock FLASH_CR. The one exception to "lock on every path" is a BSY timeout (see tsboot_hal.h).
 */
#include "stm32f4_regs.h"
#include "tsboot_hal.h"

/*
 * Bounds on BSY waits, from the datasheet maxima (STM32F411 datasheet, x32; the F401 and F405/407 maxima
 * are no larger): word program 100 us, sector erase 0.8 s (16 KB), 2.4 s (64 KB), 2.6 s (128 KB). A bound is
 * the maximum time multiplied by HCLK, that is one poll per CPU cycle; a real poll (an AHB load, a test, a
 * branch, a decrement) takes several cycles, so the wait never expires before the datasheet maximum, even
 * with zero wait states, and gives up a few times later at most (about 10 s for a 128 KB sector).
 */
#define FLASH_PROGRAM_MAX_US 100u
#define FLASH_ERASE_16K_MAX_MS 800u
#define FLASH_ERASE_64K_MAX_MS 2400u
#define FLASH_ERASE_128K_MAX_MS 2600u

/* A 2 MB part (F42x/43x) has two banks of 12 sectors; the second bank's sectors are SNB 16..27. */
#define FLASH_SECTORS_PER_BANK 12u
#define FLASH_SNB_BANK2_OFFSET 4u

/* Board builds pass the flash size from the board data (-DTSBOOT_FLASH_SIZE_KB); emulators need it: QEMU 7.2
 * does not map system memory and raises a BusFault on an F_SIZE read. */
#ifdef TSBOOT_FLASH_SIZE_KB
static uint32_t flash_size_kb(void) { return TSBOOT_FLASH_SIZE_KB; }
#else
/* F_SIZE from system memory. Blank (0 or 0xFFFF, as an emulator may map it): assume the largest single-bank
 * layout, 1 MB, and let the hardware refuse what it lacks. */
static uint32_t flash_size_kb(void) {
  uint32_t kb = REG_READ32(F_SIZE_WORD) >> F_SIZE_WORD_Pos;
  return (kb == 0u || kb == 0xFFFFu) ? 1024u : kb;
}
#endif

static uint32_t flash_sector_count(void) {
  uint32_t kb = flash_size_kb();
  if (kb >= 2048u) {
    return 2u * FLASH_SECTORS_PER_BANK;
  }
  if (kb <= 128u) {
    return kb <= 64u ? kb / 16u : 5u; /* 4 x 16 KB, then the 64 KB sector */
  }
  uint32_t n = 5u + (kb - 128u) / 128u;
  return n > FLASH_SECTORS_PER_BANK ? FLASH_SECTORS_PER_BANK : n;
}

/* Size in KB of sector i within its bank: 16, 16, 16, 16, 64, 128, 128, ... (RM0090 table 5). */
static uint32_t flash_sector_kb(uint32_t index) {
  uint32_t in_bank = index % FLASH_SECTORS_PER_BANK;
  if (in_bank < 4u) {
    return 16u;
  }
  return in_bank == 4u ? 64u : 128u;
}

static uint32_t flash_polls_ms(uint32_t ms) { return ms * (hal_clock_hclk_hz() / 1000u); }
static uint32_t flash_polls_us(uint32_t us) { return us * ((hal_clock_hclk_hz() + 999999u) / 1000000u); }

static uint32_t flash_erase_polls(uint32_t index) {
  uint32_t kb = flash_sector_kb(index);
  uint32_t ms = kb == 16u ? FLASH_ERASE_16K_MAX_MS : (kb == 64u ? FLASH_ERASE_64K_MAX_MS : FLASH_ERASE_128K_MAX_MS);
  return flash_polls_ms(ms);
}

static bool flash_wait_idle(uint32_t polls) {
  for (uint32_t i = 0; i < polls; i++) {
    if ((REG_READ32(FLASH_SR) & FLASH_SR_BSY) == 0u) {
      return true;
    }
  }
  return false;
}

/* Writing 1s clears the flags; writing 0s leaves them. Never OR into a read of SR: that would clear every
 * flag that happens to be set, including ones another path still has to report. */
static void flash_clear_flags(uint32_t flags) {
  if (flags != 0u) {
    REG_WRITE32(FLASH_SR, flags);
  }
}

static uint32_t flash_status_from_sr(uint32_t sr) {
  if ((sr & FLASH_SR_WRPERR) != 0u) {
    return HAL_ERR_WRP;
  }
  if ((sr & FLASH_SR_PGAERR) != 0u) {
    return HAL_ERR_PGA;
  }
  if ((sr & FLASH_SR_PGPERR) != 0u) {
    return HAL_ERR_PGP;
  }
  if ((sr & FLASH_SR_PGSERR) != 0u) {
    return HAL_ERR_PGS;
  }
  if ((sr & FLASH_SR_OPERR) != 0u) {
    return HAL_ERR_OPERATION;
  }
  return HAL_OK;
}

uint32_t hal_flash_unlock(void) {
  if ((REG_READ32(FLASH_CR) & FLASH_CR_LOCK) == 0u) {
    return HAL_OK; /* writing the keys again while unlocked counts as a wrong sequence */
  }
  /* A wrong key or order raises a bus error and locks FLASH_CR until reset (RM0090 3.5.1). */
  REG_WRITE32(FLASH_KEYR, FLASH_KEY1);
  REG_WRITE32(FLASH_KEYR, FLASH_KEY2);
  return (REG_READ32(FLASH_CR) & FLASH_CR_LOCK) == 0u ? HAL_OK : HAL_ERR_LOCKED;
}

void hal_flash_lock(void) {
  if ((REG_READ32(FLASH_CR) & FLASH_CR_LOCK) != 0u) {
    return;
  }
  /* A write to FLASH_CR while BSY is set stalls the bus until BSY clears: wait first, and give up rather
   * than risk a stall that never ends. */
  if (!flash_wait_idle(flash_polls_ms(FLASH_ERASE_128K_MAX_MS))) {
    return;
  }
  REG_WRITE32(FLASH_CR, FLASH_CR_LOCK); /* also clears PG, SER and SNB */
}

/* Common start of an operation: idle, no stale flags, unlocked. */
static uint32_t flash_begin(void) {
  if (!flash_wait_idle(flash_polls_ms(FLASH_ERASE_128K_MAX_MS))) {
    return HAL_ERR_TIMEOUT;
  }
  /* A flag left by an earlier operation would be reported as this one's result. */
  flash_clear_flags(REG_READ32(FLASH_SR) & (FLASH_SR_ERRORS | FLASH_SR_EOP));
  return hal_flash_unlock();
}

/* Common end once BSY is clear: map, clear what was found, lock. */
static uint32_t flash_end(void) {
  uint32_t sr = REG_READ32(FLASH_SR);
  flash_clear_flags(sr & (FLASH_SR_ERRORS | FLASH_SR_EOP));
  REG_WRITE32(FLASH_CR, FLASH_CR_LOCK);
  return flash_status_from_sr(sr);
}

/* The ART accelerator caches may hold lines of the erased sector; ST's HAL resets them after an erase.
 * ICRST/DCRST may only be written while the matching cache is disabled. */
static void flash_flush_caches(void) {
  uint32_t acr = REG_READ32(FLASH_ACR);
  uint32_t caches = acr & (FLASH_ACR_ICEN | FLASH_ACR_DCEN);
  if (caches == 0u) {
    return;
  }
  uint32_t off = acr & ~(FLASH_ACR_ICEN | FLASH_ACR_DCEN | FLASH_ACR_ICRST | FLASH_ACR_DCRST);
  REG_WRITE32(FLASH_ACR, off);
  REG_WRITE32(FLASH_ACR, off | FLASH_ACR_ICRST | FLASH_ACR_DCRST);
  REG_WRITE32(FLASH_ACR, off);
  REG_WRITE32(FLASH_ACR, off | caches);
}

uint32_t hal_flash_erase_sector(uint32_t sector_index) {
  if (sector_index >= flash_sector_count()) {
    return HAL_ERR_ARG;
  }
  uint32_t status = flash_begin();
  if (status != HAL_OK) {
    return status; /* timeout: untouched; refused unlock: still locked */
  }
  uint32_t snb = sector_index < FLASH_SECTORS_PER_BANK ? sector_index : sector_index + FLASH_SNB_BANK2_OFFSET;
  uint32_t cr = FLASH_CR_PSIZE_x32 | FLASH_CR_SER | (snb << FLASH_CR_SNB_Pos);
  REG_WRITE32(FLASH_CR, cr);                  /* RM0090 3.6.3 step 2: SER and SNB ... */
  REG_WRITE32(FLASH_CR, cr | FLASH_CR_STRT);  /* ... step 3: then STRT */
  REG_DSB();
  if (!flash_wait_idle(flash_erase_polls(sector_index))) {
    return HAL_ERR_TIMEOUT; /* BSY still set: FLASH_CR cannot be written without a stall */
  }
  status = flash_end();
  flash_flush_caches();
  return status;
}

uint32_t hal_flash_program_word(uint32_t address, uint32_t word) {
  if ((address & 3u) != 0u || address < FLASH_BASE || address - FLASH_BASE > flash_size_kb() * 1024u - 4u) {
    return HAL_ERR_ARG;
  }
  uint32_t status = flash_begin();
  if (status != HAL_OK) {
    return status;
  }
  /* One write sets PSIZE and PG and clears SER/MER: PG with an erase bit set is not a program sequence. */
  REG_WRITE32(FLASH_CR, FLASH_CR_PSIZE_x32 | FLASH_CR_PG);
  /* A 32-bit store matches PSIZE x32; it goes through the register seam so the model sees it. */
  REG_WRITE32(address, word);
  REG_DSB();
  if (!flash_wait_idle(flash_polls_us(FLASH_PROGRAM_MAX_US))) {
    return HAL_ERR_TIMEOUT;
  }
  status = flash_end();
  /* Programming only turns 1s into 0s and F4 flags nothing when a 0 should have become 1 (RM0090 3.6.3):
   * reading back is the only way to see that the word was not erased. */
  if (status == HAL_OK && REG_READ32(address) != word) {
    status = HAL_ERR_VERIFY;
  }
  return status;
}
