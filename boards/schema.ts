/**
 * The board file's structure, as a zod schema: every key, its type and its allowed values. Objects are
 * strict, so an unknown key (a typo) is an error, not a silently ignored field that falls back to a
 * default. Whether the values agree with each other and with the part is checked afterwards
 * (boards/index.ts). boards/board.schema.json is generated from this schema (boards/schema-json.ts) for
 * editors: board files name it in "$schema".
 *
 * In the JSON, addresses and sizes are numbers or "0x..." strings.
 */
import { z } from "zod";
import { FAMILY_NAMES, GPIO_PORTS } from "./parts/index";

export const HEX_PATTERN = /^0x[0-9a-fA-F]{1,8}$/;

/** A u32 given as a number or a "0x..." string; a number afterwards. */
const u32 = z
  .union([z.number().int().min(0).max(0xffffffff), z.string().regex(HEX_PATTERN)])
  .transform((v) => (typeof v === "number" ? v : parseInt(v.slice(2), 16)))
  .meta({ description: 'a number or a "0x..." hex string' });

const block = z.strictObject({ base: u32, size: u32 });
const region = z.strictObject({ start: u32, size: u32 });
const port = z.enum(GPIO_PORTS);
const pinNumber = z.number().int().min(0).max(15);
const pinFunction = z.strictObject({
  port,
  pin: pinNumber,
  af: z.number().int().min(0).max(15).optional().describe("alternate function; optional: it follows from the pin"),
});

export const BoardSchema = z
  .strictObject({
    $schema: z.string().optional().describe("the JSON Schema for editors: ./board.schema.json"),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
      .describe("the board's name; the file must be <name>.json"),
    description: z.string().min(1),
    family: z.enum(FAMILY_NAMES),
    part: z.string().min(1).describe("the part number, e.g. STM32F411RE (boards/parts/)"),
    cpu: z.enum(["cortex-m0", "cortex-m4", "cortex-m7"]).optional().describe("optional: follows from the part"),
    fpu: z.enum(["none", "fpv4-sp-d16", "fpv5-d16"]).optional().describe('optional: the part\'s FPU; "none" builds soft-float'),
    boardId: u32.describe("u32 stamped into image headers: the part's DEV_ID in bits 31-16, a board number below"),
    flash: block.optional().describe("optional: main flash from 0x08000000, the part's size"),
    ram: block.optional().describe("the RAM the images use for .data, .bss and the stack; optional: the part's first RAM block"),
    sectors: z
      .array(z.strictObject({ index: z.number().int().min(0), start: u32, size: u32 }))
      .optional()
      .describe("optional: the part's erase units (sectors or pages); when given, they must match the part"),
    memoryMap: z.strictObject({
      bootloader: region,
      application: z.strictObject({ start: u32, size: u32.optional().describe("optional: to the end of flash") }),
      config: region.nullable().optional().describe("the region holding the status log (docs/slots.md); two slots need two halves"),
      secondary: region.optional().describe("two-slot boards: the download slot, at least the application's size (docs/slots.md)"),
      scratch: region.optional().describe("two-slot boards: the swap area; the slots are exchanged one scratch-size area at a time"),
    }),
    slots: z
      .strictObject({
        strategy: z
          .enum(["copy-swap", "bank-swap"])
          .describe(
            'copy-swap (default with memoryMap.secondary and memoryMap.scratch): the slots are exchanged through the scratch; bank-swap (STM32H7, STM32L4): the secondary is the other bank, and an install flips the option bit that maps it first (H7 FLASH_OPTSR_PRG.SWAP_BANK_OPT, L4 FLASH_OPTR.BFB2; docs/slots.md)',
          ),
      })
      .optional()
      .describe("two-slot boards: how an image is installed (docs/slots.md)"),
    trialWatchdogMs: z
      .union([z.literal(0), z.number().int().min(100).max(32000)])
      .optional()
      .describe("two-slot boards: the watchdog period started before a trial boot, ms; 0 (default): none"),
    uart: z.strictObject({
      instance: z.string().min(1).describe("USART1, USART2, ... as the part names them"),
      base: u32.optional().describe("optional: follows from the instance"),
      tx: pinFunction,
      rx: pinFunction,
      baud: z.number().int().min(1200).max(921600).describe("the rate every session starts at"),
      maxBaud: z
        .number()
        .int()
        .min(1200)
        .max(12_000_000)
        .optional()
        .describe("the fastest rate the board's serial link carries (ST-LINK V2-1 virtual COM port: 2000000); the bootloader offers the standard rates up to it that its clock makes within 1.7 % (docs/protocol.md); default: baud (no faster rate)"),
    }),
    trigger: z.strictObject({
      port,
      pin: pinNumber,
      activeLevel: z.enum(["low", "high"]),
      pull: z.enum(["none", "up", "down"]),
    }),
    clock: z.strictObject({
      source: z
        .enum(["hsi", "hse", "hse-bypass", "hsi48"])
        .describe("hsi48: STM32F0 only, SYSCLK straight from the crystal-less 48 MHz HSI48 (no PLL); hsi: the HSI through the PLL"),
      hseHz: z.number().int().min(0).optional().describe("the crystal or external clock; not with hsi"),
      sysclkHz: z.number().int().min(1),
    }),
    power: z
      .strictObject({ supply: z.enum(["ldo", "bypass"]).describe("PWR_CR3 supply configuration (RM0433 6.8.4)") })
      .optional()
      .describe("STM32H7 only: how the core supply is set up; default ldo"),
    listenWindowMs: z.number().int().min(1).max(60000).optional().describe("UART listen window of a normal boot, ms (default 100)"),
    sessionIdleMs: z
      .number()
      .int()
      .min(100)
      .max(600000)
      .optional()
      .describe("silence after which a session the listen window opened gives the line back, ms (default 2000)"),
    watchdogMs: z
      .union([z.literal(0), z.number().int().min(100).max(32000)])
      .optional()
      .describe("the independent watchdog period the bootloader starts, ms; 0 (default): not started by it"),
    protectBootloader: z.boolean().optional().describe("write-protect the bootloader region through the option bytes (default false)"),
    verifyAtBoot: z.boolean().optional().describe("with a public key built in: verify the installed image's signature at every boot too (default false: once, before it is installed)"),
    emulator: z
      .strictObject({
        machine: z.string().min(1),
        cpuClockHz: z.number().int().min(1),
        serial0: z.string().min(1),
        uartRxDma: z.boolean().optional().describe("whether the emulator models the UART receiver's DMA request (default true; QEMU 7.2: false)"),
      })
      .nullable()
      .optional()
      .describe("for a board that is (also) an emulator machine"),
    notes: z.array(z.string()).optional(),
    product: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("the product's own fields: tsboot does not read them; they appear in tsboot_product.h"),
  })
  .describe("A tsboot board: the part, its flash map, the update UART, the trigger pin and the clock.");

export type RawBoard = z.output<typeof BoardSchema>;
