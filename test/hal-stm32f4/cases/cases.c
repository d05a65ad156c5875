/*
 * The STM32F4 drivers' original cases against the register model: flash, clocks, USART, GPIO, SysTick, and
 * the model's own rules (see harness.h for how cases run; robustness_cases.c has the never-brick cases).
 */
#include "stm32f4_hal_compat.h" /* first: it owns HAL_OK (see the header); includes tsboot_hal.h */

#include "harness.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------------- */

#define A_FLASH_ACR 0x40023C00u
#define A_FLASH_KEYR 0x40023C04u
#define A_FLASH_SR 0x40023C0Cu
#define A_FLASH_CR 0x40023C10u
#define A_RCC_CR 0x40023800u
#define A_RCC_PLLCFGR 0x40023804u
#define A_RCC_CFGR 0x40023808u
#define A_RCC_AHB1RSTR 0x40023810u
#define A_RCC_APB1RSTR 0x40023820u
#define A_RCC_AHB1ENR 0x40023830u
#define A_RCC_APB1ENR 0x40023840u
#define A_RCC_APB2ENR 0x40023844u
#define A_PWR_CR 0x40007000u
#define A_GPIOA 0x40020000u
#define A_GPIOB 0x40020400u
#define A_GPIOC 0x40020800u
#define A_USART1 0x40011000u
#define A_USART2 0x40004400u
#define A_STK_CTRL 0xE000E010u
#define A_STK_LOAD 0xE000E014u
#define A_STK_VAL 0xE000E018u
#define A_ICSR 0xE000ED04u

#define SR_ERROR_BITS 0xF2u /* OPERR, WRPERR, PGAERR, PGPERR, PGSERR */
#define SR_BSY 0x10000u

static uint32_t sr_errors(void) { return peek(A_FLASH_SR) & SR_ERROR_BITS; }

