/**
 * STM32L4 parts. STM32L476RG: RM0351 (flash: two banks of 512 KB with 2 KB pages, 64-bit programming with
 * ECC, BKER/PNB page erase; DEV_ID 0x415), DS10198 (memory, pins, 80 MHz). SRAM1 (96 KB at 0x20000000)
 * and SRAM2 (32 KB at 0x10000000, also mapped at 0x20018000 right after SRAM1). Vector table as in ST's
 * startup_stm32l476xx.s (82 IRQs).
 */
import { KB, pins, uniform, type PartInfo } from "./types";

const L476_IRQS: readonly (string | null)[] = [
  "WWDG", "PVD_PVM", "TAMP_STAMP", "RTC_WKUP", "FLASH", "RCC", "EXTI0", "EXTI1", "EXTI2", "EXTI3", "EXTI4",
  "DMA1_Channel1", "DMA1_Channel2", "DMA1_Channel3", "DMA1_Channel4", "DMA1_Channel5", "DMA1_Channel6",
  "DMA1_Channel7", "ADC1_2", "CAN1_TX", "CAN1_RX0", "CAN1_RX1", "CAN1_SCE", "EXTI9_5", "TIM1_BRK_TIM15",
  "TIM1_UP_TIM16", "TIM1_TRG_COM_TIM17", "TIM1_CC", "TIM2", "TIM3", "TIM4", "I2C1_EV", "I2C1_ER", "I2C2_EV",
  "I2C2_ER", "SPI1", "SPI2", "USART1", "USART2", "USART3", "EXTI15_10", "RTC_Alarm", "DFSDM1_FLT3", "TIM8_BRK",
  "TIM8_UP", "TIM8_TRG_COM", "TIM8_CC", "ADC3", "FMC", "SDMMC1", "TIM5", "SPI3", "UART4", "UART5", "TIM6_DAC",
  "TIM7", "DMA2_Channel1", "DMA2_Channel2", "DMA2_Channel3", "DMA2_Channel4", "DMA2_Channel5", "DFSDM1_FLT0",
  "DFSDM1_FLT1", "DFSDM1_FLT2", "COMP", "LPTIM1", "LPTIM2", "OTG_FS", "DMA2_Channel6", "DMA2_Channel7",
  "LPUART1", "QUADSPI", "I2C3_EV", "I2C3_ER", "SAI1", "SAI2", "SWPMI1", "TSC", "LCD", null, "RNG", "FPU",
];

export const STM32L4_PARTS: readonly PartInfo[] = [
  {
    part: "STM32L476RG", family: "stm32l4", line: "stm32l476", cpu: "cortex-m4", fpu: "fpv4-sp-d16", irqs: L476_IRQS,
    flashKb: 1024, banks: 2, bankUnits: uniform(256, 2 * KB),
    ram: [
      { name: "SRAM1", base: 0x20000000, size: 96 * KB },
      { name: "SRAM2", base: 0x10000000, size: 32 * KB },
      { name: "SRAM2", base: 0x20018000, size: 32 * KB, alias: true },
    ],
    sysclkMaxHz: 80_000_000,
    gpioPorts: ["A", "B", "C", "D", "H"],
    usarts: {
      USART1: { base: 0x40013800, bus: "apb2", tx: pins("PA9:7 PB6:7"), rx: pins("PA10:7 PB7:7") },
      USART2: { base: 0x40004400, bus: "apb1", tx: pins("PA2:7"), rx: pins("PA3:7") },
      USART3: { base: 0x40004800, bus: "apb1", tx: pins("PB10:7 PC4:7 PC10:7"), rx: pins("PB11:7 PC5:7 PC11:7") },
      UART4: { base: 0x40004c00, bus: "apb1", tx: pins("PA0:8 PC10:8"), rx: pins("PA1:8 PC11:8") },
      UART5: { base: 0x40005000, bus: "apb1", tx: pins("PC12:8"), rx: pins("PD2:8") },
    },
    devId: 0x415, sources: "RM0351, DS10198",
  },
];
