/**
 * The application kit: what an application started by tsboot needs, generated for one board.
 *
 *   app.ld           the linker script for the application region (RAM below the no-init words; on F0 after
 *                    the SRAM vector area)
 *   startup.c        the vector table and Reset_Handler (.data, .bss, VTOR; on F0 the SRAM vector copy)
 *   tsboot_app.h     request an update, confirm the running image, read the reset cause, with this board's
 *                    addresses baked in (no linker symbols needed: CubeMX and Zephyr projects use it too)
 *   tsboot_board.h   the board's pins, UART and clocks, for applications that use tsboot's drivers
 *   main.c           a starting point
 *   Makefile         arm-none-eabi-gcc with the board's core flags; `make tsb VERSION=1.2.3` packages it
 *   README.md        this board's numbers for bare-metal, CubeMX and Zephyr projects (docs/application.md)
 */
import fs from "node:fs";
import path from "node:path";
import { boardHeader } from "../../boards/board-c";
import type { Board } from "../../boards/index";
import { generateLinkerScript } from "../../boards/linker";
import { CONFIRM_MAGIC, NOINIT_BYTES, noInitLayout, RESET_CAUSE_BITS, sramVectorBytes, UPDATE_REQUEST_MAGIC } from "../../boards/noinit";
import { generateStartup } from "../../boards/startup";
import { cpuFlags } from "./bootloader-build";

const hex = (n: number) => `0x${(n >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;

export interface AppKitFile {
  name: string;
  text: string;
}

export function appKitFiles(board: Board, options: { boardArg?: string } = {}): AppKitFile[] {
  return [
    { name: "app.ld", text: generateLinkerScript(board, "application") },
    { name: "startup.c", text: generateStartup(board, { entry: "main", role: "application" }) },
    { name: "tsboot_app.h", text: appHeader(board) },
    { name: "tsboot_board.h", text: boardHeader(board) },
    { name: "main.c", text: exampleMain(board) },
    { name: "Makefile", text: makefile(board, options.boardArg ?? board.name) },
    { name: "README.md", text: kitReadme(board) },
  ];
}

export function writeAppKit(board: Board, outDir: string, options: { boardArg?: string } = {}): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  return appKitFiles(board, options).map((f) => {
    const file = path.join(outDir, f.name);
    fs.writeFileSync(file, f.text);
    return file;
  });
}

/**
 * tsboot_confirm(): when the bootloader started this image on trial (docs/slots.md), it published where the
 * confirmation goes; the application programs the 8-byte ConfirmStub there (magic 0x4C53, type 12, the
 * trial id) with the family's flash sequence, bounded, and locks the flash again. Not on trial: nothing.
 */
function confirmCode(board: Board): string {
  const program: Record<Board["family"], string> = {
    stm32f4: `  /* RM0090 3.6: unlock, PG with PSIZE x32, two words, wait BSY, lock. */
  volatile uint32_t *const flash = (volatile uint32_t *)0x40023C00u; /* ACR, KEYR, OPTKEYR, SR, CR */
  flash[1] = 0x45670123u;
  flash[1] = 0xCDEF89ABu;
  flash[3] = 0xF3u; /* clear EOP and the error flags */
  flash[4] = (2u << 8) | 1u; /* PSIZE x32, PG */
  ((volatile uint32_t *)address)[0] = stub[0];
  ((volatile uint32_t *)address)[1] = stub[1];
  __asm volatile("dsb 0xF" ::: "memory");
  for (uint32_t n = 0u; (flash[3] & (1u << 16)) != 0u && n < 1000000u; n++) {
  }
  const bool ok = (flash[3] & 0xF0u) == 0u && (flash[3] & (1u << 16)) == 0u;
  flash[4] = 1u << 31; /* LOCK */`,
    stm32f0: `  /* RM0091 3.2.2: unlock, PG, four half-words each waited on, lock. */
  volatile uint32_t *const flash = (volatile uint32_t *)0x40022000u; /* ACR, KEYR, OPTKEYR, SR, CR */
  flash[1] = 0x45670123u;
  flash[1] = 0xCDEF89ABu;
  flash[3] = 0x34u; /* clear EOP, WRPRTERR, PGERR */
  flash[4] = 1u; /* PG */
  bool ok = true;
  for (uint32_t i = 0u; i < 4u && ok; i++) {
    ((volatile uint16_t *)address)[i] = (uint16_t)(stub[i / 2u] >> (16u * (i % 2u)));
    for (uint32_t n = 0u; (flash[3] & 1u) != 0u && n < 1000000u; n++) {
    }
    ok = (flash[3] & 0x15u) == 0u;
  }
  flash[4] = 1u << 7; /* LOCK */`,
    stm32l4: `  /* RM0351 3.3.7: unlock, PG, one double word (two words back to back), wait BSY, lock. */
  volatile uint32_t *const flash = (volatile uint32_t *)0x40022000u; /* ACR, PDKEYR, KEYR, OPTKEYR, SR, CR */
  flash[2] = 0x45670123u;
  flash[2] = 0xCDEF89ABu;
  flash[4] = 0xC3FBu; /* clear EOP, OPERR and the programming error flags */
  flash[5] = 1u; /* PG */
  ((volatile uint32_t *)address)[0] = stub[0];
  ((volatile uint32_t *)address)[1] = stub[1];
  __asm volatile("dsb 0xF" ::: "memory");
  for (uint32_t n = 0u; (flash[4] & (1u << 16)) != 0u && n < 1000000u; n++) {
  }
  const bool ok = (flash[4] & 0x3FAu) == 0u && (flash[4] & (1u << 16)) == 0u;
  flash[5] = 1u << 31; /* LOCK */`,
    stm32h7: `  /* RM0433 4.3.9: the bank's own registers; PG, 8 bytes, then FW forces the partial 256-bit flash word. */
  volatile uint32_t *const bank = (volatile uint32_t *)(address < 0x08100000u ? 0x52002000u : 0x52002100u); /* ACR, KEYR, OPTKEYR, CR, SR, CCR */
  bank[1] = 0x45670123u;
  bank[1] = 0xCDEF89ABu;
  bank[5] = 0x0FEF0000u; /* CCR: clear the error and end flags */
  bank[3] = (3u << 4) | 2u; /* PSIZE x64, PG */
  ((volatile uint32_t *)address)[0] = stub[0];
  ((volatile uint32_t *)address)[1] = stub[1];
  __asm volatile("dsb 0xF" ::: "memory");
  bank[3] |= 1u << 6; /* FW */
  for (uint32_t n = 0u; (bank[4] & ((1u << 2) | 1u)) != 0u && n < 1000000u; n++) {
  }
  const bool ok = (bank[4] & 0x07EE0000u) == 0u;
  bank[3] = 1u; /* LOCK */`,
  };
  return `/* Confirms the running image when the bootloader started it on trial (after an install by swap: the
 * next reset without a confirmation brings the previous image back; docs/slots.md). Call it once the
 * application has proved itself (it talked to its peers, passed its self-test). Returns true when a
 * confirmation was written, false when the image is not on trial (nothing to do) or flash refused it.
 * It programs 8 bytes at the address the bootloader published, nowhere else. */
