/*
 * What the STM32F4 driver files share with each other and nothing else (the driver API is tsboot_hal.h).
 */
#ifndef STM32F4_INTERNAL_H
#define STM32F4_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/* FLASH_STUCK details for waits that belong to no single erase unit or address (the other details are the SNB
 * of an erase and the address of a program). */
#define FLASH_STUCK_EARLIER_OPERATION 0xFFFFFFFFu /* waiting for an operation started before this call */
#define FLASH_STUCK_OPTION_BYTES 0xFFFFFFFEu      /* programming the option bytes (OPTSTRT) */

/* A wait bound: the polls `ms` milliseconds take at one poll per HCLK cycle at most (stm32f4_wait.c). */
uint32_t stm32f4_polls_ms(uint32_t ms);
#define FLASH_ERASE_128K_MAX_MS 2600u /* the longest operation of the controller (datasheet maximum, x32) */

/*
 * Starts an operation with one store (`value` to `addr`: FLASH_CR with STRT, a word into flash, FLASH_OPTCR with
 * OPTSTRT; addr 0 stores nothing), then waits for FLASH_SR.BSY to clear, refreshing the IWDG as it polls. When
 * BSY is still set after `polls`, it waits once more for as long; then it resets the MCU with
 * hal_fault_reset(HAL_FAULT_FLASH_STUCK, detail). Runs from RAM with interrupts masked (TSBOOT_RAMFUNC).
 */
void stm32f4_flash_run(uint32_t addr, uint32_t value, uint32_t polls, uint32_t detail);

/* Before an operation: waits for one that runs already (or resets, as stm32f4_flash_run), then clears stale flags. */
void stm32f4_flash_idle_and_clean(void);
/* After one, once BSY is clear: FLASH_SR mapped to a status (the most specific flag first), and the flags
 * found cleared. */
uint32_t stm32f4_flash_take_status(void);

/* True once (REG_READ32(addr) & mask) == value, false after `polls` reads that never saw it (stm32f4_wait.c).
 * A poll takes at least one CPU cycle, so polls = time x HCLK never gives up before `time`. */
bool stm32f4_wait(uint32_t addr, uint32_t mask, uint32_t value, uint32_t polls);

/* The USART hal_uart_init last configured (0: none), and whether DMA reception runs on it. In a board build
 * (-DTSBOOT_UART_BASE) the base is that constant or 0: inlined, it folds into each caller. */
uint32_t stm32f4_uart_base(void);
bool stm32f4_uart_rx_dma_running(void);

/* The DMA request line of the receiver of the USART at `usart` (stm32f4_uart_dma.c): the stream's DMA_SxCR
 * address with its CHSEL in the low 3 bits (SxCR addresses are multiples of 8), 0 for none. Arithmetic, so
 * that it folds away for the board's constant USART. */
uint32_t stm32f4_uart_rx_dma_line(uint32_t usart);
/* The line of the USART hal_uart_init last configured (0: none). */
uint32_t stm32f4_uart_rx_line(void);

#endif /* STM32F4_INTERNAL_H */
