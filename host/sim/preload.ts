/**
 * Installing a .tsb image into simulated flash the way the bootloader's native update does — the Node twin
 * of hal-bindings/host/sim_preload.c (the order of the steps and the checks are the same; see there).
 */
import { HEADER_SIZE, ImageFormatError, parseImage } from "../image-format";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import { logWithPrimary } from "../image/status-log";

export class PreloadError extends Error {}

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

/** Checks an image against the board; returns its header bytes and payload, or throws PreloadError. */
export function checkImage(layout: BoardLayout, file: Uint8Array): { headerBytes: Uint8Array; payload: Uint8Array } {
  let parsed: ReturnType<typeof parseImage>;
  try {
    parsed = parseImage(file);
  } catch (e) {
    if (e instanceof ImageFormatError) throw new PreloadError(e.message);
    throw e;
  }
  const { header, headerBytes, payload } = parsed;
  const view = new DataView(headerBytes.buffer, headerBytes.byteOffset, HEADER_SIZE);
  if (view.getUint32(36, true) !== 0) throw new PreloadError("signed images are not supported by this bootloader");
  if (header.boardId !== layout.boardId) throw new PreloadError(`the image is for board id ${hex(header.boardId)}, this board (${layout.name}) is ${hex(layout.boardId)}`);
  if (header.loadAddress !== layout.app.start) throw new PreloadError(`the image loads at ${hex(header.loadAddress)}, the application region starts at ${hex(layout.app.start)}`);
  if (header.payloadSize === 0) throw new PreloadError("the header's payload size is 0");
  if (header.payloadSize > layout.app.size) throw new PreloadError(`the payload (${header.payloadSize} bytes) is larger than the application region (${layout.app.size} bytes)`);
  return { headerBytes, payload };
}

/** Writes the image into `flash` (the whole flash from layout.flashBase), as sim_preload.c does. */
export function installImage(layout: BoardLayout, flash: Uint8Array, file: Uint8Array): void {
  const { headerBytes, payload } = checkImage(layout, file);
  const at = (address: number) => address - layout.flashBase;
  const erased = (address: number, length: number) => flash.subarray(at(address), at(address) + length).every((b) => b === 0xff);
  const erase = (i: number) => flash.fill(0xff, at(layout.sectors[i].start), at(layout.sectors[i].start) + layout.sectors[i].size);
  const program = (address: number, data: Uint8Array) => {
    if (!erased(address, data.length)) throw new PreloadError(`programming ${hex(address)} failed`);
    for (let i = 0; i < data.length; i++) flash[at(address) + i] &= data[i];
  };
  // The whole config region is erased: a fresh status log follows (docs/slots.md).
  const configEnd = layout.config.start + layout.config.size;
  layout.sectors.forEach((s, i) => {
    if (s.start >= layout.config.start && s.start + s.size <= configEnd && !erased(s.start, s.size)) erase(i);
  });
  const appEnd = layout.app.start + layout.app.size;
  const end = layout.app.start + payload.length;
  layout.sectors.forEach((s, i) => {
    const inApp = s.start >= layout.app.start && s.start + s.size <= appEnd;
    if (inApp && s.start < end && !erased(s.start, s.size)) erase(i);
  });
  const unit = layout.writeUnit;
  for (let offset = 0; offset < payload.length; offset += unit) {
    const staged = new Uint8Array(unit).fill(0xff);
    staged.set(payload.subarray(offset, Math.min(offset + unit, payload.length)));
    program(layout.app.start + offset, staged);
  }
  program(layout.config.start, logWithPrimary(headerBytes));
}
