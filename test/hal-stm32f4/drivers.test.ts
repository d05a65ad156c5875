/**
 * The STM32F4 drivers (hal-bindings/stm32f4) against the host register model (test/hal-stm32f4/model):
 * builds test/hal-stm32f4/cases/cases.c with host gcc and runs each named case as its own vitest test, then
 * shows that the cases catch broken drivers (mutants), and that the drivers build warning-free for the
 * Cortex-M4 with arm-none-eabi-gcc. Needs gcc; the cross-compiler checks need arm-none-eabi-gcc.
 */
import { execa, execaSync } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const INCLUDE_DIR = path.join(ROOT, "hal-bindings/include");
const DRIVER_DIR = path.join(ROOT, "hal-bindings/stm32f4");
const MODEL_DIR = path.join(ROOT, "test/hal-stm32f4/model");
const CASES_C = path.join(ROOT, "test/hal-stm32f4/cases/cases.c");

/** The flags every C file here must be clean under (the brief's), plus C11. */
const STRICT = ["-std=c11", "-Wall", "-Wextra", "-Wconversion", "-Werror"];

function onPath(cmd: string): boolean {
  return execaSync("sh", ["-c", `command -v ${cmd}`], { reject: false }).exitCode === 0;
}
const HAVE_GCC = onPath("gcc");
const HAVE_ARM_GCC = onPath("arm-none-eabi-gcc");

/** Case names as defined in cases.c, read at collection time so each becomes a named test. */
const CASE_NAMES = [...fs.readFileSync(CASES_C, "utf8").matchAll(/^CASE\((\w+)\)/gm)].map((m) => m[1]);

