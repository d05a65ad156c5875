/*
 * STM32F4 flash erase/program (RM0090 3.5-3.6), x32 parallelism: erase unit = sector (by SNB), write unit = 32 bits.
 *
 * Every operation: check the arguments, wait for BSY to clear, clear stale error flags, unlock FLASH_CR if
 * needed, run the RM0090 sequence, wait for BSY (bounded), map FLASH_SR to a status, clear the flags it found,
 * lock FLASH_CR. FLASH_CR is locked again on every path that returns. A controller that stays busy past its
 * bound gets a second bound; if BSY is still set the MCU resets (HAL_FAULT_FLASH_STUCK): FLASH_CR cannot be
 * written, so not locked, while BSY is set, and a reset is the one way left to leave the controller locked.
 */
#include "stm32f4_internal.h"
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

/* The IWDG is reloaded every this many polls (a power of two): at most 0.3 ms apart at 16 MHz, far inside the
 * shortest period a board may ask for (100 ms). An erase takes up to 2.6 s. */
#define FLASH_IWDG_RELOAD_POLLS 4096u

/* A 2 MB part (F42x/43x) has two banks of 12 sectors; the second bank's sectors are SNB 16..27. */
#define FLASH_SECTORS_PER_BANK 12u
#define FLASH_SNB_BANK2_FIRST 16u

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

/* Sectors in bank 1 (the only bank below 2 MB). */
static uint32_t flash_bank_sectors(void) {
  uint32_t kb = flash_size_kb();
  if (kb >= 2048u) {
    return FLASH_SECTORS_PER_BANK;
  }
  if (kb <= 128u) {
    return kb <= 64u ? kb / 16u : 5u; /* 4 x 16 KB, then the 64 KB sector */
  }
  uint32_t n = 5u + (kb - 128u) / 128u;
  return n > FLASH_SECTORS_PER_BANK ? FLASH_SECTORS_PER_BANK : n;
}

/* The longest erase (ms, datasheet maximum) of the sector with hardware number `snb`, or 0 when the part has no
 * such sector. Sizes within a bank: 16, 16, 16, 16, 64, 128, 128, ... KB (RM0090 table 5). */
static uint32_t flash_sector_erase_ms(uint32_t snb) {
  uint32_t in_bank = snb;
  if (snb >= FLASH_SNB_BANK2_FIRST && flash_size_kb() >= 2048u) {
    in_bank = snb - FLASH_SNB_BANK2_FIRST;
  } else if (snb >= flash_bank_sectors()) {
    return 0u;
  }
  if (in_bank >= FLASH_SECTORS_PER_BANK) {
    return 0u;
  }
  if (in_bank < 4u) {
    return FLASH_ERASE_16K_MAX_MS;
  }
  return in_bank == 4u ? FLASH_ERASE_64K_MAX_MS : FLASH_ERASE_128K_MAX_MS;
}

static uint32_t flash_polls_us(uint32_t us) { return us * ((hal_clock_hclk_hz() + 999999u) / 1000000u); }

/* True when BSY cleared within `polls` SR reads; reloads the IWDG on the way (harmless when it is not running). */
TSBOOT_RAMFUNC static bool flash_wait_idle(uint32_t polls) {
  for (uint32_t i = 0; i < polls; i++) {
    if ((i & (FLASH_IWDG_RELOAD_POLLS - 1u)) == 0u) {
      REG_WRITE32(IWDG_KR, IWDG_KR_RELOAD);
    }
    if ((REG_READ32(FLASH_SR) & FLASH_SR_BSY) == 0u) {
      return true;
    }
  }
  return false;
}

TSBOOT_RAMFUNC void stm32f4_flash_run(uint32_t addr, uint32_t value, uint32_t polls, uint32_t detail) {
  /* No interrupt while the flash may be busy: a vector fetch from flash would stall until BSY clears, and
   * forever if it never does. Ticks that fall due meanwhile are taken when the mask is restored. */
  uint32_t primask = irq_save();
  if (addr != 0u) {
    REG_WRITE32(addr, value);
    REG_DSB();
  }
  if (!flash_wait_idle(polls) && !flash_wait_idle(polls)) {
    hal_fault_reset(HAL_FAULT_FLASH_STUCK, detail); /* in RAM too: the flash cannot be fetched from now */
  }
  irq_restore(primask);
}

/* Writing 1s clears the flags; writing 0s leaves them. Never OR into a read of SR: that would clear every
 * flag that happens to be set, including ones another path still has to report. */
static void stm32f4_flash_clear_flags(uint32_t flags) {
  if (flags != 0u) {
    REG_WRITE32(FLASH_SR, flags);
  }
}

/* WRPERR, PGAERR, PGPERR, PGSERR are bits 4-7 and HAL_ERR_WRP..HAL_ERR_PGS are 3-6, in the same order, and the
 * lowest flag set is the most specific: its bit number - 1 is the status. */
