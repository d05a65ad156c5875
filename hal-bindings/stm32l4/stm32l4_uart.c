/*
 * STM32L4 USART (RM0351 USART chapter): the v2 IP, with ISR/ICR/RDR/TDR, and circular DMA reception on DMA1
 * (RM0351 11). One instance at a time: the one given to hal_uart_init.
 *
 * Differences from the F4 USART that the code meets:
 *   - flags are cleared by writing ICR (write-1-to-clear), not by an SR-then-DR read sequence; RDR read clears
 *     RXNE only;
 *   - M0/M1, PCE, PS, OVER8, BRR, CR2 and most of CR3 can only be written while UE = 0, so configuring is
 *     "UE off, frame, BRR, stop bits, UE on, TE/RE on" (RM0351 "Character transmission procedure");
 *   - 8E1 is M1:M0 = 01 (9-bit frame) with PCE: the 9th bit is the parity;
 *   - with DMA reception and CR3.DDRE = 0 (reset), a byte with PE, FE or NE is not transferred (RXNE stays
 *     0), the next good one is; the flag stays set for hal_uart_take_errors.
 */
#include "stm32l4_regs.h"
#include "tsboot_hal.h"

#include <stddef.h>

struct uart_instance {
  uint32_t base;
  uint32_t enr;         /* RCC clock enable register */
  uint32_t rstr;        /* RCC reset register, same bit position */
  uint32_t bit;
  uint32_t dma_channel; /* DMA1 channel of its RX request (request 2 for all three); 0: none */
};

/* DMA1 request mapping (RM0351 table "DMA1 requests for each channel", DMA_CSELR CxS = 0010): USART1_RX
 * channel 5, USART2_RX channel 6, USART3_RX channel 3. UART4/5 are on DMA2, which tsboot does not use. */
#define UART_DMA_REQUEST 0x2u

static const struct uart_instance s_instances[] = {
    {USART1_BASE, RCC_APB2ENR, RCC_APB2RSTR, RCC_APB2ENR_USART1EN, 5u},
    {USART2_BASE, RCC_APB1ENR1, RCC_APB1RSTR1, RCC_APB1ENR1_USART2EN, 6u},
    {USART3_BASE, RCC_APB1ENR1, RCC_APB1RSTR1, RCC_APB1ENR1_USART3EN, 3u},
    {UART4_BASE, RCC_APB1ENR1, RCC_APB1RSTR1, RCC_APB1ENR1_UART4EN, 0u},
    {UART5_BASE, RCC_APB1ENR1, RCC_APB1RSTR1, RCC_APB1ENR1_UART5EN, 0u},
};

static const struct uart_instance *s_uart = NULL;
static uint32_t s_char_polls = 0; /* one character time in CPU cycles, the unit of every TX wait */
static uint32_t s_errors = 0;
static bool s_dma_active = false;
static uint32_t s_dma_length = 0;

static bool uart_wait(uint32_t flag, uint32_t polls) {
  for (uint32_t i = 0; i < polls; i++) {
    if ((REG_READ32(USART_ISR(s_uart->base)) & flag) != 0u) {
      return true;
    }
  }
  return false;
}

/* ISR error flags as HAL_UART_ERR_* bits. */
static uint32_t uart_errors_from_isr(uint32_t isr) {
  return ((isr & USART_ISR_PE) != 0u ? HAL_UART_ERR_PE : 0u) | ((isr & USART_ISR_FE) != 0u ? HAL_UART_ERR_FE : 0u) |
         ((isr & USART_ISR_NF) != 0u ? HAL_UART_ERR_NE : 0u) | ((isr & USART_ISR_ORE) != 0u ? HAL_UART_ERR_ORE : 0u);
}

/* Takes the error flags `isr` shows: recorded, then cleared in ICR (only those: write-1-to-clear). */
static void uart_take_isr_errors(uint32_t isr) {
  uint32_t flags = isr & USART_ISR_ERRORS;
  if (flags != 0u) {
    REG_WRITE32(USART_ICR(s_uart->base), flags); /* each ICR clear bit sits at its flag's position */
    s_errors |= uart_errors_from_isr(flags);
  }
}

