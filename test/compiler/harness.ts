/**
 * Runs one subset program both ways: in Node (vitest transpiles the TypeScript) and compiled to C with
 * host gcc (-Werror and every warning the project promises). Per-construct tests compare the two outputs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execa } from "execa";
import { compileProgram, formatAll, RUNTIME_HEADER_DIR } from "../../compiler/index";
import { PanicError, setOutputSink } from "../../runtime/index";

export const C_FLAGS = ["-std=c11", "-O1", "-Wall", "-Wextra", "-Wconversion", "-Werror"];
const ROOT = path.resolve(__dirname, "../..");

/** Calls the program's exported main() in Node and returns what it printed (a panic ends the output). */
export async function runInNode(entry: string, fn = "main"): Promise<string> {
  const module = await import(/* @vite-ignore */ `${entry}?t=${Date.now()}`);
  let output = "";
  const previous = setOutputSink((text) => {
    output += text;
  });
  try {
    module[fn]();
  } catch (error) {
    if (!(error instanceof PanicError)) throw error;
    output += `PANIC ${error.message}\n`;
  } finally {
    setOutputSink(previous);
  }
  return output;
}

export interface BuiltProgram {
  exe: string;
  dir: string;
  source: string;
}

/**
 * Calls main() of the program's checked build (compiler/emit-js.ts): a trap ends the output with the same
 * `PANIC <kind> <file>:<line> <message>` line the C host platform prints.
 */
export async function runChecked(entry: string, fn = "main"): Promise<string> {
  const result = compileProgram({ entry, sourceRoot: ROOT, checkedJs: { outDir: path.dirname(entry) } });
  if (!result.ok) throw new Error(`compile failed:\n${formatAll(result)}`);
  const js = result.files.find((f) => f.name.endsWith(".checked.mjs"))!;
  const file = path.join(path.dirname(entry), `${path.basename(entry, ".ts")}.${Date.now()}.checked.mjs`);
  fs.writeFileSync(file, js.text);
  const module = await import(/* @vite-ignore */ file);
  let output = "";
  const previous = setOutputSink((text) => {
    output += text;
  });
  try {
    module[fn]();
  } catch (error) {
    if (!(error instanceof PanicError)) throw error;
    output += error.name === "TrapError" ? `${error.message}\n` : `PANIC ${error.message}\n`;
  } finally {
    setOutputSink(previous);
    fs.rmSync(file, { force: true });
  }
  return output;
}

/** Compiles the program to C, builds it with host gcc and a driver that calls <module>_<fn>(). */
export async function buildC(entry: string, fn = "main"): Promise<BuiltProgram> {
  const result = compileProgram({ entry, sourceRoot: ROOT });
  if (!result.ok) throw new Error(`compile failed:\n${formatAll(result)}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-"));
  for (const f of result.files) fs.writeFileSync(path.join(dir, f.name), f.text);
  fs.writeFileSync(
    path.join(dir, "driver.c"),
    `#include "${result.moduleName}.h"\nint main(void) { ${result.moduleName}_${fn}(); return 0; }\n`,
  );
  const exe = path.join(dir, "program");
  await execa("gcc", [...C_FLAGS, "-I", RUNTIME_HEADER_DIR, "-I", dir, path.join(dir, `${result.moduleName}.c`), path.join(dir, "driver.c"), path.join(RUNTIME_HEADER_DIR, "tsboot_host.c"), "-o", exe]);
  return { exe, dir, source: result.files[0].text };
}

export async function runC(entry: string, fn = "main"): Promise<{ output: string; exitCode: number; source: string }> {
  const built = await buildC(entry, fn);
  const run = await execa(built.exe, [], { reject: false, stripFinalNewline: false });
  return { output: run.stdout, exitCode: run.exitCode ?? -1, source: built.source };
}

/** Writes a program under test/.gen so vitest can import it (it imports the runtime relatively). */
export function writeProgram(name: string, text: string): string {
  const dir = path.join(ROOT, "test/.gen");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.ts`);
  const header = `import { u8, u16, u32, i8, i16, i32, i64, shr64, mulHigh32, print, printInt, panic } from "../../runtime/index";\n`;
  fs.writeFileSync(file, text.includes("../../runtime/index") ? text : header + text);
  return file;
}
