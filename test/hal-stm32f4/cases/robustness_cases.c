/*
 * The never-brick, never-strand cases of the STM32F4 drivers (issue 9) against the register model: option-byte
 * write protection, the hardware watchdog and the IWDG, the reset cause, the fault record and its reset, DMA
 * reception, the USART waiting for TC before a change, the CPU's state before the jump, and the regulator's
 * voltage scale. Values are literals from RM0090 (F405/407), RM0368 (F401) and RM0383 (F411).
 */
#include "tsboot_hal.h"

#include "harness.h"

#include <string.h>

#define A_FLASH_KEYR 0x40023C04u
#define A_FLASH_OPTKEYR 0x40023C08u
#define A_FLASH_SR 0x40023C0Cu
#define A_FLASH_OPTCR 0x40023C14u
#define A_RCC_CR 0x40023800u
#define A_RCC_PLLCFGR 0x40023804u
#define A_RCC_AHB1RSTR 0x40023810u
#define A_RCC_AHB1ENR 0x40023830u
#define A_RCC_APB1ENR 0x40023840u
#define A_RCC_CSR 0x40023874u
#define A_PWR_CR 0x40007000u
#define A_IWDG_KR 0x40003000u
#define A_IWDG_PR 0x40003004u
#define A_IWDG_RLR 0x40003008u
#define A_IWDG_SR 0x4000300Cu
#define A_DMA1 0x40026000u
#define A_DMA2 0x40026400u
#define A_USART1 0x40011000u
#define A_USART2 0x40004400u
#define A_USART3 0x40004800u
#define A_UART4 0x40004C00u
#define A_UART5 0x40005000u
#define A_USART6 0x40011400u
#define A_STK_CTRL 0xE000E010u
#define A_ICSR 0xE000ED04u
#define A_VTOR 0xE000ED08u
#define A_AIRCR 0xE000ED0Cu
#define A_ICTR 0xE000E004u

#define OPTIONS_AS_SHIPPED 0x0FFFAAECu /* FLASH_OPTCR reset value 0x0FFFAAED without OPTLOCK */
#define MS_AT_16MHZ 16000u             /* cycles of the reset clock per millisecond */

static uint32_t program_word(uint32_t address, uint32_t word) {
  const uint8_t bytes[4] = {(uint8_t)word, (uint8_t)(word >> 8), (uint8_t)(word >> 16), (uint8_t)(word >> 24)};
  return hal_flash_program_unit(address, bytes);
}

static uint32_t dma_stream_cr(uint32_t dma, uint32_t stream) { return peek(dma + 0x10u + 0x18u * stream); }
static uint32_t dma_stream_ndtr(uint32_t dma, uint32_t stream) { return peek(dma + 0x14u + 0x18u * stream); }
static uint32_t dma_stream_par(uint32_t dma, uint32_t stream) { return peek(dma + 0x18u + 0x18u * stream); }
static uint32_t dma_stream_m0ar(uint32_t dma, uint32_t stream) { return peek(dma + 0x1Cu + 0x18u * stream); }

/* ---------------------------------------------------------------------------------------------------- */
/* Option bytes: write protection (RM0090 3.7) — issue 9, defect 6                                       */

CASE(options_protect_bootloader_sector) {
  setup(F4_PART_F411XE);
  CHECK(!hal_flash_wrp_active(0));
  CHECK_EQ(hal_flash_wrp_set(0, 0, true), HAL_OK);
  /* OPTKEYR: OPTKEY1 then OPTKEY2. */
  CHECK_EQ(writes_to(A_FLASH_OPTKEYR), 2);
  CHECK_EQ(write_value(find_write(A_FLASH_OPTKEYR, 0, 0)), 0x08192A3Bu);
  CHECK_EQ(write_value(last_write(A_FLASH_OPTKEYR)), 0x4C5D6E7Fu);
  /* The new value (nWRP0 cleared, every other option byte as it was), then the same with OPTSTRT. */
  int32_t value = find_write(A_FLASH_OPTCR, 0, 0);
  int32_t strt = find_write(A_FLASH_OPTCR, 0x2u, 0);
  CHECK(value >= 0 && strt > value);
  CHECK_EQ(write_value(value), 0x0FFEAAECu);
  CHECK_EQ(write_value(strt), 0x0FFEAAEEu);
  CHECK_EQ(f4_model_stats()->option_programs, 1);
  CHECK_EQ(f4_model_options(), 0x0FFEAAECu);           /* in force: no reset needed on F4 */
  CHECK_EQ(peek(A_FLASH_OPTCR) & 0x3u, 0x1u);           /* OPTLOCK set again, OPTSTRT clear */
  CHECK(last_write(A_FLASH_OPTCR) > strt);              /* the lock came after the operation */
  CHECK(hal_flash_wrp_active(0));
  CHECK(!hal_flash_wrp_active(1));
  /* And it holds: the controller refuses to erase or program sector 0 (WRPERR); the flash stays locked. */
  f4_model_flash_poke(0x08000000u, 0x12345678u);
  CHECK_EQ(hal_flash_erase_unit(0), HAL_ERR_WRP);
  CHECK_EQ(program_word(0x08000004u, 0u), HAL_ERR_WRP);
  CHECK_EQ(f4_model_flash_word(0x08000000u), 0x12345678u);
  CHECK_EQ(f4_model_flash_word(0x08000004u), 0xFFFFFFFFu);
  CHECK(f4_model_flash_locked());
  CHECK_EQ(hal_flash_erase_unit(1), HAL_OK); /* the next sector is not protected */
}