void hal_uart_init(uint32_t usart_base, uint32_t pclk_hz, uint32_t baud, bool even_parity) {
  const struct uart_instance *u = NULL;
  for (uint32_t i = 0; i < sizeof s_instances / sizeof s_instances[0]; i++) {
    if (s_instances[i].base == usart_base) {
      u = &s_instances[i];
    }
  }
  /* OVER8 = 0: BRR = USARTDIV = f(ck) / baud, which must be at least 16 and fit 16 bits. */
  uint32_t brr = baud != 0u ? (pclk_hz + baud / 2u) / baud : 0u;
  if (u == NULL || baud == 0u || brr < 16u || brr > 0xFFFFu) {
    return;
  }
  bool keep_dma = s_dma_active && s_uart == u;
  if (s_dma_active && !keep_dma) {
    hal_uart_rx_dma_stop();
  }
  if (!keep_dma) {
    s_errors = 0;
  }
  REG_WRITE32(u->enr, REG_READ32(u->enr) | u->bit);
  (void)REG_READ32(u->enr); /* let the clock enable land before the first USART access */

  /* A character is at most 11 bits (start, 8 data, parity, stop); the CPU polls at HCLK at most. */
  uint32_t char_polls = (hal_clock_hclk_hz() / baud + 1u) * 11u;
  if ((REG_READ32(USART_CR1(u->base)) & USART_CR1_UE) != 0u) {
    /* Running: let the last byte leave the shift register (TC) before the framing or baud rate changes, so a
     * reply is never cut. The bound is three characters at the old setting (the new one the first time). */
    uint32_t old_polls = s_uart == u && s_char_polls != 0u ? s_char_polls : char_polls;
    s_uart = u;
    if (!uart_wait(USART_ISR_TC, 3u * old_polls)) {
      s_errors |= HAL_UART_ERR_TX_TIMEOUT;
    }
    /* UE = 0 alone first: the frame bits and BRR become writable once the USART is off. */
    REG_WRITE32(USART_CR1(u->base), REG_READ32(USART_CR1(u->base)) & ~USART_CR1_UE);
  }
  s_uart = u;
  s_char_polls = char_polls;

  /* 8E1 for the AN3155 ROM protocol: M1:M0 = 01 makes a 9-bit frame whose 9th bit is the parity (PCE = 1,
   * PS = 0: even); 8N1 otherwise. */
  uint32_t frame = even_parity ? (USART_CR1_M0 | USART_CR1_PCE) : 0u;
  REG_WRITE32(USART_CR1(u->base), frame);
  REG_WRITE32(USART_BRR(u->base), brr);
  REG_WRITE32(USART_CR2(u->base), 0u);                             /* STOP = 00: 1 stop bit */
  REG_WRITE32(USART_CR3(u->base), keep_dma ? USART_CR3_DMAR : 0u); /* DDRE = 0, OVRDIS = 0 */
  REG_WRITE32(USART_CR1(u->base), frame | USART_CR1_UE);
  REG_WRITE32(USART_CR1(u->base), frame | USART_CR1_UE | USART_CR1_TE | USART_CR1_RE);

  /* TEACK confirms the transmitter is on (it sends an idle frame first): bounded by two characters. */
  if (!uart_wait(USART_ISR_TEACK, 2u * s_char_polls)) {
    s_errors |= HAL_UART_ERR_TX_TIMEOUT;
  }
}

