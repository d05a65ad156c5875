/**
 * The image packager behind `tsboot image`: an application as .bin, .hex or .elf → a .tsb file
 * (docs/image-format.md: the 64-byte header, then the payload, built with host/image-format.ts).
 *
 * - .bin has no addresses: it is loaded at the board's application start.
 * - .hex and .elf carry their own addresses. The lowest must be the application start (the vector table
 *   goes there) and everything must fit the application region; gaps between blocks are filled with 0xFF
 *   (erased flash), as `objcopy -O binary --gap-fill 0xff` would.
 *
 * Intel HEX is read with nrf-intel-hex (see the README's "Host tools" section for why), ELF by
 * ./elf.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { crc32 } from "node:zlib";
import MemoryMap from "nrf-intel-hex";
import { BoardError, boardFileLabel, isBoardPath, listBoards, loadBoard, ramBlockForStack, type Board } from "../../boards/index";
import type { KeyObject } from "node:crypto";
import { buildImage, decodeVersion, encodeVersion, HEADER_SIZE, SIGNATURE_SIZE } from "../image-format";
import { ElfError, isElf, readElfSegments } from "./elf";

export type InputFormat = "bin" | "hex" | "elf";

export interface Block {
  address: number;
  data: Uint8Array;
  /** Where the block came from (an ELF section name), for messages. */
  name?: string;
}

export interface PackageOptions {
  /** Path of the application file (used for its format, when `format` is absent, and in messages). */
  input: string;
  /** The file's bytes; read from `input` when absent. */
  bytes?: Uint8Array;
  format?: InputFormat;
  board: string;
  /** MAJOR.MINOR.PATCH */
  version: string;
  /** Sign with this Ed25519 private key (host/image/keys.ts): the signature follows the payload. */
  key?: KeyObject;
  /** Anti-rollback: the image's security counter (default 0). */
  securityCounter?: number;
}

export interface PackagedImage {
  /** Header + payload: the .tsb file. */
  image: Uint8Array;
  payload: Uint8Array;
  format: InputFormat;
  board: Board;
  loadAddress: number;
  appVersion: number;
  payloadCrc: number;
  signed: boolean;
  securityCounter: number;
}

/** A refusal, worded for the person who ran the command. */
export class ImageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageInputError";
  }
}

export const hex32 = (n: number) => `0x${(n >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;

export function detectFormat(file: string, bytes: Uint8Array): InputFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".bin") return "bin";
  if (ext === ".hex" || ext === ".ihex" || ext === ".ihx") return "hex";
  if (ext === ".elf" || ext === ".axf" || ext === ".out") return "elf";
  if (ext === ".tsb") throw new ImageInputError(`${path.basename(file)} is already a tsboot image (.tsb): flash it with \`tsboot flash\``);
  if (isElf(bytes)) return "elf";
  if (bytes.length > 0 && bytes[0] === 0x3a /* ':' */) return "hex";
  return "bin";
}

/** The board (a name from boards/ or the path of a board file), or a refusal naming the known ones. */
export function resolveBoard(name: string | undefined): Board {
  const known = listBoards();
  if (!name) throw new ImageInputError(`no board given: pass --board <name or board file> (known boards: ${known.join(", ")})`);
  if (!isBoardPath(name) && !known.includes(name)) {
    throw new ImageInputError(`unknown board '${name}'; known boards: ${known.join(", ")} (or pass the path of a board file)`);
  }
  try {
    return loadBoard(name);
  } catch (e) {
    if (e instanceof BoardError) throw new ImageInputError(e.message);
    throw e;
  }
}

export function parseVersion(text: string | undefined): number {
  if (text === undefined || text === "") throw new ImageInputError("no version given: pass --version MAJOR.MINOR.PATCH (e.g. --version 1.2.3)");
  if (!/^\d+\.\d+\.\d+$/.test(text)) throw new ImageInputError(`version '${text}' is not MAJOR.MINOR.PATCH (e.g. 1.2.3)`);
  try {
    return encodeVersion(text);
  } catch (e) {
    throw new ImageInputError((e as Error).message);
  }
}

/** The blocks of a .hex or .elf file at their addresses, in ascending order. */
export function readBlocks(label: string, bytes: Uint8Array, format: "hex" | "elf"): Block[] {
  if (format === "hex") {
    let map: MemoryMap;
    try {
      map = MemoryMap.fromHex(Buffer.from(bytes).toString("latin1"));
    } catch (e) {
      throw new ImageInputError(`${label} is not a valid Intel HEX file: ${(e as Error).message}`);
    }
    return [...map.join().entries()].filter(([, d]) => d.length > 0).map(([address, data]) => ({ address, data }));
  }
  try {
    return readElfSegments(bytes);
  } catch (e) {
    if (e instanceof ElfError) throw new ImageInputError(`${label}: ${e.message}`);
    throw e;
  }
}

