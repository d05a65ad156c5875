/*
 * Named test cases for the STM32F0 drivers against the register model.
 *   ./cases --list      one case name per line (sorted)
 *   ./cases NAME        runs one case in a fresh model; prints "PASS NAME" or "FAIL NAME: ..." (exit 1)
 *
 * Expected register values are written as literals from RM0091, not with stm32f0_regs.h's names, so a wrong
 * constant in the driver's header fails here. Every case ends by requiring that the model recorded no
 * violation (an access the hardware would ignore or refuse), unless the case expects one.
 */
#include "tsboot_hal.h"

#include "case_harness.h"
#include "f0_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The F0-only clock request flag (stm32f0_regs.h's STM32F0_CLOCK_HSI48), written out here. */
#define F0_CLOCK_HSI48 0x40000000u

/* ---------------------------------------------------------------------------------------------------- */

#define A_FLASH_ACR 0x40022000u
#define A_FLASH_KEYR 0x40022004u
#define A_FLASH_OPTKEYR 0x40022008u
#define A_FLASH_SR 0x4002200Cu
#define A_FLASH_CR 0x40022010u
#define A_FLASH_AR 0x40022014u
#define A_FLASH_OBR 0x4002201Cu
#define A_FLASH_WRPR 0x40022020u
#define A_OB 0x1FFFF800u
#define A_RCC_CR 0x40021000u
#define A_RCC_CFGR 0x40021004u
#define A_RCC_APB1RSTR 0x40021010u
#define A_RCC_AHBENR 0x40021014u
#define A_RCC_APB2ENR 0x40021018u
#define A_RCC_APB1ENR 0x4002101Cu
#define A_RCC_CSR 0x40021024u
#define A_RCC_CFGR2 0x4002102Cu
#define A_RCC_CFGR3 0x40021030u
#define A_RCC_CR2 0x40021034u
#define A_SYSCFG_CFGR1 0x40010000u
#define A_DMA_ISR 0x40020000u
#define A_DMA_IFCR 0x40020004u
#define A_DMA_CCR5 0x40020058u
#define A_DMA_CNDTR5 0x4002005Cu
#define A_DMA_CPAR5 0x40020060u
#define A_DMA_CMAR5 0x40020064u
#define A_DMA_CCR3 0x40020030u
#define A_DMA_CPAR3 0x40020038u
#define A_GPIOA 0x48000000u
#define A_GPIOC 0x48000800u
#define A_USART1 0x40013800u
#define A_USART2 0x40004400u
#define A_USART3 0x40004800u
#define A_USART2_CR1 0x40004400u
#define A_USART2_CR2 0x40004404u
#define A_USART2_CR3 0x40004408u
#define A_USART2_BRR 0x4000440Cu
#define A_USART2_ISR 0x4000441Cu
#define A_USART2_ICR 0x40004420u
#define A_USART2_RDR 0x40004424u
#define A_IWDG_KR 0x40003000u
#define A_IWDG_PR 0x40003004u
#define A_IWDG_RLR 0x40003008u
#define A_IWDG_SR 0x4000300Cu
#define A_STK_CTRL 0xE000E010u
#define A_STK_LOAD 0xE000E014u
#define A_STK_VAL 0xE000E018u
#define A_NVIC_ISER 0xE000E100u
#define A_NVIC_ISPR 0xE000E200u
#define A_ICSR 0xE000ED04u
#define A_AIRCR 0xE000ED0Cu
#define A_FAULT 0x20003FF0u /* the model build's BOARD_FAULT_RECORD_ADDR */

#define SR_BSY 0x01u
#define SR_PGERR 0x04u
#define SR_WRPRTERR 0x10u
#define SR_EOP 0x20u
#define CR_PG 0x01u
#define CR_PER 0x02u
#define CR_STRT 0x40u
#define CR_LOCK 0x80u
#define MHZ 1000000u
#define PAGE 2048u

/* ---------------------------------------------------------------------------------------------------- */
/* Harness (the shared part: test/support/c/case_harness.h)                                              */

/* Runs stmt, which must end in a system reset (the model longjmps back here); fails if it returns. */
#define EXPECT_RESET(stmt) EXPECT_RESET_VIA(f0_model_catch_reset, stmt)

/* The F0's cases register themselves (a constructor each) instead of being listed in a table, and
 * `--list` prints them sorted by name: CASE here replaces case_harness.h's table form. */
#define MAX_CASES 256u
static struct test_case s_cases[MAX_CASES];
static uint32_t s_case_count = 0;
static void add_case(const char *name, void (*fn)(void)) {
  if (s_case_count < MAX_CASES) {
    s_cases[s_case_count++] = (struct test_case){name, fn, __FILE__};
  }
}
#undef CASE
#define CASE(name)                                                                                             \
  static void case_##name(void);                                                                               \
  __attribute__((constructor)) static void register_##name(void) { add_case(#name, case_##name); }              \
  static void case_##name(void)

static void setup(void) { f0_model_reset(); }
static uint32_t peek(uint32_t addr) { return f0_model_peek(addr); }
static uint32_t sr_errors(void) { return peek(A_FLASH_SR) & (SR_PGERR | SR_WRPRTERR); }

static void check_page_erased(uint32_t page) {
  uint32_t start = 0x08000000u + page * PAGE;
  for (uint32_t a = start; a < start + PAGE; a += 4u) {
    if (f0_model_flash_word(a) != 0xFFFFFFFFu) {
      FAIL("page %u not erased at 0x%08X", (unsigned)page, (unsigned)a);
    }
  }
}

