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
 * - Arrays hold a word as two elements, high first: word i of K or W is [2i] (high) and [2i + 1] (low); the
 *   working variables and the hash state are pairs in ROUNDS.
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
import { i8, u8, u32, shr64, panic } from "../../runtime/index";
import { feCombine, feCopy, feSet, feWord } from "./field25519";

/**
 * The constants of FIPS 180-4, computed once by computeConstants (as a table they would take 704 bytes of
 * flash), 64-bit words as everywhere here:
 * - words 0..7, H0 (§5.3.5): the first 64 bits of the fractional parts of the square roots of the first 8 primes,
 *   in the order of the hash state in ROUNDS (Hi at stateOffset(i)), so that sha512Init copies them as they are;
 * - words 8..87, K (§4.2.3): the first 64 bits of the fractional parts of the cube roots of the first 80 primes.
 */
const CONSTANTS = new Uint32Array(176);
/** Where K starts in CONSTANTS (K[t] is word 8 + t). */
const K_AT = 16;

/**
 * The numbers of rootOf, in field25519's slots 0..3 (its word arithmetic, feCombine, serves here too): the
 * root y being built, the amount b that the next 1 bit of y would take from the remainder, the remainder, and
 * the remainder minus b being tried. All stay below 2^160, far inside a slot's 256 bits, and are never reduced modulo p. The first
 * sha512Init overwrites these slots, which hold nothing across a hash's start: ed25519.ts's field arithmetic
 * runs only after sha512Final (or without hashing), and each point operation loads what it needs.
 */
const ROOT_Y: u32 = 0;
const ROOT_B: u32 = 1;
const ROOT_REMAINDER: u32 = 2;
const ROOT_TRIAL: u32 = 3;

/**
 * ROOT_Y = ⌊(p·2^(64k))^(1/k)⌋ for a prime p and k = 2 (cube false, p < 64) or 3 (cube true, p < 512):
 * p^(1/k) with the first 64 bits of its fraction, which are ROOT_Y's words 1 (high) and 0 (low).
 *
 * The schoolbook digit-by-digit root in base 2. The number is taken k bits at a time from the top (p as
 * three groups, then 64 groups of zeros); the remainder R is the number taken so far minus y^k. Each step
 * doubles y and multiplies R by 2^k, then adds the next group to R and keeps a 1 bit in y when R covers
 * b = (2y + 1)^k - (2y)^k, which it then gives up. b itself follows y without a product:
 * - square roots: b = 4y + 1, and for y' = 2y + bit, b' = 2b + 4·bit - 1;
 * - cube roots: b = 12y² + 6y + 1, and b' = 4b + (48·bit - 12)·y + 18·bit - 3.
 * Each is a feCombine, x = x + factor·y + c, or two.
 */
function rootOf(p: u32, cube: boolean): void {
  feSet(ROOT_Y, 0);
  feSet(ROOT_B, 1);
  feSet(ROOT_REMAINDER, 0);
  const bits: u32 = cube ? 3 : 2;
  // p's three groups at the top of a word, moved out k bits a step (zeros once they are all out).
  let groups: u32 = (p << (32 - 3 * bits)) >>> 0;
  for (let step: u32 = 0; step < 67; step++) {
    // R = R·2^k + group, then R - b if that is not negative (tried in ROOT_TRIAL): y's next bit is 1.
    feCombine(ROOT_REMAINDER, ROOT_REMAINDER, ROOT_REMAINDER, cube ? 7 : 3, groups >>> (32 - bits));
    groups = (groups << bits) >>> 0;
    let bit: i8 = 0;
    if (feCombine(ROOT_TRIAL, ROOT_REMAINDER, ROOT_B, -1, 0) === 0) {
      feCopy(ROOT_REMAINDER, ROOT_TRIAL);
      bit = 1;
    }
    feCombine(ROOT_B, ROOT_B, ROOT_B, cube ? 3 : 1, cube ? 0 : 4 * bit - 1);
    if (cube) {
      feCombine(ROOT_B, ROOT_B, ROOT_Y, 48 * bit - 12, 18 * bit - 3);
    }
    feCombine(ROOT_Y, ROOT_Y, ROOT_Y, 1, bit);
  }
}

/** Fills CONSTANTS: the 8 square roots, then the 80 cube roots, of the primes from 2 on (trial division). */
function computeConstants(): void {
  let prime: u32 = 1;
  for (let i: u32 = 0; i < 88; i++) {
    if (i === 8) {
      prime = 1; // K starts again from the first prime
    }
    let composite = true;
    while (composite) {
      prime = u32(prime + 1); // below 410: never wraps
      composite = false;
      for (let d: u32 = 2; d < prime; d++) {
        if (prime % d === 0) {
          composite = true;
        }
      }
    }
    rootOf(prime, i >= 8);
    const at = (i < 8 ? stateOffset(i) : 2 * i) & 254; // H0 in the order of the state (see sha512Init)
    CONSTANTS[at] = feWord(ROOT_Y, 1);
    CONSTANTS[at + 1] = feWord(ROOT_Y, 0);
  }
}

