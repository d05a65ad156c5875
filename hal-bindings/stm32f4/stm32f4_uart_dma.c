/*
 * STM32F4 USART reception by DMA (RM0090 10 and 30.3.13): one stream, peripheral to memory, byte to byte,
 * circular over the caller's ring, so a character is stored within a few bus cycles of its arrival whatever
 * the CPU does (a flash erase stalls the CPU for up to 2.6 s; at 115200 baud a character lasts 87 us).
 *
 * The request of each USART's receiver, by DMA controller, stream and channel (CHSEL): RM0090 tables 42-43
 * (DMA1/DMA2 request mapping) for F405/407; RM0368 and RM0383 tables 27-28 give the same lines for the USARTs
 * F401 and F411 have (USART1, 2, 6; checked against ST's STM32CubeF4 and ChibiOS's F401/F411 registries).
 *   USART1_RX  DMA2 stream 2 channel 4 (also stream 5 channel 4)
 *   USART2_RX  DMA1 stream 5 channel 4 (F401/F411 also DMA1 stream 7 channel 6)
 *   USART3_RX  DMA1 stream 1 channel 4 (F405/407)
 *   UART4_RX   DMA1 stream 2 channel 4 (F405/407)
 *   UART5_RX   DMA1 stream 0 channel 4 (F405/407)
 *   USART6_RX  DMA2 stream 1 channel 5 (also stream 2 channel 5)
 */
#include "stm32f4_internal.h"
#include "stm32f4_regs.h"
#include "tsboot_hal.h"

/* The request line of a USART's receiver: DMA controller, stream and channel. */
struct rx_dma_route {
  uint32_t dma;     /* DMA1_BASE or DMA2_BASE */
  uint32_t stream;  /* 0..7 */
  uint32_t channel; /* CHSEL */
};

/* USART2, USART3, UART4, UART5 (0x400 apart) use DMA1 channel 4, streams 5, 1, 2, 0: one nibble each. */
#define APB1_USART_RX_STREAMS 0x0215u

/* The route of the USART at `usart` (the table above), false for none. Computed rather than searched for, so
 * that it folds away for a constant USART. */
static bool rx_dma_route(uint32_t usart, struct rx_dma_route *r) {
  r->dma = DMA2_BASE;
  r->channel = 4u;
  if (usart == USART1_BASE) {
    r->stream = 2u;
    return true;
  }
  if (usart == USART6_BASE) {
    r->stream = 1u;
    r->channel = 5u;
    return true;
  }
  r->dma = DMA1_BASE;
  uint32_t offset = usart - USART2_BASE;
  r->stream = (APB1_USART_RX_STREAMS >> (offset >> 8)) & 0xFu; /* 4 bits per 0x400 of address */
  return (offset & 0x3FFu) == 0u && offset <= UART5_BASE - USART2_BASE;
}

/* A stream stops at the end of the current transfer (a single byte here): a few bus cycles. */
#define DMA_DISABLE_POLLS 1000u

static struct rx_dma_route s_route; /* valid while reception runs */
static uint32_t s_length = 0;       /* the ring's length; 0: reception does not run */

bool stm32f4_uart_rx_dma_running(void) { return s_length != 0u; }

static uint32_t dma_clock_bit(const struct rx_dma_route *r) {
  return r->dma == DMA1_BASE ? RCC_AHB1ENR_DMA1EN : RCC_AHB1ENR_DMA2EN;
}

/* The stream's flags: LIFCR/HIFCR by stream 0-3/4-7, at 0, 6, 16, 22 bits within the register. */
static void dma_clear_flags(const struct rx_dma_route *r) {
  static const uint8_t offset[4] = {0u, 6u, 16u, 22u};
  uint32_t ifcr = r->stream < 4u ? DMA_LIFCR(r->dma) : DMA_HIFCR(r->dma);
  REG_WRITE32(ifcr, (uint32_t)DMA_STREAM_FLAGS << offset[r->stream & 3u]);
}

