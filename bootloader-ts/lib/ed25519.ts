/**
 * Ed25519 signature verification (RFC 8032 §5.1.7) in the tsboot subset.
 *
 *   ed25519Verify(publicKey, message, signature): boolean      the message in one buffer
 *   verifyStart(publicKey, signature); verifyUpdate(chunk)…; verifyFinish(): boolean
 *                                                              the message in pieces (header ‖ payload in flash)
 *   ed25519PublicKeyIsStrict(publicKey): boolean               for checking a key before building it in
 *
 * publicKey is the 32-byte encoding A, signature the 64 bytes R ‖ S, as Node's crypto and RFC 8032 write them.
 * With k = SHA-512(R ‖ A ‖ message) mod L, the answer is true exactly when S < L, A decodes, and the
 * canonical encoding of [S]B - [k]A is the 32 bytes R: the cofactorless equation, checked on encodings, as
 * OpenSSL and so Node's crypto.verify check it (RFC 8032 §5.1.7 allows it: "sufficient, but not required").
 *
 * The streaming form keeps its state in module-level arrays, and it hashes with lib/sha512.ts's one hash
 * state: between verifyStart and verifyFinish nothing else may use sha512. verifyStart copies the key and
 * the signature, so the caller's buffers may change afterwards.
 *
 * Decisions on the non-canonical and degenerate cases, each tested against Node's crypto.verify
 * (test/lib/ed25519.test.ts), which this code follows everywhere:
 * - S ≥ L: rejected (RFC 8032 and Node). Otherwise S + L would be a second valid signature.
 * - R not canonical (y ≥ p, or x = 0 with the sign bit set): rejected, as in the RFC and Node. R is never
 *   decoded: the canonical encoding of [S]B - [k]A is compared with R's bytes, and a non-canonical R cannot
 *   be equal to a canonical encoding.
 * - R of small order, or with a torsion component: decided by the equation (no special case), as in Node.
 *   Because the check is cofactorless, R = rB + T with T ≠ 0 of small order fails where the RFC's cofactored
 *   equation [8][S]B = [8]R + [8][k]A would pass; Node rejects it as well.
 * - A not canonical (y ≥ p, or x = 0 with the sign bit set): ACCEPTED as the point y mod p (resp. x = 0),
 *   with A's own 32 bytes in the hash. RFC 8032 §5.1.3 says decoding fails; Node (OpenSSL 3.0) decodes them
 *   as described, and we follow Node: the one rule of the tests is "decided as crypto.verify decides".
 *   A public key is chosen by the firmware's owner and built into the bootloader, never taken from the
 *   image, so an attacker cannot present one; a build should refuse such a key with ed25519PublicKeyIsStrict.
 * - A of small order (including the identity) or with a torsion component: accepted and computed exactly,
 *   as in Node. A small-order key is worthless — with A = (0, 1), R = (0, 1) and S = 0 verify any message —
 *   which is also why a key must pass ed25519PublicKeyIsStrict before it is built in.
 * - A that does not decode (no point with that y): rejected (RFC and Node).
 * - A public key that is not 32 bytes or a signature that is not 64: rejected (false), whatever the message.
 *
 * Calling verifyUpdate or verifyFinish without a verifyStart before them is a programming error: panic.
 */
import { u32, panic } from "../../runtime/index";
import { KEY_POINT, RESULT_POINT, pointDecodeNegated, pointEncode, pointMulBaseAndKey, pointNegate } from "./edwards25519";
import { scalarIsBelowL, scalarReduce } from "./scalar25519";
import { sha512Final, sha512Init, sha512Update } from "./sha512";

/** The copies verifyStart takes: A, R ‖ S. */
const PUBLIC_KEY = new Uint8Array(32);
const SIGNATURE = new Uint8Array(64);
/** h = SHA-512(R ‖ A ‖ M), k = h mod L, and the encoding of [S]B - [k]A. */
const HASH = new Uint8Array(64);
const K = new Uint8Array(32);
const ENCODED = new Uint8Array(32);
/** L little-endian, and the scalar 0 (for ed25519PublicKeyIsStrict). */
const GROUP_ORDER = new Uint8Array([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
]);
const SCALAR_ZERO = new Uint8Array(32);
/** The encoding of the identity (0, 1). */
const IDENTITY = new Uint8Array([
  0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
]);

