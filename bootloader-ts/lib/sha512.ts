/**
 * SHA-512 (FIPS 180-4) in the tsboot subset: the hash inside Ed25519 (lib/ed25519.ts hashes R ‖ A ‖ message).
 *
 * One hash at a time, held in module-level state, with the same shape as sha256.ts:
 *   sha512Init();
 *   sha512Update(chunk1);            // any number of chunks, of any length (0 too)
 *   sha512Final(digest);             // digest: a Uint8Array of at least 64 bytes; writes bytes 0..63
 * or sha512(data, digest) for a single buffer. Call sha512Init() again before the next hash.
 *
 * 64-bit words as pairs of u32 (high word, low word), because that is what a Cortex-M4 computes with:
 * - Arrays hold a word as two elements, high first: word i of K, H or W is [2i] (high) and [2i + 1] (low).
 *   Working variables are two locals each (aHi, aLo, …).
 * - XOR, AND, NOT and shifts act on each half; a rotation by n moves bits across the halves with constant
 *   shift counts (n ≥ 32 swaps the halves first).
 * - An addition mod 2^64 adds the low words exactly (a sum of up to five u32 is below 2^35: exact in Node,
 *   int64_t in C, where GCC turns it into ADDS/ADC), keeps its low 32 bits (`>>> 0`) and adds its carry,
 *   `shr64(sum, 32)`, into the sum of the high words, which wraps mod 2^32 (`u32(...)`).
 * The i64 type's checked arithmetic is not used: every sum here is below 2^53 by its operands' ranges, so the
 * compiler proves each one and emits no run-time check.
 *
 * Length limit: the message length is counted in bytes as two u32 words, so at most 2^64 - 1 bytes; the
 * 128-bit length field of the padding holds it times 8.
 */
import { u8, u32, shr64, panic } from "../../runtime/index";

/** Round constants: the first 64 bits of the fractional parts of the cube roots of the first 80 primes. */
const K = new Uint32Array([
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc,
  0x3956c25b, 0xf348b538, 0x59f111f1, 0xb605d019, 0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118,
  0xd807aa98, 0xa3030242, 0x12835b01, 0x45706fbe, 0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2,
  0x72be5d74, 0xf27b896f, 0x80deb1fe, 0x3b1696b1, 0x9bdc06a7, 0x25c71235, 0xc19bf174, 0xcf692694,
  0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3, 0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65,
  0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc, 0xbd41fbd4, 0x76f988da, 0x831153b5,
  0x983e5152, 0xee66dfab, 0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f, 0xbf597fc7, 0xbeef0ee4,
  0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725, 0x06ca6351, 0xe003826f, 0x14292967, 0x0a0e6e70,
  0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed, 0x53380d13, 0x9d95b3df,
  0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b,
  0xa2bfe8a1, 0x4cf10364, 0xa81a664b, 0xbc423001, 0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30,
  0xd192e819, 0xd6ef5218, 0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8,
  0x19a4c116, 0xb8d2d0c8, 0x1e376c08, 0x5141ab53, 0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8,
  0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb, 0x5b9cca4f, 0x7763e373, 0x682e6ff3, 0xd6b2b8a3,
  0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814, 0xa1f0ab72, 0x8cc70208, 0x1a6439ec,
  0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915, 0xc67178f2, 0xe372532b,
  0xca273ece, 0xea26619c, 0xd186b8c7, 0x21c0c207, 0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f, 0xee6ed178,
  0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6, 0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b,
  0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc, 0x431d67c4, 0x9c100d4c,
  0x4cc5d4be, 0xcb3e42b6, 0x597f299c, 0xfc657e2a, 0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
]);

/** The initial hash value: the first 64 bits of the fractional parts of the square roots of the first 8 primes. */
const H0 = new Uint32Array([
  0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1,
  0x510e527f, 0xade682d1, 0x9b05688c, 0x2b3e6c1f, 0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179,
]);

/** The hash state H0..H7. */
const H = new Uint32Array(16);
/** The current block: its first blockLen bytes are filled. */
const BLOCK = new Uint8Array(128);
/**
 * The message schedule W0..W79 of the block being compressed. (A 16-word window would save 512 bytes of RAM
 * but costs a Cortex-M4 about 25 more instructions per byte: measured with bench/crypto-bench.ts.)
 */
const W = new Uint32Array(160);
/** How many bytes of BLOCK are filled, 0..127 (a full block is compressed at once). */
let blockLen: u32 = 0;
/** The message length so far in bytes: lenHi * 2^32 + lenLo. */
let lenLo: u32 = 0;
let lenHi: u32 = 0;

