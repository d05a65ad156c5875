/**
 * Checked Node (issue 15, §3): the JavaScript the compiler emits from the program's IR traps where the C
 * traps, at the same TypeScript line, where plain Node goes on with a value outside the declared range.
 * The bootloader's Node test harnesses run it.
 */
import { describe, expect, it } from "vitest";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { loadBoardLayout } from "../../host/sim/board-c";
import { runBootloaderInNode } from "../bootloader/node-run";
import { runC, runChecked, runInNode, writeProgram } from "./harness";

describe("checked Node", () => {
  it("reg & ~mask stored into a u32: plain Node stores a negative number; checked Node throws where C traps", async () => {
    const entry = writeProgram(
      "checked_register",
      `let reg: u32 = 0x80000001;
function clearBits(mask: u32): void {
  const value: u32 = reg & ~mask;
  reg = value;
}
export function main(): void {
  clearBits(0x10);
  printInt(reg);
  print("\\n");
}`,
    );
    const plain = await runInNode(entry);
    const c = await runC(entry);
    const checked = await runChecked(entry);
    expect(plain).toBe("-2147483647\n"); // a u32 variable holding a negative number
    expect(c.output).toBe("PANIC 1 test/.gen/checked_register.ts:4 value out of range for u32\n");
    expect(checked).toBe(c.output);
  });

  it("an index the compiler could not prove: plain Node reads undefined, checked Node throws at C's line", async () => {
    const entry = writeProgram(
      "checked_index",
      `const table = new Uint8Array([1, 2, 3]);
export function main(): void {
  for (let i: u32 = 0; i < 5; i++) {
    printInt(table[i]);
    print(" ");
  }
}`,
    );
    expect(await runInNode(entry)).toBe("1 2 3 undefined undefined ");
    const c = await runC(entry);
    expect(c.output).toBe("1 2 3 PANIC 2 test/.gen/checked_index.ts:5 index out of bounds\n");
    expect(await runChecked(entry)).toBe(c.output);
  });

  it("the bootloader's Node suite runs the checked build (test/bootloader/node-run.ts)", async () => {
    const sim = new Simulation(loadBoardLayout("nucleo-f411re"));
    sim.idleLimitUs = 300_000;
    const outcome = await runBootloaderInNode(sim);
    expect(outcome.kind).toBe("idle");
    const { loadedPrograms } = await import("../../runtime/checked");
    expect(loadedPrograms()).toContain("bootloader-ts/main.ts");
  });
});
