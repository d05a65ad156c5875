/**
 * The simulations' only source of randomness: xorshift32 (Marsaglia 2003) seeded through a 32-bit mix, so a
 * torn flash operation or a cell that reads differently after a reset is reproducible from one seed, and
 * the host C simulation (hal-bindings/host/sim_rng.h) draws exactly the same numbers in the same order.
 */

/** A seed for one purpose: `seed` mixed with a salt (murmur3's finaliser); never 0 (xorshift's fixed point). */
export function mixSeed(seed: number, salt: number): number {
  let h = ((seed >>> 0) ^ Math.imul(salt >>> 0, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0 || 0x6d2b79f5;
}

/** Salts: one stream per purpose, so adding draws to one never shifts another. */
export const SALT_TORN_OPERATION = 0x746f726e; // "torn" + the operation number
export const SALT_POWER_ON = 0x626f6f74; // "boot" + the boot number

export class Rng {
  private x: number;

  constructor(seed: number) {
    this.x = seed >>> 0 || 0x6d2b79f5;
  }

  /** The next 32-bit value. */
  next(): number {
    let x = this.x;
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    this.x = x;
    return x;
  }

  /** 16 random bits: a fraction of 65536. */
  next16(): number {
    return this.next() >>> 16;
  }
}
