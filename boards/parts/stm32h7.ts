/**
 * STM32H7 parts. STM32H743ZI / STM32H753ZI: RM0433 (flash: two banks of 1 MB, 8 sectors of 128 KB each,
 * programmed by 256-bit flash word, each bank with its own key, control and status registers; DEV_ID
 * 0x450), DS12110 / DS12117 (memory, pins, 480 MHz on revision V). RAM: DTCM 128 KB at 0x20000000, AXI
 * SRAM 512 KB at 0x24000000, SRAM1-3 in D2 (128 + 128 + 32 KB from 0x30000000), SRAM4 64 KB in D3.
 * ITCM (instructions) and the backup SRAM are left out: no image keeps its stack there. Vector tables as
 * in ST's startup_stm32h743xx.s and startup_stm32h753xx.s (150 IRQs; the H753 has CRYP and HASH_RNG
 * where the H743 has a reserved slot and RNG).
 */
import { KB, pins, uniform, type PartInfo, type UsartInfo } from "./types";

const H743_IRQS: readonly (string | null)[] = [
  "WWDG", "PVD_AVD", "TAMP_STAMP", "RTC_WKUP", "FLASH", "RCC", "EXTI0", "EXTI1", "EXTI2", "EXTI3", "EXTI4",
  "DMA1_Stream0", "DMA1_Stream1", "DMA1_Stream2", "DMA1_Stream3", "DMA1_Stream4", "DMA1_Stream5",
  "DMA1_Stream6", "ADC", "FDCAN1_IT0", "FDCAN2_IT0", "FDCAN1_IT1", "FDCAN2_IT1", "EXTI9_5", "TIM1_BRK",
  "TIM1_UP", "TIM1_TRG_COM", "TIM1_CC", "TIM2", "TIM3", "TIM4", "I2C1_EV", "I2C1_ER", "I2C2_EV", "I2C2_ER",
  "SPI1", "SPI2", "USART1", "USART2", "USART3", "EXTI15_10", "RTC_Alarm", null, "TIM8_BRK_TIM12",
  "TIM8_UP_TIM13", "TIM8_TRG_COM_TIM14", "TIM8_CC", "DMA1_Stream7", "FMC", "SDMMC1", "TIM5", "SPI3", "UART4",
  "UART5", "TIM6_DAC", "TIM7", "DMA2_Stream0", "DMA2_Stream1", "DMA2_Stream2", "DMA2_Stream3",
  "DMA2_Stream4", "ETH", "ETH_WKUP", "FDCAN_CAL", null, null, null, null, "DMA2_Stream5", "DMA2_Stream6",
  "DMA2_Stream7", "USART6", "I2C3_EV", "I2C3_ER", "OTG_HS_EP1_OUT", "OTG_HS_EP1_IN", "OTG_HS_WKUP", "OTG_HS",
  "DCMI", null, "RNG", "FPU", "UART7", "UART8", "SPI4", "SPI5", "SPI6", "SAI1", "LTDC", "LTDC_ER", "DMA2D",
  "SAI2", "QUADSPI", "LPTIM1", "CEC", "I2C4_EV", "I2C4_ER", "SPDIF_RX", "OTG_FS_EP1_OUT", "OTG_FS_EP1_IN",
  "OTG_FS_WKUP", "OTG_FS", "DMAMUX1_OVR", "HRTIM1_Master", "HRTIM1_TIMA", "HRTIM1_TIMB", "HRTIM1_TIMC",
  "HRTIM1_TIMD", "HRTIM1_TIME", "HRTIM1_FLT", "DFSDM1_FLT0", "DFSDM1_FLT1", "DFSDM1_FLT2", "DFSDM1_FLT3",
  "SAI3", "SWPMI1", "TIM15", "TIM16", "TIM17", "MDIOS_WKUP", "MDIOS", "JPEG", "MDMA", null, "SDMMC2",
  "HSEM1", null, "ADC3", "DMAMUX2_OVR", "BDMA_Channel0", "BDMA_Channel1", "BDMA_Channel2", "BDMA_Channel3",
  "BDMA_Channel4", "BDMA_Channel5", "BDMA_Channel6", "BDMA_Channel7", "COMP1", "LPTIM2", "LPTIM3", "LPTIM4",
  "LPTIM5", "LPUART1", null, "CRS", "ECC", "SAI4", null, null, "WAKEUP_PIN",
];

const H753_IRQS: readonly (string | null)[] = H743_IRQS.map((n, i) => (i === 79 ? "CRYP" : i === 80 ? "HASH_RNG" : n));

const H7_RAM = [
  { name: "DTCM", base: 0x20000000, size: 128 * KB, dma: false }, // RM0433 2.1: only the CPU and MDMA reach it
  { name: "AXI SRAM", base: 0x24000000, size: 512 * KB },
  { name: "SRAM1", base: 0x30000000, size: 128 * KB },
  { name: "SRAM2", base: 0x30020000, size: 128 * KB },
  { name: "SRAM3", base: 0x30040000, size: 32 * KB },
  { name: "SRAM4", base: 0x38000000, size: 64 * KB },
];

/* RM0433 2.3: USART1/6 on APB2 (D2), the others on APB1 (D2). Pins of the LQFP144 package. */
const H7_USARTS: Record<string, UsartInfo> = {
  USART1: { base: 0x40011000, bus: "apb2", tx: pins("PA9:7 PB6:7 PB14:4"), rx: pins("PA10:7 PB7:7 PB15:4") },
  USART2: { base: 0x40004400, bus: "apb1", tx: pins("PA2:7 PD5:7"), rx: pins("PA3:7 PD6:7") },
  USART3: { base: 0x40004800, bus: "apb1", tx: pins("PB10:7 PC10:7 PD8:7"), rx: pins("PB11:7 PC11:7 PD9:7") },
  UART4: { base: 0x40004c00, bus: "apb1", tx: pins("PA0:8 PA12:6 PB9:8 PC10:8 PD1:8"), rx: pins("PA1:8 PA11:6 PB8:8 PC11:8 PD0:8") },
  UART5: { base: 0x40005000, bus: "apb1", tx: pins("PB6:14 PB13:14 PC12:8"), rx: pins("PB5:14 PB12:14 PD2:8") },
  USART6: { base: 0x40011400, bus: "apb2", tx: pins("PC6:7 PG14:7"), rx: pins("PC7:7 PG9:7") },
  UART7: { base: 0x40007800, bus: "apb1", tx: pins("PA15:11 PB4:11 PE8:7 PF7:7"), rx: pins("PA8:11 PB3:11 PE7:7 PF6:7") },
  UART8: { base: 0x40007c00, bus: "apb1", tx: pins("PE1:8"), rx: pins("PE0:8") },
};

const H7 = {
  family: "stm32h7", cpu: "cortex-m7", fpu: "fpv5-d16", flashKb: 2048, banks: 2, bankUnits: uniform(8, 128 * KB),
  ram: H7_RAM, sysclkMaxHz: 480_000_000, gpioPorts: ["A", "B", "C", "D", "E", "F", "G", "H"], usarts: H7_USARTS,
  devId: 0x450,
} as const;

export const STM32H7_PARTS: readonly PartInfo[] = [
  { ...H7, part: "STM32H743ZI", line: "stm32h743", irqs: H743_IRQS, sources: "RM0433, DS12110" },
  { ...H7, part: "STM32H753ZI", line: "stm32h753", irqs: H753_IRQS, sources: "RM0433, DS12117" },
];