/* One F4 write unit (32 bits, little-endian) through hal_flash_program_unit. */
static uint32_t program_word(uint32_t address, uint32_t word) {
  const uint8_t bytes[4] = {(uint8_t)word, (uint8_t)(word >> 8), (uint8_t)(word >> 16), (uint8_t)(word >> 24)};
  return hal_flash_program_unit(address, bytes);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash: unlock / lock                                                                                  */

CASE(flash_unlock_sequence) {
  setup(F4_PART_F411XE);
  CHECK(f4_model_flash_locked());
  CHECK_EQ(hal_flash_unlock(), HAL_OK);
  CHECK(!f4_model_flash_locked());
  CHECK_EQ(writes_to(A_FLASH_KEYR), 2);
  CHECK_EQ(write_value(find_write(A_FLASH_KEYR, 0, 0)), 0x45670123u);
  CHECK_EQ(write_value(last_write(A_FLASH_KEYR)), 0xCDEF89ABu);
  /* Unlocking again writes no key (a key while unlocked is a wrong sequence). */
  CHECK_EQ(hal_flash_unlock(), HAL_OK);
  CHECK_EQ(writes_to(A_FLASH_KEYR), 2);
  hal_flash_lock();
  CHECK(f4_model_flash_locked());
  CHECK_EQ(write_value(last_write(A_FLASH_CR)), 0x80000000u);
  hal_flash_lock(); /* already locked: no write to a locked FLASH_CR */
  CHECK_EQ(f4_model_stats()->bus_errors, 0);
}

CASE(flash_unlock_refused_after_wrong_key) {
  setup(F4_PART_F411XE);
  reg_model_write32(A_FLASH_KEYR, 0x12345678u);
  CHECK(f4_model_flash_locked_out());
  CHECK_EQ(f4_model_stats()->bus_errors, 1);
  f4_model_flash_poke(0x08008000u, 0u);
  CHECK_EQ(hal_flash_unlock(), HAL_ERR_LOCKED);
  CHECK_EQ(hal_flash_erase_unit(2), HAL_ERR_LOCKED);
  CHECK_EQ(program_word(0x08008004u, 0u), HAL_ERR_LOCKED);
  CHECK_EQ(f4_model_flash_word(0x08008000u), 0u); /* nothing erased */
  CHECK_EQ(f4_model_flash_word(0x08008004u), 0xFFFFFFFFu);
  CHECK_EQ(f4_model_stats()->cr_writes_rejected, 0); /* the driver never wrote the locked FLASH_CR */
  CHECK(f4_model_flash_locked());
  expect_violation("bus error, FLASH_CR locked until reset");
  expect_violation("after a lockout"); /* the driver's own attempts: each a bus error on silicon */
  model_clear_violations();
  f4_model_system_reset(); /* only a reset ends the lockout */
  CHECK(!f4_model_flash_locked_out());
  CHECK_EQ(hal_flash_unlock(), HAL_OK);
  hal_flash_lock();
}

CASE(flash_unlock_wrong_order_locks_out) {
  setup(F4_PART_F411XE);
  reg_model_write32(A_FLASH_KEYR, 0xCDEF89ABu); /* KEY2 first */
  reg_model_write32(A_FLASH_KEYR, 0x45670123u);
  CHECK(f4_model_flash_locked_out());
  CHECK(f4_model_flash_locked());
  expect_violation("bus error, FLASH_CR locked until reset");
  model_clear_violations();
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash: erase                                                                                          */

static void erase_every_sector(enum f4_part part, uint32_t count, const uint32_t *sizes_kb) {
  setup(part);
  CHECK_EQ(f4_model_flash_sector_count(), count);
  for (uint32_t i = 0; i < count; i++) {
    CHECK_EQ(f4_model_flash_sector_size(i), sizes_kb[i] * 1024u);
  }
  for (uint32_t i = 0; i < count; i++) {
    uint32_t start = f4_model_flash_sector_start(i);
    uint32_t end = start + f4_model_flash_sector_size(i);
    f4_model_flash_poke(start, 0u);
    f4_model_flash_poke(end - 4u, 0u);
    if (i + 1u < count) {
      f4_model_flash_poke(end, 0x11111111u); /* the next sector must survive */
    }
    model_trace_clear();
    CHECK_EQ(hal_flash_erase_unit(i), HAL_OK);
    int32_t strt = find_write(A_FLASH_CR, 0x10000u, 0);
    CHECK(strt > 0);
    uint32_t cr = write_value(strt);
    CHECK_EQ((cr >> 3) & 0x1Fu, i); /* SNB */
    CHECK_EQ(cr & 0x2u, 0x2u);      /* SER */
    CHECK_EQ((cr >> 8) & 3u, 2u);   /* PSIZE x32 */
    CHECK_EQ(cr & 0x1u, 0u);        /* not PG */
    /* SER and SNB were written before the write that sets STRT (RM0090 3.6.3 steps 2-3). */
    uint32_t before = model_trace((uint32_t)strt)->flash_cr_before[0];
    CHECK_EQ(before & 0xFAu, cr & 0xFAu);
    check_sector_erased(i);
    if (i + 1u < count) {
      CHECK_EQ(f4_model_flash_word(end), 0x11111111u);
    }
    CHECK(f4_model_flash_locked());
    CHECK_EQ(sr_errors(), 0);
    CHECK_EQ(f4_model_stats()->flash_erases, i + 1u);
  }
}

CASE(flash_erase_each_sector_f411) {
  static const uint32_t kb[] = {16, 16, 16, 16, 64, 128, 128, 128};
  erase_every_sector(F4_PART_F411XE, 8, kb);
}

CASE(flash_erase_each_sector_f401) {
  static const uint32_t kb[] = {16, 16, 16, 16, 64, 128, 128, 128};
  erase_every_sector(F4_PART_F401XE, 8, kb);
}

CASE(flash_erase_each_sector_f407) {
  static const uint32_t kb[] = {16, 16, 16, 16, 64, 128, 128, 128, 128, 128, 128, 128};
  erase_every_sector(F4_PART_F407XG, 12, kb);
}

CASE(flash_erase_sector_out_of_range) {
  setup(F4_PART_F411XE);
  CHECK_EQ(hal_flash_erase_unit(8), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_erase_unit(0xFFFFFFFFu), HAL_ERR_ARG);
  CHECK_EQ(model_trace_count(), 0); /* nothing touched */
  setup(F4_PART_F407XG);
  CHECK_EQ(hal_flash_erase_unit(12), HAL_ERR_ARG);
  CHECK_EQ(model_trace_count(), 0);
  CHECK_EQ(hal_flash_erase_unit(11), HAL_OK);
}

CASE(flash_size_unreadable_assumes_1mb) {
  setup(F4_PART_F407XG);
  f4_model_set_fsize_kb(0); /* a blank F_SIZE, as an emulator may map it */
  CHECK_EQ(hal_flash_erase_unit(11), HAL_OK);
  CHECK_EQ(hal_flash_erase_unit(12), HAL_ERR_ARG);
  CHECK_EQ(program_word(0x080FFFFCu, 0u), HAL_OK);
  CHECK_EQ(program_word(0x08100000u, 0u), HAL_ERR_ARG);
}

CASE(flash_erase_flushes_caches) {
  setup(F4_PART_F411XE);
  reg_model_write32(A_FLASH_ACR, 0x0700u); /* PRFTEN, ICEN, DCEN */
  CHECK_EQ(hal_flash_erase_unit(3), HAL_OK);
  CHECK_EQ(f4_model_stats()->icache_resets, 1);
  CHECK_EQ(f4_model_stats()->dcache_resets, 1);
  CHECK_EQ(peek(A_FLASH_ACR), 0x0700u); /* caches back on, reset bits clear */
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash: program                                                                                        */

CASE(flash_program_words) {
  setup(F4_PART_F411XE);
  static const uint32_t words[] = {0x12345678u, 0xDEADBEEFu, 0u, 0xFFFFFFFFu, 0x00FF00FFu};
  for (uint32_t i = 0; i < 5u; i++) {
    CHECK_EQ(program_word(0x08008000u + 4u * i, words[i]), HAL_OK);
    CHECK(f4_model_flash_locked());
  }
  for (uint32_t i = 0; i < 5u; i++) {
    CHECK_EQ(f4_model_flash_word(0x08008000u + 4u * i), words[i]);
  }
  CHECK_EQ(f4_model_flash_word(0x08008014u), 0xFFFFFFFFu);
  CHECK_EQ(f4_model_flash_word(0x08007FFCu), 0xFFFFFFFFu);
  CHECK_EQ(f4_model_stats()->flash_programs, 5);
  /* Every store into flash happened with exactly PG and PSIZE x32 in FLASH_CR. */
  uint32_t stores = 0;
  for (uint32_t i = 0; i < model_trace_count(); i++) {
    const struct model_write *w = model_trace(i);
    if (w->addr >= 0x08000000u && w->addr < 0x08080000u) {
      CHECK_EQ(w->flash_cr_before[0], 0x201u);
      stores++;
    }
  }
  CHECK_EQ(stores, 5);
}

CASE(flash_program_last_word_of_flash) {
  setup(F4_PART_F411XE);
  CHECK_EQ(program_word(0x0807FFFCu, 0xCAFEF00Du), HAL_OK);
  CHECK_EQ(f4_model_flash_word(0x0807FFFCu), 0xCAFEF00Du);
}

CASE(flash_program_misaligned_refused) {
  setup(F4_PART_F411XE);
  CHECK_EQ(program_word(0x08008002u, 0u), HAL_ERR_ARG);
  CHECK_EQ(program_word(0x08008001u, 0u), HAL_ERR_ARG);
  CHECK_EQ(model_trace_count(), 0);
}

CASE(flash_program_out_of_range_refused) {
  setup(F4_PART_F411XE);
  CHECK_EQ(program_word(0x08080000u, 0u), HAL_ERR_ARG);
  CHECK_EQ(program_word(0x07FFFFFCu, 0u), HAL_ERR_ARG);
  CHECK_EQ(program_word(0x20000000u, 0u), HAL_ERR_ARG);
  CHECK_EQ(program_word(0xFFFFFFFCu, 0u), HAL_ERR_ARG);
  CHECK_EQ(model_trace_count(), 0);
}

CASE(flash_program_not_erased_fails_verify) {
  setup(F4_PART_F411XE);
  f4_model_flash_poke(0x08008000u, 0xFFFF0000u);
  CHECK_EQ(program_word(0x08008000u, 0x0000FFFFu), HAL_ERR_VERIFY);
  CHECK_EQ(f4_model_flash_word(0x08008000u), 0u); /* cells only went 1 -> 0 */
  CHECK_EQ(sr_errors(), 0);                       /* F4 flags nothing */
  CHECK(f4_model_flash_locked());
  /* Clearing more bits of a programmed word is allowed and verifies. */
  f4_model_flash_poke(0x08008004u, 0xFF00FF00u);
  CHECK_EQ(program_word(0x08008004u, 0x0F000F00u), HAL_OK);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash: errors                                                                                         */

CASE(flash_wrp_program) {
  setup(F4_PART_F411XE);
  f4_model_flash_set_wrp(1u << 2);
  model_trace_clear();
  CHECK_EQ(program_word(0x08008000u, 0x12345678u), HAL_ERR_WRP);
  CHECK_EQ(f4_model_flash_word(0x08008000u), 0xFFFFFFFFu);
  CHECK_EQ(sr_errors(), 0);
  CHECK_EQ(write_value(last_write(A_FLASH_SR)), 0x10u); /* WRPERR cleared by writing 1 to it alone */
  CHECK(f4_model_flash_locked());
  CHECK_EQ(program_word(0x0800C000u, 0x12345678u), HAL_OK); /* sector 3 is not protected */
}

CASE(flash_wrp_erase) {
  setup(F4_PART_F411XE);
  f4_model_flash_set_wrp(1u << 3);
  f4_model_flash_poke(0x0800C000u, 0u);
  CHECK_EQ(hal_flash_erase_unit(3), HAL_ERR_WRP);
  CHECK_EQ(f4_model_flash_word(0x0800C000u), 0u);
  CHECK_EQ(sr_errors(), 0);
  CHECK(f4_model_flash_locked());
}

static void check_injected(uint32_t flag, uint32_t expected) {
  f4_model_flash_inject_error(flag);
  model_trace_clear();
  CHECK_EQ(program_word(0x08008000u, 0u), expected);
  CHECK_EQ(f4_model_flash_word(0x08008000u), 0xFFFFFFFFu);
  CHECK(f4_model_flash_locked());
  CHECK_EQ(sr_errors(), 0);
  CHECK_EQ(write_value(last_write(A_FLASH_SR)), flag);
  CHECK(last_write(A_FLASH_SR) < last_write(A_FLASH_CR)); /* flags cleared, then locked */

  f4_model_flash_inject_error(flag);
  f4_model_flash_poke(0x0800C000u, 0u);
  CHECK_EQ(hal_flash_erase_unit(3), expected);
  CHECK_EQ(f4_model_flash_word(0x0800C000u), 0u);
  CHECK(f4_model_flash_locked());
  CHECK_EQ(sr_errors(), 0);
  /* and the controller works again */
  CHECK_EQ(program_word(0x08008000u, 0x5Au), HAL_OK);
  CHECK_EQ(hal_flash_erase_unit(2), HAL_OK);
}

CASE(flash_error_wrperr_maps) {
  setup(F4_PART_F411XE);
  check_injected(0x10u, HAL_ERR_WRP);
}
CASE(flash_error_pgaerr_maps) {
  setup(F4_PART_F411XE);
  check_injected(0x20u, HAL_ERR_PGA);
}
CASE(flash_error_pgperr_maps) {
  setup(F4_PART_F411XE);
  check_injected(0x40u, HAL_ERR_PGP);
}
CASE(flash_error_pgserr_maps) {
  setup(F4_PART_F411XE);
  check_injected(0x80u, HAL_ERR_PGS);
}
CASE(flash_error_operr_maps) {
  setup(F4_PART_F411XE);
  check_injected(0x02u, HAL_ERR_OPERATION);
}

CASE(flash_error_priority) {
  setup(F4_PART_F411XE);
  f4_model_flash_inject_error(0x80u | 0x10u); /* PGSERR and WRPERR together: the more specific wins */
  CHECK_EQ(program_word(0x08008000u, 0u), HAL_ERR_WRP);
  CHECK_EQ(sr_errors(), 0); /* both cleared */
  CHECK_EQ(write_value(last_write(A_FLASH_SR)), 0x90u);
}

CASE(flash_stale_flags_cleared_first) {
  setup(F4_PART_F411XE);
  reg_model_write32(0x08008000u, 0u); /* a stray store with PG clear: PGSERR */
  CHECK_EQ(peek(A_FLASH_SR) & 0x80u, 0x80u);
  CHECK_EQ(program_word(0x08008004u, 0x1u), HAL_OK); /* not reported as this one's error */
  CHECK_EQ(sr_errors(), 0);
  CHECK_EQ(f4_model_flash_word(0x08008000u), 0xFFFFFFFFu);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash: BSY that clears late, or never (issue 9, defect 7)                                             */

CASE(flash_busy_stuck_erase_resets) {
  setup(F4_PART_F411XE);
  f4_model_flash_stick_busy(true);
  f4_model_flash_poke(0x08020000u, 0u);
  uint64_t before = model_reads(A_FLASH_SR);
  EXPECT_RESET(hal_flash_erase_unit(5));
  /* The bound (2.6 s, the 128 KB sector maximum, at 16 MHz, one poll per cycle), then once more, then a
   * reset. FLASH_CR was never written while BSY was set: the model stops with MODEL FATAL at such a write. */
  uint64_t polls = model_reads(A_FLASH_SR) - before;
  CHECK(polls >= 2ull * 2600ull * 16000ull && polls <= 2ull * 2600ull * 16000ull + 4u);
  CHECK_EQ(f4_model_last_reset(), F4_RESET_SOFTWARE);
  CHECK_EQ(__tsboot_fault_record[0], HAL_FAULT_FLASH_STUCK);
  CHECK_EQ(__tsboot_fault_record[1], 5u); /* the SNB being erased */
  CHECK(f4_model_flash_locked());         /* the reset locked FLASH_CR: the one way left to */
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_FLASH_STUCK);
  CHECK_EQ(hal_fault_detail(), 5u);
}

CASE(flash_busy_stuck_program_resets) {
  setup(F4_PART_F411XE);
  f4_model_flash_stick_busy(true);
  uint64_t before = model_reads(A_FLASH_SR);
  EXPECT_RESET(program_word(0x08008000u, 0u));
  uint64_t polls = model_reads(A_FLASH_SR) - before;
  CHECK(polls >= 2u * 1600u && polls <= 2u * 1600u + 4u); /* 100 us at 16 MHz, twice */
  CHECK_EQ(__tsboot_fault_record[0], HAL_FAULT_FLASH_STUCK);
  CHECK_EQ(__tsboot_fault_record[1], 0x08008000u); /* the address being programmed */
  CHECK(f4_model_flash_locked());
}

CASE(flash_busy_late_erase_still_locks) {
  setup(F4_PART_F411XE);
  /* BSY clears after one and a half bounds (0.8 s for a 16 KB sector at 16 MHz): slow, not stuck. The erase
   * completes and FLASH_CR is locked, instead of a timeout that leaves it unlocked. */
  f4_model_flash_set_busy_polls(3, 800u * 16000u * 3u / 2u);
  f4_model_flash_poke(0x0800C000u, 0u);
  CHECK_EQ(hal_flash_erase_unit(3), HAL_OK);
  check_sector_erased(3);
  CHECK(f4_model_flash_locked());
  CHECK_EQ(f4_model_stats()->bus_stalls, 0);
}

CASE(flash_busy_late_program_still_locks) {
  setup(F4_PART_F411XE);
  f4_model_flash_set_busy_polls(1600u + 800u, 200);
  CHECK_EQ(program_word(0x08008000u, 0x12345678u), HAL_OK);
  CHECK_EQ(f4_model_flash_word(0x08008000u), 0x12345678u);
  CHECK(f4_model_flash_locked());
}

CASE(flash_busy_before_operation_resets) {
  setup(F4_PART_F411XE);
  /* An operation someone else started never ends: the next erase waits (twice) and resets, and never
   * writes FLASH_CR meanwhile. */
  reg_model_write32(A_FLASH_KEYR, 0x45670123u);
  reg_model_write32(A_FLASH_KEYR, 0xCDEF89ABu);
  reg_model_write32(A_FLASH_CR, 0x201u);
  reg_model_write32(0x08008000u, 0u);
  f4_model_flash_stick_busy(true);
  uint32_t cr_writes = writes_to(A_FLASH_CR);
  EXPECT_RESET(hal_flash_erase_unit(2));
  CHECK_EQ(writes_to(A_FLASH_CR), cr_writes);
  CHECK_EQ(__tsboot_fault_record[0], HAL_FAULT_FLASH_STUCK);
  CHECK_EQ(__tsboot_fault_record[1], 0xFFFFFFFFu); /* an earlier operation */
}

CASE(flash_lock_waits_for_busy) {
  setup(F4_PART_F411XE);
  f4_model_flash_set_busy_polls(5000, 200);
  reg_model_write32(A_FLASH_KEYR, 0x45670123u);
  reg_model_write32(A_FLASH_KEYR, 0xCDEF89ABu);
  reg_model_write32(A_FLASH_CR, 0x201u);
  reg_model_write32(0x08008000u, 0u);
  hal_flash_lock(); /* waits for BSY, then locks: no stall */
  CHECK(f4_model_flash_locked());
  CHECK_EQ(f4_model_stats()->bus_stalls, 0);
  CHECK_EQ(f4_model_flash_word(0x08008000u), 0u);
}

CASE(flash_busy_bound_follows_hclk) {
  setup(F4_PART_F401XE);
  f4_model_rcc_set_hse(F4_HSE_CLOCK_IN, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 84000000u), 84000000u);
  f4_model_flash_stick_busy(true);
  uint64_t before = model_reads(A_FLASH_SR);
  EXPECT_RESET(program_word(0x08008000u, 0u));
  uint64_t polls = model_reads(A_FLASH_SR) - before;
  CHECK(polls >= 2u * 8400u && polls <= 2u * 8400u + 4u); /* 100 us at 84 MHz, twice */
}

CASE(flash_erase_serves_the_watchdog) {
  setup(F4_PART_F411XE);
  /* WDG_SW = 0: the IWDG runs from reset at its reset period, 4 * 4096 / 32 kHz = 512 ms. A 128 KB sector
   * erase may take 2.6 s: the driver reloads the IWDG while it waits, or the MCU resets in the middle. */
  f4_model_options_set(f4_model_options() & ~0x20u);
  f4_model_system_reset();
  CHECK(f4_model_iwdg_running());
  f4_model_flash_set_busy_polls(3, 2000u * 16000u); /* a 2 s erase at 16 MHz */
  f4_model_flash_poke(0x08020000u, 0u);
  CHECK_EQ(hal_flash_erase_unit(5), HAL_OK);
  check_sector_erased(5);
  CHECK_EQ(f4_model_stats()->iwdg_resets, 0);
  CHECK(f4_model_stats()->iwdg_reloads >= 2000u * 16000u / 4096u);
}

/* ---------------------------------------------------------------------------------------------------- */
/* ST HAL compatibility                                                                                  */

CASE(compat_erase_then_program) {
  setup(F4_PART_F411XE);
  f4_model_flash_poke(0x08008000u, 0u);
  f4_model_flash_poke(0x0800C000u, 0u);
  f4_model_flash_poke(0x08010000u, 0u);
  FLASH_EraseInitTypeDef e = {FLASH_TYPEERASE_SECTORS, FLASH_BANK_1, 2, 2, FLASH_VOLTAGE_RANGE_3};
  uint32_t sector_error = 0;
  CHECK_EQ(HAL_FLASH_Unlock(), HAL_OK);
  CHECK(!f4_model_flash_locked());
  CHECK_EQ(HAL_FLASHEx_Erase(&e, &sector_error), HAL_OK);
  CHECK_EQ(sector_error, 0xFFFFFFFFu);
  check_sector_erased(2);
  check_sector_erased(3);
  CHECK_EQ(f4_model_flash_word(0x08010000u), 0u); /* sector 4 untouched */
  CHECK_EQ(HAL_FLASH_Program(FLASH_TYPEPROGRAM_WORD, 0x08008000u, 0xA5A5A5A5ull), HAL_OK);
  CHECK_EQ(HAL_FLASH_Program(FLASH_TYPEPROGRAM_WORD, 0x08008004u, 0x5A5A5A5Aull), HAL_OK);
  CHECK_EQ(HAL_FLASH_Lock(), HAL_OK);
  CHECK(f4_model_flash_locked());
  CHECK_EQ(f4_model_flash_word(0x08008000u), 0xA5A5A5A5u);
  CHECK_EQ(f4_model_flash_word(0x08008004u), 0x5A5A5A5Au);
  CHECK_EQ(HAL_FLASH_GetError(), HAL_FLASH_ERROR_NONE);
}

CASE(compat_refuses_without_unlock) {
  setup(F4_PART_F411XE);
  CHECK_EQ(HAL_FLASH_Program(FLASH_TYPEPROGRAM_WORD, 0x08008000u, 0u), HAL_ERROR);
  CHECK_EQ(HAL_FLASH_GetError(), HAL_FLASH_ERROR_PGS);
  FLASH_EraseInitTypeDef e = {FLASH_TYPEERASE_SECTORS, FLASH_BANK_1, 2, 1, FLASH_VOLTAGE_RANGE_3};
  uint32_t sector_error = 0;
  CHECK_EQ(HAL_FLASHEx_Erase(&e, &sector_error), HAL_ERROR);
  CHECK_EQ(model_trace_count(), 0);
  CHECK_EQ(HAL_FLASH_Unlock(), HAL_OK);
  CHECK_EQ(HAL_FLASH_Lock(), HAL_OK);
  CHECK_EQ(HAL_FLASH_Program(FLASH_TYPEPROGRAM_WORD, 0x08008000u, 0u), HAL_ERROR); /* locked again */
}

CASE(compat_unsupported_requests) {
  setup(F4_PART_F411XE);
  CHECK_EQ(HAL_FLASH_Unlock(), HAL_OK);
  CHECK_EQ(HAL_FLASH_Program(FLASH_TYPEPROGRAM_BYTE, 0x08008000u, 0u), HAL_ERROR);
  CHECK_EQ(HAL_FLASH_GetError(), HAL_FLASH_ERROR_OPERATION);
  CHECK_EQ(HAL_FLASH_Program(FLASH_TYPEPROGRAM_DOUBLEWORD, 0x08008000u, 0u), HAL_ERROR);
  uint32_t sector_error = 0;
  FLASH_EraseInitTypeDef mass = {FLASH_TYPEERASE_MASSERASE, FLASH_BANK_1, 0, 0, FLASH_VOLTAGE_RANGE_3};
  CHECK_EQ(HAL_FLASHEx_Erase(&mass, &sector_error), HAL_ERROR);
  FLASH_EraseInitTypeDef x8 = {FLASH_TYPEERASE_SECTORS, FLASH_BANK_1, 2, 1, FLASH_VOLTAGE_RANGE_1};
  CHECK_EQ(HAL_FLASHEx_Erase(&x8, &sector_error), HAL_ERROR);
  CHECK_EQ(f4_model_stats()->flash_erases, 0);
  CHECK_EQ(f4_model_stats()->flash_programs, 0);
  CHECK_EQ(HAL_FLASH_Lock(), HAL_OK);
}

CASE(compat_erase_error_names_sector) {
  setup(F4_PART_F411XE);
  f4_model_flash_set_wrp(1u << 3);
  f4_model_flash_poke(0x08008000u, 0u);
  f4_model_flash_poke(0x08010000u, 0u);
  FLASH_EraseInitTypeDef e = {FLASH_TYPEERASE_SECTORS, FLASH_BANK_1, 2, 3, FLASH_VOLTAGE_RANGE_3};
  uint32_t sector_error = 0;
  CHECK_EQ(HAL_FLASH_Unlock(), HAL_OK);
  CHECK_EQ(HAL_FLASHEx_Erase(&e, &sector_error), HAL_ERROR);
  CHECK_EQ(sector_error, 3);
  CHECK_EQ(HAL_FLASH_GetError(), HAL_FLASH_ERROR_WRP);
  check_sector_erased(2);
  CHECK_EQ(f4_model_flash_word(0x08010000u), 0u); /* stopped before sector 4 */
  CHECK_EQ(HAL_FLASH_Lock(), HAL_OK);
  CHECK(f4_model_flash_locked());
}

CASE(compat_slow_flash) {
  setup(F4_PART_F411XE);
  CHECK_EQ(HAL_FLASH_Unlock(), HAL_OK);
  f4_model_flash_set_busy_polls(1600u + 100u, 200); /* past one bound, within the second */
  CHECK_EQ(HAL_FLASH_Program(FLASH_TYPEPROGRAM_WORD, 0x08008000u, 0x5Au), HAL_OK);
  CHECK_EQ(HAL_FLASH_Lock(), HAL_OK);
  CHECK(f4_model_flash_locked());
  CHECK_EQ(f4_model_flash_word(0x08008000u), 0x5Au);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Clocks                                                                                                */

static uint32_t pllcfgr(uint32_t m, uint32_t n, uint32_t p_code, bool hse, uint32_t q) {
  return m | (n << 6) | (p_code << 16) | (hse ? 1u << 22 : 0u) | (q << 24) | (1u << 29);
}

CASE(clock_f411_hse_bypass_100mhz) {
  setup(F4_PART_F411XE);
  f4_model_rcc_set_hse(F4_HSE_CLOCK_IN, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 100000000u), 100000000u);
  CHECK_EQ(f4_model_sysclk_hz(), 100000000u);
  CHECK_EQ(f4_model_hclk_hz(), 100000000u);
  CHECK_EQ(hal_clock_hclk_hz(), 100000000u);
  CHECK_EQ(hal_clock_pclk_hz(A_USART2), f4_model_pclk1_hz());
  CHECK_EQ(hal_clock_pclk_hz(A_USART1), f4_model_pclk2_hz());
  /* The F411's own APB limits (RM0383: 50 and 100 MHz): USART2 at 50 MHz, where 2 Mbaud is exact. */
  CHECK_EQ(f4_model_pclk1_hz(), 50000000u);
  CHECK_EQ(f4_model_pclk2_hz(), 100000000u);
  CHECK_EQ(peek(A_RCC_PLLCFGR), pllcfgr(4, 100, 0, true, 5));
  CHECK_EQ(peek(A_FLASH_ACR), 0x0703u); /* 3 wait states, prefetch, I and D caches */
  CHECK_EQ(peek(A_RCC_CR) & 0x03070000u, 0x03070000u); /* PLLRDY PLLON HSEBYP HSERDY HSEON */
  CHECK_EQ(peek(A_RCC_CFGR) & 0xFu, 0xAu);             /* SW = SWS = PLL */
  CHECK_EQ(peek(A_PWR_CR) & 0xC000u, 0xC000u);          /* VOS scale 1 */
  /* Wait states were raised before the switch to the PLL. */
  int32_t acr = find_write(A_FLASH_ACR, 0x3u, 0);
  int32_t sw = find_write(A_RCC_CFGR, 0x2u, 0);
  CHECK(acr >= 0 && sw >= 0 && acr < sw);
}

CASE(clock_f407_hse_crystal_168mhz) {
  setup(F4_PART_F407XG);
  f4_model_rcc_set_hse(F4_HSE_CRYSTAL, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u, 168000000u), 168000000u);
  CHECK_EQ(f4_model_sysclk_hz(), 168000000u);
  CHECK_EQ(f4_model_pclk1_hz(), 42000000u);
  CHECK_EQ(f4_model_pclk2_hz(), 84000000u);
  CHECK_EQ(hal_clock_pclk_hz(A_USART2), 42000000u);
  CHECK_EQ(hal_clock_pclk_hz(A_USART1), 84000000u);
  CHECK_EQ(peek(A_RCC_PLLCFGR), pllcfgr(4, 168, 0, true, 7));
  CHECK_EQ(peek(A_FLASH_ACR) & 0xFu, 5u);
  CHECK_EQ(peek(A_RCC_CR) & 0x00040000u, 0u); /* crystal: no bypass */
  CHECK_EQ(writes_to(A_PWR_CR), 0);          /* VOS resets to scale 1 on F407 */
}

CASE(clock_f401_hsi_pll_84mhz) {
  setup(F4_PART_F401XE);
  CHECK_EQ(hal_clock_init(0, 84000000u), 84000000u);
  CHECK_EQ(f4_model_sysclk_hz(), 84000000u);
  CHECK_EQ(peek(A_RCC_PLLCFGR), pllcfgr(8, 168, 1, false, 7)); /* VCO 336 MHz (F401 needs >= 192), /4 */
  CHECK_EQ(peek(A_FLASH_ACR) & 0xFu, 2u);
  CHECK_EQ(f4_model_pclk1_hz(), 42000000u);
  CHECK_EQ(f4_model_pclk2_hz(), 84000000u);
  CHECK_EQ(peek(A_RCC_CR) & 0x00010000u, 0u); /* HSE never started */
  CHECK_EQ(writes_to(A_PWR_CR), 0);
}

CASE(clock_f405_hse_25mhz_168mhz) {
  setup(F4_PART_F405XG);
  f4_model_rcc_set_hse(F4_HSE_CRYSTAL, 25000000u);
  CHECK_EQ(hal_clock_init(25000000u, 168000000u), 168000000u);
  CHECK_EQ(peek(A_RCC_PLLCFGR), pllcfgr(25, 336, 0, true, 7)); /* 1 MHz PLL input */
  CHECK_EQ(f4_model_sysclk_hz(), 168000000u);
}

CASE(clock_fallback_hse_never_ready) {
  setup(F4_PART_F411XE); /* no HSE at all */
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 100000000u), 16000000u);
  CHECK_EQ(f4_model_sysclk_hz(), 16000000u);
  CHECK_EQ(hal_clock_hclk_hz(), 16000000u);
  CHECK_EQ(hal_clock_pclk_hz(A_USART2), 16000000u);
  CHECK_EQ(peek(A_RCC_CR) & 0x010D0000u, 0u); /* PLLON HSEBYP CSSON HSEON off */
  CHECK_EQ(peek(A_RCC_CFGR), 0u);
  CHECK_EQ(peek(A_FLASH_ACR), 0u);
  CHECK_EQ(peek(A_RCC_PLLCFGR), 0x24003010u);
  /* Bounded: 100 ms at 16 MHz of RCC_CR polls. */
  uint64_t polls = model_reads(A_RCC_CR);
  CHECK(polls >= 1600000u && polls < 1600100u);
}