CASE(options_unprotect) {
  setup(F4_PART_F407XG);
  f4_model_flash_set_wrp(0x3u);
  CHECK(hal_flash_wrp_active(0) && hal_flash_wrp_active(1));
  CHECK_EQ(hal_flash_wrp_set(0, 1, false), HAL_OK);
  CHECK_EQ(f4_model_options(), OPTIONS_AS_SHIPPED);
  CHECK(!hal_flash_wrp_active(0) && !hal_flash_wrp_active(1));
  CHECK_EQ(peek(A_FLASH_OPTCR) & 1u, 1u);
  CHECK_EQ(hal_flash_erase_unit(0), HAL_OK);
}

CASE(options_unchanged_programs_nothing) {
  setup(F4_PART_F411XE);
  f4_model_flash_set_wrp(0x1u);
  CHECK_EQ(hal_flash_wrp_set(0, 0, true), HAL_OK);
  CHECK_EQ(writes_to(A_FLASH_OPTKEYR), 0);
  CHECK_EQ(writes_to(A_FLASH_OPTCR), 0);
  CHECK_EQ(f4_model_stats()->option_programs, 0);
}

CASE(options_keep_the_other_bytes) {
  setup(F4_PART_F411XE);
  /* BOR level 1 (BOR_LEV 01), WDG_SW 0 (hardware watchdog), nRST_STOP/STDBY 1, RDP level 0: all must stay. */
  f4_model_options_set(0x0FFFAAC4u);
  CHECK_EQ(hal_flash_wrp_set(2, 3, true), HAL_OK);
  CHECK_EQ(f4_model_options(), 0x0FF3AAC4u);
  CHECK(hal_flash_option_hw_watchdog());
}

CASE(options_error_still_locks) {
  setup(F4_PART_F411XE);
  f4_model_flash_inject_error(0x80u); /* the option-byte operation ends with PGSERR */
  CHECK_EQ(hal_flash_wrp_set(0, 0, true), HAL_ERR_PGS);
  CHECK_EQ(f4_model_options(), OPTIONS_AS_SHIPPED);
  CHECK_EQ(peek(A_FLASH_OPTCR) & 1u, 1u);
  CHECK_EQ(peek(A_FLASH_SR) & 0xF2u, 0u); /* the flag was cleared */
  CHECK(!hal_flash_wrp_active(0));
}

CASE(options_busy_stuck_resets) {
  setup(F4_PART_F411XE);
  f4_model_flash_stick_busy(true);
  EXPECT_RESET(hal_flash_wrp_set(0, 0, true));
  CHECK_EQ(__tsboot_fault_record[0], HAL_FAULT_FLASH_STUCK);
  CHECK_EQ(__tsboot_fault_record[1], 0xFFFFFFFEu); /* the option-byte operation */
  CHECK_EQ(peek(A_FLASH_OPTCR) & 1u, 1u);           /* locked by the reset */
  CHECK_EQ(f4_model_options(), OPTIONS_AS_SHIPPED);
}