/**
 * The message schedule W0..W79 of the block being compressed. W0..W15 are the block itself: absorb shifts
 * each byte into its big-endian place. (A 16-word window would save 512 bytes of RAM but costs a Cortex-M4
 * about 25 more instructions per byte: measured with bench/crypto-bench.ts.)
 */
const W = new Uint32Array(160);
/**
 * The working variables of the 80 rounds and the hash state, as 84 entries of four words: entry j,
 * ROUNDS[4j … 4j + 3], is a pair of 64-bit words (a, e), high words first. b, c, d are the a of one, two,
 * three rounds before, and f, g, h the e, so round t reads entries t + 3 … t ((a, e) … (d, h)) and writes
 * only entry t + 4: no variable is copied to the next one.
 * Entries 3, 2, 1, 0 are the hash state (H0, H4), (H1, H5), (H2, H6), (H3, H7) (see stateOffset); the
 * rounds leave the new a … h in entries 83 … 80, in the same order.
 */
const ROUNDS = new Uint32Array(84 * 4);
/** Where the last round's entries start in ROUNDS: entry 80. */
const LAST_ROUNDS_AT = 320;
/** How many bytes of the block (W0..W15) are filled, 0..127 (a full block is compressed at once). */
let blockLen: u32 = 0;
/** The message length so far in bytes: lenHi * 2^32 + lenLo. */
let lenLo: u32 = 0;
let lenHi: u32 = 0;

/**
 * Where hash word Hi (i = 0..7) is in the state: its high word is ROUNDS[stateOffset(i)], in entry 3 - i
 * (i < 4) or 7 - i. The callers mask the result with 14, which changes nothing but proves their indexes.
 */
function stateOffset(i: u32): u32 {
  return (3 - (i & 3)) * 4 + ((i >>> 2) & 1) * 2;
}

// The four functions Σ0, Σ1, σ0, σ1 of FIPS 180-4 §4.1.3, each as its high and its low word. A rotation by
// n < 32 gives the high word (hi >>> n) | (lo << (32 - n)) (n ≥ 32 swaps the halves first); its two parts
// have no bit in common, so | is ^ there, and each function is one XOR of shifted words, which a Cortex-M4
// computes with one EOR (shifted operand) each.
// Σ0(x) = ROTR28(x) ^ ROTR34(x) ^ ROTR39(x)
function bigSigma0Hi(hi: u32, lo: u32): u32 {
  return ((hi >>> 28) ^ (hi << 30) ^ (hi << 25) ^ (lo << 4) ^ (lo >>> 2) ^ (lo >>> 7)) >>> 0;
}
function bigSigma0Lo(hi: u32, lo: u32): u32 {
  return ((lo >>> 28) ^ (lo << 30) ^ (lo << 25) ^ (hi << 4) ^ (hi >>> 2) ^ (hi >>> 7)) >>> 0;
}
// Σ1(x) = ROTR14(x) ^ ROTR18(x) ^ ROTR41(x)
function bigSigma1Hi(hi: u32, lo: u32): u32 {
  return ((hi >>> 14) ^ (hi >>> 18) ^ (hi << 23) ^ (lo << 18) ^ (lo << 14) ^ (lo >>> 9)) >>> 0;
}
function bigSigma1Lo(hi: u32, lo: u32): u32 {
  return ((lo >>> 14) ^ (lo >>> 18) ^ (lo << 23) ^ (hi << 18) ^ (hi << 14) ^ (hi >>> 9)) >>> 0;
}
// σ0(x) = ROTR1(x) ^ ROTR8(x) ^ SHR7(x)
function smallSigma0Hi(hi: u32, lo: u32): u32 {
  return ((hi >>> 1) ^ (hi >>> 8) ^ (hi >>> 7) ^ (lo << 31) ^ (lo << 24)) >>> 0;
}
function smallSigma0Lo(hi: u32, lo: u32): u32 {
  return ((lo >>> 1) ^ (lo >>> 8) ^ (lo >>> 7) ^ (hi << 31) ^ (hi << 24) ^ (hi << 25)) >>> 0;
}
// σ1(x) = ROTR19(x) ^ ROTR61(x) ^ SHR6(x)
function smallSigma1Hi(hi: u32, lo: u32): u32 {
  return ((hi >>> 19) ^ (hi << 3) ^ (hi >>> 6) ^ (lo << 13) ^ (lo >>> 29)) >>> 0;
}
function smallSigma1Lo(hi: u32, lo: u32): u32 {
  return ((lo >>> 19) ^ (lo << 3) ^ (lo >>> 6) ^ (hi << 13) ^ (hi >>> 29) ^ (hi << 26)) >>> 0;
}

/** Ch and Maj act bit by bit: the same function serves the high and the low word. */
function ch(x: u32, y: u32, z: u32): u32 {
  return ((x & y) ^ (~x & z)) >>> 0;
}
function maj(x: u32, y: u32, z: u32): u32 {
  return ((x & y) ^ (x & z) ^ (y & z)) >>> 0;
}