CASE(clock_fallback_bypass_not_requested) {
  setup(F4_PART_F411XE);
  f4_model_rcc_set_hse(F4_HSE_CLOCK_IN, 8000000u); /* an external clock, but asked for a crystal */
  CHECK_EQ(hal_clock_init(8000000u, 100000000u), 16000000u);
  CHECK_EQ(f4_model_sysclk_hz(), 16000000u);
}

CASE(clock_fallback_pll_never_locks) {
  setup(F4_PART_F407XG);
  f4_model_rcc_set_hse(F4_HSE_CRYSTAL, 8000000u);
  f4_model_rcc_pll_never_locks(true);
  CHECK_EQ(hal_clock_init(8000000u, 168000000u), 16000000u);
  CHECK_EQ(f4_model_sysclk_hz(), 16000000u);
  CHECK_EQ(peek(A_RCC_CR) & 0x01010000u, 0u); /* PLL and HSE off again */
  CHECK_EQ(peek(A_FLASH_ACR), 0u);
  CHECK_EQ(hal_clock_hclk_hz(), 16000000u);
}

CASE(clock_invalid_requests_stay_on_hsi) {
  setup(F4_PART_F411XE);
  f4_model_rcc_set_hse(F4_HSE_CRYSTAL, 8000000u);
  CHECK_EQ(hal_clock_init(0, 200000000u), 16000000u);  /* above any F4 */
  CHECK_EQ(hal_clock_init(0, 10000000u), 16000000u);   /* below the VCO range */
  CHECK_EQ(hal_clock_init(7372800u, 100000000u), 16000000u); /* not a whole number of MHz */
  CHECK_EQ(hal_clock_init(0, 16000000u), 16000000u);   /* plain HSI */
  CHECK_EQ(peek(A_RCC_CR) & 0x01010000u, 0u);
  CHECK_EQ(f4_model_sysclk_hz(), 16000000u);
}