CASE(options_refused_when_frozen_or_pcrop) {
  setup(F4_PART_F411XE);
  f4_model_options_set(0x0FFFCCECu); /* RDP level 2 */
  CHECK_EQ(hal_flash_wrp_set(0, 0, true), HAL_ERR_LOCKED);
  f4_model_options_set(0x8FFFAAECu); /* SPRMOD: nWRP means PCROP */
  CHECK_EQ(hal_flash_wrp_set(0, 0, true), HAL_ERR_ARG);
  CHECK(!hal_flash_wrp_active(0));
  CHECK_EQ(hal_flash_wrp_set(1, 0, true), HAL_ERR_ARG);
  CHECK_EQ(hal_flash_wrp_set(0, 12, true), HAL_ERR_ARG);
  CHECK_EQ(writes_to(A_FLASH_OPTKEYR), 0);
  CHECK_EQ(writes_to(A_FLASH_OPTCR), 0);
}

CASE(options_hardware_watchdog_bit) {
  setup(F4_PART_F411XE);
  CHECK(!hal_flash_option_hw_watchdog()); /* as shipped: WDG_SW = 1 */
  f4_model_options_set(OPTIONS_AS_SHIPPED & ~0x20u);
  CHECK(hal_flash_option_hw_watchdog());
  f4_model_options_set(OPTIONS_AS_SHIPPED & ~0x40u); /* nRST_STOP, not WDG_SW */
  CHECK(!hal_flash_option_hw_watchdog());
}

CASE(model_option_bytes_rules) {
  setup(F4_PART_F411XE);
  reg_model_write32(A_FLASH_OPTCR, 0x0FFEAAECu); /* locked: ignored */
  CHECK_EQ(peek(A_FLASH_OPTCR), 0x0FFFAAEDu);
  expect_violation("FLASH_OPTCR write 0x0FFEAAEC while locked");
  model_clear_violations();
  reg_model_write32(A_FLASH_OPTKEYR, 0x4C5D6E7Fu); /* OPTKEY2 first: locked until reset */
  reg_model_write32(A_FLASH_OPTKEYR, 0x08192A3Bu);
  CHECK_EQ(peek(A_FLASH_OPTCR) & 1u, 1u);
  expect_violation("FLASH_OPTCR locked until reset");
  model_clear_violations();
  f4_model_system_reset();
  reg_model_write32(A_FLASH_OPTKEYR, 0x08192A3Bu);
  reg_model_write32(A_FLASH_OPTKEYR, 0x4C5D6E7Fu);
  CHECK_EQ(peek(A_FLASH_OPTCR) & 1u, 0u);
  reg_model_write32(A_FLASH_OPTCR, 0x0FFE00ECu | 0x2u); /* RDP 0x00 would be level 1: refused */
  for (int i = 0; i < 200 && (reg_model_read32(A_FLASH_SR) & 0x10000u) != 0u; i++) {
  }
  CHECK_EQ(f4_model_options(), 0x0FFEAAECu); /* nWRP applied, RDP kept */
  expect_violation("RDP changed");
  model_clear_violations();
}

/* ---------------------------------------------------------------------------------------------------- */
/* IWDG — issue 9, defect 5                                                                              */

CASE(iwdg_start_longest_period) {
  setup(F4_PART_F411XE);
  hal_iwdg_start(32000u);
  CHECK(f4_model_iwdg_running());
  /* KR: start, access, ..., reload; PR /256 (6), RLR 0xFFF: the longest period there is. */
  CHECK_EQ(write_value(find_write(A_IWDG_KR, 0, 0)), 0xCCCCu);
  CHECK_EQ(write_value(find_write(A_IWDG_KR, 0x5555u, 0)), 0x5555u);
  CHECK_EQ(write_value(last_write(A_IWDG_PR)), 6u);
  CHECK_EQ(write_value(last_write(A_IWDG_RLR)), 0xFFFu);
  CHECK_EQ(write_value(last_write(A_IWDG_KR)), 0xAAAAu);
  CHECK(last_write(A_IWDG_KR) > last_write(A_IWDG_RLR));
  CHECK_EQ(f4_model_iwdg_prescaler(), 256u);
  CHECK_EQ(f4_model_iwdg_reload(), 0xFFFu);
  /* At 32 kHz that is 32.8 s: 30 s pass without a reset, then it fires. */
  f4_model_advance(30000ull * MS_AT_16MHZ);
  CHECK_EQ(f4_model_stats()->iwdg_resets, 0);
  EXPECT_RESET(f4_model_advance(3000ull * MS_AT_16MHZ));
  CHECK_EQ(f4_model_last_reset(), F4_RESET_IWDG);
  CHECK_EQ(hal_reset_cause() & (HAL_RESET_IWDG | HAL_RESET_PIN), HAL_RESET_IWDG | HAL_RESET_PIN);
}