static inline bool tsboot_confirm(void) {
  const uint32_t address = TSBOOT_WORD_(TSBOOT_CONFIRM_ADDRESS_ADDR);
  const uint32_t id = TSBOOT_WORD_(TSBOOT_TRIAL_ID_ADDR);
  if (address == 0u || (address ^ id ^ TSBOOT_CONFIRM_MAGIC) != TSBOOT_WORD_(TSBOOT_TRIAL_CHECK_ADDR)) return false;
  if (address < ${hex(board.flash.base)}u || address >= ${hex(board.flash.base + board.flash.size)}u || (address & 7u) != 0u) return false;
  const uint32_t stub[2] = {0x4C53u | (12u << 16), id}; /* ConfirmStub: magic, type 12, arg 0, the trial id */
${program[board.family]}
  TSBOOT_WORD_(TSBOOT_TRIAL_CHECK_ADDR) = 0u; /* published once: confirmed */
  return ok;
}`;
}

export function appHeader(board: Board): string {
  const n = noInitLayout(board);
  const bits = RESET_CAUSE_BITS;
  const sramVectors = sramVectorBytes(board);
  const f0 = sramVectors
    ? `
/* ${board.part} has no VTOR: an application's vector table must be at 0, which is SRAM after this. The
 * kit's startup.c does it; a project with its own startup (CubeMX) calls this first thing in main():
 * tsboot_use_vector_table_in_sram((const uint32_t *)0x${board.memoryMap.application.start.toString(16).toUpperCase()}u). Keep the first
 * TSBOOT_SRAM_VECTORS_SIZE bytes of SRAM out of the linker script's RAM (docs/application.md). */