/** Between verifyStart and verifyFinish. */
let started: boolean = false;
/** verifyStart saw a 32-byte key and a 64-byte signature. */
let lengthsValid: boolean = false;

/** The two 32-byte views are equal. */
function equal32(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== 32 || b.length !== 32) {
    return false;
  }
  for (let j: u32 = 0; j < a.length && j < b.length; j++) {
    if (a[j] !== b[j]) {
      return false;
    }
  }
  return true;
}

/** to = from, with the bytes beyond from's end as 0 (and from's beyond to's end left out). */
function copyPadded(to: Uint8Array, from: Uint8Array): void {
  for (let j: u32 = 0; j < to.length; j++) {
    to[j] = j < from.length ? from[j] : 0;
  }
}

/** Starts verifying `signature` (R ‖ S, 64 bytes) by `publicKey` (32 bytes); the message follows in verifyUpdate. */
export function verifyStart(publicKey: Uint8Array, signature: Uint8Array): void {
  lengthsValid = publicKey.length === 32 && signature.length === 64;
  copyPadded(PUBLIC_KEY, publicKey);
  copyPadded(SIGNATURE, signature);
  sha512Init();
  sha512Update(SIGNATURE.subarray(0, 32));
  sha512Update(PUBLIC_KEY);
  started = true;
}

/** Feeds the next piece of the message. */
export function verifyUpdate(chunk: Uint8Array): void {
  if (!started) {
    panic("verifyUpdate before verifyStart");
  }
  sha512Update(chunk);
}

/** True if the signature given to verifyStart is valid for the message fed since. Ends the verification. */
export function verifyFinish(): boolean {
  if (!started) {
    panic("verifyFinish before verifyStart");
  }
  started = false;
  sha512Final(HASH);
  if (!lengthsValid) {
    return false;
  }
  const s = SIGNATURE.subarray(32, 64);
  if (!scalarIsBelowL(s)) {
    return false;
  }
  scalarReduce(K, HASH); // before the point arithmetic: scalar25519 works in field slots that it uses
  if (!pointDecodeNegated(PUBLIC_KEY)) {
    return false;
  }
  pointMulBaseAndKey(s, K); // [S]B + [k](-A)
  pointEncode(ENCODED, RESULT_POINT);
  return equal32(ENCODED, SIGNATURE.subarray(0, 32));
}

/** True if `signature` (64 bytes) is a valid Ed25519 signature of `message` by `publicKey` (32 bytes). */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  verifyStart(publicKey, signature);
  verifyUpdate(message);
  return verifyFinish();
}

/**
 * True if `publicKey` is a key worth building into a bootloader: 32 bytes, the canonical encoding of a curve
 * point (y < p, and not x = 0 with the sign bit set), and of order exactly L ([L]A = (0, 1) and A ≠ (0, 1)).
 * A key made by a key generator always passes. Verification itself accepts more (see above), as Node does.
 */
export function ed25519PublicKeyIsStrict(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32 || equal32(publicKey, IDENTITY)) {
    return false;
  }
  if (!pointDecodeNegated(publicKey)) {
    return false;
  }
  // Canonical: A's own encoding gives the key back (a y ≥ p or a needless sign bit would not come back).
  pointNegate(RESULT_POINT, KEY_POINT);
  pointEncode(ENCODED, RESULT_POINT);
  if (!equal32(ENCODED, publicKey)) {
    return false;
  }
  // [L](-A) is the identity exactly when [L]A is.
  pointMulBaseAndKey(SCALAR_ZERO, GROUP_ORDER);
  pointEncode(ENCODED, RESULT_POINT);
  return equal32(ENCODED, IDENTITY);
}