static uint32_t program(uint32_t address, uint16_t half) {
  const uint8_t bytes[2] = {(uint8_t)half, (uint8_t)(half >> 8)};
  return hal_flash_program_unit(address, bytes);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash: unlock / lock                                                                                  */

CASE(flash_unlock_sequence) {
  setup();
  CHECK(f0_model_flash_locked());
  CHECK_EQ(peek(A_FLASH_CR), 0x80u); /* FLASH_CR reset value */
  CHECK_EQ(hal_flash_unlock(), HAL_OK);
  CHECK(!f0_model_flash_locked());
  CHECK_EQ(writes_to(A_FLASH_KEYR), 2);
  CHECK_EQ(write_value(find_write(A_FLASH_KEYR, 0, 0)), 0x45670123u);
  CHECK_EQ(write_value(last_write(A_FLASH_KEYR)), 0xCDEF89ABu);
  CHECK_EQ(hal_flash_unlock(), HAL_OK); /* already unlocked: no key (a key now is a wrong sequence) */
  CHECK_EQ(writes_to(A_FLASH_KEYR), 2);
  hal_flash_lock();
  CHECK(f0_model_flash_locked());
  CHECK_EQ(write_value(last_write(A_FLASH_CR)), 0x80u);
  hal_flash_lock(); /* already locked: no write to a locked FLASH_CR */
  CHECK_EQ(writes_to(A_FLASH_CR), 1);
  CHECK_EQ(f0_model_stats()->bus_errors, 0);
}

CASE(flash_unlock_refused_after_wrong_key) {
  setup();
  reg_model_write32(A_FLASH_KEYR, 0x12345678u);
  CHECK(f0_model_flash_locked_out());
  f0_model_flash_poke16(0x08004000u, 0u);
  CHECK_EQ(hal_flash_unlock(), HAL_ERR_LOCKED);
  CHECK_EQ(hal_flash_erase_unit(8), HAL_ERR_LOCKED);
  CHECK_EQ(program(0x08004002u, 0x1234u), HAL_ERR_LOCKED);
  CHECK_EQ(f0_model_flash_half(0x08004000u), 0u); /* nothing erased */
  CHECK_EQ(f0_model_flash_half(0x08004002u), 0xFFFFu);
  CHECK_EQ(f0_model_stats()->cr_writes_rejected, 0); /* the driver never wrote the locked FLASH_CR */
  expect_violation("bus error, FLASH_CR locked until reset");
  expect_violation("after a lockout");
  model_clear_violations();
  f0_model_power_cycle(); /* only a reset ends the lockout */
  CHECK_EQ(hal_flash_unlock(), HAL_OK);
  hal_flash_lock();
}

CASE(flash_unlock_wrong_order_locks_out) {
  setup();
  reg_model_write32(A_FLASH_KEYR, 0xCDEF89ABu); /* KEY2 first */
  reg_model_write32(A_FLASH_KEYR, 0x45670123u);
  CHECK(f0_model_flash_locked_out());
  CHECK(f0_model_flash_locked());
  expect_violation("bus error, FLASH_CR locked until reset");
  model_clear_violations();
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash: page erase                                                                                     */

CASE(flash_write_unit_is_a_half_word) {
  setup();
  CHECK_EQ(hal_flash_write_unit(), 2);
}

CASE(flash_erase_each_page) {
  setup();
  CHECK_EQ(f0_model_flash_page_count(), 64);
  for (uint32_t page = 0; page < 64u; page++) {
    uint32_t start = 0x08000000u + page * PAGE;
    f0_model_flash_poke16(start, 0u);
    f0_model_flash_poke16(start + PAGE - 2u, 0u);
    if (page + 1u < 64u) {
      f0_model_flash_poke16(start + PAGE, 0x1111u); /* the next page must survive */
    }
    model_trace_clear();
    CHECK_EQ(hal_flash_erase_unit(page), HAL_OK);
    /* RM0091 "Page erase": PER, then FLASH_AR, then STRT, in three writes. */
    int32_t per = find_write(A_FLASH_CR, CR_PER, 0);
    int32_t ar = find_write(A_FLASH_AR, 0, 0);
    int32_t strt = find_write(A_FLASH_CR, CR_PER | CR_STRT, 0);
    CHECK(per >= 0 && ar > per && strt > ar);
    CHECK_EQ(write_value(per), CR_PER);
    CHECK_EQ(write_value(ar), start);
    CHECK_EQ(write_value(strt), CR_PER | CR_STRT);
    check_page_erased(page);
    if (page + 1u < 64u) {
      CHECK_EQ(f0_model_flash_half(start + PAGE), 0x1111u);
    }
    CHECK(f0_model_flash_locked());
    CHECK_EQ(peek(A_FLASH_SR), 0); /* EOP cleared by writing it */
    CHECK_EQ(f0_model_stats()->flash_erases, page + 1u);
  }
}

CASE(flash_erase_page_out_of_range) {
  setup();
  CHECK_EQ(hal_flash_erase_unit(64), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_erase_unit(0xFFFFFFFFu), HAL_ERR_ARG);
  CHECK_EQ(model_trace_count(), 0); /* nothing touched */
}

CASE(flash_size_from_fsize) {
  setup();
  f0_model_set_fsize_kb(64); /* an STM32F072x8 */
  CHECK_EQ(hal_flash_erase_unit(31), HAL_OK);
  CHECK_EQ(hal_flash_erase_unit(32), HAL_ERR_ARG);
  CHECK_EQ(program(0x0800FFFEu, 0x1234u), HAL_OK);
  CHECK_EQ(program(0x08010000u, 0x1234u), HAL_ERR_ARG);
  CHECK(!hal_flash_wrp_active(32));
}

CASE(flash_size_blank_assumes_128k) {
  setup();
  f0_model_set_fsize_kb(0xFFFFu);
  CHECK_EQ(hal_flash_erase_unit(63), HAL_OK);
  CHECK_EQ(hal_flash_erase_unit(64), HAL_ERR_ARG);
}

CASE(flash_erase_wrp_refused) {
  setup();
  f0_model_options_set(0xAA, 0xFF, 0xFF, 0xFF, ~0x3u); /* WRP bits 0 and 1: pages 0-3 */
  f0_model_flash_poke16(0x08000800u, 0x1234u);
  CHECK_EQ(hal_flash_erase_unit(1), HAL_ERR_WRP);
  CHECK_EQ(f0_model_flash_half(0x08000800u), 0x1234u);
  CHECK_EQ(sr_errors(), 0); /* WRPRTERR cleared */
  CHECK(f0_model_flash_locked());
  CHECK_EQ(hal_flash_erase_unit(4), HAL_OK);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash: half-word programming                                                                          */

CASE(flash_program_half_words) {
  setup();
  static const uint16_t halves[] = {0x1234u, 0xBEEFu, 0u, 0xFFFFu, 0x00FFu};
  for (uint32_t i = 0; i < 5u; i++) {
    CHECK_EQ(program(0x08004000u + 2u * i, halves[i]), HAL_OK);
    CHECK(f0_model_flash_locked());
  }
  for (uint32_t i = 0; i < 5u; i++) {
    CHECK_EQ(f0_model_flash_half(0x08004000u + 2u * i), halves[i]);
  }
  CHECK_EQ(f0_model_flash_half(0x0800400Au), 0xFFFFu);
  CHECK_EQ(f0_model_flash_half(0x08003FFEu), 0xFFFFu);
  CHECK_EQ(f0_model_stats()->flash_programs, 5);
  /* Every store into flash was a half-word made with exactly PG in FLASH_CR. */
  uint32_t stores = 0;
  for (uint32_t i = 0; i < model_trace_count(); i++) {
    const struct model_write *w = model_trace(i);
    if (w->addr >= 0x08000000u && w->addr < 0x08020000u) {
      CHECK_EQ(w->width, 16);
      CHECK_EQ(w->flash_cr_before[0], CR_PG);
      stores++;
    }
  }
  CHECK_EQ(stores, 5);
}

CASE(flash_program_byte_order) {
  setup();
  const uint8_t bytes[2] = {0x34u, 0x12u};
  CHECK_EQ(hal_flash_program_unit(0x08006000u, bytes), HAL_OK);
  CHECK_EQ(f0_model_flash_half(0x08006000u), 0x1234u); /* little-endian: data[0] at the lower address */
}

CASE(flash_program_last_half_word) {
  setup();
  CHECK_EQ(program(0x0801FFFEu, 0xA5A5u), HAL_OK);
  CHECK_EQ(f0_model_flash_half(0x0801FFFEu), 0xA5A5u);
}

CASE(flash_program_misaligned_refused) {
  setup();
  CHECK_EQ(program(0x08004001u, 0u), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_program_unit(0x08004000u, NULL), HAL_ERR_ARG);
  CHECK_EQ(model_trace_count(), 0);
}

CASE(flash_program_out_of_range_refused) {
  setup();
  CHECK_EQ(program(0x08020000u, 0u), HAL_ERR_ARG);
  CHECK_EQ(program(0x07FFFFFEu, 0u), HAL_ERR_ARG);
  CHECK_EQ(program(0x20000000u, 0u), HAL_ERR_ARG);
  CHECK_EQ(program(0xFFFFFFFEu, 0u), HAL_ERR_ARG);
  CHECK_EQ(model_trace_count(), 0);
}

CASE(flash_program_not_erased_is_pgerr) {
  setup();
  f0_model_flash_poke16(0x08004000u, 0x00FFu);
  CHECK_EQ(program(0x08004000u, 0x0F0Fu), HAL_ERR_OPERATION); /* F0's PGERR */
  CHECK_EQ(f0_model_flash_half(0x08004000u), 0x00FFu);       /* skipped, not ANDed */
  CHECK_EQ(sr_errors(), 0);                                   /* PGERR cleared by writing it */
  CHECK_EQ(write_value(find_write(A_FLASH_SR, SR_PGERR, 0)), SR_PGERR);
  CHECK(f0_model_flash_locked());
  /* The next operation is not blamed for it. */
  CHECK_EQ(program(0x08004002u, 0x1234u), HAL_OK);
}

CASE(flash_program_zero_over_anything) {
  setup();
  /* RM0091: a non-erased half-word raises PGERR "except when 0x0000 is programmed": it is written. */
  f0_model_flash_poke16(0x08004000u, 0x5A5Au);
  CHECK_EQ(program(0x08004000u, 0x0000u), HAL_OK);
  CHECK_EQ(f0_model_flash_half(0x08004000u), 0u);
}

CASE(flash_program_read_back_catches_a_weak_cell) {
  setup();
  f0_model_flash_weak_bits(0x08004000u, 0x0100u); /* programs without a flag, but bit 8 stays 0 */
  CHECK_EQ(program(0x08004000u, 0xFFFFu), HAL_ERR_VERIFY);
  CHECK(f0_model_flash_locked());
}

CASE(flash_program_wrp_refused) {
  setup();
  f0_model_options_set(0xAA, 0xFF, 0xFF, 0xFF, ~0x1u); /* pages 0-1 */
  CHECK_EQ(program(0x08000100u, 0x1234u), HAL_ERR_WRP);
  CHECK_EQ(f0_model_flash_half(0x08000100u), 0xFFFFu);
  CHECK_EQ(sr_errors(), 0);
  CHECK(f0_model_flash_locked());
  CHECK_EQ(program(0x08001000u, 0x1234u), HAL_OK); /* page 2 is not protected */
}

CASE(flash_error_priority) {
  setup();
  f0_model_flash_inject_error(SR_PGERR | SR_WRPRTERR);
  CHECK_EQ(hal_flash_erase_unit(10), HAL_ERR_WRP);
  CHECK_EQ(sr_errors(), 0);
  f0_model_flash_inject_error(SR_PGERR);
  CHECK_EQ(hal_flash_erase_unit(10), HAL_ERR_OPERATION);
  CHECK_EQ(sr_errors(), 0);
  CHECK(f0_model_flash_locked());
}

CASE(flash_stale_flags_cleared_first) {
  setup();
  f0_model_flash_inject_error(SR_PGERR);
  CHECK_EQ(hal_flash_erase_unit(10), HAL_ERR_OPERATION);
  /* A flag left behind (as a debugger or an earlier build might) is cleared before the next operation and
   * not reported as its result; clearing writes exactly the flags found (write 1 to clear). */
  reg_model_write32(A_FLASH_KEYR, 0x45670123u);
  reg_model_write32(A_FLASH_KEYR, 0xCDEF89ABu);
  reg_model_write32(A_FLASH_CR, CR_PG);
  reg_model_write16(0x08004000u, 0x1234u);
  while ((reg_model_read32(A_FLASH_SR) & SR_BSY) != 0u) {
  }
  reg_model_write16(0x08004000u, 0x4321u); /* not erased: PGERR */
  reg_model_write32(A_FLASH_CR, CR_LOCK);
  CHECK_EQ(peek(A_FLASH_SR), SR_PGERR | SR_EOP);
  model_trace_clear();
  CHECK_EQ(hal_flash_erase_unit(11), HAL_OK);
  CHECK_EQ(write_value(find_write(A_FLASH_SR, 0, 0)), SR_PGERR | SR_EOP);
}

/* Stuck BSY: the driver waits twice the bound, never writes FLASH_CR meanwhile, then resets with a fault
 * record naming what it was doing. At 8 MHz a page erase's bound is 40 ms x 8 MHz = 320000 polls. */
CASE(flash_busy_stuck_erase_resets) {
  setup();
  f0_model_flash_stick_busy(true);
  EXPECT_RESET(hal_flash_erase_unit(5));
  CHECK_EQ(model_reads(A_FLASH_SR), 2u + 2u * 320000u); /* idle check, flag read, then 2 x the bound */
  CHECK(f0_model_flash_locked()); /* the reset locked it */
  CHECK_EQ(peek(A_RCC_CSR) & 0x10000000u, 0x10000000u); /* SFTRSTF */
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_FLASH_STUCK);
  CHECK_EQ(hal_fault_detail(), 0x08002800u);
}

CASE(flash_busy_stuck_program_resets) {
  setup();
  f0_model_flash_stick_busy(true);
  EXPECT_RESET(program(0x08004000u, 0x1234u));
  CHECK_EQ(model_reads(A_FLASH_SR), 2u + 2u * 480u); /* 60 us x 8 MHz, twice */
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_FLASH_STUCK);
  CHECK_EQ(hal_fault_detail(), 0x08004000u);
}

CASE(flash_slow_operation_within_two_bounds_completes) {
  setup();
  /* A page erase slower than the datasheet maximum but shorter than the second bound still succeeds. */
  f0_model_flash_set_busy_polls(3, 400000);
  CHECK_EQ(hal_flash_erase_unit(7), HAL_OK);
  CHECK(f0_model_flash_locked());
  CHECK_EQ(f0_model_system_resets(), 0);
}

CASE(flash_busy_bound_follows_hclk) {
  setup();
  CHECK_EQ(hal_clock_init(0, 48u * MHZ), 48u * MHZ);
  f0_model_flash_stick_busy(true);
  EXPECT_RESET(program(0x08004000u, 0x1234u));
  CHECK_EQ(model_reads(A_FLASH_SR), 2u + 2u * 60u * 48u);
}

CASE(flash_lock_with_stuck_busy_resets) {
  setup();
  CHECK_EQ(hal_flash_unlock(), HAL_OK);
  reg_model_write32(A_FLASH_CR, CR_PER);
  reg_model_write32(A_FLASH_AR, 0x08008000u);
  f0_model_flash_stick_busy(true);
  reg_model_write32(A_FLASH_CR, CR_PER | CR_STRT);
  EXPECT_RESET(hal_flash_lock());
  CHECK(f0_model_flash_locked());
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_FLASH_STUCK);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Option bytes: hardware watchdog, write protection                                                    */

CASE(flash_option_hw_watchdog) {
  setup();
  CHECK(!hal_flash_option_hw_watchdog()); /* factory USER 0xFF: WDG_SW = 1, software watchdog */
  f0_model_options_set(0xAA, 0xFE, 0xFF, 0xFF, 0xFFFFFFFFu);
  CHECK(hal_flash_option_hw_watchdog());
  CHECK(f0_model_iwdg_running()); /* the model starts it at reset, as silicon does */
}

CASE(flash_no_ecc_on_f0) {
  setup();
  CHECK(!hal_flash_take_ecc_error());
  CHECK_EQ(model_trace_count(), 0);
}

CASE(flash_wrp_active_reads_wrpr) {
  setup();
  for (uint32_t p = 0; p < 64u; p++) {
    CHECK(!hal_flash_wrp_active(p));
  }
  f0_model_options_set(0xAA, 0xFF, 0xFF, 0xFF, ~((1u << 0) | (1u << 5) | (1u << 31)));
  for (uint32_t p = 0; p < 64u; p++) {
    bool expected = p <= 1u || p == 10u || p == 11u || p >= 62u; /* two pages per WRP bit */
    CHECK_EQ(hal_flash_wrp_active(p), expected);
  }
  CHECK(!hal_flash_wrp_active(64));
}

/* Protects pages first..last and returns once the OBL_LAUNCH reset has happened (the model longjmps). */
static void wrp_set_expect_reset(uint32_t first, uint32_t last, bool protect) {
  EXPECT_RESET((void)hal_flash_wrp_set(first, last, protect));
  CHECK_EQ(peek(A_RCC_CSR) & 0x02000000u, 0x02000000u); /* OBLRSTF */
  CHECK(f0_model_flash_locked());
}

CASE(flash_wrp_set_protects_the_bootloader) {
  setup();
  f0_model_flash_poke16(0x08000000u, 0x2000u);
  wrp_set_expect_reset(0, 7, true); /* a 16 KB bootloader: WRP bits 0-3 */
  CHECK_EQ(peek(A_FLASH_WRPR), 0xFFFFFFF0u);
  for (uint32_t p = 0; p < 64u; p++) {
    CHECK_EQ(hal_flash_wrp_active(p), p < 8u);
  }
  /* The option bytes as programmed: each half-word a value and its complement. */
  CHECK_EQ(f0_model_option_half(0), 0x55AAu); /* RDP level 0 kept */
  CHECK_EQ(f0_model_option_half(1), 0x00FFu);
  CHECK_EQ(f0_model_option_half(4), 0x0FF0u); /* WRP0 = 0xF0: bits 0-3 (pages 0-7) protected */
  CHECK_EQ(f0_model_option_half(5), 0x00FFu);
  CHECK_EQ(f0_model_flash_half(0x08000000u), 0x2000u); /* main flash untouched */
}

CASE(flash_wrp_set_sequence) {
  setup();
  EXPECT_RESET((void)hal_flash_wrp_set(0, 7, true));
  /* OPTKEYR after FLASH_CR was unlocked; OPTER + STRT; then eight OPTPG half-word stores; OBL_LAUNCH last. */
  int32_t key2 = find_write(A_FLASH_KEYR, 0xCDEF89ABu, 0);
  int32_t opt1 = find_write(A_FLASH_OPTKEYR, 0x45670123u, 0);
  int32_t opt2 = find_write(A_FLASH_OPTKEYR, 0xCDEF89ABu, 0);
  int32_t erase = find_write(A_FLASH_CR, 0x0220u | CR_STRT, 0); /* OPTWRE | OPTER | STRT */
  int32_t launch = find_write(A_FLASH_CR, 0x2000u, 0);
  CHECK(key2 >= 0 && opt1 > key2 && opt2 > opt1 && erase > opt2 && launch > erase);
  CHECK_EQ(f0_model_stats()->option_erases, 1);
  CHECK_EQ(f0_model_stats()->option_programs, 8);
  uint32_t stores = 0;
  for (uint32_t i = (uint32_t)erase; i < (uint32_t)launch; i++) {
    const struct model_write *w = model_trace(i);
    if (w->addr >= A_OB && w->addr < A_OB + 16u) {
      CHECK_EQ(w->width, 16);
      CHECK_EQ(w->addr, A_OB + 2u * stores); /* RDP first, then USER, DATA0, DATA1, WRP0..3 */
      CHECK_EQ(w->flash_cr_before[0], 0x0210u); /* OPTWRE | OPTPG */
      stores++;
    }
  }
  CHECK_EQ(stores, 8);
}

CASE(flash_wrp_set_keeps_user_and_data) {
  setup();
  /* WDG_SW = 0 (hardware watchdog), nRST_STOP = 0, DATA0 = 0x12, DATA1 = 0x34: a production setting. */
  f0_model_options_set(0xAA, 0xFC, 0x12, 0x34, 0xFFFFFFFFu);
  uint32_t obr_before = peek(A_FLASH_OBR);
  hal_iwdg_start(20000); /* the hardware watchdog runs: keep it from firing during the test */
  wrp_set_expect_reset(0, 3, true);
  CHECK_EQ(peek(A_FLASH_OBR), obr_before); /* RDP, USER, DATA0, DATA1 loaded back unchanged */
  CHECK_EQ(peek(A_FLASH_OBR) & 1u, 0u);    /* no OPTERR */
  CHECK(hal_flash_option_hw_watchdog());
  CHECK_EQ(peek(A_FLASH_WRPR), 0xFFFFFFFCu);
}

CASE(flash_wrp_set_unprotect) {
  setup();
  f0_model_options_set(0xAA, 0xFF, 0xFF, 0xFF, 0xFFFFFF00u); /* pages 0-15 */
  wrp_set_expect_reset(8, 15, false);
  CHECK_EQ(peek(A_FLASH_WRPR), 0xFFFFFFF0u);
  CHECK(hal_flash_wrp_active(7));
  CHECK(!hal_flash_wrp_active(8));
}

CASE(flash_wrp_set_already_in_force_is_a_no_op) {
  setup();
  f0_model_options_set(0xAA, 0xFF, 0xFF, 0xFF, 0xFFFFFFF0u);
  model_trace_clear();
  CHECK_EQ(hal_flash_wrp_set(0, 7, true), HAL_OK); /* no erase, no reset */
  CHECK_EQ(writes_to(A_FLASH_CR), 0);
  CHECK_EQ(f0_model_system_resets(), 0);
}

CASE(flash_wrp_set_refuses_partial_groups) {
  setup();
  CHECK_EQ(hal_flash_wrp_set(1, 7, true), HAL_ERR_ARG); /* would protect page 0 too */
  CHECK_EQ(hal_flash_wrp_set(0, 6, true), HAL_ERR_ARG); /* would protect page 7, the application's */
  CHECK_EQ(hal_flash_wrp_set(8, 7, true), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_wrp_set(0, 64, true), HAL_ERR_ARG);
  CHECK_EQ(model_trace_count(), 0);
}

CASE(flash_wrp_set_keeps_rdp_level1) {
  setup();
  f0_model_options_set(0xBB, 0xFF, 0xFF, 0xFF, 0xFFFFFFFFu); /* level 1 */
  f0_model_flash_poke16(0x08000000u, 0x2000u);
  wrp_set_expect_reset(0, 1, true);
  CHECK_EQ(f0_model_option_half(0), 0x44BBu); /* the level-1 value written back, never 0xAA */
  CHECK_EQ((peek(A_FLASH_OBR) >> 1) & 3u, 1u);
  CHECK_EQ(f0_model_flash_half(0x08000000u), 0x2000u); /* no level 1 -> 0 mass erase */
  CHECK_EQ(f0_model_stats()->mass_erases, 0);
}

CASE(flash_wrp_set_refused_at_rdp_level2) {
  setup();
  f0_model_options_set(0xCC, 0xFF, 0xFF, 0xFF, 0xFFFFFFFFu);
  CHECK_EQ(hal_flash_wrp_set(0, 7, true), HAL_ERR_LOCKED);
  CHECK_EQ(writes_to(A_FLASH_CR), 0);
}

CASE(flash_wrp_set_erase_error_returns_locked) {
  setup();
  /* The option-byte erase fails: nothing is programmed, no OBL_LAUNCH, FLASH_CR locked and OPTWRE cleared, the
   * options in force unchanged. */
  f0_model_flash_inject_error(SR_WRPRTERR);
  CHECK_EQ(hal_flash_wrp_set(0, 1, true), HAL_ERR_WRP);
  CHECK(f0_model_flash_locked());
  CHECK_EQ(peek(A_FLASH_CR) & 0x0200u, 0u);
  CHECK_EQ(f0_model_stats()->option_programs, 0);
  CHECK_EQ(f0_model_system_resets(), 0);
  CHECK_EQ(peek(A_FLASH_WRPR), 0xFFFFFFFFu);
  CHECK_EQ(sr_errors(), 0);
}

CASE(flash_wrp_set_program_error_returns_locked) {
  setup();
  /* Operation 0 is the erase, 1 RDP, 2 USER, 3 DATA0: DATA0 fails. */
  f0_model_flash_inject_error_at(3, SR_PGERR);
  CHECK_EQ(hal_flash_wrp_set(0, 1, true), HAL_ERR_OPERATION);
  CHECK(f0_model_flash_locked());
  CHECK_EQ(peek(A_FLASH_CR) & 0x0200u, 0u);
  CHECK_EQ(f0_model_stats()->option_programs, 2);
  CHECK_EQ(f0_model_system_resets(), 0);
  CHECK_EQ(peek(A_FLASH_WRPR), 0xFFFFFFFFu); /* in force until the next load */
  CHECK_EQ(f0_model_option_half(0), 0x55AAu); /* RDP was rewritten first */
}

/* ---------------------------------------------------------------------------------------------------- */
/* Clocks                                                                                                */

CASE(clock_hsi_8mhz_is_the_reset_clock) {
  setup();
  CHECK_EQ(hal_clock_hclk_hz(), 8u * MHZ);
  CHECK_EQ(hal_clock_init(0, 8u * MHZ), 8u * MHZ);
  CHECK_EQ(f0_model_sysclk_hz(), 8u * MHZ);
  CHECK_EQ(peek(A_RCC_CR) & 0x01000000u, 0u); /* no PLL */
}

CASE(clock_hsi_pll_48mhz) {
  setup();
  CHECK_EQ(hal_clock_init(0, 48u * MHZ), 48u * MHZ);
  CHECK_EQ(f0_model_sysclk_hz(), 48u * MHZ);
  CHECK_EQ(hal_clock_hclk_hz(), 48u * MHZ);
  uint32_t cfgr = peek(A_RCC_CFGR);
  CHECK_EQ((cfgr >> 15) & 3u, 0u);    /* PLLSRC = HSI/2 */
  CHECK_EQ((cfgr >> 18) & 0xFu, 10u); /* PLLMUL x12 */
  CHECK_EQ(cfgr & 0xFu, 0xAu);        /* SW = SWS = PLL */
  CHECK_EQ(cfgr & 0x7F0u, 0u);        /* AHB and APB /1 */
  /* LATENCY = 1 was written (and read back) before the switch to 48 MHz. */
  int32_t acr = find_write(A_FLASH_ACR, 0x1u, 0);
  int32_t sw = find_write(A_RCC_CFGR, 0x2u, 0);
  CHECK(acr >= 0 && sw > acr);
  CHECK_EQ(peek(A_FLASH_ACR), 0x31u); /* LATENCY 1, PRFTBE (and PRFTBS) kept */
  CHECK_EQ(hal_clock_pclk_hz(A_USART2), 48u * MHZ);
}

CASE(clock_hse_bypass_48mhz) {
  setup();
  f0_model_rcc_set_hse(F0_HSE_CLOCK_IN, 8u * MHZ); /* the ST-LINK's MCO on OSC_IN */
  CHECK_EQ(hal_clock_init(8u * MHZ | HAL_CLOCK_HSE_BYPASS, 48u * MHZ), 48u * MHZ);
  CHECK_EQ(f0_model_sysclk_hz(), 48u * MHZ);
  uint32_t cfgr = peek(A_RCC_CFGR);
  CHECK_EQ((cfgr >> 15) & 3u, 2u);   /* HSE/PREDIV */
  CHECK_EQ((cfgr >> 18) & 0xFu, 4u); /* x6 */
  CHECK_EQ(peek(A_RCC_CFGR2), 0u);   /* PREDIV /1 */
  /* HSEBYP was set in a write before the one that sets HSEON. */
  int32_t byp = find_write(A_RCC_CR, 0x40000u, 0);
  int32_t on = find_write(A_RCC_CR, 0x10000u, 0);
  CHECK(byp >= 0 && on >= 0 && byp < on);
  CHECK_EQ(write_value(byp) & 0x10000u, 0u);
}

CASE(clock_hse_crystal_16mhz_uses_prediv) {
  setup();
  f0_model_rcc_set_hse(F0_HSE_CRYSTAL, 16u * MHZ);
  CHECK_EQ(hal_clock_init(16u * MHZ, 40u * MHZ), 40u * MHZ);
  CHECK_EQ(f0_model_sysclk_hz(), 40u * MHZ);
  /* 16 MHz / 2 = 8 MHz x 5: PREDIV /2 written in CFGR2, after CFGR (whose bit 17 is PREDIV[0]). */
  CHECK_EQ(peek(A_RCC_CFGR2), 1u);
  CHECK_EQ((peek(A_RCC_CFGR) >> 18) & 0xFu, 3u);
  CHECK(last_write(A_RCC_CFGR2) > find_write(A_RCC_CFGR, 0x10000u, 0));
}

CASE(clock_hse_direct) {
  setup();
  f0_model_rcc_set_hse(F0_HSE_CRYSTAL, 8u * MHZ);
  CHECK_EQ(hal_clock_init(8u * MHZ, 8u * MHZ), 8u * MHZ);
  CHECK_EQ(peek(A_RCC_CFGR) & 0xFu, 0x5u); /* SW = SWS = HSE */
  CHECK_EQ(peek(A_RCC_CR) & 0x01000000u, 0u);
}

CASE(clock_24mhz_needs_no_wait_state) {
  setup();
  CHECK_EQ(hal_clock_init(0, 24u * MHZ), 24u * MHZ);
  CHECK_EQ(peek(A_FLASH_ACR) & 7u, 0u);
  CHECK_EQ(hal_clock_init(0, 32u * MHZ), 32u * MHZ);
  CHECK_EQ(peek(A_FLASH_ACR) & 7u, 1u);
}

CASE(clock_hsi48_direct) {
  setup();
  CHECK_EQ(hal_clock_init(F0_CLOCK_HSI48, 48u * MHZ), 48u * MHZ);
  CHECK_EQ(peek(A_RCC_CFGR) & 0xFu, 0xFu); /* SW = SWS = HSI48 */
  CHECK_EQ(peek(A_RCC_CR2) & 0x30000u, 0x30000u);
  CHECK_EQ(peek(A_FLASH_ACR) & 7u, 1u);
  CHECK_EQ(peek(A_RCC_CR) & 0x01000000u, 0u);
  hal_clock_deinit();
  CHECK_EQ(peek(A_RCC_CR2) & 0x10000u, 0u); /* HSI48 off again */
  CHECK_EQ(f0_model_sysclk_hz(), 8u * MHZ);
}

CASE(clock_hsi48_not_ready_falls_back) {
  setup();
  f0_model_rcc_hsi48_never_ready(true);
  CHECK_EQ(hal_clock_init(F0_CLOCK_HSI48, 48u * MHZ), 8u * MHZ);
  CHECK_EQ(f0_model_sysclk_hz(), 8u * MHZ);
  CHECK_EQ(peek(A_RCC_CR2) & 0x10000u, 0u);
  CHECK_EQ(hal_clock_init(F0_CLOCK_HSI48, 24u * MHZ), 8u * MHZ); /* HSI48 gives 48 MHz only */
}

CASE(clock_fallback_hse_never_ready) {
  setup();
  CHECK_EQ(hal_clock_init(8u * MHZ | HAL_CLOCK_HSE_BYPASS, 48u * MHZ), 8u * MHZ);
  CHECK_EQ(f0_model_sysclk_hz(), 8u * MHZ);
  CHECK_EQ(hal_clock_hclk_hz(), 8u * MHZ);
  CHECK(model_reads(A_RCC_CR) >= 800000u);       /* 100 ms at 8 MHz ... */
  CHECK(model_reads(A_RCC_CR) < 800000u + 16u); /* ... and no more */
  CHECK_EQ(peek(A_RCC_CR) & 0x50000u, 0u);          /* HSEON and HSEBYP off again */
  CHECK_EQ(peek(A_FLASH_ACR) & 7u, 0u);
}

CASE(clock_fallback_bypass_not_requested) {
  setup();
  f0_model_rcc_set_hse(F0_HSE_CLOCK_IN, 8u * MHZ); /* an external clock, but asked as a crystal */
  CHECK_EQ(hal_clock_init(8u * MHZ, 48u * MHZ), 8u * MHZ);
  CHECK_EQ(f0_model_sysclk_hz(), 8u * MHZ);
}

CASE(clock_fallback_pll_never_locks) {
  setup();
  f0_model_rcc_pll_never_locks(true);
  CHECK_EQ(hal_clock_init(0, 48u * MHZ), 8u * MHZ);
  CHECK_EQ(f0_model_sysclk_hz(), 8u * MHZ);
  CHECK_EQ(peek(A_RCC_CR) & 0x01000000u, 0u);
  CHECK_EQ(peek(A_FLASH_ACR) & 7u, 0u); /* wait state lowered once back on HSI */
}

CASE(clock_invalid_requests_stay_on_hsi) {
  setup();
  CHECK_EQ(hal_clock_init(0, 50u * MHZ), 8u * MHZ);  /* above 48 MHz */
  CHECK_EQ(hal_clock_init(0, 0), 8u * MHZ);
  CHECK_EQ(hal_clock_init(0, 10u * MHZ), 8u * MHZ);  /* below the PLL's 16 MHz */
  CHECK_EQ(hal_clock_init(0, 42u * MHZ), 8u * MHZ);  /* not a multiple of HSI/2 */
  CHECK_EQ(hal_clock_init(40u * MHZ, 40u * MHZ), 8u * MHZ); /* HSE above 32 MHz */
  CHECK_EQ(f0_model_sysclk_hz(), 8u * MHZ);
  CHECK_EQ(peek(A_RCC_CR) & 0x01010000u, 0u);
}

CASE(clock_deinit_restores_reset_state) {
  setup();
  f0_model_rcc_set_hse(F0_HSE_CLOCK_IN, 8u * MHZ);
  CHECK_EQ(hal_clock_init(8u * MHZ | HAL_CLOCK_HSE_BYPASS, 48u * MHZ), 48u * MHZ);
  hal_clock_deinit();
  CHECK_EQ(f0_model_sysclk_hz(), 8u * MHZ);
  CHECK_EQ(peek(A_RCC_CR) & 0xFFFF0000u, 0u); /* PLL, HSE, HSEBYP, CSS off */
  CHECK_EQ(peek(A_RCC_CFGR), 0u);
  CHECK_EQ(peek(A_RCC_CFGR2), 0u);
  CHECK_EQ(peek(A_FLASH_ACR), 0x30u); /* the reset value */
  CHECK_EQ(hal_clock_hclk_hz(), 8u * MHZ);
  /* The switch to HSI came before the wait state was lowered (the model checks LATENCY on every change). */
  CHECK(last_write(A_RCC_CFGR) < last_write(A_FLASH_ACR));
}

CASE(clock_reinit_from_pll) {
  setup();
  CHECK_EQ(hal_clock_init(0, 48u * MHZ), 48u * MHZ);
  f0_model_rcc_set_hse(F0_HSE_CRYSTAL, 8u * MHZ);
  CHECK_EQ(hal_clock_init(8u * MHZ, 32u * MHZ), 32u * MHZ);
  CHECK_EQ(f0_model_sysclk_hz(), 32u * MHZ);
  CHECK_EQ((peek(A_RCC_CFGR) >> 15) & 3u, 2u);
}

CASE(clock_usart_kernel_clock_follows_cfgr3) {
  setup();
  CHECK_EQ(hal_clock_init(0, 48u * MHZ), 48u * MHZ);
  CHECK_EQ(hal_clock_pclk_hz(A_USART2), 48u * MHZ);
  reg_model_write32(A_RCC_CFGR3, 0x3u << 16); /* USART2SW = HSI */
  CHECK_EQ(hal_clock_pclk_hz(A_USART2), 8u * MHZ);
  CHECK_EQ(hal_clock_pclk_hz(A_USART1), 48u * MHZ);
  reg_model_write32(A_RCC_CFGR3, 0x2u); /* USART1SW = LSE */
  CHECK_EQ(hal_clock_pclk_hz(A_USART1), 32768u);
  CHECK_EQ(hal_clock_pclk_hz(A_USART2), 48u * MHZ);
  CHECK_EQ(hal_clock_pclk_hz(A_USART3), 48u * MHZ);
}

/* ---------------------------------------------------------------------------------------------------- */
/* USART                                                                                                 */

static void uart_up(uint32_t base, uint32_t baud, bool even) {
  f0_model_uart_set_line(base, baud, even);
  hal_uart_init(base, hal_clock_pclk_hz(base), baud, even);
}

CASE(uart_8n1_115200_at_8mhz) {
  setup();
  uart_up(A_USART2, 115200, false);
  CHECK_EQ(peek(A_RCC_APB1ENR) & (1u << 17), 1u << 17);
  CHECK_EQ(peek(A_USART2_BRR), 69u); /* 8 MHz / 115200 = 69.4 */
  CHECK_EQ(peek(A_USART2_CR1), 0x0Du); /* UE, RE, TE; M1:M0 = 00, no parity */
  CHECK_EQ(peek(A_USART2_CR2), 0u);
  CHECK_EQ(peek(A_USART2_CR3), 0u);
  /* The frame went in with UE = 0, then UE alone was added. */
  CHECK_EQ(write_value(find_write(A_USART2_CR1, 0x0Cu, 0)), 0x0Cu);
}

CASE(uart_8e1_configuration) {
  setup();
  uart_up(A_USART2, 115200, true);
  CHECK_EQ(peek(A_USART2_CR1), 0x140Du); /* M0, PCE (PS = 0: even), TE, RE, UE */
}

CASE(uart_brr_48mhz) {
  setup();
  CHECK_EQ(hal_clock_init(0, 48u * MHZ), 48u * MHZ);
  uart_up(A_USART2, 115200, false);
  CHECK_EQ(peek(A_USART2_BRR), 417u); /* 416.67 rounded */
  uart_up(A_USART2, 57600, false);
  CHECK_EQ(peek(A_USART2_BRR), 833u);
}

CASE(uart_brr_too_small_refused) {
  setup();
  hal_uart_init(A_USART2, 8u * MHZ, 921600, false); /* 8.7: below BRR's minimum of 16 */
  CHECK_EQ(peek(A_RCC_APB1ENR) & (1u << 17), 0u);
  CHECK_EQ(hal_uart_read_byte(), -1);
  hal_uart_write_byte('x');
  CHECK_EQ(model_trace_count(), 0);
}

CASE(uart_bytes_intact_at_every_clock) {
  static const struct {
    uint32_t hse, sysclk, usart2sw;
  } clocks[] = {{0, 8u * MHZ, 0}, {0, 48u * MHZ, 0}, {F0_CLOCK_HSI48, 48u * MHZ, 0}, {0, 48u * MHZ, 3u},
                {0, 24u * MHZ, 1u}};
  for (uint32_t c = 0; c < sizeof clocks / sizeof clocks[0]; c++) {
    setup();
    CHECK_EQ(hal_clock_init(clocks[c].hse, clocks[c].sysclk), clocks[c].sysclk);
    reg_model_write32(A_RCC_CFGR3, clocks[c].usart2sw << 16);
    for (uint32_t even = 0; even < 2u; even++) {
      uart_up(A_USART2, 115200, even != 0u);
      const uint8_t msg[4] = {0x7Fu, 0x00u, 0xFFu, 0xA5u};
      f0_model_uart_queue(A_USART2, msg, 4);
      for (uint32_t i = 0; i < 4u; i++) {
        int32_t b = -1;
        for (uint32_t spin = 0; spin < 100u && b < 0; spin++) {
          b = hal_uart_read_byte();
        }
        CHECK_EQ(b, msg[i]);
      }
      for (uint32_t i = 0; i < 4u; i++) {
        hal_uart_write_byte(msg[i]);
      }
      hal_uart_flush();
      CHECK_EQ(hal_uart_take_errors(), 0);
      CHECK_EQ(f0_model_uart_garbled(A_USART2), 0);
    }
  }
}

CASE(uart_brr_from_the_wrong_clock_garbles) {
  setup();
  CHECK_EQ(hal_clock_init(0, 48u * MHZ), 48u * MHZ);
  f0_model_uart_set_line(A_USART2, 115200, false);
  hal_uart_init(A_USART2, 8u * MHZ, 115200, false); /* BRR from HSI while PCLK is 48 MHz */
  const uint8_t b = 0x41;
  f0_model_uart_queue(A_USART2, &b, 1);
  for (uint32_t spin = 0; spin < 10u; spin++) {
    (void)hal_uart_read_byte();
  }
  CHECK_EQ(hal_uart_take_errors() & HAL_UART_ERR_FE, HAL_UART_ERR_FE); /* what a real line would give */
}

CASE(uart_read_empty_returns_minus_one) {
  setup();
  CHECK_EQ(hal_uart_read_byte(), -1); /* before init */
  uart_up(A_USART2, 115200, false);
  for (int i = 0; i < 5; i++) {
    CHECK_EQ(hal_uart_read_byte(), -1);
  }
  CHECK_EQ(writes_to(A_USART2_ICR), 0);
}

CASE(uart_receive_in_order) {
  setup();
  uart_up(A_USART2, 115200, false);
  const uint8_t msg[] = "hello, f0";
  f0_model_uart_queue(A_USART2, msg, sizeof msg - 1u);
  for (uint32_t i = 0; i < sizeof msg - 1u; i++) {
    int32_t b = -1;
    for (uint32_t spin = 0; spin < 10u && b < 0; spin++) {
      b = hal_uart_read_byte();
    }
    CHECK_EQ(b, msg[i]);
  }
  CHECK_EQ(hal_uart_read_byte(), -1);
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(uart_receive_overrun) {
  setup();
  uart_up(A_USART2, 115200, false);
  CHECK(f0_model_uart_receive(A_USART2, 0x11, 0));
  CHECK(!f0_model_uart_receive(A_USART2, 0x22, 0)); /* RXNE still set: ORE, 0x22 lost */
  CHECK_EQ(hal_uart_read_byte(), 0x11);             /* the earlier byte is delivered */
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_ORE);
  CHECK_EQ(peek(A_USART2_ISR) & 0x8u, 0u); /* ORE cleared through ICR.ORECF */
  CHECK_EQ(write_value(last_write(A_USART2_ICR)), 0x8u);
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(uart_receive_errors) {
  setup();
  uart_up(A_USART2, 115200, false);
  CHECK(f0_model_uart_receive(A_USART2, 0x55, F0_MODEL_RX_FE));
  CHECK_EQ(hal_uart_read_byte(), -1); /* framing error: dropped */
  CHECK(f0_model_uart_receive(A_USART2, 0x66, F0_MODEL_RX_PE));
  CHECK_EQ(hal_uart_read_byte(), -1); /* parity error: dropped */
  CHECK(f0_model_uart_receive(A_USART2, 0x77, F0_MODEL_RX_NE));
  CHECK_EQ(hal_uart_read_byte(), 0x77); /* noise: delivered */
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_FE | HAL_UART_ERR_PE | HAL_UART_ERR_NE);
  CHECK_EQ(peek(A_USART2_ISR) & 0xFu, 0u); /* every flag cleared through ICR */
  /* Each ICR write named exactly the flags found (write 1 to clear, no read-modify-write). */
  CHECK_EQ(write_value(find_write(A_USART2_ICR, 0, 0)), 0x2u);
  CHECK(f0_model_uart_receive(A_USART2, 0x78, 0));
  CHECK_EQ(hal_uart_read_byte(), 0x78); /* the next byte is not blamed */
}

CASE(uart_8e1_parity_bit_masked) {
  setup();
  uart_up(A_USART2, 115200, true);
  CHECK(f0_model_uart_receive(A_USART2, 0x01, 0)); /* parity bit 1 lands in RDR bit 8 */
  CHECK_EQ(peek(A_USART2_RDR), 0x101u);
  CHECK_EQ(hal_uart_read_byte(), 0x01);
}

CASE(uart_parity_mismatch_with_the_peer) {
  setup();
  f0_model_uart_set_line(A_USART2, 115200, true); /* the peer speaks 8E1 ... */
  hal_uart_init(A_USART2, 8u * MHZ, 115200, false); /* ... we listen 8N1 */
  const uint8_t b = 0x03; /* even parity bit 0: read as a missing stop bit */
  f0_model_uart_queue(A_USART2, &b, 1);
  for (uint32_t spin = 0; spin < 10u; spin++) {
    CHECK_EQ(hal_uart_read_byte(), -1);
  }
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_FE);
}