CASE(iwdg_period_holds_at_the_fastest_lsi) {
  setup(F4_PART_F411XE);
  f4_model_set_lsi_hz(47000u); /* the datasheets' fastest LSI: the period must still be at least 100 ms */
  hal_iwdg_start(100u);
  CHECK_EQ(f4_model_iwdg_prescaler(), 4u);
  CHECK_EQ(f4_model_iwdg_reload(), 1174u); /* 100 ms * 47 kHz / 4 = 1175 counts */
  f4_model_advance(99ull * MS_AT_16MHZ);
  CHECK_EQ(f4_model_stats()->iwdg_resets, 0);
  hal_iwdg_refresh();
  f4_model_advance(99ull * MS_AT_16MHZ); /* 198 ms since the start: the reload counted */
  CHECK_EQ(f4_model_stats()->iwdg_resets, 0);
  EXPECT_RESET(f4_model_advance(2ull * MS_AT_16MHZ));
  CHECK_EQ(f4_model_last_reset(), F4_RESET_IWDG);
}

CASE(iwdg_update_wait_is_bounded) {
  setup(F4_PART_F411XE);
  f4_model_iwdg_stick_update(true); /* PVU/RVU never clear */
  uint64_t before = model_reads(A_IWDG_SR);
  hal_iwdg_start(1000u);
  uint64_t polls = model_reads(A_IWDG_SR) - before;
  CHECK(polls <= 3u * 2u * MS_AT_16MHZ + 3u); /* three waits of 2 ms at most */
  CHECK(f4_model_iwdg_running());
}

CASE(iwdg_hardware_watchdog_from_reset) {
  setup(F4_PART_F411XE);
  f4_model_options_set(OPTIONS_AS_SHIPPED & ~0x20u); /* WDG_SW = 0 */
  f4_model_system_reset();
  CHECK(f4_model_iwdg_running()); /* at its reset period: 512 ms at 32 kHz */
  CHECK(hal_flash_option_hw_watchdog());
  hal_iwdg_start(32000u);
  CHECK_EQ(f4_model_iwdg_prescaler(), 256u);
  f4_model_advance(10000ull * MS_AT_16MHZ);
  CHECK_EQ(f4_model_stats()->iwdg_resets, 0);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Reset cause (RCC_CSR)                                                                                 */

CASE(reset_cause_power_on_then_cleared) {
  setup(F4_PART_F411XE);
  CHECK_EQ(hal_reset_cause(), HAL_RESET_PIN | HAL_RESET_POWER_ON | HAL_RESET_BROWNOUT);
  CHECK_EQ(write_value(last_write(A_RCC_CSR)) & 0x01000000u, 0x01000000u); /* RMVF */
  CHECK_EQ(peek(A_RCC_CSR) & 0xFE000000u, 0u);
  uint32_t writes = writes_to(A_RCC_CSR);
  CHECK_EQ(hal_reset_cause(), HAL_RESET_PIN | HAL_RESET_POWER_ON | HAL_RESET_BROWNOUT); /* same answer */
  CHECK_EQ(writes_to(A_RCC_CSR), writes);
}

CASE(reset_cause_software) {
  setup(F4_PART_F411XE);
  reg_model_write32(A_RCC_CSR, 0x01000000u); /* clear the power-on flags */
  EXPECT_RESET(hal_fault_reset(HAL_FAULT_NONE, 0u));
  CHECK_EQ(hal_reset_cause(), HAL_RESET_PIN | HAL_RESET_SOFTWARE);
}

/* ---------------------------------------------------------------------------------------------------- */
/* The fault record — issue 9, defect 4                                                                  */

CASE(fault_record_round_trip) {
  setup(F4_PART_F411XE);
  EXPECT_RESET(hal_fault_reset(HAL_FAULT_BUS, 0x08001234u));
  CHECK_EQ(f4_model_last_reset(), F4_RESET_SOFTWARE);
  CHECK_EQ(write_value(last_write(A_AIRCR)), 0x05FA0004u); /* VECTKEY | SYSRESETREQ */
  CHECK_EQ(__tsboot_fault_record[0], HAL_FAULT_BUS);
  CHECK_EQ(__tsboot_fault_record[1], 0x08001234u);
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_BUS);
  CHECK_EQ(hal_fault_detail(), 0x08001234u);
  CHECK_EQ(__tsboot_fault_record[0], 0u); /* read once, then cleared */
  CHECK_EQ(__tsboot_fault_record[2], 0u);
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_BUS); /* later calls: the same */
}