CASE(clock_deinit_restores_reset_state) {
  setup(F4_PART_F411XE);
  f4_model_rcc_set_hse(F4_HSE_CLOCK_IN, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 100000000u), 100000000u);
  hal_clock_deinit();
  CHECK_EQ(f4_model_sysclk_hz(), 16000000u);
  CHECK_EQ(peek(A_RCC_CR), 0x00000083u);
  CHECK_EQ(peek(A_RCC_CFGR), 0u);
  CHECK_EQ(peek(A_RCC_PLLCFGR), 0x24003010u);
  CHECK_EQ(peek(A_FLASH_ACR), 0u);
  CHECK_EQ(hal_clock_hclk_hz(), 16000000u);
  CHECK_EQ(peek(A_RCC_APB1ENR) & 0x10000000u, 0u); /* PWR clock off again */
  reg_model_write32(A_RCC_APB1ENR, 0x10000000u);
  CHECK_EQ(peek(A_PWR_CR) & 0xC000u, 0x8000u); /* VOS back to its reset value, scale 2 */
  /* Down before the wait states: the switch to HSI comes before FLASH_ACR = 0. */
  int32_t sw = -1;
  for (uint32_t i = 0; i < model_trace_count(); i++) {
    const struct model_write *w = model_trace(i);
    if (w->addr == A_RCC_CFGR && (w->value & 3u) == 0u && i > (uint32_t)find_write(A_RCC_CFGR, 2u, 0)) {
      sw = (int32_t)i;
      break;
    }
  }
  CHECK(sw >= 0 && sw < last_write(A_FLASH_ACR));
}

