/*
 * Named test cases for the STM32H7 drivers against the register model.
 *   ./cases --list      one case name per line
 *   ./cases NAME        runs one case in a fresh model; prints "PASS NAME" or "FAIL NAME: ..." (exit 1)
 *
 * Expected register values are written as literals from RM0433, not with stm32h7_regs.h's names, so a
 * wrong constant in the driver's header fails here. Every case ends by requiring that the model recorded
 * no violation (an access the hardware would ignore, stall on or fault on), unless the case expects one.
 */
#include "case_harness.h"
#include "h7_model.h"
#include "stm32h7.h"
#include "tsboot_hal.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------------- */

#define A_FLASH_ACR 0x52002000u
#define A_FLASH_KEYR1 0x52002004u
#define A_FLASH_OPTKEYR 0x52002008u
#define A_FLASH_CR1 0x5200200Cu
#define A_FLASH_SR1 0x52002010u
#define A_FLASH_CCR1 0x52002014u
#define A_FLASH_OPTCR 0x52002018u
#define A_FLASH_OPTCCR 0x52002024u
#define A_FLASH_OPTSR_PRG 0x52002020u
#define A_FLASH_WPSN_PRG1 0x5200203Cu
#define A_FLASH_KEYR2 0x52002104u
#define A_FLASH_CR2 0x5200210Cu
#define A_FLASH_SR2 0x52002110u
#define A_FLASH_CCR2 0x52002114u
#define A_FLASH_WPSN_PRG2 0x5200213Cu
#define A_RCC_CR 0x58024400u
#define A_RCC_CFGR 0x58024410u
#define A_RCC_D1CFGR 0x58024418u
#define A_RCC_D2CFGR 0x5802441Cu
#define A_RCC_D3CFGR 0x58024420u
#define A_RCC_PLLCKSELR 0x58024428u
#define A_RCC_PLLCFGR 0x5802442Cu
#define A_RCC_PLL1DIVR 0x58024430u
#define A_RCC_D2CCIP2R 0x58024454u
#define A_RCC_AHB1RSTR 0x58024480u
#define A_RCC_APB1LRSTR 0x58024490u
#define A_RCC_RSR 0x580244D0u
#define A_RCC_AHB1ENR 0x580244D8u
#define A_RCC_AHB4ENR 0x580244E0u
#define A_RCC_APB1LENR 0x580244E8u
#define A_PWR_CR3 0x5802480Cu
#define A_PWR_D3CR 0x58024818u
#define A_GPIOA 0x58020000u
#define A_GPIOD 0x58020C00u
#define A_USART1 0x40011000u
#define A_USART3 0x40004800u
#define A_DMA1_LIFCR 0x40020008u
#define A_DMA1_S1CR 0x40020028u
#define A_DMA1_S1NDTR 0x4002002Cu
#define A_DMA1_S1PAR 0x40020030u
#define A_DMA1_S1M0AR 0x40020034u
#define A_DMAMUX1_C1CR 0x40020804u
#define A_IWDG_KR 0x58004800u
#define A_STK_CTRL 0xE000E010u
#define A_STK_LOAD 0xE000E014u
#define A_ICSR 0xE000ED04u
#define A_VTOR 0xE000ED08u
#define A_SCB_CCR 0xE000ED14u
#define A_CFSR 0xE000ED28u
#define A_ICIALLU 0xE000EF50u
#define A_DCIMVAC 0xE000EF5Cu
#define A_MPU_CTRL 0xE000ED94u
#define A_FAULT_RECORD 0x2001FFF0u

#define SR_QW 0x4u
#define SR_EOP 0x10000u
#define SR_WRPERR 0x20000u
#define SR_PGSERR 0x40000u
#define SR_STRBERR 0x80000u
#define SR_INCERR 0x200000u
#define SR_OPERR 0x400000u
#define SR_SNECCERR 0x2000000u
#define SR_DBECCERR 0x4000000u
#define SR_FLAGS 0x1FEF0000u

/* A fresh boot of the drivers: the model at power-on, the drivers' .bss zeroed, the clock tree known. */
static void setup_part(enum h7_part part) {
  h7_model_power_on(part);
  stm32h7_model_zero_bss();
  hal_clock_deinit(); /* the driver's idea of the clock back to HSI 64 MHz (the reset tree) */
  model_trace_clear();
}
static void setup(void) { setup_part(H7_PART_H743ZI); }

static uint32_t peek(uint32_t addr) { return h7_model_peek(addr); }

static uint32_t sector_address(uint32_t number) {
  return (number < 8u ? 0x08000000u : 0x08100000u) + (number % 8u) * 0x20000u;
}

static void check_sector_erased(uint32_t number) {
  uint32_t start = sector_address(number);
  for (uint32_t a = start; a < start + 0x20000u; a += 4u) {
    if (h7_model_flash_word(a) != 0xFFFFFFFFu) {
      FAIL("sector %u not erased at 0x%08X", (unsigned)number, (unsigned)a);
    }
  }
}

