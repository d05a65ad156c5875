/**
 * Builds what the Renode platforms, scripts and suites load, into build/renode/<board>/:
 *
 *   bootloader.elf (.bin, .hex)   the real tsboot bootloader for the board (not an emulator build: Renode
 *                                 models RCC well enough that the board's own clock setup runs unchanged)
 *   demo-app-1.0.0.{bin,tsb}      the demo application, version 1.0.0 (the one preloaded by the scripts)
 *   demo-app-1.0.0.header.bin     its 64-byte tsboot header, loaded at the config region (0x08004000)
 *   demo-app-2.0.0.{bin,tsb}      version 2.0.0, the update the suites send
 *   demo-app-1.0.0-corrupt.bin    1.0.0's payload with one bit flipped, loaded with 1.0.0's header
 *   demo-app-2.0.0-corrupt.tsb    2.0.0's image with one payload bit flipped (header CRC still right)
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

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The boards with a Renode platform in renode/platforms/ (same names as boards/*.json). */
export const RENODE_BOARDS = ["nucleo-f411re", "nucleo-f401re", "stm32f4-discovery"] as const;
export type RenodeBoard = (typeof RENODE_BOARDS)[number];

/** The versions the suites use: the preloaded application and the update. */
export const OLD_VERSION = "1.0.0";
export const NEW_VERSION = "2.0.0";

export interface RenodeArtifacts {
  board: string;
  boardId: number;
  uart: string;
  appStart: number;
  configStart: number;
  dir: string;
  bootloaderElf: string;
  oldApp: { version: string; bin: string; tsb: string; header: string; size: number };
  newApp: { version: string; bin: string; tsb: string; header: string; size: number };
  corruptBin: string;
  corruptTsb: string;
}

export function defaultOutDir(): string {
  return path.join(ROOT, "build", "renode");
}

export async function buildRenodeArtifacts(board: string, outRoot = defaultOutDir()): Promise<RenodeArtifacts> {
  const b = loadBoard(board);
  if (!b.memoryMap.config) throw new Error(`board ${board}: no config region, so no place for the tsboot header`);
  const dir = path.join(path.resolve(outRoot), board);
  fs.mkdirSync(dir, { recursive: true });

  // Renode 1.16's STM32_UART has no CR3 and raises no DMA request (renode-infrastructure
  // Peripherals/UART/STM32_UART.cs): receive by polling there. Its receive FIFO loses nothing meanwhile.
  const boot = await buildBootloader({ board, outDir: path.join(dir, "bootloader-build"), uartRxPolled: true });
  const bootloaderElf = path.join(dir, "bootloader.elf");
  fs.copyFileSync(boot.elf, bootloaderElf);
  fs.copyFileSync(boot.bin, path.join(dir, "bootloader.bin"));
  fs.copyFileSync(boot.hex, path.join(dir, "bootloader.hex"));

  interface BuiltApp {
    version: string;
    bin: string;
    tsb: string;
    header: string;
    size: number;
    image: Uint8Array;
    payload: Uint8Array;
  }
  const apps: BuiltApp[] = [];
  for (const version of [OLD_VERSION, NEW_VERSION]) {
    const app = await buildDemoApp({ board, version, outDir: path.join(dir, `app-${version}`) });
    const bin = path.join(dir, `demo-app-${version}.bin`);
    const tsb = path.join(dir, `demo-app-${version}.tsb`);
    const header = path.join(dir, `demo-app-${version}.header.bin`);
    fs.writeFileSync(bin, app.payload);
    fs.writeFileSync(tsb, app.image);
    fs.writeFileSync(header, app.image.subarray(0, 64));
    apps.push({ version, bin, tsb, header, size: app.payload.length, image: app.image, payload: app.payload });
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

  const strip = ({ version, bin, tsb, header, size }: BuiltApp) => ({ version, bin, tsb, header, size });
  const artifacts: RenodeArtifacts = {
    board,
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
  for (const board of boards.length > 0 ? boards : RENODE_BOARDS) {
    const a = await buildRenodeArtifacts(board, out);
    console.log(
      `${board}: ${path.relative(process.cwd(), a.dir)}/ — bootloader.elf, demo app ${a.oldApp.version} (${a.oldApp.size} bytes), ` +
        `${a.newApp.version} (${a.newApp.size} bytes), corrupted images`,
    );
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
