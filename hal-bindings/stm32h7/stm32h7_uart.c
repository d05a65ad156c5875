/*
 * STM32H7 USART (RM0433 48, the v2 USART: ISR/ICR/RDR/TDR, FIFO mode off) and circular reception by DMA1 +
 * DMAMUX1 (RM0433 15-17). One instance at a time: the one given to hal_uart_init.
 *
 * Differences from the F4 USART that the code meets: M, PCE, PS, OVER8, FIFOEN and BRR may only be written
 * while UE = 0; TE/RE are acknowledged by TEACK/REACK; reading RDR clears RXNE but not the error flags,
 * which are cleared one by one through ICR (write 1); the kernel clock comes from RCC_D2CCIP2R
 * (hal_clock_pclk_hz), with an optional prescaler (USART_PRESC, left at /1).
 */
#include "stm32h7.h"
#include "stm32h7_internal.h"
#include "stm32h7_regs.h"
#include "tsboot_hal.h"

struct uart_instance {
  uint32_t base;
  uint32_t enr;         /* RCC clock enable register */
  uint32_t rstr;        /* RCC reset register (same bit position) */
  uint32_t bit;
  uint32_t dma_request; /* DMAMUX1 request of its RX (RM0433 table 121) */
};

static const struct uart_instance s_instances[] = {
    {USART1_BASE, RCC_APB2ENR, RCC_APB2RSTR, RCC_APB2ENR_USART1EN, DMAMUX1_REQ_USART1_RX},
    {USART2_BASE, RCC_APB1LENR, RCC_APB1LRSTR, RCC_APB1LENR_USART2EN, DMAMUX1_REQ_USART2_RX},
    {USART3_BASE, RCC_APB1LENR, RCC_APB1LRSTR, RCC_APB1LENR_USART3EN, DMAMUX1_REQ_USART3_RX},
    {UART4_BASE, RCC_APB1LENR, RCC_APB1LRSTR, RCC_APB1LENR_UART4EN, DMAMUX1_REQ_UART4_RX},
    {UART5_BASE, RCC_APB1LENR, RCC_APB1LRSTR, RCC_APB1LENR_UART5EN, DMAMUX1_REQ_UART5_RX},
    {USART6_BASE, RCC_APB2ENR, RCC_APB2RSTR, RCC_APB2ENR_USART6EN, DMAMUX1_REQ_USART6_RX},
    {UART7_BASE, RCC_APB1LENR, RCC_APB1LRSTR, RCC_APB1LENR_UART7EN, DMAMUX1_REQ_UART7_RX},
    {UART8_BASE, RCC_APB1LENR, RCC_APB1LRSTR, RCC_APB1LENR_UART8EN, DMAMUX1_REQ_UART8_RX},
};

#define S UART_RX_DMA_STREAM

static const struct uart_instance *s_uart = 0;
static uint32_t s_char_polls = 0; /* one character time in CPU cycles, the unit of every wait here */
static uint32_t s_errors = 0;
static bool s_dma = false;
static uint32_t s_dma_length = 0;

static bool uart_wait(uint32_t flag, uint32_t polls) {
  return stm32h7_wait(USART_ISR(s_uart->base), flag, flag, polls);
}

/* Error flags as HAL_UART_ERR_* (the same bit positions: PE, FE, NE, ORE), cleared through ICR. */
static void uart_collect_errors(void) {
  uint32_t errors = REG_READ32(USART_ISR(s_uart->base)) & USART_ISR_ERRORS;
  if (errors != 0u) {
    REG_WRITE32(USART_ICR(s_uart->base), errors); /* PECF, FECF, NECF, ORECF sit where the flags do */
    s_errors |= errors;
  }
}

