import { u8, u16, u32, i32, print, printInt } from "../../../runtime/index";

const TABLE = new Uint32Array([1, 2, 3, 0xffffffff]);
let counter: u32 = 0;

function add(a: u32, b: u32): u32 {
  return (a + b) >>> 0;
}

export function sum(data: Uint8Array): u32 {
  let total: u32 = 0;
  for (let i: u32 = 0; i < data.length; i++) {
    total = add(total, data[i]);
  }
  return total;
}

export function run(x: u16, y: i32): i32 {
  const t = x * 3 + y;
  counter++;
  print("t=");
  printInt(t);
  print("\n");
  const buf = new Uint8Array(4);
  buf[0] = u8(t);
  buf[1] = 200;
  printInt(sum(buf));
  print("\n");
  printInt(TABLE[x & 3]);
  return i32(t);
}
