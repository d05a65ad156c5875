/**
 * STM32F4 parts. Vector tables: RM0090 table 61 (STM32F405/407, 82 IRQs), RM0368 table 38 (STM32F401,
 * 85 IRQs), RM0383 table 37 (STM32F411, 86 IRQs), with the slots of peripherals a part lacks reserved, as
 * in ST's startup_stm32f4xxxx.s (boards/parts/check-vendor.ts compares them).
 * Flash: RM0090 table 5, 4 x 16 KB, 1 x 64 KB, then 128 KB sectors, one bank on these parts.
 * Memory, USARTs and pins: datasheets DS8626 (F405/407), DS9716 (F401xD/E), DS10314 (F411xC/E).
 */
import { KB, pins, type PartInfo, type UsartInfo } from "./types";

const EXTI_AND_DMA1 = [
  "WWDG", "PVD", "TAMP_STAMP", "RTC_WKUP", "FLASH", "RCC", "EXTI0", "EXTI1", "EXTI2", "EXTI3", "EXTI4",
  "DMA1_Stream0", "DMA1_Stream1", "DMA1_Stream2", "DMA1_Stream3", "DMA1_Stream4", "DMA1_Stream5", "DMA1_Stream6",
  "ADC",
] as const;

/** Positions 0..81 of the STM32F407 vector table (CRYP, at 79, is the F415/417's only: reserved here). */
const F407_IRQS: readonly (string | null)[] = [
  ...EXTI_AND_DMA1,
  "CAN1_TX", "CAN1_RX0", "CAN1_RX1", "CAN1_SCE", "EXTI9_5", "TIM1_BRK_TIM9", "TIM1_UP_TIM10",
  "TIM1_TRG_COM_TIM11", "TIM1_CC", "TIM2", "TIM3", "TIM4", "I2C1_EV", "I2C1_ER", "I2C2_EV", "I2C2_ER", "SPI1",
  "SPI2", "USART1", "USART2", "USART3", "EXTI15_10", "RTC_Alarm", "OTG_FS_WKUP", "TIM8_BRK_TIM12",
  "TIM8_UP_TIM13", "TIM8_TRG_COM_TIM14", "TIM8_CC", "DMA1_Stream7", "FSMC", "SDIO", "TIM5", "SPI3", "UART4",
  "UART5", "TIM6_DAC", "TIM7", "DMA2_Stream0", "DMA2_Stream1", "DMA2_Stream2", "DMA2_Stream3", "DMA2_Stream4",
  "ETH", "ETH_WKUP", "CAN2_TX", "CAN2_RX0", "CAN2_RX1", "CAN2_SCE", "OTG_FS", "DMA2_Stream5", "DMA2_Stream6",
  "DMA2_Stream7", "USART6", "I2C3_EV", "I2C3_ER", "OTG_HS_EP1_OUT", "OTG_HS_EP1_IN", "OTG_HS_WKUP", "OTG_HS",
  "DCMI", null, "HASH_RNG", "FPU",
];

/** STM32F405: the F407 table without ETH, ETH_WKUP and DCMI, whose slots stay reserved (startup_stm32f405xx.s). */
const F405_IRQS: readonly (string | null)[] = F407_IRQS.map((n) => (n === "ETH" || n === "ETH_WKUP" || n === "DCMI" ? null : n));

/** Positions 0..84 of the STM32F401 vector table (reserved slots where F40x has CAN, TIM8, ETH ...). */
const F401_IRQS: readonly (string | null)[] = [
  ...EXTI_AND_DMA1,
  null, null, null, null, "EXTI9_5", "TIM1_BRK_TIM9", "TIM1_UP_TIM10", "TIM1_TRG_COM_TIM11", "TIM1_CC", "TIM2",
  "TIM3", "TIM4", "I2C1_EV", "I2C1_ER", "I2C2_EV", "I2C2_ER", "SPI1", "SPI2", "USART1", "USART2", null,
  "EXTI15_10", "RTC_Alarm", "OTG_FS_WKUP", null, null, null, null, "DMA1_Stream7", null, "SDIO", "TIM5", "SPI3",
  null, null, null, null, "DMA2_Stream0", "DMA2_Stream1", "DMA2_Stream2", "DMA2_Stream3", "DMA2_Stream4", null,
  null, null, null, null, null, "OTG_FS", "DMA2_Stream5", "DMA2_Stream6", "DMA2_Stream7", "USART6", "I2C3_EV",
  "I2C3_ER", null, null, null, null, null, null, null, "FPU", null, null, "SPI4",
];

/** STM32F411: the F401 table plus SPI5 at position 85. */
const F411_IRQS: readonly (string | null)[] = [...F401_IRQS, "SPI5"];

