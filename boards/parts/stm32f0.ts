/**
 * STM32F0 parts. STM32F072RB: RM0091 (flash: 2 KB pages on F07x/F09x, programmed by half-word; DBGMCU_IDCODE
 * DEV_ID 0x448; SYSCFG_CFGR1.MEM_MODE), DS9826 (memory, pins, 48 MHz). Vector table as in ST's
 * startup_stm32f072xb.s (32 IRQs). Cortex-M0: no VTOR, so an application's vector table is copied to
 * the start of SRAM, which is then mapped at address 0 (boards/startup.ts).
 */
import { KB, pins, uniform, type PartInfo } from "./types";

const F072_IRQS: readonly (string | null)[] = [
  "WWDG", "PVD_VDDIO2", "RTC", "FLASH", "RCC_CRS", "EXTI0_1", "EXTI2_3", "EXTI4_15", "TSC", "DMA1_Channel1",
  "DMA1_Channel2_3", "DMA1_Channel4_5_6_7", "ADC1_COMP", "TIM1_BRK_UP_TRG_COM", "TIM1_CC", "TIM2", "TIM3",
  "TIM6_DAC", "TIM7", "TIM14", "TIM15", "TIM16", "TIM17", "I2C1", "I2C2", "SPI1", "SPI2", "USART1", "USART2",
  "USART3_4", "CEC_CAN", "USB",
];

export const STM32F0_PARTS: readonly PartInfo[] = [
  {
    part: "STM32F072RB", family: "stm32f0", line: "stm32f072", cpu: "cortex-m0", fpu: "none", irqs: F072_IRQS,
    flashKb: 128, banks: 1, bankUnits: uniform(64, 2 * KB),
    ram: [{ name: "SRAM", base: 0x20000000, size: 16 * KB }],
    sysclkMaxHz: 48_000_000,
    /* LQFP64: PA0-15, PB0-15, PC0-15, PD2, PF0-1. */
    gpioPorts: ["A", "B", "C", "D", "F"],
    /* One APB on F0; USART1's enable is in RCC_APB2ENR, USART2-4's in RCC_APB1ENR (RM0091 7.4). */
    usarts: {
      USART1: { base: 0x40013800, bus: "apb2", tx: pins("PA9:1 PB6:0"), rx: pins("PA10:1 PB7:0") },
      USART2: { base: 0x40004400, bus: "apb1", tx: pins("PA2:1 PA14:1"), rx: pins("PA3:1 PA15:1") },
      USART3: { base: 0x40004800, bus: "apb1", tx: pins("PB10:4 PC4:1 PC10:1"), rx: pins("PB11:4 PC5:1 PC11:1") },
      USART4: { base: 0x40004c00, bus: "apb1", tx: pins("PA0:4 PC10:0"), rx: pins("PA1:4 PC11:0") },
    },
    devId: 0x448, sources: "RM0091, DS9826",
  },
];
