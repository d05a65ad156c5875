/*
 * STM32H7 flash erase and program (RM0433 4.3.9-4.3.10): two banks, each with its own FLASH_KEYRx, CRx,
 * SRx and CCRx; 128 KB sectors; a 256-bit (32-byte) flash word with ECC as the program unit.
 *
 * Every operation: check the arguments, wait until the bank's queue is empty (QW = 0), fold an ECC error
 * into the latch of hal_flash_take_ecc_error and clear the stale flags (FLASH_CCRx, write 1 to clear),
 * unlock that bank, run the RM0433 sequence, wait for QW = 0 (bounded), map FLASH_SRx to a status, clear
 * what it found, lock. A bank that stays busy past twice its bound resets the MCU (tsboot_hal.h).
 *
 * ECC: every flash word carries 10 ECC bits computed when it is programmed. A word programmed twice, or
 * cut by a power loss while it was being programmed or erased, reads with a double error: FLASH_SRx.
 * DBECCERR and, for a CPU read, a precise BusFault (RM0433 4.3.4; seen on silicon: Zephyr #33140, PX4
 * #27642). The fault path (stm32h7_fault.c) records it here and lets the read go on, so a torn word is
 * reported by hal_flash_take_ecc_error instead of faulting the bootloader in a loop. That is also why a
 * flash word is checked to be erased before it is programmed: programming over data would make the ECC
 * wrong, and H7 raises no flag for it (no PROGERR as on L4).
 */
#include "stm32h7.h"
#include "stm32h7_internal.h"
#include "stm32h7_regs.h"
#include "tsboot_hal.h"

/*
 * Bounds on busy waits, from the STM32H743 datasheet maxima of the slowest parallelism (x8): one 256-bit
 * flash word 580 us, one 128 KB sector 4 s (x64, used here, is faster: at most 200 us and 2 s).
 */
#define FLASH_PROGRAM_MAX_US 600u
#define FLASH_ERASE_MAX_MS 4000u
#define FLASH_ERASED_WORD 0xFFFFFFFFu

static volatile bool s_ecc_pending = false;    /* for hal_flash_take_ecc_error */
static volatile uint32_t s_ecc_count = 0;      /* lets an operation see errors during its own reads */
static volatile uint32_t s_ecc_address = 0;

#ifdef TSBOOT_REG_MODEL
void stm32h7_flash_model_zero_bss(void) {
  s_ecc_pending = false;
  s_ecc_count = 0;
  s_ecc_address = 0;
}
#endif

/* Board builds pass the flash size from the board data (-DTSBOOT_FLASH_SIZE_KB); an emulator may not map
 * the FLASHSIZE word. */
#ifdef TSBOOT_FLASH_SIZE_KB
static uint32_t flash_size_kb(void) { return TSBOOT_FLASH_SIZE_KB; }
#else
/* FLASHSIZE from system memory. Blank (0 or 0xFFFF): assume the largest part, 2 MB (ST's HAL does too),
 * and let the hardware refuse what it lacks. */
static uint32_t flash_size_kb(void) {
  uint32_t kb = REG_READ32(FLASHSIZE_BASE) & FLASHSIZE_Msk;
  return (kb == 0u || kb == FLASHSIZE_Msk) ? 2048u : kb;
}
#endif

/* 8 on 2 MB parts, 4 on 1 MB parts (each bank keeps its 1 MB address window). */
static uint32_t flash_sectors_per_bank(void) {
  uint32_t n = (flash_size_kb() * 1024u / 2u) / FLASH_SECTOR_SIZE;
  if (n == 0u) {
    return 1u;
  }
  return n > FLASH_SECTORS_PER_BANK_MAX ? FLASH_SECTORS_PER_BANK_MAX : n;
}

static uint32_t flash_bank_size(void) { return flash_sectors_per_bank() * FLASH_SECTOR_SIZE; }

bool stm32h7_flash_window(uint32_t address, uint32_t *bank) {
  if (address >= FLASH_BANK1_BASE && address - FLASH_BANK1_BASE < FLASH_BANK_WINDOW) {
    *bank = 0u;
    return true;
  }
  if (address >= FLASH_BANK2_BASE && address - FLASH_BANK2_BASE < FLASH_BANK_WINDOW) {
    *bank = 1u;
    return true;
  }
  return false;
}

