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

/* A stream is named by the address of its registers (DMA_SxCR; NDTR, PAR and M0AR follow at 4, 8 and 12). The
 * controller is the 1 KB block it lies in, and the stream's number follows from its offset there. */
#define STREAM_NDTR(sx) ((sx) + 0x4u)
#define STREAM_PAR(sx) ((sx) + 0x8u)
#define STREAM_M0AR(sx) ((sx) + 0xCu)
static uint32_t stream_dma(uint32_t sx) { return sx & ~0x3FFu; }
static uint32_t stream_number(uint32_t sx) { return ((sx & 0x3FFu) - DMA_SxCR(0u, 0u)) / (DMA_SxCR(0u, 1u) - DMA_SxCR(0u, 0u)); }
_Static_assert((DMA1_BASE & 0x7FFu) == 0u && DMA2_BASE == DMA1_BASE + 0x400u,
               "DMA controllers are 1 KB blocks, and address bit 10 tells DMA2 from DMA1");

/* USART2, USART3, UART4, UART5 (0x400 apart) use DMA1 channel 4, streams 5, 1, 2, 0: one nibble each. */
#define APB1_USART_RX_STREAMS 0x0215u

/* The stream of the USART at `usart` (the table above) with its channel in the low 3 bits, or 0 for none.
 * Computed rather than searched for, so that it folds away for a constant USART. */
uint32_t stm32f4_uart_rx_dma_line(uint32_t usart) {
  if (usart == USART1_BASE) {
    return DMA_SxCR(DMA2_BASE, 2u) | 4u;
  }
  if (usart == USART6_BASE) {
    return DMA_SxCR(DMA2_BASE, 1u) | 5u;
  }
  uint32_t offset = usart - USART2_BASE;
  if ((offset & 0x3FFu) != 0u || offset > UART5_BASE - USART2_BASE) {
    return 0u;
  }
  return DMA_SxCR(DMA1_BASE, (APB1_USART_RX_STREAMS >> (offset >> 8)) & 0xFu) | 4u; /* 4 bits per 0x400 of address */
}
_Static_assert(DMA_SxCR(0u, 0u) % 8u == 0u && (DMA_SxCR(0u, 1u) - DMA_SxCR(0u, 0u)) % 8u == 0u,
               "a stream's SxCR address leaves 3 bits for the channel");
#define LINE_CHANNEL_Msk 0x7u

/* A stream stops at the end of the current transfer (a single byte here): a few bus cycles. */
#define DMA_DISABLE_POLLS 1000u

/* The stream's registers while reception runs (0: it does not run), and the ring's length. */
static struct {
  uint32_t stream, length;
} s_rx;

bool stm32f4_uart_rx_dma_running(void) { return s_rx.stream != 0u; }

/* The stream `sx` (not 0) as the code below should see it. In a bootloader build the only stream there can be is
 * the board USART's (its UART driver accepts no other USART, -DTSBOOT_UART_BASE), a constant: so that what is
 * computed from it (flag register and bits, clock bit) folds at build time. Elsewhere `sx` itself. */
static uint32_t stream_known(uint32_t sx) {
#ifdef TSBOOT_UART_BASE
  (void)sx;
  return stm32f4_uart_rx_dma_line(TSBOOT_UART_BASE) & ~LINE_CHANNEL_Msk;
#else
  return sx;
#endif
}

/* DMA1EN and DMA2EN (and the reset bits) are next to each other, like the controllers. */
static uint32_t dma_clock_bit(uint32_t sx) { return RCC_AHB1ENR_DMA1EN << ((sx >> 10) & 1u); }

/* The stream's flags: LIFCR/HIFCR by stream 0-3/4-7, at 0, 6, 16, 22 bits within the register. */
static void dma_clear_flags(uint32_t sx) {
  sx = stream_known(sx);
  static const uint8_t offset[4] = {0u, 6u, 16u, 22u};
  uint32_t stream = stream_number(sx);
  uint32_t ifcr = stream < 4u ? DMA_LIFCR(stream_dma(sx)) : DMA_HIFCR(stream_dma(sx));
  REG_WRITE32(ifcr, (uint32_t)DMA_STREAM_FLAGS << offset[stream & 3u]);
}

