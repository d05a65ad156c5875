/**
 * Checks of the differential test itself, independent of the compiler: the driver, the output parsing and
 * the oracle against a hand-written C translation (right and deliberately wrong), and the soundness of the
 * interval rules the generator relies on.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { freshModuleName, runBatch } from "./harness";
import type { Compile } from "./harness";
import type { FnInfo, Module, RawFn } from "./generate";
import * as I from "./intervals";
import { cModuleName } from "./run-c";

const FN_TEXT = `export function f0(p0: u8, p1: i32): u8 {
  let v0: u8 = (p0 + 1);
  printInt(v0);
  print("@0 ");
  if ((p1 < 0)) {
    v0 = u8(p1);
    printInt(v0);
    print("@1 ");
  }
  return ((v0 * 2) - 100);
}
`;

function handModule(): Module {
  const inputs: bigint[][] = [
    [0n, 0n], // 1@0 → 2 - 100 < 0: PANIC at the return
    [60n, 5n], // 61@0 → R 22
    [255n, 0n], // 256 leaves u8: PANIC at the let, nothing printed
    [100n, -2147483648n], // 101@0 0@1 → PANIC at the return
    [100n, -156n], // 101@0 100@1 → R 100
    [200n, 7n], // 201@0 → 302 leaves u8: PANIC
  ];
  const fn: FnInfo = { name: "f0", params: ["u8", "i32"], ret: "u8", stores: ["u8", "u8"], storeAt: [{ stmt: 0, part: "let" }, { stmt: 0, part: "iff" }].map((x, k) => ({ ...x, line: k === 0 ? 1 : 5 })) as FnInfo["storeAt"], returnLine: 9, inputs, text: FN_TEXT };
  const text = `import { u8, u16, u32, i8, i16, i32, print, printInt } from "../../runtime/index";\n\n${FN_TEXT}`;
  return { name: freshModuleName("hand"), text, fns: [fn] };
}

/** A hand translation of FN_TEXT as the compiler should write it; `checkReturn: false` drops one trap. */
function handCompile(checkReturn: boolean): Compile {
  return async (entry) => {
    const m = cModuleName(entry.replace(/^.*\//, "").replace(/\.ts$/, ""));
    const h = `#ifndef ${m}_H\n#define ${m}_H\n#include "tsboot_rt.h"\nuint8_t ${m}_f0(uint8_t p0, int32_t p1);\n#endif\n`;
    const c = `#include "${m}.h"
uint8_t ${m}_f0(uint8_t p0, int32_t p1) {
  int64_t t0 = (int64_t)p0 + 1;
  if (t0 < 0 || t0 > 255) TSB_TRAP(TSB_PANIC_RANGE, "value out of range for u8");
  uint8_t v0 = (uint8_t)t0;
  tsb_print_int(v0);
  tsb_print("@0 ");
  if (p1 < 0) {
    v0 = (uint8_t)(uint32_t)p1;
    tsb_print_int(v0);
    tsb_print("@1 ");
  }
  int64_t r = (int64_t)v0 * 2 - 100;
  ${checkReturn ? 'if (r < 0 || r > 255) TSB_TRAP(TSB_PANIC_RANGE, "value out of range for u8");' : ""}
  return (uint8_t)r;
}
`;
    return { ok: true, diagnostics: [], files: [{ name: `${m}.c`, text: c }, { name: `${m}.h`, text: h }] };
  };
}

describe("differential harness", () => {
  it("agrees with a correct hand-written C translation", async () => {
    const r = await runBatch(handModule(), handCompile(true));
    expect(r).toEqual({ kind: "pass", calls: 6 });
  });

  it("catches a C translation that misses a range check", async () => {
    const r = await runBatch(handModule(), handCompile(false));
    expect(r.kind).toBe("mismatch");
    if (r.kind !== "mismatch") return;
    expect(r.mismatches).toEqual([
      { fn: 0, input: 0, between: "C / plain Node", expected: "1@0 PANIC 1", actual: "1@0 R 158" },
      { fn: 0, input: 3, between: "C / plain Node", expected: "101@0 0@1 PANIC 1", actual: "101@0 0@1 R 156" },
      { fn: 0, input: 5, between: "C / plain Node", expected: "201@0 PANIC 1", actual: "201@0 R 46" },
    ]);
  });
});

describe("always-trapping stores (TSB1063) against Node", () => {
  it("a call that traps in checked Node on an i64 division by zero before the store does not refute the claim", async () => {
    // The long run, seed 781027883 batch 172: `let v1: u8 = ((-0xBD4CA99) - i64((-678051047) % p0)) >> (v0 - p0)`
    // is negative or traps (p0 = 0: C and checked Node trap on the i64 remainder by zero). Plain Node went
    // on with NaN, and NaN >> k stored 0, which the harness took as a refutation of the compiler's TSB1063.
    const { renderModule } = await import("./generate");
    const { runBatchRetrying } = await import("./harness");
    const { compileProgram, formatDiagnostic } = await import("../../compiler/index");
    const path = await import("node:path");
    const compile: Compile = async (entry) => {
      const r = compileProgram({ entry, checkedJs: { outDir: path.dirname(entry) } });
      return { ok: r.ok, diagnostics: r.diagnostics.filter((d) => d.category === "error").map((d) => formatDiagnostic(d)), files: r.files };
    };
    const raw: RawFn = JSON.parse(
      `{"params":["i16"],"ret":"u8","stmts":[{"k":"let","t":"u32","e":{"k":"bit","op":">>>","a":{"k":"bit","op":"|","a":{"k":"lit","v":-145,"hex":false},"b":{"k":"var","i":5}},"b":{"k":"wrap","h":"i8","a":{"k":"lit","v":238,"hex":false}}},"wrap":true,"iff":null},{"k":"let","t":"u8","e":{"k":"bit","op":">>","a":{"k":"arith","op":"-","a":{"k":"lit","v":-198494873,"hex":true},"b":{"k":"modw","h":"i64","a":{"k":"lit","v":-678051047,"hex":false},"b":{"k":"var","i":10}},"pick":0},"b":{"k":"arith","op":"-","a":{"k":"var","i":11},"b":{"k":"var","i":12},"pick":6}},"wrap":false,"iff":null}],"retE":{"k":"var","i":5},"retWrap":false,"inputs":[["zero",0,0],["one",0,0],[-7,0,0]]}`,
    );
    const r = await runBatchRetrying([raw], (raws, name) => renderModule(raws, name), compile);
    expect(r.result, r.mod.text).toEqual({ kind: "pass", calls: 3 });
    expect(r.certainTraps).toBe(1);
  }, 60_000);
});

describe("interval rules (the oracle) are sound for Node's arithmetic", () => {
  const SAFE = Number.MAX_SAFE_INTEGER;
  const interval = fc
    .tuple(fc.integer({ min: -SAFE, max: SAFE }), fc.integer({ min: -SAFE, max: SAFE }))
    .map(([a, b]) => I.iv(BigInt(Math.min(a, b)), BigInt(Math.max(a, b))));
  const small = fc
    .tuple(fc.integer({ min: -(2 ** 33), max: 2 ** 33 }), fc.integer({ min: -(2 ** 33), max: 2 ** 33 }))
    .map(([a, b]) => I.iv(BigInt(Math.min(a, b)), BigInt(Math.max(a, b))));
  const member = (x: I.Interval, t: number) => Number(x.lo + ((x.hi - x.lo) * BigInt(Math.floor(t * 1e6))) / 1_000_000n);
  const pointIn = (ivArb: fc.Arbitrary<I.Interval>) =>
    ivArb.chain((x) => fc.oneof(fc.constant(x.lo), fc.constant(x.hi), fc.double({ min: 0, max: 1, noNaN: true }).map((t) => BigInt(member(x, t)))).map((p) => [x, Number(p)] as const));

  it("for & | ^ ~ << >> >>> and %", () => {
    fc.assert(
      fc.property(fc.oneof(pointIn(interval), pointIn(small)), fc.oneof(pointIn(interval), pointIn(small)), fc.nat(40), ([a, x], [b, y], k) => {
        const inIv = (v: number, r: I.Interval) => I.contains(r, BigInt(v));
        expect(inIv(x & y, I.and(a, b))).toBe(true);
        expect(inIv(x | y, I.int32Op()) && inIv(x ^ y, I.int32Op()) && inIv(~x, I.int32Op())).toBe(true);
        expect(inIv(x << y, I.int32Op()) && inIv(x >> y, I.int32Op())).toBe(true);
        expect(inIv(x >>> y, I.ushr(undefined))).toBe(true);
        expect(inIv(x >>> k, I.ushr(BigInt(k)))).toBe(true);
        if (!I.contains(b, 0n)) expect(inIv(x % y, I.mod(a, b)) || Object.is(x % y, -0)).toBe(true);
        const prod = I.mul(a, b);
        if (I.isSafe(prod)) expect(inIv(x * y, prod)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("the compiler's ToInt32 and ToUint32 intervals (wrapped images of wide intervals) hold Node's values", async () => {
    const R = await import("../../compiler/range");
    const wide = fc
      .tuple(fc.integer({ min: -SAFE, max: SAFE }), fc.oneof(fc.integer({ min: 0, max: 2 ** 33 }), fc.integer({ min: 0, max: 300 })))
      .map(([a, w]) => I.iv(BigInt(a), BigInt(Math.min(a + w, SAFE))));
    fc.assert(
      fc.property(pointIn(wide), fc.constantFrom(-0x200000000, 0x1ffffffff, 0x300000000, -1, 0xff), ([a, x], m) => {
        const inR = (v: number, r: { lo: bigint; hi: bigint }) => r.lo <= BigInt(v) && BigInt(v) <= r.hi;
        expect(inR(x | 0, R.toInt32(a))).toBe(true);
        expect(inR(x >>> 0, R.toUint32(a))).toBe(true);
        expect(inR(x & m, R.bitAnd(a, R.single(BigInt(m))))).toBe(true);
        expect(inR(x | m, R.bitOrXor(a, R.single(BigInt(m)))) && inR(x ^ m, R.bitOrXor(a, R.single(BigInt(m))))).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(R.bitAnd(R.single(-0x200000000n), { lo: 0n, hi: 65535n })).toEqual({ lo: 0n, hi: 0n });
  });

  it("wrap() is the helpers' arithmetic", () => {
    fc.assert(
      fc.property(fc.integer({ min: -SAFE, max: SAFE }), (n) => {
        const v = BigInt(n);
        expect(I.wrap(v, "u8")).toBe(BigInt(n & 0xff));
        expect(I.wrap(v, "u16")).toBe(BigInt(n & 0xffff));
        expect(I.wrap(v, "u32")).toBe(BigInt(n >>> 0));
        expect(I.wrap(v, "i8")).toBe(BigInt((n << 24) >> 24));
        expect(I.wrap(v, "i16")).toBe(BigInt((n << 16) >> 16));
        expect(I.wrap(v, "i32")).toBe(BigInt(n | 0));
      }),
    );
  });
});

describe("generated programs", () => {
  it("type a constant product plain once its i64 operand is wrapped (u8(k) * i8(i64(k)) is not i64)", async () => {
    // The long run, seed 1343134544 batch 149: the generator wrapped the operands of an unsafe constant
    // product `k * i64(k)` in u8/i8 but kept the product's i64 flag, so it took `p0 - (u8(k) * i8(i64(k)))`
    // for checked i64 and did not fix `p0 * (…)`, which the compiler rightly rejects (TSB1020: both factors
    // are int32-ranged plain numbers).
    const { renderModule } = await import("./generate");
    const { writeModule } = await import("./run-node");
    const { compileProgram, formatDiagnostic } = await import("../../compiler/index");
    const { rmSync } = await import("node:fs");
    const k = { k: "lit", v: -2147483648, hex: false } as const;
    const p0 = { k: "var", i: 0 } as const;
    const konst = { k: "arith", op: "*", a: k, b: { k: "wrap", h: "i64", a: k }, pick: 1 } as const;
    const raw: RawFn = {
      params: ["i32"],
      ret: "i32",
      stmts: [],
      retE: { k: "arith", op: "*", a: p0, b: { k: "arith", op: "-", a: p0, b: konst, pick: 0 }, pick: 3 },
      retWrap: true,
      inputs: [["one", "one", "one"]],
    };
    const mod = renderModule([raw], freshModuleName("i64k"));
    expect(mod.fns[0]!.text).toContain("u8((-2147483648)) * i8(i64((-2147483648)))");
    const entry = writeModule(mod);
    try {
      const r = compileProgram({ entry });
      expect(r.diagnostics.map((d) => formatDiagnostic(d)), mod.text).toEqual([]);
    } finally {
      rmSync(entry, { force: true });
    }
  }, 60_000);

  it("are valid TypeScript (tsc, strict, as the compiler checks them)", async () => {
    const ts = (await import("typescript")).default;
    const { batchArbitrary, renderModule } = await import("./generate");
    const { writeModule } = await import("./run-node");
    const { rmSync } = await import("node:fs");
    const seed = Date.now() | 0;
    const files = fc
      .sample(batchArbitrary(100, { inputs: 1 }), { numRuns: 4, seed })
      .map((raws) => writeModule(renderModule(raws, freshModuleName("tsc"))));
    try {
      const program = ts.createProgram(files, {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        lib: ["lib.es2022.d.ts"],
        types: [],
      });
      const messages = ts
        .getPreEmitDiagnostics(program)
        .map((d) => `${d.file?.fileName}(${d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : 0}): ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
      expect(messages, `seed ${seed}`).toEqual([]);
    } finally {
      for (const f of files) rmSync(f, { force: true });
    }
  }, 60_000);
});
