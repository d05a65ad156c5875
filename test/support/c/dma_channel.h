/*
 * One DMA controller with channels in the host register models of the F0 (DMA) and the L4 (DMA1): the same
 * IP on both chips (RM0091 "Direct memory access controller"; RM0351 11, where DMA_CSELR picks each channel's
 * request). It holds the seven channels' registers (CCRx, CNDTRx, CPARx, CMARx) and the event flags
 * (DMA_ISR: a 4-bit group per channel, GIF, TCIF, HTIF, TEIF; DMA_IFCR clears them, CGIFx the whole group), and
 * moves a channel on by one data item (CNDTR, HTIF/TCIF, circular mode). Channels are numbered 1 to 7, as in
 * the manuals.
 *
 * What the family keeps: which channel serves which request (the F0's SYSCFG remap, the L4's CSELR), where
 * memory is, the CCR write rules, the register decoding, the clock, and all the violations.
 */
#ifndef DMA_CHANNEL_H
#define DMA_CHANNEL_H

#include <stdint.h>

#define DMA_CHANNELS 7u

#define DMA_CCR_EN 0x01u
#define DMA_CCR_CIRC 0x20u
#define DMA_CCR_MINC 0x80u

/* A channel's flags, within its 4-bit group of DMA_ISR. */
#define DMA_ISR_GIF 0x1u /* any of the three below */
#define DMA_ISR_TCIF 0x2u
#define DMA_ISR_HTIF 0x4u
#define DMA_ISR_TEIF 0x8u

struct dma_channel {
  uint32_t ccr, cndtr, cpar, cmar;
  uint32_t reload; /* CNDTR when EN was set: a circular channel starts over from it */
};

struct dma_channel_controller {
  struct dma_channel channel[DMA_CHANNELS]; /* channel 1 is channel[0] */
  uint32_t isr;                             /* DMA_ISR */
};

/* The controller's reset: every register 0. */
void dma_channel_controller_reset(struct dma_channel_controller *d);

/* Channel ch (1 to 7). */
struct dma_channel *dma_channel(struct dma_channel_controller *d, uint32_t ch);

/* A read of one of a channel's registers (reg 0x0 CCR, 0x4 CNDTR, 0x8 CPAR, 0xC CMAR). */
uint32_t dma_channel_read(const struct dma_channel *c, uint32_t reg);

/* A write of CNDTR (reg 0x4), CPAR (0x8) or CMAR (0xC). */
void dma_channel_write(struct dma_channel *c, uint32_t reg, uint32_t v);

/* A write of DMA_IFCR: the flags written 1 clear; CGIFx clears all four of channel x. */
void dma_channel_flags_clear(struct dma_channel_controller *d, uint32_t v);

/* Sets flags (DMA_ISR_*) of channel ch in DMA_ISR. */
void dma_channel_set_flags(struct dma_channel_controller *d, uint32_t ch, uint32_t flags);

/* Where the channel's next data item goes in memory: CMAR, plus the items moved so far with MINC (bytes). */
uint32_t dma_channel_address(const struct dma_channel *c);

/* Channel ch moved one data item: CNDTR counts down, HTIF at half and TCIF at 0 (each with GIF); at 0 a circular
 * channel reloads CNDTR and goes on, any other stays enabled with nothing left to move. */
void dma_channel_moved(struct dma_channel_controller *d, uint32_t ch);

#endif /* DMA_CHANNEL_H */
