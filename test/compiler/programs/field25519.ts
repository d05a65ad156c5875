// TweetNaCl's GF(2^255 - 19) multiplication in the subset (i64 limbs in Float64Array, checked products,
// shr64 carries). Its C is pinned by test/compiler/snapshots.test.ts; test/compiler/i64.test.ts runs it.
import { u32, shr64 } from "../../../runtime/index";

const T = new Float64Array(31);

function car25519(o: Float64Array): void {
  for (let i: u32 = 0; i < 16; i++) {
    o[i] += 65536;
    const c = shr64(o[i], 16);
    if (i < 15) o[i + 1] += c - 1;
    else o[0] += 38 * (c - 1);
    o[i] -= c * 65536;
  }
}

export function mul(o: Float64Array, a: Float64Array, b: Float64Array): void {
  for (let i: u32 = 0; i < 31; i++) T[i] = 0;
  for (let i: u32 = 0; i < 16; i++) {
    for (let j: u32 = 0; j < 16; j++) T[i + j] += a[i] * b[j];
  }
  for (let i: u32 = 0; i < 15; i++) T[i] += 38 * T[i + 16];
  for (let i: u32 = 0; i < 16; i++) o[i] = T[i];
  car25519(o);
  car25519(o);
}
