// Ed25519 verification (bootloader-ts/lib/ed25519.ts) decided the same by the TypeScript in Node, by the
// compiler's checked JavaScript, by the compiled C (host gcc -Werror, UBSan) and by Node's crypto.verify.
//
// Cases: RFC 8032 §7.1's vectors; the non-canonical and degenerate inputs of ed25519-cases.ts (S ≥ L, small-
// order and mixed-order A and R, non-canonical spellings of A and R, keys that do not decode); and seeded
// random signatures with corrupted signatures, keys and messages. The random count is TSBOOT_ED25519_RUNS
// (default below; the full run is TSBOOT_ED25519_RUNS=10000), its seed TSBOOT_ED25519_SEED. The two Node
// builds run in their own processes (ed25519-node-runner.ts), the C build is test/lib/c/ed25519-driver.c:
// all three answer the same lines.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as path from "node:path";
import * as plain from "../../bootloader-ts/lib/ed25519";
import { PanicError } from "../../runtime/index";
import { keyPair, nodeVerify, randomCases, RFC8032_VECTORS, specialCases, strictKeyExpected, VerifyCase } from "./ed25519-cases";
import * as ref from "./ed25519-reference";
import { buildHostC, field, haveCc, HostBuild, LIB, ROOT, runNodeScript } from "./subset-builds";

type Ed25519Module = typeof plain;
const ENTRY = path.join(LIB, "ed25519.ts");
const RUNS = Number(process.env.TSBOOT_ED25519_RUNS ?? 600);
const SEED = Number(process.env.TSBOOT_ED25519_SEED ?? 20261130);
/** Hooks and tests that wait for the runs: the default 120 s, more for a long run. */
const WAIT_MS = Math.max(120_000, RUNS * 60);

interface Decided extends VerifyCase {
  node: boolean;
}

let special: Decided[] = [];
let random: Decided[] = [];
/** The answers of the plain and the checked Node runs (own processes, started at once, awaited by the tests). */
let plainRun: Promise<string[]>;
let checkedRun: Promise<string[]>;

/**
 * A driver line: key, signature, message, split, and what to compute: "1" ed25519Verify, "s" the streamed form,
 * "k" ed25519PublicKeyIsStrict.
 */
const line = (v: VerifyCase, what: string) => `${field(v.publicKey)} ${field(v.signature)} ${field(v.message)} ${v.split} ${what}\n`;

/**
 * What each build computes for each case (special ++ random): the streamed form always; ed25519Verify in C for
 * every case and in Node for the RFC vectors and the API tests (in one call it is verifyStart, verifyUpdate,
 * verifyFinish); ed25519PublicKeyIsStrict once per distinct key of the special cases.
 */
function plan(oneCall: boolean): string[] {
  const seen = new Set<string>();
  const what = (c: VerifyCase, strictToo: boolean) => {
    const key = field(c.publicKey);
    const k = strictToo && !seen.has(key) ? "k" : "";
    seen.add(key);
    return `${oneCall ? "1" : ""}s${k}`;
  };
  return [...special.map((c) => what(c, true)), ...random.map((c) => what(c, false))];
}
const driverInput = (whats: string[]) => [...special, ...random].map((c, i) => line(c, whats[i])).join("");

beforeAll(() => {
  const decide = (c: VerifyCase): Decided => ({ ...c, node: nodeVerify(c) });
  special = specialCases().map(decide);
  random = randomCases(RUNS, SEED).map(decide);
  const runner = path.join(ROOT, "test", "lib", "ed25519-node-runner.ts");
  plainRun = runNodeScript(runner, ["plain"], driverInput(plan(false)));
  checkedRun = runNodeScript(runner, ["checked"], driverInput(plan(false)));
  // Awaited in the tests; a failure here must not be reported as an unhandled rejection first.
  plainRun.catch(() => {});
  checkedRun.catch(() => {});
}, WAIT_MS);

/** The C build, made and run while the Node runs go on in their processes. */
let c: HostBuild | undefined;
let cRun: string[] = [];
beforeAll(async () => {
  if (!haveCc) return;
  c = await buildHostC(ENTRY, "ed25519-driver.c");
  cRun = c.run(driverInput(plan(true)));
}, WAIT_MS);
afterAll(() => c?.dispose());

