/**
 * The demo application for a board (apps/demo): built as any application is, with the board's
 * application kit (host/build/app-kit.ts: linker script, startup, tsboot_app.h, tsboot_board.h) plus
 * tsboot's drivers for the UART, and packaged as a .tsb image. Tests and the main job use it to see which
 * application runs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { execa } from "execa";
import { loadBoard } from "../../boards/index";
import { boardHeader } from "../../boards/board-c";
import { faultRecordAddress } from "../../boards/linker";
import { writeAppKit } from "./app-kit";
import { buildImage, encodeVersion } from "../image-format";
import { cpuFlags, driverIncludes, familyDrivers, ROOT, WARNINGS } from "./bootloader-build";
import { findToolchain } from "./toolchain";

export interface AppBuild {
  elf: string;
  bin: string;
  tsb: string;
  payload: Uint8Array;
  image: Uint8Array;
}

export async function buildDemoApp(options: { board: string; version: string; outDir: string; emulator?: boolean }): Promise<AppBuild> {
  const board = loadBoard(options.board);
  const tools = findToolchain();
  const out = path.resolve(options.outDir);
  fs.mkdirSync(out, { recursive: true });
  writeAppKit(board, out);
  fs.writeFileSync(path.join(out, "tsboot_board.h"), boardHeader(board, { emulator: options.emulator }));
  const ld = path.join(out, "app.ld");
  const drivers = familyDrivers(board);
  const elf = path.join(out, "demo-app.elf");
  await execa(tools.gcc, [
    ...cpuFlags(board),
    ...WARNINGS,
    "-Os",
    "-ffunction-sections",
    "-fdata-sections",
    "-ffreestanding",
    `-DAPP_VERSION="${options.version}"`,
    `-DTSBOOT_FLASH_SIZE_KB=${board.flash.size / 1024}u`,
    // The drivers' fault record: the same no-init words as the bootloader's (the app kit keeps them free).
    `-DBOARD_FAULT_RECORD_ADDR=0x${faultRecordAddress(board).toString(16).toUpperCase()}u`,
    "-I", out,
    ...driverIncludes(board.family),
    "-nostartfiles",
    "-nostdlib",
    "-T", ld,
    "-Wl,--gc-sections",
    path.join(ROOT, "apps/demo/demo_app.c"),
    path.join(out, "startup.c"),
    ...drivers,
    "-lgcc",
    "-o", elf,
  ]);
  const bin = path.join(out, "demo-app.bin");
  await execa(tools.objcopy, ["-O", "binary", elf, bin]);
  const payload = new Uint8Array(fs.readFileSync(bin));
  const image = buildImage(payload, { appVersion: encodeVersion(options.version), boardId: board.boardId, loadAddress: board.memoryMap.application.start });
  const tsb = path.join(out, `demo-app-${options.version}.tsb`);
  fs.writeFileSync(tsb, image);
  return { elf, bin, tsb, payload, image };
}
