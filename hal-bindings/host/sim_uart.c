/*
 * The UART: in scripted mode the C twin of hal-bindings/sim/uart.ts (SimUart) and Simulation.readByte;
 * in live mode a socket to the simulator's parent process, which relays it to the TCP client.
 */
#define _GNU_SOURCE
#include "sim.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* --- Scripted: SimUart.rx / tx and Simulation.readByte --- */

struct pending_byte {
  uint8_t value;
  uint64_t available_at_us;
};

static struct pending_byte *rx;
static size_t rx_head, rx_tail, rx_cap; /* rx[rx_head..rx_tail) is SimUart.rx from rxNext on */
static uint8_t *tx;
static size_t tx_len, tx_cap;

/* Simulation's idle rule: the time of the last byte the device read (after its read time was charged). */
static uint64_t last_input_us;

static void *grow(void *buffer, size_t *cap, size_t need, size_t item) {
  if (need <= *cap) return buffer;
  size_t next = *cap ? *cap : 256;
  while (next < need) next *= 2;
  void *p = realloc(buffer, next * item);
  if (!p) sim_fault("out of memory growing a UART buffer to bytes", (uint32_t)(next * item));
  *cap = next;
  return p;
}

void sim_uart_deliver(const uint8_t *bytes, size_t count, uint64_t at_us) {
  /* let t = Math.max(atUs, rx.length ? rx[rx.length - 1].availableAtUs + byteTimeUs : atUs) */
  uint64_t t = at_us;
  if (rx_tail > rx_head) {
    uint64_t after = rx[rx_tail - 1].available_at_us + SIM_UART_BYTE_US;
    if (after > t) t = after;
  }
  rx = grow(rx, &rx_cap, rx_tail + count, sizeof *rx);
  for (size_t i = 0; i < count; i++) {
    rx[rx_tail].value = bytes[i];
    rx[rx_tail].available_at_us = t;
    rx_tail++;
    t += SIM_UART_BYTE_US;
  }
}

size_t sim_uart_rx_pending(void) { return rx_tail - rx_head; }

const uint8_t *sim_uart_tx(size_t *count) {
  *count = tx_len;
  return tx;
}

/* Simulation.readByte with no onIdle hook: no input left and none read for more than idle_us ends the run. */
static void on_idle(void) {
  if (sim.idle_us != 0 && rx_head == rx_tail && sim.now_us - last_input_us > sim.idle_us) {
    struct sim_outcome o;
    memset(&o, 0, sizeof o);
    o.kind = SIM_OUT_IDLE;
    sim_stop(&o);
  }
}

static int32_t scripted_read(void) {
  if (rx_head < rx_tail && rx[rx_head].available_at_us <= sim.now_us) {
    uint8_t value = rx[rx_head].value;
    rx_head++;
    sim_advance(SIM_READ_US);
    last_input_us = sim.now_us;
    return value;
  }
  sim_advance(SIM_POLL_US);
  on_idle();
  return -1;
}

static void scripted_write(uint8_t value) {
  tx = grow(tx, &tx_cap, tx_len + 1, 1);
  tx[tx_len++] = value;
}

/* --- Live: a socket to the parent, which relays to the TCP client --- */

static int live_fd = -1;
static uint8_t live_rx[4096];
static size_t live_rx_pos, live_rx_len;
static uint8_t live_tx[4096];
static size_t live_tx_len;
/* When the device last did something (received or wrote a byte, erased or programmed). An empty read more
 * than LIVE_NAP_AFTER_NS after that sleeps up to 1 ms in poll(), woken at once by data, so a bootloader
 * waiting for input does not spin a CPU. It is time, not a count of empty reads: the bootloader's readByte
 * polls the UART once per byte even while it consumes bytes already in its ring buffer, and that must not
 * sleep. */
#define LIVE_NAP_AFTER_NS 2000000u
static uint64_t live_active_ns;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sim_uart_live_attach(int fd) {
  live_fd = fd;
  live_active_ns = now_ns();
}