static void fill_word(uint8_t *data, uint32_t seed) {
  for (uint32_t i = 0; i < 32u; i++) {
    data[i] = (uint8_t)(seed * 31u + i * 7u + 1u);
  }
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ---- resets: hal_fault_reset ends in SYSRESETREQ; the model longjmps back here after doing the reset ---- */

#define EXPECT_RESET(stmt)                                                                                     \
  do {                                                                                                         \
    EXPECT_RESET_VIA(h7_model_catch_reset, stmt);                                                              \
    stm32h7_model_zero_bss(); /* the startup code of the next boot */                                         \
  } while (0)

/* ---- the fault path: the model calls this for a CPU read that bus-faults; it plays the CPU's exception
 * entry with a stacked frame whose PC is g_fault_pc, where the test placed the load instruction ---- */

static uint32_t g_frame[8];
static uint32_t g_fault_kind = HAL_FAULT_BUS;
#define FAULT_PC 0x08000100u /* in the bootloader's sector: a 16-bit LDR r0, [r5] (0x6828) */

/* What the port's fault entry (hal-bindings/port/tsboot_fault_entry.c) does with an exception, for every
 * family: the driver may recover it (hal_fault_recover); otherwise record it with the stacked PC and reset. */
static void fault_entry(uint32_t *frame, uint32_t kind) {
  if (!hal_fault_recover(kind, frame)) {
    hal_fault_reset(kind, frame[6]);
  }
}

static bool fault_handler(uint32_t address) {
  (void)address;
  uint32_t before = g_frame[6];
  fault_entry(g_frame, g_fault_kind); /* returns only when it resumes */
  return g_frame[6] != before;
}

static void arm_fault_path(uint32_t pc, uint32_t insn_word) {
  memset(g_frame, 0, sizeof g_frame);
  g_frame[6] = pc;
  h7_model_flash_poke(pc & ~3u, insn_word);
  h7_model_on_bus_fault(fault_handler);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash: unlock / lock (RM0433 4.5.1)                                                                   */

CASE(flash_unlock_both_banks_sequence) {
  setup();
  CHECK(h7_model_flash_locked(0) && h7_model_flash_locked(1));
  CHECK_EQ(hal_flash_unlock(), HAL_OK);
  CHECK(!h7_model_flash_locked(0) && !h7_model_flash_locked(1));
  CHECK_EQ(writes_to(A_FLASH_KEYR1), 2);
  CHECK_EQ(writes_to(A_FLASH_KEYR2), 2);
  CHECK_EQ(write_value(find_write(A_FLASH_KEYR1, 0, 0)), 0x45670123u);
  CHECK_EQ(write_value(last_write(A_FLASH_KEYR1)), 0xCDEF89ABu);
  CHECK_EQ(write_value(find_write(A_FLASH_KEYR2, 0, 0)), 0x45670123u);
  CHECK_EQ(write_value(last_write(A_FLASH_KEYR2)), 0xCDEF89ABu);
  CHECK_EQ(hal_flash_unlock(), HAL_OK); /* already unlocked: no key (that would be a wrong sequence) */
  CHECK_EQ(writes_to(A_FLASH_KEYR1) + writes_to(A_FLASH_KEYR2), 4);
  hal_flash_lock();
  CHECK(h7_model_flash_locked(0) && h7_model_flash_locked(1));
  CHECK_EQ(write_value(last_write(A_FLASH_CR1)), 0x31u); /* the reset value: LOCK, PSIZE x64 */
  CHECK_EQ(write_value(last_write(A_FLASH_CR2)), 0x31u);
  hal_flash_lock(); /* already locked: no write to a locked FLASH_CRx */
  CHECK_EQ(h7_model_stats()->bus_errors, 0);
}

CASE(flash_unlock_refused_after_wrong_key) {
  setup();
  reg_model_write32(A_FLASH_KEYR1, 0x12345678u);
  CHECK(h7_model_flash_locked_out(0));
  h7_model_flash_poke(0x08040000u, 0u);
  CHECK_EQ(hal_flash_erase_unit(2), HAL_ERR_LOCKED);
  CHECK_EQ(h7_model_flash_word(0x08040000u), 0u); /* nothing erased */
  uint8_t data[32];
  fill_word(data, 1);
  CHECK_EQ(hal_flash_program_unit(0x08040020u, data), HAL_ERR_LOCKED);
  CHECK_EQ(h7_model_stats()->cr_writes_rejected, 0); /* the driver never wrote the locked FLASH_CR1 */
  /* Bank 2 has its own keys and still works. */
  CHECK_EQ(hal_flash_erase_unit(9), HAL_OK);
  CHECK_EQ(hal_flash_program_unit(0x08120000u, data), HAL_OK);
  expect_violation("bus error, locked until reset");
  expect_violation("after a lockout");
  model_clear_violations();
  h7_model_system_reset(); /* only a reset ends the lockout */
  CHECK(!h7_model_flash_locked_out(0));
  CHECK_EQ(hal_flash_erase_unit(2), HAL_OK);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash: erase (RM0433 4.3.10)                                                                           */

CASE(flash_erase_every_sector) {
  setup();
  for (uint32_t n = 0; n < 16u; n++) {
    uint32_t start = sector_address(n);
    h7_model_flash_poke(start, 0u);
    h7_model_flash_poke(start + 0x1FFFCu, 0u);
    if (n % 8u != 7u) {
      h7_model_flash_poke(start + 0x20000u, 0x11111111u); /* the next sector must survive */
    }
    uint32_t cr = n < 8u ? A_FLASH_CR1 : A_FLASH_CR2;
    uint32_t other = n < 8u ? A_FLASH_CR2 : A_FLASH_CR1;
    model_trace_clear();
    CHECK_EQ(hal_flash_erase_unit(n), HAL_OK);
    int32_t start_write = find_write(cr, 0x80u, 0); /* START */
    CHECK(start_write > 0);
    uint32_t v = write_value(start_write);
    CHECK_EQ((v >> 8) & 7u, n % 8u); /* SNB */
    CHECK_EQ(v & 0x4u, 0x4u);        /* SER */
    CHECK_EQ(v & 0x3Au, 0x30u);      /* PSIZE x64, not PG, not BER */
    /* SER and SNB went in before the write that sets START. */
    CHECK_EQ(model_trace((uint32_t)start_write)->flash_cr_before[n / 8u] & 0x7FCu, v & 0x77Cu);
    CHECK_EQ(writes_to(other), 0);
    check_sector_erased(n);
    if (n % 8u != 7u) {
      CHECK_EQ(h7_model_flash_word(start + 0x20000u), 0x11111111u);
    }
    CHECK(h7_model_flash_locked(n / 8u));
    CHECK_EQ(peek(n < 8u ? A_FLASH_SR1 : A_FLASH_SR2) & SR_FLAGS, 0); /* EOP cleared too */
    CHECK_EQ(h7_model_stats()->flash_erases, n + 1u);
  }
}

CASE(flash_erase_out_of_range) {
  setup();
  CHECK_EQ(hal_flash_erase_unit(16), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_erase_unit(0xFFFFFFFFu), HAL_ERR_ARG);
  CHECK_EQ(model_trace_count(), 0); /* nothing touched */
  setup_part(H7_PART_H743VG);          /* 1 MB: four sectors per bank */
  CHECK_EQ(hal_flash_erase_unit(4), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_erase_unit(12), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_erase_unit(3), HAL_OK);
  CHECK_EQ(hal_flash_erase_unit(11), HAL_OK); /* bank 2 sector 3, at 0x08160000 */
}

CASE(flash_size_blank_assumes_2mb) {
  setup();
  h7_model_set_flashsize_kb(0xFFFFu); /* blank FLASHSIZE, as an emulator may map it */
  CHECK_EQ(hal_flash_erase_unit(15), HAL_OK);
  CHECK_EQ(hal_flash_erase_unit(16), HAL_ERR_ARG);
}

CASE(flash_erase_wait_covers_a_slow_erase) {
  setup();
  /* At HSI 64 MHz the 4 s bound is 256 M polls: an erase of 3 M polls is well inside it. */
  h7_model_flash_set_busy_polls(3, 3000000u);
  CHECK_EQ(hal_flash_erase_unit(5), HAL_OK);
  CHECK_EQ(h7_model_stats()->flash_erases, 1);
}

CASE(flash_busy_stuck_erase_resets) {
  setup();
  /* The bound is counted in CPU cycles: at 2 MHz the two 4 s bounds are 16 M polls of the model. */
  CHECK_EQ(hal_clock_init(0u, 2000000u), 2000000u);
  h7_model_flash_stick_busy(0, true);
  h7_model_flash_set_busy_polls(3, 10);
  EXPECT_RESET((void)hal_flash_erase_unit(3));
  /* Never a FLASH_CR1 write while the bank was busy (that would stall the bus forever: MODEL FATAL), and the
   * record tells the next boot why. */
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_FLASH_STUCK);
  CHECK_EQ(hal_fault_detail() & SR_QW, SR_QW);
  CHECK_EQ(h7_model_stats()->system_reset_requests, 1);
  h7_model_flash_stick_busy(0, false);
  CHECK_EQ(hal_flash_erase_unit(3), HAL_OK); /* the reset ended it */
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash: program (RM0433 4.3.9)                                                                          */

CASE(flash_program_flash_words) {
  setup();
  uint8_t buffer[33];
  uint8_t *data = buffer + 1; /* deliberately unaligned source */
  for (uint32_t w = 0; w < 4u; w++) {
    fill_word(data, w);
    CHECK_EQ(hal_flash_program_unit(0x08020000u + 32u * w, data), HAL_OK);
    CHECK(h7_model_flash_locked(0));
    for (uint32_t i = 0; i < 8u; i++) {
      CHECK_EQ(h7_model_flash_word(0x08020000u + 32u * w + 4u * i), le32(data + 4u * i));
    }
  }
  CHECK_EQ(h7_model_flash_word(0x08020080u), 0xFFFFFFFFu);
  CHECK_EQ(h7_model_stats()->flash_programs, 4);
  CHECK_EQ(h7_model_stats()->flash_force_writes, 0);
  /* Every store into flash: 32-bit, in order, with exactly PG and PSIZE x64 in FLASH_CR1. */
  uint32_t stores = 0;
  uint32_t expected = 0x08020000u;
  for (uint32_t i = 0; i < model_trace_count(); i++) {
    const struct model_write *w = model_trace(i);
    if (w->addr >= 0x08000000u && w->addr < 0x08200000u) {
      CHECK_EQ(w->addr, expected);
      CHECK_EQ(w->flash_cr_before[0], 0x32u);
      expected += 4u;
      stores++;
    }
  }
  CHECK_EQ(stores, 32);
}

CASE(flash_program_bank2_and_last_words) {
  setup();
  uint8_t data[32];
  fill_word(data, 7);
  CHECK_EQ(hal_flash_program_unit(0x080FFFE0u, data), HAL_OK);
  CHECK_EQ(hal_flash_program_unit(0x081FFFE0u, data), HAL_OK);
  CHECK_EQ(hal_flash_program_unit(0x08100000u, data), HAL_OK);
  CHECK_EQ(h7_model_flash_word(0x081FFFFCu), le32(data + 28));
  CHECK_EQ(h7_model_flash_word(0x08100000u), le32(data));
  CHECK_EQ(writes_to(A_FLASH_KEYR2), 4); /* bank 2 unlocked through its own key register */
  CHECK(h7_model_flash_locked(0) && h7_model_flash_locked(1));
}

CASE(flash_program_misaligned_refused) {
  setup();
  uint8_t data[32];
  fill_word(data, 1);
  CHECK_EQ(hal_flash_program_unit(0x08020004u, data), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_program_unit(0x08020010u, data), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_program_unit(0x08020001u, data), HAL_ERR_ARG);
  CHECK_EQ(model_trace_count(), 0);
}

CASE(flash_program_out_of_range_refused) {
  setup();
  uint8_t data[32];
  fill_word(data, 1);
  CHECK_EQ(hal_flash_program_unit(0x08200000u, data), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_program_unit(0x07FFFFE0u, data), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_program_unit(0x24000000u, data), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_program_unit(0xFFFFFFE0u, data), HAL_ERR_ARG);
  CHECK_EQ(model_trace_count(), 0);
  setup_part(H7_PART_H743VG); /* 512 KB banks: 0x08080000-0x080FFFFF is a hole */
  CHECK_EQ(hal_flash_program_unit(0x08080000u, data), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_program_unit(0x08180000u, data), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_program_unit(0x0807FFE0u, data), HAL_OK);
  CHECK_EQ(hal_flash_program_unit(0x08100000u, data), HAL_OK);
}

CASE(flash_program_not_erased_refused) {
  setup();
  h7_model_flash_poke(0x08020008u, 0xFFFF0000u);
  uint8_t data[32];
  memset(data, 0, sizeof data);
  CHECK_EQ(hal_flash_program_unit(0x08020000u, data), HAL_ERR_VERIFY);
  /* Not one store: programming over data would have made the word's ECC wrong (and H7 flags nothing). */
  for (uint32_t i = 0; i < model_trace_count(); i++) {
    CHECK(model_trace(i)->addr < 0x08000000u || model_trace(i)->addr >= 0x08200000u);
  }
  CHECK(!h7_model_flash_ecc_bad(0x08020000u));
  CHECK_EQ(h7_model_flash_word(0x08020008u), 0xFFFF0000u);
  CHECK(h7_model_flash_locked(0));
}

CASE(flash_program_partial_force_write) {
  setup();
  uint8_t data[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  CHECK_EQ(stm32h7_flash_program_partial(0x08020040u, data, 12u), HAL_OK);
  CHECK_EQ(h7_model_flash_word(0x08020040u), 0x04030201u);
  CHECK_EQ(h7_model_flash_word(0x08020048u), 0x0C0B0A09u);
  for (uint32_t a = 0x0802004Cu; a < 0x08020060u; a += 4u) {
    CHECK_EQ(h7_model_flash_word(a), 0xFFFFFFFFu); /* "the missing bits are set to 1" */
  }
  CHECK_EQ(h7_model_stats()->flash_programs, 1);
  CHECK_EQ(h7_model_stats()->flash_force_writes, 1);
  /* FW written with PG after the three stores, PSIZE x64 kept. */
  int32_t fw = find_write(A_FLASH_CR1, 0x40u, 0);
  CHECK(fw > 0);
  CHECK_EQ(write_value(fw), 0x72u);
  CHECK_EQ(writes_to(0x08020048u), 1);
  CHECK(last_write(0x08020048u) < fw);
  CHECK(h7_model_flash_locked(0));
}

CASE(flash_program_partial_bad_length) {
  setup();
  uint8_t data[32] = {0};
  CHECK_EQ(stm32h7_flash_program_partial(0x08020040u, data, 0u), HAL_ERR_ARG);
  CHECK_EQ(stm32h7_flash_program_partial(0x08020040u, data, 5u), HAL_ERR_ARG);
  CHECK_EQ(stm32h7_flash_program_partial(0x08020040u, data, 32u), HAL_ERR_ARG);
  CHECK_EQ(stm32h7_flash_program_partial(0x08020044u, data, 4u), HAL_ERR_ARG);
  CHECK_EQ(model_trace_count(), 0);
}

CASE(flash_write_unit_is_a_flash_word) {
  setup();
  CHECK_EQ(hal_flash_write_unit(), 32);
}

CASE(flash_program_wait_covers_a_slow_word) {
  setup();
  /* 600 us at 64 MHz = 38400 polls; a word that takes 30000 polls still succeeds. */
  h7_model_flash_set_busy_polls(30000u, 200u);
  uint8_t data[32];
  fill_word(data, 3);
  CHECK_EQ(hal_flash_program_unit(0x08020000u, data), HAL_OK);
}

CASE(flash_program_at_400mhz) {
  setup();
  h7_model_rcc_set_hse(H7_HSE_CLOCK_IN, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 400000000u), 400000000u);
  /* The model checks WRHIGHFREQ against the 200 MHz flash clock at every program (RM0433 table 17). */
  uint8_t data[32];
  fill_word(data, 12);
  CHECK_EQ(hal_flash_erase_unit(4), HAL_OK);
  CHECK_EQ(hal_flash_program_unit(0x08080000u, data), HAL_OK);
  CHECK_EQ(h7_model_flash_word(0x0808001Cu), le32(data + 28));
}

CASE(flash_partial_write_buffer_drained_first) {
  setup();
  /* Raw code left half a flash word in bank 1's write buffer (its stores were cut short). */
  reg_model_write32(A_FLASH_KEYR1, 0x45670123u);
  reg_model_write32(A_FLASH_KEYR1, 0xCDEF89ABu);
  reg_model_write32(A_FLASH_CR1, 0x32u);
  reg_model_write32(0x08030000u, 0x11223344u);
  reg_model_write32(0x08030004u, 0x55667788u);
  CHECK_EQ(peek(A_FLASH_SR1) & 0x2u, 0x2u); /* WBNE */
  uint8_t data[32];
  fill_word(data, 9);
  CHECK_EQ(hal_flash_program_unit(0x08020000u, data), HAL_OK); /* no INCERR: the buffer was force-written */
  CHECK_EQ(h7_model_flash_word(0x08030000u), 0x11223344u);
  CHECK_EQ(h7_model_flash_word(0x08030008u), 0xFFFFFFFFu);
  CHECK_EQ(h7_model_flash_word(0x08020000u), le32(data));
  CHECK_EQ(h7_model_stats()->flash_force_writes, 1);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash: errors                                                                                         */

CASE(flash_wrp_program) {
  setup();
  h7_model_options_set_wrp(0, 0xFDu); /* bank 1 sector 1 protected */
  uint8_t data[32];
  fill_word(data, 2);
  CHECK_EQ(hal_flash_program_unit(0x08020000u, data), HAL_ERR_WRP);
  CHECK_EQ(h7_model_flash_word(0x08020000u), 0xFFFFFFFFu);
  CHECK_EQ(peek(A_FLASH_SR1) & SR_FLAGS, 0);
  CHECK_EQ(write_value(last_write(A_FLASH_CCR1)), SR_WRPERR); /* WRPERR cleared by writing 1 to it alone */
  CHECK(h7_model_flash_locked(0));
  CHECK_EQ(hal_flash_program_unit(0x08040000u, data), HAL_OK); /* sector 2 is not protected */
}

CASE(flash_wrp_erase) {
  setup();
  h7_model_options_set_wrp(1, 0x7Fu); /* bank 2 sector 7 */
  h7_model_flash_poke(0x081E0000u, 0u);
  CHECK_EQ(hal_flash_erase_unit(15), HAL_ERR_WRP);
  CHECK_EQ(h7_model_flash_word(0x081E0000u), 0u);
  CHECK_EQ(peek(A_FLASH_SR2) & SR_FLAGS, 0);
  CHECK(h7_model_flash_locked(1));
  CHECK_EQ(hal_flash_erase_unit(14), HAL_OK);
}

static void check_injected(uint32_t flag, uint32_t expected) {
  setup();
  uint8_t data[32];
  fill_word(data, 4);
  h7_model_flash_inject_error(0, flag);
  CHECK_EQ(hal_flash_program_unit(0x08020000u, data), expected);
  CHECK_EQ(h7_model_flash_word(0x08020000u), 0xFFFFFFFFu);
  CHECK(h7_model_flash_locked(0));
  CHECK_EQ(peek(A_FLASH_SR1) & SR_FLAGS, 0);
  CHECK_EQ(write_value(last_write(A_FLASH_CCR1)), flag);
  CHECK(last_write(A_FLASH_CCR1) < last_write(A_FLASH_CR1)); /* flags cleared, then locked */

  h7_model_flash_inject_error(0, flag);
  h7_model_flash_poke(0x08060000u, 0u);
  CHECK_EQ(hal_flash_erase_unit(3), expected);
  CHECK_EQ(h7_model_flash_word(0x08060000u), 0u);
  CHECK(h7_model_flash_locked(0));
  CHECK_EQ(peek(A_FLASH_SR1) & SR_FLAGS, 0);
  /* and the controller works again */
  CHECK_EQ(hal_flash_program_unit(0x08020000u, data), HAL_OK);
  CHECK_EQ(hal_flash_erase_unit(3), HAL_OK);
}

CASE(flash_error_wrperr_maps) { check_injected(SR_WRPERR, HAL_ERR_WRP); }
CASE(flash_error_pgserr_maps) { check_injected(SR_PGSERR, HAL_ERR_PGS); }
CASE(flash_error_strberr_maps) { check_injected(SR_STRBERR, HAL_ERR_PGS); }
CASE(flash_error_incerr_maps) { check_injected(SR_INCERR, HAL_ERR_OPERATION); }
CASE(flash_error_operr_maps) { check_injected(SR_OPERR, HAL_ERR_OPERATION); }

CASE(flash_error_priority) {
  setup();
  uint8_t data[32];
  fill_word(data, 5);
  h7_model_flash_inject_error(1, SR_PGSERR | SR_WRPERR | SR_OPERR); /* the most specific wins */
  CHECK_EQ(hal_flash_program_unit(0x08120000u, data), HAL_ERR_WRP);
  CHECK_EQ(peek(A_FLASH_SR2) & SR_FLAGS, 0);
  CHECK_EQ(write_value(last_write(A_FLASH_CCR2)), SR_PGSERR | SR_WRPERR | SR_OPERR);
}

CASE(flash_stale_flags_cleared_first) {
  setup();
  reg_model_write32(0x08020000u, 0u); /* a stray store with FLASH_CR1 locked: PGSERR */
  expect_violation("PGSERR");
  model_clear_violations();
  CHECK_EQ(peek(A_FLASH_SR1) & SR_PGSERR, SR_PGSERR);
  uint8_t data[32];
  fill_word(data, 6);
  CHECK_EQ(hal_flash_program_unit(0x08020020u, data), HAL_OK); /* not reported as this one's error */
  CHECK_EQ(peek(A_FLASH_SR1) & SR_FLAGS, 0);
  CHECK_EQ(h7_model_flash_word(0x08020000u), 0xFFFFFFFFu);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash: ECC (RM0433 4.3.4) and the fault path                                                          */

CASE(flash_ecc_torn_word_read_resumes) {
  setup();
  arm_fault_path(FAULT_PC, 0x00006828u); /* LDR r0, [r5]: 16 bits */
  h7_model_flash_tear(0x08040020u, 1);
  uint32_t v = reg_model_read32(0x08040024u); /* the bootloader reading the torn word */
  CHECK_EQ(v, H7_MODEL_FAULTED_READ);         /* the load did not complete; the code went on */
  CHECK_EQ(g_frame[6], FAULT_PC + 2u);        /* past the 16-bit load */
  CHECK_EQ(h7_model_stats()->ecc_bus_faults, 1);
  CHECK_EQ(h7_model_stats()->system_reset_requests, 0);
  CHECK_EQ(peek(A_CFSR) & 0x8200u, 0);            /* PRECISERR, BFARVALID cleared */
  CHECK_EQ(peek(A_FLASH_SR1) & SR_DBECCERR, 0);   /* cleared, so FLASH_ECC_FA1 can catch the next one */
  CHECK(hal_flash_take_ecc_error());
  CHECK_EQ(stm32h7_flash_ecc_address(), 0x08040024u);
  CHECK(!hal_flash_take_ecc_error()); /* taken: cleared */
  /* A second read of the same word faults and is skipped again: no loop, no reset. */
  g_frame[6] = FAULT_PC;
  CHECK_EQ(reg_model_read32(0x08040020u), H7_MODEL_FAULTED_READ);
  CHECK(hal_flash_take_ecc_error());
}

CASE(flash_ecc_skips_a_32bit_load) {
  setup();
  arm_fault_path(FAULT_PC + 4u, 0x0000F8D5u); /* LDR.W: the first halfword 0xF8D5 starts 32 bits */
  h7_model_flash_tear(0x08120000u, 2);
  CHECK_EQ(reg_model_read32(0x08120000u), H7_MODEL_FAULTED_READ);
  CHECK_EQ(g_frame[6], FAULT_PC + 8u);
  CHECK(hal_flash_take_ecc_error());
  CHECK_EQ(stm32h7_flash_ecc_address(), 0x08120000u);
}

CASE(flash_ecc_resumes_from_hardfault_too) {
  setup();
  g_fault_kind = HAL_FAULT_HARD; /* BusFault not enabled: escalated */
  arm_fault_path(FAULT_PC, 0x00006828u);
  h7_model_flash_tear(0x08040000u, 3);
  CHECK_EQ(reg_model_read32(0x08040000u), H7_MODEL_FAULTED_READ);
  CHECK_EQ(g_frame[6], FAULT_PC + 2u);
  CHECK(hal_flash_take_ecc_error());
}

CASE(fault_bus_error_without_ecc_resets) {
  setup();
  arm_fault_path(FAULT_PC, 0x00006828u);
  h7_model_bus_error(0x08040000u); /* a bus error in flash that no DBECCERR explains */
  EXPECT_RESET(fault_entry(g_frame, HAL_FAULT_BUS));
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_BUS);
  CHECK_EQ(hal_fault_detail(), FAULT_PC);
  CHECK(!hal_flash_take_ecc_error());
}

CASE(fault_bus_error_outside_flash_resets) {
  setup();
  arm_fault_path(FAULT_PC, 0x00006828u);
  h7_model_bus_error(0x60000000u);
  EXPECT_RESET(fault_entry(g_frame, HAL_FAULT_BUS));
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_BUS);
}

CASE(fault_other_kinds_reset) {
  static const uint32_t kinds[] = {HAL_FAULT_NMI, HAL_FAULT_MEMMANAGE, HAL_FAULT_USAGE};
  for (volatile uint32_t i = 0; i < 3u; i++) {
    setup();
    arm_fault_path(FAULT_PC, 0x00006828u);
    h7_model_flash_tear(0x08040000u, 4);
    h7_model_flash_read_by_dma(0x08040000u); /* DBECCERR set - but a usage fault is not a read to skip */
    h7_model_bus_error(0x08040000u);
    EXPECT_RESET(fault_entry(g_frame, kinds[i]));
    CHECK_EQ(hal_fault_kind(), kinds[i]);
    CHECK_EQ(hal_fault_detail(), FAULT_PC);
  }
}

CASE(flash_program_over_torn_word_reports_ecc) {
  setup();
  arm_fault_path(FAULT_PC, 0x00006828u);
  h7_model_flash_tear(0x08020000u, 5);
  uint8_t data[32];
  fill_word(data, 8);
  CHECK_EQ(hal_flash_program_unit(0x08020000u, data), HAL_ERR_ECC);
  for (uint32_t i = 0; i < model_trace_count(); i++) {
    CHECK(model_trace(i)->addr != 0x08020000u); /* nothing stored */
  }
  CHECK(h7_model_flash_locked(0));
  CHECK(hal_flash_take_ecc_error()); /* the core hears of it too */
  /* Erasing the sector makes it programmable again. */
  CHECK_EQ(hal_flash_erase_unit(1), HAL_OK);
  CHECK(!h7_model_flash_ecc_bad(0x08020000u));
  CHECK_EQ(hal_flash_program_unit(0x08020000u, data), HAL_OK);
}

CASE(flash_ecc_seen_by_another_master_is_reported) {
  setup();
  h7_model_flash_tear(0x08120040u, 6);
  (void)h7_model_flash_read_by_dma(0x08120044u); /* DBECCERR2, FAIL_ECC_ADDR2, no CPU fault */
  CHECK_EQ(peek(A_FLASH_SR2) & SR_DBECCERR, SR_DBECCERR);
  /* An operation on that bank clears the flags but keeps the error for hal_flash_take_ecc_error. */
  CHECK_EQ(hal_flash_erase_unit(8), HAL_OK);
  CHECK_EQ(peek(A_FLASH_SR2) & SR_DBECCERR, 0);
  CHECK(hal_flash_take_ecc_error());
  CHECK_EQ(stm32h7_flash_ecc_address(), 0x08120040u); /* the flash word, from FLASH_ECC_FA2 */
  CHECK(!hal_flash_take_ecc_error());
}

CASE(flash_single_ecc_error_is_corrected) {
  setup();
  h7_model_flash_poke(0x08040000u, 0x12345678u);
  h7_model_flash_single_error(0x08040000u);
  CHECK_EQ(reg_model_read32(0x08040000u), 0x12345678u); /* corrected data, no fault */
  CHECK_EQ(peek(A_FLASH_SR1) & SR_SNECCERR, SR_SNECCERR);
  CHECK(!hal_flash_take_ecc_error()); /* a corrected error is not unreliable data */
  CHECK_EQ(peek(A_FLASH_SR1) & SR_SNECCERR, 0);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Flash and the D-cache                                                                                  */

CASE(flash_program_invalidates_dcache_before_readback) {
  setup();
  h7_model_enable_caches(true, false); /* a port running with the D-cache on */
  CHECK_EQ(reg_model_read32(0x08020000u), 0xFFFFFFFFu); /* the erased word, now a cached line */
  CHECK(h7_model_dcache_holds(0x08020000u));
  uint8_t data[32];
  fill_word(data, 10);
  /* Verify reads flash, not the stale line: a cached 0xFF would fail it. */
  CHECK_EQ(hal_flash_program_unit(0x08020000u, data), HAL_OK);
  CHECK_EQ(reg_model_read32(0x08020000u), le32(data));
  CHECK(h7_model_stats()->dcimvac >= 2u);
}

CASE(flash_erase_invalidates_dcache) {
  setup();
  h7_model_flash_poke(0x08060000u, 0x0u);
  h7_model_flash_poke(0x0807FFE0u, 0x0u);
  h7_model_enable_caches(true, false);
  CHECK_EQ(reg_model_read32(0x08060000u), 0u);
  CHECK_EQ(reg_model_read32(0x0807FFE0u), 0u);
  CHECK_EQ(hal_flash_erase_unit(3), HAL_OK);
  CHECK(!h7_model_dcache_holds(0x08060000u));
  CHECK(!h7_model_dcache_holds(0x0807FFE0u));
  CHECK_EQ(reg_model_read32(0x0807FFE0u), 0xFFFFFFFFu);
  CHECK_EQ(h7_model_stats()->dcimvac, 4096); /* every line of the 128 KB sector */
}

CASE(flash_no_cache_maintenance_with_dcache_off) {
  setup();
  uint8_t data[32];
  fill_word(data, 11);
  CHECK_EQ(hal_flash_erase_unit(2), HAL_OK);
  CHECK_EQ(hal_flash_program_unit(0x08040000u, data), HAL_OK);
  CHECK_EQ(writes_to(A_DCIMVAC), 0);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Option bytes (RM0433 4.4)                                                                             */

CASE(wrp_set_protects_bootloader_sector) {
  setup();
  CHECK(!hal_flash_wrp_active(0));
  CHECK_EQ(hal_flash_wrp_set(0, 0, true), HAL_OK);
  CHECK(hal_flash_wrp_active(0)); /* in force at once: no reset on H7 */
  CHECK(!hal_flash_wrp_active(1));
  CHECK_EQ(writes_to(A_FLASH_OPTKEYR), 2);
  CHECK_EQ(write_value(find_write(A_FLASH_OPTKEYR, 0, 0)), 0x08192A3Bu);
  CHECK_EQ(write_value(last_write(A_FLASH_OPTKEYR)), 0x4C5D6E7Fu);
  CHECK_EQ(write_value(last_write(A_FLASH_WPSN_PRG1)) & 0xFFu, 0xFEu);
  int32_t start = find_write(A_FLASH_OPTCR, 0x2u, 0);
  CHECK(start > last_write(A_FLASH_WPSN_PRG1));
  CHECK_EQ(write_value(start) & 0x10u, 0); /* never MER */
  CHECK(h7_model_options_locked());
  CHECK_EQ(h7_model_stats()->option_changes, 1);
  CHECK(model_reads(0x5200201Cu) > 2u); /* OPT_BUSY polled */
  CHECK_EQ(hal_flash_erase_unit(0), HAL_ERR_WRP);
  h7_model_system_reset(); /* and it stays after a reset */
  CHECK(hal_flash_wrp_active(0));
}

CASE(wrp_set_across_banks) {
  setup();
  CHECK_EQ(hal_flash_wrp_set(6, 9, true), HAL_OK);
  CHECK_EQ(write_value(last_write(A_FLASH_WPSN_PRG1)) & 0xFFu, 0x3Fu);
  CHECK_EQ(write_value(last_write(A_FLASH_WPSN_PRG2)) & 0xFFu, 0xFCu);
  for (uint32_t n = 0; n < 16u; n++) {
    CHECK_EQ(hal_flash_wrp_active(n), n >= 6u && n <= 9u);
  }
}

CASE(wrp_unprotect) {
  setup();
  h7_model_options_set_wrp(0, 0xFCu);
  CHECK(hal_flash_wrp_active(0) && hal_flash_wrp_active(1));
  CHECK_EQ(hal_flash_wrp_set(0, 0, false), HAL_OK);
  CHECK(!hal_flash_wrp_active(0));
  CHECK(hal_flash_wrp_active(1));
  CHECK_EQ(hal_flash_erase_unit(0), HAL_OK);
}

CASE(wrp_already_in_force_spends_no_cycle) {
  setup();
  h7_model_options_set_wrp(0, 0xFEu);
  CHECK_EQ(hal_flash_wrp_set(0, 0, true), HAL_OK);
  CHECK_EQ(writes_to(A_FLASH_OPTKEYR), 0);
  CHECK_EQ(h7_model_stats()->option_changes, 0);
}

CASE(wrp_change_error_reported) {
  setup();
  h7_model_options_fail_next();
  CHECK_EQ(hal_flash_wrp_set(0, 1, true), HAL_ERR_OPERATION);
  CHECK(!hal_flash_wrp_active(0));
  CHECK_EQ(write_value(last_write(A_FLASH_OPTCCR)), 0x40000000u); /* CLR_OPTCHANGEERR */
  CHECK(h7_model_options_locked());
  CHECK_EQ(hal_flash_wrp_set(0, 1, true), HAL_OK);
}

CASE(wrp_bad_arguments) {
  setup();
  CHECK_EQ(hal_flash_wrp_set(16, 16, true), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_wrp_set(3, 2, true), HAL_ERR_ARG);
  CHECK(!hal_flash_wrp_active(16));
  setup_part(H7_PART_H743VG);
  CHECK_EQ(hal_flash_wrp_set(0, 4, true), HAL_ERR_ARG);
  CHECK_EQ(model_trace_count(), 0);
}

CASE(wrp_options_key_lockout) {
  setup();
  reg_model_write32(A_FLASH_OPTKEYR, 0x11111111u);
  expect_violation("bus error, locked until reset");
  model_clear_violations();
  CHECK_EQ(hal_flash_wrp_set(0, 0, true), HAL_ERR_LOCKED);
  model_clear_violations(); /* the driver's own keys after the lockout: bus errors on silicon */
  CHECK(!hal_flash_wrp_active(0));
}

CASE(option_hw_watchdog) {
  setup();
  CHECK(!hal_flash_option_hw_watchdog());
  h7_model_options_set_optsr(0x1606AAE0u); /* IWDG1_SW = 0 */
  CHECK(hal_flash_option_hw_watchdog());
}

CASE(bank_swap_state) {
  setup();
  CHECK(!stm32h7_flash_bank_swap_active());
  CHECK(!stm32h7_flash_bank_swap_next_reset());
  h7_model_options_set_optsr(0x1606AAF0u | 0x80000000u); /* SWAP_BANK_OPT programmed */
  CHECK(!stm32h7_flash_bank_swap_active());              /* not before a reset */
  CHECK(stm32h7_flash_bank_swap_next_reset());
  h7_model_system_reset();
  CHECK(stm32h7_flash_bank_swap_active());
}

/* The bank-swap install (docs/slots.md): SWAP_BANK_OPT by the option change sequence, applied at reset. */
CASE(bank_swap_set_programs_option) {
  setup();
  CHECK_EQ(stm32h7_flash_bank_swap_set(true), HAL_OK);
  CHECK(stm32h7_flash_bank_swap_next_reset());
  CHECK(!stm32h7_flash_bank_swap_active()); /* the mapping changes at the next reset only */
  CHECK_EQ(writes_to(A_FLASH_OPTKEYR), 2);
  CHECK_EQ(write_value(find_write(A_FLASH_OPTKEYR, 0, 0)), 0x08192A3Bu);
  CHECK_EQ(write_value(last_write(A_FLASH_OPTKEYR)), 0x4C5D6E7Fu);
  /* SWAP_BANK_OPT set, every other option bit (RDP level 0, IWDG1_SW, BOR ...) written back unchanged */
  CHECK_EQ(write_value(last_write(A_FLASH_OPTSR_PRG)), 0x1606AAF0u | 0x80000000u);
  int32_t start = find_write(A_FLASH_OPTCR, 0x2u, 0);
  CHECK(start > last_write(A_FLASH_OPTSR_PRG));
  CHECK_EQ(write_value(start) & 0x10u, 0); /* never MER */
  CHECK(model_reads(0x5200201Cu) > 2u); /* OPT_BUSY polled */
  CHECK(h7_model_options_locked());
  CHECK_EQ(h7_model_stats()->option_changes, 1);
  h7_model_system_reset();
  CHECK(stm32h7_flash_bank_swap_active());
  CHECK_EQ(stm32h7_flash_bank_swap_set(false), HAL_OK); /* the revert: the same flip back */
  CHECK_EQ(write_value(last_write(A_FLASH_OPTSR_PRG)), 0x1606AAF0u);
  CHECK(stm32h7_flash_bank_swap_active());
  CHECK(!stm32h7_flash_bank_swap_next_reset());
  CHECK(h7_model_options_locked());
  h7_model_system_reset();
  CHECK(!stm32h7_flash_bank_swap_active());
}

CASE(bank_swap_set_unchanged_spends_no_cycle) {
  setup();
  CHECK_EQ(stm32h7_flash_bank_swap_set(false), HAL_OK);
  h7_model_options_set_optsr(0x1606AAF0u | 0x80000000u);
  CHECK_EQ(stm32h7_flash_bank_swap_set(true), HAL_OK);
  CHECK_EQ(writes_to(A_FLASH_OPTKEYR), 0);
  CHECK_EQ(h7_model_stats()->option_changes, 0);
}

CASE(bank_swap_set_change_error_reported) {
  setup();
  h7_model_options_fail_next();
  CHECK_EQ(stm32h7_flash_bank_swap_set(true), HAL_ERR_OPERATION);
  CHECK(!stm32h7_flash_bank_swap_next_reset()); /* the old value stays */
  CHECK_EQ(write_value(last_write(A_FLASH_OPTCCR)), 0x40000000u);
  CHECK(h7_model_options_locked());
  CHECK_EQ(stm32h7_flash_bank_swap_set(true), HAL_OK);
  CHECK(stm32h7_flash_bank_swap_next_reset());
}

/* An OPTCHANGEERR left by an earlier change is not this change's result. */
CASE(bank_swap_set_clears_stale_change_error) {
  setup();
  h7_model_options_set_change_error();
  CHECK_EQ(stm32h7_flash_bank_swap_set(true), HAL_OK);
  CHECK(stm32h7_flash_bank_swap_next_reset());
  CHECK(find_write(A_FLASH_OPTCCR, 0x40000000u, 0) < find_write(A_FLASH_OPTCR, 0x2u, 0));
  CHECK(h7_model_options_locked());
}

CASE(bank_swap_set_key_lockout) {
  setup();
  reg_model_write32(A_FLASH_OPTKEYR, 0x11111111u);
  expect_violation("bus error, locked until reset");
  model_clear_violations();
  CHECK_EQ(stm32h7_flash_bank_swap_set(true), HAL_ERR_LOCKED);
  model_clear_violations();
  CHECK(!stm32h7_flash_bank_swap_next_reset());
  h7_model_system_reset(); /* the lockout ends at a reset */
  CHECK_EQ(stm32h7_flash_bank_swap_set(true), HAL_OK);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Clocks (RM0433 6, 8)                                                                                  */

static void check_reset_clock_tree(void) {
  CHECK_EQ(peek(A_RCC_CFGR) & 0x3Fu, 0);
  CHECK_EQ(peek(A_RCC_CR) & 0x01050000u, 0); /* PLL1ON, HSEON, HSEBYP */
  CHECK_EQ(peek(A_RCC_D1CFGR), 0);
  CHECK_EQ(peek(A_RCC_D2CFGR), 0);
  CHECK_EQ(peek(A_RCC_D3CFGR), 0);
  CHECK_EQ(peek(A_RCC_PLLCKSELR), 0x02020200u);
  CHECK_EQ(peek(A_RCC_PLLCFGR), 0x01FF0000u);
  CHECK_EQ(peek(A_RCC_PLL1DIVR), 0x01010280u);
  CHECK_EQ(peek(A_FLASH_ACR), 0x37u);
  CHECK_EQ(h7_model_cpu_hz(), 64000000u);
  CHECK_EQ(hal_clock_hclk_hz(), 64000000u);
  CHECK_EQ(h7_model_vos(), 3);
}

CASE(clock_hse_bypass_400mhz) {
  setup();
  h7_model_rcc_set_hse(H7_HSE_CLOCK_IN, 8000000u); /* the ST-LINK's MCO */
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 400000000u), 400000000u);
  CHECK_EQ(h7_model_cpu_hz(), 400000000u);
  CHECK_EQ(h7_model_axi_hz(), 200000000u);
  CHECK_EQ(h7_model_pclk1_hz(), 100000000u);
  CHECK_EQ(h7_model_pclk2_hz(), 100000000u);
  CHECK_EQ(h7_model_vos(), 1);
  CHECK_EQ(hal_clock_hclk_hz(), 400000000u);
  CHECK_EQ(stm32h7_clock_axi_hz(), 200000000u);
  CHECK_EQ(peek(A_RCC_PLLCKSELR) & 0x3F3u, (4u << 4) | 2u);     /* DIVM1 = 4 (2 MHz), HSE */
  CHECK_EQ(peek(A_RCC_PLL1DIVR) & 0xFFFFu, (399u) | (1u << 9)); /* DIVN1 = 400, DIVP1 = 2: VCO 800 MHz */
  CHECK_EQ(peek(A_RCC_PLLCFGR) & 0x7000Fu, 0x10004u);           /* DIVP1EN, PLL1RGE 2-4 MHz, wide VCO */
  CHECK_EQ(peek(A_FLASH_ACR), 0x22u);                           /* 2 wait states, WRHIGHFREQ 10 */
  CHECK_EQ(peek(A_RCC_CR) & 0x00040000u, 0x00040000u);          /* HSEBYP */
  /* The order that keeps every step inside its limits: supply, VOS1, wait states, PLL on, switch. */
  int32_t cr3 = find_write(A_PWR_CR3, 0, 0);
  int32_t vos = find_write(A_PWR_D3CR, 0xC000u, 0);
  int32_t acr = find_value(A_FLASH_ACR, 0x22u, 0);
  int32_t pll = find_write(A_RCC_CR, 0x01000000u, 0);
  int32_t sw = find_write(A_RCC_CFGR, 0x3u, 0);
  CHECK(cr3 >= 0 && cr3 < vos && vos < acr && acr < pll && pll < sw);
  CHECK_EQ(write_value(cr3) & 0x7u, 0x2u); /* LDOEN, BYPASS = 0 */
  CHECK_EQ(writes_to(A_PWR_CR3), 1);
}

CASE(clock_hse_crystal_168_without_bypass) {
  setup();
  h7_model_rcc_set_hse(H7_HSE_CRYSTAL, 25000000u);
  CHECK_EQ(hal_clock_init(25000000u, 200000000u), 200000000u);
  CHECK_EQ(h7_model_cpu_hz(), 200000000u);
  CHECK_EQ(h7_model_axi_hz(), 200000000u);
  CHECK_EQ(h7_model_pclk1_hz(), 100000000u);
  CHECK_EQ(peek(A_RCC_CR) & 0x00040000u, 0); /* no HSEBYP for a crystal */
}

CASE(clock_hse_missing_falls_back_to_hsi) {
  setup();
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 400000000u), 64000000u);
  check_reset_clock_tree();
}

CASE(clock_hse_crystal_but_bypass_requested_falls_back) {
  setup();
  h7_model_rcc_set_hse(H7_HSE_CRYSTAL, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 400000000u), 64000000u);
  check_reset_clock_tree();
}

CASE(clock_hsi_pll_400mhz) {
  setup();
  CHECK_EQ(hal_clock_init(0u, 400000000u), 400000000u);
  CHECK_EQ(peek(A_RCC_PLLCKSELR) & 0x3F3u, (32u << 4) | 0u); /* HSI / 32 = 2 MHz */
  CHECK_EQ(h7_model_cpu_hz(), 400000000u);
}

CASE(clock_pll_never_locks_falls_back) {
  setup();
  h7_model_rcc_set_hse(H7_HSE_CLOCK_IN, 8000000u);
  h7_model_rcc_pll_never_locks(true);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 400000000u), 64000000u);
  check_reset_clock_tree();
}

