/*
 * STM32F0 USART (RM0091 "Universal synchronous asynchronous receiver transmitter"), the v2 USART with
 * ISR/ICR/RDR/TDR, polled or with circular DMA reception. One instance at a time: the one given to
 * hal_uart_init.
 *
 * Differences from the F4's USART that the code meets: the frame (M0/M1, PCE, PS, OVER8), CR2, BRR and most of
 * CR3 can only be written while UE = 0, so a running USART is stopped (after TC) before it is reconfigured;
 * reading RDR clears RXNE but not the error flags, which are cleared by writing ICR; clearing UE resets ISR.
 */
#include "stm32f0_regs.h"
#include "tsboot_hal.h"

/*
 * DMA requests (RM0091 "DMA request mapping", table "Summary of the DMA requests for each channel on
 * STM32F07x devices", and SYSCFG_CFGR1): USART1_RX on DMA1 channel 3 while SYSCFG_CFGR1.USART1RX_DMA_RMP = 0
 * (channel 5 when set); USART2_RX on channel 5 while SYSCFG_CFGR1.USART2_DMA_RMP = 0 (channel 6 when set).
 * USART3_RX and USART4_RX share channel 6 (or 3) with other requests: tsboot receives from them by polling.
 */
struct uart_instance {
  uint32_t base;
  uint32_t enr;         /* RCC clock enable register */
  uint32_t rstr;        /* RCC reset register */
  uint32_t bit;         /* same position in both */
  uint32_t rx_channel;  /* DMA1 channel of the RX request, 0: none used */
  uint32_t rx_remap;    /* SYSCFG_CFGR1 bit that moves the request away from rx_channel */
};

static const struct uart_instance s_instances[] = {
    {USART1_BASE, RCC_APB2ENR, RCC_APB2RSTR, RCC_APB2ENR_USART1EN, 3u, SYSCFG_CFGR1_USART1RX_DMA_RMP},
    {USART2_BASE, RCC_APB1ENR, RCC_APB1RSTR, RCC_APB1ENR_USART2EN, 5u, SYSCFG_CFGR1_USART2_DMA_RMP},
    {USART3_BASE, RCC_APB1ENR, RCC_APB1RSTR, RCC_APB1ENR_USART3EN, 0u, 0u},
    {USART4_BASE, RCC_APB1ENR, RCC_APB1RSTR, RCC_APB1ENR_USART4EN, 0u, 0u},
};

static const struct uart_instance *s_uart = 0;
static uint32_t s_char_polls = 0; /* one character time in CPU cycles, the unit of every TX wait */
static uint32_t s_errors = 0;
static uint32_t s_dma_length = 0; /* ring length while DMA receives, 0 otherwise */

static bool uart_wait(uint32_t base, uint32_t flag, uint32_t polls) {
  for (uint32_t i = 0; i < polls; i++) {
    if ((REG_READ32(USART_ISR(base)) & flag) != 0u) {
      return true;
    }
  }
  return false;
}

static void rcc_enable(uint32_t enr, uint32_t bit) {
  uint32_t v = REG_READ32(enr);
  if ((v & bit) == 0u) {
    REG_WRITE32(enr, v | bit);
    (void)REG_READ32(enr); /* let the clock enable land before the first peripheral access */
  }
}

/* ISR's PE, FE, NF and ORE sit on bits 0..3, as HAL_UART_ERR_PE, _FE, _NE and _ORE do; ICR clears them at
 * the same positions. Clears exactly the flags given (write 1 to clear: never a read-modify-write). */
static uint32_t uart_take_isr_errors(uint32_t base, uint32_t isr) {
  uint32_t errors = isr & USART_ISR_ERRORS;
  if (errors != 0u) {
    REG_WRITE32(USART_ICR(base), errors);
  }
  return errors;
}

/* A character time in CPU cycles for the USART as it is configured now (BRR kernel clocks per bit). */
static uint32_t uart_running_char_polls(uint32_t base) {
  uint32_t kernel = hal_clock_pclk_hz(base);
  uint32_t per_kernel = kernel == 0u ? 1u : (hal_clock_hclk_hz() + kernel - 1u) / kernel;
  return 11u * ((REG_READ32(USART_BRR(base)) & 0xFFFFu) * per_kernel + 1u);
}