CASE(uart_write_and_flush) {
  setup();
  uart_up(A_USART2, 115200, false);
  const char *text = "ACK";
  for (const char *p = text; *p != '\0'; p++) {
    hal_uart_write_byte((uint8_t)*p);
  }
  hal_uart_flush();
  uint8_t out[8];
  CHECK_EQ(f0_model_uart_sent(A_USART2, out, sizeof out), 3);
  CHECK(memcmp(out, "ACK", 3) == 0);
  CHECK_EQ(peek(A_USART2_ISR) & 0xC0u, 0xC0u); /* TXE and TC */
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(uart_write_stuck_is_bounded) {
  setup();
  uart_up(A_USART2, 115200, false);
  f0_model_uart_stick_tx(A_USART2, true);
  hal_uart_write_byte('a');
  hal_uart_write_byte('b'); /* TXE never comes: bounded, the byte dropped */
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_TX_TIMEOUT);
  uint32_t char_polls = (8u * MHZ / 115200u + 1u) * 11u;
  CHECK(model_reads(A_USART2_ISR) <= 2u * char_polls + 2u);
  hal_uart_flush();
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_TX_TIMEOUT);
}

CASE(uart_reinit_waits_for_tc) {
  setup();
  uart_up(A_USART2, 115200, false);
  hal_uart_write_byte(0x79); /* an ACK still in the shift register ... */
  uart_up(A_USART2, 115200, true); /* ... when the framing changes to 8E1 (AN3155): it must go out first */
  uint8_t out[2];
  CHECK_EQ(f0_model_uart_sent(A_USART2, out, 2), 1);
  CHECK_EQ(out[0], 0x79);
  CHECK_EQ(peek(A_USART2_CR1), 0x140Du);
  /* No violation "UE cleared while a character was being sent". */
}