/* The bank of a whole flash word that exists on this part. */
static bool flash_word_bank(uint32_t address, uint32_t *bank) {
  if ((address & (FLASH_WORD_SIZE - 1u)) != 0u || !stm32h7_flash_window(address, bank)) {
    return false;
  }
  uint32_t offset = address - (*bank == 0u ? FLASH_BANK1_BASE : FLASH_BANK2_BASE);
  return offset < flash_bank_size();
}

static uint32_t flash_bank_base(uint32_t bank) { return bank == 0u ? FLASH_BANK1_BASE : FLASH_BANK2_BASE; }

void stm32h7_flash_record_ecc(uint32_t address) {
  s_ecc_address = address;
  s_ecc_count = s_ecc_count + 1u;
  s_ecc_pending = true;
}

/* An ECC double error reported in FLASH_SRx (a read by DMA or a debugger, or one the fault path has not
 * cleared yet) goes into the latch, and the ECC flags are cleared: that also frees FLASH_ECC_FAx to
 * capture the next one. */
static void flash_collect_ecc(uint32_t bank) {
  uint32_t sr = REG_READ32(FLASH_SR(bank));
  if ((sr & FLASH_SR_DBECCERR) != 0u) {
    uint32_t word = REG_READ32(FLASH_ECC_FA(bank)) & FLASH_ECC_FA_FAIL_ECC_ADDR_Msk;
    stm32h7_flash_record_ecc(flash_bank_base(bank) + word * FLASH_WORD_SIZE);
  }
  if ((sr & (FLASH_SR_DBECCERR | FLASH_SR_SNECCERR)) != 0u) {
    REG_WRITE32(FLASH_CCR(bank), sr & (FLASH_SR_DBECCERR | FLASH_SR_SNECCERR));
  }
}

bool hal_flash_take_ecc_error(void) {
  flash_collect_ecc(0u);
  flash_collect_ecc(1u);
  bool seen = s_ecc_pending;
  s_ecc_pending = false;
  return seen;
}

uint32_t stm32h7_flash_ecc_address(void) { return s_ecc_address; }

static bool flash_wait_idle(uint32_t bank, uint32_t polls) {
  return stm32h7_wait(FLASH_SR(bank), FLASH_SR_QW | FLASH_SR_BSY, 0u, polls);
}

/* The rule of tsboot_hal.h: past the bound, wait once more; a bank still busy after that can never be
 * locked (FLASH_CRx cannot be changed while an operation runs), so the MCU is reset. */
static void flash_wait_idle_or_reset(uint32_t bank, uint32_t polls) {
  if (flash_wait_idle(bank, polls) || flash_wait_idle(bank, polls)) {
    return;
  }
  hal_fault_reset(HAL_FAULT_FLASH_STUCK, REG_READ32(FLASH_SR(bank)));
}

static uint32_t flash_status_from_sr(uint32_t sr) {
  if ((sr & FLASH_SR_WRPERR) != 0u) {
    return HAL_ERR_WRP;
  }
  if ((sr & (FLASH_SR_PGSERR | FLASH_SR_STRBERR)) != 0u) {
    return HAL_ERR_PGS;
  }
  if ((sr & (FLASH_SR_INCERR | FLASH_SR_OPERR)) != 0u) {
    return HAL_ERR_OPERATION;
  }
  return HAL_OK;
}

static uint32_t flash_unlock_bank(uint32_t bank) {
  if ((REG_READ32(FLASH_CR(bank)) & FLASH_CR_LOCK) == 0u) {
    return HAL_OK; /* keys written while unlocked count as a wrong sequence */
  }
  /* A wrong key or order raises a bus error and locks FLASH_CRx until reset (RM0433 4.5.1). */
  REG_WRITE32(FLASH_KEYR(bank), FLASH_KEY1);
  REG_WRITE32(FLASH_KEYR(bank), FLASH_KEY2);
  return (REG_READ32(FLASH_CR(bank)) & FLASH_CR_LOCK) == 0u ? HAL_OK : HAL_ERR_LOCKED;
}