CASE(fault_record_garbage_is_no_fault) {
  setup(F4_PART_F411XE);
  /* RAM as it powered up, or a record half written when power failed. */
  __tsboot_fault_record[0] = HAL_FAULT_HARD;
  __tsboot_fault_record[1] = 0x08000123u;
  __tsboot_fault_record[2] = 0xDEADBEEFu;
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_NONE);
  CHECK_EQ(hal_fault_detail(), 0u);
  CHECK_EQ(__tsboot_fault_record[0], 0u);
}

CASE(fault_reset_none_leaves_no_fault) {
  setup(F4_PART_F411XE);
  EXPECT_RESET(hal_fault_reset(HAL_FAULT_NONE, 0u));
  CHECK_EQ(hal_fault_kind(), HAL_FAULT_NONE);
  CHECK_EQ(hal_fault_detail(), 0u);
}

/* ---------------------------------------------------------------------------------------------------- */
/* DMA reception (RM0090 10, 30.3.13)                                                                    */

static uint8_t g_ring[1024];

static void start_dma_reception(uint32_t usart, uint32_t length) {
  memset(g_ring, 0xEE, sizeof g_ring);
  f4_model_dma_memory(g_ring, sizeof g_ring);
  hal_uart_init(usart, 16000000u, 115200u, false);
  CHECK(hal_uart_rx_dma_start(g_ring, length));
}

CASE(uart_dma_usart2_stream5_circular) {
  setup(F4_PART_F411XE);
  start_dma_reception(A_USART2, 64);
  /* DMA1 stream 5, channel 4 (RM0383 table 27): peripheral to memory, bytes, memory incremented, circular. */
  CHECK_EQ(dma_stream_cr(A_DMA1, 5), (4u << 25) | (2u << 16) | (1u << 10) | (1u << 8) | 1u);
  CHECK_EQ(dma_stream_par(A_DMA1, 5), 0x40004404u); /* USART2_DR */
  CHECK_EQ(dma_stream_m0ar(A_DMA1, 5), (uint32_t)(uintptr_t)g_ring);
  CHECK_EQ(dma_stream_ndtr(A_DMA1, 5), 64u);
  CHECK_EQ(peek(A_USART2 + 0x14u) & 0x40u, 0x40u); /* CR3.DMAR */
  CHECK_EQ(hal_uart_rx_dma_head(), 0u);
  for (uint32_t i = 0; i < 150u; i++) {
    CHECK(f4_model_uart_receive(A_USART2, (uint8_t)(i * 7u + 3u), 0));
  }
  CHECK_EQ(hal_uart_rx_dma_head(), 150u % 64u);
  CHECK_EQ(dma_stream_ndtr(A_DMA1, 5), 64u - 150u % 64u);
  for (uint32_t i = 86; i < 150u; i++) { /* the last 64 bytes, where the ring put them */
    CHECK_EQ(g_ring[i % 64u], (uint8_t)(i * 7u + 3u));
  }
  CHECK_EQ(g_ring[64], 0xEEu); /* nothing past the ring */
  CHECK_EQ(f4_model_stats()->dma_transfers, 150u);
  CHECK_EQ(hal_uart_take_errors(), 0u);
}

static void check_route(uint32_t usart, uint32_t dma, uint32_t stream, uint32_t channel) {
  start_dma_reception(usart, 16);
  CHECK_EQ((dma_stream_cr(dma, stream) >> 25) & 7u, channel);
  CHECK_EQ(dma_stream_par(dma, stream), usart + 4u);
  for (uint32_t i = 0; i < 3u; i++) {
    CHECK(f4_model_uart_receive(usart, 0x41u + i, 0));
  }
  CHECK_EQ(hal_uart_rx_dma_head(), 3u);
  CHECK_EQ(g_ring[2], 0x43u);
  hal_uart_deinit(); /* stops and releases the DMA too */
  CHECK_EQ(peek(A_RCC_AHB1ENR) & 0x00600000u, 0u);
}

CASE(uart_dma_routes_of_every_usart) {
  setup(F4_PART_F407XG);
  check_route(A_USART1, A_DMA2, 2, 4); /* RM0090 table 43 */
  check_route(A_USART2, A_DMA1, 5, 4); /* table 42 */
  check_route(A_USART3, A_DMA1, 1, 4);
  check_route(A_UART4, A_DMA1, 2, 4);
  check_route(A_UART5, A_DMA1, 0, 4);
  check_route(A_USART6, A_DMA2, 1, 5);
}