void hal_uart_init(uint32_t usart_base, uint32_t pclk_hz, uint32_t baud, bool even_parity) {
  if (s_uart != 0) {
    hal_uart_deinit(); /* flushes first: a reply is never cut by the new framing */
  }
  const struct uart_instance *u = 0;
  for (uint32_t i = 0; i < sizeof s_instances / sizeof s_instances[0]; i++) {
    if (s_instances[i].base == usart_base) {
      u = &s_instances[i];
    }
  }
  /* OVER8 = 0: BRR = kernel clock / baud, at least 16, at most 0xFFFF. */
  if (u == 0 || baud == 0u || pclk_hz / baud < 16u || pclk_hz / baud > 0xFFFFu) {
    return;
  }
  REG_WRITE32(u->enr, REG_READ32(u->enr) | u->bit);
  (void)REG_READ32(u->enr); /* let the clock enable land before the first access */
  /* A USART left running by someone else: let its last character out before UE goes to 0. */
  if ((REG_READ32(USART_CR1(u->base)) & (USART_CR1_UE | USART_CR1_TE)) == (USART_CR1_UE | USART_CR1_TE)) {
    /* Bounded by three characters at 1200 baud, slower than any rate tsboot uses. */
    (void)stm32h7_wait(USART_ISR(u->base), USART_ISR_TC, USART_ISR_TC, 3u * (hal_clock_hclk_hz() / 1200u + 1u) * 11u);
  }
  REG_WRITE32(USART_CR1(u->base), 0u); /* UE = 0: M, PCE, PS, OVER8, FIFOEN, BRR writable (RM0433 48.5.2) */
  /* 8E1 for the AN3155 ROM protocol: M[1:0] = 01 makes a 9-bit word whose 9th bit is the parity (PCE = 1,
   * PS = 0: even); 8N1 otherwise. FIFOEN = 0. */
  uint32_t frame = even_parity ? (USART_CR1_M0 | USART_CR1_PCE) : 0u;
  REG_WRITE32(USART_CR2(u->base), 0u); /* STOP = 00: 1 stop bit */
  REG_WRITE32(USART_CR3(u->base), 0u);
  REG_WRITE32(USART_PRESC(u->base), 0u);
  REG_WRITE32(USART_BRR(u->base), (pclk_hz + baud / 2u) / baud);
  REG_WRITE32(USART_CR1(u->base), frame);
  REG_WRITE32(USART_CR1(u->base), frame | USART_CR1_UE | USART_CR1_TE | USART_CR1_RE);

  s_uart = u;
  s_errors = 0;
  s_dma = false;
  /* A character is at most 11 bits (start, 8 data, parity, stop); the CPU polls at its clock at most. */
  s_char_polls = (hal_clock_hclk_hz() / baud + 1u) * 11u;
  /* TE and RE take effect when the USART acknowledges them (a few kernel clocks). */
  if (!uart_wait(USART_ISR_TEACK | USART_ISR_REACK, s_char_polls)) {
    s_errors |= HAL_UART_ERR_TX_TIMEOUT;
  }
  REG_WRITE32(USART_ICR(u->base), USART_ICR_PECF | USART_ICR_FECF | USART_ICR_NECF | USART_ICR_ORECF);
}

int32_t hal_uart_read_byte(void) {
  if (s_uart == 0 || s_dma) {
    return -1; /* while DMA receives, RDR belongs to it: a CPU read would steal a byte from the ring */
  }
  uint32_t isr = REG_READ32(USART_ISR(s_uart->base));
  int32_t byte = -1;
  if ((isr & USART_ISR_RXNE) != 0u) {
    uint32_t rdr = REG_READ32(USART_RDR(s_uart->base)); /* clears RXNE */
    /* Noise leaves a byte that majority sampling most likely got right: deliver it. A framing or parity
     * error leaves a damaged byte (or a break): drop it, the protocol's checksum will see the gap. On
     * overrun RDR still holds the byte received before it: deliver it. */
    if ((isr & (USART_ISR_FE | USART_ISR_PE)) == 0u) {
      byte = (int32_t)(rdr & 0xFFu); /* with M = 01 and PCE = 1, bit 8 is the parity bit */
    }
  }
  if ((isr & USART_ISR_ERRORS) != 0u) {
    REG_WRITE32(USART_ICR(s_uart->base), isr & USART_ISR_ERRORS);
    s_errors |= isr & USART_ISR_ERRORS;
  }
  return byte;
}

void hal_uart_write_byte(uint8_t b) {
  if (s_uart == 0) {
    return;
  }
  /* TXE comes within one character time of the previous write; allow two. */
  if (!uart_wait(USART_ISR_TXE, 2u * s_char_polls)) {
    s_errors |= HAL_UART_ERR_TX_TIMEOUT;
    return;
  }
  REG_WRITE32(USART_TDR(s_uart->base), b); /* with parity on, the hardware puts the parity bit in */
}

void hal_uart_flush(void) {
  if (s_uart == 0) {
    return;
  }
  /* TC: TDR and the shift register are both empty. */
  if (!uart_wait(USART_ISR_TC, 3u * s_char_polls)) {
    s_errors |= HAL_UART_ERR_TX_TIMEOUT;
  }
}

uint32_t hal_uart_take_errors(void) {
  if (s_uart != 0) {
    uart_collect_errors();
    if (s_dma && (REG_READ32(DMA_LISR) & (DMA_FLAG_TEIF << DMA_STREAM1_FLAGS_Pos)) != 0u) {
      /* A transfer error disables the stream (RM0433 15.3.14): reception has stopped, bytes are lost. */
      REG_WRITE32(DMA_LIFCR, DMA_FLAG_TEIF << DMA_STREAM1_FLAGS_Pos);
      s_errors |= HAL_UART_ERR_ORE;
    }
  }
  uint32_t e = s_errors;
  s_errors = 0;
  return e;
}

/* ---- Circular reception by DMA1 stream 1, DMAMUX1 channel 1 ---- */

/* DMA1 reaches AXI SRAM and SRAM1-3, not the TCMs (RM0433 2.1, table 3). */
static bool uart_dma_in(uint32_t bus, uint32_t length, uint32_t base, uint32_t size) {
  return length <= size && bus >= base && bus - base <= size - length;
}

