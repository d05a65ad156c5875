/** `tsboot build [--board <board>] [-o <dir>] [--emulator]`: the bootloader for a board, with a size report. */
import * as path from "node:path";
import { DEFAULT_BOARD, listBoards } from "../../boards/index";
import { buildBootloader, BuildError, formatBuildReport } from "./bootloader-build";
import { ToolchainError } from "./toolchain";

const USAGE = `usage: tsboot build [--board <board>] [-o <dir>] [--emulator]

  --board     one of: ${listBoards().join(", ")} (default ${DEFAULT_BOARD})
  -o          output folder (default build/<board>)
  --emulator  build for the board's emulator (QEMU's fixed CPU clock for SysTick)`;

export async function buildCommand(args: string[]): Promise<number> {
  let board = DEFAULT_BOARD;
  let outDir: string | undefined;
  let emulator = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--board") board = args[++i];
    else if (a === "-o" || a === "--out") outDir = args[++i];
    else if (a === "--emulator") emulator = true;
    else if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE + "\n");
      return 0;
    } else {
      process.stderr.write(`tsboot build: unknown option '${a}'\n${USAGE}\n`);
      return 2;
    }
  }
  if (!board || !listBoards().includes(board)) {
    process.stderr.write(`tsboot build: unknown board '${board ?? ""}'; known boards: ${listBoards().join(", ")}\n`);
    return 2;
  }
  try {
    const result = await buildBootloader({ board, outDir: outDir ?? path.join("build", board), emulator });
    process.stdout.write(formatBuildReport(result) + "\n");
    return 0;
  } catch (error) {
    if (error instanceof BuildError || error instanceof ToolchainError) {
      process.stderr.write(`tsboot build: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