_Static_assert(FLASH_SR_WRPERR == BIT(HAL_ERR_WRP + 1u) && FLASH_SR_PGAERR == BIT(HAL_ERR_PGA + 1u) &&
                   FLASH_SR_PGPERR == BIT(HAL_ERR_PGP + 1u) && FLASH_SR_PGSERR == BIT(HAL_ERR_PGS + 1u),
               "FLASH_SR error bits and HAL_ERR_* differ");
#define FLASH_SR_PROGRAM_ERRORS (FLASH_SR_WRPERR | FLASH_SR_PGAERR | FLASH_SR_PGPERR | FLASH_SR_PGSERR)

static uint32_t stm32f4_flash_status_from_sr(uint32_t sr) {
  uint32_t program_errors = sr & FLASH_SR_PROGRAM_ERRORS;
  if (program_errors != 0u) {
    return (uint32_t)__builtin_ctz(program_errors) - 1u;
  }
  return (sr & FLASH_SR_OPERR) != 0u ? HAL_ERR_OPERATION : HAL_OK;
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

/* Waits for an operation started before this call (at most the longest the controller has), or resets. */
static void flash_wait_earlier_operation(void) {
  stm32f4_flash_run(0u, 0u, stm32f4_polls_ms(FLASH_ERASE_128K_MAX_MS), FLASH_STUCK_EARLIER_OPERATION);
}

void hal_flash_lock(void) {
  if ((REG_READ32(FLASH_CR) & FLASH_CR_LOCK) != 0u) {
    return;
  }
  /* A write to FLASH_CR while BSY is set stalls the bus until BSY clears: wait first (or reset, see above). */
  flash_wait_earlier_operation();
  REG_WRITE32(FLASH_CR, FLASH_CR_LOCK); /* also clears PG, SER and SNB */
}

/* Common start of an operation: idle, no stale flags, unlocked. A refused unlock leaves FLASH_CR locked. */
static uint32_t flash_begin(void) {
  stm32f4_flash_idle_and_clean();
  return hal_flash_unlock();
}

uint32_t stm32f4_flash_take_status(void) {
  uint32_t sr = REG_READ32(FLASH_SR);
  stm32f4_flash_clear_flags(sr & (FLASH_SR_ERRORS | FLASH_SR_EOP));
  return stm32f4_flash_status_from_sr(sr);
}

void stm32f4_flash_idle_and_clean(void) {
  flash_wait_earlier_operation();
  /* A flag left by an earlier operation would be reported as this one's result: taken and dropped (the same
   * SR read and flag clear as after an operation, one copy of them). */
  (void)stm32f4_flash_take_status();
}

/* Common end once BSY is clear: map, clear what was found, lock. */
static uint32_t flash_end(void) {
  uint32_t status = stm32f4_flash_take_status();
  REG_WRITE32(FLASH_CR, FLASH_CR_LOCK);
  return status;
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

uint32_t hal_flash_write_unit(void) { return 4u; }

uint32_t hal_flash_erase_unit(uint32_t number) {
  uint32_t erase_ms = flash_sector_erase_ms(number);
  if (erase_ms == 0u) {
    return HAL_ERR_ARG;
  }
  uint32_t status = flash_begin();
  if (status != HAL_OK) {
    return status; /* refused unlock: still locked, nothing touched */
  }
  uint32_t cr = FLASH_CR_PSIZE_x32 | FLASH_CR_SER | (number << FLASH_CR_SNB_Pos);
  REG_WRITE32(FLASH_CR, cr); /* RM0090 3.6.3 step 2: SER and SNB ... */
  /* ... step 3: then STRT, from RAM; the controller reads nothing else until the sector is erased. */
  stm32f4_flash_run(FLASH_CR, cr | FLASH_CR_STRT, stm32f4_polls_ms(erase_ms), number);
  status = flash_end();
  flash_flush_caches();
  return status;
}

uint32_t hal_flash_program_unit(uint32_t address, const uint8_t *data) {
  if (data == 0 || (address & 3u) != 0u || address < FLASH_BASE ||
      address - FLASH_BASE > flash_size_kb() * 1024u - 4u) {
    return HAL_ERR_ARG;
  }
  uint32_t word = (uint32_t)data[0] | ((uint32_t)data[1] << 8) | ((uint32_t)data[2] << 16) | ((uint32_t)data[3] << 24);
  uint32_t status = flash_begin();
  if (status != HAL_OK) {
    return status;
  }
  /* One write sets PSIZE and PG and clears SER/MER: PG with an erase bit set is not a program sequence. */
  REG_WRITE32(FLASH_CR, FLASH_CR_PSIZE_x32 | FLASH_CR_PG);
  /* A 32-bit store matches PSIZE x32; it goes through the register seam so the model sees it. */
  stm32f4_flash_run(address, word, flash_polls_us(FLASH_PROGRAM_MAX_US), address);
  status = flash_end();
  /* Programming only turns 1s into 0s and F4 flags nothing when a 0 should have become 1 (RM0090 3.6.3):
   * reading back is the only way to see that the word was not erased. */
  if (status == HAL_OK && REG_READ32(address) != word) {
    status = HAL_ERR_VERIFY;
  }
  return status;
}

/* F4 flash has no ECC that software sees. */
bool hal_flash_take_ecc_error(void) { return false; }
