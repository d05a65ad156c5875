/*
 * tsboot driver API: the register-level drivers every family implements (hal-bindings/<family>/), with the
 * same names and meanings, so that the port (hal-bindings/port/: the @extern bindings of the TypeScript
 * declarations in hal-bindings/) is one file for all families. Family-only details go in the family's own
 * header (stm32f4_regs.h, stm32f0_regs.h, ...).
 *
 * Every function that can fail returns a uint32_t status (enum hal_status), so the TypeScript side receives
 * it as a u32. Every wait inside is bounded; nothing here can hang.
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
  HAL_ERR_WRP = 3,       /* WRPERR: the erase unit is write protected */
  HAL_ERR_PGA = 4,       /* PGAERR: alignment */
  HAL_ERR_PGP = 5,       /* F4 PGPERR: access size does not match PSIZE; L4/H7: SIZERR */
  HAL_ERR_PGS = 6,       /* PGSERR: programming sequence */
  HAL_ERR_OPERATION = 7, /* F4 OPERR; L4 PROGERR/MISSERR/FASTERR; H7 OPERR/INCERR; F0 PGERR */
  HAL_ERR_ARG = 8,       /* bad argument (unit number, misaligned or out-of-flash address); nothing touched */
  HAL_ERR_VERIFY = 9,    /* programmed without a flag but the unit reads back different (it was not erased) */
  HAL_ERR_PROTECTED = 10, /* the port refused: the bootloader region, or flash it may not change (last line of defence) */
  HAL_ERR_ECC = 11       /* L4/H7: an ECC double error was reported while reading (the data is unreliable) */
};

/* ---- Flash ----
 * Each erase/program unlocks the control register if needed and locks it again before it returns, on every
 * path. When the controller stays busy past its bound, the driver waits once more for the same bound;
 * if it is still busy it resets the MCU with hal_fault_reset(HAL_FAULT_FLASH_STUCK, ...): a controller
 * that never finishes cannot be locked (the control register cannot be written while BSY is set). */
uint32_t hal_flash_unlock(void);
void hal_flash_lock(void);
/* Erases one erase unit by its hardware number: F4 SNB (0..11, bank 2 16..27); F0 page index; L4 page
 * index across both banks (BKER from page / pages-per-bank); H7 sector index across both banks (0..15). */
uint32_t hal_flash_erase_unit(uint32_t number);
/* Programs one write unit at `address` (aligned to it): F0 2 bytes (PG, half-word), F4 4 (PSIZE x32),
 * L4 8 (double word, once per erase), H7 32 (a 256-bit flash word). */
uint32_t hal_flash_program_unit(uint32_t address, const uint8_t *data);
/* The write unit in bytes (as above). */
uint32_t hal_flash_write_unit(void);
/* Write protection through the option bytes, for the erase units first..last (hardware numbers, as for
 * erase): F4 nWRP bits, F0 WRP bytes (each bit a group of pages), L4 WRP areas (WRP1A), H7 WRPSN per
 * sector. Programs and launches the option bytes (OPTKEYR, OPTSTRT/OBL_LAUNCH as the family requires);
 * on F0 and L4 the new options are loaded by a reset the function itself triggers (OBL_LAUNCH), so it only
 * returns on failure. hal_flash_wrp_active reports the option bytes now in force. */
uint32_t hal_flash_wrp_set(uint32_t first, uint32_t last, bool protect);
bool hal_flash_wrp_active(uint32_t number);
/* The option bit that starts the independent watchdog by hardware at every reset (F4 WDG_SW = 0, F0
 * WDG_SW = 0, L4 IWDG_SW = 0, H7 IWDG1_SW = 0). */
bool hal_flash_option_hw_watchdog(void);
/* L4/H7: true when an ECC double error (L4 FLASH_ECCR.ECCD, H7 FLASH_SRx.DBECCERR) was seen since the last
 * call (then cleared). The NMI/fault handler of those families records it and lets the read complete, so
 * the bootloader can treat what it read as unreliable instead of faulting in a loop. F0/F4: always false. */