/** The streamed verification with the message cut at `split`. */
function streamed(m: Ed25519Module, c: VerifyCase): boolean {
  m.verifyStart(c.publicKey, c.signature);
  m.verifyUpdate(c.message.subarray(0, c.split));
  m.verifyUpdate(c.message.subarray(c.split));
  return m.verifyFinish();
}

const describeCase = (c: Decided) => `${c.label}: key ${field(c.publicKey)} sig ${field(c.signature)} (Node: ${c.node})`;

/**
 * Checks a build's answers (asked for as plan(oneCall) says) against Node's decision for ed25519Verify and the
 * streamed form, and against the model for ed25519PublicKeyIsStrict.
 */
function expectAgreement(lines: string[], oneCall: boolean): void {
  const whats = plan(oneCall);
  const all = [...special, ...random];
  expect(lines.length).toBe(all.length);
  all.forEach((c, i) => {
    const d = c.node ? "1" : "0";
    const strict = whats[i].includes("k") ? (strictKeyExpected(c.publicKey) ? "1" : "0") : "-";
    expect(lines[i], describeCase(c)).toBe(`${oneCall ? d : "-"} ${d} ${strict}`);
  });
  expect(whats.filter((w) => w.includes("k")).length).toBeGreaterThan(40);
}

describe("Ed25519 verification, the cases themselves", () => {
  it("RFC 8032 §7.1: Node derives each vector's key and signature from its secret key", () => {
    for (const v of RFC8032_VECTORS) {
      const keys = keyPair(v.secretKey);
      expect(Buffer.from(keys.publicKey).toString("hex"), v.name).toBe(Buffer.from(v.publicKey).toString("hex"));
      expect(Buffer.from(keys.sign(v.message)).toString("hex"), v.name).toBe(Buffer.from(v.signature).toString("hex"));
    }
  });

  it("probe what they are meant to probe: Node accepts and rejects within each kind where expected", () => {
    const outcomes = (prefix: string) => {
      const hits = special.filter((c) => c.label.startsWith(prefix));
      return { accepted: hits.filter((c) => c.node).length, rejected: hits.filter((c) => !c.node).length };
    };
    expect(outcomes("RFC 8032")).toEqual({ accepted: 5, rejected: 5 });
    // Small-order keys verify forgeries with S = 0 (about one R in 8 works for each key).
    expect(outcomes("A small order").accepted).toBeGreaterThan(0);
    expect(outcomes("A small order").rejected).toBeGreaterThan(0);
    // Node accepts non-canonical spellings of A (y + p, x = 0 with the sign bit): the decision ed25519.ts follows.
    expect(special.some((c) => c.node && c.label.startsWith("A = y + p"))).toBe(true);
    expect(special.some((c) => c.node && c.label.startsWith("A = (0, 1) with the sign bit"))).toBe(true);
    // A canonical R passes where its non-canonical spellings fail.
    expect(outcomes("A = R = (0, 1)")).toEqual({ accepted: 1, rejected: 0 });
    expect(outcomes("A = (0, 1), R ").accepted).toBe(0);
    // S < L decides alone: S = L with R = [0]B would satisfy the equation.
    expect(special.filter((c) => c.label.includes("S = below L")).every((c) => c.node)).toBe(true);
    expect(special.filter((c) => c.label.includes("S = L")).some((c) => c.node)).toBe(false);
    // Torsion in R is rejected (cofactorless), torsion in A passes exactly when [k]T = 0: both outcomes occur.
    expect(outcomes("R = [r]B +")).toEqual({ accepted: 1, rejected: 7 }); // [0]T is no torsion
    const mixed = outcomes("A = [a]B +");
    expect(mixed.accepted).toBeGreaterThan(0);
    expect(mixed.rejected).toBeGreaterThan(0);
    expect(outcomes("A undecodable").accepted).toBe(0);
  });

  it("the random cases hold valid and invalid signatures of every kind", () => {
    expect(random.filter((c) => c.label === "valid").every((c) => c.node)).toBe(true);
    expect(random.filter((c) => c.label !== "valid" && c.node).length).toBeLessThan(random.length / 50);
    expect(new Set(random.map((c) => c.label)).size).toBe(Math.min(8, random.length));
  });
});