CASE(uart_dma_survives_a_stall) {
  setup(F4_PART_F411XE);
  start_dma_reception(A_USART2, 1024);
  /* 600 characters while the CPU does nothing (an erase stalls it for up to 2.6 s): none is lost. */
  for (uint32_t i = 0; i < 600u; i++) {
    CHECK(f4_model_uart_receive(A_USART2, (uint8_t)i, 0));
  }
  CHECK_EQ(hal_uart_rx_dma_head(), 600u);
  for (uint32_t i = 0; i < 600u; i++) {
    CHECK_EQ(g_ring[i], (uint8_t)i);
  }
  CHECK_EQ(hal_uart_take_errors(), 0u);
  /* Polled, the same stall loses every character after the first (ORE). */
  hal_uart_rx_dma_stop();
  CHECK(f4_model_uart_receive(A_USART2, 'a', 0));
  CHECK(!f4_model_uart_receive(A_USART2, 'b', 0));
  CHECK_EQ(hal_uart_read_byte(), 'a');
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_ORE);
}

CASE(uart_dma_stop_releases_everything) {
  setup(F4_PART_F411XE);
  start_dma_reception(A_USART2, 64);
  CHECK_EQ(hal_uart_read_byte(), -1); /* DMA owns DR */
  CHECK(f4_model_uart_receive(A_USART2, 'x', 0));
  CHECK_EQ(hal_uart_read_byte(), -1);
  hal_uart_rx_dma_stop();
  CHECK_EQ(peek(A_USART2 + 0x14u) & 0x40u, 0u);       /* DMAR off */
  CHECK_EQ(peek(A_RCC_AHB1ENR) & 0x00200000u, 0u);    /* DMA1 clock off ... */
  int32_t pulse = find_write(A_RCC_AHB1RSTR, 0x00200000u, 0);
  CHECK(pulse >= 0 && last_write(A_RCC_AHB1RSTR) > pulse); /* ... after a reset pulse */
  reg_model_write32(A_RCC_AHB1ENR, 0x00200000u);
  CHECK_EQ(dma_stream_cr(A_DMA1, 5), 0u); /* the application finds DMA1 at its reset values */
  CHECK_EQ(hal_uart_rx_dma_head(), 0u);
  CHECK(f4_model_uart_receive(A_USART2, 'y', 0));
  CHECK_EQ(hal_uart_read_byte(), 'y'); /* polled again */
}

CASE(uart_dma_line_errors_reported_once) {
  setup(F4_PART_F411XE);
  start_dma_reception(A_USART2, 64);
  CHECK(f4_model_uart_receive(A_USART2, 0x00, F4_MODEL_RX_FE)); /* a break: DMA stores it anyway */
  CHECK_EQ(hal_uart_rx_dma_head(), 1u);
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_FE);
  CHECK_EQ(hal_uart_take_errors(), 0u); /* still set in SR, but the same event */
  CHECK(f4_model_uart_receive(A_USART2, 0x55, 0));
  CHECK_EQ(peek(A_USART2) & 0x0Fu, 0u); /* the DMA's DR read after our SR read cleared FE */
  CHECK_EQ(hal_uart_take_errors(), 0u);
  CHECK(f4_model_uart_receive(A_USART2, 0x66, F4_MODEL_RX_PE));
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_PE);
  CHECK(f4_model_uart_receive(A_USART2, 0x77, F4_MODEL_RX_NE));
  CHECK_EQ(hal_uart_take_errors(), HAL_UART_ERR_NE);
  CHECK_EQ(hal_uart_rx_dma_head(), 4u);
}

CASE(uart_dma_absent_falls_back) {
  setup(F4_PART_F405XG);
  f4_model_dma_absent(true); /* as under QEMU: the DMA registers read 0 */
  hal_uart_init(A_USART1, 16000000u, 115200u, false);
  CHECK(!hal_uart_rx_dma_start(g_ring, 64));
  CHECK_EQ(peek(A_RCC_AHB1ENR) & 0x00600000u, 0u); /* its clock switched off again */
  CHECK_EQ(peek(A_USART1 + 0x14u) & 0x40u, 0u);
  CHECK(f4_model_uart_receive(A_USART1, 'q', 0));
  CHECK_EQ(hal_uart_read_byte(), 'q');
}

/* ---------------------------------------------------------------------------------------------------- */
/* USART: TC before a change of framing or baud rate — issue 9, defect 1 (the driver's part)             */