CASE(clock_unreachable_frequency_falls_back) {
  setup();
  h7_model_rcc_set_hse(H7_HSE_CLOCK_IN, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 480000000u), 64000000u); /* needs VOS0 */
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 399999999u), 64000000u);
  check_reset_clock_tree();
  CHECK_EQ(writes_to(A_PWR_CR3), 0); /* nothing was started */
}

CASE(clock_hsi_only_request_touches_nothing) {
  setup();
  CHECK_EQ(hal_clock_init(0u, 64000000u), 64000000u);
  CHECK_EQ(writes_to(A_PWR_CR3) + writes_to(A_PWR_D3CR), 0);
}

CASE(clock_warm_boot_supply_not_rewritten) {
  setup();
  h7_model_pwr_supply_locked(0x2u); /* LDO, fixed by the previous boot */
  h7_model_rcc_set_hse(H7_HSE_CLOCK_IN, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 400000000u), 400000000u);
  CHECK_EQ(writes_to(A_PWR_CR3), 0);
}

CASE(clock_supply_locked_in_bypass_stays_on_hsi) {
  setup();
  h7_model_pwr_supply_locked(0x1u); /* an external VCORE: the LDO configuration cannot be had */
  h7_model_rcc_set_hse(H7_HSE_CLOCK_IN, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 400000000u), 64000000u);
  CHECK_EQ(writes_to(A_PWR_CR3), 0);
  check_reset_clock_tree();
}