CASE(clock_reinit_from_pll) {
  setup(F4_PART_F411XE);
  f4_model_rcc_set_hse(F4_HSE_CLOCK_IN, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 100000000u), 100000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 84000000u), 84000000u);
  CHECK_EQ(f4_model_sysclk_hz(), 84000000u);
  CHECK_EQ(peek(A_PWR_CR) & 0xC000u, 0x8000u); /* back to scale 2: 84 MHz does not need scale 1 */
}

/* ---------------------------------------------------------------------------------------------------- */
/* USART                                                                                                 */

CASE(uart_8n1_115200_at_16mhz) {
  setup(F4_PART_F411XE);
  hal_uart_init(A_USART2, 16000000u, 115200u, false);
  CHECK_EQ(peek(A_RCC_APB1ENR) & (1u << 17), 1u << 17);
  CHECK_EQ(peek(A_USART2 + 0x0Cu), 0x200Cu); /* UE TE RE; M = 0, PCE = 0 */
  CHECK_EQ(peek(A_USART2 + 0x10u), 0u);      /* 1 stop bit */
  CHECK_EQ(peek(A_USART2 + 0x14u), 0u);
  CHECK_EQ(peek(A_USART2 + 0x08u), 0x8Bu);   /* 16e6 / 115200 = 138.9 -> 139: 8.6875 -> 115108 baud */
}

CASE(uart_8e1_configuration) {
  setup(F4_PART_F411XE);
  hal_uart_init(A_USART2, 16000000u, 115200u, true);
  CHECK_EQ(peek(A_USART2 + 0x0Cu), 0x340Cu); /* UE M PCE TE RE, PS = 0 (even) */
  CHECK_EQ(peek(A_USART2 + 0x08u), 0x8Bu);
}

CASE(uart_brr_84mhz_and_42mhz) {
  setup(F4_PART_F407XG);
  hal_uart_init(A_USART1, 84000000u, 115200u, false);
  CHECK_EQ(peek(A_RCC_APB2ENR) & (1u << 4), 1u << 4);
  CHECK_EQ(peek(A_USART1 + 0x08u), 0x2D9u); /* 729.2 -> 729 = 45 + 9/16 */
  hal_uart_init(A_USART2, 42000000u, 115200u, false);
  CHECK_EQ(peek(A_USART2 + 0x08u), 0x16Du); /* 364.6 -> 365 = 22 + 13/16 */
  hal_uart_init(A_USART2, 42000000u, 57600u, true);
  CHECK_EQ(peek(A_USART2 + 0x08u), 0x2D9u);
}

CASE(uart_brr_after_clock_init) {
  setup(F4_PART_F407XG);
  f4_model_rcc_set_hse(F4_HSE_CRYSTAL, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u, 168000000u), 168000000u);
  hal_uart_init(A_USART2, hal_clock_pclk_hz(A_USART2), 115200u, false);
  CHECK_EQ(peek(A_USART2 + 0x08u), 0x16Du);
}

