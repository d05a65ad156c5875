/**
 * A product's hooks at build time (host/build/product-hooks.ts): what the generated tsboot_product_hooks.c
 * links, and every refusal, each with its message. The entries are in hooks/.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { execa } from "execa";
import { checkProductHooks, productHookDiagnostics, ProductHookMessages, productHooksC } from "../../host/build/product-hooks";
import { compileProgram } from "../../compiler/index";
import { Messages } from "../../compiler/diagnostic-messages";

const HOOKS = path.join(path.dirname(fileURLToPath(import.meta.url)), "hooks");
const ROOT = path.resolve(HOOKS, "../../..");
const entry = (name: string) => path.join(HOOKS, `${name}.ts`);

/** The generated port header of an entry (the hooks' C prototypes come from it). */
function portHeader(file: string): { header: string; moduleName: string } {
  const r = compileProgram({ entry: file, portFiles: true });
  expect(r.ok).toBe(true);
  return { header: r.files.find((f) => f.name === "tsboot_port.h")!.text, moduleName: r.moduleName };
}

describe("the hooks an entry exports", () => {
  test("none: the defaults answer as the core alone (NOT_A_PRODUCT_COMMAND, no reason)", () => {
    const found = checkProductHooks(entry("none"));
    expect(found.hooks).toEqual([]);
    const { header, moduleName } = portHeader(entry("none"));
    const c = productHooksC(found, moduleName, header, "none.ts");
    expect(c).toContain("int32_t tsboot_product_command(uint8_t command, tsb_view_u8 payload, tsb_view_u8 reply) {\n  (void)command;");
    expect(c).toMatch(/tsboot_product_command\([^)]*\) \{[^}]*return -1;\n\}/);
    expect(c).toMatch(/uint8_t tsboot_product_update_reason\(void\) \{\n {2}return 0u;\n\}/);
    expect(c).not.toContain(`#include "${moduleName}.h"`);
  }, 60_000);

  test("some: those are forwarded to the entry's functions, the others keep their defaults", () => {
    const found = checkProductHooks(entry("good"));
    expect(found.hooks).toEqual(["productCommand", "productUpdateReason"]);
    const { header, moduleName } = portHeader(entry("good"));
    const c = productHooksC(found, moduleName, header, "good.ts");
    expect(c).toContain(`#include "${moduleName}.h"`);
    expect(c).toContain(`  return ${moduleName}_productCommand(command, payload, reply);`);
    expect(c).toContain(`  return ${moduleName}_productUpdateReason();`);
    expect(c).toMatch(/void tsboot_announce_product_reason\(uint8_t reason\) \{\n {2}\(void\)reason;\n\}/);
  }, 60_000);
});

describe("refused hooks", () => {
  // Each as a diagnostic in tsc's form, at the hook's name (the re-export: at its name in the export list).
  test.each([
    ["wrong-signature", /^test\/build\/hooks\/wrong-signature\.ts\(6,17\): error TSB1102: The hook 'productCommand' must be productCommand\(command: u8, payload: Uint8Array, reply: Uint8Array\): i32 \(hal-bindings\/product\.ts\); it is productCommand\(command: u8, payload: Uint8Array\): i32\.\n {2}suggestion: Declare it as export function productCommand\(command: u8, payload: Uint8Array, reply: Uint8Array\): i32/m],
    ["typo", /^test\/build\/hooks\/typo\.ts\(6,17\): error TSB1104: 'productUpdateReasons' is not a tsboot hook: did you mean 'productUpdateReason'\?\n {2}suggestion: Rename it to productUpdateReason/m],
    ["erases", /^test\/build\/hooks\/erases\.ts\(11,17\): error TSB1103: The hook 'productCommand' can reach a flash write: productCommand → tidy \(.*erases\.ts:\d+\) → eraseSector \(.*erases\.ts:\d+\) → flashUnlock = hal_flash_unlock \(.*flash-writer\.ts:\d+\)\. A product's hooks may read and reply, never erase, program or protect flash/m],
    ["registers", /^test\/build\/hooks\/registers\.ts\(7,17\): error TSB1103: The hook 'productUpdateReason' can reach a flash write: productUpdateReason → mmioWrite32 \(.*registers\.ts:\d+\)/m],
    ["reexport", /^test\/build\/hooks\/reexport\.ts\(6,10\): error TSB1101: The hook 'productUpdateReason' is re-exported from another module/m],
  ])("%s", (name, message) => {
    expect(() => checkProductHooks(entry(name))).toThrow(message);
  }, 60_000);

  test("every check has its own code, and no compiler diagnostic uses it", () => {
    const codes = Object.values(ProductHookMessages).map((m) => m.code);
    expect(new Set(codes).size).toBe(codes.length);
    const compilerCodes = new Set<number>(Object.values(Messages).map((m) => m.code));
    expect(codes.filter((c) => compilerCodes.has(c))).toEqual([]);
  });

  test("a program that does not run tsboot's boot flow has no hooks to check", () => {
    expect(productHookDiagnostics(path.join(HOOKS, "../../compiler/programs/basic.ts"))).toBeNull();
  }, 60_000);
});

describe("tsboot check reports the hook checks beside the subset's diagnostics", () => {
  test("a refused hook: its diagnostic and a failing exit; the same file with good hooks passes", async () => {
    const bad = await execa("node", ["bin/tsboot.mjs", "check", "test/build/hooks/erases.ts"], { cwd: ROOT, reject: false });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toMatch(/^test\/build\/hooks\/erases\.ts\(11,17\): error TSB1103: /m);
    expect(bad.stdout).toContain("tsboot check: Found 1 error.");
    const good = await execa("node", ["bin/tsboot.mjs", "check", "test/build/hooks/good.ts"], { cwd: ROOT, reject: false });
    expect(good.exitCode, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toContain("tsboot check: Found 0 errors.");
  }, 120_000);
});
