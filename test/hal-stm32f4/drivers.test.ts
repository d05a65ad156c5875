/**
 * The STM32F4 drivers (hal-bindings/stm32f4) and the port (hal-bindings/port) against the host register model
 * (test/hal-stm32f4/model): builds the case files of test/hal-stm32f4/cases with host gcc into three binaries
 * (the drivers' cases; the port's, with the board header and tables generated for nucleo-f411re; the port's
 * with a board header whose bootloader region disagrees with the tables) and runs each named case as its own
 * vitest test. Then shows that the cases catch broken drivers and a broken port (mutants), and that the
 * drivers and the port build warning-free for the Cortex-M4. Needs gcc; the cross-compiler checks need
 * arm-none-eabi-gcc.
 */
import { execa, execaSync } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadBoard } from "../../boards/index";
import { boardAccessors, boardAccessorsC, boardHeader } from "../../boards/board-c";
import { layoutFromBoard } from "../../boards/layout";
import { portHeaderDir } from "../../compiler/build-cache";
import { coreDirBeside, driverSources, SHARED_C_DIR } from "../support/register-model";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const INCLUDE_DIR = path.join(ROOT, "hal-bindings/include");
const DRIVER_DIR = path.join(ROOT, "hal-bindings/stm32f4");
const CORE_DIR = coreDirBeside(DRIVER_DIR);
const MODEL_DIR = path.join(ROOT, "test/hal-stm32f4/model");
const PORT_DIR = path.join(ROOT, "hal-bindings/port");
const RUNTIME_DIR = path.join(ROOT, "compiler/c");
const CASES_DIR = path.join(ROOT, "test/hal-stm32f4/cases");
const HARNESS_C = path.join(CASES_DIR, "harness.c");

/** The binaries and the case files each is built from (their tables run in this order: harness.c). */
type Binary = "drivers" | "port" | "portHeader";
const CASE_FILES: Record<Binary, string[]> = {
  drivers: ["cases.c", "robustness_cases.c"],
  port: ["port_cases.c"],
  portHeader: ["port_header_cases.c"],
};

/** The flags every C file here must be clean under (the brief's), plus C11. */
const STRICT = ["-std=c11", "-Wall", "-Wextra", "-Wconversion", "-Werror"];

function onPath(cmd: string): boolean {
  return execaSync("sh", ["-c", `command -v ${cmd}`], { reject: false }).exitCode === 0;
}
const HAVE_GCC = onPath("gcc");
const HAVE_ARM_GCC = onPath("arm-none-eabi-gcc");

/** Case names as defined in the case files, read at collection time so each becomes a named test. */
function caseNames(binary: Binary): string[] {
  return CASE_FILES[binary].flatMap((f) =>
    [...fs.readFileSync(path.join(CASES_DIR, f), "utf8").matchAll(/^CASE\((\w+)\)/gm)].map((m) => m[1]),
  );
}

/** The C files of one folder (the port's). */
function cFilesOf(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".c"))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * The board header and tables the port is built with: nucleo-f411re's, or (portHeader) a header whose
 * bootloader region is sectors 0-1 with tables that still give sector 1 to the config region and that have
 * two slots (application in sectors 2-4, scratch in sector 5, secondary in sectors 6-7).
 */
function writeBoardFiles(dir: string, binary: Binary): void {
  const board = loadBoard("nucleo-f411re");
  if (binary !== "portHeader") {
    fs.writeFileSync(path.join(dir, "tsboot_board.h"), boardHeader(board));
    fs.writeFileSync(path.join(dir, "board.c"), boardAccessors(board));
    return;
  }
  fs.writeFileSync(path.join(dir, "tsboot_board.h"),
    boardHeader({ ...board, memoryMap: { ...board.memoryMap, bootloader: { start: 0x08000000, size: 0x8000 } } }));
  const layout = {
    ...layoutFromBoard(board),
    app: { start: 0x08008000, size: 0x18000 },
    slots: { scratch: { start: 0x08020000, size: 0x20000 }, secondary: { start: 0x08040000, size: 0x40000 }, trialWatchdogMs: 0 },
  };
  fs.writeFileSync(path.join(dir, "board.c"),
    `#include "tsboot_port.h"\n\n${boardAccessorsC(layout, (name) => `TSB_TRAP(TSB_PANIC_BOUNDS, "${name}: index out of range")`)}`);
}

