/** What an AN3155 host (stm32flash, the ROM's clients) sends, for the bootloader tests. */

export const ACK = 0x79;
export const NACK = 0x1f;

/** A command byte and its complement. */
export const cmd = (code: number) => [code, code ^ 0xff];

/** A big-endian address and its XOR checksum. */
export function address(a: number): number[] {
  const b = [(a >>> 24) & 0xff, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff];
  return [...b, b[0] ^ b[1] ^ b[2] ^ b[3]];
}

/** WRITE MEMORY: command, address, N-1, the data, the checksum over N-1 and the data. */
export function writeMemory(a: number, data: Uint8Array): number[] {
  const n = data.length - 1;
  return [...cmd(0x31), ...address(a), n, ...data, data.reduce((x, b) => x ^ b, n)];
}

/** READ MEMORY of `length` bytes. */
export function readMemory(a: number, length: number): number[] {
  return [...cmd(0x11), ...address(a), length - 1, (length - 1) ^ 0xff];
}

/** EXTENDED ERASE of a list of erase units (16-bit count-1, the units, the checksum). */
export function extendedErase(units: number[]): number[] {
  const n = units.length - 1;
  const bytes = [n >> 8, n & 0xff, ...units.flatMap((s) => [s >> 8, s & 0xff])];
  return [...cmd(0x44), ...bytes, bytes.reduce((x, b) => x ^ b, 0)];
}
