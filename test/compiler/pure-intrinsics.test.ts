/**
 * shr64 and mulHigh32 compute a value from their arguments alone: next to an operand that reads or writes
 * state they cannot change its result, so the evaluation-order check (TSB1058) must not reject them.
 * The intrinsics with effects (mmio, interrupts, print) stay rejected next to each other.
 */
import { describe, expect, it } from "vitest";
import { compileProgram, formatDiagnostic } from "../../compiler/index";
import { runC, runInNode, writeProgram } from "./harness";

const PURE = `let total: u32 = 0;
function bump(n: u32): u32 { total = u32(total + n); return total; }
function sum(a: i64, b: u32): i64 { return a + i64(b); }
export function main(): void {
  const a: u32 = 0xfedcba98;
  // Each line puts a pure intrinsic next to a call with effects, or two of them side by side.
  const x = sum(shr64(i64(a) * 3, 7), bump(5));
  const y = u32(mulHigh32(a, 0x12345678) + mulHigh32(0x9abcdef0, a));
  const z = sum(i64(mulHigh32(a, a)), bump(2));
  printInt(x);
  print(" ");
  printInt(y);
  print(" ");
  printInt(z);
  print(" ");
  printInt(total);
  print("\\n");
}
`;

describe("pure intrinsics and the evaluation-order check", () => {
  it("shr64 and mulHigh32 next to effects compile, and C prints what Node prints", async () => {
    const entry = writeProgram("pure_intrinsics", PURE);
    const result = compileProgram({ entry });
    expect(result.diagnostics.map((d) => formatDiagnostic(d))).toEqual([]);
    const node = await runInNode(entry);
    const c = await runC(entry);
    expect(c.exitCode).toBe(0);
    expect(c.output).toBe(node);
    expect(node.trim().split(" ")).toHaveLength(4);
  });

  it("two mmio reads side by side are still rejected (TSB1058)", () => {
    const entry = writeProgram("effect_intrinsics", `import { u32, mmioRead32 } from "../../runtime/index";\nexport function f(): u32 { return u32(mmioRead32(0x40000000) + mmioRead32(0x40000004)); }\n`);
    const result = compileProgram({ entry });
    expect(result.diagnostics.map((d) => d.code)).toContain(1058);
  });
});
