/**
 * A product's hooks at build time (host/build/product-hooks.ts): what the generated tsboot_product_hooks.c
 * links, and every refusal, each with its message. The entries are in hooks/.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { checkProductHooks, productHooksC } from "../../host/build/product-hooks";
import { compileProgram } from "../../compiler/index";

const HOOKS = path.join(path.dirname(fileURLToPath(import.meta.url)), "hooks");
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
  test.each([
    ["wrong-signature", /wrong-signature\.ts:\d+: the hook productCommand must be productCommand\(command: u8, payload: Uint8Array, reply: Uint8Array\): i32 \(hal-bindings\/product\.ts\); it is productCommand\(command: u8, payload: Uint8Array\): i32/],
    ["typo", /typo\.ts:\d+: productUpdateReasons is not a tsboot hook: did you mean productUpdateReason\?/],
    ["erases", /erases\.ts:\d+: the hook productCommand can reach a flash write: productCommand → tidy \(.*erases\.ts:\d+\) → eraseSector \(.*erases\.ts:\d+\) → flashUnlock = hal_flash_unlock \(.*flash-writer\.ts:\d+\)\. A product's hooks may read and reply, never erase, program or protect flash/],
    ["registers", /registers\.ts:\d+: the hook productUpdateReason can reach a flash write: productUpdateReason → mmioWrite32 \(.*registers\.ts:\d+\)/],
    ["reexport", /reexport\.ts: the hook productUpdateReason must be declared in the entry file itself/],
  ])("%s", (name, message) => {
    expect(() => checkProductHooks(entry(name))).toThrow(message);
  }, 60_000);
});
