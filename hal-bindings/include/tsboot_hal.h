/*
 * tsboot HAL port: the small C interface the portable bootloader calls.
 *
 * Every function that can fail returns a uint32_t status (enum hal_status) so the TypeScript side receives
 * it as a u32. Every wait inside is bounded; nothing here can hang. The STM32F4 implementation lives in
 * hal-bindings/stm32f4/ (docs/hal-stm32f4.md); a port for another family implements the same functions.
 */
#ifndef TSBOOT_HAL_H
#define TSBOOT_HAL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Status codes. The values are part of the interface (the bootloader compares u32 values): append, never
 * renumber. ST's HAL names its success code HAL_OK = 0 too (HAL_StatusTypeDef); a translation unit that
 * includes ST's stm32f4xx_hal.h (or our stm32f4_hal_compat.h) first gets that HAL_OK, with the same value.
 */
enum hal_status {
#if !defined(TSBOOT_HAL_OK_FROM_ST) && !defined(__STM32F4xx_HAL_DEF) && !defined(STM32F4xx_HAL_DEF_H)
  HAL_OK = 0,            /* done */
#endif
  HAL_ERR_TIMEOUT = 1,   /* a bounded wait expired (flash BSY); see hal_flash_* for what state is left */
  HAL_ERR_LOCKED = 2,    /* the flash unlock sequence was refused (keys locked until reset) */
  HAL_ERR_WRP = 3,       /* FLASH_SR WRPERR: the sector is write protected */
  HAL_ERR_PGA = 4,       /* FLASH_SR PGAERR: alignment */
  HAL_ERR_PGP = 5,       /* FLASH_SR PGPERR: access size does not match PSIZE */
  HAL_ERR_PGS = 6,       /* FLASH_SR PGSERR: programming sequence */
  HAL_ERR_OPERATION = 7, /* FLASH_SR OPERR (only reported with ERRIE set) */
  HAL_ERR_ARG = 8,       /* bad argument (sector index, misaligned or out-of-flash address); nothing touched */
  HAL_ERR_VERIFY = 9     /* programmed without a flag but the word reads back different (it was not erased) */
};

/* ---- Flash (x32 parallelism: VDD 2.7-3.6 V) ----
 * Each erase/program unlocks FLASH_CR if needed and locks it again before it returns, on every path but
 * one: after HAL_ERR_TIMEOUT the controller is still busy, and FLASH_CR cannot be written while BSY is set
 * without stalling the bus until BSY clears (RM0090 3.9.7), so it is left as it is; reset the MCU then
 * (FLASH_CR resets locked). */
uint32_t hal_flash_unlock(void);
void hal_flash_lock(void);
uint32_t hal_flash_erase_sector(uint32_t sector_index);
uint32_t hal_flash_program_word(uint32_t address, uint32_t word);

/* ---- Clocks ----
 * hal_clock_init returns the SYSCLK reached: sysclk_hz, or 16000000 (HSI) when the HSE does not start, the
 * PLL does not lock, a switch is not confirmed or the request cannot be met. hse_hz = 0 runs the PLL from
 * the HSI; OR HAL_CLOCK_HSE_BYPASS into hse_hz for an external clock on OSC_IN (Nucleo: ST-LINK MCO). */
#define HAL_CLOCK_HSE_BYPASS 0x80000000u
#define HAL_CLOCK_HSI_HZ 16000000u
uint32_t hal_clock_init(uint32_t hse_hz, uint32_t sysclk_hz);
void hal_clock_deinit(void);
uint32_t hal_clock_hclk_hz(void);  /* as last set by hal_clock_init/deinit (16 MHz after reset) */
uint32_t hal_clock_pclk1_hz(void); /* APB1: USART2..5 */
uint32_t hal_clock_pclk2_hz(void); /* APB2: USART1, USART6 */

/* ---- USART (one instance at a time) ---- */
void hal_uart_init(uint32_t usart_base, uint32_t pclk_hz, uint32_t baud, bool even_parity);
int32_t hal_uart_read_byte(void); /* -1 when no byte waits; never blocks */
void hal_uart_write_byte(uint8_t b);
void hal_uart_flush(void);
void hal_uart_deinit(void);
/* Errors seen since the last call (then cleared). The first four are USART_SR's bit positions. */
#define HAL_UART_ERR_PE 0x01u         /* parity error: the byte was dropped */
#define HAL_UART_ERR_FE 0x02u         /* framing error or break: the byte was dropped */
#define HAL_UART_ERR_NE 0x04u         /* noise: the byte was delivered */
#define HAL_UART_ERR_ORE 0x08u        /* overrun: a byte was lost */
#define HAL_UART_ERR_TX_TIMEOUT 0x10u /* TXE or TC did not come within the bound: a byte was not sent */
uint32_t hal_uart_take_errors(void);

/* ---- GPIO: port_index 0 = A ... 8 = I; out-of-range arguments are ignored ---- */
#define HAL_GPIO_PULL_NONE 0u
#define HAL_GPIO_PULL_UP 1u
#define HAL_GPIO_PULL_DOWN 2u
void hal_gpio_input_init(uint32_t port_index, uint32_t pin, uint32_t pull);
bool hal_gpio_read(uint32_t port_index, uint32_t pin);
void hal_gpio_af_init(uint32_t port_index, uint32_t pin, uint32_t af);
void hal_gpio_deinit(uint32_t port_index); /* whole port back to its reset state, clock off */

/* ---- SysTick timebase (1 kHz, interrupt driven: the vector table must route SysTick_Handler here) ---- */
void hal_tick_init(uint32_t hclk_hz);
uint32_t hal_millis(void);
void hal_tick_deinit(void);
void SysTick_Handler(void);

#endif /* TSBOOT_HAL_H */
