/**
 * Builds what the Renode platforms, scripts and suites load, into build/renode/<board>/:
 *
 *   bootloader.elf (.bin, .hex)   the real tsboot bootloader for the board (not an emulator build: Renode
 *                                 models RCC well enough that the board's own clock setup runs unchanged)
 *   demo-app-1.0.0.{bin,tsb}      the demo application, version 1.0.0 (the one preloaded by the scripts)
 *   demo-app-1.0.0.header.bin     its 64-byte tsboot header
 *   demo-app-1.0.0.status-log.bin the config region's status log recording 1.0.0 as the installed image
 *                                 (host/image/status-log.ts logWithPrimary), loaded at the config start
 *   demo-app-2.0.0.{bin,tsb}      version 2.0.0, the update the suites send
 *   demo-app-1.0.0-corrupt.bin    1.0.0's payload with one bit flipped, loaded with 1.0.0's status log
 *   demo-app-2.0.0-corrupt.tsb    2.0.0's image with one payload bit flipped (header CRC still right)
 *   probe-app-1.0.0.{bin,tsb,status-log.bin}  the probe application (renode/apps/probe_app.c): hard-faults on
 *                                 'f', tries to erase the bootloader's sector on 'e'; faultPc in artifacts.json
 *   probe-app-2.0.0.{bin,tsb}     the same at 2.0.0: on a slot board, a trial image that crashes
 *   artifacts.json                 board, addresses and the file names above, for the suites and the harness
 *
 * Usage: node bin/run-ts.mjs renode/build-artifacts.ts [--board <name>]... [--out build/renode]
 * Without --board it builds every board Renode can model (RENODE_BOARDS below).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { loadBoard } from "../boards/index";
import { buildBootloader } from "../host/build/bootloader-build";
import { buildDemoApp } from "../host/build/app-build";
import { logWithPrimary } from "../host/image/status-log";
import { buildProbeApp } from "./probe-app";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The boards Renode can run (names of boards/*.json). */
export const RENODE_BOARDS = ["nucleo-f411re", "nucleo-f401re", "stm32f4-discovery", "nucleo-f411re-ab"] as const;
export type RenodeBoard = (typeof RENODE_BOARDS)[number];
/** The Renode boards with two slots (docs/slots.md): their scenarios are test/renode/slots-on-renode.test.ts. */
export const SLOT_BOARDS: readonly string[] = ["nucleo-f411re-ab"];

/**
 * The platform (renode/platforms/<name>.repl) each board runs on: its own name, except for boards that are
 * the same hardware with other board data (nucleo-f411re-ab: the NUCLEO-F411RE with two slots).
 */
export function renodePlatform(board: string): string {
  return board === "nucleo-f411re-ab" ? "nucleo-f411re" : board;
}

/** The versions the suites use: the preloaded application and the update. */
export const OLD_VERSION = "1.0.0";
export const NEW_VERSION = "2.0.0";

export interface RenodeArtifacts {
  board: string;
  /** renode/platforms/<platform>.repl */
  platform: string;
  /** Two slots (docs/slots.md): the board has a secondary slot and a scratch area. */
  slots: boolean;
  boardId: number;
  uart: string;
  appStart: number;
  configStart: number;
  dir: string;
  bootloaderElf: string;
  oldApp: BuiltAppFiles;
  newApp: BuiltAppFiles;
  corruptBin: string;
  corruptTsb: string;
  /**
   * The probe application (renode/apps/probe_app.c) and the address of its faulting instruction; null on
   * the F0, L4 and H7 boards (it drives STM32F4 flash registers, and their suites do not use it).
   */
  probeApp: ProbeAppFiles | null;
  /** The probe application at the new version (a trial image that crashes on 'f'); null as above. */
  probeAppNew: ProbeAppFiles | null;
}

export type ProbeAppFiles = BuiltAppFiles & { faultPc: number };

/** The probe application of artifacts built for an STM32F4 board, or an error that says why there is none. */
export function probeAppOf(a: RenodeArtifacts, which: "probeApp" | "probeAppNew" = "probeApp"): ProbeAppFiles {
  const probe = a[which];
  if (!probe) throw new Error(`no probe application for ${a.board}: it is built for STM32F4 boards only (renode/probe-app.ts)`);
  return probe;
}

/** One demo application's files: payload, image, header, and the status log that records it as installed. */
export interface BuiltAppFiles {
  version: string;
  bin: string;
  tsb: string;
  header: string;
  statusLog: string;
  size: number;
}

export function defaultOutDir(): string {
  return path.join(ROOT, "build", "renode");
}

/**
 * Families whose Renode platforms deliver USART2's receive DMA requests (STM32_UART's DMARequest to
 * STM32DMA). Renode's STM32DMA does not model CIRC: after one pass over the ring (63 KB in one boot) the
 * stream stops taking bytes, which no scenario reaches.
 */
export const RENODE_DMA_RECEPTION: ReadonlySet<string> = new Set(["stm32f4"]);