// The four functions Σ0, Σ1, σ0, σ1 of FIPS 180-4 §4.1.3, each as its high and its low word.
// Σ0(x) = ROTR28(x) ^ ROTR34(x) ^ ROTR39(x)
function bigSigma0Hi(hi: u32, lo: u32): u32 {
  return (((hi >>> 28) | (lo << 4)) ^ ((lo >>> 2) | (hi << 30)) ^ ((lo >>> 7) | (hi << 25))) >>> 0;
}
function bigSigma0Lo(hi: u32, lo: u32): u32 {
  return (((lo >>> 28) | (hi << 4)) ^ ((hi >>> 2) | (lo << 30)) ^ ((hi >>> 7) | (lo << 25))) >>> 0;
}
// Σ1(x) = ROTR14(x) ^ ROTR18(x) ^ ROTR41(x)
function bigSigma1Hi(hi: u32, lo: u32): u32 {
  return (((hi >>> 14) | (lo << 18)) ^ ((hi >>> 18) | (lo << 14)) ^ ((lo >>> 9) | (hi << 23))) >>> 0;
}
function bigSigma1Lo(hi: u32, lo: u32): u32 {
  return (((lo >>> 14) | (hi << 18)) ^ ((lo >>> 18) | (hi << 14)) ^ ((hi >>> 9) | (lo << 23))) >>> 0;
}
// σ0(x) = ROTR1(x) ^ ROTR8(x) ^ SHR7(x)
function smallSigma0Hi(hi: u32, lo: u32): u32 {
  return (((hi >>> 1) | (lo << 31)) ^ ((hi >>> 8) | (lo << 24)) ^ (hi >>> 7)) >>> 0;
}
function smallSigma0Lo(hi: u32, lo: u32): u32 {
  return (((lo >>> 1) | (hi << 31)) ^ ((lo >>> 8) | (hi << 24)) ^ ((lo >>> 7) | (hi << 25))) >>> 0;
}
// σ1(x) = ROTR19(x) ^ ROTR61(x) ^ SHR6(x)
function smallSigma1Hi(hi: u32, lo: u32): u32 {
  return (((hi >>> 19) | (lo << 13)) ^ ((lo >>> 29) | (hi << 3)) ^ (hi >>> 6)) >>> 0;
}
function smallSigma1Lo(hi: u32, lo: u32): u32 {
  return (((lo >>> 19) | (hi << 13)) ^ ((hi >>> 29) | (lo << 3)) ^ ((lo >>> 6) | (hi << 26))) >>> 0;
}

/** Ch and Maj act bit by bit: the same function serves the high and the low word. */
function ch(x: u32, y: u32, z: u32): u32 {
  return ((x & y) ^ (~x & z)) >>> 0;
}
function maj(x: u32, y: u32, z: u32): u32 {
  return ((x & y) ^ (x & z) ^ (y & z)) >>> 0;
}

/** The big-endian u32 at BLOCK[p..p+3] (p + 3 ≤ 127 by the mask, so C needs no bounds check). */
function blockWord(p: u32): u32 {
  const at = p & 124;
  return ((BLOCK[at] << 24) | (BLOCK[at + 1] << 16) | (BLOCK[at + 2] << 8) | BLOCK[at + 3]) >>> 0;
}

/** H[i] += (hi, lo) mod 2^64, for word i = 0..7. */
function addToState(i: u32, hi: u32, lo: u32): void {
  const at = (i & 7) * 2;
  const sumLo = H[at + 1] + lo;
  const carry = shr64(sumLo, 32);
  H[at + 1] = sumLo >>> 0;
  H[at] = u32(H[at] + hi + carry);
}

