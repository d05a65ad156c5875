/**
 * One program per construct of docs/subset.md: run in Node and compiled to C with host gcc; the outputs
 * must be identical (including where the program panics).
 */
import { describe, expect, it } from "vitest";
import { runC, runInNode, writeProgram } from "./harness";

const programs: Record<string, string> = {
  arithmetic: `
export function main(): void {
  const a: u32 = 0xffffffff;
  const b: i32 = -0x80000000;
  printInt(a + 1); print(" "); printInt(a * 3); print(" "); printInt(b - 1); print(" "); printInt(-b); print("\\n");
  const h: u16 = 0xffff;
  printInt(h * h * h - a); print("\\n");
}`,
  bitwise: `
export function main(): void {
  const a: u32 = 0xdeadbeef;
  const s: i32 = -5;
  printInt(a & 0xffff); print(" "); printInt(a | 1); print(" "); printInt(a ^ 0xffffffff); print(" "); printInt(~a); print("\\n");
  printInt(a << 4); print(" "); printInt(a >> 4); print(" "); printInt(a >>> 28); print(" "); printInt(s >>> 0); print(" "); printInt(s >> 1); print("\\n");
  for (let n: u8 = 0; n < 40; n += 7) { printInt(a << n); print(","); printInt(s >>> n); print(";"); }
  print("\\n");
}`,
  wrapping: `
export function main(): void {
  const big: u32 = 0xfedcba98;
  printInt(u8(big)); print(" "); printInt(u16(big)); print(" "); printInt(i8(big)); print(" "); printInt(i16(big)); print(" "); printInt(i32(big)); print(" "); printInt(u32(-1)); print("\\n");
  printInt(Math.imul(big, big)); print(" "); printInt(Math.imul(0x7fffffff, 3)); print("\\n");
  const x: i32 = -7;
  const zero: i32 = 0;
  printInt(i32(x / 2)); print(" "); printInt(u32(x / 2)); print(" "); printInt((x / 2) | 0); print(" "); printInt((x / 2) >>> 0); print(" "); printInt(i32(x / zero)); print(" "); printInt(u32(x % zero)); print(" "); printInt(x % 3); print("\\n");
  const min: i32 = -0x80000000;
  const minusOne: i32 = -1;
  printInt(i32(min / minusOne)); print(" "); printInt(u32(min / minusOne)); print(" "); printInt(i32(min % minusOne)); print("\\n");
}`,
  control: `
enum Mode { Idle, Run = 5, Stop }
function classify(n: u32): Mode {
  if (n < 10) return Mode.Idle;
  else if (n < 100) return Mode.Run;
  return Mode.Stop;
}
export function main(): void {
  let total: u32 = 0;
  let i: u32 = 0;
  while (true) { i++; if (i % 3 === 0) continue; if (i > 20) break; total += i; }
  printInt(total); print(" ");
  let j: i16 = 10;
  do { j -= 3; } while (j > 0);
  printInt(j); print(" ");
  for (let k: u8 = 0; k < 5; k++) {
    switch (k) {
      case 0: print("zero"); break;
      case 1:
      case 2: print("small");
      // falls through
      case 3: print("three"); break;
      default: print("other");
    }
    print(",");
  }
  const m: Mode = classify(50);
  printInt(m); print(" "); printInt(classify(5)); print(" "); printInt(classify(500));
  switch (m) { case Mode.Run: print(" run"); break; case Mode.Stop: print(" stop"); break; }
  print("\\n");
}`,
  arrays: `
const TABLE = new Uint16Array([10, 20, 30, 40]);
const scratch = new Uint8Array(8);
function fill(buf: Uint8Array, value: u8): void { for (let i: u32 = 0; i < buf.length; i++) buf[i] = value; }
function sum(buf: Uint8Array): u32 { let s: u32 = 0; for (const b of buf) s += b; return s; }
export function main(): void {
  fill(scratch, 7);
  fill(scratch.subarray(2, 4), 9);
  fill(scratch.subarray(-2), 1);
  printInt(sum(scratch)); print(" ");
  printInt(scratch.subarray(3).length); print(" "); printInt(scratch.subarray(5, 2).length); print(" "); printInt(scratch.subarray(-3, -1).length); print(" ");
  let t: u32 = 0;
  for (const v of TABLE) t += v;
  printInt(t); print(" ");
  const local = new Int32Array(3);
  local[0] = -5; local[1] = 0x7fffffff; local[2] = i32(local[0] + 1);
  printInt(local[0] + local[1] + local[2]); print(" ");
  const words = new Uint32Array([0xffffffff, 1]);
  printInt(words[0] + words[1]);
  print("\\n");
}`,
  structs: `
interface Header { magic: u32; size: u16; valid: boolean; payload: Uint8Array; }
interface Frame { seq: u8; header: Header; }
const frame: Frame = { seq: 1, header: { magic: 0xcafe, size: 4, valid: false, payload: new Uint8Array(4) } };
function touch(f: Frame, by: u8): void {
  f.seq = u8(f.seq + by);
  f.header.valid = !f.header.valid;
  f.header.payload[f.seq & 3] = by;
}
function total(h: Header): u32 { let s: u32 = 0; for (const b of h.payload) s += b; return s + h.size; }
export function main(): void {
  touch(frame, 200); touch(frame, 100);
  printInt(frame.seq); print(" "); if (frame.header.valid) print("valid"); else print("invalid"); print(" "); printInt(total(frame.header)); print(" ");
  const local: Header = { magic: 1, size: 2, valid: true, payload: new Uint8Array(2) };
  local.payload[1] = 5;
  printInt(total(local) + local.magic);
  print("\\n");
}`,
  boolean_logic: `
function check(a: i32, b: i32): boolean { return a < b && (a !== 0 || b > 10); }
export function main(): void {
  const flags: boolean = check(1, 2) === check(0, 5);
  printInt(flags ? 1 : 0); printInt(check(0, 11) ? 1 : 0); printInt(!check(5, 1) ? 1 : 0);
  print("\\n");
}`,
  // Each of these once computed something else in C than in Node (found while documenting the subset).
  regressions: `
const LIMIT: u32 = 5;
const ONE = 1;
const BYTES = new Uint8Array([1, 2, 3, 4, 5, 6]);
interface Odd { register: u8; long: u16; data: Uint8Array; }
const odd: Odd = { register: 3, long: 0o17, data: BYTES };
let regressions_count: u32 = 2;
function fail(): never { panic("unreachable"); }
function pick(n: u32): u32 { if (n < 100) return n * 2; return fail(); }
export function main(): void {
  const s: i32 = -1;
  printInt(s < LIMIT ? 1 : 0); print(" "); printInt(u32((-7) % LIMIT)); print(" "); printInt((-7) % LIMIT); print(" ");
  let view: Uint8Array = BYTES.subarray(0);
  for (const b of view) { printInt(b); view = view.subarray(1); }
  print(" ");
  const regressions_count2: u32 = 8;
  printInt(regressions_count + regressions_count2); print(" ");
  for (let k: u8 = 0; k < 3; k++) {
    switch (k) { case 1: print("a"); break; case ONE: print("b"); break; default: print("c"); }
  }
  print(" ");
  printInt(odd.register + odd.long + odd.data[5] + 0b101); print(" ");
  printInt(pick(21));
  print("\\n");
}`,
  remainder_large: `
export function main(): void {
  const a: i32 = -7;
  const big = 4294967297 * 1000;
  printInt(big % 1); print(" "); printInt((-1073101633868739) % 4294967295); print(" "); printInt(u32(big % a)); print(" ");
  printInt((big + a) % 4294967291); print(" "); printInt(-big % 65537);
  print("\\n");
}`,
  range_trap: `
export function main(): void {
  let x: u8 = 250;
  for (let i: u8 = 0; i < 10; i++) { printInt(x); print(" "); x += 1; }
}`,
  index_trap: `
const data = new Uint8Array(4);
export function main(): void {
  for (let i: i32 = 0; i < 6; i++) { printInt(data[i]); print(" "); }
}`,
  explicit_panic: `
export function main(): void {
  print("before ");
  panic("stop here");
}`,
};