bool hal_flash_take_ecc_error(void);

/* ---- Independent watchdog (IWDG; IWDG1 on H7) ----
 * LSI about 32 kHz. hal_iwdg_start starts the IWDG (or, when it runs already, reprograms it) with the
 * smallest prescaler whose period covers timeout_ms, up to the longest period (prescaler /256, reload
 * 0xFFF: about 32 s); the waits for PVU/RVU are bounded. Once started, an IWDG stops only with a reset. */
void hal_iwdg_start(uint32_t timeout_ms);
void hal_iwdg_refresh(void);

/* ---- Reset cause ----
 * RCC_CSR's flags (RCC_RSR on H7) as HAL_RESET_* bits, read once and then cleared (RMVF), so the next reset
 * reports only its own cause. Later calls return the same value. */
#define HAL_RESET_PIN 0x01u
#define HAL_RESET_POWER_ON 0x02u
#define HAL_RESET_SOFTWARE 0x04u
#define HAL_RESET_IWDG 0x08u
#define HAL_RESET_WWDG 0x10u
#define HAL_RESET_LOW_POWER 0x20u
#define HAL_RESET_BROWNOUT 0x40u
#define HAL_RESET_OPTION_LOAD 0x80u
uint32_t hal_reset_cause(void);

/* ---- Faults ----
 * Every fault handler and tsb_panic end in hal_fault_reset: the record, then a system reset. The record lives
 * in the no-init RAM words at the top of RAM, above the stack (boards/linker.ts: __tsboot_fault_record, the
 * board header's BOARD_FAULT_RECORD_ADDR), so the next boot can report it. hal_fault_reset(HAL_FAULT_NONE, 0)
 * is a plain system reset that leaves no fault behind. */
#define HAL_FAULT_NONE 0u
#define HAL_FAULT_HARD 1u
#define HAL_FAULT_NMI 2u
#define HAL_FAULT_MEMMANAGE 3u
#define HAL_FAULT_BUS 4u
#define HAL_FAULT_USAGE 5u
#define HAL_FAULT_UNEXPECTED_IRQ 6u
#define HAL_FAULT_PANIC 7u
#define HAL_FAULT_FLASH_STUCK 8u
#define HAL_FAULT_ECC 9u
_Noreturn void hal_fault_reset(uint32_t kind, uint32_t detail);
/* The record the previous boot left (kind, detail: the stacked PC of a fault, the line of a panic), read
 * once at start-up and then cleared. */
uint32_t hal_fault_kind(void);
uint32_t hal_fault_detail(void);
/* The one exception a family must return from. The port's fault entry (hal-bindings/port/tsboot_fault_entry.c:
 * every NMI, fault and unexpected interrupt, through the startup's Default_Handler) calls it first, with the
 * HAL_FAULT_* kind and the stacked frame (r0-r3, r12, lr, pc, xPSR; already checked to lie in RAM). True: the
 * family has dealt with it and the port returns from the exception (the frame may have been changed);
 * false: the port records the fault and resets. L4: an NMI with FLASH_ECCR.ECCD (a double word torn by a power
 * cut was read; recorded for hal_flash_take_ecc_error, ECCD cleared, the load completes with garbage). H7: a
 * precise BusFault (or a HardFault it escalated to) of a data read from a flash word with FLASH_SRx.DBECCERR
 * (recorded, flags cleared, the stacked PC moved past the load). Resetting there instead would read the same
 * torn unit at the next boot: a reset loop. F0/F4: always false. */
bool hal_fault_recover(uint32_t kind, uint32_t *frame);

/* ---- Clocks ----
 * hal_clock_init returns the SYSCLK reached: sysclk_hz, or the HSI frequency when the HSE does not start,
 * the PLL does not lock, a switch is not confirmed or the request cannot be met. hse_hz = 0 runs the PLL
 * from the HSI; OR HAL_CLOCK_HSE_BYPASS into hse_hz for an external clock on OSC_IN (Nucleo: ST-LINK MCO).
 * Families set what must precede a faster clock themselves (flash latency; F4 VOS; H7 supply and VOS). */