/* EN cleared, and confirmed: the stream's registers may only be written while EN reads 0. */
static bool dma_stream_off(const struct rx_dma_route *r) {
  uint32_t sxcr = DMA_SxCR(r->dma, r->stream);
  uint32_t cr = REG_READ32(sxcr);
  if ((cr & DMA_SxCR_EN) != 0u) {
    REG_WRITE32(sxcr, cr & ~DMA_SxCR_EN);
  }
  return stm32f4_wait(sxcr, DMA_SxCR_EN, 0u, DMA_DISABLE_POLLS);
}

/* The DMA controller back to its reset state and its clock off: it is the application's from here. */
static void dma_release(const struct rx_dma_route *r) {
  uint32_t bit = dma_clock_bit(r);
  REG_WRITE32(RCC_AHB1RSTR, REG_READ32(RCC_AHB1RSTR) | bit);
  REG_WRITE32(RCC_AHB1RSTR, REG_READ32(RCC_AHB1RSTR) & ~bit);
  REG_WRITE32(RCC_AHB1ENR, REG_READ32(RCC_AHB1ENR) & ~bit);
}

bool hal_uart_rx_dma_start(uint8_t *ring, uint32_t length) {
  uint32_t usart = stm32f4_uart_base();
  struct rx_dma_route route;
  const struct rx_dma_route *r = &route;
  if (!rx_dma_route(usart, &route) || ring == 0 || length == 0u || length > DMA_SxNDTR_Msk || s_length != 0u) {
    return false;
  }
  uint32_t bit = dma_clock_bit(r);
  REG_WRITE32(RCC_AHB1ENR, REG_READ32(RCC_AHB1ENR) | bit);
  (void)REG_READ32(RCC_AHB1ENR); /* errata: let the clock enable land before the first DMA access */
  if (!dma_stream_off(r)) {
    dma_release(r);
    return false;
  }
  /* RM0090 10.3.17, stream configuration: flags of the previous transfer cleared before EN is set again. */
  dma_clear_flags(r);
  REG_WRITE32(DMA_SxPAR(r->dma, r->stream), USART_DR(usart));
  REG_WRITE32(DMA_SxM0AR(r->dma, r->stream), (uint32_t)(uintptr_t)ring);
  REG_WRITE32(DMA_SxNDTR(r->dma, r->stream), length);
  /* FIFO left in direct mode (FCR reset value). DIR 00 peripheral to memory, bytes both sides, memory
   * incremented, circular: NDTR reloads to `length` after the last byte of the ring. */
  uint32_t cr = (r->channel << DMA_SxCR_CHSEL_Pos) | DMA_SxCR_PL_HIGH | DMA_SxCR_MINC | DMA_SxCR_CIRC;
  REG_WRITE32(DMA_SxCR(r->dma, r->stream), cr);
  REG_WRITE32(DMA_SxCR(r->dma, r->stream), cr | DMA_SxCR_EN);
  if ((REG_READ32(DMA_SxCR(r->dma, r->stream)) & DMA_SxCR_EN) == 0u) {
    /* The stream did not start (a configuration error, or an emulator without a DMA controller, where the
     * registers read 0): receive by polling instead. */
    dma_release(r);
    return false;
  }
  s_route = route;
  s_length = length;
  /* Last: from here every received character requests the stream (one already waiting in DR too). */
  REG_WRITE32(USART_CR3(usart), REG_READ32(USART_CR3(usart)) | USART_CR3_DMAR);
  return true;
}

uint32_t hal_uart_rx_dma_head(void) {
  if (s_length == 0u) {
    return 0u;
  }
  uint32_t ndtr = REG_READ32(DMA_SxNDTR(s_route.dma, s_route.stream)) & DMA_SxNDTR_Msk;
  /* NDTR counts down from `length` and reloads at 0: the next index written is length - NDTR. */
  return ndtr == 0u || ndtr > s_length ? 0u : s_length - ndtr;
}

void hal_uart_rx_dma_stop(void) {
  if (s_length == 0u) {
    return;
  }
  uint32_t usart = stm32f4_uart_base();
  if (usart != 0u) {
    REG_WRITE32(USART_CR3(usart), REG_READ32(USART_CR3(usart)) & ~USART_CR3_DMAR);
  }
  (void)dma_stream_off(&s_route); /* bounded; the reset pulse below stops it in any case */
  dma_clear_flags(&s_route);
  dma_release(&s_route);
  s_length = 0;
}