int32_t hal_uart_read_byte(void) {
  if (s_uart == NULL || s_dma_active) {
    return -1; /* with DMA reception the bytes go to the ring, not here */
  }
  uint32_t isr = REG_READ32(USART_ISR(s_uart->base));
  uart_take_isr_errors(isr);
  if ((isr & USART_ISR_RXNE) == 0u) {
    return -1;
  }
  uint32_t rdr = REG_READ32(USART_RDR(s_uart->base)); /* clears RXNE */
  /* On overrun RDR still holds the byte received before it (a later one was lost): deliver it. Noise leaves a
   * byte that majority sampling most likely got right: deliver it. A framing or parity error leaves a damaged
   * byte (or a break): drop it, the protocol's checksum will see the gap. */
  if ((isr & (USART_ISR_FE | USART_ISR_PE)) != 0u) {
    return -1;
  }
  return (int32_t)(rdr & 0xFFu); /* with 8E1, bit 8 is the received parity bit */
}

void hal_uart_write_byte(uint8_t b) {
  if (s_uart == NULL) {
    return;
  }
  /* TXE comes within one character time of the previous write; allow two. */
  if (!uart_wait(USART_ISR_TXE, 2u * s_char_polls)) {
    s_errors |= HAL_UART_ERR_TX_TIMEOUT;
    return;
  }
  REG_WRITE32(USART_TDR(s_uart->base), b); /* with parity on, the hardware puts the parity in bit 8 */
}

void hal_uart_flush(void) {
  if (s_uart == NULL) {
    return;
  }
  /* TC: the byte in TDR and the one in the shift register are both out. */
  if (!uart_wait(USART_ISR_TC, 3u * s_char_polls)) {
    s_errors |= HAL_UART_ERR_TX_TIMEOUT;
  }
}

void hal_uart_deinit(void) {
  if (s_uart == NULL) {
    return;
  }
  hal_uart_flush();
  hal_uart_rx_dma_stop();
  const struct uart_instance *u = s_uart;
  REG_WRITE32(USART_CR1(u->base), REG_READ32(USART_CR1(u->base)) & ~USART_CR1_UE);
  /* A reset pulse returns every USART register to its reset value for the application. */
  REG_WRITE32(u->rstr, REG_READ32(u->rstr) | u->bit);
  REG_WRITE32(u->rstr, REG_READ32(u->rstr) & ~u->bit);
  REG_WRITE32(u->enr, REG_READ32(u->enr) & ~u->bit);
  s_uart = NULL;
}

uint32_t hal_uart_take_errors(void) {
  if (s_uart != NULL && s_dma_active) {
    /* With DMA nothing reads ISR per byte: collect here. A transfer error (TEIF: the channel stopped) means
     * bytes are being lost, which the API spells as an overrun. */
    uart_take_isr_errors(REG_READ32(USART_ISR(s_uart->base)));
    if ((REG_READ32(DMA_ISR(DMA1_BASE)) & DMA_ISR_TEIF(s_uart->dma_channel)) != 0u) {
      s_errors |= HAL_UART_ERR_ORE;
    }
  }
  uint32_t e = s_errors;
  s_errors = 0;
  return e;
}

/* ---- Circular DMA reception (RM0351 11.4) ---- */

/* EN = 0 alone first, then the configuration cleared (as ST's HAL_DMA_DeInit): the configuration and the
 * CPAR/CMAR/CNDTR registers are not to be changed while the channel is enabled. */
static void dma_channel_off(uint32_t ch) {
  uint32_t ccr = REG_READ32(DMA_CCR(DMA1_BASE, ch));
  if ((ccr & DMA_CCR_EN) != 0u) {
    REG_WRITE32(DMA_CCR(DMA1_BASE, ch), ccr & ~DMA_CCR_EN);
  }
  REG_WRITE32(DMA_CCR(DMA1_BASE, ch), 0u);
}