CASE(clock_deinit_restores_reset_tree) {
  setup();
  h7_model_rcc_set_hse(H7_HSE_CLOCK_IN, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 400000000u), 400000000u);
  hal_clock_deinit();
  check_reset_clock_tree();
  CHECK_EQ(peek(A_PWR_D3CR) & 0xC000u, 0x4000u); /* VOS3 again */
}

CASE(clock_reinit_from_pll) {
  setup();
  h7_model_rcc_set_hse(H7_HSE_CLOCK_IN, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 400000000u), 400000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 100000000u), 100000000u);
  CHECK_EQ(h7_model_cpu_hz(), 100000000u);
  CHECK_EQ(h7_model_axi_hz(), 100000000u);
  CHECK_EQ(h7_model_pclk1_hz(), 100000000u);
  CHECK_EQ(peek(A_FLASH_ACR), 0x11u); /* 1 wait state, WRHIGHFREQ 01 */
}

CASE(clock_usart_kernel_clock) {
  setup();
  CHECK_EQ(hal_clock_pclk_hz(A_USART3), 64000000u);
  h7_model_rcc_set_hse(H7_HSE_CLOCK_IN, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 400000000u), 400000000u);
  CHECK_EQ(hal_clock_pclk_hz(A_USART3), 100000000u); /* USART234578SEL = 000: rcc_pclk1 */
  CHECK_EQ(hal_clock_pclk_hz(A_USART1), 100000000u); /* USART16SEL = 000: rcc_pclk2 */
  reg_model_write32(A_RCC_D2CCIP2R, 0x3u);           /* USART234578SEL = hsi_ker_ck */
  CHECK_EQ(hal_clock_pclk_hz(A_USART3), 64000000u);
  CHECK_EQ(hal_clock_pclk_hz(A_USART1), 100000000u);
  reg_model_write32(A_RCC_D2CCIP2R, 0x4u << 3); /* USART16SEL = csi_ker_ck */
  CHECK_EQ(hal_clock_pclk_hz(A_USART1), 4000000u);
  reg_model_write32(A_RCC_D2CCIP2R, 0x1u); /* pll2_q_ck: not running under tsboot */
  CHECK_EQ(hal_clock_pclk_hz(A_USART3), 0);
  CHECK_EQ(hal_clock_pclk_hz(0x40000000u), 0);
}

