/**
 * The STM32L4 drivers (hal-bindings/stm32l4) against the host register model (test/hal-stm32l4/model,
 * RM0351): builds test/hal-stm32l4/cases/cases.c with host gcc and runs each named case as its own vitest
 * test, then shows that the cases catch broken drivers (mutants), and that the drivers build warning-free for
 * the Cortex-M4F with arm-none-eabi-gcc. Needs gcc; the cross-compiler checks need arm-none-eabi-gcc.
 */
import { execa } from "execa";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  buildCases,
  caseNames,
  crossCompile,
  driverSources,
  type ModelBuild,
  type Mutant,
  MUTANT_FLAGS,
  onPath,
  prebuildModel,
  runCase,
  runMutant,
  sanitizerFlags,
  STRICT,
  tempDir,
} from "../support/register-model";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BUILD: ModelBuild = {
  includeDir: path.join(ROOT, "hal-bindings/include"),
  driverDir: path.join(ROOT, "hal-bindings/stm32l4"),
  modelDir: path.join(ROOT, "test/hal-stm32l4/model"),
  casesC: path.join(ROOT, "test/hal-stm32l4/cases/cases.c"),
};
const CASE_NAMES = caseNames(BUILD.casesC);

const HAVE_GCC = onPath("gcc");
const HAVE_ARM_GCC = onPath("arm-none-eabi-gcc");

/**
 * Each mutant breaks one thing in a copy of the drivers; the named case must then fail (a FAIL line, or the
 * model stopping with MODEL FATAL). A mutant whose text is not found exactly once fails too.
 */