void hal_uart_init(uint32_t usart_base, uint32_t pclk_hz, uint32_t baud, bool even_parity) {
  if (s_dma_length != 0u) {
    hal_uart_rx_dma_stop();
  }
  s_uart = 0;
  const struct uart_instance *u = 0;
  for (uint32_t i = 0; i < sizeof s_instances / sizeof s_instances[0]; i++) {
    if (s_instances[i].base == usart_base) {
      u = &s_instances[i];
    }
  }
  /* OVER8 = 0: USARTDIV = kernel clock / baud, rounded, at least 16 (RM0091 "USART baud rate generation"). */
  uint32_t brr = baud == 0u ? 0u : (pclk_hz + baud / 2u) / baud;
  if (u == 0 || brr < 16u || brr > 0xFFFFu) {
    return;
  }
  rcc_enable(u->enr, u->bit);

  /* A running USART is stopped only once TC says its last character is out: clearing UE discards it. */
  if ((REG_READ32(USART_CR1(u->base)) & USART_CR1_UE) != 0u) {
    (void)uart_wait(u->base, USART_ISR_TC, 3u * uart_running_char_polls(u->base));
    REG_WRITE32(USART_CR1(u->base), 0u);
  }
  /* 8E1 for the AN3155 ROM protocol: M1:M0 = 01 makes a 9-bit word whose 9th bit is the parity (PCE = 1,
   * PS = 0: even); 8N1 otherwise (M1:M0 = 00). */
  uint32_t frame = even_parity ? (USART_CR1_M0 | USART_CR1_PCE) : 0u;
  REG_WRITE32(USART_CR2(u->base), 0u); /* STOP = 00: 1 stop bit */
  REG_WRITE32(USART_CR3(u->base), 0u); /* OVRDIS = 0, DDRE = 0: errors are flagged, reception goes on */
  REG_WRITE32(USART_BRR(u->base), brr);
  REG_WRITE32(USART_CR1(u->base), frame | USART_CR1_TE | USART_CR1_RE); /* frame while UE = 0 ... */
  REG_WRITE32(USART_CR1(u->base), frame | USART_CR1_TE | USART_CR1_RE | USART_CR1_UE); /* ... then UE */

  s_uart = u;
  s_errors = 0;
  /* A character is at most 11 bits (start, 8 data, parity, stop); the CPU polls at HCLK at most. */
  s_char_polls = (hal_clock_hclk_hz() / baud + 1u) * 11u;
}

int32_t hal_uart_read_byte(void) {
  if (s_uart == 0 || s_dma_length != 0u) {
    return -1; /* while DMA receives, the bytes are in the ring */
  }
  uint32_t base = s_uart->base;
  uint32_t isr = REG_READ32(USART_ISR(base));
  uint32_t errors = uart_take_isr_errors(base, isr);
  s_errors |= errors;
  if ((isr & USART_ISR_RXNE) == 0u) {
    return -1;
  }
  uint32_t rdr = REG_READ32(USART_RDR(base)); /* clears RXNE */
  /* On overrun RDR still holds the byte received before it (the later one is lost): deliver it. Noise
   * leaves a byte that majority sampling most likely got right: deliver it. A framing or parity error
   * leaves a damaged byte (or a break): drop it, the protocol's checksum will see the gap. */
  if ((errors & (USART_ISR_FE | USART_ISR_PE)) != 0u) {
    return -1;
  }
  return (int32_t)(rdr & 0xFFu); /* with M1:M0 = 01 and PCE = 1, bit 8 is the received parity bit */
}

void hal_uart_write_byte(uint8_t b) {
  if (s_uart == 0) {
    return;
  }
  /* TXE comes within one character time of the previous write; allow two. */
  if (!uart_wait(s_uart->base, USART_ISR_TXE, 2u * s_char_polls)) {
    s_errors |= HAL_UART_ERR_TX_TIMEOUT;
    return;
  }
  REG_WRITE32(USART_TDR(s_uart->base), b); /* with parity on, the hardware adds the parity bit */
}