#define TSBOOT_SRAM_VECTORS_ADDR ${hex(board.ram.base)}u
#define TSBOOT_SRAM_VECTORS_SIZE ${sramVectors}u
static inline void tsboot_use_vector_table_in_sram(const uint32_t *table) {
  for (uint32_t i = 0u; i < ${(16 + board.partInfo.irqs.length)}u; i++) ((volatile uint32_t *)TSBOOT_SRAM_VECTORS_ADDR)[i] = table[i];
  *(volatile uint32_t *)0x40021018u |= 1u;                                               /* RCC_APB2ENR.SYSCFGCOMPEN */
  *(volatile uint32_t *)0x40010000u = (*(volatile uint32_t *)0x40010000u & ~3u) | 3u; /* SYSCFG_CFGR1.MEM_MODE: SRAM at 0 */
  __asm volatile("dsb\\n\\tisb" ::: "memory");
}
`
    : "";
  return `/*
 * tsboot_app.h for ${board.name} (${board.part}), generated by \`tsboot app-kit\`. For applications started
 * by tsboot: ask for an update, confirm the running image, read why the MCU reset. The words live in the
 * ${NOINIT_BYTES} no-init bytes at the top of RAM [${hex(n.base)}, ${hex(board.ram.base + board.ram.size)}), which neither
 * image initialises: keep them out of your linker script's RAM (app.ld does). docs/application.md.
 */
#ifndef TSBOOT_APP_H
#define TSBOOT_APP_H

#include <stdbool.h>
#include <stdint.h>

#define TSBOOT_APP_START ${hex(board.memoryMap.application.start)}u
#define TSBOOT_APP_SIZE ${hex(board.memoryMap.application.size)}u
#define TSBOOT_VECT_TAB_OFFSET ${hex(board.memoryMap.application.start - board.flash.base)}u /* CubeMX: VECT_TAB_OFFSET */
#define TSBOOT_RAM_START ${hex(board.ram.base + sramVectors)}u
#define TSBOOT_RAM_END ${hex(n.base)}u /* the stack's top: the no-init words start here */

#define TSBOOT_NOINIT_START ${hex(n.base)}u
#define TSBOOT_UPDATE_FLAG_ADDR ${hex(n.updateRequest)}u
#define TSBOOT_FAULT_RECORD_ADDR ${hex(n.faultRecord.start)}u /* ${n.faultRecord.size} bytes, written by the bootloader's fault handler */
#define TSBOOT_CONFIRM_ADDRESS_ADDR ${hex(n.confirmAddress)}u /* published before a trial: where the confirmation goes */
#define TSBOOT_TRIAL_ID_ADDR ${hex(n.trialId)}u
#define TSBOOT_TRIAL_CHECK_ADDR ${hex(n.trialCheck)}u /* address ^ id ^ TSBOOT_CONFIRM_MAGIC */
#define TSBOOT_RESET_CAUSE_ADDR ${hex(n.resetCause)}u /* the cause bits, then their complement */

#define TSBOOT_UPDATE_REQUEST_MAGIC ${hex(UPDATE_REQUEST_MAGIC)}u /* "TSBU" */
#define TSBOOT_CONFIRM_MAGIC ${hex(CONFIRM_MAGIC)}u /* "TSBC" */

/* tsboot_reset_cause() bits (the reset controller's flags, which the bootloader read and cleared). */
#define TSBOOT_RESET_PIN 0x${bits.pin.toString(16).padStart(2, "0")}u
#define TSBOOT_RESET_POWER_ON 0x${bits.powerOn.toString(16).padStart(2, "0")}u
#define TSBOOT_RESET_SOFTWARE 0x${bits.software.toString(16).padStart(2, "0")}u
#define TSBOOT_RESET_IWDG 0x${bits.independentWatchdog.toString(16).padStart(2, "0")}u
#define TSBOOT_RESET_WWDG 0x${bits.windowWatchdog.toString(16).padStart(2, "0")}u
#define TSBOOT_RESET_LOW_POWER 0x${bits.lowPower.toString(16).padStart(2, "0")}u
#define TSBOOT_RESET_BROWNOUT 0x${bits.brownOut.toString(16).padStart(2, "0")}u
#define TSBOOT_RESET_OPTION_LOAD 0x${bits.optionLoad.toString(16).padStart(2, "0")}u

#define TSBOOT_WORD_(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* Resets into the bootloader, which stays in update mode (and clears the request, so a crash there does
 * not bring it back forever). */
static inline _Noreturn void tsboot_request_update(void) {
  TSBOOT_WORD_(TSBOOT_UPDATE_FLAG_ADDR) = TSBOOT_UPDATE_REQUEST_MAGIC;
  __asm volatile("dsb 0xF" ::: "memory");
  *(volatile uint32_t *)0xE000ED0Cu = 0x05FA0004u; /* SCB AIRCR: VECTKEY | SYSRESETREQ */
  __asm volatile("dsb 0xF" ::: "memory");
  for (;;) {
  }
}

${confirmCode(board)}

/* Why the MCU last reset: TSBOOT_RESET_* bits, as the bootloader found them; 0 when it left none (the word
 * after them is not their complement: a bootloader older than the words, or a debugger that loaded the
 * application directly). */
