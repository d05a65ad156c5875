/**
 * The tsboot image header (docs/image-format.md), host side: build and parse the 64-byte header that
 * precedes the payload in a .tsb file, and the Ed25519 signature that may follow the payload.
 * bootloader-ts/image-header.ts is the device side of the same table.
 */
import { sign, type KeyObject } from "node:crypto";
import { crc32 } from "node:zlib";

export const HEADER_SIZE = 64;
export const HEADER_MAGIC = 0x31425354; // "TSB1"
export const HEADER_VERSION = 1;
export const FLAG_ADOPTED = 1;
/** An Ed25519 signature (RFC 8032) over header ‖ payload follows the payload. */
export const SIGNATURE_SIZE = 64;

export interface ImageHeader {
  payloadSize: number;
  loadAddress: number;
  payloadCrc: number;
  /** major << 24 | minor << 16 | patch */
  appVersion: number;
  boardId: number;
  flags: number;
  /** Anti-rollback: a device refuses an image whose counter is lower than its own (0: none). */
  securityCounter?: number;
  /** Bytes of signature after the payload: 0 or SIGNATURE_SIZE. */
  signatureSize?: number;
}

export function encodeVersion(text: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!m) throw new Error(`version '${text}' is not MAJOR.MINOR.PATCH`);
  const [major, minor, patch] = m.slice(1).map(Number);
  if (major > 255 || minor > 255 || patch > 65535) throw new Error(`version '${text}' is out of range (major and minor up to 255, patch up to 65535)`);
  return ((major << 24) | (minor << 16) | patch) >>> 0;
}

export function decodeVersion(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${value & 0xffff}`;
}

export function buildHeader(h: ImageHeader): Uint8Array {
  const out = Buffer.alloc(HEADER_SIZE);
  out.writeUInt32LE(HEADER_MAGIC, 0);
  out.writeUInt16LE(HEADER_VERSION, 4);
  out.writeUInt16LE(HEADER_SIZE, 6);
  out.writeUInt32LE(h.payloadSize >>> 0, 8);
  out.writeUInt32LE(h.loadAddress >>> 0, 12);
  out.writeUInt32LE(h.payloadCrc >>> 0, 16);
  out.writeUInt32LE(h.appVersion >>> 0, 20);
  out.writeUInt32LE(h.boardId >>> 0, 24);
  out.writeUInt32LE(h.flags >>> 0, 28);
  out.writeUInt32LE((h.securityCounter ?? 0) >>> 0, 32);
  out.writeUInt32LE((h.signatureSize ?? 0) >>> 0, 36);
  out.writeUInt32LE(crc32(out.subarray(0, 60)) >>> 0, 60);
  return new Uint8Array(out);
}

/**
 * Header + payload (+ the signature, when a private key is given): the content of a .tsb file. The
 * signature covers the header — its version, its security counter and its signature size included — and
 * the payload: Ed25519 over header ‖ payload (docs/image-format.md).
 */
export function buildImage(
  payload: Uint8Array,
  fields: Omit<ImageHeader, "payloadSize" | "payloadCrc" | "flags" | "signatureSize"> & { flags?: number; key?: KeyObject },
): Uint8Array {
  const { key, ...rest } = fields;
  const header = buildHeader({ ...rest, flags: fields.flags ?? 0, payloadSize: payload.length, payloadCrc: crc32(payload) >>> 0, signatureSize: key ? SIGNATURE_SIZE : 0 });
  const signature = key ? new Uint8Array(sign(null, Buffer.concat([header, payload]), key)) : new Uint8Array(0);
  const out = new Uint8Array(HEADER_SIZE + payload.length + signature.length);
  out.set(header, 0);
  out.set(payload, HEADER_SIZE);
  out.set(signature, HEADER_SIZE + payload.length);
  return out;
}

export class ImageFormatError extends Error {}

export interface ParsedImage {
  header: ImageHeader;
  headerBytes: Uint8Array;
  payload: Uint8Array;
  /** The signature after the payload (empty for an unsigned image). */
  signature: Uint8Array;
  /** What a transfer writes after the header: payload ‖ signature. */
  body: Uint8Array;
}

/** Parses and checks a .tsb file's header (magic, version, size, header CRC, payload length and CRC, signature size). */
export function parseImage(file: Uint8Array): ParsedImage {
  if (file.length < HEADER_SIZE) throw new ImageFormatError(`the file is ${file.length} bytes, shorter than the ${HEADER_SIZE}-byte header`);
  const b = Buffer.from(file.buffer, file.byteOffset, file.length);
  if (b.readUInt32LE(0) !== HEADER_MAGIC) throw new ImageFormatError("not a tsboot image: bad magic (expected 'TSB1')");
  if (b.readUInt16LE(4) !== HEADER_VERSION) throw new ImageFormatError(`header version ${b.readUInt16LE(4)} is not supported (this tool knows ${HEADER_VERSION})`);
  if (b.readUInt16LE(6) !== HEADER_SIZE) throw new ImageFormatError(`header size ${b.readUInt16LE(6)} is not ${HEADER_SIZE}`);
  if ((crc32(b.subarray(0, 60)) >>> 0) !== b.readUInt32LE(60)) throw new ImageFormatError("the header is corrupted (header CRC mismatch)");
  const header: ImageHeader = {
    payloadSize: b.readUInt32LE(8),
    loadAddress: b.readUInt32LE(12),
    payloadCrc: b.readUInt32LE(16),
    appVersion: b.readUInt32LE(20),
    boardId: b.readUInt32LE(24),
    flags: b.readUInt32LE(28),
    securityCounter: b.readUInt32LE(32),
    signatureSize: b.readUInt32LE(36),
  };
  const signatureSize = header.signatureSize ?? 0;
  if (signatureSize !== 0 && signatureSize !== SIGNATURE_SIZE) {
    throw new ImageFormatError(`signature size ${signatureSize} is not supported (0, or ${SIGNATURE_SIZE} for Ed25519)`);
  }
  const body = file.subarray(HEADER_SIZE);
  if (body.length !== header.payloadSize + signatureSize) {
    const what = signatureSize ? ` plus a ${signatureSize}-byte signature` : "";
    throw new ImageFormatError(`the file holds ${body.length} bytes after the header, the header says ${header.payloadSize}${what} (truncated or padded file)`);
  }
  const payload = body.subarray(0, header.payloadSize);
  if ((crc32(payload) >>> 0) !== header.payloadCrc) throw new ImageFormatError("the payload is corrupted (CRC mismatch)");
  return { header, headerBytes: file.subarray(0, HEADER_SIZE), payload, signature: body.subarray(header.payloadSize), body };
}