/** Node has no trap: where C stopped, Node went on with a value outside the range (or undefined). */
function untilPanic(text: string): string {
  const at = text.indexOf("PANIC");
  return at < 0 ? text : text.slice(0, at);
}

/** A second module the `imports` program uses: constants, an enum, an interface, state and functions. */
const LIBRARY = `
export const SCALE = 3;
export enum Unit { Byte = 1, Word = 4 }
export interface Counter { count: u32; unit: Unit; }
let calls: u32 = 0;
export function scaled(x: u16, unit: Unit): u32 { calls = u32(calls + 1); return x * SCALE * unit; }
export function bump(c: Counter, by: u16): void {
  const add = scaled(by, c.unit); // a call with effects is sequenced by hand (TSB1058 otherwise)
  c.count = u32(c.count + add);
}
export function callCount(): u32 { return calls; }
`;

describe("each construct computes the same in Node and in C", () => {
  it("imports between the program's files", async () => {
    writeProgram("construct_library", LIBRARY);
    const entry = writeProgram(
      "construct_imports",
      `import { bump, callCount, Counter, SCALE, scaled, Unit } from "./construct_library";
export function main(): void {
  const c: Counter = { count: 0, unit: Unit.Word };
  bump(c, 10);
  bump(c, 0xffff);
  printInt(c.count); print(" "); printInt(scaled(7, Unit.Byte)); print(" "); printInt(SCALE); print(" "); printInt(callCount());
  print("\\n");
}`,
    );
    const node = await runInNode(entry);
    const c = await runC(entry);
    expect(node).toBe("786540 21 3 3\n"); // 10·3·4 + 65535·3·4, 7·3·1, SCALE, three calls
    expect(c.output).toBe(node);
  });

  for (const [name, text] of Object.entries(programs)) {
    it(name, async () => {
      const entry = writeProgram(`construct_${name}`, text);
      const node = await runInNode(entry);
      const c = await runC(entry);
      if (name === "range_trap" || name === "index_trap") {
        expect(c.exitCode).toBe(70);
        expect(c.output).toMatch(/PANIC [12] /);
        expect(untilPanic(c.output)).toBe(node.slice(0, untilPanic(c.output).length));
        // Node went past the point where C stopped, with a value C refused to produce.
        expect(node.length).toBeGreaterThan(untilPanic(c.output).length);
        expect(node.slice(untilPanic(c.output).length)).toMatch(name === "range_trap" ? /^256 / : /^undefined /);
        return;
      }
      if (name === "explicit_panic") {
        expect(node).toBe("before PANIC panic: stop here\n");
        expect(c.output).toMatch(/^before PANIC 3 test\/.gen\/construct_explicit_panic\.ts:5 stop here/);
        return;
      }
      expect(c.output).toBe(node);
      expect(node.length).toBeGreaterThan(0);
    });
  }
});