/* EN cleared, and confirmed: the stream's registers may only be written while EN reads 0. */
static bool dma_stream_off(uint32_t sx) {
  uint32_t cr = REG_READ32(sx);
  if ((cr & DMA_SxCR_EN) != 0u) {
    REG_WRITE32(sx, cr & ~DMA_SxCR_EN);
  }
  return stm32f4_wait(sx, DMA_SxCR_EN, 0u, DMA_DISABLE_POLLS);
}

/* The DMA controller back to its reset state and its clock off: it is the application's from here. */
static void dma_release(uint32_t sx) {
  sx = stream_known(sx);
  uint32_t bit = dma_clock_bit(sx);
  REG_WRITE32(RCC_AHB1RSTR, REG_READ32(RCC_AHB1RSTR) | bit);
  REG_WRITE32(RCC_AHB1RSTR, REG_READ32(RCC_AHB1RSTR) & ~bit);
  REG_WRITE32(RCC_AHB1ENR, REG_READ32(RCC_AHB1ENR) & ~bit);
}

bool hal_uart_rx_dma_start(uint8_t *ring, uint32_t length) {
  uint32_t usart = stm32f4_uart_base();
  uint32_t line = stm32f4_uart_rx_line();
  uint32_t sx = line & ~LINE_CHANNEL_Msk;
  uint32_t channel = line & LINE_CHANNEL_Msk;
  if (sx == 0u || ring == 0 || length == 0u || length > DMA_SxNDTR_Msk || s_rx.stream != 0u) {
    return false;
  }
  REG_WRITE32(RCC_AHB1ENR, REG_READ32(RCC_AHB1ENR) | dma_clock_bit(sx));
  (void)REG_READ32(RCC_AHB1ENR); /* errata: let the clock enable land before the first DMA access */
  if (!dma_stream_off(sx)) {
    dma_release(sx);
    return false;
  }
  /* RM0090 10.3.17, stream configuration: flags of the previous transfer cleared before EN is set again. */
  dma_clear_flags(sx);
  REG_WRITE32(STREAM_PAR(sx), USART_DR(usart));
  REG_WRITE32(STREAM_M0AR(sx), (uint32_t)(uintptr_t)ring);
  REG_WRITE32(STREAM_NDTR(sx), length);
  /* FIFO left in direct mode (FCR reset value). DIR 00 peripheral to memory, bytes both sides, memory
   * incremented, circular: NDTR reloads to `length` after the last byte of the ring. */
  uint32_t cr = (channel << DMA_SxCR_CHSEL_Pos) | DMA_SxCR_PL_HIGH | DMA_SxCR_MINC | DMA_SxCR_CIRC;
  REG_WRITE32(sx, cr);
  REG_WRITE32(sx, cr | DMA_SxCR_EN);
  if ((REG_READ32(sx) & DMA_SxCR_EN) == 0u) {
    /* The stream did not start (a configuration error, or an emulator without a DMA controller, where the
     * registers read 0): receive by polling instead. */
    dma_release(sx);
    return false;
  }
  s_rx.stream = sx;
  s_rx.length = length;
  /* Last: from here every received character requests the stream (one already waiting in DR too). */
  REG_WRITE32(USART_CR3(usart), REG_READ32(USART_CR3(usart)) | USART_CR3_DMAR);
  return true;
}

uint32_t hal_uart_rx_dma_head(void) {
  if (s_rx.stream == 0u) {
    return 0u;
  }
  uint32_t ndtr = REG_READ32(STREAM_NDTR(s_rx.stream)) & DMA_SxNDTR_Msk;
  /* NDTR counts down from `length` and reloads at 0: the next index written is length - NDTR. */
  return ndtr == 0u || ndtr > s_rx.length ? 0u : s_rx.length - ndtr;
}

void hal_uart_rx_dma_stop(void) {
  uint32_t sx = s_rx.stream;
  if (sx == 0u) {
    return;
  }
  uint32_t usart = stm32f4_uart_base();
  if (usart != 0u) {
    REG_WRITE32(USART_CR3(usart), REG_READ32(USART_CR3(usart)) & ~USART_CR3_DMAR);
  }
  (void)dma_stream_off(sx); /* bounded; the reset pulse below stops it in any case */
  dma_clear_flags(sx);
  dma_release(sx);
  s_rx.stream = 0;
}