/** Compresses the full 128-byte BLOCK into H. */
function compress(): void {
  for (let t: u32 = 0; t < 32; t++) {
    W[t] = blockWord(t * 4);
  }
  // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16] for t = 16..79, written with t' = t - 16 so that
  // every index is provably within 0..159 (no bounds check in C).
  for (let t: u32 = 0; t < 64; t++) {
    const w2 = (t + 14) * 2;
    const w7 = (t + 9) * 2;
    const w15 = (t + 1) * 2;
    const w16 = t * 2;
    const lo = smallSigma1Lo(W[w2], W[w2 + 1]) + W[w7 + 1] + smallSigma0Lo(W[w15], W[w15 + 1]) + W[w16 + 1];
    const carry = shr64(lo, 32);
    const hi = u32(smallSigma1Hi(W[w2], W[w2 + 1]) + W[w7] + smallSigma0Hi(W[w15], W[w15 + 1]) + W[w16] + carry);
    W[(t + 16) * 2] = hi;
    W[(t + 16) * 2 + 1] = lo >>> 0;
  }

  let aHi: u32 = H[0];
  let aLo: u32 = H[1];
  let bHi: u32 = H[2];
  let bLo: u32 = H[3];
  let cHi: u32 = H[4];
  let cLo: u32 = H[5];
  let dHi: u32 = H[6];
  let dLo: u32 = H[7];
  let eHi: u32 = H[8];
  let eLo: u32 = H[9];
  let fHi: u32 = H[10];
  let fLo: u32 = H[11];
  let gHi: u32 = H[12];
  let gLo: u32 = H[13];
  let hHi: u32 = H[14];
  let hLo: u32 = H[15];
  for (let t: u32 = 0; t < 80; t++) {
    const k = t * 2;
    // T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t];  T2 = Σ0(a) + Maj(a, b, c)
    const t1Sum = hLo + bigSigma1Lo(eHi, eLo) + ch(eLo, fLo, gLo) + K[k + 1] + W[k + 1];
    const t1Carry = shr64(t1Sum, 32);
    const t1Hi = u32(hHi + bigSigma1Hi(eHi, eLo) + ch(eHi, fHi, gHi) + K[k] + W[k] + t1Carry);
    const t1Lo = t1Sum >>> 0;
    const t2Sum = bigSigma0Lo(aHi, aLo) + maj(aLo, bLo, cLo);
    const t2Hi = u32(bigSigma0Hi(aHi, aLo) + maj(aHi, bHi, cHi) + shr64(t2Sum, 32));
    const t2Lo = t2Sum >>> 0;
    hHi = gHi;
    hLo = gLo;
    gHi = fHi;
    gLo = fLo;
    fHi = eHi;
    fLo = eLo;
    const eSum = dLo + t1Lo; // e = d + T1
    eHi = u32(dHi + t1Hi + shr64(eSum, 32));
    eLo = eSum >>> 0;
    dHi = cHi;
    dLo = cLo;
    cHi = bHi;
    cLo = bLo;
    bHi = aHi;
    bLo = aLo;
    const aSum = t1Lo + t2Lo; // a = T1 + T2
    aHi = u32(t1Hi + t2Hi + shr64(aSum, 32));
    aLo = aSum >>> 0;
  }
  addToState(0, aHi, aLo);
  addToState(1, bHi, bLo);
  addToState(2, cHi, cLo);
  addToState(3, dHi, dLo);
  addToState(4, eHi, eLo);
  addToState(5, fHi, fLo);
  addToState(6, gHi, gLo);
  addToState(7, hHi, hLo);
}

/** Appends one byte to the block, compressing it when it fills. Does not count the length. */
function absorb(byte: u8): void {
  BLOCK[blockLen & 127] = byte; // blockLen is always < 128; the mask proves it (no bounds check in C)
  blockLen = (blockLen + 1) & 127; // 0 again exactly when the block has just filled
  if (blockLen === 0) {
    compress();
  }
}

/** Appends a u32 big-endian. */
function absorbWord(word: u32): void {
  absorb(word >>> 24);
  absorb((word >>> 16) & 0xff);
  absorb((word >>> 8) & 0xff);
  absorb(word & 0xff);
}

/** Starts a new hash. */
export function sha512Init(): void {
  for (let i: u32 = 0; i < 16; i++) {
    H[i] = H0[i];
  }
  blockLen = 0;
  lenLo = 0;
  lenHi = 0;
}

/** Feeds the bytes of `data` into the current hash. */
export function sha512Update(data: Uint8Array): void {
  const n: u32 = data.length;
  lenLo = (lenLo + n) >>> 0;
  if (lenLo < n) {
    lenHi = (lenHi + 1) >>> 0; // carry: the byte count passed a multiple of 2^32
  }
  // A call per byte: inlining absorb() here saves about 7 Cortex-M4 instructions per byte (6 %) for 44 bytes
  // of flash, which the bootloader needs more (measured with bench/crypto-bench.ts).
  for (const byte of data) {
    absorb(byte);
  }
}

/**
 * Pads the message, compresses the last block(s) and writes the 64-byte digest into out[0..63]
 * (big-endian words H0..H7). Panics if `out` is shorter than 64 bytes.
 */
export function sha512Final(out: Uint8Array): void {
  if (out.length < 64) {
    panic("sha512Final: out needs 64 bytes");
  }
  absorb(0x80);
  while (blockLen !== 112) {
    absorb(0);
  }
  // The length in bits as a 128-bit big-endian number: (lenHi:lenLo) * 8 has at most 67 bits.
  absorbWord(0);
  absorbWord(lenHi >>> 29);
  absorbWord(((lenHi << 3) | (lenLo >>> 29)) >>> 0);
  absorbWord((lenLo << 3) >>> 0); // the last byte fills the block, which is compressed

  // Byte j of the digest is byte (j & 3), most significant first, of H[j >> 2] (the words are stored high
  // first, so H in order is the big-endian digest). j < 64 and j < out.length prove both indexes.
  for (let j: u32 = 0; j < 64 && j < out.length; j++) {
    out[j] = (H[j >>> 2] >>> ((3 - (j & 3)) << 3)) & 0xff;
  }
}

/** The SHA-512 digest of `data` into out[0..63] (out: at least 64 bytes). Resets the module's hash state. */
export function sha512(data: Uint8Array, out: Uint8Array): void {
  sha512Init();
  sha512Update(data);
  sha512Final(out);
}