void sim_uart_live_activity(void) {
  if (sim.live) live_active_ns = now_ns();
}

static void parent_gone(void) {
  /* The parent closed the line: it is exiting; so does the device. */
  _exit(0);
}

void sim_uart_live_flush(void) {
  size_t done = 0;
  while (done < live_tx_len) {
    ssize_t n = send(live_fd, live_tx + done, live_tx_len - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      parent_gone();
    }
    done += (size_t)n;
  }
  live_tx_len = 0;
}

static int32_t live_read(void) {
  if (live_tx_len > 0) sim_uart_live_flush();
  if (live_rx_pos == live_rx_len) {
    live_rx_pos = live_rx_len = 0;
    if (now_ns() - live_active_ns > LIVE_NAP_AFTER_NS) {
      struct pollfd p = {.fd = live_fd, .events = POLLIN, .revents = 0};
      (void)poll(&p, 1, 1);
    }
    ssize_t n = recv(live_fd, live_rx, sizeof live_rx, MSG_DONTWAIT);
    if (n == 0) parent_gone();
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) parent_gone();
      return -1;
    }
    live_rx_len = (size_t)n;
  }
  live_active_ns = now_ns();
  return live_rx[live_rx_pos++];
}

static void live_write(uint8_t value) {
  live_active_ns = now_ns();
  if (live_tx_len == sizeof live_tx) sim_uart_live_flush();
  live_tx[live_tx_len++] = value;
}

void sim_uart_write_text(const char *text) {
  for (const char *p = text; *p != '\0'; p++) {
    if (sim.live) live_write((uint8_t)*p);
    else scripted_write((uint8_t)*p);
  }
}

/* --- hal-bindings/uart.ts --- */

void hal_port_uart_init(uint32_t baud, bool evenParity) {
  sim.baud = baud;
  sim.even_parity = evenParity;
  sim.uart_enabled = true;
}

int32_t hal_port_uart_read(void) { return sim.live ? live_read() : scripted_read(); }

void hal_port_uart_write(uint8_t value) {
  if (sim.live) live_write(value);
  else scripted_write(value);
}

void hal_port_uart_flush(void) {
  if (sim.live) sim_uart_live_flush();
}

void hal_port_uart_deinit(void) {
  sim.uart_enabled = false;
  sim.rx_ring = NULL;
}

uint32_t hal_port_uart_take_errors(void) {
  uint32_t e = sim.uart_errors;
  sim.uart_errors = 0;
  return e;
}

void hal_port_uart_rx_start(tsb_view_u8 ring) {
  if (ring.len == 0) sim_fault("hal_port_uart_rx_start with an empty ring of length", ring.len);
  sim.rx_ring = ring.ptr;
  sim.rx_ring_len = ring.len;
  sim.rx_written = 0;
}

/* Simulation.uartRxHead: reception by DMA — every byte that has arrived by now is in the ring. */
uint32_t hal_port_uart_rx_head(void) {
  if (sim.rx_ring == NULL) sim_fault("hal_port_uart_rx_head before hal_port_uart_rx_start, ring", 0);
  if (sim.live) {
    int32_t b;
    while ((b = live_read()) >= 0) sim.rx_ring[sim.rx_written++ % sim.rx_ring_len] = (uint8_t)b;
  } else if (rx_head < rx_tail && rx[rx_head].available_at_us <= sim.now_us) {
    while (rx_head < rx_tail && rx[rx_head].available_at_us <= sim.now_us) {
      sim.rx_ring[sim.rx_written++ % sim.rx_ring_len] = rx[rx_head].value;
      rx_head++;
    }
    sim_advance(SIM_READ_US);
    last_input_us = sim.now_us;
  } else {
    sim_advance(SIM_POLL_US);
    on_idle();
  }
  return (uint32_t)(sim.rx_written % sim.rx_ring_len);
}