static inline uint32_t tsboot_reset_cause(void) {
  const uint32_t cause = TSBOOT_WORD_(TSBOOT_RESET_CAUSE_ADDR);
  return TSBOOT_WORD_(TSBOOT_RESET_CAUSE_ADDR + 4u) == ~cause ? cause : 0u;
}
${f0}
#endif /* TSBOOT_APP_H */
`;
}

function exampleMain(board: Board): string {
  return `/* A starting point for an application on ${board.name}, started by tsboot. Replace the loop with yours. */
#include "tsboot_app.h"

volatile uint32_t g_last_reset_cause;

int main(void) {
  g_last_reset_cause = tsboot_reset_cause();
  /* ... bring the application up; once it works: */
  tsboot_confirm(); /* a no-op unless this image runs on trial */
  for (;;) {
    /* On a command from your host, or a button held: tsboot_request_update(); */
  }
}
`;
}

function makefile(board: Board, boardArg: string): string {
  return `# Generated by \`tsboot app-kit\` for ${board.name} (${board.part}). \`make\` builds app.elf and app.bin;
# \`make tsb VERSION=1.2.3\` packages app.tsb for \`tsboot flash\`. Add your sources to SRCS.
CC = arm-none-eabi-gcc
OBJCOPY = arm-none-eabi-objcopy
SRCS ?= main.c
CFLAGS ?= ${cpuFlags(board).join(" ")} -Os -g -std=c11 -Wall -Wextra -ffunction-sections -fdata-sections
LDFLAGS ?= -nostartfiles -T app.ld -Wl,--gc-sections
LDLIBS ?= -lgcc
VERSION ?= 0.0.1

all: app.bin

app.elf: $(SRCS) startup.c app.ld tsboot_app.h
\t$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(SRCS) startup.c $(LDLIBS)

app.bin: app.elf
\t$(OBJCOPY) -O binary $< $@

tsb: app.elf
\tnpx tsboot image app.elf --board ${boardArg} --version $(VERSION) -o app.tsb

clean:
\trm -f app.elf app.bin app.tsb

.PHONY: all tsb clean
`;
}

function kitReadme(board: Board): string {
  const n = noInitLayout(board);
  const app = board.memoryMap.application;
  const sramVectors = sramVectorBytes(board);
  const ramStart = board.ram.base + sramVectors;
  const ramLength = board.ram.size - sramVectors - NOINIT_BYTES;
  const offset = app.start - board.flash.base;
  return `# Application kit for ${board.name} (${board.part})

Generated by \`tsboot app-kit\`. The whole story, for bare-metal, CubeMX and Zephyr projects and for
debugging: tsboot's docs/application.md.

| what | value |
|---|---|
| application region | ${hex(app.start)} - ${hex(app.start + app.size)} (${app.size / 1024} KB); the vector table opens it |
| VTOR / VECT_TAB_OFFSET | ${hex(offset)} |
| RAM for the application | ${hex(ramStart)} - ${hex(n.base)} (${ramLength} bytes)${sramVectors ? `; ${hex(board.ram.base)} - ${hex(ramStart)} holds the copied vector table (no VTOR on the ${board.cpu})` : ""} |
| initial stack pointer | at most ${hex(n.base)} |
| no-init words | update request ${hex(n.updateRequest)}, fault record ${hex(n.faultRecord.start)} (${n.faultRecord.size} bytes), trial words ${hex(n.confirmAddress)} (confirm address, trial id, check), reset cause ${hex(n.resetCause)} |

Build and package: \`make && make tsb VERSION=1.0.0\`, then \`npx tsboot flash app.tsb --port <port>\`.

CubeMX: in the linker script, \`FLASH (rx) : ORIGIN = ${hex(app.start)}, LENGTH = ${app.size / 1024}K\` and
\`RAM (xrw) : ORIGIN = ${hex(ramStart)}, LENGTH = ${ramLength}\`;${board.familyInfo.hasVtor ? ` in system_*.c, \`#define USER_VECT_TAB_ADDRESS\` and \`#define VECT_TAB_OFFSET ${hex(offset)}U\`.` : ` call \`tsboot_use_vector_table_in_sram((const uint32_t *)${hex(app.start)}u)\` first thing in main() (no VTOR).`}

Zephyr: \`CONFIG_FLASH_LOAD_OFFSET=${hex(offset)}\` with \`CONFIG_USE_DT_CODE_PARTITION=n\`, or a code partition at
offset ${hex(offset)} of size ${hex(app.size)} chosen as \`zephyr,code-partition\`; keep the top ${NOINIT_BYTES} bytes of RAM
out of \`zephyr,sram\`.
`;
}
