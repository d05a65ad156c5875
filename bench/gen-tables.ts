/**
 * Prints the constant tables that bootloader-ts/lib/crc32.ts, sha256.ts and edwards25519.ts (and
 * bench/reference-c/*.c) hold as literals. Run once when writing those files:
 * `node bin/run-ts.mjs bench/gen-tables.ts crc32|sha256-k|sha512-k|ed25519`.
 * A literal table becomes .rodata in C. The one exception is sha512.ts, which computes its H0 and K once at
 * run time (their 704 bytes of flash cost more than the code that computes them); sha512-k prints them, to
 * compare with.
 */

function hex(v: number): string {
  return "0x" + (v >>> 0).toString(16).padStart(8, "0");
}

function rows(values: number[], perLine: number, indent: string, suffix: string): string {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    lines.push(indent + values.slice(i, i + perLine).map((v) => hex(v) + suffix).join(", ") + ",");
  }
  return lines.join("\n");
}

/** CRC-32/ISO-HDLC (zlib): reflected, polynomial 0xEDB88320; `bits` per lookup (4: the 16-entry table lib/crc32.ts uses). */
export function crc32Table(bits = 4): number[] {
  const table: number[] = [];
  for (let n = 0; n < 1 << bits; n++) {
    let c = n;
    for (let k = 0; k < bits; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table.push(c >>> 0);
  }
  return table;
}

/** SHA-256 round constants: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
export function sha256K(): number[] {
  const primes: number[] = [];
  for (let p = 2; primes.length < 64; p++) if (primes.every((q) => p % q !== 0)) primes.push(p);
  // Exact: floor(frac(cbrt(p)) * 2^32) computed with BigInt integer cube roots (no floating-point rounding).
  return primes.map((p) => {
    const scaled = BigInt(p) << 96n; // cbrt(p * 2^96) = cbrt(p) * 2^32
    let lo = 0n;
    let hi = 1n << 40n;
    while (lo < hi) {
      const mid = (lo + hi + 1n) >> 1n;
      if (mid * mid * mid <= scaled) lo = mid;
      else hi = mid - 1n;
    }
    return Number(lo & 0xffffffffn);
  });
}

/** SHA-256 initial hash: the first 32 bits of the fractional parts of the square roots of the first 8 primes. */
export function sha256H0(): number[] {
  const primes = [2, 3, 5, 7, 11, 13, 17, 19];
  return primes.map((p) => {
    const scaled = BigInt(p) << 64n;
    let lo = 0n;
    let hi = 1n << 40n;
    while (lo < hi) {
      const mid = (lo + hi + 1n) >> 1n;
      if (mid * mid <= scaled) lo = mid;
      else hi = mid - 1n;
    }
    return Number(lo & 0xffffffffn);
  });
}

/** floor(root-th root of n), exactly, by bisection on BigInt. */
function integerRoot(n: bigint, root: bigint): bigint {
  let lo = 0n;
  let hi = 1n << (BigInt(n.toString(2).length) / root + 1n);
  while (lo < hi) {
    const mid = (lo + hi + 1n) >> 1n;
    if (mid ** root <= n) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}

function firstPrimes(count: number): number[] {
  const primes: number[] = [];
  for (let p = 2; primes.length < count; p++) if (primes.every((q) => p % q !== 0)) primes.push(p);
  return primes;
}

/** A 64-bit word as the subset holds it: [high 32 bits, low 32 bits]. */
function halves(v: bigint): number[] {
  return [Number((v >> 32n) & 0xffffffffn), Number(v & 0xffffffffn)];
}

/** SHA-512 round constants: the first 64 bits of the fractional parts of the cube roots of the first 80 primes. */
export function sha512K(): number[] {
  return firstPrimes(80).flatMap((p) => halves(integerRoot(BigInt(p) << 192n, 3n) & 0xffffffffffffffffn));
}

/** SHA-512 initial hash: the first 64 bits of the fractional parts of the square roots of the first 8 primes. */
export function sha512H0(): number[] {
  return firstPrimes(8).flatMap((p) => halves(integerRoot(BigInt(p) << 128n, 2n) & 0xffffffffffffffffn));
}

/** Edwards25519 constants (RFC 8032 §5.1), as the 8 little-endian u32 words lib/field25519.ts uses. */
export function ed25519Constants(): Record<string, number[]> {
  const p = 2n ** 255n - 19n;
  const mod = (a: bigint) => ((a % p) + p) % p;
  const pow = (b: bigint, e: bigint) => {
    let r = 1n;
    for (b = mod(b); e > 0n; e >>= 1n, b = (b * b) % p) if (e & 1n) r = (r * b) % p;
    return r;
  };
  const d = mod(-121665n * pow(121666n, p - 2n));
  const sqrtM1 = pow(2n, (p - 1n) / 4n);
  // The base point: y = 4/5, x the even root of x² = (y² - 1) / (d y² + 1).
  const y = mod(4n * pow(5n, p - 2n));
  const xx = mod((y * y - 1n) * pow(d * y * y + 1n, p - 2n));
  let x = pow(xx, (p + 3n) / 8n);
  if (mod(x * x) !== xx) x = mod(x * sqrtM1);
  if (x & 1n) x = p - x;
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const words = (v: bigint) => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(32 * i)) & 0xffffffffn));
  return { P: words(p), D: words(d), D2: words(mod(2n * d)), SQRT_M1: words(sqrtM1), BASE_X: words(x), BASE_Y: words(y), BASE_T: words(mod(x * y)), L: words(L) };
}

const what = process.argv[2] ?? "all";
if (what === "crc32" || what === "all") {
  console.log("// CRC32_NIBBLE (TypeScript)\n" + rows(crc32Table(), 8, "  ", ""));
  console.log("// crc32_nibble (C)\n" + rows(crc32Table(), 6, "    ", "u"));
}
if (what === "sha256-k" || what === "all") {
  console.log("// K (TypeScript)\n" + rows(sha256K(), 8, "  ", ""));
  console.log("// H0\n" + rows(sha256H0(), 8, "  ", ""));
  console.log("// k (C)\n" + rows(sha256K(), 6, "    ", "u"));
}
if (what === "sha512-k" || what === "all") {
  console.log("// K (TypeScript, high word then low word)\n" + rows(sha512K(), 8, "  ", ""));
  console.log("// H0 (high word then low word)\n" + rows(sha512H0(), 8, "  ", ""));
}
if (what === "ed25519" || what === "all") {
  for (const [name, words] of Object.entries(ed25519Constants())) console.log(`// ${name}\n${rows(words, 8, "  ", "")}`);
}