/** Compresses the full block, W0..W15, into the hash state. */
function compress(): void {
  for (let t: u32 = 0; t < 80; t++) {
    if (t >= 16) {
      // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]
      const w2 = (t - 2) * 2;
      const w7 = (t - 7) * 2;
      const w15 = (t - 15) * 2;
      const w16 = (t - 16) * 2;
      const lo = smallSigma1Lo(W[w2], W[w2 + 1]) + W[w7 + 1] + smallSigma0Lo(W[w15], W[w15 + 1]) + W[w16 + 1];
      const carry = shr64(lo, 32);
      W[t * 2] = u32(smallSigma1Hi(W[w2], W[w2 + 1]) + W[w7] + smallSigma0Hi(W[w15], W[w15 + 1]) + W[w16] + carry);
      W[t * 2 + 1] = lo >>> 0;
    }
    // Round t reads entries t + 3 (a, e), t + 2 (b, f), t + 1 (c, g), t (d, h) and writes entry t + 4.
    const r = t * 4;
    const aHi = ROUNDS[r + 12];
    const aLo = ROUNDS[r + 13];
    const eHi = ROUNDS[r + 14];
    const eLo = ROUNDS[r + 15];
    const k = t * 2;
    // T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t];  T2 = Σ0(a) + Maj(a, b, c)
    const t1Sum = ROUNDS[r + 3] + bigSigma1Lo(eHi, eLo) + ch(eLo, ROUNDS[r + 11], ROUNDS[r + 7]) + CONSTANTS[K_AT + k + 1] + W[k + 1];
    const t1Carry = shr64(t1Sum, 32);
    const t1Hi = u32(ROUNDS[r + 2] + bigSigma1Hi(eHi, eLo) + ch(eHi, ROUNDS[r + 10], ROUNDS[r + 6]) + CONSTANTS[K_AT + k] + W[k] + t1Carry);
    const t1Lo = t1Sum >>> 0;
    const aSum = t1Lo + bigSigma0Lo(aHi, aLo) + maj(aLo, ROUNDS[r + 9], ROUNDS[r + 5]); // a = T1 + T2
    ROUNDS[r + 16] = u32(t1Hi + bigSigma0Hi(aHi, aLo) + maj(aHi, ROUNDS[r + 8], ROUNDS[r + 4]) + shr64(aSum, 32));
    ROUNDS[r + 17] = aSum >>> 0;
    const eSum = ROUNDS[r + 1] + t1Lo; // e = d + T1
    ROUNDS[r + 18] = u32(ROUNDS[r] + t1Hi + shr64(eSum, 32));
    ROUNDS[r + 19] = eSum >>> 0;
  }
  // Each 64-bit word of the state plus its new value in entries 80..83.
  for (let i: u32 = 0; i < 8; i++) {
    const at = i * 2;
    const sumLo = ROUNDS[at + 1] + ROUNDS[LAST_ROUNDS_AT + at + 1];
    ROUNDS[at + 1] = sumLo >>> 0;
    ROUNDS[at] = u32(ROUNDS[at] + ROUNDS[LAST_ROUNDS_AT + at] + shr64(sumLo, 32));
  }
}

/** Appends one byte to the block, compressing it when it fills. Does not count the length. */
function absorb(byte: u8): void {
  const at = blockLen & 127; // blockLen is always < 128; the mask proves it (no bounds check in C)
  // Shifted into its u32 word from the right: after the word's four bytes, nothing of the word before is left.
  W[at >>> 2] = ((W[at >>> 2] << 8) | byte) >>> 0;
  blockLen = (at + 1) & 127; // 0 again exactly when the block has just filled
  if (blockLen === 0) {
    compress();
  }
}

/** Starts a new hash. */
export function sha512Init(): void {
  if (CONSTANTS[K_AT] === 0) {
    computeConstants(); // the first time: K0's high word is 0x428a2f98 once filled
  }
  for (let i: u32 = 0; i < 16; i++) {
    ROUNDS[i] = CONSTANTS[i];
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
  // The last 16 bytes, W14 and W15: the length in bits as a 128-bit big-endian number ((lenHi:lenLo)·8 has
  // at most 67 bits). They complete the block.
  W[28] = 0;
  W[29] = lenHi >>> 29;
  W[30] = ((lenHi << 3) | (lenLo >>> 29)) >>> 0;
  W[31] = (lenLo << 3) >>> 0;
  compress();

  // Byte j of the digest is byte (j & 3), most significant first, of the u32 j >> 2 of H0..H7: the high
  // (j & 4 = 0) or the low word of H(j >> 3). j < 64 and j < out.length prove both indexes.
  for (let j: u32 = 0; j < 64 && j < out.length; j++) {
    const word = ROUNDS[(stateOffset(j >>> 3) & 14) + ((j >>> 2) & 1)];
    out[j] = (word >>> ((3 - (j & 3)) << 3)) & 0xff;
  }
}

/** The SHA-512 digest of `data` into out[0..63] (out: at least 64 bytes). Resets the module's hash state. */
export function sha512(data: Uint8Array, out: Uint8Array): void {
  sha512Init();
  sha512Update(data);
  sha512Final(out);
}
