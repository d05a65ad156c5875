/**
 * Signed images (docs/image-format.md): a bootloader built with a public key (`tsboot build --pubkey`)
 * accepts only images whose Ed25519 signature over header ‖ payload verifies with it; one built without a
 * key accepts CRC-checked images. The signature is stored after the payload, so the verification reads
 * everything from flash — after the download, before anything is installed, and at every boot when the
 * board data asks (verifyAtBoot). The anti-rollback counter lives in the status log: an image whose
 * security counter is below it is refused, and a confirmed image's counter raises it, never lowers it.
 */
import { u32 } from "../runtime/index";
import { boardPublicKey, boardVerifyAtBoot } from "../hal-bindings/board";
import { flashTakeEccError, flashView } from "../hal-bindings/flash";
import { watchdogRefresh } from "../hal-bindings/system";
import { HEADER_SIZE, payloadSize, securityCounterOf, SIGNATURE_SIZE, signatureSize } from "./image-header";
import { verifyFinish, verifyStart, verifyUpdate } from "./lib/ed25519";
import { Entry, logAppend, securityCounter } from "./status-log";
import { Status } from "./status";

/** The payload is hashed in chunks this size, with the watchdog refreshed between them (~1.2 ms per KB, bench/crypto-bench.ts). */
const CHUNK = 4096;

/** The bootloader was built with a public key. */
export function signatureRequired(): boolean {
  return boardPublicKey().length === 32;
}

/**
 * Checks the signature of the image `header` describes, whose payload (then signature) starts at `start` in
 * flash. Ok on a bootloader without a key.
 */
export function verifyImageSignature(header: Uint8Array, start: u32): Status {
  if (!signatureRequired()) return Status.Ok;
  if (signatureSize(header) !== SIGNATURE_SIZE) return Status.SignatureRequired;
  const size = payloadSize(header);
  flashTakeEccError();
  verifyStart(boardPublicKey(), flashView(start + size, SIGNATURE_SIZE));
  verifyUpdate(header.subarray(0, HEADER_SIZE));
  // The payload chunk by chunk, counted down in `left`, so that the compiler proves every chunk length and
  // the count (only `address += n` keeps a check, though it stays within start + size, checked above).
  let address = start;
  for (let left = size; left > 0; left = left < CHUNK ? 0 : left - CHUNK) {
    watchdogRefresh();
    const n = left < CHUNK ? left : CHUNK;
    verifyUpdate(flashView(address, n));
    address += n;
  }
  const valid = verifyFinish();
  if (flashTakeEccError()) return Status.BadSignature;
  return valid ? Status.Ok : Status.BadSignature;
}

/** The boot-time check the board data may ask for (verifyAtBoot). */
export function verifyAtBoot(header: Uint8Array, start: u32): boolean {
  return !boardVerifyAtBoot() || verifyImageSignature(header, start) === Status.Ok;
}

/** An image's security counter is at least the device's. */
export function counterAllows(header: Uint8Array): boolean {
  return securityCounterOf(header) >= securityCounter();
}

/** Raises the device's counter to a confirmed image's, never lowering it. */
export function raiseCounter(header: Uint8Array): Status {
  const value = securityCounterOf(header);
  if (value <= securityCounter()) return Status.Ok;
  return logAppend(Entry.Counter, 0, value);
}
