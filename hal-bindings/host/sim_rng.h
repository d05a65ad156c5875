/*
 * The simulations' only source of randomness, the C twin of hal-bindings/sim/rng.ts: xorshift32 seeded
 * through a 32-bit mix, one stream per purpose, so a torn flash operation or a cell that reads differently
 * after a reset is reproducible from one seed and the same in Node and in C.
 */
#ifndef TSBOOT_SIM_RNG_H
#define TSBOOT_SIM_RNG_H

#include <stdint.h>

#define SIM_SALT_TORN_OPERATION 0x746f726eu /* "torn" + the operation number */
#define SIM_SALT_POWER_ON 0x626f6f74u       /* "boot" + the boot number */

struct sim_rng {
  uint32_t x;
};

/* mixSeed: murmur3's finaliser over seed ^ salt * golden ratio; never 0. */
static inline uint32_t sim_mix_seed(uint32_t seed, uint32_t salt) {
  uint32_t h = seed ^ (uint32_t)(salt * 0x9e3779b1u);
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h != 0 ? h : 0x6d2b79f5u;
}

static inline void sim_rng_seed(struct sim_rng *r, uint32_t seed) { r->x = seed != 0 ? seed : 0x6d2b79f5u; }

static inline uint32_t sim_rng_next(struct sim_rng *r) {
  uint32_t x = r->x;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  r->x = x;
  return x;
}

/* 16 random bits: a fraction of 65536. */
static inline uint32_t sim_rng_next16(struct sim_rng *r) { return sim_rng_next(r) >> 16; }

#endif /* TSBOOT_SIM_RNG_H */