CASE(uart_deinit_resets_instance) {
  setup();
  uart_up(A_USART2, 115200, true);
  hal_uart_write_byte('z');
  hal_uart_deinit();
  CHECK_EQ(f0_model_uart_sent(A_USART2, NULL, 0), 1); /* flushed before the reset */
  CHECK_EQ(peek(A_RCC_APB1ENR) & (1u << 17), 0u);
  CHECK_EQ(peek(A_RCC_APB1RSTR), 0u);
  int32_t rst = find_write(A_RCC_APB1RSTR, 1u << 17, 0);
  CHECK(rst >= 0);
  reg_model_write32(A_RCC_APB1ENR, 1u << 17);
  CHECK_EQ(peek(A_USART2_CR1), 0u);
  CHECK_EQ(peek(A_USART2_BRR), 0u);
  CHECK_EQ(hal_uart_read_byte(), -1);
  hal_uart_deinit(); /* twice: nothing */
}

CASE(uart_unknown_base_ignored) {
  setup();
  hal_uart_init(0x40011000u, 8u * MHZ, 115200, false); /* F4's USART1 address */
  hal_uart_write_byte('x');
  hal_uart_flush();
  CHECK_EQ(hal_uart_read_byte(), -1);
  CHECK_EQ(model_trace_count(), 0);
}