const MUTANTS: Mutant[] = [
  // ---- flash ----
  {
    name: "FLASH_CR not locked after an operation",
    file: "stm32l4_flash.c",
    from: "  flash_clear_flags(sr & (FLASH_SR_ERRORS | FLASH_SR_EOP));\n  flash_lock_now();\n  return",
    to: "  flash_clear_flags(sr & (FLASH_SR_ERRORS | FLASH_SR_EOP));\n  return",
    caughtBy: "flash_program_double_words",
  },
  {
    name: "unlock keys in the wrong order",
    file: "stm32l4_flash.c",
    from: "REG_WRITE32(FLASH_KEYR, FLASH_KEY1);\n  REG_WRITE32(FLASH_KEYR, FLASH_KEY2);",
    to: "REG_WRITE32(FLASH_KEYR, FLASH_KEY2);\n  REG_WRITE32(FLASH_KEYR, FLASH_KEY1);",
    caughtBy: "flash_unlock_sequence",
  },
  {
    name: "stale error flags not cleared before an operation (PGSERR follows)",
    file: "stm32l4_flash.c",
    from: "  flash_clear_flags(REG_READ32(FLASH_SR) & (FLASH_SR_ERRORS | FLASH_SR_EOP));\n",
    to: "",
    caughtBy: "flash_stale_flags_cleared_first",
  },
  {
    name: "only the first word of the double word written",
    file: "stm32l4_flash.c",
    from: "  REG_WRITE32(address + 4u, high);\n",
    to: "",
    caughtBy: "flash_program_double_words",
  },
  {
    name: "PROGERR (not erased) mapped to PGS",
    file: "stm32l4_flash.c",
    from: "  if ((sr & FLASH_SR_PROGERR) != 0u) {\n    return HAL_ERR_OPERATION;",
    to: "  if ((sr & FLASH_SR_PROGERR) != 0u) {\n    return HAL_ERR_PGS;",
    caughtBy: "flash_program_twice_is_progerr",
  },
  {
    name: "bank 2 pages erased without BKER",
    file: "stm32l4_flash.c",
    from: "(bank != 0u ? FLASH_CR_BKER : 0u)",
    to: "0u",
    caughtBy: "flash_erase_bank2_pages",
  },
  {
    name: "PNB one bit off",
    file: "stm32l4_flash.c",
    from: "(page << FLASH_CR_PNB_Pos)",
    to: "(page << 4u)",
    caughtBy: "flash_erase_bank1_pages",
  },
  {
    name: "a stuck controller returns instead of resetting",
    file: "stm32l4_flash.c",
    from: "    hal_fault_reset(HAL_FAULT_FLASH_STUCK, detail);",
    to: "    (void)detail;\n    return;",
    caughtBy: "flash_busy_stuck_program_resets",
  },
  {
    name: "the IWDG is not refreshed in flash waits",
    file: "stm32l4_flash.c",
    from: "      hal_iwdg_refresh();\n",
    to: "",
    caughtBy: "flash_waits_refresh_iwdg",
  },
  {
    name: "caches left off after an erase",
    file: "stm32l4_flash.c",
    from: "  status = flash_end();\n  flash_caches_back(caches);\n  return status;",
    to: "  status = flash_end();\n  return status;",
    caughtBy: "flash_erase_resets_caches",
  },
  {
    name: "the data cache not turned off for a program (a stale read-back)",
    file: "stm32l4_flash.c",
    from: "flash_caches_off(FLASH_ACR_DCEN)",
    to: "flash_caches_off(0u)",
    caughtBy: "flash_program_resets_data_cache",
  },
  {
    name: "no read-back after programming",
    file: "stm32l4_flash.c",
    from: "  if (status == HAL_OK && (REG_READ32(address) != low || REG_READ32(address + 4u) != high)) {",
    to: "  if (status == HAL_OK && false) {",
    caughtBy: "flash_program_not_landing_fails_verify",
  },
  // ---- ECC and the NMI ----
  {
    name: "the NMI handler leaves ECCD set (an NMI storm: a hang)",
    file: "stm32l4_flash.c",
    from: "  REG_WRITE32(FLASH_ECCR, eccr & (FLASH_ECCR_ECCIE | FLASH_ECCR_ECCD | FLASH_ECCR_ECCC));",
    to: "",
    caughtBy: "ecc_torn_read_nmi_returns",
  },
  {
    name: "an ECC NMI resets like any other (a reset loop on the torn double word)",
    file: "stm32l4_fault.c",
    from: "  return kind == HAL_FAULT_NMI && stm32l4_flash_ecc_nmi();",
    to: "  return false;",
    caughtBy: "ecc_no_reset_loop_over_boots",
  },
  {
    name: "hal_flash_take_ecc_error does not consume the event",
    file: "stm32l4_flash.c",
    from: "  s_ecc_taken = seen;\n",
    to: "",
    caughtBy: "ecc_torn_read_nmi_returns",
  },
  {
    name: "BK_ECC ignored in the ECC address",
    file: "stm32l4_flash.c",
    from: "FLASH_BASE + bank * flash_bank_pages() * FLASH_PAGE_SIZE + offset",
    to: "FLASH_BASE + offset",
    caughtBy: "ecc_torn_bank2_address",
  },
  {
    name: "the ECC handler clears ECCIE",
    file: "stm32l4_flash.c",
    from: "eccr & (FLASH_ECCR_ECCIE | FLASH_ECCR_ECCD | FLASH_ECCR_ECCC)",
    to: "eccr & (FLASH_ECCR_ECCD | FLASH_ECCR_ECCC)",
    caughtBy: "ecc_handler_keeps_eccie_and_clears_eccc",
  },
  {
    name: "a corrected error (ECCC) left pending",
    file: "stm32l4_flash.c",
    from: "    REG_WRITE32(FLASH_ECCR, eccr & (FLASH_ECCR_ECCIE | FLASH_ECCR_ECCC));\n",
    to: "",
    caughtBy: "ecc_take_clears_a_corrected_error",
  },
  // ---- the bank swap (BFB2, FB_MODE) ----
  {
    name: "BFB2 written inverted",
    file: "stm32l4_bank_swap.c",
    from: "swapped ? (optr | FLASH_OPTR_BFB2) : (optr & ~FLASH_OPTR_BFB2)",
    to: "swapped ? (optr & ~FLASH_OPTR_BFB2) : (optr | FLASH_OPTR_BFB2)",
    caughtBy: "bank_swap_set_programs_bfb2",
  },
  {
    name: "FLASH_OPTR written whole (RDP, the watchdog and boot bits lost)",
    file: "stm32l4_bank_swap.c",
    from: "uint32_t optr = REG_READ32(FLASH_OPTR);",
    to: "uint32_t optr = 0x000000AAu;",
    caughtBy: "bank_swap_set_programs_bfb2",
  },
  {
    name: "FLASH_CR left unlocked after the BFB2 change",
    file: "stm32l4_bank_swap.c",
    from: "  hal_flash_lock();\n  if (status == HAL_OK && stm32l4_flash_bank_swap_next_reset() != swapped) {",
    to: "  if (status == HAL_OK && stm32l4_flash_bank_swap_next_reset() != swapped) {",
    caughtBy: "bank_swap_set_programs_bfb2",
  },
  {
    name: "FLASH_OPTR not restored after a failed option change",
    file: "stm32l4_bank_swap.c",
    from: "    REG_WRITE32(FLASH_OPTR, optr);\n",
    to: "",
    caughtBy: "bank_swap_error_reported_and_locked",
  },
  {
    name: "a programmed BFB2 left to a plain reset (no OBL_LAUNCH)",
    file: "stm32l4_bank_swap.c",
    from: "    (void)stm32l4_options_load();",
    to: "    hal_flash_lock();",
    caughtBy: "bank_swap_load_applies_at_obl_launch",
  },
  {
    name: "SYSCFG read with its clock off (FB_MODE reads 0)",
    file: "stm32l4_bank_swap.c",
    from: "    REG_WRITE32(RCC_APB2ENR, enr | RCC_APB2ENR_SYSCFGEN);\n",
    to: "",
    caughtBy: "bank_swap_load_applies_at_obl_launch",
  },
  {
    name: "BKER by the address window while the banks are swapped",
    file: "stm32l4_flash.c",
    from: "  if (bank_pages < flash_page_count() && stm32l4_flash_bank_swap_active()) {\n    bank ^= 1u;\n  }\n",
    to: "",
    caughtBy: "flash_erase_follows_bank_swap",
  },
  // ---- write protection ----
  {
    name: "option bytes programmed but not loaded (no OBL_LAUNCH)",
    file: "stm32l4_flash.c",
    from: "  REG_WRITE32(FLASH_CR, FLASH_CR_OBL_LAUNCH);\n",
    to: "",
    caughtBy: "wrp_protects_bootloader_pages",
  },
  {
    name: "WRP registers written without OPTSTRT",
    file: "stm32l4_flash.c",
    from: "  REG_WRITE32(FLASH_CR, FLASH_CR_OPTSTRT);\n",
    to: "",
    caughtBy: "wrp_protects_bootloader_pages",
  },
  {
    name: "a split keeps one page too many in the lower part",
    file: "stm32l4_flash.c",
    from: "      out[i] = wrp_with(out[i], as, s - 1u);\n      out[other]",
    to: "      out[i] = wrp_with(out[i], as, s);\n      out[other]",
    caughtBy: "wrp_unprotect_splits_into_free_area",
  },
  {
    name: "WRP END field at the wrong position",
    file: "stm32l4_regs.h",
    from: "#define FLASH_WRP_END_Pos 16u",
    to: "#define FLASH_WRP_END_Pos 8u",
    caughtBy: "wrp_bank2_range",
  },
  {
    name: "IWDG_SW read from the wrong bit",
    file: "stm32l4_regs.h",
    from: "#define FLASH_OPTR_IWDG_SW BIT(16)",
    to: "#define FLASH_OPTR_IWDG_SW BIT(17)",
    caughtBy: "option_hw_watchdog_bit",
  },
  {
    name: "STRT on the wrong bit",
    file: "stm32l4_regs.h",
    from: "#define FLASH_CR_STRT BIT(16)",
    to: "#define FLASH_CR_STRT BIT(17)",
    caughtBy: "flash_erase_bank1_pages",
  },
  // ---- clock ----
  {
    name: "one flash wait state too few",
    file: "stm32l4_clock.c",
    from: "return (hclk - 1u) / CLOCK_RANGE1_HZ_PER_WAIT_STATE;",
    to: "return (hclk - 1u) / CLOCK_RANGE1_HZ_PER_WAIT_STATE - 1u;",
    caughtBy: "clock_hse_bypass_80mhz",
  },
  {
    name: "wait states raised after the switch instead of before",
    file: "stm32l4_clock.c",
    from: "  uint32_t latency = clock_latency_for(sysclk_hz);\n  clock_set_latency(latency);\n",
    to: "  uint32_t latency = 0u;\n",
    caughtBy: "clock_hse_crystal_80mhz",
  },
  {
    name: "voltage range 1 not set above 26 MHz",
    file: "stm32l4_clock.c",
    from: "  if (sysclk_hz > CLOCK_RANGE2_MAX && !clock_range1()) {",
    to: "  if (false) {",
    caughtBy: "clock_range2_raised_to_range1",
  },
  {
    name: "HSE bypass requested but HSEBYP not set",
    file: "stm32l4_clock.c",
    from: "(bypass ? RCC_CR_HSEBYP : 0u)",
    to: "0u",
    caughtBy: "clock_hse_bypass_80mhz",
  },
  {
    name: "HSE start-up bound too short (10 ms)",
    file: "stm32l4_clock.c",
    from: "#define CLOCK_HSE_MS 100u",
    to: "#define CLOCK_HSE_MS 10u",
    caughtBy: "clock_fallback_hse_never_ready",
  },
  {
    name: "PLLCLK output (PLLREN) not enabled",
    file: "stm32l4_clock.c",
    from: "  pllcfgr |= RCC_PLLCFGR_PLLREN | ",
    to: "  pllcfgr |= ",
    caughtBy: "clock_hsi16_pll_80mhz",
  },
  {
    name: "the fallback leaves the PLL and HSE running",
    file: "stm32l4_clock.c",
    from: "  clock_record(HSI16_HZ);\n  clock_stop_others(true);",
    to: "  clock_record(HSI16_HZ);",
    caughtBy: "clock_fallback_pll_never_locks",
  },
  // ---- USART and DMA ----
  {
    name: "BRR truncated instead of rounded",
    file: "stm32l4_uart.c",
    from: "(pclk_hz + baud / 2u) / baud",
    to: "pclk_hz / baud",
    caughtBy: "uart_8n1_115200_at_4mhz",
  },
  {
    name: "8E1 without M0 (7 data bits and parity)",
    file: "stm32l4_uart.c",
    from: "even_parity ? (USART_CR1_M0 | USART_CR1_PCE) : 0u",
    to: "even_parity ? USART_CR1_PCE : 0u",
    caughtBy: "uart_8e1_configuration",
  },
  {
    name: "no wait for TC before reconfiguring (a reply is cut)",
    file: "stm32l4_uart.c",
    from: "    if (!uart_wait(USART_ISR_TC, 3u * old_polls)) {",
    to: "    if (false) {",
    caughtBy: "uart_reconfigure_waits_for_tc",
  },
  {
    name: "UE set before BRR is written (BRR is then read-only)",
    file: "stm32l4_uart.c",
    from: "  REG_WRITE32(USART_CR1(u->base), frame);\n",
    to: "  REG_WRITE32(USART_CR1(u->base), frame | USART_CR1_UE);\n",
    caughtBy: "uart_8n1_115200_at_4mhz",
  },
  {
    name: "bytes with framing errors delivered",
    file: "stm32l4_uart.c",
    from: "  if ((isr & (USART_ISR_FE | USART_ISR_PE)) != 0u) {\n    return -1;\n  }",
    to: "",
    caughtBy: "uart_receive_errors",
  },
  {
    name: "error flags cleared by writing back all of ISR",
    file: "stm32l4_uart.c",
    from: "    REG_WRITE32(USART_ICR(s_uart->base), flags);",
    to: "    REG_WRITE32(USART_ICR(s_uart->base), isr);",
    caughtBy: "uart_receive_overrun",
  },
  {
    name: "USART2_RX routed to DMA1 channel 5",
    file: "stm32l4_uart.c",
    from: "{USART2_BASE, RCC_APB1ENR1, RCC_APB1RSTR1, RCC_APB1ENR1_USART2EN, 6u}",
    to: "{USART2_BASE, RCC_APB1ENR1, RCC_APB1RSTR1, RCC_APB1ENR1_USART2EN, 5u}",
    caughtBy: "dma_rx_channel6_request2",
  },
  {
    name: "DMA request 1 instead of 2 in CSELR",
    file: "stm32l4_uart.c",
    from: "#define UART_DMA_REQUEST 0x2u",
    to: "#define UART_DMA_REQUEST 0x1u",
    caughtBy: "dma_rx_channel6_request2",
  },
  {
    name: "DMA not circular",
    file: "stm32l4_uart.c",
    from: "DMA_CCR_MINC | DMA_CCR_CIRC | DMA_CCR_PL_VERY_HIGH",
    to: "DMA_CCR_MINC | DMA_CCR_PL_VERY_HIGH",
    caughtBy: "dma_rx_circular_wraps",
  },
  {
    name: "USART DMA request enabled before the channel",
    file: "stm32l4_uart.c",
    from: "  REG_WRITE32(DMA_CCR(DMA1_BASE, ch), ccr | DMA_CCR_EN);\n  /* Then the USART's request",
    to:
      "  REG_WRITE32(USART_CR3(s_uart->base), USART_CR3_DMAR);\n" +
      "  REG_WRITE32(DMA_CCR(DMA1_BASE, ch), ccr | DMA_CCR_EN);\n  /* Then the USART's request",
    caughtBy: "dma_rx_channel6_request2",
  },
  {
    name: "DMA reception errors never collected",
    file: "stm32l4_uart.c",
    from: "    uart_take_isr_errors(REG_READ32(USART_ISR(s_uart->base)));\n    if ((REG_READ32(DMA_ISR(DMA1_BASE))",
    to: "    if ((REG_READ32(DMA_ISR(DMA1_BASE))",
    caughtBy: "dma_rx_errors_dropped_and_reported",
  },
  {
    name: "DMA stop leaves the USART request on",
    file: "stm32l4_uart.c",
    from: "  REG_WRITE32(USART_CR3(s_uart->base), REG_READ32(USART_CR3(s_uart->base)) & ~USART_CR3_DMAR);\n  uart_take",
    to: "  uart_take",
    caughtBy: "dma_rx_stop_resets",
  },
  // ---- GPIO, IWDG, reset cause, faults, core ----
  {
    name: "pin reset to input instead of its reset mode (analog)",
    file: "stm32l4_gpio.c",
    from: "gpio_set_field(GPIO_MODER(base), pin, 2u, gpio_reset_field(moder, pin)); /* stops driving first */",
    to: "gpio_set_field(GPIO_MODER(base), pin, 2u, GPIO_MODE_INPUT); /* stops driving first */",
    caughtBy: "gpio_pin_reset_to_analog",
  },
  {
    name: "AF mode set before the function",
    file: "stm32l4_gpio.c",
    from: "  gpio_set_field(pin < 8u ? GPIO_AFRL(base) : GPIO_AFRH(base), pin & 7u, 4u, af);\n",
    to:
      "  gpio_set_field(GPIO_MODER(base), pin, 2u, GPIO_MODE_AF);\n" +
      "  gpio_set_field(pin < 8u ? GPIO_AFRL(base) : GPIO_AFRH(base), pin & 7u, 4u, af);\n",
    caughtBy: "gpio_af_uart_pins",
  },
  {
    name: "IWDG PR/RLR written without the 0x5555 access key",
    file: "stm32l4_iwdg.c",
    from: "  REG_WRITE32(IWDG_KR, IWDG_KR_ACCESS);\n",
    to: "",
    caughtBy: "iwdg_start_longest_period",
  },
  {
    name: "IWDG window left as found",
    file: "stm32l4_iwdg.c",
    from: "  if ((REG_READ32(IWDG_WINR) & IWDG_WINR_Msk) != IWDG_WINR_Msk) {",
    to: "  if (false) {",
    caughtBy: "iwdg_start_clears_a_window",
  },
  {
    name: "reset flags never cleared (RMVF)",
    file: "stm32l4_reset.c",
    from: "    REG_WRITE32(RCC_CSR, (csr & (RCC_CSR_LSION | RCC_CSR_MSISRANGE_Msk)) | RCC_CSR_RMVF);\n",
    to: "",
    caughtBy: "reset_cause_power_on",
  },
  {
    name: "BORRSTF reported as power-on only",
    file: "stm32l4_reset.c",
    from: "(HAL_RESET_POWER_ON | HAL_RESET_BROWNOUT)",
    to: "HAL_RESET_POWER_ON",
    caughtBy: "reset_cause_each_flag",
  },
  {
    name: "fault record trusted on its magic alone",
    file: "stm32l4_fault.c",
    from: "  bool valid = magic == FAULT_MAGIC && check == ~(magic ^ kind ^ detail);",
    to: "  bool valid = magic == FAULT_MAGIC;",
    caughtBy: "fault_record_rejects_a_bad_check",
  },
  {
    name: "fault record not cleared once read",
    file: "stm32l4_fault.c",
    from: "    REG_WRITE32(FAULT_WORD(i), 0u); /* read once",
    to: "    (void)FAULT_WORD(i); /* read once",
    caughtBy: "fault_record_survives_reset",
  },
  {
    name: "pending interrupts not cleared before the jump",
    file: "stm32l4_cpu.c",
    from: "    REG_WRITE32(NVIC_ICPR(n), 0xFFFFFFFFu);",
    to: "    (void)n;",
    caughtBy: "cpu_quiesce_clears_nvic",
  },
  {
    name: "tick deinit sets the SysTick pending bit instead of clearing it",
    file: "cortex_m_systick.c",
    from: "REG_WRITE32(SCB_ICSR, SCB_ICSR_PENDSTCLR);",
    to: "REG_WRITE32(SCB_ICSR, SCB_ICSR_PENDSTSET);",
    caughtBy: "tick_deinit_clears_pending",
  },
  {
    name: "the flash interface at F4's address",
    file: "stm32l4_regs.h",
    from: "#define FLASH_R_BASE 0x40022000u",
    to: "#define FLASH_R_BASE 0x40023C00u",
    caughtBy: "flash_unlock_sequence",
  },
];