/**
 * Lays blocks out as one payload starting at the application start, filling gaps with 0xFF; refuses
 * blocks that start elsewhere or leave the application region.
 */
export function layOut(label: string, blocks: Block[], board: Board): Uint8Array {
  const app = board.memoryMap.application;
  const appEnd = app.start + app.size;
  const where = `see ${boardFileLabel(board)}, memoryMap.application`;
  if (blocks.length === 0 || blocks.every((b) => b.data.length === 0)) {
    throw new ImageInputError(`${label} holds no data to flash`);
  }
  const sorted = [...blocks].filter((b) => b.data.length > 0).sort((a, b) => a.address - b.address);
  const lowest = sorted[0].address;
  if (lowest !== app.start) {
    const boot = board.memoryMap.bootloader;
    const inBootloader = lowest >= boot.start && lowest < boot.start + boot.size;
    throw new ImageInputError(
      `${label} starts at ${hex32(lowest)} but ${board.name}'s application region starts at ${hex32(app.start)}: ` +
        (inBootloader
          ? `${hex32(lowest)} is the bootloader's place — a bootloader image cannot be installed as an application; an application must be linked at ${hex32(app.start)} (${where}; \`tsboot app-kit\` writes the linker script)`
          : `link the application at ${hex32(app.start)} (${where})`),
    );
  }
  for (const b of sorted) {
    const end = b.address + b.data.length;
    if (end > appEnd) {
      const what = b.name ? `${b.name} ` : "";
      const outside = b.address >= appEnd;
      throw new ImageInputError(
        `${label}: ${what}[${hex32(b.address)}, ${hex32(end)}) ` +
          (outside
            ? `lies outside ${board.name}'s application region [${hex32(app.start)}, ${hex32(appEnd)})` +
              (b.address >= board.ram.base && b.address < board.ram.base + board.ram.size
                ? ": it has a RAM load address — initialised data must be loaded from flash (`AT> FLASH` in the linker script)"
                : "")
            : `ends ${end - appEnd} bytes past ${board.name}'s application region [${hex32(app.start)}, ${hex32(appEnd)}): ` +
              `the application is ${end - app.start} bytes, the region holds ${app.size}`) +
          ` (${where})`,
      );
    }
  }
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (sorted[i].address < prev.address + prev.data.length) {
      throw new ImageInputError(`${label}: data at ${hex32(sorted[i].address)} overlaps the block [${hex32(prev.address)}, ${hex32(prev.address + prev.data.length)})`);
    }
  }
  const last = sorted[sorted.length - 1];
  const payload = new Uint8Array(last.address + last.data.length - app.start).fill(0xff);
  for (const b of sorted) payload.set(b.data, b.address - app.start);
  return payload;
}

/** Builds the .tsb bytes for an application file; throws ImageInputError with the reason it cannot. */
export function packageImage(options: PackageOptions): PackagedImage {
  const label = path.basename(options.input);
  const board = resolveBoard(options.board);
  const appVersion = parseVersion(options.version);
  let bytes = options.bytes;
  if (!bytes) {
    try {
      bytes = new Uint8Array(fs.readFileSync(options.input));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ImageInputError(code === "ENOENT" ? `${options.input}: no such file` : `${options.input}: ${(e as Error).message}`);
    }
  }
  if (bytes.length === 0) throw new ImageInputError(`${label} is empty`);
  const format = options.format ?? detectFormat(options.input, bytes);
  const app = board.memoryMap.application;
  let payload: Uint8Array;
  if (format === "bin") {
    if (isElf(bytes)) throw new ImageInputError(`${label} is an ELF file, not a raw binary: rename it to .elf or pass --format elf`);
    if (bytes.length > app.size) {
      throw new ImageInputError(
        `${label} is ${bytes.length} bytes but ${board.name}'s application region [${hex32(app.start)}, ${hex32(app.start + app.size)}) ` +
          `holds ${app.size}: it is ${bytes.length - app.size} bytes too big`,
      );
    }
    payload = bytes;
  } else {
    payload = layOut(label, readBlocks(label, bytes, format), board);
  }
  checkVectorTable(label, payload, board);
  const securityCounter = options.securityCounter ?? 0;
  if (!Number.isInteger(securityCounter) || securityCounter < 0 || securityCounter > 0xffffffff) {
    throw new ImageInputError(`security counter ${securityCounter} is not a u32 (0 … 4294967295)`);
  }
  if (options.key && payload.length + SIGNATURE_SIZE > app.size) {
    throw new ImageInputError(`${label} (${payload.length} bytes) and its ${SIGNATURE_SIZE}-byte signature do not fit ${board.name}'s application region (${app.size} bytes)`);
  }
  const image = buildImage(payload, { appVersion, boardId: board.boardId, loadAddress: app.start, securityCounter, key: options.key });
  return {
    image, payload, format, board, loadAddress: app.start, appVersion, payloadCrc: crc32(payload) >>> 0,
    signed: options.key !== undefined, securityCounter,
  };
}