#define HAL_CLOCK_HSE_BYPASS 0x80000000u
uint32_t hal_clock_init(uint32_t hse_hz, uint32_t sysclk_hz);
void hal_clock_deinit(void);
uint32_t hal_clock_hclk_hz(void);  /* as last set by hal_clock_init/deinit (the reset clock after reset) */
uint32_t hal_clock_pclk_hz(uint32_t usart_base); /* the kernel clock of that USART */

/* ---- USART (one instance at a time) ----
 * hal_uart_init waits for TC (the last byte fully sent) before it touches a running USART, so a reply is
 * never cut by a change of framing or baud rate. */
void hal_uart_init(uint32_t usart_base, uint32_t pclk_hz, uint32_t baud, bool even_parity);
int32_t hal_uart_read_byte(void); /* polled: -1 when no byte waits; never blocks */
void hal_uart_write_byte(uint8_t b);
void hal_uart_flush(void);
void hal_uart_deinit(void);
/* Circular reception by DMA into ring[0..length) (F4 USART2: DMA1 Stream 5 Channel 4; each family's
 * mapping is in its uart driver). Returns false when this USART has no DMA request on the part; the port
 * then receives by polling. hal_uart_rx_dma_head is the ring index DMA writes next (length - NDTR). */
bool hal_uart_rx_dma_start(uint8_t *ring, uint32_t length);
uint32_t hal_uart_rx_dma_head(void);
void hal_uart_rx_dma_stop(void);
/* Errors seen since the last call (then cleared). */
#define HAL_UART_ERR_PE 0x01u         /* parity error: the byte was dropped */
#define HAL_UART_ERR_FE 0x02u         /* framing error or break: the byte was dropped */
#define HAL_UART_ERR_NE 0x04u         /* noise: the byte was delivered */
#define HAL_UART_ERR_ORE 0x08u        /* overrun: a byte was lost */
#define HAL_UART_ERR_TX_TIMEOUT 0x10u /* TXE or TC did not come within the bound: a byte was not sent */
uint32_t hal_uart_take_errors(void);

/* ---- GPIO: port_index 0 = A ... 10 = K; out-of-range arguments are ignored ---- */
#define HAL_GPIO_PULL_NONE 0u
#define HAL_GPIO_PULL_UP 1u
#define HAL_GPIO_PULL_DOWN 2u
void hal_gpio_input_init(uint32_t port_index, uint32_t pin, uint32_t pull);
bool hal_gpio_read(uint32_t port_index, uint32_t pin);
void hal_gpio_af_init(uint32_t port_index, uint32_t pin, uint32_t af);
/* One pin back to its reset mode (MODER, OTYPER, OSPEEDR, PUPDR, AFR as after reset). */
void hal_gpio_pin_reset(uint32_t port_index, uint32_t pin);
/* The port's clock off (after its pins are back to reset). */
void hal_gpio_clock_off(uint32_t port_index);

/* ---- SysTick timebase (1 kHz, interrupt driven: the vector table must route SysTick_Handler here) ---- */
void hal_tick_init(uint32_t hclk_hz);
uint32_t hal_millis(void);
void hal_tick_deinit(void);
void SysTick_Handler(void);

/* ---- Before the jump ----
 * hal_cpu_quiesce: every NVIC interrupt disabled (ICER) and cleared (ICPR), SysTick pending cleared, and on
 * H7 the caches cleaned/invalidated and disabled (and the MPU off). hal_cpu_vector_table: VTOR = address
 * (Cortex-M3/M4/M7); on Cortex-M0 (F0, no VTOR) the table is copied to the start of SRAM and SRAM is
 * mapped at 0 (SYSCFG_CFGR1.MEM_MODE = 0b11, RM0091). */
void hal_cpu_quiesce(void);
void hal_cpu_vector_table(uint32_t address);

#endif /* TSBOOT_HAL_H */