static bool uart_dma_reachable(uint32_t bus, uint32_t length) {
  return uart_dma_in(bus, length, AXI_SRAM_BASE, AXI_SRAM_SIZE) || uart_dma_in(bus, length, D2_SRAM_BASE, D2_SRAM_SIZE);
}

static bool uart_dma_stream_off(void) {
  uint32_t cr = REG_READ32(DMA_SxCR(S));
  if ((cr & DMA_SxCR_EN) != 0u) {
    REG_WRITE32(DMA_SxCR(S), cr & ~DMA_SxCR_EN);
  }
  /* EN reads 1 until the stream has really stopped (RM0433 15.3.19): wait at most two characters. */
  bool off = stm32h7_wait(DMA_SxCR(S), DMA_SxCR_EN, 0u, 2u * s_char_polls + 16u);
  REG_WRITE32(DMA_LIFCR, DMA_STREAM_FLAGS << DMA_STREAM1_FLAGS_Pos);
  return off;
}

bool hal_uart_rx_dma_start(uint8_t *ring, uint32_t length) {
  if (s_uart == 0 || s_dma || length == 0u || length > DMA_SxNDT_Msk) {
    return false;
  }
  /* DMA writes memory behind the D-cache: with the D-cache on, the CPU could read stale lines. tsboot runs
   * with it off; with it on, reception falls back to polling rather than read garbage. */
  if ((REG_READ32(SCB_CCR) & SCB_CCR_DC) != 0u) {
    return false;
  }
  uint32_t bus = REG_BUS_ADDRESS(ring);
  if (!uart_dma_reachable(bus, length)) {
    return false;
  }
  REG_WRITE32(RCC_AHB1ENR, REG_READ32(RCC_AHB1ENR) | RCC_AHB1ENR_DMA1EN);
  (void)REG_READ32(RCC_AHB1ENR);
  if (!uart_dma_stream_off()) {
    return false;
  }
  REG_WRITE32(DMAMUX1_CxCR(S), s_uart->dma_request);
  /* RM0433 15.3.19 stream configuration: addresses, count, FIFO (direct mode), then CR, then EN. */
  REG_WRITE32(DMA_SxPAR(S), USART_RDR(s_uart->base));
  REG_WRITE32(DMA_SxM0AR(S), bus);
  REG_WRITE32(DMA_SxNDTR(S), length);
  REG_WRITE32(DMA_SxFCR(S), 0u);
  uint32_t cr = DMA_SxCR_PL_HIGH | DMA_SxCR_MINC | DMA_SxCR_CIRC | DMA_SxCR_DIR_P2M; /* bytes to bytes */
  REG_WRITE32(DMA_SxCR(S), cr);
  REG_WRITE32(DMA_SxCR(S), cr | DMA_SxCR_EN);
  /* The USART requests a transfer for every received byte from now on (RM0433 48.5.15). */
  REG_WRITE32(USART_CR3(s_uart->base), REG_READ32(USART_CR3(s_uart->base)) | USART_CR3_DMAR);
  s_dma = true;
  s_dma_length = length;
  return true;
}

uint32_t hal_uart_rx_dma_head(void) {
  if (!s_dma) {
    return 0u;
  }
  uint32_t ndtr = REG_READ32(DMA_SxNDTR(S)) & DMA_SxNDT_Msk;
  return ndtr >= s_dma_length ? 0u : s_dma_length - ndtr; /* NDTR reloads to length after the last byte */
}

void hal_uart_rx_dma_stop(void) {
  if (!s_dma) {
    return;
  }
  if (s_uart != 0) {
    REG_WRITE32(USART_CR3(s_uart->base), REG_READ32(USART_CR3(s_uart->base)) & ~USART_CR3_DMAR);
  }
  (void)uart_dma_stream_off();
  REG_WRITE32(DMAMUX1_CxCR(S), 0u);
  /* DMA1 and DMAMUX1 back to their reset state for the application, clock off. */
  REG_WRITE32(RCC_AHB1RSTR, REG_READ32(RCC_AHB1RSTR) | RCC_AHB1ENR_DMA1EN);
  REG_WRITE32(RCC_AHB1RSTR, REG_READ32(RCC_AHB1RSTR) & ~RCC_AHB1ENR_DMA1EN);
  REG_WRITE32(RCC_AHB1ENR, REG_READ32(RCC_AHB1ENR) & ~RCC_AHB1ENR_DMA1EN);
  s_dma = false;
}

void hal_uart_deinit(void) {
  if (s_uart == 0) {
    return;
  }
  hal_uart_flush();
  hal_uart_rx_dma_stop();
  const struct uart_instance *u = s_uart;
  REG_WRITE32(USART_CR1(u->base), 0u);
  /* A reset pulse returns every USART register to its reset value for the application. */
  REG_WRITE32(u->rstr, REG_READ32(u->rstr) | u->bit);
  REG_WRITE32(u->rstr, REG_READ32(u->rstr) & ~u->bit);
  REG_WRITE32(u->enr, REG_READ32(u->enr) & ~u->bit);
  s_uart = 0;
}
