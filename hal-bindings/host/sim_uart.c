/*
 * The USART and the line to the host, the C twin of hal-bindings/sim/uart.ts (SimUart) and of the UART
 * methods of Simulation; the rules (frame times, DMA and polled reception, overrun, framing mismatches, the
 * transmitter) are stated there. Scripted mode queues the script's bytes with their arrival times; live
 * mode queues what the host sends through the parent's socket as it comes, paced at the host line's rate
 * (the board's base rate, or what an RFC 2217 client set; the host is taken to use the device's framing),
 * and sends what the device writes — garbled when the device's rate is not the host line's.
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

/* --- The line: SimUart.rx --- */

struct pending_byte {
  uint64_t at_ns; /* its stop bit is complete */
  uint32_t baud;
  uint8_t value;
  uint8_t framing;
};

static struct pending_byte *rx;
static size_t rx_head, rx_tail, rx_cap; /* rx[rx_head..rx_tail) are not received yet */
static uint8_t *tx;
static size_t tx_len, tx_cap;

/* Simulation's idle rule: when the device last received or sent a byte or ran a flash operation. */
static uint64_t last_input_ns;

void sim_note_activity(void) { last_input_ns = sim_now_ns(); }

static void *grow(void *buffer, size_t *cap, size_t need, size_t item) {
  if (need <= *cap) return buffer;
  size_t next = *cap ? *cap : 256;
  while (next < need) next *= 2;
  void *p = realloc(buffer, next * item);
  if (!p) sim_fault("out of memory growing a UART buffer to bytes", (uint32_t)(next * item));
  *cap = next;
  return p;
}

static uint32_t frame_bits(uint32_t framing) { return framing == SIM_FRAMING_8E1 ? 11u : 10u; }

/* framesNs: floor(k * bits * 10^9 / baud), exactly. */
static uint64_t frames_ns(uint64_t k, uint32_t bits, uint32_t baud) {
  uint64_t numerator = (uint64_t)bits * 1000000000u;
  uint64_t q = numerator / baud, r = numerator % baud;
  return k * q + (k * r) / baud;
}

/* ratesMismatch: a byte at host_baud is unreadable to a USART at clock / brr (more than 3 % apart). */
static bool rates_mismatch(uint32_t host_baud, uint32_t brr) {
  uint64_t clock = sim_board_uart_clock_hz();
  uint64_t product = (uint64_t)host_baud * brr;
  uint64_t difference = product > clock ? product - clock : clock - product;
  return difference * 100u > clock * 3u;
}

/* SimUart.garbledAt: the line carries nothing faster than --line-limit-baud intact. */
static bool garbled_at(uint64_t baud) { return sim.line_limit_baud != 0u && baud > sim.line_limit_baud; }

/* SimUart.brrFor: BRR as the drivers compute it, 0 when they refuse the rate. */
static uint32_t brr_for(uint32_t baud) {
  uint32_t clock = sim_board_uart_clock_hz();
  if (baud == 0u || clock == 0u) return 0u;
  uint32_t brr = (uint32_t)(((uint64_t)clock + baud / 2u) / baud);
  return brr >= 16u && brr <= 0xFFFFu ? brr : 0u;
}

static bool weight_is_even(uint8_t value) {
  uint32_t ones = 0;
  for (uint32_t v = value; v; v >>= 1) ones += v & 1u;
  return (ones & 1u) == 0u;
}

static void push_byte(uint8_t value, uint64_t at_ns, uint32_t baud, uint32_t framing) {
  rx = grow(rx, &rx_cap, rx_tail + 1, sizeof *rx);
  rx[rx_tail].value = value;
  rx[rx_tail].at_ns = at_ns;
  rx[rx_tail].baud = baud;
  rx[rx_tail].framing = (uint8_t)framing;
  rx_tail++;
}

void sim_uart_deliver(const uint8_t *bytes, size_t count, uint64_t at_us, uint32_t baud, uint32_t framing) {
  uint32_t bits = frame_bits(framing);
  uint64_t start = at_us * 1000u;
  if (rx_tail > 0) {
    uint64_t after = rx[rx_tail - 1].at_ns + frames_ns(1, bits, baud);
    if (after > start) start = after;
  }
  for (size_t k = 0; k < count; k++) push_byte(bytes[k], start + frames_ns(k, bits, baud), baud, framing);
}