CASE(uart_usart1_on_apb2) {
  setup();
  uart_up(A_USART1, 115200, false);
  CHECK_EQ(peek(A_RCC_APB2ENR) & (1u << 14), 1u << 14);
  CHECK_EQ(peek(A_USART1 + 0x0Cu), 69u);
}

/* ---------------------------------------------------------------------------------------------------- */
/* DMA reception                                                                                         */

#define RING_ADDR 0x20001000u

CASE(dma_usart2_rx_on_channel5_circular) {
  setup();
  uart_up(A_USART2, 115200, false);
  uint8_t *ring = f0_model_sram(RING_ADDR);
  CHECK(hal_uart_rx_dma_start(ring, 64));
  CHECK_EQ(peek(A_RCC_AHBENR) & 1u, 1u); /* DMAEN */
  CHECK_EQ(peek(A_DMA_CPAR5), 0x40004424u); /* USART2_RDR */
  CHECK_EQ(peek(A_DMA_CMAR5), RING_ADDR);
  CHECK_EQ(peek(A_DMA_CNDTR5), 64u);
  CHECK_EQ(peek(A_DMA_CCR5), 0x20A1u); /* PL high, MINC, CIRC, EN; DIR 0, PSIZE/MSIZE 8 bits */
  CHECK_EQ(peek(A_USART2_CR3) & 0x40u, 0x40u); /* DMAR */
  /* The channel was enabled before the USART raised its request. */
  CHECK(find_write(A_DMA_CCR5, 1u, 0) < find_write(A_USART2_CR3, 0x40u, 0));
  CHECK_EQ(hal_uart_rx_dma_head(), 0u);
  const uint8_t msg[] = "0123456789";
  f0_model_uart_queue(A_USART2, msg, 10);
  for (int i = 0; i < 40; i++) {
    (void)hal_uart_rx_dma_head();
  }
  CHECK_EQ(hal_uart_rx_dma_head(), 10u);
  CHECK(memcmp(ring, msg, 10) == 0);
  CHECK_EQ(hal_uart_read_byte(), -1); /* polled reads stay out of the ring's way */
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(dma_ring_wraps) {
  setup();
  uart_up(A_USART2, 115200, false);
  uint8_t *ring = f0_model_sram(RING_ADDR);
  CHECK(hal_uart_rx_dma_start(ring, 16));
  uint8_t msg[40];
  for (uint32_t i = 0; i < 40u; i++) {
    msg[i] = (uint8_t)(0xA0u + i);
  }
  f0_model_uart_queue(A_USART2, msg, 40);
  for (int i = 0; i < 200; i++) {
    (void)hal_uart_rx_dma_head();
  }
  CHECK_EQ(hal_uart_rx_dma_head(), 40u % 16u);
  for (uint32_t i = 0; i < 16u; i++) {
    uint32_t newest = i < 8u ? 32u + i : 16u + i; /* indexes 0..7 hold bytes 32..39, 8..15 bytes 24..31 */
    CHECK_EQ(ring[i], msg[newest]);
  }
  CHECK_EQ(f0_model_stats()->dma_transfers, 40);
}

/* Bytes keep arriving at line pace while a page erase stalls the CPU: DMA takes every one; a polled
 * receiver that cannot read during the erase overruns. */
CASE(dma_survives_a_page_erase) {
  setup();
  f0_model_flash_set_busy_polls(3, 5000);
  uart_up(A_USART2, 115200, false);
  uint8_t *ring = f0_model_sram(RING_ADDR);
  CHECK(hal_uart_rx_dma_start(ring, 256));
  uint8_t msg[32];
  for (uint32_t i = 0; i < 32u; i++) {
    msg[i] = (uint8_t)(i * 7u);
  }
  f0_model_uart_stream(A_USART2, msg, 32, 100); /* one character every 100 polls, all during the erase */
  CHECK_EQ(hal_flash_erase_unit(20), HAL_OK);
  CHECK_EQ(f0_model_uart_stream_left(A_USART2), 0);
  CHECK_EQ(hal_uart_rx_dma_head(), 32u);
  CHECK(memcmp(ring, msg, 32) == 0);
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(polled_reception_overruns_during_a_page_erase) {
  setup();
  f0_model_flash_set_busy_polls(3, 5000);
  uart_up(A_USART2, 115200, false);
  uint8_t msg[32];
  memset(msg, 0x5A, sizeof msg);
  f0_model_uart_stream(A_USART2, msg, 32, 100);
  CHECK_EQ(hal_flash_erase_unit(20), HAL_OK);
  CHECK_EQ(hal_uart_read_byte(), 0x5A); /* one byte survives in RDR ... */
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_ORE); /* ... the rest were lost */
}

CASE(dma_clears_a_remap_and_keeps_syscfg_clock_state) {
  setup();
  reg_model_write32(A_RCC_APB2ENR, 1u);
  reg_model_write32(A_SYSCFG_CFGR1, 1u << 25); /* USART2_DMA_RMP: RX would go to channel 6 */
  reg_model_write32(A_RCC_APB2ENR, 0u);
  uart_up(A_USART2, 115200, false);
  uint8_t *ring = f0_model_sram(RING_ADDR);
  CHECK(hal_uart_rx_dma_start(ring, 8));
  reg_model_write32(A_RCC_APB2ENR, 1u);
  CHECK_EQ(peek(A_SYSCFG_CFGR1) & (1u << 25), 0u);
  reg_model_write32(A_RCC_APB2ENR, 0u);
  CHECK_EQ(find_write(A_RCC_APB2ENR, 1u, 0) >= 0, true);
  const uint8_t b = 0x42;
  f0_model_uart_queue(A_USART2, &b, 1);
  for (int i = 0; i < 10; i++) {
    (void)hal_uart_rx_dma_head();
  }
  CHECK_EQ(hal_uart_rx_dma_head(), 1u);
  CHECK_EQ(ring[0], 0x42);
}

CASE(dma_usart1_rx_on_channel3) {
  setup();
  uart_up(A_USART1, 115200, false);
  uint8_t *ring = f0_model_sram(RING_ADDR);
  CHECK(hal_uart_rx_dma_start(ring, 32));
  CHECK_EQ(peek(A_DMA_CPAR3), 0x40013824u);
  CHECK_EQ(peek(A_DMA_CCR3) & 1u, 1u);
  const uint8_t b = 0x24;
  f0_model_uart_queue(A_USART1, &b, 1);
  for (int i = 0; i < 10; i++) {
    (void)hal_uart_rx_dma_head();
  }
  CHECK_EQ(hal_uart_rx_dma_head(), 1u);
  CHECK_EQ(ring[0], 0x24);
}

CASE(dma_errors_reported) {
  setup();
  uart_up(A_USART2, 115200, false);
  uint8_t *ring = f0_model_sram(RING_ADDR);
  CHECK(hal_uart_rx_dma_start(ring, 8));
  CHECK(f0_model_uart_receive(A_USART2, 0x13, F0_MODEL_RX_FE | F0_MODEL_RX_NE));
  CHECK_EQ(hal_uart_rx_dma_head(), 1u); /* DMA took the byte anyway (it cannot drop it) */
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_FE | HAL_UART_ERR_NE);
  CHECK_EQ(peek(A_USART2_ISR) & 0xFu, 0u);
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(dma_stop_restores_reset_values) {
  setup();
  uart_up(A_USART2, 115200, false);
  uint8_t *ring = f0_model_sram(RING_ADDR);
  CHECK(hal_uart_rx_dma_start(ring, 8));
  hal_uart_rx_dma_stop();
  CHECK_EQ(peek(A_USART2_CR3) & 0x40u, 0u);
  CHECK_EQ(peek(A_RCC_AHBENR) & 1u, 0u);
  reg_model_write32(A_RCC_AHBENR, 0x15u);
  CHECK_EQ(peek(A_DMA_CCR5), 0u);
  CHECK_EQ(peek(A_DMA_CNDTR5), 0u);
  CHECK_EQ(peek(A_DMA_CPAR5), 0u);
  CHECK_EQ(peek(A_DMA_CMAR5), 0u);
  CHECK_EQ(peek(A_DMA_ISR) & 0xF0000u, 0u);
  reg_model_write32(A_RCC_AHBENR, 0x14u);
  CHECK_EQ(hal_uart_rx_dma_head(), 0u);
  /* Polled reception works again. */
  CHECK(f0_model_uart_receive(A_USART2, 0x31, 0));
  CHECK_EQ(hal_uart_read_byte(), 0x31);
}

CASE(dma_deinit_stops_dma) {
  setup();
  uart_up(A_USART2, 115200, false);
  CHECK(hal_uart_rx_dma_start(f0_model_sram(RING_ADDR), 8));
  hal_uart_deinit();
  CHECK_EQ(peek(A_RCC_AHBENR) & 1u, 0u);
  reg_model_write32(A_RCC_AHBENR, 0x15u);
  CHECK_EQ(peek(A_DMA_CCR5), 0u);
  reg_model_write32(A_RCC_AHBENR, 0x14u);
}

CASE(dma_refused_where_not_used) {
  setup();
  uint8_t *ring = f0_model_sram(RING_ADDR);
  CHECK(!hal_uart_rx_dma_start(ring, 8)); /* no USART yet */
  uart_up(A_USART3, 115200, false);
  CHECK(!hal_uart_rx_dma_start(ring, 8)); /* USART3: polled */
  uart_up(A_USART2, 115200, false);
  CHECK(!hal_uart_rx_dma_start(ring, 0));
  CHECK(!hal_uart_rx_dma_start(ring, 65536));
  CHECK(!hal_uart_rx_dma_start(NULL, 8));
  CHECK_EQ(peek(A_RCC_AHBENR) & 1u, 0u);
}

/* ---------------------------------------------------------------------------------------------------- */
/* GPIO                                                                                                  */

CASE(gpio_input_pull_up_pc13) {
  setup();
  hal_gpio_input_init(2, 13, HAL_GPIO_PULL_UP);
  CHECK_EQ(peek(A_RCC_AHBENR) & (1u << 19), 1u << 19); /* GPIOCEN */
  CHECK_EQ((peek(A_GPIOC + 0x0Cu) >> 26) & 3u, 1u);   /* PUPDR13 pull-up */
  CHECK_EQ((peek(A_GPIOC + 0x00u) >> 26) & 3u, 0u);   /* MODER13 input */
  CHECK(hal_gpio_read(2, 13));
  f0_model_gpio_drive(2, 13, 0); /* the user button pressed */
  CHECK(!hal_gpio_read(2, 13));
}

CASE(gpio_input_pull_down_pa0) {
  setup();
  hal_gpio_input_init(0, 0, HAL_GPIO_PULL_DOWN);
  CHECK_EQ(peek(A_GPIOA + 0x0Cu), 0x24000002u); /* SWD pulls kept, PA0 pull-down */
  CHECK(!hal_gpio_read(0, 0));
  f0_model_gpio_drive(0, 0, 1);
  CHECK(hal_gpio_read(0, 0));
}

CASE(gpio_af_usart2_pins) {
  setup();
  hal_gpio_af_init(0, 2, 1); /* PA2 USART2_TX AF1 (DS9826 alternate function table) */
  hal_gpio_af_init(0, 3, 1); /* PA3 USART2_RX AF1 */
  CHECK_EQ(peek(A_GPIOA + 0x20u), 0x00001100u);
  CHECK_EQ(peek(A_GPIOA + 0x00u), 0x280000A0u);
  CHECK_EQ((peek(A_GPIOA + 0x0Cu) >> 4) & 0xFu, 0x5u); /* pull-ups */
  CHECK_EQ(peek(A_GPIOA + 0x04u), 0u);
  /* AFR before MODER: the pin never drives AF0 on the way. */
  CHECK(find_write(A_GPIOA + 0x20u, 0x100u, 0) < find_write(A_GPIOA + 0x00u, 0x20u, 0));
}

CASE(gpio_af_high_pins) {
  setup();
  hal_gpio_af_init(0, 9, 1);
  hal_gpio_af_init(0, 10, 1);
  CHECK_EQ(peek(A_GPIOA + 0x24u), 0x00000110u);
}

CASE(gpio_pin_reset_restores_reset_values) {
  setup();
  hal_gpio_af_init(0, 2, 1);
  hal_gpio_af_init(0, 3, 1);
  hal_gpio_input_init(2, 13, HAL_GPIO_PULL_UP);
  hal_gpio_pin_reset(0, 2);
  hal_gpio_pin_reset(0, 3);
  hal_gpio_pin_reset(2, 13);
  CHECK_EQ(peek(A_GPIOA + 0x00u), 0x28000000u);
  CHECK_EQ(peek(A_GPIOA + 0x08u), 0x0C000000u);
  CHECK_EQ(peek(A_GPIOA + 0x0Cu), 0x24000000u);
  CHECK_EQ(peek(A_GPIOA + 0x20u), 0u);
  CHECK_EQ(peek(A_GPIOC + 0x0Cu), 0u);
  /* The SWD pins themselves reset to SWD. */
  hal_gpio_input_init(0, 13, HAL_GPIO_PULL_NONE);
  hal_gpio_pin_reset(0, 13);
  CHECK_EQ(peek(A_GPIOA + 0x00u), 0x28000000u);
  CHECK_EQ(peek(A_GPIOA + 0x0Cu), 0x24000000u);
  CHECK_EQ(peek(A_GPIOA + 0x08u), 0x0C000000u);
}

CASE(gpio_clock_off) {
  setup();
  hal_gpio_af_init(0, 2, 1);
  hal_gpio_clock_off(0);
  CHECK_EQ(peek(A_RCC_AHBENR), 0x14u); /* back to its reset value */
  hal_gpio_clock_off(0); /* already off: no write */
  CHECK_EQ(writes_to(A_RCC_AHBENR), 2);
}

CASE(gpio_invalid_arguments_ignored) {
  setup();
  hal_gpio_input_init(6, 0, HAL_GPIO_PULL_UP); /* no port G */
  hal_gpio_input_init(0, 16, HAL_GPIO_PULL_UP);
  hal_gpio_input_init(0, 1, 3);
  hal_gpio_af_init(0, 2, 8); /* F0 has AF0..AF7 */
  hal_gpio_pin_reset(6, 1);
  hal_gpio_clock_off(6);
  CHECK(!hal_gpio_read(6, 0));
  CHECK(!hal_gpio_read(0, 16));
  CHECK_EQ(model_trace_count(), 0);
}

/* ---------------------------------------------------------------------------------------------------- */
/* SysTick                                                                                               */

CASE(tick_init_1khz) {
  setup();
  hal_tick_init(8u * MHZ);
  CHECK_EQ(peek(A_STK_LOAD), 7999u);
  CHECK_EQ(peek(A_STK_CTRL), 7u); /* CLKSOURCE = HCLK, TICKINT, ENABLE */
  hal_tick_init(48u * MHZ);
  CHECK_EQ(peek(A_STK_LOAD), 47999u);
  CHECK_EQ(hal_millis(), 0);
  SysTick_Handler();
  SysTick_Handler();
  CHECK_EQ(hal_millis(), 2);
}

CASE(tick_deinit_clears_pending) {
  setup();
  hal_tick_init(8u * MHZ);
  f0_model_systick_pend();
  hal_tick_deinit();
  CHECK(!f0_model_systick_pending());
  CHECK_EQ(peek(A_STK_CTRL), 0u);
  CHECK_EQ(peek(A_STK_LOAD), 0u);
}

/* ---------------------------------------------------------------------------------------------------- */
/* IWDG                                                                                                  */

CASE(iwdg_start_sequence) {
  setup();
  hal_iwdg_start(1000);
  CHECK(f0_model_iwdg_running());
  /* 0xCCCC (start), 0x5555 (access), PR, RLR, SR polled to 0, then 0xAAAA (reload). */
  int32_t start = find_write(A_IWDG_KR, 0xCCCCu, 0);
  int32_t access = find_write(A_IWDG_KR, 0x5555u, 0);
  int32_t pr = find_write(A_IWDG_PR, 0, 0);
  int32_t rlr = find_write(A_IWDG_RLR, 0, 0);
  int32_t reload = find_write(A_IWDG_KR, 0xAAAAu, 0);
  CHECK(start >= 0 && access > start && pr > access && rlr > pr && reload > rlr);
  CHECK_EQ(peek(A_IWDG_SR), 0u);
  CHECK(model_reads(A_IWDG_SR) > 0u);
  /* 1000 ms at the fastest LSI (50 kHz): /16 gives 3125 counts. */
  CHECK_EQ(f0_model_iwdg_prescaler(), 2u);
  CHECK_EQ(f0_model_iwdg_reload(), 3124u);
}

/* The period at the fastest LSI (50 kHz) covers the request, with the smallest prescaler that can. */
CASE(iwdg_period_covers_the_timeout) {
  static const uint32_t timeouts[] = {1, 10, 100, 327, 328, 1000, 5000, 10000, 20000, 20971};
  for (uint32_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
    setup();
    hal_iwdg_start(timeouts[i]);
    uint32_t pr = f0_model_iwdg_prescaler();
    uint32_t div = 4u << pr;
    uint32_t rl = f0_model_iwdg_reload();
    uint64_t period_us = (uint64_t)(rl + 1u) * div * 1000000u / 50000u;
    CHECK(period_us >= (uint64_t)timeouts[i] * 1000u);
    if (pr > 0u) {
      /* the next smaller prescaler could not have covered it */
      CHECK((uint64_t)4096u * (div / 2u) * 1000000u / 50000u < (uint64_t)timeouts[i] * 1000u);
    }
  }
}

CASE(iwdg_longest_period_caps) {
  setup();
  hal_iwdg_start(0xFFFFFFFFu);
  CHECK_EQ(f0_model_iwdg_prescaler(), 6u); /* /256 */
  CHECK_EQ(f0_model_iwdg_reload(), 0xFFFu);
}

CASE(iwdg_update_wait_is_bounded) {
  setup();
  f0_model_iwdg_stick_updates(true);
  hal_iwdg_start(1000);
  CHECK(model_reads(A_IWDG_SR) <= 2u * (8u * MHZ / 1000u));
  CHECK(f0_model_iwdg_running());
  f0_model_iwdg_stick_updates(false);
  model_clear_violations();
}

CASE(iwdg_refresh_reloads) {
  setup();
  hal_iwdg_start(100);
  uint32_t reloads = f0_model_stats()->iwdg_reloads;
  hal_iwdg_refresh();
  CHECK_EQ(f0_model_stats()->iwdg_reloads, reloads + 1u);
  CHECK_EQ(write_value(last_write(A_IWDG_KR)), 0xAAAAu);
}

CASE(iwdg_fires_without_refresh) {
  setup();
  f0_model_rcc_set_reset_flags(0);
  hal_iwdg_start(10); /* 10 ms */
  /* 10 ms at 40 kHz with /4: 125 counts of 100 us = 12.5 ms; at 8 MHz that is 100000 polls. */
  EXPECT_RESET(for (uint32_t i = 0; i < 1000000u; i++) { (void)reg_model_read32(A_RCC_CR); });
  CHECK_EQ(peek(A_RCC_CSR) & 0x20000000u, 0x20000000u); /* IWDGRSTF */
  CHECK_EQ(hal_reset_cause(), HAL_RESET_IWDG);
}

CASE(iwdg_hardware_watchdog_reprogrammed) {
  setup();
  f0_model_options_set(0xAA, 0xFE, 0xFF, 0xFF, 0xFFFFFFFFu); /* WDG_SW = 0 */
  CHECK(f0_model_iwdg_running());
  CHECK(hal_flash_option_hw_watchdog());
  hal_iwdg_start(20000);
  CHECK_EQ(f0_model_iwdg_prescaler(), 6u);
  /* Longer than the reset default (409.6 ms at 40 kHz) would allow: 0.5 s at 8 MHz. */
  for (uint32_t i = 0; i < 4000000u; i += 1000u) {
    for (uint32_t j = 0; j < 1000u; j++) {
      (void)reg_model_read32(A_RCC_CR);
    }
  }
  CHECK_EQ(f0_model_stats()->iwdg_expiries, 0);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Reset cause                                                                                           */

CASE(reset_cause_power_on) {
  setup();
  CHECK_EQ(hal_reset_cause(), HAL_RESET_POWER_ON); /* PORRSTF (PINRSTF comes with every reset) */
  CHECK_EQ(peek(A_RCC_CSR) & 0xFF800000u, 0u);       /* RMVF cleared them */
  CHECK_EQ(write_value(last_write(A_RCC_CSR)), 0x01000000u);
  f0_model_rcc_set_reset_flags(0x10000000u);
  CHECK_EQ(hal_reset_cause(), HAL_RESET_POWER_ON); /* read once */
}

/* One case per RCC_CSR flag (hal_reset_cause reads once per boot, so once per process). */
static void check_reset_cause(uint32_t csr, uint32_t cause) {
  setup();
  f0_model_rcc_set_reset_flags(csr);
  CHECK_EQ(hal_reset_cause(), cause);
  CHECK_EQ(peek(A_RCC_CSR) & 0xFF800000u, 0u);
}
CASE(reset_cause_pin_alone) { check_reset_cause(0x04000000u, HAL_RESET_PIN); }
CASE(reset_cause_software) { check_reset_cause(0x14000000u, HAL_RESET_SOFTWARE); }
CASE(reset_cause_iwdg) { check_reset_cause(0x24000000u, HAL_RESET_IWDG); }
CASE(reset_cause_wwdg) { check_reset_cause(0x44000000u, HAL_RESET_WWDG); }
CASE(reset_cause_low_power) { check_reset_cause(0x84000000u, HAL_RESET_LOW_POWER); }
CASE(reset_cause_option_load) { check_reset_cause(0x06000000u, HAL_RESET_OPTION_LOAD); }
CASE(reset_cause_software_then_iwdg) { check_reset_cause(0x34000000u, HAL_RESET_SOFTWARE | HAL_RESET_IWDG); }

CASE(reset_cause_keeps_lsion) {
  setup();
  reg_model_write32(A_RCC_CSR, 1u); /* LSION */
  f0_model_rcc_set_reset_flags(0x14000000u);
  CHECK_EQ(hal_reset_cause(), HAL_RESET_SOFTWARE);
  CHECK_EQ(peek(A_RCC_CSR) & 1u, 1u);
}

CASE(reset_cause_after_option_load) {
  setup();
  EXPECT_RESET((void)hal_flash_wrp_set(0, 1, true));
  CHECK_EQ(hal_reset_cause(), HAL_RESET_OPTION_LOAD | HAL_RESET_POWER_ON); /* flags pile up until RMVF */
}

/* ---------------------------------------------------------------------------------------------------- */
/* Fault record                                                                                          */

CASE(fault_reset_records_and_resets) {
  setup();
  EXPECT_RESET(hal_fault_reset(HAL_FAULT_HARD, 0x08004123u));
  CHECK_EQ(peek(A_RCC_CSR) & 0x10000000u, 0x10000000u); /* SFTRSTF: AIRCR SYSRESETREQ */
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_HARD);
  CHECK_EQ(hal_fault_detail(), 0x08004123u);
  /* Read once, then cleared: the record's words are zero now. */
  for (uint32_t i = 0; i < 4u; i++) {
    CHECK_EQ(f0_model_sram_word(A_FAULT + 4u * i), 0u);
  }
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_HARD); /* the value read at start-up stays */
}

