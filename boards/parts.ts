/**
 * What tsboot needs to know about each STM32F4 part a board can carry: its interrupt vector table (names in
 * ST's startup-file style, `null` for a reserved slot), clock limits, GPIO ports and USARTs. Board files
 * name a part; everything here follows from it, so a board cannot disagree with its silicon.
 *
 * Sources: RM0090 table 61 (STM32F405/407, 82 IRQs), RM0368 table 38 (STM32F401, 85 IRQs), RM0383 table 37
 * (STM32F411, 86 IRQs); datasheets DS8626 (F405/407), DS9716 (F401xD/E), DS10314 (F411xC/E).
 */

const EXTI_AND_DMA1 = [
  "WWDG", "PVD", "TAMP_STAMP", "RTC_WKUP", "FLASH", "RCC", "EXTI0", "EXTI1", "EXTI2", "EXTI3", "EXTI4",
  "DMA1_Stream0", "DMA1_Stream1", "DMA1_Stream2", "DMA1_Stream3", "DMA1_Stream4", "DMA1_Stream5", "DMA1_Stream6",
  "ADC",
] as const;

/** Positions 0..81 of the STM32F405/407 vector table. F405 lacks ETH and DCMI but keeps their slots. */
const F40X_IRQS: readonly (string | null)[] = [
  ...EXTI_AND_DMA1,
  "CAN1_TX", "CAN1_RX0", "CAN1_RX1", "CAN1_SCE", "EXTI9_5", "TIM1_BRK_TIM9", "TIM1_UP_TIM10",
  "TIM1_TRG_COM_TIM11", "TIM1_CC", "TIM2", "TIM3", "TIM4", "I2C1_EV", "I2C1_ER", "I2C2_EV", "I2C2_ER", "SPI1",
  "SPI2", "USART1", "USART2", "USART3", "EXTI15_10", "RTC_Alarm", "OTG_FS_WKUP", "TIM8_BRK_TIM12",
  "TIM8_UP_TIM13", "TIM8_TRG_COM_TIM14", "TIM8_CC", "DMA1_Stream7", "FSMC", "SDIO", "TIM5", "SPI3", "UART4",
  "UART5", "TIM6_DAC", "TIM7", "DMA2_Stream0", "DMA2_Stream1", "DMA2_Stream2", "DMA2_Stream3", "DMA2_Stream4",
  "ETH", "ETH_WKUP", "CAN2_TX", "CAN2_RX0", "CAN2_RX1", "CAN2_SCE", "OTG_FS", "DMA2_Stream5", "DMA2_Stream6",
  "DMA2_Stream7", "USART6", "I2C3_EV", "I2C3_ER", "OTG_HS_EP1_OUT", "OTG_HS_EP1_IN", "OTG_HS_WKUP", "OTG_HS",
  "DCMI", "CRYP", "HASH_RNG", "FPU",
];

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

export interface PartInfo {
  /** Part number prefix as in the board file, e.g. "STM32F411RE". */
  part: string;
  /** Vector-table line: the C startup is generated from `irqs`. */
  line: "stm32f401" | "stm32f411" | "stm32f405" | "stm32f407";
  irqs: readonly (string | null)[];
  flashKb: number;
  ramKb: number;
  /** Core-coupled RAM (F405/407): data only, not reachable by DMA. */
  ccmKb: number;
  sysclkMaxHz: number;
  gpioPorts: readonly string[];
  usarts: readonly string[];
  /** DBGMCU_IDCODE DEV_ID: the top half of tsboot's board ids for this part. */
  devId: number;
}

const F40X_USARTS = ["USART1", "USART2", "USART3", "UART4", "UART5", "USART6"] as const;
const F4X1_USARTS = ["USART1", "USART2", "USART6"] as const;
/* 64-pin packages (RE/RG) bond out PA-PC, PD2 and PH0-1; the 100-pin F407VG has PA-PE and PH0-1. */
const PORTS_LQFP64 = ["A", "B", "C", "D", "H"] as const;

export const PARTS: readonly PartInfo[] = [
  {
    part: "STM32F401RE", line: "stm32f401", irqs: F401_IRQS, flashKb: 512, ramKb: 96, ccmKb: 0,
    sysclkMaxHz: 84_000_000, gpioPorts: PORTS_LQFP64, usarts: F4X1_USARTS, devId: 0x433,
  },
  {
    part: "STM32F411RE", line: "stm32f411", irqs: F411_IRQS, flashKb: 512, ramKb: 128, ccmKb: 0,
    sysclkMaxHz: 100_000_000, gpioPorts: PORTS_LQFP64, usarts: F4X1_USARTS, devId: 0x431,
  },
  {
    part: "STM32F405RG", line: "stm32f405", irqs: F40X_IRQS, flashKb: 1024, ramKb: 128, ccmKb: 64,
    sysclkMaxHz: 168_000_000, gpioPorts: PORTS_LQFP64, usarts: F40X_USARTS, devId: 0x413,
  },
  {
    part: "STM32F407VG", line: "stm32f407", irqs: F40X_IRQS, flashKb: 1024, ramKb: 128, ccmKb: 64,
    sysclkMaxHz: 168_000_000, gpioPorts: ["A", "B", "C", "D", "E", "H"], usarts: F40X_USARTS,
    devId: 0x413,
  },
];

export function findPart(part: string): PartInfo | undefined {
  return PARTS.find((p) => p.part === part);
}

/** USART register blocks and where their clocks come from (RM0090 2.3 memory map). */
export const USART_INSTANCES: Readonly<Record<string, { base: number; bus: "apb1" | "apb2"; af: number }>> = {
  USART1: { base: 0x40011000, bus: "apb2", af: 7 },
  USART2: { base: 0x40004400, bus: "apb1", af: 7 },
  USART3: { base: 0x40004800, bus: "apb1", af: 7 },
  UART4: { base: 0x40004c00, bus: "apb1", af: 8 },
  UART5: { base: 0x40005000, bus: "apb1", af: 8 },
  USART6: { base: 0x40011400, bus: "apb2", af: 8 },
};