/* ---------------------------------------------------------------------------------------------------- */
/* USART (RM0433 48)                                                                                      */

static void uart_setup_400(void) {
  setup();
  h7_model_rcc_set_hse(H7_HSE_CLOCK_IN, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 400000000u), 400000000u);
  hal_gpio_af_init(3, 8, 7);
  hal_gpio_af_init(3, 9, 7);
}

CASE(uart_8n1_115200) {
  uart_setup_400();
  hal_uart_init(A_USART3, hal_clock_pclk_hz(A_USART3), 115200u, false);
  CHECK_EQ(peek(A_USART3 + 0x0Cu), 868u); /* 100 MHz / 115200 = 868.06 */
  CHECK_EQ(h7_model_uart_baud(A_USART3), 115207u);
  CHECK_EQ(peek(A_USART3) & 0x3000160Du, 0x0Du); /* UE, TE, RE; M = 00, no parity, OVER8 = 0, FIFO off */
  /* Frame and BRR written while UE = 0 (RM0433 48.5.2). */
  int32_t brr = last_write(A_USART3 + 0x0Cu);
  int32_t ue = find_write(A_USART3, 0x1u, 0);
  CHECK(brr >= 0 && brr < ue);
  CHECK_EQ(peek(A_RCC_APB1LENR) & (1u << 18), 1u << 18);
  CHECK(model_reads(A_USART3 + 0x1Cu) > 0u); /* TEACK/REACK waited for */
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(uart_8e1_configuration) {
  uart_setup_400();
  hal_uart_init(A_USART3, 100000000u, 57600u, true);
  CHECK_EQ(peek(A_USART3) & 0x10001600u, 0x1400u); /* M1:M0 = 01, PCE, PS = 0 (even) */
  CHECK_EQ(peek(A_USART3 + 0x0Cu), 1736u);
}

CASE(uart_brr_rounds) {
  setup();
  hal_gpio_af_init(3, 8, 7);
  hal_uart_init(A_USART3, 64000000u, 115200u, false);
  CHECK_EQ(peek(A_USART3 + 0x0Cu), 556u); /* 555.56 rounded */
}

CASE(uart_write_and_flush) {
  uart_setup_400();
  hal_uart_init(A_USART3, 100000000u, 115200u, false);
  const char *text = "tsboot h7\r\n";
  for (const char *p = text; *p != '\0'; p++) {
    hal_uart_write_byte((uint8_t)*p);
  }
  hal_uart_flush();
  uint8_t out[32];
  CHECK_EQ(h7_model_uart_sent(A_USART3, out, sizeof out), strlen(text));
  CHECK(memcmp(out, text, strlen(text)) == 0);
  CHECK_EQ(peek(A_USART3 + 0x1Cu) & 0x40u, 0x40u); /* TC */
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(uart_read_bytes_polled) {
  uart_setup_400();
  hal_uart_init(A_USART3, 100000000u, 115200u, false);
  CHECK_EQ(hal_uart_read_byte(), -1);
  const uint8_t bytes[] = {0x7F, 0x00, 0xFF, 0xA5};
  h7_model_uart_queue(A_USART3, bytes, 4);
  for (uint32_t i = 0; i < 4u; i++) {
    int32_t b = -1;
    for (uint32_t tries = 0; tries < 10u && b < 0; tries++) {
      b = hal_uart_read_byte();
    }
    CHECK_EQ(b, bytes[i]);
  }
  CHECK_EQ(hal_uart_read_byte(), -1);
}

CASE(uart_receive_errors) {
  uart_setup_400();
  hal_uart_init(A_USART3, 100000000u, 115200u, false);
  CHECK(h7_model_uart_receive(A_USART3, 0x41, H7_MODEL_RX_FE));
  CHECK_EQ(hal_uart_read_byte(), -1); /* framing error: dropped */
  CHECK(h7_model_uart_receive(A_USART3, 0x42, H7_MODEL_RX_PE));
  CHECK_EQ(hal_uart_read_byte(), -1);
  CHECK(h7_model_uart_receive(A_USART3, 0x43, H7_MODEL_RX_NE));
  CHECK_EQ(hal_uart_read_byte(), 0x43); /* noise: delivered */
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_FE | HAL_UART_ERR_PE | HAL_UART_ERR_NE);
  CHECK(h7_model_uart_receive(A_USART3, 0x44, 0));
  CHECK(!h7_model_uart_receive(A_USART3, 0x45, 0)); /* RDR still full: overrun */
  CHECK_EQ(hal_uart_read_byte(), 0x44);              /* the earlier byte is kept */
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_ORE);
  CHECK_EQ(peek(A_USART3 + 0x1Cu) & 0xFu, 0); /* PE, FE, NE, ORE cleared through ICR */
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(uart_tx_stuck_times_out) {
  uart_setup_400();
  hal_uart_init(A_USART3, 100000000u, 115200u, false);
  h7_model_uart_stick_tx(A_USART3, true);
  hal_uart_write_byte('a');
  hal_uart_write_byte('b'); /* TXE never comes back */
  hal_uart_flush();
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_TX_TIMEOUT);
}

