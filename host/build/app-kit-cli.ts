/** `tsboot app-kit --board <board|file.json> -o <dir>`: the application kit for a board (host/build/app-kit.ts). */
import path from "node:path";
import { BoardError, isBoardPath, listBoards, loadBoard } from "../../boards/index";
import { writeAppKit } from "./app-kit";

const USAGE = `usage: tsboot app-kit --board <board|board.json> -o <dir>

Writes what an application started by tsboot links with: app.ld, startup.c, tsboot_app.h, tsboot_board.h,
main.c, Makefile, README.md (docs/application.md).`;

export async function appKitCommand(args: string[]): Promise<number> {
  let board: string | undefined;
  let out: string | undefined;
  const usage = (message: string) => {
    process.stderr.write(`tsboot app-kit: ${message}\n${USAGE}\n`);
    return 2;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    if (a === "--board" || a === "-o" || a === "--out") {
      const v = args[++i];
      if (v === undefined || v.startsWith("-")) return usage(`${a} needs a value`);
      if (a === "--board") board = v;
      else out = v;
    } else return usage(`unknown option '${a}'`);
  }
  if (!board) return usage(`needs --board (one of ${listBoards().join(", ")}, or a board file)`);
  if (!out) return usage("needs -o <dir>");
  if (!isBoardPath(board) && !listBoards().includes(board)) {
    process.stderr.write(`tsboot app-kit: unknown board '${board}'; known boards: ${listBoards().join(", ")} (or pass the path of a board file)\n`);
    return 2;
  }
  try {
    const b = loadBoard(board);
    const files = writeAppKit(b, out, { boardArg: isBoardPath(board) ? path.relative(out, path.resolve(board)) : board });
    process.stdout.write(`application kit for ${b.name} in ${out}: ${files.map((f) => path.basename(f)).join(", ")}\n`);
    return 0;
  } catch (e) {
    if (e instanceof BoardError) {
      process.stderr.write(`tsboot app-kit: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