CASE(fault_record_random_ram_is_no_fault) {
  setup(); /* power-on SRAM is pseudo-random */
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_NONE);
  CHECK_EQ(hal_fault_detail(), 0u);
}

CASE(fault_record_torn_is_no_fault) {
  setup();
  f0_model_sram_poke(A_FAULT, 0x54534246u); /* the magic, with kind and detail but a wrong check word */
  f0_model_sram_poke(A_FAULT + 4u, HAL_FAULT_PANIC);
  f0_model_sram_poke(A_FAULT + 8u, 77u);
  f0_model_sram_poke(A_FAULT + 12u, 0u);
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_NONE);
}

CASE(fault_record_survives_only_system_resets) {
  setup();
  EXPECT_RESET(hal_fault_reset(HAL_FAULT_PANIC, 42));
  f0_model_power_cycle(); /* power lost: SRAM is random again */
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_NONE);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Before the jump                                                                                       */

CASE(cpu_quiesce_clears_nvic) {
  setup();
  reg_model_write32(A_NVIC_ISER, (1u << 28) | (1u << 11)); /* USART2, DMA1 4-7 */
  reg_model_write32(A_NVIC_ISPR, 1u << 28);
  f0_model_systick_pend();
  f0_model_pendsv_pend();
  hal_cpu_quiesce();
  CHECK_EQ(f0_model_nvic_enabled(), 0u);
  CHECK_EQ(f0_model_nvic_pending(), 0u);
  CHECK(!f0_model_systick_pending());
  CHECK(!f0_model_pendsv_pending());
}