CASE(uart_reinit_waits_for_the_last_byte) {
  uart_setup_400();
  hal_uart_init(A_USART3, 100000000u, 115200u, false);
  hal_uart_write_byte(0x79); /* an AN3155 ACK, still in the shift register */
  hal_uart_init(A_USART3, 100000000u, 115200u, true);
  uint8_t out[4];
  CHECK_EQ(h7_model_uart_sent(A_USART3, out, sizeof out), 1);
  CHECK_EQ(out[0], 0x79);
}

CASE(uart_deinit_resets_the_usart) {
  uart_setup_400();
  hal_uart_init(A_USART3, 100000000u, 115200u, false);
  hal_uart_write_byte('x');
  hal_uart_deinit();
  uint8_t out[4];
  CHECK_EQ(h7_model_uart_sent(A_USART3, out, sizeof out), 1); /* flushed first */
  CHECK(find_write(A_RCC_APB1LRSTR, 1u << 18, 0) >= 0);    /* reset pulse */
  CHECK_EQ(peek(A_RCC_APB1LRSTR) & (1u << 18), 0);
  CHECK_EQ(peek(A_RCC_APB1LENR) & (1u << 18), 0); /* clock off */
  hal_uart_write_byte('y');                       /* ignored now */
  CHECK_EQ(hal_uart_read_byte(), -1);
}

CASE(uart_bad_arguments_ignored) {
  setup();
  hal_uart_init(A_USART3, 1000000u, 115200u, false); /* BRR would be below 16 */
  hal_uart_init(0x40000000u, 64000000u, 115200u, false);
  hal_uart_init(A_USART3, 64000000u, 0u, false);
  CHECK_EQ(model_trace_count(), 0);
  hal_uart_write_byte('x');
  CHECK_EQ(hal_uart_read_byte(), -1);
}

/* ---- DMA reception (RM0433 15-17; USART3_RX = DMAMUX1 request 45) ---- */

static uint8_t g_ring[256];

CASE(uart_dma_ring_receives_circular) {
  uart_setup_400();
  hal_uart_init(A_USART3, 100000000u, 115200u, false);
  h7_model_map_ram(0x24000100u, g_ring, 64u); /* AXI SRAM */
  CHECK(hal_uart_rx_dma_start(g_ring, 64u));
  CHECK_EQ(peek(A_DMAMUX1_C1CR) & 0xFFu, 45u);
  CHECK_EQ(peek(A_DMA1_S1PAR), A_USART3 + 0x24u); /* USART3_RDR */
  CHECK_EQ(peek(A_DMA1_S1M0AR), 0x24000100u);
  CHECK_EQ(peek(A_DMA1_S1CR) & 0x7FDFu, 0x0501u); /* EN, P2M, CIRC, MINC, bytes, no PINC */
  CHECK_EQ(peek(A_USART3 + 0x08u) & 0x40u, 0x40u); /* DMAR */
  CHECK_EQ(hal_uart_rx_dma_head(), 0);
  uint8_t bytes[100];
  for (uint32_t i = 0; i < 100u; i++) {
    bytes[i] = (uint8_t)(i * 3u + 1u);
  }
  h7_model_uart_queue(A_USART3, bytes, 100);
  for (uint32_t i = 0; i < 2000u; i++) {
    (void)reg_model_read32(A_RCC_CR); /* time passes */
  }
  CHECK_EQ(h7_model_stats()->dma_bytes, 100);
  CHECK_EQ(hal_uart_rx_dma_head(), 100u % 64u);
  for (uint32_t i = 64; i < 100u; i++) {
    CHECK_EQ(g_ring[i - 64u], bytes[i]); /* wrapped */
  }
  for (uint32_t i = 36; i < 64u; i++) {
    CHECK_EQ(g_ring[i], bytes[i]);
  }
  CHECK_EQ(hal_uart_read_byte(), -1); /* RDR belongs to the DMA */
  CHECK_EQ(hal_uart_take_errors(), 0);
}

CASE(uart_dma_d2_sram) {
  uart_setup_400();
  hal_uart_init(A_USART3, 100000000u, 115200u, false);
  h7_model_map_ram(0x30000000u, g_ring, 16u); /* SRAM1 */
  CHECK(hal_uart_rx_dma_start(g_ring, 16u));
  CHECK(h7_model_uart_receive(A_USART3, 0x5A, 0));
  CHECK_EQ(g_ring[0], 0x5A);
  CHECK_EQ(hal_uart_rx_dma_head(), 1);
}

CASE(uart_dma_refuses_dtcm) {
  uart_setup_400();
  hal_uart_init(A_USART3, 100000000u, 115200u, false);
  h7_model_map_ram(0x20000000u, g_ring, 64u); /* DTCM: not on DMA1's bus */
  model_trace_clear();
  CHECK(!hal_uart_rx_dma_start(g_ring, 64u));
  CHECK_EQ(writes_to(A_RCC_AHB1ENR), 0); /* nothing started */
  CHECK_EQ(model_trace_count(), 0);
  h7_model_map_ram(0x2407FFF0u, g_ring + 64, 32u); /* runs past the end of AXI SRAM */
  CHECK(!hal_uart_rx_dma_start(g_ring + 64, 32u));
}

CASE(uart_dma_refuses_with_dcache_on) {
  uart_setup_400();
  hal_uart_init(A_USART3, 100000000u, 115200u, false);
  h7_model_map_ram(0x24000000u, g_ring, 64u);
  h7_model_enable_caches(true, true);
  CHECK(!hal_uart_rx_dma_start(g_ring, 64u));
  CHECK_EQ(writes_to(A_RCC_AHB1ENR), 0);
}

