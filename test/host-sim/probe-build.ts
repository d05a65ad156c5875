/**
 * Builds a probe program (test/host-sim/probes/<name>/main.ts, exporting bootloaderMain) into a host
 * simulator, exactly as host/sim/build.ts builds the bootloader: the tsboot compiler's C, the generated
 * board file and hal-bindings/host/*.c. The same TypeScript runs in Node through runInNode({ entry }), so a
 * probe checks one part of the model (reception, resets) in both simulations without the whole bootloader.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import { boardLayoutToC } from "../../host/sim/board-c";
import { CFLAGS, HOST_SIM_DIR, REPO_ROOT } from "../../host/sim/build";

export const PROBES_DIR = path.join(REPO_ROOT, "test/host-sim/probes");

function hashOf(files: string[], layout: BoardLayout): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(layout));
  for (const f of files.sort()) {
    h.update(f);
    h.update(fs.readFileSync(f));
  }
  return h.digest("hex").slice(0, 16);
}

/** The simulator binary for probe `name` on `layout` (built once per content). */
export async function buildProbe(name: string, layout: BoardLayout): Promise<string> {
  const entry = path.join(PROBES_DIR, name, "main.ts");
  const inputs = [
    entry,
    ...fs.readdirSync(HOST_SIM_DIR).map((f) => path.join(HOST_SIM_DIR, f)),
    ...fs.readdirSync(path.join(REPO_ROOT, "hal-bindings")).filter((f) => f.endsWith(".ts")).map((f) => path.join(REPO_ROOT, "hal-bindings", f)),
    ...fs.readdirSync(path.join(REPO_ROOT, "compiler")).filter((f) => f.endsWith(".ts")).map((f) => path.join(REPO_ROOT, "compiler", f)),
    path.join(REPO_ROOT, "hal-bindings/sim/flash-timing.ts"),
  ];
  const dir = path.join(REPO_ROOT, "build/host-sim-probes", `${name}-${hashOf(inputs, layout)}`);
  const binary = path.join(dir, "tsboot-sim");
  if (fs.existsSync(binary)) return binary;
  const gen = path.join(dir, "gen");
  fs.mkdirSync(gen, { recursive: true });
  const { compileToDirectory, formatAll } = await import("../../compiler/index");
  const result = compileToDirectory({ entry, outDir: gen, sourceRoot: REPO_ROOT });
  if (!result.ok) throw new Error(`probe ${name} does not compile:\n${formatAll(result)}`);
  if (result.moduleName !== "main") throw new Error(`probe ${name}: the entry must be main.ts (C name main_bootloaderMain)`);
  // The simulation's C implements every binding of the bootloader: its prototypes (tsboot_port.h) and weak
  // placeholders come from the bootloader's @extern declarations, whichever few the probe calls.
  const portDir = path.join(dir, "port");
  const port = compileToDirectory({ entry: path.join(REPO_ROOT, "bootloader-ts/main.ts"), outDir: portDir, sourceRoot: REPO_ROOT, portFiles: true });
  if (!port.ok) throw new Error(`the bootloader's port files do not compile:\n${formatAll(port)}`);
  fs.writeFileSync(path.join(dir, "board.c"), boardLayoutToC(layout));
  const sources = fs.readdirSync(HOST_SIM_DIR).filter((f) => f.endsWith(".c")).sort().map((f) => path.join(HOST_SIM_DIR, f));
  const includes = ["-I", gen, "-I", portDir, "-I", path.join(REPO_ROOT, "compiler/c"), "-I", HOST_SIM_DIR, "-I", path.join(REPO_ROOT, "hal-bindings/include")];
  const tmp = `${binary}.${process.pid}`;
  const built = await execa("gcc", [...CFLAGS, ...includes, path.join(gen, "main.c"), path.join(portDir, "tsboot_port_stub.c"), path.join(dir, "board.c"), ...sources, "-o", tmp], { reject: false, all: true });
  if (built.exitCode !== 0) throw new Error(`building probe ${name} failed:\n${built.all}`);
  fs.renameSync(tmp, binary);
  return binary;
}