#define APP 0x08004000u
static uint32_t app_vector(uint32_t i) { return i == 0u ? 0x20004000u : APP + 0x101u + 4u * i; }

static void install_app_table(void) {
  for (uint32_t i = 0; i < 48u; i++) {
    f0_model_flash_poke16(APP + 4u * i, (uint16_t)app_vector(i));
    f0_model_flash_poke16(APP + 4u * i + 2u, (uint16_t)(app_vector(i) >> 16));
  }
  f0_model_flash_poke16(0x08000000u + 4u * 15u, 0x0201u); /* the bootloader's own SysTick vector */
}

/* The Cortex-M0 has no VTOR: after the call, every exception taken through address 0 reaches the
 * application's handler, because its table was copied to SRAM and SRAM is mapped at 0. */
CASE(cpu_vector_table_copies_and_remaps) {
  setup();
  install_app_table();
  CHECK_EQ(f0_model_mem_mode(), 0u);
  CHECK_EQ(f0_model_vector(15) & 0xFFFFu, 0x0201u); /* before: the bootloader's vector */
  hal_cpu_vector_table(APP);
  CHECK_EQ(f0_model_mem_mode(), 3u);
  for (uint32_t i = 0; i < 48u; i++) {
    CHECK_EQ(f0_model_vector(i), app_vector(i)); /* SP, reset, HardFault, SysTick, every IRQ */
    CHECK_EQ(f0_model_sram_word(0x20000000u + 4u * i), app_vector(i));
  }
  CHECK_EQ(f0_model_sram_word(0x200000C0u) == app_vector(0), false); /* 48 words, no more */
  CHECK_EQ(peek(A_RCC_APB2ENR) & 1u, 1u);                            /* SYSCFGCOMPEN */
  /* The remap came after the last word of the copy. */
  CHECK(find_write(A_SYSCFG_CFGR1, 3u, 0) > last_write(0x200000BCu));
}

CASE(cpu_vector_table_keeps_other_syscfg_bits) {
  setup();
  install_app_table();
  reg_model_write32(A_RCC_APB2ENR, 1u);
  reg_model_write32(A_SYSCFG_CFGR1, 1u << 25 | 1u << 8);
  hal_cpu_vector_table(APP);
  CHECK_EQ(peek(A_SYSCFG_CFGR1), (1u << 25) | (1u << 8) | 3u);
}

CASE(cpu_vector_table_misaligned_ignored) {
  setup();
  hal_cpu_vector_table(APP + 2u);
  CHECK_EQ(model_trace_count(), 0);
  CHECK_EQ(f0_model_mem_mode(), 0u);
}