CASE(uart_reinit_waits_for_tc) {
  setup(F4_PART_F411XE);
  hal_uart_init(A_USART2, 16000000u, 115200u, false);
  static const uint8_t ack[] = {0x79, 0x79, 0x1F};
  for (uint32_t i = 0; i < sizeof ack; i++) {
    hal_uart_write_byte(ack[i]);
  }
  hal_uart_init(A_USART2, 16000000u, 115200u, true); /* to 8E1 with the last byte still going out */
  uint8_t out[8];
  CHECK_EQ(f4_model_uart_sent(A_USART2, out, sizeof out), sizeof ack);
  CHECK(memcmp(out, ack, sizeof ack) == 0);
  CHECK_EQ(peek(A_USART2 + 0x0Cu), 0x340Cu); /* and now 8E1 */
  CHECK_EQ(hal_uart_take_errors(), 0u);
}

CASE(uart_reinit_keeps_dma_reception) {
  setup(F4_PART_F411XE);
  start_dma_reception(A_USART2, 64);
  CHECK(f4_model_uart_receive(A_USART2, 0x7F, 0));
  hal_uart_write_byte(0x79);
  hal_uart_init(A_USART2, 16000000u, 115200u, true);
  CHECK_EQ(peek(A_USART2 + 0x14u) & 0x40u, 0x40u); /* DMAR kept */
  CHECK(f4_model_uart_receive(A_USART2, 0x00, 0));
  CHECK(f4_model_uart_receive(A_USART2, 0xFF, 0));
  CHECK_EQ(hal_uart_rx_dma_head(), 3u);
  CHECK_EQ(g_ring[0], 0x7Fu);
  CHECK_EQ(g_ring[2], 0xFFu);
}

CASE(model_usart_change_while_sending_is_flagged) {
  setup(F4_PART_F411XE);
  reg_model_write32(A_RCC_APB1ENR, 1u << 17);
  reg_model_write32(A_USART2 + 0x08u, 139u);
  reg_model_write32(A_USART2 + 0x0Cu, 0x200Cu);
  reg_model_write32(A_USART2 + 0x04u, 'A');
  reg_model_write32(A_USART2 + 0x0Cu, 0x340Cu); /* 8E1 while 'A' is in TDR */
  expect_violation("changed while a character was being sent");
  model_clear_violations();
}

/* ---------------------------------------------------------------------------------------------------- */
/* Before the jump: NVIC, SysTick, VTOR — issue 9, defect 8 (the CPU's part)                             */

CASE(cpu_quiesce_clears_every_line) {
  setup(F4_PART_F411XE);
  static const uint32_t lines[] = {0, 5, 31, 32, 38, 63, 64, 85}; /* F411: 86 IRQs, three NVIC registers */
  for (uint32_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    f4_model_nvic_set(lines[i], true, true);
  }
  reg_model_write32(A_STK_CTRL, 7u);
  f4_model_systick_pend();
  reg_model_write32(A_ICSR, 1u << 28); /* PendSV pending */
  CHECK_EQ(f4_model_nvic_enabled_count(), 8u);
  hal_cpu_quiesce();
  CHECK_EQ(f4_model_nvic_enabled_count(), 0u);
  CHECK_EQ(f4_model_nvic_pending_count(), 0u);
  CHECK(!f4_model_systick_pending());
  CHECK(!f4_model_pendsv_pending());
  CHECK_EQ(peek(A_STK_CTRL) & 3u, 0u);
  CHECK(model_reads(A_ICTR) >= 1u); /* the number of lines came from ICTR */
  /* Disabled before cleared: the last ICER write comes before the first ICPR write. */
  CHECK(last_write(0xE000E188u) < find_write(0xE000E280u, 0xFFFFFFFFu, 0));
}

CASE(cpu_vector_table) {
  setup(F4_PART_F411XE);
  hal_cpu_vector_table(0x08008200u);
  CHECK_EQ(peek(A_VTOR), 0x08008200u);
}

/* ---------------------------------------------------------------------------------------------------- */
/* PWR voltage scaling: the whole VOS field — issue 9, defect 10                                         */

/* VOS as software left it before hal_clock_init (the PWR clock enabled for the write, then off again). */
static void set_vos(uint32_t vos_bits) {
  reg_model_write32(A_RCC_APB1ENR, 1u << 28);
  reg_model_write32(A_PWR_CR, vos_bits << 14);
  reg_model_write32(A_RCC_APB1ENR, 0u);
}