size_t sim_uart_rx_pending(void) { return rx_tail - rx_head; }

const uint8_t *sim_uart_tx(size_t *count) {
  *count = tx_len;
  return tx;
}

/* SimUart.receive: one byte arrives at the USART. */
static void receive_byte(size_t index) {
  if (!sim.uart_enabled) return;
  const struct pending_byte *b = &rx[index];
  uint8_t value = b->value;
  if (rates_mismatch(b->baud, sim.brr) || garbled_at(b->baud)) {
    sim.uart_errors |= SIM_UART_ERR_FE;
    value = (uint8_t)~value;
  } else if (b->framing == SIM_FRAMING_8E1 && !sim.even_parity) {
    if (weight_is_even(value)) sim.uart_errors |= SIM_UART_ERR_FE;
  } else if (b->framing == SIM_FRAMING_8N1 && sim.even_parity) {
    if (weight_is_even(value)) sim.uart_errors |= SIM_UART_ERR_PE;
    if (index + 1 < rx_tail) {
      const struct pending_byte *next = &rx[index + 1];
      if (next->at_ns - b->at_ns < frames_ns(1, frame_bits(next->framing), next->baud) + 1000000000u / b->baud) sim.uart_errors |= SIM_UART_ERR_FE;
    }
  }
  if (sim.rx_ring != NULL) {
    sim.rx_ring[sim.rx_written % sim.rx_ring_len] = value;
    sim.rx_written++;
  } else if (sim.rdr >= 0) {
    sim.uart_errors |= SIM_UART_ERR_ORE;
  } else {
    sim.rdr = value;
  }
}

/* SimUart.receiveBefore: every byte complete before `end_ns`; returns how many arrived. */
static size_t receive_before(uint64_t end_ns) {
  size_t count = 0;
  while (rx_head < rx_tail && rx[rx_head].at_ns < end_ns) {
    receive_byte(rx_head);
    rx_head++;
    count++;
  }
  return count;
}

static size_t receive_until(uint64_t now_ns) { return receive_before(now_ns + 1u); }

/* --- Live: a socket to the parent, which relays to the TCP client --- */

static int live_fd = -1;
static uint8_t live_tx[4096];
static size_t live_tx_len;
/* When the device last did something (received or wrote a byte). An empty poll more than LIVE_NAP_AFTER_NS
 * after that naps up to 1 ms in poll(), woken at once by data, so a bootloader waiting for input does not
 * spin a CPU. */
#define LIVE_NAP_AFTER_NS 2000000u
static uint64_t live_active_ns;

static uint64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sim_uart_live_attach(int fd) {
  live_fd = fd;
  live_active_ns = monotonic_ns();
  rx_head = rx_tail = 0;
  tx_len = 0;
  live_tx_len = 0;
  last_input_ns = 0;
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

/* The host line's rate now: what an RFC 2217 client set, else the board's base rate. */
static uint32_t host_line_baud(void) { return sim.host_baud != 0u ? sim.host_baud : sim_board_uart_baud(); }

/* Takes what the host sent (paced at the host line's rate from when it came, in the device's framing) and
 * the host line's changes, and sends what the device wrote. */
void sim_uart_live_service(void) {
  if (!sim.live || live_fd < 0) return;
  if (live_tx_len > 0) sim_uart_live_flush();
  static uint8_t message[SIM_WIRE_MAX + 1u];
  while (true) {
    ssize_t n = recv(live_fd, message, sizeof message, MSG_DONTWAIT);
    if (n == 0) parent_gone();
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) parent_gone();
      return;
    }
    if (message[0] == SIM_WIRE_LINE) {
      if (n >= 5) sim.host_baud = (uint32_t)message[1] | (uint32_t)message[2] << 8 | (uint32_t)message[3] << 16 | (uint32_t)message[4] << 24;
      continue;
    }
    uint64_t now = sim_now_ns();
    uint32_t framing = sim.even_parity ? SIM_FRAMING_8E1 : SIM_FRAMING_8N1;
    uint32_t baud = host_line_baud();
    uint64_t frame = sim.line_untimed ? 0 : frames_ns(1, frame_bits(framing), baud);
    for (ssize_t i = 1; i < n; i++) {
      uint64_t at = now;
      if (rx_tail > rx_head && rx[rx_tail - 1].at_ns + frame > at) at = rx[rx_tail - 1].at_ns + frame;
      push_byte(message[i], at, baud, framing);
    }
    live_active_ns = monotonic_ns();
  }
}

