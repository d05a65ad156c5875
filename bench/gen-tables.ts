/**
 * Prints the constant tables that bootloader-ts/lib/crc32.ts and sha256.ts (and bench/reference-c/*.c) hold
 * as literals. Run once when writing those files: `node bin/run-ts.mjs bench/gen-tables.ts crc32|sha256-k`.
 * The subset modules never compute a table at run time: a literal table becomes .rodata in C.
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