static void flash_lock_bank(uint32_t bank) {
  if ((REG_READ32(FLASH_CR(bank)) & FLASH_CR_LOCK) != 0u) {
    return;
  }
  flash_wait_idle_or_reset(bank, stm32h7_polls_ms(FLASH_ERASE_MAX_MS));
  /* The reset value: LOCK, PSIZE x64, every other control bit (PG, SER, SNB, FW) clear. */
  REG_WRITE32(FLASH_CR(bank), FLASH_CR_RESET);
}

uint32_t hal_flash_unlock(void) {
  uint32_t status = flash_unlock_bank(0u);
  uint32_t status2 = flash_unlock_bank(1u);
  return status != HAL_OK ? status : status2;
}

void hal_flash_lock(void) {
  flash_lock_bank(0u);
  flash_lock_bank(1u);
}

/* Clears what FLASH_SRx holds, writing 1 only to the flags that are set (never a read-modify-write of a
 * status register, which would clear a flag that another path still has to report). */
static void flash_clear_flags(uint32_t bank) {
  uint32_t flags = REG_READ32(FLASH_SR(bank)) & FLASH_CCR_ALL;
  if (flags != 0u) {
    REG_WRITE32(FLASH_CCR(bank), flags);
  }
}

/* Common start: bank idle, ECC error kept for hal_flash_take_ecc_error, no stale flags, write buffer empty.
 * Leaves the bank locked. */
static void flash_begin(uint32_t bank) {
  flash_wait_idle_or_reset(bank, stm32h7_polls_ms(FLASH_ERASE_MAX_MS));
  flash_collect_ecc(bank);
  flash_clear_flags(bank);
}

/* A write buffer left partly filled (WBNE with the queue empty: a flash word whose eight stores were cut
 * short) would make the next store an INCERR. RM0433 4.3.9 empties it with a force-write: the bytes never
 * stored stay 1, so nothing is programmed that the interrupted write had not already sent. Needs the bank
 * unlocked; returns the status of that write. */
static uint32_t flash_drain_write_buffer(uint32_t bank) {
  if ((REG_READ32(FLASH_SR(bank)) & FLASH_SR_WBNE) == 0u) {
    return HAL_OK;
  }
  REG_WRITE32(FLASH_CR(bank), FLASH_CR_PSIZE_x64 | FLASH_CR_PG);
  REG_WRITE32(FLASH_CR(bank), FLASH_CR_PSIZE_x64 | FLASH_CR_PG | FLASH_CR_FW);
  REG_DSB();
  flash_wait_idle_or_reset(bank, stm32h7_polls_us(FLASH_PROGRAM_MAX_US));
  uint32_t status = flash_status_from_sr(REG_READ32(FLASH_SR(bank)));
  flash_clear_flags(bank);
  return status;
}

/* Common end once the queue is empty: map, clear what was found, lock. */
static uint32_t flash_end(uint32_t bank) {
  uint32_t sr = REG_READ32(FLASH_SR(bank));
  flash_collect_ecc(bank);
  flash_clear_flags(bank);
  REG_WRITE32(FLASH_CR(bank), FLASH_CR_RESET);
  return flash_status_from_sr(sr);
}

uint32_t hal_flash_write_unit(void) { return FLASH_WORD_SIZE; }

uint32_t hal_flash_erase_unit(uint32_t number) {
  uint32_t bank = number / FLASH_SECTORS_PER_BANK_MAX;
  uint32_t snb = number % FLASH_SECTORS_PER_BANK_MAX;
  if (bank > 1u || snb >= flash_sectors_per_bank()) {
    return HAL_ERR_ARG;
  }
  flash_begin(bank);
  uint32_t status = flash_unlock_bank(bank);
  if (status == HAL_OK) {
    status = flash_drain_write_buffer(bank);
  }
  if (status != HAL_OK) {
    flash_lock_bank(bank);
    return status;
  }
  /* RM0433 4.3.10: SER and SNB first, then START in a second write; PG clear. */
  uint32_t cr = FLASH_CR_PSIZE_x64 | FLASH_CR_SER | (snb << FLASH_CR_SNB_Pos);
  REG_WRITE32(FLASH_CR(bank), cr);
  REG_WRITE32(FLASH_CR(bank), cr | FLASH_CR_START);
  REG_DSB();
  flash_wait_idle_or_reset(bank, stm32h7_polls_ms(FLASH_ERASE_MAX_MS));
  status = flash_end(bank);
  /* Lines of the old contents may sit in the D-cache (when a port runs with it on). */
  stm32h7_dcache_invalidate(flash_bank_base(bank) + snb * FLASH_SECTOR_SIZE, FLASH_SECTOR_SIZE);
  return status;
}