CASE(uart_dma_stop_restores) {
  uart_setup_400();
  hal_uart_init(A_USART3, 100000000u, 115200u, false);
  h7_model_map_ram(0x24000000u, g_ring, 64u);
  CHECK(hal_uart_rx_dma_start(g_ring, 64u));
  CHECK(h7_model_uart_receive(A_USART3, 0x11, 0));
  hal_uart_rx_dma_stop();
  CHECK_EQ(peek(A_USART3 + 0x08u) & 0x40u, 0);    /* DMAR off */
  CHECK(find_write(A_RCC_AHB1RSTR, 1u, 0) >= 0);   /* DMA1/DMAMUX1 reset pulse */
  CHECK_EQ(peek(A_RCC_AHB1ENR) & 1u, 0);           /* clock off */
  CHECK(h7_model_uart_receive(A_USART3, 0x22, 0)); /* polled again */
  CHECK_EQ(hal_uart_read_byte(), 0x22);
  CHECK_EQ(g_ring[1], 0);
  CHECK(hal_uart_rx_dma_start(g_ring, 64u)); /* and it can start again */
  CHECK_EQ(hal_uart_rx_dma_head(), 0);
}

CASE(uart_dma_errors_reported) {
  uart_setup_400();
  hal_uart_init(A_USART3, 100000000u, 115200u, false);
  h7_model_map_ram(0x24000000u, g_ring, 64u);
  CHECK(hal_uart_rx_dma_start(g_ring, 64u));
  CHECK(h7_model_uart_receive(A_USART3, 0x33, H7_MODEL_RX_FE));
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_FE);
  CHECK_EQ(peek(A_USART3 + 0x1Cu) & 0xFu, 0);
}

CASE(uart_dma_bad_arguments) {
  uart_setup_400();
  CHECK(!hal_uart_rx_dma_start(g_ring, 64u)); /* no USART initialised */
  hal_uart_init(A_USART3, 100000000u, 115200u, false);
  h7_model_map_ram(0x24000000u, g_ring, sizeof g_ring);
  CHECK(!hal_uart_rx_dma_start(g_ring, 0u));
  CHECK(!hal_uart_rx_dma_start(g_ring, 0x10000u));
  CHECK_EQ(hal_uart_rx_dma_head(), 0);
}

/* ---------------------------------------------------------------------------------------------------- */
/* GPIO (RM0433 11)                                                                                      */

CASE(gpio_af_usart3_pins) {
  setup();
  hal_gpio_af_init(3, 8, 7); /* PD8 USART3_TX */
  hal_gpio_af_init(3, 9, 7); /* PD9 USART3_RX */
  CHECK_EQ(peek(A_RCC_AHB4ENR) & 0x8u, 0x8u);
  CHECK_EQ(peek(A_GPIOD + 0x24u) & 0xFFu, 0x77u);             /* AFRH: AF7, AF7 */
  CHECK_EQ((peek(A_GPIOD + 0x00u) >> 16) & 0xFu, 0xAu);       /* MODER: AF, AF */
  CHECK_EQ((peek(A_GPIOD + 0x0Cu) >> 16) & 0xFu, 0x5u);       /* pull-up */
  CHECK_EQ(peek(A_GPIOD + 0x00u) & 0xFFF0FFFFu, 0xFFF0FFFFu); /* other pins still analog */
  /* The function before the mode. */
  CHECK(last_write(A_GPIOD + 0x24u) < last_write(A_GPIOD + 0x00u));
}

CASE(gpio_input_pull_and_read) {
  setup();
  hal_gpio_input_init(2, 13, HAL_GPIO_PULL_UP); /* PC13, the NUCLEO's user button */
  CHECK(hal_gpio_read(2, 13));
  h7_model_gpio_drive(2, 13, 0);
  CHECK(!hal_gpio_read(2, 13));
  hal_gpio_input_init(2, 12, HAL_GPIO_PULL_DOWN);
  CHECK(!hal_gpio_read(2, 12));
  CHECK_EQ((peek(0x58020800u) >> 24) & 0xFu, 0x0u); /* PC12, PC13 inputs */
}

CASE(gpio_pin_reset_restores_reset_values) {
  setup();
  hal_gpio_af_init(3, 8, 7);
  hal_gpio_af_init(3, 9, 7);
  hal_gpio_pin_reset(3, 8);
  hal_gpio_pin_reset(3, 9);
  CHECK_EQ(peek(A_GPIOD + 0x00u), 0xFFFFFFFFu); /* analog */
  CHECK_EQ(peek(A_GPIOD + 0x08u), 0);
  CHECK_EQ(peek(A_GPIOD + 0x0Cu), 0);
  CHECK_EQ(peek(A_GPIOD + 0x24u), 0);
  /* The debug pins reset to their SWD function, not to analog. */
  hal_gpio_input_init(0, 13, HAL_GPIO_PULL_NONE);
  hal_gpio_pin_reset(0, 13);
  CHECK_EQ(peek(A_GPIOA + 0x00u), 0xABFFFFFFu);
  CHECK_EQ(peek(A_GPIOA + 0x0Cu), 0x64000000u);
  CHECK_EQ(peek(A_GPIOA + 0x08u), 0x0C000000u);
}

CASE(gpio_clock_off) {
  setup();
  hal_gpio_af_init(3, 8, 7);
  hal_gpio_clock_off(3);
  CHECK_EQ(peek(A_RCC_AHB4ENR) & 0x8u, 0);
  CHECK(!hal_gpio_read(3, 8)); /* not a read of an unclocked port */
}

CASE(gpio_out_of_range_ignored) {
  setup();
  hal_gpio_af_init(11, 0, 7);
  hal_gpio_af_init(0, 16, 7);
  hal_gpio_af_init(0, 0, 16);
  hal_gpio_input_init(0, 0, 3);
  hal_gpio_pin_reset(11, 0);
  hal_gpio_clock_off(11);
  CHECK(!hal_gpio_read(11, 0));
  CHECK_EQ(model_trace_count(), 0);
}

/* ---------------------------------------------------------------------------------------------------- */
/* IWDG1 (RM0433 45)                                                                                     */

CASE(iwdg_start_longest_period) {
  setup();
  hal_iwdg_start(32000u);
  const struct h7_model_iwdg *w = h7_model_iwdg();
  CHECK(w->running);
  CHECK_EQ(w->pr, 6);    /* /256 */
  CHECK_EQ(w->rlr, 3999); /* 4000 x 256 / 32 kHz = 32 s */
  CHECK_EQ(w->refreshes, 1);
  CHECK_EQ(write_value(find_write(A_IWDG_KR, 0, 0)), 0xCCCCu);
  CHECK_EQ(write_value(last_write(A_IWDG_KR)), 0xAAAAu);
}

CASE(iwdg_start_short_period) {
  setup();
  hal_iwdg_start(100u);
  CHECK_EQ(h7_model_iwdg()->pr, 0);   /* /4 */
  CHECK_EQ(h7_model_iwdg()->rlr, 799); /* 800 x 4 / 32 kHz = 100 ms */
  hal_iwdg_start(1000u);
  CHECK_EQ(h7_model_iwdg()->pr, 1);    /* /8 */
  CHECK_EQ(h7_model_iwdg()->rlr, 3999); /* 4000 x 8 / 32 kHz = 1 s */
}

CASE(iwdg_huge_timeout_takes_the_longest) {
  setup();
  hal_iwdg_start(100000u);
  CHECK_EQ(h7_model_iwdg()->pr, 6);
  CHECK_EQ(h7_model_iwdg()->rlr, 4095);
}

CASE(iwdg_hardware_watchdog_reprogrammed) {
  setup();
  h7_model_options_set_optsr(0x1606AAE0u); /* IWDG1_SW = 0: running from reset */
  CHECK(h7_model_iwdg()->running);
  CHECK_EQ(h7_model_iwdg()->rlr, 0xFFF);
  hal_iwdg_start(32000u);
  CHECK_EQ(h7_model_iwdg()->pr, 6);
  hal_iwdg_refresh();
  CHECK_EQ(h7_model_iwdg()->refreshes, 2);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Reset cause and fault record                                                                          */

CASE(reset_cause_power_on) {
  setup();
  uint32_t cause = hal_reset_cause();
  CHECK_EQ(cause, HAL_RESET_POWER_ON | HAL_RESET_PIN | HAL_RESET_BROWNOUT);
  /* RMVF set, then cleared again so the next reset records its own flags. */
  int32_t set = find_write(A_RCC_RSR, 0x10000u, 0);
  CHECK(set >= 0);
  CHECK_EQ(write_value(last_write(A_RCC_RSR)), 0);
  CHECK(last_write(A_RCC_RSR) > set);
  CHECK_EQ(peek(A_RCC_RSR), 0);
  CHECK_EQ(hal_reset_cause(), cause); /* read once */
  CHECK_EQ(writes_to(A_RCC_RSR), 2);
}

CASE(reset_cause_watchdog_and_software) {
  setup();
  h7_model_rcc_set_reset_flags((1u << 26) | (1u << 22)); /* IWDG1RSTF, PINRSTF */
  CHECK_EQ(hal_reset_cause(), HAL_RESET_IWDG | HAL_RESET_PIN);
  stm32h7_model_zero_bss();
  h7_model_rcc_set_reset_flags((1u << 24) | (1u << 28) | (1u << 30)); /* SFTRSTF, WWDG1RSTF, LPWRRSTF */
  CHECK_EQ(hal_reset_cause(), HAL_RESET_SOFTWARE | HAL_RESET_WWDG | HAL_RESET_LOW_POWER);
}

CASE(fault_record_survives_a_reset) {
  setup();
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_NONE); /* power-on RAM is random: no record */
  EXPECT_RESET(hal_fault_reset(HAL_FAULT_PANIC, 1234u));
  CHECK_EQ(h7_model_stats()->system_reset_requests, 1);
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_PANIC);
  CHECK_EQ(hal_fault_detail(), 1234u);
  CHECK_EQ(h7_model_ram_word(A_FAULT_RECORD), 0); /* read once: cleared */
  stm32h7_model_zero_bss();
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_NONE); /* the next boot reports only its own */
  CHECK_EQ(hal_reset_cause() & HAL_RESET_SOFTWARE, HAL_RESET_SOFTWARE);
}

CASE(fault_record_with_a_bad_check_is_ignored) {
  setup();
  reg_model_write32(A_FAULT_RECORD, 0x54534246u);
  reg_model_write32(A_FAULT_RECORD + 4u, HAL_FAULT_HARD);
  reg_model_write32(A_FAULT_RECORD + 8u, 0x08001234u);
  reg_model_write32(A_FAULT_RECORD + 12u, 0u); /* a torn record */
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_NONE);
  CHECK_EQ(hal_fault_detail(), 0);
}