function driverSources(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".c"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Compiles drivers (from driverDir) + model + cases into dir/cases; returns the binary's path. */
async function buildCases(dir: string, driverDir: string, extra: string[] = []): Promise<string> {
  const out = path.join(dir, "cases");
  await execa("gcc", [
    ...STRICT,
    ...extra,
    "-DTSBOOT_REG_MODEL",
    `-I${INCLUDE_DIR}`,
    `-I${driverDir}`,
    `-I${MODEL_DIR}`,
    ...driverSources(driverDir),
    path.join(MODEL_DIR, "f4_model.c"),
    CASES_C,
    "-o",
    out,
  ]);
  return out;
}

/** AddressSanitizer/UBSan when this gcc can link them; the cases are the same either way. */
async function sanitizerFlags(dir: string): Promise<string[]> {
  const flags = ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"];
  const probe = path.join(dir, "probe.c");
  fs.writeFileSync(probe, "int main(void) { return 0; }\n");
  const r = await execa("gcc", [...flags, probe, "-o", path.join(dir, "probe")], { reject: false });
  return r.exitCode === 0 ? flags : ["-O1"];
}

function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tsboot-hal-${tag}-`));
}

async function runCase(bin: string, name: string) {
  return execa(bin, [name], { reject: false, timeout: 60_000, all: true });
}

if (!HAVE_GCC) {
  test.skip("register-model cases: SKIPPED, host gcc is not on PATH (install gcc to run them)", () => {});
} else {
  describe("STM32F4 drivers on the register model", () => {
    let dir = "";
    let bin = "";
    beforeAll(async () => {
      dir = tempDir("cases");
      bin = await buildCases(dir, DRIVER_DIR, await sanitizerFlags(dir));
    });
    afterAll(() => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test("the binary's case list is exactly the CASE() definitions", async () => {
      const r = await execa(bin, ["--list"]);
      expect(r.stdout.trim().split("\n")).toEqual(CASE_NAMES);
      expect(CASE_NAMES.length).toBeGreaterThan(50);
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
      });
    }
  });

  /**
   * Each mutant breaks one thing in a copy of the drivers; the named case must then fail. A mutant whose
   * text is not found fails too, so a refactor cannot silently turn one into a no-op.
   */
  const MUTANTS: { name: string; file: string; from: string; to: string; caughtBy: string }[] = [
    {
      name: "flash not relocked after an operation",
      file: "stm32f4_flash.c",
      from: "  REG_WRITE32(FLASH_CR, FLASH_CR_LOCK);\n  return flash_status_from_sr(sr);",
      to: "  return flash_status_from_sr(sr);",
      caughtBy: "flash_wrp_program",
    },
    {
      name: "unlock keys in the wrong order",
      file: "stm32f4_flash.c",
      from: "REG_WRITE32(FLASH_KEYR, FLASH_KEY1);\n  REG_WRITE32(FLASH_KEYR, FLASH_KEY2);",
      to: "REG_WRITE32(FLASH_KEYR, FLASH_KEY2);\n  REG_WRITE32(FLASH_KEYR, FLASH_KEY1);",
      caughtBy: "flash_unlock_sequence",
    },
    {
      name: "FLASH_CR written while BSY is stuck (a bus stall that never ends)",
      file: "stm32f4_flash.c",
      from: "    return HAL_ERR_TIMEOUT; /* BSY still set",
      to: "    REG_WRITE32(FLASH_CR, FLASH_CR_LOCK);\n    return HAL_ERR_TIMEOUT; /* BSY still set",
      caughtBy: "flash_busy_stuck_erase_times_out",
    },
    {
      name: "erase wait bounded by the program time",
      file: "stm32f4_flash.c",
      from: "flash_wait_idle(flash_erase_polls(sector_index))",
      to: "flash_wait_idle(flash_polls_us(FLASH_PROGRAM_MAX_US))",
      caughtBy: "flash_busy_stuck_erase_times_out",
    },
    {
      name: "stale error flags not cleared before an operation",
      file: "stm32f4_flash.c",
      from: "  flash_clear_flags(REG_READ32(FLASH_SR) & (FLASH_SR_ERRORS | FLASH_SR_EOP));\n  return hal_flash_unlock();",
      to: "  return hal_flash_unlock();",
      caughtBy: "flash_stale_flags_cleared_first",
    },
    {
      name: "PGPERR mapped to the wrong status",
      file: "stm32f4_flash.c",
      from: "    return HAL_ERR_PGP;",
      to: "    return HAL_ERR_PGA;",
      caughtBy: "flash_error_pgperr_maps",
    },
    {
      name: "SNB shifted to the wrong position",
      file: "stm32f4_flash.c",
      from: "(snb << FLASH_CR_SNB_Pos)",
      to: "(snb << 4u)",
      caughtBy: "flash_erase_each_sector_f411",
    },
    {
      name: "STRT on the wrong bit in stm32f4_regs.h",
      file: "stm32f4_regs.h",
      from: "#define FLASH_CR_STRT BIT(16)",
      to: "#define FLASH_CR_STRT BIT(17)",
      caughtBy: "flash_erase_each_sector_f407",
    },
    {
      name: "one flash wait state too few",
      file: "stm32f4_clock.c",
      from: "(sysclk_hz - 1u) / CLOCK_HZ_PER_WAIT_STATE;",
      to: "(sysclk_hz - 1u) / CLOCK_HZ_PER_WAIT_STATE - 1u;",
      caughtBy: "clock_f407_hse_crystal_168mhz",
    },
    {
      name: "BRR truncated instead of rounded",
      file: "stm32f4_uart.c",
      from: "(pclk_hz + baud / 2u) / baud",
      to: "pclk_hz / baud",
      caughtBy: "uart_8n1_115200_at_16mhz",
    },
    {
      name: "8E1 without M (a 7-bit data frame)",
      file: "stm32f4_uart.c",
      from: "even_parity ? (USART_CR1_M | USART_CR1_PCE) : 0u",
      to: "even_parity ? USART_CR1_PCE : 0u",
      caughtBy: "uart_8e1_configuration",
    },
    {
      name: "bytes with framing errors delivered",
      file: "stm32f4_uart.c",
      from: "  if ((sr & (USART_SR_FE | USART_SR_PE)) != 0u) {\n    return -1;\n  }",
      to: "",
      caughtBy: "uart_receive_errors",
    },
    {
      name: "tick deinit sets the SysTick pending bit instead of clearing it",
      file: "stm32f4_tick.c",
      from: "REG_WRITE32(SCB_ICSR, SCB_ICSR_PENDSTCLR);",
      to: "REG_WRITE32(SCB_ICSR, SCB_ICSR_PENDSTSET);",
      caughtBy: "tick_deinit_clears_pending",
    },
  ];

  describe("the cases catch broken drivers (mutants)", () => {
    for (const m of MUTANTS) {
      test(`${m.caughtBy} fails when: ${m.name}`, async () => {
        const dir = tempDir("mutant");
        try {
          const copy = path.join(dir, "drivers");
          fs.cpSync(DRIVER_DIR, copy, { recursive: true });
          const file = path.join(copy, m.file);
          const text = fs.readFileSync(file, "utf8");
          expect(text.split(m.from).length - 1, `mutation text in ${m.file}`).toBe(1);
          fs.writeFileSync(file, text.replace(m.from, m.to));
          const bin = await buildCases(dir, copy, ["-O1", "-Wno-unused-function"]); // a mutant may orphan a helper
          const r = await runCase(bin, m.caughtBy);
          expect(r.exitCode, r.all).not.toBe(0);
          expect(r.all).not.toContain(`PASS ${m.caughtBy}`);
          expect(r.all).toMatch(/FAIL|MODEL FATAL/);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });

  describe("header rules", () => {
    test("tsboot_hal.h leaves HAL_OK to ST's stm32f4xx_hal_def.h when that is included first", async () => {
      const dir = tempDir("hdr");
      try {
        const src = path.join(dir, "st_first.c");
        fs.writeFileSync(
          src,
          [
            "#ifndef __STM32F4xx_HAL_DEF", // the guard of ST's stm32f4xx_hal_def.h
            "#define __STM32F4xx_HAL_DEF",
            "typedef enum { HAL_OK = 0x00U, HAL_ERROR = 0x01U, HAL_BUSY = 0x02U, HAL_TIMEOUT = 0x03U } HAL_StatusTypeDef;",
            "#endif",
            '#include "tsboot_hal.h"',
            "int check(void);",
            "int check(void) { return HAL_OK == 0 && HAL_ERR_TIMEOUT == 1 && HAL_ERR_VERIFY == 9; }",
            "",
          ].join("\n"),
        );
        await execa("gcc", [...STRICT, `-I${INCLUDE_DIR}`, "-c", src, "-o", path.join(dir, "a.o")]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test("including stm32f4_hal_compat.h after tsboot_hal.h is a clear #error", async () => {
      const dir = tempDir("hdr");
      try {
        const src = path.join(dir, "wrong_order.c");
        fs.writeFileSync(src, '#include "tsboot_hal.h"\n#include "stm32f4_hal_compat.h"\n');
        const r = await execa("gcc", [...STRICT, `-I${INCLUDE_DIR}`, `-I${DRIVER_DIR}`, "-c", src, "-o", "/dev/null"], {
          reject: false,
        });
        expect(r.exitCode).not.toBe(0);
        expect(r.stderr).toContain("include stm32f4_hal_compat.h before tsboot_hal.h");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test("the status codes keep their documented values", () => {
      const header = fs.readFileSync(path.join(INCLUDE_DIR, "tsboot_hal.h"), "utf8");
      const codes = Object.fromEntries([...header.matchAll(/^\s+(HAL_\w+) = (\d+),?/gm)].map((m) => [m[1], Number(m[2])]));
      expect(codes).toEqual({
        HAL_OK: 0,
        HAL_ERR_TIMEOUT: 1,
        HAL_ERR_LOCKED: 2,
        HAL_ERR_WRP: 3,
        HAL_ERR_PGA: 4,
        HAL_ERR_PGP: 5,
        HAL_ERR_PGS: 6,
        HAL_ERR_OPERATION: 7,
        HAL_ERR_ARG: 8,
        HAL_ERR_VERIFY: 9,
        HAL_ERR_PROTECTED: 10,
        HAL_ERR_ECC: 11,
      });
    });
  });
}

const ARM_FLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-Os", "-ffunction-sections"];

if (!HAVE_ARM_GCC) {
  test.skip("Cortex-M4 build of the drivers: SKIPPED, arm-none-eabi-gcc is not on PATH", () => {});
} else {
  describe("Cortex-M4 build of the drivers (arm-none-eabi-gcc)", () => {
    for (const variant of [[], ["-DTSBOOT_FLASH_SIZE_KB=512"]]) {
      test(`every driver compiles clean with ${[...STRICT, ...variant].join(" ")}`, async () => {
        const dir = tempDir("arm");
        try {
          for (const src of driverSources(DRIVER_DIR)) {
            const obj = path.join(dir, path.basename(src) + ".o");
            await execa("arm-none-eabi-gcc", [
              ...ARM_FLAGS,
              ...STRICT,
              "-Wpedantic",
              ...variant,
              `-I${INCLUDE_DIR}`,
              `-I${DRIVER_DIR}`,
              "-c",
              src,
              "-o",
              obj,
            ]);
            expect(fs.statSync(obj).size).toBeGreaterThan(0);
          }
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }

    test("the target build stores flash words with a plain str (no call into a model)", async () => {
      const dir = tempDir("arm");
      try {
        const obj = path.join(dir, "flash.o");
        await execa("arm-none-eabi-gcc", [...ARM_FLAGS, ...STRICT, `-I${INCLUDE_DIR}`, `-I${DRIVER_DIR}`, "-c",
          path.join(DRIVER_DIR, "stm32f4_flash.c"), "-o", obj]);
        const nm = await execa("arm-none-eabi-nm", [obj]);
        expect(nm.stdout).not.toContain("reg_model");
        const dis = await execa("arm-none-eabi-objdump", ["-d", obj]);
        expect(dis.stdout).toMatch(/\bdsb\b/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