void sim_uart_live_wait_until(uint64_t at_ns) {
  while (true) {
    sim_uart_live_service();
    uint64_t now = sim_now_ns();
    if (now >= at_ns) return;
    uint64_t left = at_ns - now;
    if (left > 2000000u) {
      struct pollfd p = {.fd = live_fd, .events = POLLIN, .revents = 0};
      (void)poll(&p, 1, (int)((left - 1000000u) / 1000000u));
    } else {
      struct timespec ts;
      uint64_t wake = monotonic_ns() + left;
      ts.tv_sec = (time_t)(wake / 1000000000u);
      ts.tv_nsec = (long)(wake % 1000000000u);
      (void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
  }
}

/* An empty poll in live mode: nap a little when nothing has happened for a while. */
static void live_nap(void) {
  uint64_t now = monotonic_ns();
  if (now - live_active_ns <= LIVE_NAP_AFTER_NS) return;
  if (rx_head < rx_tail) {
    /* A byte is on its way (paced): sleep until it is complete, at most 1 ms. */
    uint64_t due = rx[rx_head].at_ns, t = sim_now_ns();
    if (due > t) sim_uart_live_wait_until(due - t > 1000000u ? t + 1000000u : due);
    return;
  }
  struct pollfd p = {.fd = live_fd, .events = POLLIN, .revents = 0};
  (void)poll(&p, 1, 1);
}

/* --- Time and idling (Simulation.idle) --- */

static void on_idle(void) {
  if (sim.live) {
    sim_advance(SIM_POLL_US);
    live_nap();
    return;
  }
  sim_advance(SIM_POLL_US);
  if (sim.idle_us != 0 && rx_head == rx_tail && sim.now_ns - last_input_ns > sim.idle_us * 1000u) {
    struct sim_outcome o;
    memset(&o, 0, sizeof o);
    o.kind = SIM_OUT_IDLE;
    sim_stop(&o);
  }
}

static void received_input(void) {
  sim_advance(SIM_READ_US);
  last_input_ns = sim_now_ns();
  if (sim.live) live_active_ns = monotonic_ns();
}

/* --- The transmitter --- */

/* One frame at clock / brr: bits x BRR kernel clocks. */
static uint64_t device_frame_ns(void) {
  if (sim.line_untimed) return 0;
  return frames_ns(1, frame_bits(sim.even_parity ? SIM_FRAMING_8E1 : SIM_FRAMING_8N1) * sim.brr, sim_board_uart_clock_hz());
}

static void transmit(uint8_t value) {
  if (sim.live && sim.uart_enabled && sim.brr != 0u) {
    /* What the host's line makes of it (SimUart.hostReceives): garbage when the rates differ. */
    uint32_t clock = sim_board_uart_clock_hz();
    if (rates_mismatch(host_line_baud(), sim.brr) || garbled_at(clock / sim.brr)) value = (uint8_t)~value;
  }
  if (sim.uart_enabled && sim.brr != 0) {
    uint64_t now = sim_now_ns();
    uint64_t start = now > sim.tx_free_ns ? now : sim.tx_free_ns;
    sim.tx_free_ns = start + device_frame_ns();
  }
  sim_note_activity();
  if (sim.live) {
    live_active_ns = monotonic_ns();
    if (live_tx_len == sizeof live_tx) sim_uart_live_flush();
    live_tx[live_tx_len++] = value;
    return;
  }
  tx = grow(tx, &tx_cap, tx_len + 1, 1);
  tx[tx_len++] = value;
}

/* SimUart.txWaitNs: a write waits until the transmit data register is free. */
static uint64_t tx_wait_ns(void) {
  if (!sim.uart_enabled || sim.brr == 0) return 0;
  uint64_t free_at = sim.tx_free_ns > device_frame_ns() ? sim.tx_free_ns - device_frame_ns() : 0;
  uint64_t now = sim_now_ns();
  return free_at > now ? free_at - now : 0;
}

static uint64_t flush_wait_ns(void) {
  uint64_t now = sim_now_ns();
  return sim.tx_free_ns > now ? sim.tx_free_ns - now : 0;
}

void sim_uart_write_text(const char *text) {
  for (const char *p = text; *p != '\0'; p++) hal_port_uart_write((uint8_t)*p);
}

/* --- hal-bindings/uart.ts --- */

void hal_port_uart_init(uint32_t baud, bool evenParity) {
  /* A rate whose BRR falls outside 16 ... 0xFFFF is refused, as the drivers refuse it: nothing changes. */
  uint32_t brr = brr_for(baud);
  if (brr == 0u) return;
  if (sim.live) {
    /* The host may not hear the last bytes before they have left the line: they stay here until then, and
     * nothing it sends in answer can reach the old configuration (a rate switch after a reply, SET_BAUD). */
    uint64_t wait = flush_wait_ns();
    if (wait > 0u) {
      struct timespec ts = {(time_t)(wait / 1000000000u), (long)(wait % 1000000000u)};
      (void)nanosleep(&ts, NULL);
    }
    sim_uart_live_flush();
  } else {
    sim_spend_ns(flush_wait_ns());
  }
  /* Bytes complete before this instant met the old configuration (or a USART that was off: lost). Live mode
   * timestamps the host's bytes as it takes them from the socket, so those still waiting there arrive after. */
  receive_before(sim_now_ns());
  sim.baud = baud;
  sim.brr = brr;
  sim.even_parity = evenParity;
  sim.uart_enabled = true;
}

/* The port's reception ring, sized by board data; the same at every call (a boot's static RAM). */
tsb_view_u8 hal_port_uart_rx_ring(void) {
  static uint8_t *ring;
  if (ring == NULL) {
    ring = calloc(sim_board_rx_ring_size(), 1);
    if (ring == NULL) sim_fault("out of memory for the reception ring of bytes", sim_board_rx_ring_size());
  }
  tsb_view_u8 view = {ring, sim_board_rx_ring_size()};
  return view;
}

int32_t hal_port_uart_read(void) {
  if (sim.live) sim_uart_live_service();
  receive_until(sim_now_ns());
  int32_t value = sim.rdr;
  sim.rdr = -1;
  if (value >= 0) {
    received_input();
    return value;
  }
  on_idle();
  return -1;
}

void hal_port_uart_write(uint8_t value) {
  sim_spend_ns(tx_wait_ns());
  transmit(value);
}

void hal_port_uart_flush(void) {
  sim_spend_ns(flush_wait_ns());
  if (sim.live) sim_uart_live_flush();
}

void hal_port_uart_deinit(void) {
  if (sim.live) sim_uart_live_service();
  receive_until(sim_now_ns());
  sim.uart_enabled = false;
  sim.rx_ring = NULL;
  sim.rdr = -1;
}

uint32_t hal_port_uart_take_errors(void) {
  uint32_t e = sim.uart_errors;
  sim.uart_errors = 0;
  return e;
}

void hal_port_uart_rx_start(tsb_view_u8 ring) {
  if (ring.len == 0) sim_fault("hal_port_uart_rx_start with an empty ring of length", ring.len);
  if (sim.live) sim_uart_live_service();
  receive_until(sim_now_ns());
  sim.rx_ring = ring.ptr;
  sim.rx_ring_len = ring.len;
  sim.rx_written = 0;
  if (sim.rdr >= 0) {
    ring.ptr[0] = (uint8_t)sim.rdr;
    sim.rx_written = 1;
    sim.rdr = -1;
  }
}

/* Simulation.uartRxHead: reception by DMA — every byte that has arrived by now is in the ring. */
uint32_t hal_port_uart_rx_head(void) {
  if (sim.rx_ring == NULL) sim_fault("hal_port_uart_rx_head before hal_port_uart_rx_start, ring", 0);
  if (sim.live) sim_uart_live_service();
  if (receive_until(sim_now_ns()) > 0) received_input();
  else on_idle();
  return (uint32_t)(sim.rx_written % sim.rx_ring_len);
}