CASE(clock_f411_vos_whole_field_from_scale3) {
  setup(F4_PART_F411XE);
  set_vos(1u); /* VOS = 01: scale 3, at most 64 MHz; bit 14 is already set */
  f4_model_rcc_set_hse(F4_HSE_CLOCK_IN, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u | HAL_CLOCK_HSE_BYPASS, 100000000u), 100000000u);
  CHECK_EQ(peek(A_PWR_CR) & 0xC000u, 0xC000u); /* scale 1: the model objects to 100 MHz on anything else */
  hal_clock_deinit();
  reg_model_write32(A_RCC_APB1ENR, 1u << 28);
  CHECK_EQ(peek(A_PWR_CR) & 0xC000u, 0x4000u); /* put back as found */
}

CASE(clock_f401_vos_scale2_from_scale3) {
  setup(F4_PART_F401XE);
  set_vos(1u); /* scale 3: at most 60 MHz on F401 */
  CHECK_EQ(hal_clock_init(0, 84000000u), 84000000u);
  CHECK_EQ(peek(A_PWR_CR) & 0xC000u, 0x8000u); /* scale 2 (11 is "reserved" on F401) */
}

CASE(clock_f407_vos_bit14_only) {
  setup(F4_PART_F407XG);
  set_vos(0u); /* scale 2: at most 144 MHz */
  f4_model_rcc_set_hse(F4_HSE_CRYSTAL, 8000000u);
  CHECK_EQ(hal_clock_init(8000000u, 168000000u), 168000000u);
  CHECK_EQ(peek(A_PWR_CR) & 0xC000u, 0x4000u); /* bit 14 set, reserved bit 15 never written */
}

CASE(model_vos_scale3_limit) {
  setup(F4_PART_F411XE);
  set_vos(1u);
  /* Raw: 84 MHz from HSI on scale 3 (F411 scale 3 ends at 64 MHz) must be flagged. */
  reg_model_write32(A_RCC_PLLCFGR, 8u | (168u << 6) | (1u << 16) | (7u << 24) | (1u << 29));
  reg_model_write32(0x40023C00u, 0x2u); /* 2 wait states */
  reg_model_write32(0x40023808u, 4u << 10);
  reg_model_write32(A_RCC_CR, 0x01000083u);
  while ((reg_model_read32(A_RCC_CR) & 0x02000000u) == 0u) {
  }
  reg_model_write32(0x40023808u, (4u << 10) | 2u);
  expect_violation("VOS scale 3");
  model_clear_violations();
}

static const struct test_case s_cases[] = {
    ENTRY(options_protect_bootloader_sector)
    ENTRY(options_unprotect)
    ENTRY(options_unchanged_programs_nothing)
    ENTRY(options_keep_the_other_bytes)
    ENTRY(options_error_still_locks)
    ENTRY(options_busy_stuck_resets)
    ENTRY(options_refused_when_frozen_or_pcrop)
    ENTRY(options_hardware_watchdog_bit)
    ENTRY(model_option_bytes_rules)
    ENTRY(iwdg_start_longest_period)
    ENTRY(iwdg_period_holds_at_the_fastest_lsi)
    ENTRY(iwdg_update_wait_is_bounded)
    ENTRY(iwdg_hardware_watchdog_from_reset)
    ENTRY(reset_cause_power_on_then_cleared)
    ENTRY(reset_cause_software)
    ENTRY(fault_record_round_trip)
    ENTRY(fault_record_garbage_is_no_fault)
    ENTRY(fault_reset_none_leaves_no_fault)
    ENTRY(uart_dma_usart2_stream5_circular)
    ENTRY(uart_dma_routes_of_every_usart)
    ENTRY(uart_dma_survives_a_stall)
    ENTRY(uart_dma_stop_releases_everything)
    ENTRY(uart_dma_line_errors_reported_once)
    ENTRY(uart_dma_absent_falls_back)
    ENTRY(uart_reinit_waits_for_tc)
    ENTRY(uart_reinit_keeps_dma_reception)
    ENTRY(model_usart_change_while_sending_is_flagged)
    ENTRY(cpu_quiesce_clears_every_line)
    ENTRY(cpu_vector_table)
    ENTRY(clock_f411_vos_whole_field_from_scale3)
    ENTRY(clock_f401_vos_scale2_from_scale3)
    ENTRY(clock_f407_vos_bit14_only)
    ENTRY(model_vos_scale3_limit)
};
CASE_TABLE(g_robustness_cases, s_cases);