void hal_uart_flush(void) {
  if (s_uart == 0) {
    return;
  }
  /* TC: the byte in TDR and the one in the shift register are both out. */
  if (!uart_wait(s_uart->base, USART_ISR_TC, 3u * s_char_polls)) {
    s_errors |= HAL_UART_ERR_TX_TIMEOUT;
  }
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

uint32_t hal_uart_take_errors(void) {
  uint32_t e = s_errors;
  /* Polled, hal_uart_read_byte collects the flags of each byte it reads (and must see FE/PE itself). With
   * DMA nothing else reads ISR: collect them here. */
  if (s_uart != 0 && s_dma_length != 0u) {
    e |= uart_take_isr_errors(s_uart->base, REG_READ32(USART_ISR(s_uart->base)));
  }
  s_errors = 0;
  return e;
}

/* ---- Circular DMA reception ---- */

/* Makes sure the RX request reaches rx_channel: the SYSCFG remap bit clear (its reset value). SYSCFG's clock is
 * left as it was found. */
static void dma_route_request(uint32_t remap_bit) {
  uint32_t apb2enr = REG_READ32(RCC_APB2ENR);
  rcc_enable(RCC_APB2ENR, RCC_APB2ENR_SYSCFGCOMPEN);
  uint32_t cfgr1 = REG_READ32(SYSCFG_CFGR1);
  if ((cfgr1 & remap_bit) != 0u) {
    REG_WRITE32(SYSCFG_CFGR1, cfgr1 & ~remap_bit);
  }
  if ((apb2enr & RCC_APB2ENR_SYSCFGCOMPEN) == 0u) {
    REG_WRITE32(RCC_APB2ENR, REG_READ32(RCC_APB2ENR) & ~RCC_APB2ENR_SYSCFGCOMPEN);
  }
}

bool hal_uart_rx_dma_start(uint8_t *ring, uint32_t length) {
  if (s_uart == 0 || s_uart->rx_channel == 0u || ring == 0 || length == 0u || length > DMA_CNDTR_MAX) {
    return false;
  }
  hal_uart_rx_dma_stop();
  uint32_t ch = s_uart->rx_channel;
  dma_route_request(s_uart->rx_remap);
  rcc_enable(RCC_AHBENR, RCC_AHBENR_DMAEN);
  /* CPAR, CMAR and CNDTR are written only while the channel is disabled (RM0091 "DMA channel x ..."). */
  REG_WRITE32(DMA_CCR(ch), 0u);
  REG_WRITE32(DMA_IFCR, DMA_IFCR_CGIF(ch));
  REG_WRITE32(DMA_CPAR(ch), USART_RDR(s_uart->base));
  REG_WRITE32(DMA_CMAR(ch), REG_PTR_ADDR(ring));
  REG_WRITE32(DMA_CNDTR(ch), length);
  /* Peripheral to memory, a byte at a time (RDR's bit 8, the parity bit with 8E1, is not copied), memory
   * increment, circular: CNDTR reloads and CMAR restarts at the ring's start after the last byte. */
  uint32_t ccr = DMA_CCR_MINC | DMA_CCR_CIRC | DMA_CCR_PSIZE_8 | DMA_CCR_MSIZE_8 | DMA_CCR_PL_HIGH;
  REG_WRITE32(DMA_CCR(ch), ccr);
  REG_WRITE32(DMA_CCR(ch), ccr | DMA_CCR_EN);
  /* Only then the USART's request: a byte already waiting in RDR goes to the ring first. */
  REG_WRITE32(USART_CR3(s_uart->base), REG_READ32(USART_CR3(s_uart->base)) | USART_CR3_DMAR);
  s_dma_length = length;
  return true;
}

uint32_t hal_uart_rx_dma_head(void) {
  if (s_uart == 0 || s_dma_length == 0u) {
    return 0u;
  }
  uint32_t left = REG_READ32(DMA_CNDTR(s_uart->rx_channel)) & DMA_CNDTR_MAX;
  return left == 0u || left > s_dma_length ? 0u : s_dma_length - left;
}

void hal_uart_rx_dma_stop(void) {
  if (s_uart == 0 || s_dma_length == 0u) {
    return;
  }
  uint32_t ch = s_uart->rx_channel;
  REG_WRITE32(USART_CR3(s_uart->base), REG_READ32(USART_CR3(s_uart->base)) & ~USART_CR3_DMAR);
  REG_WRITE32(DMA_CCR(ch), 0u);
  REG_WRITE32(DMA_IFCR, DMA_IFCR_CGIF(ch));
  /* The channel back to its reset values for the application (DMA1 has no RCC reset bit on the F0). */
  REG_WRITE32(DMA_CNDTR(ch), 0u);
  REG_WRITE32(DMA_CPAR(ch), 0u);
  REG_WRITE32(DMA_CMAR(ch), 0u);
  REG_WRITE32(RCC_AHBENR, REG_READ32(RCC_AHBENR) & ~RCC_AHBENR_DMAEN);
  s_dma_length = 0u;
}
