/**
 * Production-line operations built from the device's own commands:
 *
 * - erase: BEGIN for an image as large as the application region (its header only, with a vector table the
 *   device accepts), so the device invalidates the installed image and erases the whole region, then ABORT.
 *   The device is left in update mode with no application. (On a board with two slots BEGIN writes the
 *   secondary slot, so this erases that one: docs/slots.md.)
 * - verify: READ the installed payload back and compare its CRC-32 (and its bytes) with an image file, and
 *   INFO's version and validity with the file's header.
 */
import { crc32 } from "node:zlib";
import { loadBoard, listBoards } from "../../boards/index";
import { buildHeader, decodeVersion, ImageFormatError, parseImage } from "../image-format";
import { FlasherError } from "./errors";
import { hex32, type DeviceInfo, type Flasher } from "./flasher";

/** An initial SP the device accepts: the top of the board's RAM, from its board file or the installed image. */
async function plausibleStackPointer(f: Flasher, info: DeviceInfo): Promise<number> {
  for (const name of listBoards()) {
    try {
      const b = loadBoard(name);
      if (b.boardId === info.boardId) return b.ram.base + b.ram.size;
    } catch {
      // a board file being edited
    }
  }
  const vectors = await f.read(info.appStart, 8);
  const sp = new DataView(vectors.buffer, vectors.byteOffset).getUint32(0, true);
  if (sp >= 0x10000000 && sp < 0x40000000 && sp % 4 === 0) return sp;
  throw new FlasherError(
    "refused",
    `cannot erase: the device (board id ${hex32(info.boardId)}) is not one of tsboot's boards and holds no application whose stack pointer would show where its RAM is`,
  );
}

export interface EraseResult {
  /** Erase units (sectors or pages) the device reported. */
  units: number;
  device: DeviceInfo;
}

export async function eraseApplication(f: Flasher, onErase?: (done: number, total: number) => void): Promise<EraseResult> {
  const info = await f.info();
  const sp = await plausibleStackPointer(f, info);
  const vectors = new Uint8Array(8);
  const v = new DataView(vectors.buffer);
  v.setUint32(0, sp >>> 0, true);
  v.setUint32(4, (info.appStart + 0x101) >>> 0, true);
  // The header of an image that fills the region: BEGIN erases every unit the payload would cover.
  const header = buildHeader({ payloadSize: info.appSize, loadAddress: info.appStart, payloadCrc: 0, appVersion: 0, boardId: info.boardId, flags: 0 });
  let units = 0;
  await f.begin(header, vectors, (done, total) => {
    units = total;
    onErase?.(done, total);
  });
  await f.abort();
  return { units, device: info };
}

export interface VerifyResult {
  matches: boolean;
  bytes: number;
  fileCrc: number;
  deviceCrc: number;
  /** Offset of the first byte that differs, or -1. */
  firstDifference: number;
  fileVersion: string;
  device: DeviceInfo;
}

/** Reads the installed payload and compares it with an image file; throws when the device has no image to compare. */
export async function verifyInstalled(f: Flasher, file: Uint8Array, onProgress?: (bytes: number, total: number) => void): Promise<VerifyResult> {
  let parsed;
  try {
    parsed = parseImage(file);
  } catch (e) {
    if (e instanceof ImageFormatError) throw new FlasherError("bad-image", `not a valid tsboot image: ${e.message}`);
    throw e;
  }
  const { header, payload } = parsed;
  const info = await f.info();
  f.checkImage(file, info); // the same board, address and size checks as a flash
  if (!info.appValid) throw new FlasherError("refused", "the device has no valid application to compare with (INFO): flash one first, or this image");
  const back = await f.read(info.appStart, payload.length, (bytes) => onProgress?.(bytes, payload.length));
  const deviceCrc = crc32(back) >>> 0;
  const firstDifference = back.findIndex((b, i) => b !== payload[i]);
  return {
    matches: firstDifference < 0 && deviceCrc === header.payloadCrc && info.appVersion === header.appVersion,
    bytes: payload.length,
    fileCrc: header.payloadCrc,
    deviceCrc,
    firstDifference,
    fileVersion: decodeVersion(header.appVersion),
    device: info,
  };
}
