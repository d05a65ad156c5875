/**
 * `tsboot build`: the bootloader for a board, with a size report. A product passes its own entry, board
 * file and C files; the default is the repository's bootloader-ts/main.ts for a board in boards/.
 */
import * as path from "node:path";
import { BoardError, DEFAULT_BOARD, isBoardPath, listBoards, loadBoard } from "../../boards/index";
import { buildBootloader, BuildError, formatBuildReport } from "./bootloader-build";
import { ToolchainError } from "./toolchain";
import { KeyError, loadPublicKeyBytes } from "../image/keys";

const USAGE = `usage: tsboot build [--board <board|board.json>] [--entry <main.ts>] [--c <file.c>]... [--pubkey <key.pub>] [-o <dir>] [--debug]

  --board           one of ${listBoards().join(", ")} (default ${DEFAULT_BOARD}),
                    or the path of a board file of your own (docs/boards.md)
  --entry           the TypeScript entry file (default: tsboot's bootloader-ts/main.ts)
  --entry-function  the function the start-up code calls, exported by the entry (default bootloaderMain)
  --c               a C file to compile and link with it (your own bindings); repeat for more
  -I                an include folder for those files; repeat for more
  --pubkey          an Ed25519 public key (tsboot keygen's key.pub): the bootloader accepts only images signed
                    with its private half (tsboot image --key); without it, CRC-checked images
  -o                output folder (default build/<board>)
  --debug           -Og -g3 without LTO: gdb steps through the .ts (docs/application.md, "Debugging")
  --optimize <l>    gcc's -O level: s (default), g (default with --debug), 0-3, z
  --emulator        build for the board's emulator (QEMU's fixed CPU clock for SysTick)`;

export async function buildCommand(args: string[]): Promise<number> {
  let board = DEFAULT_BOARD;
  let outDir: string | undefined;
  let emulator = false;
  let debug = false;
  let entry: string | undefined;
  let entryFunction: string | undefined;
  let optimize: string | undefined;
  let pubkey: string | undefined;
  const extraC: string[] = [];
  const includeDirs: string[] = [];
  const usage = (message: string) => {
    process.stderr.write(`tsboot build: ${message}\n${USAGE}\n`);
    return 2;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string | undefined => {
      const v = args[++i];
      return v === undefined || v.startsWith("-") ? undefined : v;
    };
    let v: string | undefined;
    if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE + "\n");
      return 0;
    } else if (a === "--emulator") emulator = true;
    else if (a === "--debug") debug = true;
    else if (["--board", "-o", "--out", "--entry", "--entry-function", "--c", "-I", "--optimize", "--pubkey"].includes(a)) {
      if ((v = value()) === undefined) return usage(`${a} needs a value`);
      if (a === "--board") board = v;
      else if (a === "-o" || a === "--out") outDir = v;
      else if (a === "--entry") entry = v;
      else if (a === "--entry-function") entryFunction = v;
      else if (a === "--c") extraC.push(v);
      else if (a === "--optimize") optimize = v.replace(/^-?O/, "");
      else if (a === "--pubkey") pubkey = v;
      else includeDirs.push(v);
    } else return usage(`unknown option '${a}'`);
  }
  if (!isBoardPath(board) && !listBoards().includes(board)) {
    process.stderr.write(`tsboot build: unknown board '${board}'; known boards: ${listBoards().join(", ")} (or pass the path of a board file)\n`);
    return 2;
  }
  try {
    const loaded = loadBoard(board);
    const publicKey = pubkey === undefined ? undefined : loadPublicKeyBytes(pubkey);
    const result = await buildBootloader({
      board: loaded, outDir: outDir ?? path.join("build", loaded.name), emulator, debug, optimize, entry, entryFunction, extraC, includeDirs, publicKey,
    });
    process.stdout.write(formatBuildReport(result) + "\n");
    return 0;
  } catch (error) {
    if (error instanceof BuildError || error instanceof ToolchainError || error instanceof BoardError || error instanceof KeyError) {
      process.stderr.write(`tsboot build: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
