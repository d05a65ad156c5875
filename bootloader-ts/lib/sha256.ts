/**
 * SHA-256 (FIPS 180-4) in the tsboot subset, for checking a firmware image before the bootloader jumps to it.
 *
 * One hash at a time, held in module-level state (no objects, no allocation):
 *   sha256Init();
 *   sha256Update(chunk1);            // any number of chunks, of any length (0 too)
 *   sha256Update(chunk2);
 *   sha256Final(digest);             // digest: a Uint8Array of at least 32 bytes; writes bytes 0..31
 * or sha256(data, digest) for a single buffer. Call sha256Init() again before the next hash.
 *
 * Length limit: the message length is counted in bytes as two u32 words (lenHi * 2^32 + lenLo), so the
 * limit is SHA-256's own, 2^64 - 1 bits (2^61 bytes); a firmware image is many orders of magnitude smaller.
 *
 * Subset notes: every addition mod 2^32 is written `(a + b + ...) >>> 0` (a sum of at most five u32 is
 * below 2^35, exact in a double); every rotation uses constant shift counts, `(x >>> n) | (x << (32 - n))`,
 * and every bitwise result that is stored in a u32 goes through `>>> 0` (in JavaScript `|`, `^`, `&`, `~`
 * and `<<` give an int32, which may be negative). The tables are literals (K generated once by
 * bench/gen-tables.ts), so in C they are const arrays in .rodata.
 */
import { u8, u32, panic } from "../../runtime/index";

/** Round constants: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** The hash state H0..H7. */
const H = new Uint32Array(8);
/** The current block: its first blockLen bytes are filled. */
const BLOCK = new Uint8Array(64);
/** The message schedule W0..W63 of the block being compressed. */
const W = new Uint32Array(64);
/** How many bytes of BLOCK are filled, 0..63 (a full block is compressed at once). */
let blockLen: u32 = 0;
/** The message length so far in bytes: lenHi * 2^32 + lenLo. */
let lenLo: u32 = 0;
let lenHi: u32 = 0;

function bigSigma0(x: u32): u32 {
  return (((x >>> 2) | (x << 30)) ^ ((x >>> 13) | (x << 19)) ^ ((x >>> 22) | (x << 10))) >>> 0;
}

function bigSigma1(x: u32): u32 {
  return (((x >>> 6) | (x << 26)) ^ ((x >>> 11) | (x << 21)) ^ ((x >>> 25) | (x << 7))) >>> 0;
}

function smallSigma0(x: u32): u32 {
  return (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) >>> 0;
}

function smallSigma1(x: u32): u32 {
  return (((x >>> 17) | (x << 15)) ^ ((x >>> 19) | (x << 13)) ^ (x >>> 10)) >>> 0;
}

function ch(x: u32, y: u32, z: u32): u32 {
  return ((x & y) ^ (~x & z)) >>> 0;
}

function maj(x: u32, y: u32, z: u32): u32 {
  return ((x & y) ^ (x & z) ^ (y & z)) >>> 0;
}

/** Compresses the full 64-byte BLOCK into H. */
function compress(): void {
  for (let t: u32 = 0; t < 16; t++) {
    const p: u32 = t * 4;
    W[t] = ((BLOCK[p] << 24) | (BLOCK[p + 1] << 16) | (BLOCK[p + 2] << 8) | BLOCK[p + 3]) >>> 0;
  }
  // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16] for t = 16..63, written with t' = t - 16 so that
  // every index is provably within 0..63 (no bounds check in C).
  for (let t: u32 = 0; t < 48; t++) {
    W[t + 16] = (smallSigma1(W[t + 14]) + W[t + 9] + smallSigma0(W[t + 1]) + W[t]) >>> 0;
  }

  let a: u32 = H[0];
  let b: u32 = H[1];
  let c: u32 = H[2];
  let d: u32 = H[3];
  let e: u32 = H[4];
  let f: u32 = H[5];
  let g: u32 = H[6];
  let h: u32 = H[7];
  for (let t: u32 = 0; t < 64; t++) {
    const t1: u32 = (h + bigSigma1(e) + ch(e, f, g) + K[t] + W[t]) >>> 0;
    const t2: u32 = (bigSigma0(a) + maj(a, b, c)) >>> 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) >>> 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) >>> 0;
  }
  H[0] = (H[0] + a) >>> 0;
  H[1] = (H[1] + b) >>> 0;
  H[2] = (H[2] + c) >>> 0;
  H[3] = (H[3] + d) >>> 0;
  H[4] = (H[4] + e) >>> 0;
  H[5] = (H[5] + f) >>> 0;
  H[6] = (H[6] + g) >>> 0;
  H[7] = (H[7] + h) >>> 0;
}

/** Appends one byte to the block, compressing it when it fills. Does not count the length. */
function absorb(byte: u8): void {
  BLOCK[blockLen & 63] = byte; // blockLen is always < 64; the mask proves it (no bounds check in C)
  blockLen = (blockLen + 1) & 63; // 0..63; 0 again exactly when the block has just filled
  if (blockLen === 0) {
    compress();
  }
}

/** Starts a new hash. */
export function sha256Init(): void {
  H[0] = 0x6a09e667;
  H[1] = 0xbb67ae85;
  H[2] = 0x3c6ef372;
  H[3] = 0xa54ff53a;
  H[4] = 0x510e527f;
  H[5] = 0x9b05688c;
  H[6] = 0x1f83d9ab;
  H[7] = 0x5be0cd19;
  blockLen = 0;
  lenLo = 0;
  lenHi = 0;
}

/** Feeds the bytes of `data` into the current hash. */
export function sha256Update(data: Uint8Array): void {
  const n: u32 = data.length;
  lenLo = (lenLo + n) >>> 0;
  if (lenLo < n) {
    lenHi = (lenHi + 1) >>> 0; // carry: the byte count passed a multiple of 2^32
  }
  for (const byte of data) {
    absorb(byte);
  }
}

/**
 * Pads the message, compresses the last block(s) and writes the 32-byte digest into out[0..31]
 * (big-endian words H0..H7). Panics if `out` is shorter than 32 bytes.
 */
export function sha256Final(out: Uint8Array): void {
  if (out.length < 32) {
    panic("sha256Final: out needs 32 bytes");
  }
  // The length in bits, lenHi:lenLo * 8, as a 64-bit big-endian number bitsHi:bitsLo.
  const bitsHi: u32 = ((lenHi << 3) | (lenLo >>> 29)) >>> 0;
  const bitsLo: u32 = (lenLo << 3) >>> 0;
  absorb(0x80);
  while (blockLen !== 56) {
    absorb(0);
  }
  for (let k: u32 = 0; k < 4; k++) {
    absorb((bitsHi >>> (24 - (k << 3))) & 0xff);
  }
  for (let k: u32 = 0; k < 4; k++) {
    absorb((bitsLo >>> (24 - (k << 3))) & 0xff); // the last one fills the block, which is compressed
  }

  // Byte j of the digest is byte (j & 3), most significant first, of word H[j >> 2]. The loop condition
  // proves both indexes in range (j < 32, j < out.length), so C needs no bounds check.
  for (let j: u32 = 0; j < 32 && j < out.length; j++) {
    out[j] = (H[j >>> 2] >>> ((3 - (j & 3)) << 3)) & 0xff;
  }
}

/** The SHA-256 digest of `data` into out[0..31] (out: at least 32 bytes). Resets the module's hash state. */
export function sha256(data: Uint8Array, out: Uint8Array): void {
  sha256Init();
  sha256Update(data);
  sha256Final(out);
}