/* ---------------------------------------------------------------------------------------------------- */
/* The model's own rules, driven by raw register writes                                                 */

static void raw_unlock(void) {
  reg_model_write32(A_FLASH_KEYR, 0x45670123u);
  reg_model_write32(A_FLASH_KEYR, 0xCDEF89ABu);
}

static void raw_wait(void) {
  while ((reg_model_read32(A_FLASH_SR) & SR_BSY) != 0u) {
  }
}

CASE(model_store_without_pg_is_ignored) {
  setup();
  raw_unlock();
  reg_model_write16(0x08004000u, 0x1234u);
  CHECK_EQ(f0_model_flash_half(0x08004000u), 0xFFFFu);
  expect_violation("PG = 0");
  model_clear_violations();
}

CASE(model_pgerr_when_not_erased) {
  setup();
  raw_unlock();
  reg_model_write32(A_FLASH_CR, CR_PG);
  reg_model_write16(0x08004000u, 0x00F0u);
  raw_wait();
  CHECK_EQ(peek(A_FLASH_SR), SR_EOP);
  reg_model_write32(A_FLASH_SR, SR_EOP);
  reg_model_write16(0x08004000u, 0x0F00u);
  CHECK_EQ(peek(A_FLASH_SR), SR_PGERR);
  CHECK_EQ(f0_model_flash_half(0x08004000u), 0x00F0u);
  reg_model_write16(0x08004000u, 0x0000u); /* 0x0000 is always written */
  raw_wait();
  CHECK_EQ(f0_model_flash_half(0x08004000u), 0u);
}

CASE(model_eop_set_without_eopie) {
  setup();
  raw_unlock();
  reg_model_write32(A_FLASH_CR, CR_PG);
  reg_model_write16(0x08004000u, 0x1234u);
  CHECK_EQ(peek(A_FLASH_SR) & SR_BSY, SR_BSY);
  raw_wait();
  CHECK_EQ(peek(A_FLASH_SR), SR_EOP);
  CHECK_EQ(peek(A_FLASH_CR) & 0x1000u, 0u); /* EOPIE off */
}

CASE(model_locked_cr_write_rejected) {
  setup();
  reg_model_write32(A_FLASH_CR, CR_PG);
  CHECK_EQ(peek(A_FLASH_CR), CR_LOCK);
  CHECK_EQ(f0_model_stats()->cr_writes_rejected, 1);
  expect_violation("while locked");
  model_clear_violations();
}

CASE(model_status_write_one_to_clear) {
  setup();
  f0_model_flash_inject_error(SR_PGERR | SR_WRPRTERR);
  raw_unlock();
  reg_model_write32(A_FLASH_CR, CR_PG);
  reg_model_write16(0x08004000u, 0x1234u);
  raw_wait();
  CHECK_EQ(peek(A_FLASH_SR), SR_PGERR | SR_WRPRTERR);
  reg_model_write32(A_FLASH_SR, 0u); /* zeros change nothing */
  CHECK_EQ(peek(A_FLASH_SR), SR_PGERR | SR_WRPRTERR);
  reg_model_write32(A_FLASH_SR, SR_PGERR);
  CHECK_EQ(peek(A_FLASH_SR), SR_WRPRTERR);
}

CASE(model_registers_not_writable_while_busy) {
  setup();
  f0_model_flash_set_busy_polls(50, 200);
  raw_unlock();
  reg_model_write32(A_FLASH_CR, CR_PER);
  reg_model_write32(A_FLASH_AR, 0x08008000u);
  reg_model_write32(A_FLASH_CR, CR_PER | CR_STRT);
  reg_model_write32(A_FLASH_CR, CR_LOCK);
  reg_model_write32(A_FLASH_AR, 0x08000000u);
  expect_violation("FLASH_CR write 0x0080 while BSY");
  expect_violation("FLASH_AR written while BSY");
  model_clear_violations();
  raw_wait();
  CHECK_EQ(peek(A_FLASH_CR) & CR_LOCK, 0u); /* the LOCK write was not taken */
}

CASE(model_page_erase_order) {
  setup();
  raw_unlock();
  reg_model_write32(A_FLASH_AR, 0x08008000u); /* before PER */
  reg_model_write32(A_FLASH_CR, CR_PER | CR_STRT);
  expect_violation("same FLASH_CR write that sets PER");
  expect_violation("without FLASH_AR written after PER");
  model_clear_violations();
}

CASE(model_word_store_into_flash_is_fatal_only_while_programming) {
  setup();
  raw_unlock();
  reg_model_write32(0x08004000u, 0x12345678u); /* PG = 0: ignored */
  expect_violation("word store to flash");
  model_clear_violations();
  /* With PG set the same store is a bus error: MODEL FATAL (shown by the mutant that stores words). */
}

CASE(model_options_complement_and_load) {
  setup();
  CHECK_EQ(peek(A_FLASH_OBR), 0xFFFFFF00u); /* factory: level 0, USER/DATA 0xFF, no OPTERR */
  CHECK_EQ(peek(A_FLASH_WRPR), 0xFFFFFFFFu);
  f0_model_option_poke(1, 0xFFFEu); /* USER 0xFE without its complement */
  f0_model_power_cycle();
  CHECK_EQ(peek(A_FLASH_OBR) & 1u, 1u);         /* OPTERR */
  CHECK_EQ((peek(A_FLASH_OBR) >> 8) & 0xFFu, 0xFFu); /* loaded as 0xFF */
  f0_model_option_poke(0, 0xFFFFu); /* RDP erased */
  f0_model_power_cycle();
  CHECK_EQ((peek(A_FLASH_OBR) >> 1) & 3u, 1u); /* level 1 */
}

CASE(model_options_reload_only_at_power_on_or_obl) {
  setup();
  f0_model_option_poke(4, 0xFF00u); /* WRP0 = 0x00: pages 0-15 */
  CHECK_EQ(peek(A_FLASH_WRPR), 0xFFFFFFFFu);
  EXPECT_RESET(reg_model_write32(A_AIRCR, 0x05FA0004u));
  CHECK_EQ(peek(A_FLASH_WRPR), 0xFFFFFFFFu); /* a system reset does not load them */
  f0_model_power_cycle();
  CHECK_EQ(peek(A_FLASH_WRPR), 0xFFFFFF00u);
}

CASE(model_rdp_level1_to_0_mass_erases) {
  setup();
  f0_model_options_set(0xBB, 0xFF, 0xFF, 0xFF, 0xFFFFFFFFu);
  f0_model_flash_poke16(0x08000000u, 0x1234u);
  raw_unlock();
  reg_model_write32(A_FLASH_OPTKEYR, 0x45670123u);
  reg_model_write32(A_FLASH_OPTKEYR, 0xCDEF89ABu);
  reg_model_write32(A_FLASH_CR, 0x0220u);
  reg_model_write32(A_FLASH_CR, 0x0260u);
  raw_wait();
  reg_model_write32(A_FLASH_CR, 0x0210u);
  reg_model_write16(A_OB, 0x00AAu);
  raw_wait();
  CHECK_EQ(f0_model_flash_half(0x08000000u), 0xFFFFu);
  expect_violation("mass erased");
  model_clear_violations();
}

CASE(model_usart_frame_locked_while_enabled) {
  setup();
  reg_model_write32(A_RCC_APB1ENR, 1u << 17);
  reg_model_write32(A_USART2_BRR, 69u);
  reg_model_write32(A_USART2_CR1, 0x0Du);
  reg_model_write32(A_USART2_CR1, 0x140Du); /* M0 + PCE while UE = 1 */
  reg_model_write32(A_USART2_BRR, 417u);
  CHECK_EQ(peek(A_USART2_CR1), 0x0Du);
  CHECK_EQ(peek(A_USART2_BRR), 69u);
  expect_violation("frame bits changed while UE = 1");
  expect_violation("BRR written while UE = 1");
  model_clear_violations();
}

CASE(model_usart_ue_cleared_mid_character) {
  setup();
  reg_model_write32(A_RCC_APB1ENR, 1u << 17);
  reg_model_write32(A_USART2_BRR, 69u);
  reg_model_write32(A_USART2_CR1, 0x0Du);
  reg_model_write32(0x40004428u, 0x55u); /* TDR */
  reg_model_write32(A_USART2_CR1, 0u);
  expect_violation("UE cleared while a character was being sent");
  model_clear_violations();
  CHECK_EQ(peek(A_USART2_ISR) & 0xFFu, 0xC0u); /* ISR back to its defaults */
}

CASE(model_dma_registers_locked_while_enabled) {
  setup();
  reg_model_write32(A_RCC_AHBENR, 0x15u);
  reg_model_write32(A_DMA_CNDTR5, 8u);
  reg_model_write32(A_DMA_CCR5, 0xA1u);
  reg_model_write32(A_DMA_CNDTR5, 16u);
  CHECK_EQ(peek(A_DMA_CNDTR5), 8u);
  expect_violation("written while EN = 1");
  model_clear_violations();
  reg_model_write32(A_DMA_IFCR, 1u << 16);
}

CASE(model_iwdg_registers_need_the_key) {
  setup();
  reg_model_write32(A_IWDG_PR, 6u);
  CHECK_EQ(peek(A_IWDG_SR), 0u);
  expect_violation("without the 0x5555 key");
  model_clear_violations();
  reg_model_write32(A_IWDG_KR, 0x5555u);
  reg_model_write32(A_IWDG_PR, 6u);
  reg_model_write32(A_IWDG_PR, 5u); /* while PVU */
  expect_violation("while its update flag is set");
  model_clear_violations();
}

CASE(model_clock_rules) {
  setup();
  /* PLL at 48 MHz and a switch to it with no wait state: the model must object. */
  reg_model_write32(A_RCC_CFGR, 10u << 18); /* HSI/2 x12 */
  reg_model_write32(A_RCC_CR, 0x01000083u);
  while ((reg_model_read32(A_RCC_CR) & 0x02000000u) == 0u) {
  }
  reg_model_write32(A_RCC_CFGR, (10u << 18) | 2u);
  (void)reg_model_read32(A_RCC_CFGR);
  CHECK_EQ(f0_model_sysclk_hz(), 48u * MHZ);
  expect_violation("needs LATENCY = 1");
  model_clear_violations();
  reg_model_write32(A_RCC_CFGR, (12u << 18) | 2u); /* PLLMUL while the PLL runs */
  expect_violation("PLL is on");
  model_clear_violations();
  reg_model_write32(A_RCC_CFGR2, 1u);
  expect_violation("PREDIV written while the PLL is on");
  model_clear_violations();
}

CASE(model_pllxtpre_is_prediv0) {
  setup();
  reg_model_write32(A_RCC_CFGR2, 1u); /* PREDIV /2 */
  CHECK_EQ(peek(A_RCC_CFGR) & 0x20000u, 0x20000u);
  reg_model_write32(A_RCC_CFGR, 0u); /* a CFGR write with bit 17 clear ... */
  CHECK_EQ(peek(A_RCC_CFGR2), 0u);   /* ... changes PREDIV */
}

CASE(model_no_vtor_on_cortex_m0) {
  setup();
  /* Reading or writing 0xE000ED08 is MODEL FATAL (the mutant that writes VTOR shows it); here only the
   * address map around it. */
  CHECK_EQ(peek(A_AIRCR) >> 16, 0xFA05u);
}

/* ---------------------------------------------------------------------------------------------------- */

static int by_name(const void *a, const void *b) {
  return strcmp(((const struct test_case *)a)->name, ((const struct test_case *)b)->name);
}

int main(int argc, char **argv) {
  qsort(s_cases, s_case_count, sizeof s_cases[0], by_name);
  return run_case_list(argc, argv, s_cases, s_case_count);
}
