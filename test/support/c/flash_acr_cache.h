/*
 * The cache resets of the flash interface's instruction and data caches (the ART accelerator), as FLASH_ACR
 * controls them in the host register models of the F4 and L4 (the FLASH_ACR description: RM0090 3.9.1,
 * RM0351 3.7.1). The bits are the same on both: ICEN 9, DCEN 10, ICRST 11, DCRST 12. ICRST/DCRST "can be
 * written only when the instruction/data cache is disabled"; a reset happens when the bit goes from 0 to 1.
 *
 * What the family keeps: the other ACR bits (LATENCY, PRFTEN, the L4's sleep bits), its own rules (the L4's
 * DCEN while DCRST is held), what a data-cache reset does to the data it models, and the counts.
 */
#ifndef FLASH_ACR_CACHE_H
#define FLASH_ACR_CACHE_H

#include <stdint.h>

#define ACR_ICEN 0x00000200u
#define ACR_DCEN 0x00000400u
#define ACR_ICRST 0x00000800u
#define ACR_DCRST 0x00001000u

/* A write of FLASH_ACR: `acr` as it was, `nv` the bits written that the family keeps. Reports a cache reset
 * written while that cache is (or is being) enabled; returns the resets that happen: ACR_ICRST, ACR_DCRST,
 * both or 0. */
uint32_t flash_acr_cache_resets(uint32_t acr, uint32_t nv);

#endif /* FLASH_ACR_CACHE_H */