bool hal_uart_rx_dma_start(uint8_t *ring, uint32_t length) {
  if (s_uart == NULL || s_uart->dma_channel == 0u || ring == NULL || length == 0u || length > DMA_CNDTR_Msk) {
    return false;
  }
  if (s_dma_active) {
    hal_uart_rx_dma_stop();
  }
  uint32_t ch = s_uart->dma_channel;
  REG_WRITE32(RCC_AHB1ENR, REG_READ32(RCC_AHB1ENR) | RCC_AHB1ENR_DMA1EN);
  (void)REG_READ32(RCC_AHB1ENR);
  /* CPAR, CMAR and CNDTR can be written only while the channel is disabled (EN = 0). */
  dma_channel_off(ch);
  REG_WRITE32(DMA_IFCR(DMA1_BASE), DMA_IFCR_CGIF(ch));
  uint32_t cselr = REG_READ32(DMA_CSELR(DMA1_BASE)) & ~DMA_CSELR_CxS_Msk(ch);
  REG_WRITE32(DMA_CSELR(DMA1_BASE), cselr | (UART_DMA_REQUEST << DMA_CSELR_CxS_Pos(ch)));
  REG_WRITE32(DMA_CPAR(DMA1_BASE, ch), USART_RDR(s_uart->base));
  REG_WRITE32(DMA_CMAR(DMA1_BASE, ch), REG_RAM_ADDRESS(ring, length));
  REG_WRITE32(DMA_CNDTR(DMA1_BASE, ch), length);
  /* Peripheral to memory (DIR = 0), bytes both sides, memory increment, circular, very high priority. */
  uint32_t ccr = DMA_CCR_MINC | DMA_CCR_CIRC | DMA_CCR_PL_VERY_HIGH;
  REG_WRITE32(DMA_CCR(DMA1_BASE, ch), ccr);
  REG_WRITE32(DMA_CCR(DMA1_BASE, ch), ccr | DMA_CCR_EN);
  /* Then the USART's request (RM0351 "Reception using DMA": the channel first). DMAR is writable with UE = 1. */
  REG_WRITE32(USART_CR3(s_uart->base), REG_READ32(USART_CR3(s_uart->base)) | USART_CR3_DMAR);
  s_dma_length = length;
  s_dma_active = true;
  return true;
}

uint32_t hal_uart_rx_dma_head(void) {
  if (!s_dma_active) {
    return 0u;
  }
  /* CNDTR counts down from the length and reloads in circular mode: never 0 when read, but be safe. */
  uint32_t left = REG_READ32(DMA_CNDTR(DMA1_BASE, s_uart->dma_channel)) & DMA_CNDTR_Msk;
  return left == 0u || left > s_dma_length ? 0u : s_dma_length - left;
}

void hal_uart_rx_dma_stop(void) {
  if (!s_dma_active || s_uart == NULL) {
    s_dma_active = false;
    return;
  }
  uint32_t ch = s_uart->dma_channel;
  REG_WRITE32(USART_CR3(s_uart->base), REG_READ32(USART_CR3(s_uart->base)) & ~USART_CR3_DMAR);
  uart_take_isr_errors(REG_READ32(USART_ISR(s_uart->base)));
  dma_channel_off(ch);
  REG_WRITE32(DMA_IFCR(DMA1_BASE), DMA_IFCR_CGIF(ch));
  REG_WRITE32(DMA_CSELR(DMA1_BASE), REG_READ32(DMA_CSELR(DMA1_BASE)) & ~DMA_CSELR_CxS_Msk(ch));
  /* DMA1 back to reset, its clock off: tsboot is its only user. */
  REG_WRITE32(RCC_AHB1RSTR, REG_READ32(RCC_AHB1RSTR) | RCC_AHB1ENR_DMA1EN);
  REG_WRITE32(RCC_AHB1RSTR, REG_READ32(RCC_AHB1RSTR) & ~RCC_AHB1ENR_DMA1EN);
  REG_WRITE32(RCC_AHB1ENR, REG_READ32(RCC_AHB1ENR) & ~RCC_AHB1ENR_DMA1EN);
  s_dma_active = false;
  s_dma_length = 0;
}

#ifdef TSBOOT_REG_MODEL
void stm32l4_uart_model_boot(void) {
  s_uart = NULL;
  s_char_polls = 0;
  s_errors = 0;
  s_dma_active = false;
  s_dma_length = 0;
}
#endif