export async function buildRenodeArtifacts(board: string, outRoot = defaultOutDir()): Promise<RenodeArtifacts> {
  const b = loadBoard(board);
  if (!b.memoryMap.config) throw new Error(`board ${board}: no config region, so no place for the tsboot status log`);
  const dir = path.join(path.resolve(outRoot), board);
  fs.mkdirSync(dir, { recursive: true });

  // The F4 platforms wire USART2's DMA request to DMA1 stream 5, so the bootloader that ships (DMA reception
  // into the ring) is the one tested. The F0, L4 and H7 platforms have no working DMA path for their UART
  // (docs/renode.md): there the build receives by polling, and Renode's UART FIFO loses nothing meanwhile.
  const boot = await buildBootloader({ board, outDir: path.join(dir, "bootloader-build"), uartRxPolled: !RENODE_DMA_RECEPTION.has(b.family) });
  const bootloaderElf = path.join(dir, "bootloader.elf");
  fs.copyFileSync(boot.elf, bootloaderElf);
  fs.copyFileSync(boot.bin, path.join(dir, "bootloader.bin"));
  fs.copyFileSync(boot.hex, path.join(dir, "bootloader.hex"));

  interface BuiltApp extends BuiltAppFiles {
    image: Uint8Array;
    payload: Uint8Array;
  }
  const apps: BuiltApp[] = [];
  for (const version of [OLD_VERSION, NEW_VERSION]) {
    const app = await buildDemoApp({ board, version, outDir: path.join(dir, `app-${version}`) });
    const bin = path.join(dir, `demo-app-${version}.bin`);
    const tsb = path.join(dir, `demo-app-${version}.tsb`);
    const header = path.join(dir, `demo-app-${version}.header.bin`);
    const statusLog = path.join(dir, `demo-app-${version}.status-log.bin`);
    fs.writeFileSync(bin, app.payload);
    fs.writeFileSync(tsb, app.image);
    fs.writeFileSync(header, app.image.subarray(0, 64));
    // The bootloader records an installed image in the config region's status log (docs/slots.md), exactly
    // as one update would have left it.
    fs.writeFileSync(statusLog, logWithPrimary(app.image.subarray(0, 64)));
    apps.push({ version, bin, tsb, header, statusLog, size: app.payload.length, image: app.image, payload: app.payload });
  }
  const [oldApp, newApp] = apps;

  // A preloaded image whose payload no longer matches its header's CRC (a flipped bit near the end).
  const corrupt = Uint8Array.from(oldApp.payload);
  corrupt[corrupt.length - 10] ^= 0x01;
  const corruptBin = path.join(dir, `demo-app-${OLD_VERSION}-corrupt.bin`);
  fs.writeFileSync(corruptBin, corrupt);
  // An update whose payload was damaged after packaging: the header (and its CRC) are intact, so BEGIN
  // accepts it and only END's CRC check over flash can refuse it.
  const corruptImage = Uint8Array.from(newApp.image);
  corruptImage[64 + newApp.size - 10] ^= 0x01;
  const corruptTsb = path.join(dir, `demo-app-${NEW_VERSION}-corrupt.tsb`);
  fs.writeFileSync(corruptTsb, corruptImage);

  const buildProbe = async (version: string) => {
    const probe = await buildProbeApp({ board, version, outDir: path.join(dir, `probe-app-${version}`) });
    const files = {
      version,
      bin: path.join(dir, `probe-app-${version}.bin`),
      tsb: path.join(dir, `probe-app-${version}.tsb`),
      header: path.join(dir, `probe-app-${version}.header.bin`),
      statusLog: path.join(dir, `probe-app-${version}.status-log.bin`),
      size: probe.payload.length,
      faultPc: probe.faultPc,
    };
    fs.writeFileSync(files.bin, probe.payload);
    fs.writeFileSync(files.tsb, probe.image);
    fs.writeFileSync(files.header, probe.image.subarray(0, 64));
    fs.writeFileSync(files.statusLog, logWithPrimary(probe.image.subarray(0, 64)));
    return files;
  };
  const probeApp = b.family === "stm32f4" ? await buildProbe(OLD_VERSION) : null;
  const probeAppNew = b.family === "stm32f4" ? await buildProbe(NEW_VERSION) : null;

  const strip = ({ version, bin, tsb, header, statusLog, size }: BuiltApp): BuiltAppFiles => ({ version, bin, tsb, header, statusLog, size });
  const artifacts: RenodeArtifacts = {
    board,
    platform: renodePlatform(board),
    slots: b.memoryMap.secondary !== null,
    boardId: b.boardId,
    uart: `sysbus.${b.uart.instance.toLowerCase()}`,
    appStart: b.memoryMap.application.start,
    configStart: b.memoryMap.config.start,
    dir,
    bootloaderElf,
    oldApp: strip(oldApp),
    newApp: strip(newApp),
    corruptBin,
    corruptTsb,
    probeApp,
    probeAppNew,
  };
  fs.writeFileSync(path.join(dir, "artifacts.json"), JSON.stringify(artifacts, null, 2) + "\n");
  return artifacts;
}

async function main(argv: string[]): Promise<void> {
  const boards: string[] = [];
  let out = defaultOutDir();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--board") boards.push(argv[++i]);
    else if (argv[i] === "--out") out = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}; usage: build-artifacts.ts [--board <name>]... [--out <dir>]`);
  }
  // A board that does not build (a bootloader too big for its region) is reported; the others still build.
  const failed: string[] = [];
  for (const board of boards.length > 0 ? boards : RENODE_BOARDS) {
    try {
      const a = await buildRenodeArtifacts(board, out);
      console.log(
        `${board}: ${path.relative(process.cwd(), a.dir)}/ — bootloader.elf, demo app ${a.oldApp.version} (${a.oldApp.size} bytes), ` +
          `${a.newApp.version} (${a.newApp.size} bytes), corrupted images, probe apps`,
      );
    } catch (e) {
      failed.push(board);
      console.error(`${board}: not built: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (failed.length > 0) throw new Error(`not built: ${failed.join(", ")}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
