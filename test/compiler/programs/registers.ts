// A representative driver-style program: register read-modify-write, an enum state machine, a wrap-safe
// timeout, constant tables in hex. Its C is pinned by test/compiler/snapshots.test.ts.
import { u8, u32, mmioRead32, mmioWrite32, print, printInt } from "../../../runtime/index";

const GPIOA_MODER: u32 = 0x40020000;
const MODE_MASK = 0x3;
const CRC_TABLE = new Uint32Array([0x00000000, 0x77073096, 0xee0e612c, 0x990951ba]);

export enum State {
  Idle,
  Sync = 0x10,
  Length,
  Done,
}

let state: State = State.Idle;

/** Sets pin `pin`'s two MODER bits to `mode`: read, clear with ~, set, write back (>>> 0: a u32 again). */
export function setMode(pin: u8, mode: u32): void {
  const shift = (pin & 15) * 2;
  const cleared = (mmioRead32(GPIOA_MODER) & ~(MODE_MASK << shift)) >>> 0;
  mmioWrite32(GPIOA_MODER, (cleared | ((mode & MODE_MASK) << shift)) >>> 0);
}

/** Elapsed milliseconds since `start`, right across the 2^32 wrap of the counter. */
export function elapsed(now: u32, start: u32): u32 {
  return u32(now - start);
}

export function step(byte: u8): State {
  switch (state) {
    case State.Idle:
      if (byte === 0xa5) state = State.Sync;
      break;
    case State.Sync:
      state = byte === 0x5a ? State.Length : State.Idle;
      break;
    case State.Length:
      state = State.Done;
      break;
    case State.Done:
      break;
  }
  return state;
}

export function checksum(data: Uint8Array): u32 {
  let crc: u32 = 0xffffffff;
  for (let i: u32 = 0; i < data.length; i++) {
    crc = (CRC_TABLE[(crc ^ data[i]) & 3] ^ (crc >>> 8)) >>> 0;
  }
  for (let n: u8 = 0; n < 4; n++) {
    printInt(n);
    print(" ");
  }
  return (crc ^ 0xffffffff) >>> 0;
}
