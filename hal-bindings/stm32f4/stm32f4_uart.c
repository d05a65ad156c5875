/*
 * STM32F4 USART (RM0090 30). One instance at a time: the one given to hal_uart_init. Sending is polled;
 * receiving is polled (hal_uart_read_byte) or by DMA (stm32f4_uart_dma.c).
 *
 * Polled receive uses the SR-then-DR read sequence, which clears RXNE and also ORE, FE, NE and PE: flags are
 * cleared only for a DR read that follows the SR read that saw them, so the driver always reads SR first
 * and reads DR exactly once after it. While DMA reception runs, the DMA reads DR and the driver never does.
 */
#include "stm32f4_internal.h"
#include "stm32f4_regs.h"
#include "tsboot_hal.h"

/* USART_SR's error bits are HAL_UART_ERR_PE/FE/NE/ORE at the same positions: a mask is enough to map them. */
_Static_assert(USART_SR_PE == HAL_UART_ERR_PE && USART_SR_FE == HAL_UART_ERR_FE && USART_SR_NE == HAL_UART_ERR_NE &&
                   USART_SR_ORE == HAL_UART_ERR_ORE,
               "USART_SR error bits and HAL_UART_ERR_* differ");

/* The driver's state, in one structure (one address to load):
 *   base        the USART hal_uart_init configured (0: none);
 *   char_polls  one character time in CPU cycles, the unit of every TX wait;
 *   errors      the HAL_UART_ERR_* bits not yet taken;
 *   dma_flags_seen, dma_head_seen  DMA mode: the error flags last reported and the ring head then
 *               (see hal_uart_take_errors). */
static struct {
  uint32_t base, char_polls, errors, dma_flags_seen, dma_head_seen;
} s_uart;
/* Each APB's reset register is 0x20 below its clock-enable register, with the same bits (RM0090 7.3). */
#define RCC_RSTR_OF_ENR(enr) ((enr) - 0x20u)


/* Bootloader builds name the board's USART (-DTSBOOT_UART_BASE, the only one the port configures):
 * hal_uart_init accepts no other, so the base in force is that constant or none, and what follows from it (its
 * registers, its clock-enable bit, its DMA stream) folds away at build time wherever the base is read (the
 * reader is inlined: stm32f4_internal.h's declaration keeps an external definition as well). Without it (the
 * register-model builds, the applications) any USART. */
#ifdef TSBOOT_UART_BASE
static bool uart_accepted(uint32_t base) { return base == TSBOOT_UART_BASE; }
__attribute__((always_inline)) inline uint32_t stm32f4_uart_base(void) { return s_uart.base != 0u ? TSBOOT_UART_BASE : 0u; }
#else
static bool uart_accepted(uint32_t base) { return base != 0u; }
__attribute__((always_inline)) inline uint32_t stm32f4_uart_base(void) { return s_uart.base; }
#endif
uint32_t stm32f4_uart_rx_line(void) { return stm32f4_uart_rx_dma_line(stm32f4_uart_base()); }

/* The clock-enable bit of the USART at `base` (USART1/6 on APB2, USART2/3 and UART4/5 on APB1, whose bits follow
 * their addresses, 0x400 apart), 0 when `base` is none of them. Arithmetic rather than a table search, so that a
 * constant base (the board's USART) folds away at build time. */
static uint32_t uart_clock_bit(uint32_t base, uint32_t *enr) {
  *enr = RCC_APB2ENR;
  if (base == USART1_BASE) {
    return RCC_APB2ENR_USART1EN;
  }
  if (base == USART6_BASE) {
    return RCC_APB2ENR_USART6EN;
  }
  *enr = RCC_APB1ENR;
  uint32_t offset = base - USART2_BASE;
  if ((offset & 0x3FFu) != 0u || offset > UART5_BASE - USART2_BASE) {
    return 0u;
  }
  return RCC_APB1ENR_USART2EN << (offset >> 10);
}

