/**
 * Builds the probe application (renode/apps/probe_app.c) for a board: the demo application's banner and echo,
 * plus a hard fault on 'f' and an attempt to erase the bootloader's sector on 'e' (the issue-9 scenarios).
 * Built like the demo application (host/build/app-build.ts: the board's application kit and drivers), except
 * that the kit's startup is replaced by one that sends every fault to the probe's fault entry, which writes tsboot's
 * fault record. Returns the image and the address of the faulting instruction (for the tests to compare with
 * the PC that INFO reports).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { execa } from "execa";
import { loadBoard } from "../boards/index";
import { generateStartup } from "../boards/startup";
import { writeAppKit } from "../host/build/app-kit";
import { buildImage, encodeVersion } from "../host/image-format";
import { cpuFlags, driverIncludes, familyDrivers, ROOT, WARNINGS } from "../host/build/bootloader-build";
import { findToolchain } from "../host/build/toolchain";

export interface ProbeAppBuild {
  elf: string;
  payload: Uint8Array;
  image: Uint8Array;
  /** The address of probe_hard_fault's UDF: the PC the fault record must hold. */
  faultPc: number;
}

const SOURCE = path.join(ROOT, "renode/apps/probe_app.c");

export async function buildProbeApp(options: { board: string; version: string; outDir: string }): Promise<ProbeAppBuild> {
  const board = loadBoard(options.board);
  if (board.family !== "stm32f4") throw new Error(`the probe application drives STM32F4 flash registers; ${board.name} is ${board.family}`);
  const tools = findToolchain();
  const out = path.resolve(options.outDir);
  fs.mkdirSync(out, { recursive: true });
  writeAppKit(board, out);
  fs.writeFileSync(path.join(out, "startup.c"), generateStartup(board, { entry: "main", role: "application", faultHandler: "probe_fault_entry" }));
  const ld = path.join(out, "app.ld");
  const elf = path.join(out, "probe-app.elf");
  await execa(tools.gcc, [
    ...cpuFlags(board),
    ...WARNINGS,
    "-Os",
    "-ffunction-sections",
    "-fdata-sections",
    "-ffreestanding",
    `-DAPP_VERSION="${options.version}"`,
    `-DTSBOOT_FLASH_SIZE_KB=${board.flash.size / 1024}u`,
    "-I", out,
    ...driverIncludes(board.family),
    "-nostartfiles",
    "-nostdlib",
    "-T", ld,
    "-Wl,--gc-sections",
    SOURCE,
    path.join(out, "startup.c"),
    ...familyDrivers(board),
    "-lgcc",
    "-o", elf,
  ]);
  const bin = path.join(out, "probe-app.bin");
  await execa(tools.objcopy, ["-O", "binary", elf, bin]);
  const payload = new Uint8Array(fs.readFileSync(bin));
  const image = buildImage(payload, { appVersion: encodeVersion(options.version), boardId: board.boardId, loadAddress: board.memoryMap.application.start });
  const nm = path.join(path.dirname(tools.gcc), path.basename(tools.gcc).replace(/gcc$/, "nm"));
  const symbols = (await execa(nm, [elf])).stdout;
  const match = /^([0-9a-f]{8}) T probe_hard_fault$/m.exec(symbols);
  if (!match) throw new Error(`probe_hard_fault not found in ${elf}`);
  return { elf, payload, image, faultPc: parseInt(match[1], 16) & ~1 };
}