/* Reads the flash word back (through the fault path's ECC handling): HAL_ERR_ECC when a read had a double
 * error, HAL_ERR_VERIFY when a 32-bit word differs from expected[] (0xFFFFFFFF past `count`). */
static uint32_t flash_compare(uint32_t address, const uint32_t *expected, uint32_t count) {
  uint32_t ecc_before = s_ecc_count;
  bool differs = false;
  for (uint32_t i = 0; i < FLASH_WORD_WORDS; i++) {
    uint32_t want = i < count ? expected[i] : FLASH_ERASED_WORD;
    if (REG_READ32(address + 4u * i) != want) {
      differs = true;
    }
  }
  uint32_t bank = 0u;
  (void)stm32h7_flash_window(address, &bank);
  flash_collect_ecc(bank);
  if (s_ecc_count != ecc_before) {
    return HAL_ERR_ECC;
  }
  return differs ? HAL_ERR_VERIFY : HAL_OK;
}

/* Programs words[0..count) into the flash word at address; count < 8 force-writes the rest as 1s. */
static uint32_t flash_program_words(uint32_t address, const uint32_t *words, uint32_t count) {
  uint32_t bank = 0u;
  if (!flash_word_bank(address, &bank) || count == 0u || count > FLASH_WORD_WORDS) {
    return HAL_ERR_ARG;
  }
  flash_begin(bank);
  /* Only an erased flash word can be programmed: over data the ECC bits would come out wrong. */
  stm32h7_dcache_invalidate(address, FLASH_WORD_SIZE);
  uint32_t status = flash_compare(address, words, 0u);
  if (status == HAL_OK) {
    status = flash_unlock_bank(bank);
  }
  if (status == HAL_OK) {
    status = flash_drain_write_buffer(bank);
  }
  if (status != HAL_OK) {
    flash_lock_bank(bank);
    return status; /* HAL_ERR_VERIFY here: the word was not erased; nothing was written */
  }
  /* RM0433 4.3.9: PG (no SER/BER), then the word's 32-bit stores in order into the write buffer; the
   * eighth starts the program. A shorter word is closed with FW. */
  REG_WRITE32(FLASH_CR(bank), FLASH_CR_PSIZE_x64 | FLASH_CR_PG);
  for (uint32_t i = 0; i < count; i++) {
    REG_WRITE32(address + 4u * i, words[i]);
  }
  if (count < FLASH_WORD_WORDS) {
    REG_DSB();
    REG_WRITE32(FLASH_CR(bank), FLASH_CR_PSIZE_x64 | FLASH_CR_PG | FLASH_CR_FW);
  }
  REG_DSB();
  flash_wait_idle_or_reset(bank, stm32h7_polls_us(FLASH_PROGRAM_MAX_US));
  status = flash_end(bank);
  stm32h7_dcache_invalidate(address, FLASH_WORD_SIZE);
  if (status == HAL_OK) {
    status = flash_compare(address, words, count);
  }
  return status;
}

static uint32_t flash_load_le(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint32_t hal_flash_program_unit(uint32_t address, const uint8_t *data) {
  uint32_t words[FLASH_WORD_WORDS];
  for (uint32_t i = 0; i < FLASH_WORD_WORDS; i++) {
    words[i] = flash_load_le(data + 4u * i); /* data may be unaligned */
  }
  return flash_program_words(address, words, FLASH_WORD_WORDS);
}

uint32_t stm32h7_flash_program_partial(uint32_t address, const uint8_t *data, uint32_t length) {
  if ((length & 3u) != 0u || length == 0u || length >= FLASH_WORD_SIZE) {
    return HAL_ERR_ARG;
  }
  uint32_t words[FLASH_WORD_WORDS];
  for (uint32_t i = 0; i < length / 4u; i++) {
    words[i] = flash_load_le(data + 4u * i);
  }
  return flash_program_words(address, words, length / 4u);
}
