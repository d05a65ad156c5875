/**
 * The STM32H7 drivers (hal-bindings/stm32h7) against the host register model (test/hal-stm32h7/model):
 * builds test/hal-stm32h7/cases/cases.c with host gcc and runs each named case as its own vitest test, then
 * shows that the cases catch broken drivers (mutants), and that the drivers build warning-free for the
 * Cortex-M7 with arm-none-eabi-gcc. Needs gcc; the cross-compiler checks need arm-none-eabi-gcc.
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
  driverDir: path.join(ROOT, "hal-bindings/stm32h7"),
  modelDir: path.join(ROOT, "test/hal-stm32h7/model"),
  casesC: path.join(ROOT, "test/hal-stm32h7/cases/cases.c"),
};
const CASE_NAMES = caseNames(BUILD.casesC);
const HAVE_GCC = onPath("gcc");
const HAVE_ARM_GCC = onPath("arm-none-eabi-gcc");

if (!HAVE_GCC) {
  test.skip("register-model cases: SKIPPED, host gcc is not on PATH (install gcc to run them)", () => {});
} else {
  describe("STM32H7 drivers on the register model", () => {
    let dir = "";
    let bin = "";
    beforeAll(async () => {
      dir = tempDir("h7-cases");
      bin = await buildCases(BUILD, dir, BUILD.driverDir, await sanitizerFlags(dir));
    }, 180_000);
    afterAll(() => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test("the binary's case list is exactly the CASE() definitions", async () => {
      const r = await execa(bin, ["--list"]);
      expect(r.stdout.trim().split("\n")).toEqual(CASE_NAMES);
      expect(CASE_NAMES.length).toBeGreaterThan(90);
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

  /**
   * Each mutant breaks one thing in a copy of the drivers; the named case must then fail. A mutant whose
   * text is not found exactly once fails too, so a refactor cannot silently turn one into a no-op.
   */
  const MUTANTS: Mutant[] = [
    {
      name: "flash not relocked after an operation",
      file: "stm32h7_flash.c",
      from: "  flash_clear_flags(bank);\n  REG_WRITE32(FLASH_CR(bank), FLASH_CR_RESET);\n  return flash_status_from_sr(sr);",
      to: "  flash_clear_flags(bank);\n  return flash_status_from_sr(sr);",
      caughtBy: "flash_wrp_program",
    },
    {
      name: "unlock keys in the wrong order",
      file: "stm32h7_flash.c",
      from: "REG_WRITE32(FLASH_KEYR(bank), FLASH_KEY1);\n  REG_WRITE32(FLASH_KEYR(bank), FLASH_KEY2);",
      to: "REG_WRITE32(FLASH_KEYR(bank), FLASH_KEY2);\n  REG_WRITE32(FLASH_KEYR(bank), FLASH_KEY1);",
      caughtBy: "flash_unlock_both_banks_sequence",
    },
    {
      name: "SER, SNB and START in one write",
      file: "stm32h7_flash.c",
      from: "  REG_WRITE32(FLASH_CR(bank), cr);\n  REG_WRITE32(FLASH_CR(bank), cr | FLASH_CR_START);",
      to: "  REG_WRITE32(FLASH_CR(bank), cr | FLASH_CR_START);",
      caughtBy: "flash_erase_every_sector",
    },
    {
      name: "erase wait bounded by the program time",
      file: "stm32h7_flash.c",
      from: "  REG_DSB();\n  flash_wait_idle_or_reset(bank, stm32h7_polls_ms(FLASH_ERASE_MAX_MS));\n  status = flash_end(bank);",
      to: "  REG_DSB();\n  flash_wait_idle_or_reset(bank, stm32h7_polls_us(FLASH_PROGRAM_MAX_US));\n  status = flash_end(bank);",
      caughtBy: "flash_erase_wait_covers_a_slow_erase",
    },
    {
      name: "a flash word programmed without checking it is erased",
      file: "stm32h7_flash.c",
      from: "  uint32_t status = flash_compare(address, words, 0u);\n",
      to: "  uint32_t status = HAL_OK;\n",
      caughtBy: "flash_program_not_erased_refused",
    },
    {
      name: "stale flags not cleared before an operation",
      file: "stm32h7_flash.c",
      from: "  flash_collect_ecc(bank);\n  flash_clear_flags(bank);\n}",
      to: "  flash_collect_ecc(bank);\n}",
      caughtBy: "flash_stale_flags_cleared_first",
    },
    {
      name: "STRBERR mapped to the wrong status",
      file: "stm32h7_flash.c",
      from: "(FLASH_SR_PGSERR | FLASH_SR_STRBERR)",
      to: "(FLASH_SR_PGSERR)",
      caughtBy: "flash_error_strberr_maps",
    },
    {
      name: "SNB at the wrong position in stm32h7_regs.h",
      file: "stm32h7_regs.h",
      from: "#define FLASH_CR_SNB_Pos 8u",
      to: "#define FLASH_CR_SNB_Pos 7u",
      caughtBy: "flash_erase_every_sector",
    },
    {
      name: "bank 2 registers at the wrong offset",
      file: "stm32h7_regs.h",
      from: "#define FLASH_BANK_REG_OFFSET 0x100u",
      to: "#define FLASH_BANK_REG_OFFSET 0x0u",
      caughtBy: "flash_program_bank2_and_last_words",
    },
    {
      name: "a partial flash word never force-written",
      file: "stm32h7_flash.c",
      from: "    REG_WRITE32(FLASH_CR(bank), FLASH_CR_PSIZE_x64 | FLASH_CR_PG | FLASH_CR_FW);\n  }",
      to: "  }",
      caughtBy: "flash_program_partial_force_write",
    },
    {
      name: "ECC error kept only until the next operation clears the flags",
      file: "stm32h7_flash.c",
      from: "  flash_wait_idle_or_reset(bank, stm32h7_polls_ms(FLASH_ERASE_MAX_MS));\n  flash_collect_ecc(bank);",
      to: "  flash_wait_idle_or_reset(bank, stm32h7_polls_ms(FLASH_ERASE_MAX_MS));",
      caughtBy: "flash_ecc_seen_by_another_master_is_reported",
    },
    {
      name: "D-cache not invalidated after programming",
      file: "stm32h7_flash.c",
      from: "  status = flash_end(bank);\n  stm32h7_dcache_invalidate(address, FLASH_WORD_SIZE);",
      to: "  status = flash_end(bank);",
      caughtBy: "flash_program_invalidates_dcache_before_readback",
    },
    {
      name: "every load skipped as 16 bits",
      file: "stm32h7_fault.c",
      from: "(insn & 0xF800u) >= 0xE800u ? 4u : 2u",
      to: "2u",
      caughtBy: "flash_ecc_skips_a_32bit_load",
    },
    {
      name: "any bus error in flash skipped, ECC or not",
      file: "stm32h7_fault.c",
      from: "  if ((sr & FLASH_SR_DBECCERR) == 0u) {\n    return false;",
      to: "  if (false) {\n    return false;",
      caughtBy: "fault_bus_error_without_ecc_resets",
    },
    {
      name: "the clock raised without voltage scale 1",
      file: "stm32h7_clock.c",
      from: "if (!clock_supply_ldo() || !clock_vos1()) {",
      to: "if (!clock_supply_ldo()) {",
      caughtBy: "clock_hse_bypass_400mhz",
    },
    {
      name: "the supply configuration never written",
      file: "stm32h7_clock.c",
      from: "    REG_WRITE32(PWR_CR3, (cr3 & ~PWR_CR3_SUPPLY_Msk) | PWR_CR3_LDOEN);\n",
      to: "",
      caughtBy: "clock_hse_bypass_400mhz",
    },
    {
      name: "one flash wait state too few",
      file: "stm32h7_clock.c",
      from: "(axi_hz <= 210u * MHZ ? 2u : 3u)",
      to: "(axi_hz <= 210u * MHZ ? 1u : 2u)",
      caughtBy: "clock_hse_bypass_400mhz",
    },
    {
      name: "programming delay left at 00 for a 200 MHz flash clock",
      file: "stm32h7_clock.c",
      from: "(axi_hz <= 185u * MHZ ? 1u : 2u)",
      to: "(axi_hz <= 185u * MHZ ? 1u : 0u)",
      caughtBy: "flash_program_at_400mhz",
    },
    {
      name: "BRR truncated instead of rounded",
      file: "stm32h7_uart.c",
      from: "(pclk_hz + baud / 2u) / baud",
      to: "pclk_hz / baud",
      caughtBy: "uart_brr_rounds",
    },
    {
      name: "8E1 without M0 (a 7-bit data frame)",
      file: "stm32h7_uart.c",
      from: "even_parity ? (USART_CR1_M0 | USART_CR1_PCE) : 0u",
      to: "even_parity ? USART_CR1_PCE : 0u",
      caughtBy: "uart_8e1_configuration",
    },
    {
      name: "UART error flags never cleared through ICR",
      file: "stm32h7_uart.c",
      from: "    REG_WRITE32(USART_ICR(s_uart->base), isr & USART_ISR_ERRORS);\n",
      to: "",
      caughtBy: "uart_receive_errors",
    },
    {
      name: "USART3_RX routed to the TX request (46)",
      file: "stm32h7_regs.h",
      from: "#define DMAMUX1_REQ_USART3_RX 45u",
      to: "#define DMAMUX1_REQ_USART3_RX 46u",
      caughtBy: "uart_dma_ring_receives_circular",
    },
    {
      name: "a DMA ring in DTCM accepted",
      file: "stm32h7_uart.c",
      from: "  if (!uart_dma_reachable(bus, length)) {",
      to: "  if (false) {",
      caughtBy: "uart_dma_refuses_dtcm",
    },
    {
      name: "RMVF left set",
      file: "stm32h7_reset.c",
      from: "  REG_WRITE32(RCC_RSR, RCC_RSR_RMVF);\n  REG_WRITE32(RCC_RSR, 0u);",
      to: "  REG_WRITE32(RCC_RSR, RCC_RSR_RMVF);",
      caughtBy: "reset_cause_power_on",
    },
    {
      name: "fault record accepted without its check word",
      file: "stm32h7_reset.c",
      from: "if (magic == FAULT_RECORD_MAGIC && check == ~(magic ^ kind ^ detail)) {",
      to: "if (magic == FAULT_RECORD_MAGIC) {",
      caughtBy: "fault_record_with_a_bad_check_is_ignored",
    },
    {
      name: "the last way of each D-cache set left dirty",
      file: "stm32h7_cpu.c",
      from: "way <= SCB_CCSIDR_WAYS(ccsidr)",
      to: "way < SCB_CCSIDR_WAYS(ccsidr)",
      caughtBy: "cpu_quiesce_cleans_and_disables_caches",
    },
    {
      name: "the last NVIC word left enabled",
      file: "stm32h7_cpu.c",
      from: "(REG_READ32(NVIC_ICTR) & NVIC_ICTR_INTLINESNUM_Msk) + 1u",
      to: "(REG_READ32(NVIC_ICTR) & NVIC_ICTR_INTLINESNUM_Msk)",
      caughtBy: "cpu_quiesce_clears_nvic",
    },
    {
      name: "write protection bits treated as active high",
      file: "stm32h7_option_bytes.c",
      from: "protect ? (cur & ~mask) : (cur | mask)",
      to: "protect ? (cur | mask) : (cur & ~mask)",
      caughtBy: "wrp_set_protects_bootloader_sector",
    },
    {
      name: "option change not waited for",
      file: "stm32h7_option_bytes.c",
      from: "  if (!stm32h7_wait(FLASH_OPTSR_CUR, FLASH_OPTSR_OPT_BUSY, 0u, polls) &&",
      to: "  if (false &&",
      caughtBy: "wrp_set_protects_bootloader_sector",
    },
    {
      name: "a stale OPTCHANGEERR not cleared before the bank swap change",
      file: "stm32h7_option_bytes.c",
      from: "  if ((REG_READ32(FLASH_OPTSR_CUR) & FLASH_OPTSR_OPTCHANGEERR) != 0u) {\n    REG_WRITE32(FLASH_OPTCCR, FLASH_OPTCCR_CLR_OPTCHANGEERR);\n  }\n  uint32_t status = options_unlock();",
      to: "  uint32_t status = options_unlock();",
      caughtBy: "bank_swap_set_clears_stale_change_error",
    },
    {
      name: "OPTSR_PRG written with SWAP_BANK_OPT alone (RDP, IWDG1_SW and the rest lost)",
      file: "stm32h7_option_bytes.c",
      from: "uint32_t prg = REG_READ32(FLASH_OPTSR_PRG) & ~FLASH_OPTSR_SWAP_BANK_OPT;",
      to: "uint32_t prg = 0u;",
      caughtBy: "bank_swap_set_programs_option",
    },
    {
      name: "SWAP_BANK_OPT inverted",
      file: "stm32h7_option_bytes.c",
      from: "swapped ? (prg | FLASH_OPTSR_SWAP_BANK_OPT) : prg",
      to: "swapped ? prg : (prg | FLASH_OPTSR_SWAP_BANK_OPT)",
      caughtBy: "bank_swap_set_programs_option",
    },
    {
      name: "option registers left unlocked after an option change",
      file: "stm32h7_option_bytes.c",
      from: "    status = HAL_ERR_OPERATION;\n  }\n  options_lock();\n  return status;",
      to: "    status = HAL_ERR_OPERATION;\n  }\n  return status;",
      caughtBy: "bank_swap_set_change_error_reported",
    },
    {
      name: "tick deinit sets the SysTick pending bit instead of clearing it",
      file: "cortex_m_systick.c",
      from: "REG_WRITE32(SCB_ICSR, SCB_ICSR_PENDSTCLR);",
      to: "REG_WRITE32(SCB_ICSR, 1u << 26);",
      caughtBy: "tick_deinit_clears_pending",
    },
    {
      name: "a pin reset to input instead of analog",
      file: "stm32h7_regs.h",
      from: "#define GPIO_MODER_RESET 0xFFFFFFFFu",
      to: "#define GPIO_MODER_RESET 0x00000000u",
      caughtBy: "gpio_pin_reset_restores_reset_values",
    },
  ];

  describe("the cases catch broken drivers (mutants)", () => {
    let dir = "";
    let prebuilt: string[] = [];
    beforeAll(async () => {
      dir = tempDir("h7-mutants");
      prebuilt = await prebuildModel(BUILD, dir, MUTANT_FLAGS);
    }, 180_000);
    afterAll(() => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
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
}

/* Cortex-M7 with the double-precision FPU of the H743 (fpv5-d16). */
const ARM_FLAGS = ["-mcpu=cortex-m7", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-d16", "-Os", "-ffunction-sections"];

if (!HAVE_ARM_GCC) {
  test.skip("Cortex-M7 build of the drivers: SKIPPED, arm-none-eabi-gcc is not on PATH", () => {});
} else {
  describe("Cortex-M7 build of the drivers (arm-none-eabi-gcc)", () => {
    for (const variant of [[], ["-DTSBOOT_FLASH_SIZE_KB=2048"], ["-DBOARD_FAULT_RECORD_ADDR=0x2001FFE0u"]]) {
      test(`every driver compiles clean with ${[...STRICT, "-Wpedantic", ...variant].join(" ")}`, async () => {
        const dir = tempDir("h7-arm");
        try {
          const objects = await crossCompile(BUILD, dir, ARM_FLAGS, variant);
          expect(objects.length).toBeGreaterThanOrEqual(10);
          for (const obj of objects) expect(fs.statSync(obj).size).toBeGreaterThan(0);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }, 120_000);
    }

    test("the target build has no model calls, fills the write buffer with str, and leaves the fault handlers to the port", async () => {
      const dir = tempDir("h7-arm");
      try {
        const objects = await crossCompile(BUILD, dir, ARM_FLAGS);
        const nm = await execa("arm-none-eabi-nm", objects);
        expect(nm.stdout).not.toContain("reg_model");
        // One fault entry for every family (hal-bindings/port/tsboot_fault_entry.c): the driver only says
        // which exception returns, and defines no handler of its own.
        expect(nm.stdout).toMatch(/\bT hal_fault_recover\b/);
        for (const handler of ["HardFault_Handler", "BusFault_Handler", "MemManage_Handler", "UsageFault_Handler", "NMI_Handler"]) {
          expect(nm.stdout).not.toMatch(new RegExp(`\\b${handler}\\b`));
        }
        const flash = objects.find((o) => o.endsWith("stm32h7_flash.c.o"));
        const dis = await execa("arm-none-eabi-objdump", ["-d", flash ?? ""]);
        expect(dis.stdout).toMatch(/\bdsb\b/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  });
}