/* Waits up to `chars` character times for a TX flag (TXE, TC); one that never comes is a TX timeout. */
static bool uart_tx_wait(uint32_t base, uint32_t flag, uint32_t chars) {
  if (stm32f4_wait(USART_SR(base), flag, flag, chars * s_uart.char_polls)) {
    return true;
  }
  s_uart.errors |= HAL_UART_ERR_TX_TIMEOUT;
  return false;
}
void hal_uart_init(uint32_t base, uint32_t pclk_hz, uint32_t baud, bool even_parity) {
  uint32_t enr = 0;
  uint32_t bit = uart_clock_bit(base, &enr);
  /* BRR's mantissa must be at least 1: pclk/baud >= 16 with OVER8 = 0. */
  if (!uart_accepted(base) || bit == 0u || baud == 0u || pclk_hz / baud < 16u) {
    return;
  }
  bool running = stm32f4_uart_base() == base && (REG_READ32(USART_CR1(base)) & USART_CR1_UE) != 0u;
  uint32_t cr3 = 0u;
  if (running) {
    /* A reply still in the shift register would be cut by the new framing or baud rate: let TC come first
     * (DR and the shift register both empty). Reception by DMA goes on: DMAR stays. */
    (void)uart_tx_wait(base, USART_SR_TC, 3u);
    cr3 = REG_READ32(USART_CR3(base)) & USART_CR3_DMAR;
  } else {
    s_uart.errors = 0;
    REG_WRITE32(enr, REG_READ32(enr) | bit);
    (void)REG_READ32(enr); /* errata "delay after an RCC peripheral clock enabling": read back first */
  }

  /* RM0090 30.3.2 order: UE, word length, stop bits, baud rate, then TE/RE. */
  REG_WRITE32(USART_CR1(base), USART_CR1_UE);
  /* 8E1 for the AN3155 ROM protocol: M = 1 makes a 9-bit frame whose 9th bit is the parity (PCE = 1,
   * PS = 0: even); 8N1 otherwise. */
  uint32_t frame = even_parity ? (USART_CR1_M | USART_CR1_PCE) : 0u;
  REG_WRITE32(USART_CR1(base), USART_CR1_UE | frame);
  REG_WRITE32(USART_CR2(base), 0u); /* STOP = 00: 1 stop bit */
  REG_WRITE32(USART_CR3(base), cr3);
  /* OVER8 = 0: USARTDIV = pclk / (16 * baud) in 12.4 fixed point, i.e. BRR = pclk / baud, rounded. */
  REG_WRITE32(USART_BRR(base), (pclk_hz + baud / 2u) / baud);
  REG_WRITE32(USART_CR1(base), USART_CR1_UE | frame | USART_CR1_TE | USART_CR1_RE);

  s_uart.base = base;
  /* A character is at most 11 bits (start, 8 data, parity, stop); the CPU polls at HCLK at most. */
  uint32_t hclk = hal_clock_hclk_hz();
  s_uart.char_polls = (hclk / baud + 1u) * 11u;
}

int32_t hal_uart_read_byte(void) {
  uint32_t base = stm32f4_uart_base();
  if (base == 0u || stm32f4_uart_rx_dma_running()) {
    return -1; /* DMA owns DR: a CPU read would take a byte from the ring */
  }
  uint32_t sr = REG_READ32(USART_SR(base));
  uint32_t errors = sr & USART_SR_ERRORS;
  if ((sr & USART_SR_RXNE) == 0u) {
    if (errors != 0u) {
      (void)REG_READ32(USART_DR(base)); /* completes the sequence that clears the flags */
      s_uart.errors |= errors;
    }
    return -1;
  }
  uint32_t dr = REG_READ32(USART_DR(base));
  s_uart.errors |= errors;
  /* On overrun DR still holds the byte received before it (the later one is lost): deliver it. Noise
   * leaves a byte that majority sampling most likely got right: deliver it. A framing or parity error
   * leaves a damaged byte (or a break): drop it, the protocol's checksum will see the gap. */
  if ((sr & (USART_SR_FE | USART_SR_PE)) != 0u) {
    return -1;
  }
  return (int32_t)(dr & 0xFFu); /* with M = 1 and PCE = 1, bit 8 is the received parity bit */
}

void hal_uart_write_byte(uint8_t b) {
  /* TXE comes within one character time of the previous write; allow two. */
  uint32_t base = stm32f4_uart_base();
  if (base == 0u || !uart_tx_wait(base, USART_SR_TXE, 2u)) {
    return;
  }
  REG_WRITE32(USART_DR(base), b); /* with parity on, the hardware replaces the MSB */
}

void hal_uart_flush(void) {
  /* TC: the byte in DR and the one in the shift register are both out. */
  uint32_t base = stm32f4_uart_base();
  if (base != 0u) {
    (void)uart_tx_wait(base, USART_SR_TC, 3u);
  }
}

void hal_uart_deinit(void) {
  uint32_t base = stm32f4_uart_base();
  if (base == 0u) {
    return;
  }
  hal_uart_rx_dma_stop(); /* no-op unless DMA reception runs */
  hal_uart_flush();
  REG_WRITE32(USART_CR1(base), 0u);
  /* A reset pulse returns every USART register to its reset value for the application. */
  uint32_t enr = 0;
  uint32_t bit = uart_clock_bit(base, &enr);
  uint32_t rstr = RCC_RSTR_OF_ENR(enr);
  REG_WRITE32(rstr, REG_READ32(rstr) | bit);
  REG_WRITE32(rstr, REG_READ32(rstr) & ~bit);
  REG_WRITE32(enr, REG_READ32(enr) & ~bit);
  s_uart.base = 0u;
}

uint32_t hal_uart_take_errors(void) {
  uint32_t base = stm32f4_uart_base();
  if (base != 0u && stm32f4_uart_rx_dma_running()) {
    /* The DMA's DR read clears the flags only after an SR read saw them, so a flag stays set until the next
     * character arrives: report it once, not at every call until then (the head has not moved meanwhile).
     * The damaged character itself is in the ring: DMA cannot drop it. */
    uint32_t flags = REG_READ32(USART_SR(base)) & USART_SR_ERRORS;
    uint32_t head = hal_uart_rx_dma_head();
    uint32_t fresh = head == s_uart.dma_head_seen ? flags & ~s_uart.dma_flags_seen : flags;
    s_uart.dma_flags_seen = flags;
    s_uart.dma_head_seen = head;
    s_uart.errors |= fresh;
  }
  uint32_t e = s_uart.errors;
  s_uart.errors = 0;
  return e;
}
