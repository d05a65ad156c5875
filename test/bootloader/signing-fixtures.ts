/**
 * Keys, signed images and tampered copies for the signed-image tests: the host's own image builder signs
 * (host/image-format.ts), and a tamperer that fixes every CRC after its change, as an attacker would, so
 * that the signature is the only thing left to catch it.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { crc32 } from "node:zlib";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import { buildImage, encodeVersion, HEADER_SIZE } from "../../host/image-format";
import { Command, EVENT_PROGRESS, REPLY_BIT, STATUS_NAMES } from "../../host/frames";
import { decodeInfo } from "../../host/flasher/flasher";
import { makeApplication, repliesIn } from "./fixtures";

export interface KeyPair {
  privateKey: KeyObject;
  /** The 32 raw bytes `tsboot build --pubkey` builds in. */
  raw: Uint8Array;
}

export function newKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const x = (publicKey.export({ format: "jwk" }) as { x: string }).x;
  return { privateKey, raw: new Uint8Array(Buffer.from(x, "base64url")) };
}

/** `board` as a bootloader built with `key` (and verifyAtBoot when asked). */
export function keyed(board: BoardLayout, key: KeyPair, verifyAtBoot = false): BoardLayout {
  return { ...board, publicKey: key.raw, verifyAtBoot };
}

export interface SignedOptions {
  version?: string;
  counter?: number;
  /** null: an unsigned image. */
  key: KeyPair | null;
}

export function signedImage(board: BoardLayout, payload: Uint8Array, o: SignedOptions): Uint8Array {
  return buildImage(payload, {
    appVersion: encodeVersion(o.version ?? "1.0.0"),
    boardId: board.boardId,
    loadAddress: board.app.start,
    securityCounter: o.counter ?? 0,
    ...(o.key ? { key: o.key.privateKey } : {}),
  });
}

/** A test application of `size` bytes (its first 64 bytes identify it after a boot). */
export const application = (board: BoardLayout, size: number, seed: number) => makeApplication(board, size, seed);

function fixHeaderCrc(image: Uint8Array): void {
  new DataView(image.buffer, image.byteOffset).setUint32(60, crc32(image.subarray(0, 60)) >>> 0, true);
}

/** The image with one bit of its payload flipped, the payload CRC and the header CRC made to match. */
export function payloadBitFlipped(image: Uint8Array, at: number): Uint8Array {
  const copy = image.slice();
  const view = new DataView(copy.buffer);
  const size = view.getUint32(8, true);
  copy[HEADER_SIZE + at] ^= 0x01;
  view.setUint32(16, crc32(copy.subarray(HEADER_SIZE, HEADER_SIZE + size)) >>> 0, true);
  fixHeaderCrc(copy);
  return copy;
}

/** The image with one bit of a header field flipped (offset `at`, say the version), the header CRC made to match. */
export function headerBitFlipped(image: Uint8Array, at: number, bit = 0): Uint8Array {
  const copy = image.slice();
  copy[at] ^= 1 << bit;
  fixHeaderCrc(copy);
  return copy;
}

/** The image with one bit of its signature flipped (nothing else covers those bytes). */
export function signatureBitFlipped(image: Uint8Array, at: number): Uint8Array {
  const copy = image.slice();
  copy[copy.length - 64 + at] ^= 0x80;
  return copy;
}

/** Final replies (progress events left out) of `command` in a transcript, as status names. */
export function statusesOf(tx: Uint8Array, command: number): string[] {
  return repliesIn(tx)
    .filter((f) => f.command !== EVENT_PROGRESS && f.command === (command | REPLY_BIT))
    .map((f) => STATUS_NAMES[f.payload[0]]);
}

/** The last INFO reply in a transcript, decoded as the flasher decodes it. */
export function lastInfo(tx: Uint8Array): ReturnType<typeof decodeInfo> {
  const r = repliesIn(tx).filter((f) => f.command === (Command.Info | REPLY_BIT)).pop();
  if (!r) throw new Error("no INFO reply in the transcript");
  return decodeInfo(r.payload.subarray(1));
}