CASE(uart_read_empty_returns_minus_one) {
  setup(F4_PART_F411XE);
  CHECK_EQ(hal_uart_read_byte(), -1); /* before init */
  hal_uart_init(A_USART2, 16000000u, 115200u, false);
  for (int i = 0; i < 10; i++) {
    CHECK_EQ(hal_uart_read_byte(), -1);
  }
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(uart_receive_in_order) {
  setup(F4_PART_F411XE);
  hal_uart_init(A_USART2, 16000000u, 115200u, false);
  static const uint8_t hello[] = {'h', 'e', 'l', 'l', 'o', 0x00, 0xFF};
  f4_model_uart_queue(A_USART2, hello, sizeof hello);
  for (uint32_t i = 0; i < sizeof hello; i++) {
    CHECK_EQ(hal_uart_read_byte(), hello[i]);
  }
  CHECK_EQ(hal_uart_read_byte(), -1);
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(uart_receive_overrun) {
  setup(F4_PART_F411XE);
  hal_uart_init(A_USART2, 16000000u, 115200u, false);
  CHECK(f4_model_uart_receive(A_USART2, 'A', 0));
  CHECK(!f4_model_uart_receive(A_USART2, 'B', 0)); /* arrives with RXNE set: ORE, B lost */
  CHECK_EQ(peek(A_USART2) & 0x28u, 0x28u);          /* RXNE and ORE */
  CHECK_EQ(hal_uart_read_byte(), 'A');              /* DR keeps the earlier byte */
  CHECK_EQ(peek(A_USART2) & 0x28u, 0u);             /* SR-then-DR cleared both */
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_ORE);
  CHECK_EQ(hal_uart_take_errors(), 0);
  CHECK_EQ(hal_uart_read_byte(), -1);
  CHECK(f4_model_uart_receive(A_USART2, 'C', 0));
  CHECK_EQ(hal_uart_read_byte(), 'C');
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(uart_receive_errors) {
  setup(F4_PART_F411XE);
  hal_uart_init(A_USART2, 16000000u, 115200u, true);
  CHECK(f4_model_uart_receive(A_USART2, 0x00, F4_MODEL_RX_FE)); /* a break */
  CHECK_EQ(hal_uart_read_byte(), -1);
  CHECK_EQ(peek(A_USART2) & 0x2Fu, 0u); /* RXNE and FE cleared */
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_FE);
  CHECK(f4_model_uart_receive(A_USART2, 0x55, F4_MODEL_RX_PE));
  CHECK_EQ(hal_uart_read_byte(), -1);
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_PE);
  CHECK(f4_model_uart_receive(A_USART2, 0x5A, F4_MODEL_RX_NE)); /* noise: delivered */
  CHECK_EQ(hal_uart_read_byte(), 0x5A);
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_NE);
  CHECK(f4_model_uart_receive(A_USART2, 0x7F, 0));
  CHECK_EQ(hal_uart_read_byte(), 0x7F);
}

CASE(uart_8e1_parity_bit_masked) {
  setup(F4_PART_F411XE);
  hal_uart_init(A_USART2, 16000000u, 115200u, true);
  CHECK(f4_model_uart_receive(A_USART2, 0x1A5u, 0)); /* bit 8: the received parity bit */
  CHECK_EQ(hal_uart_read_byte(), 0xA5);
}

CASE(uart_write_and_flush) {
  setup(F4_PART_F411XE);
  hal_uart_init(A_USART2, 16000000u, 115200u, false);
  static const uint8_t msg[] = {'O', 'K', '\r', '\n', 0x79, 0x1F};
  for (uint32_t i = 0; i < sizeof msg; i++) {
    hal_uart_write_byte(msg[i]);
  }
  hal_uart_flush();
  uint8_t out[16];
  CHECK_EQ(f4_model_uart_sent(A_USART2, out, sizeof out), sizeof msg);
  CHECK(memcmp(out, msg, sizeof msg) == 0);
  CHECK_EQ(peek(A_USART2) & 0xC0u, 0xC0u); /* TXE and TC */
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(uart_write_stuck_is_bounded) {
  setup(F4_PART_F411XE);
  hal_uart_init(A_USART2, 16000000u, 115200u, false);
  f4_model_uart_stick_tx(A_USART2, true);
  hal_uart_write_byte('a'); /* TDR was empty: accepted */
  uint64_t before = model_reads(A_USART2);
  hal_uart_write_byte('b'); /* TXE never comes back */
  uint64_t polls = model_reads(A_USART2) - before;
  CHECK_EQ(polls, 2u * (16000000u / 115200u + 1u) * 11u); /* two character times at one poll per cycle */
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_TX_TIMEOUT);
  hal_uart_flush();
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_TX_TIMEOUT);
  uint8_t out[4];
  CHECK_EQ(f4_model_uart_sent(A_USART2, out, sizeof out), 0);
}

CASE(uart_deinit_resets_instance) {
  setup(F4_PART_F411XE);
  hal_uart_init(A_USART2, 16000000u, 115200u, true);
  hal_uart_write_byte('z');
  hal_uart_deinit();
  uint8_t out[4];
  CHECK_EQ(f4_model_uart_sent(A_USART2, out, sizeof out), 1); /* flushed before it was switched off */
  CHECK_EQ(out[0], 'z');
  CHECK_EQ(peek(A_RCC_APB1ENR) & (1u << 17), 0u);
  int32_t set = find_write(A_RCC_APB1RSTR, 1u << 17, 0);
  CHECK(set >= 0 && last_write(A_RCC_APB1RSTR) > set);
  CHECK_EQ(peek(A_RCC_APB1RSTR), 0u);
  reg_model_write32(A_RCC_APB1ENR, 1u << 17);
  CHECK_EQ(peek(A_USART2 + 0x0Cu), 0u); /* registers at reset values */
  CHECK_EQ(peek(A_USART2 + 0x08u), 0u);
  CHECK_EQ(hal_uart_read_byte(), -1);    /* and the driver has let go */
}

CASE(uart_unknown_base_ignored) {
  setup(F4_PART_F411XE);
  hal_uart_init(0x40001000u, 16000000u, 115200u, false);
  hal_uart_init(A_USART2, 16000000u, 0u, false);
  hal_uart_init(A_USART2, 1000000u, 115200u, false); /* BRR below 16 */
  hal_uart_write_byte('x');
  hal_uart_flush();
  CHECK_EQ(hal_uart_read_byte(), -1);
  CHECK_EQ(model_trace_count(), 0);
}

/* ---------------------------------------------------------------------------------------------------- */
/* GPIO                                                                                                  */

CASE(gpio_trigger_pc13_pull_up) {
  setup(F4_PART_F411XE);
  hal_gpio_input_init(2, 13, HAL_GPIO_PULL_UP);
  CHECK_EQ(peek(A_RCC_AHB1ENR) & 0x4u, 0x4u);
  CHECK_EQ((peek(A_GPIOC + 0x00u) >> 26) & 3u, 0u); /* MODER13 input */
  CHECK_EQ((peek(A_GPIOC + 0x0Cu) >> 26) & 3u, 1u); /* PUPDR13 pull-up */
  CHECK(hal_gpio_read(2, 13));                       /* released: the pull-up wins */
  f4_model_gpio_drive(2, 13, 0);                     /* B1 pressed */
  CHECK(!hal_gpio_read(2, 13));
  f4_model_gpio_drive(2, 13, -1);
  CHECK(hal_gpio_read(2, 13));
}

CASE(gpio_trigger_pa0_pull_down) {
  setup(F4_PART_F407XG);
  hal_gpio_input_init(0, 0, HAL_GPIO_PULL_DOWN);
  CHECK(!hal_gpio_read(0, 0));
  f4_model_gpio_drive(0, 0, 1);
  CHECK(hal_gpio_read(0, 0));
  CHECK_EQ(peek(A_GPIOA + 0x00u), 0xA8000000u); /* PA13-15 (SWD) untouched */
  CHECK_EQ(peek(A_GPIOA + 0x0Cu), 0x64000002u);
}

CASE(gpio_af_uart_pins) {
  setup(F4_PART_F411XE);
  hal_gpio_af_init(0, 2, 7);
  hal_gpio_af_init(0, 3, 7);
  CHECK_EQ(peek(A_GPIOA + 0x20u), 0x00007700u);           /* AFRL: AF7 on 2 and 3 */
  CHECK_EQ(peek(A_GPIOA + 0x00u), 0xA80000A0u);           /* MODER: AF on 2 and 3, SWD kept */
  CHECK_EQ(peek(A_GPIOA + 0x0Cu), 0x64000050u);           /* pull-ups on 2 and 3 */
  CHECK_EQ(peek(A_GPIOA + 0x04u) & 0xCu, 0u);             /* push-pull */
  /* The function was selected before the mode: AFRL written before MODER, for each pin. */
  int32_t afr = find_write(A_GPIOA + 0x20u, 0x700u, 0);
  int32_t mode = find_write(A_GPIOA + 0x00u, 0x20u, 0);
  CHECK(afr >= 0 && mode > afr);
}

CASE(gpio_af_high_pins) {
  setup(F4_PART_F405XG);
  hal_gpio_af_init(0, 9, 7);
  hal_gpio_af_init(0, 10, 7);
  CHECK_EQ(peek(A_GPIOA + 0x24u), 0x00000770u); /* AFRH */
  CHECK_EQ(peek(A_GPIOA + 0x20u), 0u);
  CHECK_EQ((peek(A_GPIOA + 0x00u) >> 18) & 0xFu, 0xAu);
}