/* ---------------------------------------------------------------------------------------------------- */
/* SysTick, the jump (ARMv7-M ARM B3.3-B3.5)                                                             */

CASE(tick_init_and_handler) {
  setup();
  hal_tick_init(400000000u);
  CHECK_EQ(peek(A_STK_LOAD), 399999u);
  CHECK_EQ(peek(A_STK_CTRL) & 7u, 7u); /* processor clock, interrupt, enable */
  CHECK_EQ(hal_millis(), 0);
  SysTick_Handler();
  SysTick_Handler();
  CHECK_EQ(hal_millis(), 2);
  hal_tick_init(100u); /* below 1 kHz: refused */
  CHECK_EQ(peek(A_STK_LOAD), 399999u);
}

CASE(tick_deinit_clears_pending) {
  setup();
  hal_tick_init(64000000u);
  h7_model_systick_pend();
  hal_tick_deinit();
  CHECK_EQ(peek(A_STK_CTRL) & 7u, 0);
  CHECK(!h7_model_systick_pending());
}

CASE(cpu_quiesce_clears_nvic) {
  setup();
  for (uint32_t i = 0; i < 5u; i++) {
    h7_model_nvic_set(i, 0xFFFFFFFFu, 0x0F0F0F0Fu);
  }
  h7_model_systick_pend();
  hal_cpu_quiesce();
  for (uint32_t i = 0; i < 5u; i++) {
    CHECK_EQ(h7_model_nvic_enabled(i), 0);
    CHECK_EQ(h7_model_nvic_pending(i), 0);
  }
  CHECK(!h7_model_systick_pending());
  /* Disabled (ICER) before cleared (ICPR): a line cannot pend again in between. */
  CHECK(last_write(0xE000E190u) < find_write(0xE000E280u, 0, 0));
}

CASE(cpu_quiesce_cleans_and_disables_caches) {
  setup();
  h7_model_enable_caches(true, true);
  h7_model_mpu_enable();
  h7_model_flash_poke(0x08040000u, 0x1u);
  (void)reg_model_read32(0x08040000u);
  CHECK(h7_model_dcache_holds(0x08040000u));
  hal_cpu_quiesce();
  CHECK_EQ(peek(A_SCB_CCR) & 0x30000u, 0); /* DC, IC off */
  CHECK_EQ(h7_model_stats()->dccisw_distinct, 512); /* every set and way of the 16 KB D-cache */
  CHECK(!h7_model_dcache_holds(0x08040000u));
  CHECK_EQ(h7_model_stats()->icache_invalidates, 1);
  CHECK_EQ(peek(A_MPU_CTRL), 0);
  /* The D-cache was switched off before its lines were cleaned (no line refilled behind the loop). */
  CHECK(find_write(A_SCB_CCR, 0, 0) < find_write(0xE000EF74u, 0, 0));
}

CASE(cpu_quiesce_with_caches_off) {
  setup();
  hal_cpu_quiesce();
  CHECK_EQ(h7_model_stats()->dccisw, 0);
  CHECK_EQ(writes_to(A_ICIALLU), 1);
  CHECK_EQ(peek(A_MPU_CTRL), 0);
}

CASE(cpu_vector_table) {
  setup();
  hal_cpu_vector_table(0x08020000u);
  CHECK_EQ(peek(A_VTOR), 0x08020000u);
}

CASE(launch_sequence_leaves_reset_state) {
  uart_setup_400();
  hal_uart_init(A_USART3, hal_clock_pclk_hz(A_USART3), 115200u, false);
  h7_model_map_ram(0x24000000u, g_ring, 64u);
  CHECK(hal_uart_rx_dma_start(g_ring, 64u));
  hal_tick_init(hal_clock_hclk_hz());
  hal_uart_write_byte('>');
  /* The launch: UART and its pins back to reset, clocks off, SysTick off, clock tree reset, CPU quiet. */
  hal_uart_deinit();
  hal_gpio_pin_reset(3, 8);
  hal_gpio_pin_reset(3, 9);
  hal_gpio_clock_off(3);
  hal_tick_deinit();
  hal_clock_deinit();
  hal_cpu_quiesce();
  hal_cpu_vector_table(0x08020000u);
  check_reset_clock_tree();
  CHECK_EQ(peek(A_RCC_AHB1ENR), 0);
  CHECK_EQ(peek(A_RCC_AHB4ENR), 0);
  CHECK_EQ(peek(A_RCC_APB1LENR), 0);
  CHECK_EQ(peek(A_STK_CTRL) & 7u, 0);
  CHECK_EQ(peek(A_VTOR), 0x08020000u);
  uint8_t out[4];
  CHECK_EQ(h7_model_uart_sent(A_USART3, out, sizeof out), 1); /* the last byte got out */
}

/* ---------------------------------------------------------------------------------------------------- */

static const struct test_case s_cases[] = {
    ENTRY(flash_unlock_both_banks_sequence)
    ENTRY(flash_unlock_refused_after_wrong_key)
    ENTRY(flash_erase_every_sector)
    ENTRY(flash_erase_out_of_range)
    ENTRY(flash_size_blank_assumes_2mb)
    ENTRY(flash_erase_wait_covers_a_slow_erase)
    ENTRY(flash_busy_stuck_erase_resets)
    ENTRY(flash_program_flash_words)
    ENTRY(flash_program_bank2_and_last_words)
    ENTRY(flash_program_misaligned_refused)
    ENTRY(flash_program_out_of_range_refused)
    ENTRY(flash_program_not_erased_refused)
    ENTRY(flash_program_partial_force_write)
    ENTRY(flash_program_partial_bad_length)
    ENTRY(flash_write_unit_is_a_flash_word)
    ENTRY(flash_program_wait_covers_a_slow_word)
    ENTRY(flash_program_at_400mhz)
    ENTRY(flash_partial_write_buffer_drained_first)
    ENTRY(flash_wrp_program)
    ENTRY(flash_wrp_erase)
    ENTRY(flash_error_wrperr_maps)
    ENTRY(flash_error_pgserr_maps)
    ENTRY(flash_error_strberr_maps)
    ENTRY(flash_error_incerr_maps)
    ENTRY(flash_error_operr_maps)
    ENTRY(flash_error_priority)
    ENTRY(flash_stale_flags_cleared_first)
    ENTRY(flash_ecc_torn_word_read_resumes)
    ENTRY(flash_ecc_skips_a_32bit_load)
    ENTRY(flash_ecc_resumes_from_hardfault_too)
    ENTRY(fault_bus_error_without_ecc_resets)
    ENTRY(fault_bus_error_outside_flash_resets)
    ENTRY(fault_other_kinds_reset)
    ENTRY(flash_program_over_torn_word_reports_ecc)
    ENTRY(flash_ecc_seen_by_another_master_is_reported)
    ENTRY(flash_single_ecc_error_is_corrected)
    ENTRY(flash_program_invalidates_dcache_before_readback)
    ENTRY(flash_erase_invalidates_dcache)
    ENTRY(flash_no_cache_maintenance_with_dcache_off)
    ENTRY(wrp_set_protects_bootloader_sector)
    ENTRY(wrp_set_across_banks)
    ENTRY(wrp_unprotect)
    ENTRY(wrp_already_in_force_spends_no_cycle)
    ENTRY(wrp_change_error_reported)
    ENTRY(wrp_bad_arguments)
    ENTRY(wrp_options_key_lockout)
    ENTRY(option_hw_watchdog)
    ENTRY(bank_swap_state)
    ENTRY(bank_swap_set_programs_option)
    ENTRY(bank_swap_set_unchanged_spends_no_cycle)
    ENTRY(bank_swap_set_change_error_reported)
    ENTRY(bank_swap_set_clears_stale_change_error)
    ENTRY(bank_swap_set_key_lockout)
    ENTRY(clock_hse_bypass_400mhz)
    ENTRY(clock_hse_crystal_168_without_bypass)
    ENTRY(clock_hse_missing_falls_back_to_hsi)
    ENTRY(clock_hse_crystal_but_bypass_requested_falls_back)
    ENTRY(clock_hsi_pll_400mhz)
    ENTRY(clock_pll_never_locks_falls_back)
    ENTRY(clock_unreachable_frequency_falls_back)
    ENTRY(clock_hsi_only_request_touches_nothing)
    ENTRY(clock_warm_boot_supply_not_rewritten)
    ENTRY(clock_supply_locked_in_bypass_stays_on_hsi)
    ENTRY(clock_deinit_restores_reset_tree)
    ENTRY(clock_reinit_from_pll)
    ENTRY(clock_usart_kernel_clock)
    ENTRY(uart_8n1_115200)
    ENTRY(uart_8e1_configuration)
    ENTRY(uart_brr_rounds)
    ENTRY(uart_write_and_flush)
    ENTRY(uart_read_bytes_polled)
    ENTRY(uart_receive_errors)
    ENTRY(uart_tx_stuck_times_out)
    ENTRY(uart_reinit_waits_for_the_last_byte)
    ENTRY(uart_deinit_resets_the_usart)
    ENTRY(uart_bad_arguments_ignored)
    ENTRY(uart_dma_ring_receives_circular)
    ENTRY(uart_dma_d2_sram)
    ENTRY(uart_dma_refuses_dtcm)
    ENTRY(uart_dma_refuses_with_dcache_on)
    ENTRY(uart_dma_stop_restores)
    ENTRY(uart_dma_errors_reported)
    ENTRY(uart_dma_bad_arguments)
    ENTRY(gpio_af_usart3_pins)
    ENTRY(gpio_input_pull_and_read)
    ENTRY(gpio_pin_reset_restores_reset_values)
    ENTRY(gpio_clock_off)
    ENTRY(gpio_out_of_range_ignored)
    ENTRY(iwdg_start_longest_period)
    ENTRY(iwdg_start_short_period)
    ENTRY(iwdg_huge_timeout_takes_the_longest)
    ENTRY(iwdg_hardware_watchdog_reprogrammed)
    ENTRY(reset_cause_power_on)
    ENTRY(reset_cause_watchdog_and_software)
    ENTRY(fault_record_survives_a_reset)
    ENTRY(fault_record_with_a_bad_check_is_ignored)
    ENTRY(tick_init_and_handler)
    ENTRY(tick_deinit_clears_pending)
    ENTRY(cpu_quiesce_clears_nvic)
    ENTRY(cpu_quiesce_cleans_and_disables_caches)
    ENTRY(cpu_quiesce_with_caches_off)
    ENTRY(cpu_vector_table)
    ENTRY(launch_sequence_leaves_reset_state)
};

int main(int argc, char **argv) {
  return run_case_list(argc, argv, s_cases, (uint32_t)(sizeof s_cases / sizeof s_cases[0]));
}
