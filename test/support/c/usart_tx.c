/* The transmit side of a USART (see usart_tx.h). */
#include "usart_tx.h"

#include <string.h>

/* Polls a character spends in the shift register before it is on the line. */
#define SHIFT_POLLS 4u

void usart_tx_reset(struct usart_tx *tx) {
  tx->tdr = 0;
  usart_tx_discard(tx);
  tx->shift_data = tx->shift_left = 0;
}

void usart_tx_discard(struct usart_tx *tx) { tx->tdr_full = tx->shift_busy = false; }

bool usart_tx_busy(const struct usart_tx *tx) { return tx->tdr_full || tx->shift_busy; }

void usart_tx_write(struct usart_tx *tx, uint32_t *status, uint32_t data) {
  tx->tdr = data;
  tx->tdr_full = true;
  *status &= ~(USART_TX_TXE | USART_TX_TC);
}

void usart_tx_tick(struct usart_tx *tx, uint32_t *status) {
  if (tx->stuck) {
    return;
  }
  if (tx->shift_busy) {
    if (tx->shift_left > 0u) {
      tx->shift_left--;
    } else {
      if (tx->sent_len < USART_TX_LOG) {
        tx->sent[tx->sent_len] = (uint8_t)tx->shift_data;
      }
      tx->sent_len++;
      tx->shift_busy = false;
      if (!tx->tdr_full) {
        *status |= USART_TX_TC;
      }
    }
  }
  if (!tx->shift_busy && tx->tdr_full) {
    tx->shift_busy = true;
    tx->shift_data = tx->tdr;
    tx->shift_left = SHIFT_POLLS;
    tx->tdr_full = false;
  }
  *status = (*status & ~USART_TX_TXE) | (tx->tdr_full ? 0u : USART_TX_TXE);
}

uint32_t usart_tx_sent(const struct usart_tx *tx, uint8_t *out, uint32_t max) {
  uint32_t n = tx->sent_len < max ? tx->sent_len : max;
  memcpy(out, tx->sent, n);
  return tx->sent_len;
}