CASE(gpio_invalid_arguments_ignored) {
  setup(F4_PART_F407XG);
  hal_gpio_input_init(9, 0, HAL_GPIO_PULL_UP);
  hal_gpio_input_init(0, 16, HAL_GPIO_PULL_UP);
  hal_gpio_input_init(0, 1, 3);
  hal_gpio_af_init(0, 2, 16);
  hal_gpio_pin_reset(9, 0);
  hal_gpio_pin_reset(0, 16);
  hal_gpio_clock_off(9);
  CHECK(!hal_gpio_read(9, 0));
  CHECK_EQ(model_trace_count(), 0);
}

CASE(gpio_pin_reset_restores_reset_mode) {
  setup(F4_PART_F411XE);
  hal_gpio_af_init(0, 2, 7);
  hal_gpio_af_init(0, 3, 7);
  hal_gpio_input_init(0, 13, HAL_GPIO_PULL_DOWN); /* even a debug pin goes back to its own reset mode */
  hal_gpio_pin_reset(0, 2);
  hal_gpio_pin_reset(0, 3);
  hal_gpio_pin_reset(0, 13);
  CHECK_EQ(peek(A_GPIOA + 0x00u), 0xA8000000u); /* MODER: PA13-15 SWD (AF), the rest input */
  CHECK_EQ(peek(A_GPIOA + 0x04u), 0u);
  CHECK_EQ(peek(A_GPIOA + 0x08u), 0x0C000000u); /* OSPEEDR */
  CHECK_EQ(peek(A_GPIOA + 0x0Cu), 0x64000000u); /* PUPDR */
  CHECK_EQ(peek(A_GPIOA + 0x20u), 0u);          /* AFRL */
  hal_gpio_af_init(1, 6, 7);                    /* PB6: USART1_TX on F411 */
  hal_gpio_pin_reset(1, 6);
  CHECK_EQ(peek(A_GPIOB + 0x00u), 0x00000280u);
  CHECK_EQ(peek(A_GPIOB + 0x0Cu), 0x00000100u);
}

CASE(gpio_clock_off) {
  setup(F4_PART_F411XE);
  hal_gpio_input_init(2, 13, HAL_GPIO_PULL_UP);
  CHECK_EQ(peek(A_RCC_AHB1ENR) & 0x4u, 0x4u);
  hal_gpio_pin_reset(2, 13);
  hal_gpio_clock_off(2);
  CHECK_EQ(peek(A_RCC_AHB1ENR) & 0x4u, 0u);
  reg_model_write32(A_RCC_AHB1ENR, 0x4u);
  CHECK_EQ(peek(A_GPIOC + 0x00u), 0u);
  CHECK_EQ(peek(A_GPIOC + 0x0Cu), 0u);
}

/* ---------------------------------------------------------------------------------------------------- */
/* SysTick                                                                                               */

CASE(tick_init_1khz) {
  setup(F4_PART_F411XE);
  hal_tick_init(84000000u);
  CHECK_EQ(peek(A_STK_LOAD), 83999u);
  CHECK_EQ(peek(A_STK_VAL), 0u);
  CHECK_EQ(peek(A_STK_CTRL) & 7u, 7u); /* processor clock, interrupt, enabled */
  CHECK_EQ(hal_millis(), 0);
  for (int i = 0; i < 3; i++) {
    SysTick_Handler();
  }
  CHECK_EQ(hal_millis(), 3);
  hal_tick_init(16000000u);
  CHECK_EQ(peek(A_STK_LOAD), 15999u);
  CHECK_EQ(hal_millis(), 0);
}

CASE(tick_deinit_clears_pending) {
  setup(F4_PART_F411XE);
  hal_tick_init(16000000u);
  f4_model_systick_pend();
  hal_tick_deinit();
  CHECK_EQ(peek(A_STK_CTRL) & 7u, 0u);
  CHECK_EQ(peek(A_STK_LOAD), 0u);
  CHECK(!f4_model_systick_pending());
  CHECK_EQ(write_value(last_write(A_ICSR)), 0x02000000u); /* PENDSTCLR alone */
}

/* ---------------------------------------------------------------------------------------------------- */
/* The model itself, driven by raw register accesses: it must follow RM0090, or it proves nothing        */

static void raw_unlock(void) {
  reg_model_write32(A_FLASH_KEYR, 0x45670123u);
  reg_model_write32(A_FLASH_KEYR, 0xCDEF89ABu);
  CHECK(!f4_model_flash_locked());
}

static void raw_wait(void) {
  for (int i = 0; i < 1000 && (reg_model_read32(A_FLASH_SR) & SR_BSY) != 0u; i++) {
  }
}

CASE(model_store_without_pg_is_pgserr) {
  setup(F4_PART_F411XE);
  reg_model_write32(0x08008000u, 0u); /* locked: PG cannot be set */
  CHECK_EQ(peek(A_FLASH_SR), 0x80u);   /* PGSERR, no BSY */
  raw_unlock();
  reg_model_write32(A_FLASH_SR, 0x80u);
  reg_model_write32(A_FLASH_CR, 0x200u); /* PSIZE x32 but no PG */
  reg_model_write32(0x08008000u, 0u);
  CHECK_EQ(peek(A_FLASH_SR), 0x80u);
  reg_model_write32(A_FLASH_SR, 0x80u);
  reg_model_write32(A_FLASH_CR, 0x203u); /* PG with SER */
  reg_model_write32(0x08008000u, 0u);
  CHECK_EQ(peek(A_FLASH_SR), 0x80u);
  CHECK_EQ(f4_model_flash_word(0x08008000u), 0xFFFFFFFFu);
}

CASE(model_psize_mismatch_is_pgperr) {
  setup(F4_PART_F411XE);
  raw_unlock();
  for (uint32_t psize = 0; psize < 4u; psize++) {
    reg_model_write32(A_FLASH_SR, 0xF3u);
    reg_model_write32(A_FLASH_CR, (psize << 8) | 1u);
    reg_model_write32(0x08008000u + 4u * psize, 0u);
    raw_wait();
    CHECK_EQ(peek(A_FLASH_SR) & 0x40u, psize == 2u ? 0u : 0x40u);
  }
  CHECK_EQ(f4_model_stats()->flash_programs, 1);
}

CASE(model_misaligned_is_pgaerr) {
  setup(F4_PART_F411XE);
  raw_unlock();
  reg_model_write32(A_FLASH_CR, 0x201u);
  reg_model_write32(0x08008002u, 0u);
  CHECK_EQ(peek(A_FLASH_SR), 0x20u);
  reg_model_write32(A_FLASH_SR, 0x20u);
  reg_model_write32(A_FLASH_CR, 0x02000201u); /* with ERRIE, OPERR comes too */
  reg_model_write32(0x08008001u, 0u);
  CHECK_EQ(peek(A_FLASH_SR), 0x22u);
}

CASE(model_locked_cr_write_rejected) {
  setup(F4_PART_F411XE);
  reg_model_write32(A_FLASH_CR, 0x201u);
  CHECK_EQ(peek(A_FLASH_CR), 0x80000000u);
  CHECK_EQ(f4_model_stats()->cr_writes_rejected, 1);
  expect_violation("while locked");
  model_clear_violations();
}

CASE(model_status_write_one_to_clear) {
  setup(F4_PART_F411XE);
  raw_unlock();
  reg_model_write32(A_FLASH_CR, 0x001u);    /* PSIZE x8 */
  reg_model_write32(0x08008000u, 0u);        /* PGPERR */
  reg_model_write32(A_FLASH_CR, 0x201u);
  reg_model_write32(0x08008001u, 0u);        /* PGAERR */
  CHECK_EQ(peek(A_FLASH_SR), 0x60u);
  reg_model_write32(A_FLASH_SR, 0u);         /* zeros clear nothing */
  CHECK_EQ(peek(A_FLASH_SR), 0x60u);
  reg_model_write32(A_FLASH_SR, 0x20u);      /* one flag */
  CHECK_EQ(peek(A_FLASH_SR), 0x40u);
  reg_model_write32(A_FLASH_SR, 0x40u);
  CHECK_EQ(peek(A_FLASH_SR), 0u);
}

CASE(model_eop_needs_eopie) {
  setup(F4_PART_F411XE);
  raw_unlock();
  reg_model_write32(A_FLASH_CR, 0x201u);
  reg_model_write32(0x08008000u, 0u);
  raw_wait();
  CHECK_EQ(peek(A_FLASH_SR), 0u); /* no EOP without EOPIE */
  reg_model_write32(A_FLASH_CR, 0x01000201u);
  reg_model_write32(0x08008004u, 0u);
  raw_wait();
  CHECK_EQ(peek(A_FLASH_SR), 1u);
}