if (!HAVE_GCC) {
  test.skip("register-model cases: SKIPPED, host gcc is not on PATH (install gcc to run them)", () => {});
} else {
  describe("STM32L4 drivers on the register model (RM0351)", () => {
    let dir = "";
    let bin = "";
    beforeAll(async () => {
      dir = tempDir("l4-cases");
      bin = await buildCases(BUILD, dir, BUILD.driverDir, await sanitizerFlags(dir));
    }, 180_000);
    afterAll(() => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test("the binary's case list is exactly the CASE() definitions", async () => {
      const r = await execa(bin, ["--list"]);
      expect(r.stdout.trim().split("\n")).toEqual(CASE_NAMES);
      expect(CASE_NAMES.length).toBeGreaterThan(100);
    });

    test("an unknown case name is an error, not a pass", async () => {
      const r = await runCase(bin, "no_such_case");
      expect(r.exitCode).toBe(2);
      expect(r.all).not.toContain("PASS");
    });

    for (const name of CASE_NAMES) {
      test(name, async () => {
        const r = await runCase(bin, name);
        expect(r.all, r.all).toContain(`PASS ${name}`);
        expect(r.exitCode, r.all).toBe(0);
      }, 120_000);
    }
  });

  describe.concurrent("the cases catch broken drivers (mutants)", () => {
    let dir = "";
    let prebuilt: string[] = [];
    beforeAll(async () => {
      dir = tempDir("l4-mutants");
      // The model and the cases never change between mutants (the cases use no register constant of the
      // drivers' header): compile them once.
      prebuilt = await prebuildModel(BUILD, dir, MUTANT_FLAGS);
    }, 180_000);
    afterAll(() => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test("every mutant names an existing case, and no two mutants are the same edit", () => {
      for (const m of MUTANTS) expect(CASE_NAMES, m.name).toContain(m.caughtBy);
      const keys = MUTANTS.map((m) => `${m.file}\n${m.from}\n${m.to}`);
      expect(new Set(keys).size).toBe(keys.length);
    });

    for (const m of MUTANTS) {
      test(`${m.caughtBy} fails when: ${m.name}`, async () => {
        const r = await runMutant(BUILD, m, prebuilt);
        expect(r.occurrences, `mutation text in ${m.file}`).toBe(1);
        expect(r.exitCode, r.output).not.toBe(0);
        expect(r.output).not.toContain(`PASS ${m.caughtBy}`);
        expect(r.output).toMatch(/FAIL|MODEL FATAL/);
      }, 180_000);
    }
  });

  describe("header rules", () => {
    test("hal-bindings/stm32l4 implements every function of tsboot_hal.h but the transitional F4 block", () => {
      const header = fs.readFileSync(path.join(BUILD.includeDir, "tsboot_hal.h"), "utf8");
      const [api] = header.split("/* ---- Transitional");
      const declared = [...api.matchAll(/^(?:_Noreturn\s+)?[\w ]+?\b(\w+)\((?:void|[^)]*)\);/gm)].map((x) => x[1]);
      const sources = driverSources(BUILD.driverDir)
        .map((f) => fs.readFileSync(f, "utf8"))
        .join("\n");
      const missing = declared.filter((name) => !new RegExp(`^[\\w ]*\\b${name}\\([^;]*\\)\\s*\\{`, "m").test(sources));
      expect(declared.length).toBeGreaterThan(30);
      expect(missing).toEqual([]);
    });
  });
}

const ARM_FLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-Os", "-ffunction-sections"];

if (!HAVE_ARM_GCC) {
  test.skip("Cortex-M4F build of the drivers: SKIPPED, arm-none-eabi-gcc is not on PATH", () => {});
} else {
  describe("Cortex-M4F build of the drivers (arm-none-eabi-gcc)", () => {
    const armObjects = (dir: string, variant: string[]) => crossCompile(BUILD, dir, ARM_FLAGS, variant);

    for (const variant of [[], ["-DTSBOOT_FLASH_SIZE_KB=1024", "-DBOARD_FAULT_RECORD_ADDR=0x20017FF0u"]]) {
      test(`every driver compiles clean with ${[...STRICT, "-Wpedantic", ...variant].join(" ")}`, async () => {
        const dir = tempDir("l4-arm");
        try {
          for (const obj of await armObjects(dir, variant)) expect(fs.statSync(obj).size).toBeGreaterThan(0);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }

    test("the target build has no model calls, programs with plain stores, and leaves the fault handlers to the port", async () => {
      const dir = tempDir("l4-arm");
      try {
        const objects = await armObjects(dir, []);
        const nm = await execa("arm-none-eabi-nm", objects);
        expect(nm.stdout).not.toContain("reg_model");
        expect(nm.stdout).toMatch(/\bT SysTick_Handler\b/);
        // One fault entry for every family (hal-bindings/port/tsboot_fault_entry.c): the driver only says
        // which exception returns, and defines no handler of its own.
        expect(nm.stdout).toMatch(/\bT hal_fault_recover\b/);
        for (const handler of ["NMI_Handler", "HardFault_Handler", "MemManage_Handler", "BusFault_Handler", "UsageFault_Handler"]) {
          expect(nm.stdout).not.toMatch(new RegExp(`\\b${handler}\\b`));
        }
        const flash = await execa("arm-none-eabi-objdump", ["-d", path.join(dir, "stm32l4_flash.c.o")]);
        expect(flash.stdout).toMatch(/\bdsb\b/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