/**
 * The checks the bootloader makes before it starts an image, made before anything is sent: the vector
 * table at the start of the payload holds an initial stack pointer inside the part's RAM (any block; its
 * end is valid, the stack being full-descending) and a Thumb reset vector inside the application region.
 * An image whose reset vector lies in the bootloader region is a bootloader (or an application linked for
 * the start of flash) and is named as such.
 */
export function checkVectorTable(label: string, payload: Uint8Array, board: Board): void {
  const app = board.memoryMap.application;
  const boot = board.memoryMap.bootloader;
  const appEnd = app.start + app.size;
  const fix = `(see docs/application.md; \`tsboot app-kit --board ${board.name}\` writes a linker script and startup that get this right)`;
  if (payload.length < 8) throw new ImageInputError(`${label} is ${payload.length} bytes: too short to hold a vector table (initial stack pointer and reset vector)`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const sp = view.getUint32(0, true);
  const reset = view.getUint32(4, true);
  const target = (reset & ~1) >>> 0;
  if (target >= boot.start && target < boot.start + boot.size) {
    throw new ImageInputError(
      `${label} is not an application for ${board.name}: its reset vector ${hex32(reset)} points into the bootloader region ` +
        `[${hex32(boot.start)}, ${hex32(boot.start + boot.size)}) — it is a bootloader image, or an application linked for the start of flash; ` +
        `an application must be linked at ${hex32(app.start)} ${fix}`,
    );
  }
  const blocks = board.ramBlocks.map((b) => `${b.name} [${hex32(b.base)}, ${hex32(b.base + b.size)}]`).join(", ");
  if (!ramBlockForStack(board, sp)) {
    throw new ImageInputError(
      `${label}: the initial stack pointer ${hex32(sp)} (the vector table's first word) is not in ${board.part}'s RAM (${blocks}): ` +
        `${sp === 0xffffffff || sp === 0 ? "the image does not start with a vector table" : "it must point at or below the end of a RAM block"} ${fix}`,
    );
  }
  if (sp % 4 !== 0) throw new ImageInputError(`${label}: the initial stack pointer ${hex32(sp)} is not word-aligned (the stack must be at least 4-byte aligned, 8 for AAPCS) ${fix}`);
  if (target < app.start || target >= appEnd) {
    throw new ImageInputError(
      `${label}: the reset vector ${hex32(reset)} (the vector table's second word) is outside ${board.name}'s application region ` +
        `[${hex32(app.start)}, ${hex32(appEnd)}) ${fix}`,
    );
  }
  if ((reset & 1) === 0) {
    throw new ImageInputError(`${label}: the reset vector ${hex32(reset)} has no Thumb bit (bit 0): a Cortex-M only runs Thumb code, so it would fault at once — was it written by hand? ${fix}`);
  }
  if (target >= app.start + payload.length) {
    throw new ImageInputError(`${label}: the reset vector ${hex32(reset)} points past the end of the image (${hex32(app.start + payload.length)}): the code it names is not in the file ${fix}`);
  }
}

/** One line describing a packaged image. */
export function describeImage(p: PackagedImage, output: string): string {
  return (
    `wrote ${output}: ${p.payload.length} bytes from ${p.format} at ${hex32(p.loadAddress)}, version ${decodeVersion(p.appVersion)}, ` +
    `for ${p.board.name} (board id ${hex32(p.board.boardId)}), payload CRC-32 ${hex32(p.payloadCrc)}` +
    `${p.signed ? ", signed (Ed25519)" : ""}${p.securityCounter ? `, security counter ${p.securityCounter}` : ""}`
  );
}