CASE(model_bsy_lasts_the_modelled_polls) {
  setup(F4_PART_F411XE);
  f4_model_flash_set_busy_polls(3, 7);
  raw_unlock();
  reg_model_write32(A_FLASH_CR, 0x201u);
  reg_model_write32(0x08008000u, 0x12345678u);
  for (int i = 0; i < 3; i++) {
    CHECK_EQ(reg_model_read32(A_FLASH_SR) & SR_BSY, SR_BSY);
  }
  CHECK_EQ(reg_model_read32(A_FLASH_SR) & SR_BSY, 0u);
  CHECK_EQ(f4_model_flash_word(0x08008000u), 0x12345678u);
  reg_model_write32(A_FLASH_CR, 0x202u | (2u << 3)); /* PSIZE x32, SER, SNB 2 */
  reg_model_write32(A_FLASH_CR, 0x10202u | (2u << 3)); /* + STRT */
  for (int i = 0; i < 7; i++) {
    CHECK_EQ(reg_model_read32(A_FLASH_SR) & SR_BSY, SR_BSY);
    CHECK_EQ(peek(A_FLASH_CR) & 0x10000u, 0x10000u); /* STRT stays set while busy */
  }
  CHECK_EQ(reg_model_read32(A_FLASH_SR) & SR_BSY, 0u);
  CHECK_EQ(peek(A_FLASH_CR) & 0x10000u, 0u);
  CHECK_EQ(f4_model_flash_word(0x08008000u), 0xFFFFFFFFu);
}

CASE(model_program_only_clears_bits) {
  setup(F4_PART_F411XE);
  f4_model_flash_poke(0x08008000u, 0xFF00FF00u);
  raw_unlock();
  reg_model_write32(A_FLASH_CR, 0x201u);
  reg_model_write32(0x08008000u, 0xF0F0F0F0u);
  raw_wait();
  CHECK_EQ(f4_model_flash_word(0x08008000u), 0xF000F000u);
  CHECK_EQ(peek(A_FLASH_SR), 0u); /* RM0090: no flag for it */
}

CASE(model_cr_write_while_busy_stalls) {
  setup(F4_PART_F411XE);
  raw_unlock();
  reg_model_write32(A_FLASH_CR, 0x201u);
  reg_model_write32(0x08008000u, 0u);
  CHECK_EQ(peek(A_FLASH_SR) & SR_BSY, SR_BSY);
  reg_model_write32(A_FLASH_CR, 0x80000000u);
  CHECK_EQ(f4_model_stats()->bus_stalls, 1);
  CHECK_EQ(peek(A_FLASH_SR) & SR_BSY, 0u); /* the write waited for the end */
  CHECK(f4_model_flash_locked());
  expect_violation("stalled");
  model_clear_violations();
}

CASE(model_clock_rules) {
  setup(F4_PART_F407XG);
  f4_model_rcc_set_hse(F4_HSE_CRYSTAL, 8000000u);
  /* PLL at 168 MHz and a switch to it with 0 wait states: the model must object. */
  reg_model_write32(A_RCC_CR, 0x00010083u);
  while ((reg_model_read32(A_RCC_CR) & 0x00020000u) == 0u) {
  }
  reg_model_write32(A_RCC_PLLCFGR, 4u | (168u << 6) | (1u << 22) | (7u << 24) | (1u << 29));
  reg_model_write32(A_RCC_CFGR, (5u << 10) | (4u << 13));
  reg_model_write32(A_RCC_CR, 0x01010083u);
  while ((reg_model_read32(A_RCC_CR) & 0x02000000u) == 0u) {
  }
  reg_model_write32(A_RCC_CFGR, (5u << 10) | (4u << 13) | 2u);
  CHECK_EQ(f4_model_sysclk_hz(), 168000000u);
  expect_violation("needs 5 flash wait states");
  model_clear_violations();
  reg_model_write32(A_RCC_PLLCFGR, 0x24003010u); /* PLL running */
  expect_violation("PLL is on");
  model_clear_violations();
}

/* ---------------------------------------------------------------------------------------------------- */

static const struct test_case s_cases[] = {
    ENTRY(flash_unlock_sequence)
    ENTRY(flash_unlock_refused_after_wrong_key)
    ENTRY(flash_unlock_wrong_order_locks_out)
    ENTRY(flash_erase_each_sector_f411)
    ENTRY(flash_erase_each_sector_f401)
    ENTRY(flash_erase_each_sector_f407)
    ENTRY(flash_erase_sector_out_of_range)
    ENTRY(flash_size_unreadable_assumes_1mb)
    ENTRY(flash_erase_flushes_caches)
    ENTRY(flash_program_words)
    ENTRY(flash_program_last_word_of_flash)
    ENTRY(flash_program_misaligned_refused)
    ENTRY(flash_program_out_of_range_refused)
    ENTRY(flash_program_not_erased_fails_verify)
    ENTRY(flash_wrp_program)
    ENTRY(flash_wrp_erase)
    ENTRY(flash_error_wrperr_maps)
    ENTRY(flash_error_pgaerr_maps)
    ENTRY(flash_error_pgperr_maps)
    ENTRY(flash_error_pgserr_maps)
    ENTRY(flash_error_operr_maps)
    ENTRY(flash_error_priority)
    ENTRY(flash_stale_flags_cleared_first)
    ENTRY(flash_busy_stuck_erase_resets)
    ENTRY(flash_busy_stuck_program_resets)
    ENTRY(flash_busy_late_erase_still_locks)
    ENTRY(flash_busy_late_program_still_locks)
    ENTRY(flash_busy_before_operation_resets)
    ENTRY(flash_lock_waits_for_busy)
    ENTRY(flash_busy_bound_follows_hclk)
    ENTRY(flash_erase_serves_the_watchdog)
    ENTRY(compat_erase_then_program)
    ENTRY(compat_refuses_without_unlock)
    ENTRY(compat_unsupported_requests)
    ENTRY(compat_erase_error_names_sector)
    ENTRY(compat_slow_flash)
    ENTRY(clock_f411_hse_bypass_100mhz)
    ENTRY(clock_f407_hse_crystal_168mhz)
    ENTRY(clock_f401_hsi_pll_84mhz)
    ENTRY(clock_f405_hse_25mhz_168mhz)
    ENTRY(clock_fallback_hse_never_ready)
    ENTRY(clock_fallback_bypass_not_requested)
    ENTRY(clock_fallback_pll_never_locks)
    ENTRY(clock_invalid_requests_stay_on_hsi)
    ENTRY(clock_deinit_restores_reset_state)
    ENTRY(clock_reinit_from_pll)
    ENTRY(uart_8n1_115200_at_16mhz)
    ENTRY(uart_8e1_configuration)
    ENTRY(uart_brr_84mhz_and_42mhz)
    ENTRY(uart_brr_after_clock_init)
    ENTRY(uart_read_empty_returns_minus_one)
    ENTRY(uart_receive_in_order)
    ENTRY(uart_receive_overrun)
    ENTRY(uart_receive_errors)
    ENTRY(uart_8e1_parity_bit_masked)
    ENTRY(uart_write_and_flush)
    ENTRY(uart_write_stuck_is_bounded)
    ENTRY(uart_deinit_resets_instance)
    ENTRY(uart_unknown_base_ignored)
    ENTRY(gpio_trigger_pc13_pull_up)
    ENTRY(gpio_trigger_pa0_pull_down)
    ENTRY(gpio_af_uart_pins)
    ENTRY(gpio_af_high_pins)
    ENTRY(gpio_invalid_arguments_ignored)
    ENTRY(gpio_pin_reset_restores_reset_mode)
    ENTRY(gpio_clock_off)
    ENTRY(tick_init_1khz)
    ENTRY(tick_deinit_clears_pending)
    ENTRY(model_store_without_pg_is_pgserr)
    ENTRY(model_psize_mismatch_is_pgperr)
    ENTRY(model_misaligned_is_pgaerr)
    ENTRY(model_locked_cr_write_rejected)
    ENTRY(model_status_write_one_to_clear)
    ENTRY(model_eop_needs_eopie)
    ENTRY(model_bsy_lasts_the_modelled_polls)
    ENTRY(model_program_only_clears_bits)
    ENTRY(model_cr_write_while_busy_stalls)
    ENTRY(model_clock_rules)
};
CASE_TABLE(g_driver_cases, s_cases);