/** RM0090 2.3: USART1/6 on APB2, the others on APB1; AF7 for USART1-3, AF8 for UART4/5 and USART6. */
const usart = (name: keyof typeof BASES, tx: string, rx: string): [string, UsartInfo] => [name, { ...BASES[name], tx: pins(tx), rx: pins(rx) }];
const BASES = {
  USART1: { base: 0x40011000, bus: "apb2" },
  USART2: { base: 0x40004400, bus: "apb1" },
  USART3: { base: 0x40004800, bus: "apb1" },
  UART4: { base: 0x40004c00, bus: "apb1" },
  UART5: { base: 0x40005000, bus: "apb1" },
  USART6: { base: 0x40011400, bus: "apb2" },
} as const;

/** 4 x 16 KB, 1 x 64 KB, then 128 KB sectors (RM0090 table 5). */
function f4Sectors(flashKb: number): number[] {
  const sizes = [16 * KB, 16 * KB, 16 * KB, 16 * KB, 64 * KB];
  while (sizes.reduce((a, b) => a + b, 0) < flashKb * KB) sizes.push(128 * KB);
  return sizes;
}

const F4 = { family: "stm32f4", cpu: "cortex-m4", fpu: "fpv4-sp-d16", banks: 1 } as const;
/* 64-pin packages (RE/RG) bond out PA-PC, PD2 and PH0-1; the 100-pin F407VG has PA-PE and PH0-1. */
const PORTS_LQFP64 = ["A", "B", "C", "D", "H"] as const;

export const STM32F4_PARTS: readonly PartInfo[] = [
  {
    ...F4, part: "STM32F401RE", line: "stm32f401", irqs: F401_IRQS, flashKb: 512, bankUnits: f4Sectors(512),
    ram: [{ name: "SRAM", base: 0x20000000, size: 96 * KB }], sysclkMaxHz: 84_000_000, gpioPorts: PORTS_LQFP64,
    usarts: Object.fromEntries([usart("USART1", "PA9:7 PB6:7", "PA10:7 PB7:7"), usart("USART2", "PA2:7", "PA3:7"),
      usart("USART6", "PA11:8 PC6:8", "PA12:8 PC7:8")]),
    devId: 0x433, sources: "RM0368, DS9716",
  },
  {
    ...F4, part: "STM32F411RE", line: "stm32f411", irqs: F411_IRQS, flashKb: 512, bankUnits: f4Sectors(512),
    ram: [{ name: "SRAM", base: 0x20000000, size: 128 * KB }], sysclkMaxHz: 100_000_000, gpioPorts: PORTS_LQFP64,
    usarts: Object.fromEntries([usart("USART1", "PA9:7 PA15:7 PB6:7", "PA10:7 PB3:7 PB7:7"), usart("USART2", "PA2:7", "PA3:7"),
      usart("USART6", "PA11:8 PC6:8", "PA12:8 PC7:8")]),
    devId: 0x431, sources: "RM0383, DS10314",
  },
  {
    ...F4, part: "STM32F405RG", line: "stm32f405", irqs: F405_IRQS, flashKb: 1024, bankUnits: f4Sectors(1024),
    ram: [{ name: "SRAM1+SRAM2", base: 0x20000000, size: 128 * KB }, { name: "CCM", base: 0x10000000, size: 64 * KB, dma: false }],
    sysclkMaxHz: 168_000_000, gpioPorts: PORTS_LQFP64,
    usarts: Object.fromEntries([usart("USART1", "PA9:7 PB6:7", "PA10:7 PB7:7"), usart("USART2", "PA2:7", "PA3:7"),
      usart("USART3", "PB10:7 PC10:7", "PB11:7 PC11:7"), usart("UART4", "PA0:8 PC10:8", "PA1:8 PC11:8"),
      usart("UART5", "PC12:8", "PD2:8"), usart("USART6", "PC6:8", "PC7:8")]),
    devId: 0x413, sources: "RM0090, DS8626",
  },
  {
    ...F4, part: "STM32F407VG", line: "stm32f407", irqs: F407_IRQS, flashKb: 1024, bankUnits: f4Sectors(1024),
    ram: [{ name: "SRAM1+SRAM2", base: 0x20000000, size: 128 * KB }, { name: "CCM", base: 0x10000000, size: 64 * KB, dma: false }],
    sysclkMaxHz: 168_000_000, gpioPorts: ["A", "B", "C", "D", "E", "H"],
    usarts: Object.fromEntries([usart("USART1", "PA9:7 PB6:7", "PA10:7 PB7:7"), usart("USART2", "PA2:7 PD5:7", "PA3:7 PD6:7"),
      usart("USART3", "PB10:7 PC10:7 PD8:7", "PB11:7 PC11:7 PD9:7"), usart("UART4", "PA0:8 PC10:8", "PA1:8 PC11:8"),
      usart("UART5", "PC12:8", "PD2:8"), usart("USART6", "PC6:8", "PC7:8")]),
    devId: 0x413, sources: "RM0090, DS8626",
  },
];
