/**
 * Every part tsboot supports, one table per family, and the family facts that do not depend on the part.
 */
import { STM32F0_PARTS } from "./stm32f0";
import { STM32F4_PARTS } from "./stm32f4";
import { STM32H7_PARTS } from "./stm32h7";
import { STM32L4_PARTS } from "./stm32l4";
import type { Family, FamilyInfo, PartInfo } from "./types";

export * from "./types";

export const FAMILIES: Readonly<Record<Family, FamilyInfo>> = {
  stm32f0: {
    family: "stm32f0", cpu: "cortex-m0", fpus: ["none"], writeUnit: 2, eraseUnit: "page", hasVtor: false, longestEraseMs: 40,
    hsiHz: 8_000_000, hseCrystalHz: [4_000_000, 32_000_000], hseBypassHz: [1_000_000, 32_000_000], manual: "RM0091",
  },
  stm32f4: {
    family: "stm32f4", cpu: "cortex-m4", fpus: ["fpv4-sp-d16", "none"], writeUnit: 4, eraseUnit: "sector", hasVtor: true, longestEraseMs: 2600,
    hsiHz: 16_000_000, hseCrystalHz: [4_000_000, 26_000_000], hseBypassHz: [1_000_000, 50_000_000], manual: "RM0090",
  },
  stm32l4: {
    family: "stm32l4", cpu: "cortex-m4", fpus: ["fpv4-sp-d16", "none"], writeUnit: 8, eraseUnit: "page", hasVtor: true, longestEraseMs: 25,
    hsiHz: 16_000_000, hseCrystalHz: [4_000_000, 48_000_000], hseBypassHz: [1_000_000, 48_000_000], manual: "RM0351",
  },
  stm32h7: {
    family: "stm32h7", cpu: "cortex-m7", fpus: ["fpv5-d16", "none"], writeUnit: 32, eraseUnit: "sector", hasVtor: true, longestEraseMs: 4000,
    hsiHz: 64_000_000, hseCrystalHz: [4_000_000, 48_000_000], hseBypassHz: [1_000_000, 50_000_000], manual: "RM0433",
  },
};

export const FAMILY_NAMES = Object.keys(FAMILIES) as Family[];

export const PARTS: readonly PartInfo[] = [...STM32F0_PARTS, ...STM32F4_PARTS, ...STM32L4_PARTS, ...STM32H7_PARTS];

export function findPart(part: string): PartInfo | undefined {
  return PARTS.find((p) => p.part === part);
}

/** "STM32F072RB (stm32f0); STM32F401RE, STM32F411RE, ... (stm32f4); ..." for messages. */
export function describeParts(): string {
  return FAMILY_NAMES.map((f) => `${PARTS.filter((p) => p.family === f).map((p) => p.part).join(", ")} (${f})`).join("; ");
}

/** The flash erase units of a part, in address order from 0x08000000 (number: index across both banks). */
export function partEraseUnits(part: PartInfo): { index: number; start: number; size: number; bank: number }[] {
  const units: { index: number; start: number; size: number; bank: number }[] = [];
  let start = 0x08000000;
  for (let bank = 1; bank <= part.banks; bank++) {
    for (const size of part.bankUnits) {
      units.push({ index: units.length, start, size, bank });
      start += size;
    }
  }
  return units;
}