describe("Ed25519 verification in plain Node (the TypeScript itself)", () => {
  it("accepts the RFC 8032 vectors, in one call and streamed, and rejects them with a bit flipped", () => {
    for (const c of special.filter((s) => s.label.startsWith("RFC 8032"))) {
      expect(plain.ed25519Verify(c.publicKey, c.message, c.signature), c.label).toBe(c.node);
    }
    for (const v of RFC8032_VECTORS) {
      expect(plain.ed25519Verify(v.publicKey, v.message, v.signature), v.name).toBe(true);
      expect(streamed(plain, { ...v, label: v.name, split: v.message.length >> 1 }), v.name).toBe(true);
    }
  });

  it(`decides every special case and ${RUNS} random signatures as Node does, streamed (own process)`, async () => {
    expectAgreement(await plainRun, false);
  }, WAIT_MS);

  it("rejects a key that is not 32 bytes and a signature that is not 64, whatever the message", () => {
    const v = RFC8032_VECTORS[1];
    expect(plain.ed25519Verify(v.publicKey.subarray(0, 31), v.message, v.signature)).toBe(false);
    expect(plain.ed25519Verify(new Uint8Array([...v.publicKey, 0]), v.message, v.signature)).toBe(false);
    expect(plain.ed25519Verify(v.publicKey, v.message, v.signature.subarray(0, 63))).toBe(false);
    expect(plain.ed25519Verify(v.publicKey, v.message, new Uint8Array([...v.signature, 0]))).toBe(false);
    expect(plain.ed25519Verify(v.publicKey, v.message, v.signature)).toBe(true);
  });

  it("keeps its own copies of the key and the signature from verifyStart on", () => {
    const v = RFC8032_VECTORS[2];
    const key = v.publicKey.slice();
    const signature = v.signature.slice();
    plain.verifyStart(key, signature);
    key.fill(0);
    signature.fill(0);
    plain.verifyUpdate(v.message);
    expect(plain.verifyFinish()).toBe(true);
  });

  it("panics on verifyUpdate or verifyFinish without verifyStart, and after verifyFinish", () => {
    const v = RFC8032_VECTORS[0];
    expect(plain.ed25519Verify(v.publicKey, v.message, v.signature)).toBe(true); // ends with verifyFinish
    expect(() => plain.verifyUpdate(new Uint8Array(1))).toThrow(PanicError);
    expect(() => plain.verifyFinish()).toThrow(PanicError);
  });

  it("a small-order key accepts the S = 0 forgery for any message, as Node does (why keys must be checked)", () => {
    const identity = ref.encode(ref.IDENTITY);
    const forgery = new Uint8Array([...identity, ...new Uint8Array(32)]);
    for (const text of ["", "any firmware", "x".repeat(300)]) {
      const m = new TextEncoder().encode(text);
      expect(nodeVerify({ publicKey: identity, message: m, signature: forgery })).toBe(true);
      expect(plain.ed25519Verify(identity, m, forgery)).toBe(true);
    }
    expect(plain.ed25519PublicKeyIsStrict(identity)).toBe(false);
  });
});

describe("Ed25519 verification in checked Node (the compiler's checked JavaScript, own process)", () => {
  it(`decides every special case and ${RUNS} random signatures as Node does, streamed, without a trap`, async () => {
    expectAgreement(await checkedRun, false);
  }, WAIT_MS);
});

describe.skipIf(!haveCc)(`Ed25519 verification in C (host gcc -Werror, UBSan)${haveCc ? "" : " (skipped: host cc is not on PATH)"}`, () => {
  it("accepts the RFC 8032 vectors in one call and streamed", () => {
    const lines = c!.run(RFC8032_VECTORS.map((v) => line({ ...v, label: v.name, split: v.message.length >> 1 }, "1sk")).join(""));
    expect(lines).toEqual(RFC8032_VECTORS.map(() => "1 1 1"));
  });

  it(`decides every special case and ${RUNS} random signatures as Node does, in one call and streamed`, () => {
    expectAgreement(cRun, true);
  });

  it("rejects wrong lengths of key and signature", () => {
    const v = RFC8032_VECTORS[1];
    const bad: VerifyCase[] = [
      { label: "31-byte key", publicKey: v.publicKey.subarray(0, 31), message: v.message, signature: v.signature, split: 0 },
      { label: "63-byte signature", publicKey: v.publicKey, message: v.message, signature: v.signature.subarray(0, 63), split: 0 },
      { label: "65-byte signature", publicKey: v.publicKey, message: v.message, signature: new Uint8Array([...v.signature, 0]), split: 0 },
    ];
    expect(c!.run(bad.map((b) => line(b, "1sk")).join(""))).toEqual(["0 0 0", "0 0 1", "0 0 1"]);
  });
});
