/** A plausible application image for tests: a sane vector table, then pseudo-random bytes (never ending in 0xFF). */
export function fakeApplication(options: { ramTop: number; appStart: number; resetOffset?: number }, size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  if (size >= 8) {
    const view = new DataView(out.buffer);
    view.setUint32(0, options.ramTop, true);
    view.setUint32(4, (options.appStart + (options.resetOffset ?? 0x201)) | 1, true);
  }
  out[size - 1] = 0x42; // an adopted raw image (AN3155) keeps its full size
  return out;
}
