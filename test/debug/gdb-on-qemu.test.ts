/**
 * Debug builds: `tsboot build --debug` (-Og -g3, #line directives) lets gdb stop on a line of a .ts file.
 * The session docs/application.md describes ("Debugging"), run against QEMU's netduinoplus2 with its gdb
 * stub (-S: halted at reset); the docs use -s (port 1234), the test a free port. Needs arm-none-eabi-gcc,
 * qemu-system-arm and gdb-multiarch (scripts/setup.sh installs them); each missing one skips with its reason.
 */
import { execa, execaSync } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildBootloader, BuildError } from "../../host/build/bootloader-build";
import { buildHostSim } from "../../host/sim/build";
import { freePort } from "../support/net";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const have = (cmd: string) => execaSync("sh", ["-c", `command -v ${cmd}`], { reject: false }).exitCode === 0;
const missing = ["arm-none-eabi-gcc", "qemu-system-arm", "gdb-multiarch"].filter((c) => !have(c));
const reason = missing.length ? ` (skipped: ${missing.join(", ")} not found; bash scripts/setup.sh installs them)` : "";

/** The line of bootloader-ts/main.ts with the first statement of bootloaderMain. */
function firstStatementLine(): number {
  const lines = fs.readFileSync(path.join(ROOT, "bootloader-ts/main.ts"), "utf8").split("\n");
  const start = lines.findIndex((l) => l.startsWith("export function bootloaderMain"));
  return start + 2;
}

describe.skipIf(missing.length > 0)(`gdb on QEMU stops on a line of a .ts file${reason}`, () => {
  let dir: string;
  let elf: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-gdb-"));
    const build = (optimize?: string) => buildBootloader({ board: "netduinoplus2", outDir: dir, emulator: true, debug: true, optimize });
    // -Og is about 40 % larger than -Os: when it outgrows the 16 KB region the documented fallback is -Os -g3.
    const r = await build().catch((e) => {
      if (!(e instanceof BuildError) || !e.message.includes("--debug --optimize s")) throw e;
      console.log(`gdb test: ${e.message}; using -Os -g3`);
      return build("s");
    });
    elf = r.elf;
  }, 180_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("break main.ts:<line>, continue: the bootloader stops there, and gdb shows the TypeScript", async () => {
    const line = firstStatementLine();
    const port = await freePort();
    const qemu = execa("qemu-system-arm", ["-M", "netduinoplus2", "-display", "none", "-monitor", "none", "-serial", "null",
      "-kernel", elf, "-gdb", `tcp:127.0.0.1:${port}`, "-S"], { reject: false });
    try {
      const gdb = await execa("gdb-multiarch", ["-batch", "-nx", "-ex", "set pagination off", "-ex", "set confirm off",
        "-ex", `target remote 127.0.0.1:${port}`, "-ex", `break main.ts:${line}`, "-ex", "continue", "-ex", "info source", elf],
      { reject: false, all: true, timeout: 60_000, cwd: ROOT });
      // Optimised code: gdb puts the breakpoint on the first line at or after the one asked that has code of
      // its own (in the same function), and stops there.
      const set = new RegExp(`Breakpoint 1 at 0x[0-9a-f]+: file bootloader-ts/main\\.ts, line (\\d+)\\.`).exec(gdb.all);
      expect(set, gdb.all).not.toBeNull();
      const at = Number(set![1]);
      expect(at).toBeGreaterThanOrEqual(line);
      expect(at).toBeLessThan(line + 8);
      expect(gdb.all).toMatch(new RegExp(`Breakpoint 1, main_bootloaderMain \\(\\) at bootloader-ts/main\\.ts:${at}`));
      // gdb found the .ts itself and printed the line it stopped on.
      const source = fs.readFileSync(path.join(ROOT, "bootloader-ts/main.ts"), "utf8").split("\n")[at - 1].trim();
      expect(gdb.all).toContain(`${at}\t  ${source}`);
      expect(gdb.all).toContain("Current source file is bootloader-ts/main.ts");
    } finally {
      qemu.kill("SIGKILL");
      await qemu;
    }
  }, 120_000);
});

describe.skipIf(!have("gdb") || !have("gcc"))(`gdb on the host simulation stops on the same .ts line${have("gdb") ? "" : " (skipped: gdb not found)"}`, () => {
  test("tsboot sim --debug builds with -Og -g3 and #line: break main.ts:<line> in the simulator", async () => {
    const line = firstStatementLine();
    const sim = await buildHostSim({ board: "nucleo-f411re", debug: true });
    const gdb = await execa("gdb", ["-batch", "-nx", "-ex", "set pagination off", "-ex", `break main.ts:${line}`, "-ex", "run",
      "--args", sim.binary, "--script", "/dev/null", "--idle-us", "1000"], { reject: false, all: true, timeout: 60_000, cwd: ROOT });
    expect(gdb.all).toMatch(new RegExp(`Breakpoint 1, main_bootloaderMain \\(\\) at bootloader-ts/main\\.ts:${line}`));
  }, 180_000);
});