/**
 * Compiles drivers (from driverDir) + model + harness (F4's and the shared C) + the binary's case files into
 * dir/<binary>; the port binaries add the port (from portDir) and the generated board files. Returns the
 * binary's path.
 */
async function buildCases(dir: string, binary: Binary, driverDir: string, portDir: string, extra: string[] = []): Promise<string> {
  const out = path.join(dir, `bin-${binary}`);
  const withPort = binary !== "drivers";
  const gen = path.join(dir, `gen-${binary}`);
  if (withPort) {
    fs.mkdirSync(gen, { recursive: true });
    writeBoardFiles(gen, binary);
    // The ports' prototypes, generated from the @extern declarations (compiler/build-cache.ts).
    fs.copyFileSync(path.join(await portHeaderDir(), "tsboot_port.h"), path.join(gen, "tsboot_port.h"));
  }
  await execa("gcc", [
    ...STRICT,
    ...extra,
    "-DTSBOOT_REG_MODEL",
    ...(withPort ? [`-I${gen}`, `-I${RUNTIME_DIR}`] : []),
    `-I${INCLUDE_DIR}`,
    `-I${coreDirBeside(driverDir)}`,
    `-I${driverDir}`,
    `-I${MODEL_DIR}`,
    `-I${CASES_DIR}`,
    `-I${SHARED_C_DIR}`,
    ...driverSources(driverDir),
    ...(withPort ? [...cFilesOf(portDir), path.join(gen, "board.c")] : []),
    path.join(MODEL_DIR, "f4_model.c"),
    HARNESS_C,
    ...cFilesOf(SHARED_C_DIR),
    ...CASE_FILES[binary].map((f) => path.join(CASES_DIR, f)),
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
  const SUITES: { binary: Binary; title: string }[] = [
    { binary: "drivers", title: "STM32F4 drivers on the register model" },
    { binary: "port", title: "the port over the F4 drivers on the register model (nucleo-f411re)" },
    { binary: "portHeader", title: "the port with a board header whose bootloader region disagrees with the tables" },
  ];
  for (const { binary, title } of SUITES) {
    describe(title, () => {
      const names = caseNames(binary);
      let dir = "";
      let bin = "";
      beforeAll(async () => {
        dir = tempDir("cases");
        bin = await buildCases(dir, binary, DRIVER_DIR, PORT_DIR, await sanitizerFlags(dir));
      }, 120_000);
      afterAll(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      });

      test("the binary's case list is exactly the CASE() definitions", async () => {
        const r = await execa(bin, ["--list"]);
        expect(r.stdout.trim().split("\n")).toEqual(names);
        expect(names.length).toBeGreaterThan(0);
      });

      test("an unknown case name is an error, not a pass", async () => {
        const r = await runCase(bin, "no_such_case");
        expect(r.exitCode).toBe(2);
        expect(r.all).not.toContain("PASS");
      });

      for (const name of names) {
        test(name, async () => {
          const r = await runCase(bin, name);
          expect(r.all, r.all).toContain(`PASS ${name}`);
          expect(r.exitCode, r.all).toBe(0);
        });
      }
    });
  }

  /**
   * Each mutant breaks one thing in a copy of the drivers (file in hal-bindings/stm32f4) or of the port (file in
   * hal-bindings/port); the named case must then fail. A mutant whose text is not found fails too, so a
   * refactor cannot silently turn one into a no-op. `issue` names the defect of issue 9 the case guards.
   */
  interface Mutant {
    name: string;
    file: string;
    from: string;
    to: string;
    caughtBy: string;
    binary?: Binary;
    issue?: number;
  }
  const MUTANTS: Mutant[] = [
    {
      name: "flash not relocked after an operation",
      file: "stm32f4_flash.c",
      from: "  REG_WRITE32(FLASH_CR, FLASH_CR_LOCK);\n  return status;",
      to: "  return status;",
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
      name: "FLASH_CR written (to lock it) while BSY is stuck: a bus stall that never ends",
      file: "stm32f4_flash.c",
      from: "if (!flash_wait_idle(polls) && !flash_wait_idle(polls)) {",
      to: "if (!flash_wait_idle(polls) && (REG_WRITE32(FLASH_CR, FLASH_CR_LOCK), !flash_wait_idle(polls))) {",
      caughtBy: "flash_busy_stuck_erase_resets",
      issue: 7,
    },
    {
      name: "a stuck BSY resets after one bound instead of waiting once more",
      file: "stm32f4_flash.c",
      from: "if (!flash_wait_idle(polls) && !flash_wait_idle(polls)) {",
      to: "if (!flash_wait_idle(polls)) {",
      caughtBy: "flash_busy_stuck_erase_resets",
      issue: 7,
    },
    {
      name: "a BSY timeout returns (the old driver) instead of waiting once more and resetting",
      file: "stm32f4_flash.c",
      from: "  if (!flash_wait_idle(polls) && !flash_wait_idle(polls)) {\n    hal_fault_reset(HAL_FAULT_FLASH_STUCK, detail);",
      to: "  if (!flash_wait_idle(polls)) {\n    irq_restore(primask);\n    return;",
      caughtBy: "flash_busy_late_erase_still_locks",
      issue: 7,
    },
    {
      name: "erase wait bounded by the program time",
      file: "stm32f4_flash.c",
      from: "stm32f4_polls_ms(erase_ms)",
      to: "flash_polls_us(FLASH_PROGRAM_MAX_US)",
      caughtBy: "flash_busy_stuck_erase_resets",
    },
    {
      name: "the IWDG is not reloaded while an erase runs",
      file: "stm32f4_flash.c",
      from: "    if ((i & (FLASH_IWDG_RELOAD_POLLS - 1u)) == 0u) {\n      REG_WRITE32(IWDG_KR, IWDG_KR_RELOAD);\n    }\n",
      to: "",
      caughtBy: "flash_erase_serves_the_watchdog",
      issue: 5,
    },
    {
      name: "stale error flags not cleared before an operation",
      file: "stm32f4_flash.c",
      from: "  (void)stm32f4_flash_take_status();\n}",
      to: "}",
      caughtBy: "flash_stale_flags_cleared_first",
    },
    {
      name: "PGPERR mapped to the wrong status",
      file: "stm32f4_flash.c",
      from: "__builtin_ctz(program_errors) - 1u",
      to: "__builtin_ctz(program_errors) - 2u",
      caughtBy: "flash_error_pgperr_maps",
    },
    {
      name: "SNB shifted to the wrong position",
      file: "stm32f4_flash.c",
      from: "(number << FLASH_CR_SNB_Pos)",
      to: "(number << 4u)",
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
      name: "option keys in the wrong order",
      file: "stm32f4_flash_options.c",
      from: "REG_WRITE32(FLASH_OPTKEYR, FLASH_OPT_KEY1);\n  REG_WRITE32(FLASH_OPTKEYR, FLASH_OPT_KEY2);",
      to: "REG_WRITE32(FLASH_OPTKEYR, FLASH_OPT_KEY2);\n  REG_WRITE32(FLASH_OPTKEYR, FLASH_OPT_KEY1);",
      caughtBy: "options_protect_bootloader_sector",
      issue: 6,
    },
    {
      name: "FLASH_OPTCR left unlocked after the option bytes are programmed",
      file: "stm32f4_flash_options.c",
      from: "  options_lock();\n  return status;",
      to: "  return status;",
      caughtBy: "options_protect_bootloader_sector",
      issue: 6,
    },
    {
      name: "the new nWRP written without OPTSTRT (never programmed)",
      file: "stm32f4_flash_options.c",
      from: "stm32f4_flash_run(FLASH_OPTCR, wanted | FLASH_OPTCR_OPTSTRT, bound,",
      to: "stm32f4_flash_run(FLASH_OPTCR, wanted, bound,",
      caughtBy: "options_protect_bootloader_sector",
      issue: 6,
    },
    {
      name: "the other option bytes (RDP, BOR, WDG_SW) not written back as they were",
      file: "stm32f4_flash_options.c",
      from: "wanted &= ~(FLASH_OPTCR_OPTLOCK | FLASH_OPTCR_OPTSTRT);",
      to: "wanted &= FLASH_OPTCR_nWRP_Msk;",
      caughtBy: "options_keep_the_other_bytes",
      issue: 6,
    },
    {
      name: "WDG_SW on the wrong bit in stm32f4_regs.h",
      file: "stm32f4_regs.h",
      from: "#define FLASH_OPTCR_WDG_SW BIT(5)",
      to: "#define FLASH_OPTCR_WDG_SW BIT(6)",
      caughtBy: "options_hardware_watchdog_bit",
      issue: 5,
    },
    {
      name: "the IWDG period computed at the typical LSI (32 kHz), shorter than asked at the fastest",
      file: "stm32f4_iwdg.c",
      from: "#define IWDG_LSI_MAX_KHZ 47u",
      to: "#define IWDG_LSI_MAX_KHZ 32u",
      caughtBy: "iwdg_period_holds_at_the_fastest_lsi",
      issue: 5,
    },
    {
      name: "the IWDG reloaded before its PR/RLR updates have landed (PVU/RVU)",
      file: "stm32f4_iwdg.c",
      from: "  iwdg_wait_updated(IWDG_SR_PVU | IWDG_SR_RVU);\n",
      to: "",
      caughtBy: "iwdg_start_longest_period",
      issue: 5,
    },
    {
      name: "the reset flags not cleared (RMVF): the next boot reports an old cause",
      file: "stm32f4_system.c",
      from: "  REG_WRITE32(RCC_CSR, (csr & RCC_CSR_LSION) | RCC_CSR_RMVF);",
      to: "",
      caughtBy: "reset_cause_power_on_then_cleared",
      issue: 5,
    },
    {
      name: "a fault record is believed without its check word",
      file: "stm32f4_system.c",
      from: "if (kind != HAL_FAULT_NONE && __tsboot_fault_record[2] == (FAULT_RECORD_CHECK ^ kind ^ detail)) {",
      to: "if (kind != HAL_FAULT_NONE) {",
      caughtBy: "fault_record_garbage_is_no_fault",
      issue: 4,
    },
    {
      name: "the fault record written after the reset request (never)",
      file: "stm32f4_system.c",
      from: "  __tsboot_fault_record[1] = detail;\n",
      to: "",
      caughtBy: "fault_record_round_trip",
      issue: 4,
    },
    {
      name: "USART2_RX on DMA1 stream 4 instead of 5",
      file: "stm32f4_uart_dma.c",
      from: "#define APB1_USART_RX_STREAMS 0x0215u",
      to: "#define APB1_USART_RX_STREAMS 0x0214u",
      caughtBy: "uart_dma_usart2_stream5_circular",
    },
    {
      name: "USART6_RX on channel 4 instead of 5",
      file: "stm32f4_uart_dma.c",
      from: "return DMA_SxCR(DMA2_BASE, 1u) | 5u;",
      to: "return DMA_SxCR(DMA2_BASE, 1u) | 4u;",
      caughtBy: "uart_dma_routes_of_every_usart",
    },
    {
      name: "the reception stream not circular",
      file: "stm32f4_uart_dma.c",
      from: "DMA_SxCR_MINC | DMA_SxCR_CIRC;",
      to: "DMA_SxCR_MINC;",
      caughtBy: "uart_dma_usart2_stream5_circular",
    },
    {
      name: "the ring head taken as NDTR instead of length - NDTR",
      file: "stm32f4_uart_dma.c",
      from: "s_rx.length - ndtr;",
      to: "ndtr;",
      caughtBy: "uart_dma_usart2_stream5_circular",
    },
    {
      name: "DMA left clocked and configured after reception stops",
      file: "stm32f4_uart_dma.c",
      from: "  dma_release(sx);\n  s_rx.stream = 0;",
      to: "  s_rx.stream = 0;",
      caughtBy: "uart_dma_stop_releases_everything",
      issue: 8,
    },
    {
      name: "a running USART reconfigured without waiting for TC",
      file: "stm32f4_uart.c",
      from: "    (void)uart_tx_wait(base, USART_SR_TC, 3u);\n    cr3 =",
      to: "    cr3 =",
      caughtBy: "uart_reinit_waits_for_tc",
      issue: 1,
    },
    {
      name: "DMA reception dropped by a change of framing (DMAR cleared)",
      file: "stm32f4_uart.c",
      from: "cr3 = REG_READ32(USART_CR3(base)) & USART_CR3_DMAR;",
      to: "cr3 = 0u;",
      caughtBy: "uart_reinit_keeps_dma_reception",
    },
    {
      name: "one flash wait state too few",
      file: "stm32f4_clock.c",
      from: "(sysclk_hz - 1u) / CLOCK_HZ_PER_WAIT_STATE;",
      to: "(sysclk_hz - 1u) / CLOCK_HZ_PER_WAIT_STATE - 1u;",
      caughtBy: "clock_f407_hse_crystal_168mhz",
    },
    {
      name: "F411 treated as a one-bit VOS part (only bit 14 checked)",
      file: "stm32f4_clock.c",
      from: "  case 0x431u: /* F411 */\n",
      to: "",
      caughtBy: "clock_f411_vos_whole_field_from_scale3",
      issue: 10,
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
      name: "the NVIC's last register (IRQs 64-95) left enabled and pending",
      file: "stm32f4_system.c",
      from: "uint32_t groups = (REG_READ32(SCS_ICTR) & SCS_ICTR_INTLINESNUM_Msk) + 1u;",
      to: "uint32_t groups = REG_READ32(SCS_ICTR) & SCS_ICTR_INTLINESNUM_Msk;",
      caughtBy: "cpu_quiesce_clears_every_line",
      issue: 8,
    },
    {
      name: "a pin reset leaves its alternate function",
      file: "stm32f4_gpio.c",
      from: "gpio_pin_setup(port_index, pin, GPIO_ORDER_MODE_FIRST, settings);",
      to: "gpio_pin_setup(port_index, pin, 0xF3210u, settings);",
      caughtBy: "gpio_pin_reset_restores_reset_mode",
      issue: 8,
    },
    {
      name: "tick deinit sets the SysTick pending bit instead of clearing it",
      file: "cortex_m_systick.c",
      from: "REG_WRITE32(SCB_ICSR, SCB_ICSR_PENDSTCLR);",
      to: "REG_WRITE32(SCB_ICSR, SCB_ICSR_PENDSTSET);",
      caughtBy: "tick_deinit_clears_pending",
    },
    {
      name: "the port passes an erase of the bootloader's sector to the driver",
      file: "tsboot_port.c",
      from: "  if (!range_writable(board_sector_start(index), board_sector_size(index))) {\n    return HAL_ERR_PROTECTED;\n  }\n",
      to: "",
      caughtBy: "port_refuses_to_erase_the_bootloader",
      binary: "port",
      issue: 6,
    },
    {
      name: "the port passes a program of the bootloader region to the driver",
      file: "tsboot_port.c",
      from: "  if (!range_writable(address, data.len)) {\n    return HAL_ERR_PROTECTED;\n  }\n",
      to: "",
      caughtBy: "port_refuses_to_program_the_bootloader",
      binary: "port",
      issue: 6,
    },
    {
      name: "the port trusts the tables over the board header's bootloader region",
      file: "tsboot_port.c",
      from: "  if (size == 0u || range_touches_bootloader(start, size)) {",
      to: "  if (size == 0u) {",
      caughtBy: "port_header_bootloader_region_wins",
      binary: "portHeader",
      issue: 6,
    },
    {
      name: "the port refuses the secondary slot of a two-slot board",
      file: "tsboot_port.c",
      from: "         (board_secondary_size() != 0u && range_inside(start, size, board_secondary_start(), board_secondary_size())) ||\n",
      to: "",
      caughtBy: "port_two_slot_regions_writable",
      binary: "portHeader",
    },
    {
      name: "the launch leaves the UART pins in their alternate function",
      file: "tsboot_port.c",
      from: "  hal_gpio_pin_reset(BOARD_UART_TX_PORT, BOARD_UART_TX_PIN);\n  hal_gpio_pin_reset(BOARD_UART_RX_PORT, BOARD_UART_RX_PIN);\n",
      to: "",
      caughtBy: "port_launch_leaves_nothing_behind",
      binary: "port",
      issue: 8,
    },
    {
      name: "the launch leaves the GPIO clocks on",
      file: "tsboot_port.c",
      from: "  hal_gpio_clock_off(BOARD_UART_TX_PORT);\n",
      to: "",
      caughtBy: "port_launch_leaves_nothing_behind",
      binary: "port",
      issue: 8,
    },
    {
      name: "a panic records no line",
      file: "tsboot_port.c",
      from: "hal_fault_reset(HAL_FAULT_PANIC, line);",
      to: "hal_fault_reset(HAL_FAULT_PANIC, 0u);",
      caughtBy: "port_panic_records_the_line_and_resets",
      binary: "port",
      issue: 4,
    },
  ];

  describe("the cases catch broken drivers and a broken port (mutants)", () => {
    for (const m of MUTANTS) {
      test(`${m.caughtBy} fails when: ${m.name}${m.issue ? ` (issue 9, defect ${m.issue})` : ""}`, async () => {
        const dir = tempDir("mutant");
        try {
          const drivers = path.join(dir, "drivers");
          const port = path.join(dir, "port");
          fs.cpSync(DRIVER_DIR, drivers, { recursive: true });
          fs.cpSync(CORE_DIR, coreDirBeside(drivers), { recursive: true });
          fs.cpSync(PORT_DIR, port, { recursive: true });
          const folder = m.file.startsWith("tsboot_port") ? port : m.file.startsWith("cortex_m") ? coreDirBeside(drivers) : drivers;
          const file = path.join(folder, m.file);
          const text = fs.readFileSync(file, "utf8");
          expect(text.split(m.from).length - 1, `mutation text in ${m.file}`).toBe(1);
          fs.writeFileSync(file, text.replace(m.from, m.to));
          // A mutant may orphan a helper or a variable.
          const bin = await buildCases(dir, m.binary ?? "drivers", drivers, port, ["-O1", "-Wno-unused-function", "-Wno-unused-variable", "-Wno-unused-parameter"]);
          const r = await runCase(bin, m.caughtBy);
          expect(r.exitCode, r.all).not.toBe(0);
          expect(r.all).not.toContain(`PASS ${m.caughtBy}`);
          expect(r.all).toMatch(/FAIL|MODEL FATAL/);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }, 120_000);
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
        const r = await execa("gcc", [...STRICT, `-I${INCLUDE_DIR}`, `-I${CORE_DIR}`, `-I${DRIVER_DIR}`, "-c", src, "-o", "/dev/null"], {
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
              `-I${CORE_DIR}`,
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

    test("the port and its fault entry compile clean for the Cortex-M4 against a generated board header", async () => {
      const dir = tempDir("arm");
      try {
        writeBoardFiles(dir, "port");
        fs.copyFileSync(path.join(await portHeaderDir(), "tsboot_port.h"), path.join(dir, "tsboot_port.h"));
        for (const src of [...cFilesOf(PORT_DIR), path.join(dir, "board.c")]) {
          const obj = path.join(dir, path.basename(src) + ".o");
          await execa("arm-none-eabi-gcc", [...ARM_FLAGS, ...STRICT, `-I${dir}`, `-I${RUNTIME_DIR}`, `-I${INCLUDE_DIR}`, "-c", src, "-o", obj]);
        }
        const nm = await execa("arm-none-eabi-nm", [path.join(dir, "tsboot_fault_entry.c.o")]);
        expect(nm.stdout).toMatch(/ T tsboot_fault_entry$/m);
        expect(nm.stdout).toMatch(/ U hal_fault_reset$/m);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test("the flash busy-wait, its IWDG reload and hal_fault_reset run from RAM (.ramfunc), with interrupts masked", async () => {
      const dir = tempDir("arm");
      try {
        const sectionOf = async (file: string) => {
          const obj = path.join(dir, `${file}.o`);
          await execa("arm-none-eabi-gcc", [...ARM_FLAGS, ...STRICT, `-I${INCLUDE_DIR}`, `-I${CORE_DIR}`, `-I${DRIVER_DIR}`, "-c", path.join(DRIVER_DIR, file), "-o", obj]);
          const dis = await execa("arm-none-eabi-objdump", ["-d", "-j", ".ramfunc", obj]);
          return dis.stdout;
        };
        const flash = await sectionOf("stm32f4_flash.c");
        expect(flash).toMatch(/<stm32f4_flash_run>:/);
        expect(flash).toMatch(/<flash_wait_idle>:/);
        expect(flash).toMatch(/\bcpsid\s+i\b/);
        const system = await sectionOf("stm32f4_system.c");
        expect(system).toMatch(/<hal_fault_reset>:/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test("the target build stores flash words with a plain str (no call into a model)", async () => {
      const dir = tempDir("arm");
      try {
        const obj = path.join(dir, "flash.o");
        await execa("arm-none-eabi-gcc", [...ARM_FLAGS, ...STRICT, `-I${INCLUDE_DIR}`, `-I${CORE_DIR}`, `-I${DRIVER_DIR}`, "-c",
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
