/*
 * tsboot-sim: the bootloader compiled to C, on the simulated board of sim.h, as a host program.
 *
 *   scripted  tsboot-sim [--flash F] [--state F] [--preload A.tsb] --script S [--transcript T] [--trigger]
 *                        [--pin PB5=0]... [--update-flag HEX] [--cut-power-at N [--cut-inside]] [--seed N]
 *                        [--inject-error S] [--flash-timing typ|max|none] [--watchdog-hardware]
 *                        [--limit-us N] [--idle-us N] [--line-limit-baud N]
 *             Virtual time as in the Node Simulation; prints one JSON line with the outcome.
 *   live      tsboot-sim --port N [--flash F] [--preload A.tsb] [--trigger] [--pin PB5=0]... [--update-flag HEX]
 *                        [--flash-timing typ|max|none] [--watchdog-hardware] [--stay] [--reset-on-connect]
 *                        [--line-limit-baud N]
 *             Real time; the UART is served on 127.0.0.1:N, one client at a time: a raw byte pipe at the
 *             board's base rate, or Telnet with RFC 2217 (a client that opens with IAC), which sets the
 *             host line's rate (sim_rfc2217.c).
 *
 * Exit status: 0 for every outcome of the bootloader itself (a panic is a reset, as on the board), 71 when
 * the bootloader misused the simulated HAL, 2 for a usage error, 1 when a file or socket failed.
 */
#define _GNU_SOURCE
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* bootloader-ts/config.ts UPDATE_REQUEST_MAGIC ("TSBU"). */
#define UPDATE_REQUEST_MAGIC 0x55425354u

static const char *USAGE =
    "usage: tsboot-sim [options]\n"
    "  --flash FILE         the whole flash as a raw image from the flash base; loaded if it exists,\n"
    "                       else erased (0xFF); scripted: written back at the end; live: written through\n"
    "  --preload APP.tsb    install this image first, as the bootloader's own update would\n"
    "  --trigger            the update trigger pin is held (at its active level)\n"
    "  --pin PB5=0          an input pin's level (port A-K, pin 0-15); repeat for more; unset pins read 0,\n"
    "                       the trigger pin its inactive level\n"
    "  --update-flag HEX    the update-request word in RAM at power-on (55425354 asks for an update)\n"
    "  --flash-timing T     typ (default), max or none: the part's datasheet erase and program times;\n"
    "                       the CPU stalls that long (live mode: in real time)\n"
    "  --watchdog-hardware  the option bytes start the watchdog at every reset (WDG_SW = 0, ~0.5 s)\n"
    "  --line-limit-baud N  the line garbles every byte sent faster than N baud, either way (a long cable, a\n"
    "                       marginal adapter): a faster rate the ends agree on fails\n"
    "scripted mode (the default):\n"
    "  --script FILE        lines 'AT_US HEX_BYTES': bytes the host sends, the first complete at AT_US;\n"
    "                       a line 'line BAUD 8N1|8E1' sets the host's line for the chunks after it\n"
    "  --transcript FILE    every byte the device wrote\n"
    "  --state FILE         what the previous boot left (reset cause, no-init RAM, weak flash cells): read\n"
    "                       if it exists, written for the next boot at the end\n"
    "  --cut-power-at N     cut the power before flash operation N (counted from 1)\n"
    "  --cut-inside         ... inside it instead: the operation is left torn\n"
    "  --seed N             seed of torn operations and weak cells (default 1)\n"
    "  --inject-error S     every counted flash operation fails with status S\n"
    "  --limit-us N         stop ('timeout') when the virtual clock passes N us (default 600000000)\n"
    "  --idle-us N          stop ('idle') at an empty poll when every scripted byte has been read and the\n"
    "                       last one more than N us ago (Simulation.idleLimitUs; default 20000000; 0: never)\n"
    "live mode:\n"
    "  --port N             serve the UART on 127.0.0.1:N (0: any free port; the port is printed); a client\n"
    "                       is a raw byte pipe at the board's base rate, or speaks Telnet with RFC 2217\n"
    "                       (it opens with IAC) and sets the host line's rate with SET-BAUDRATE\n"
    "  --uart-timing none   no baud rate on the line (bytes take no time either way): for tests of host\n"
    "                       tools that do not measure time; the default is the configured baud rate\n"
    "  --reset-on-connect   every client connection resets the device (an operator pressing reset as the\n"
    "                       host starts, or a reset wired to the host's DTR): the listen window opens as\n"
    "                       the client connects; a started application keeps running until the next one\n"
    "  --stay               after the application starts it asks for an update and resets, and the\n"
    "                       bootloader serves again (default: report the start and exit 0)\n"
    "  --board-info         print the simulated board as JSON and exit\n";

struct pin_setting {
  uint32_t port, pin;
  bool level;
};

struct options {
  const char *flash_file;
  const char *preload_file;
  const char *script_file;
  const char *transcript_file;
  const char *state_file;
  bool trigger;
  struct pin_setting pins[64];
  int pin_count;
  bool update_flag_set;
  uint32_t update_flag;
  uint32_t cut_power_at;
  bool cut_inside;
  uint32_t seed;
  enum sim_flash_timing timing;
  bool watchdog_hardware;
  bool uart_untimed;
  uint32_t line_limit_baud;
  uint32_t inject_error;
  uint64_t limit_us;
  uint64_t idle_us;
  bool live;
  int port;
  bool stay;
  bool reset_on_connect;
  bool board_info;
};

__attribute__((format(printf, 1, 2))) static void note(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("tsboot-sim: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
}

static bool parse_u64(const char *text, int base, uint64_t max, uint64_t *out) {
  if (text == NULL || *text == '\0' || *text == '-') return false;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(text, &end, base);
  if (errno != 0 || *end != '\0' || v > max) return false;
  *out = (uint64_t)v;
  return true;
}

static int parse_options(int argc, char **argv, struct options *o) {
  memset(o, 0, sizeof *o);
  o->seed = 1u;
  o->timing = SIM_TIMING_TYP;
  o->limit_us = SIM_DEFAULT_LIMIT_US;
  o->idle_us = SIM_DEFAULT_IDLE_US;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    uint64_t n = 0;
#define NEEDS_VALUE()                                      \
  do {                                                     \
    if (v == NULL) {                                       \
      note("%s needs a value\n%s", a, USAGE);              \
      return 2;                                            \
    }                                                      \
    i++;                                                   \
  } while (0)
#define BAD_VALUE(what)                                                \
  do {                                                                 \
    note("%s: '%s' is not %s", a, v, what);                            \
    return 2;                                                          \
  } while (0)
    if (strcmp(a, "--flash") == 0) { NEEDS_VALUE(); o->flash_file = v; }
    else if (strcmp(a, "--preload") == 0) { NEEDS_VALUE(); o->preload_file = v; }
    else if (strcmp(a, "--script") == 0) { NEEDS_VALUE(); o->script_file = v; }
    else if (strcmp(a, "--transcript") == 0) { NEEDS_VALUE(); o->transcript_file = v; }
    else if (strcmp(a, "--state") == 0) { NEEDS_VALUE(); o->state_file = v; }
    else if (strcmp(a, "--trigger") == 0) o->trigger = true;
    else if (strcmp(a, "--cut-inside") == 0) o->cut_inside = true;
    else if (strcmp(a, "--watchdog-hardware") == 0) o->watchdog_hardware = true;
    else if (strcmp(a, "--uart-timing") == 0) {
      NEEDS_VALUE();
      if (strcmp(v, "none") == 0) o->uart_untimed = true;
      else if (strcmp(v, "baud") != 0) BAD_VALUE("baud or none");
    }
    else if (strcmp(a, "--pin") == 0) {
      NEEDS_VALUE();
      const char *p = v;
      if (*p == 'P' || *p == 'p') p++;
      char port = (char)(*p >= 'a' && *p <= 'k' ? *p - 'a' + 'A' : *p);
      uint64_t pin = 0;
      const char *eq = p[0] ? strchr(p + 1, '=') : NULL;
      char digits[4] = {0};
      if (port < 'A' || port > 'K' || eq == NULL || eq - (p + 1) < 1 || eq - (p + 1) > 2 || (eq[1] != '0' && eq[1] != '1') || eq[2] != '\0') BAD_VALUE("a pin and a level such as PB5=0");
      memcpy(digits, p + 1, (size_t)(eq - (p + 1)));
      if (!parse_u64(digits, 10, 15, &pin)) BAD_VALUE("a pin and a level such as PB5=0 (pin 0-15)");
      if (o->pin_count == (int)(sizeof o->pins / sizeof o->pins[0])) BAD_VALUE("one pin too many");
      o->pins[o->pin_count++] = (struct pin_setting){.port = (uint32_t)(port - 'A'), .pin = (uint32_t)pin, .level = eq[1] == '1'};
    } else if (strcmp(a, "--flash-timing") == 0) {
      NEEDS_VALUE();
      if (strcmp(v, "typ") == 0) o->timing = SIM_TIMING_TYP;
      else if (strcmp(v, "max") == 0) o->timing = SIM_TIMING_MAX;
      else if (strcmp(v, "none") == 0) o->timing = SIM_TIMING_NONE;
      else BAD_VALUE("typ, max or none");
    } else if (strcmp(a, "--line-limit-baud") == 0) {
      NEEDS_VALUE();
      if (!parse_u64(v, 10, 100000000, &n) || n < 300) BAD_VALUE("a baud rate");
      o->line_limit_baud = (uint32_t)n;
    } else if (strcmp(a, "--seed") == 0) {
      NEEDS_VALUE();
      if (!parse_u64(v, 10, UINT32_MAX, &n)) BAD_VALUE("a 32-bit number");
      o->seed = (uint32_t)n;
    }
    else if (strcmp(a, "--stay") == 0) o->stay = true;
    else if (strcmp(a, "--reset-on-connect") == 0) o->reset_on_connect = true;
    else if (strcmp(a, "--board-info") == 0) o->board_info = true;
    else if (strcmp(a, "--update-flag") == 0) {
      NEEDS_VALUE();
      if (!parse_u64(v, 16, UINT32_MAX, &n)) BAD_VALUE("a 32-bit hex number");
      o->update_flag = (uint32_t)n;
      o->update_flag_set = true;
    } else if (strcmp(a, "--cut-power-at") == 0) {
      NEEDS_VALUE();
      if (!parse_u64(v, 10, UINT32_MAX, &n) || n == 0) BAD_VALUE("an operation number (1 or more)");
      o->cut_power_at = (uint32_t)n;
    } else if (strcmp(a, "--inject-error") == 0) {
      NEEDS_VALUE();
      if (!parse_u64(v, 10, UINT32_MAX, &n)) BAD_VALUE("a status code");
      o->inject_error = (uint32_t)n;
    } else if (strcmp(a, "--limit-us") == 0) {
      NEEDS_VALUE();
      if (!parse_u64(v, 10, UINT64_MAX / 2, &n)) BAD_VALUE("a number of microseconds");
      o->limit_us = n;
    } else if (strcmp(a, "--idle-us") == 0) {
      NEEDS_VALUE();
      if (!parse_u64(v, 10, UINT64_MAX / 2, &n)) BAD_VALUE("a number of microseconds");
      o->idle_us = n;
    } else if (strcmp(a, "--port") == 0) {
      NEEDS_VALUE();
      if (!parse_u64(v, 10, 65535, &n)) BAD_VALUE("a TCP port (0-65535)");
      o->live = true;
      o->port = (int)n;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(USAGE, stdout);
      exit(0);
    } else {
      note("unknown option '%s'\n%s", a, USAGE);
      return 2;
    }
#undef NEEDS_VALUE
#undef BAD_VALUE
  }
  if (o->live && (o->script_file || o->transcript_file || o->cut_power_at || o->cut_inside || o->inject_error || o->state_file)) {
    note("--script, --transcript, --state, --cut-power-at, --cut-inside and --inject-error are for scripted runs, not with --port");
    return 2;
  }
  if (o->cut_inside && o->cut_power_at == 0) {
    note("--cut-inside needs --cut-power-at N");
    return 2;
  }
  if (!o->live && (o->stay || o->reset_on_connect || o->uart_untimed)) {
    note("--stay, --reset-on-connect and --uart-timing are for live runs (--port)");
    return 2;
  }
  return 0;
}

/* --- Files --- */

static uint8_t *read_file(const char *path, size_t *length, bool *missing) {
  *missing = false;
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (errno == ENOENT) *missing = true;
    else note("cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 65536, len = 0;
  uint8_t *data = malloc(cap);
  while (data) {
    if (len == cap) {
      uint8_t *bigger = realloc(data, cap * 2);
      if (!bigger) {
        free(data);
        data = NULL;
        break;
      }
      data = bigger;
      cap *= 2;
    }
    size_t n = fread(data + len, 1, cap - len, f);
    len += n;
    if (n == 0) break;
  }
  bool failed = ferror(f) != 0 || data == NULL;
  fclose(f);
  if (failed) {
    note("cannot read %s", path);
    free(data);
    return NULL;
  }
  *length = len;
  return data;
}

static bool write_file(const char *path, const uint8_t *data, size_t length) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    note("cannot write %s: %s", path, strerror(errno));
    return false;
  }
  bool ok = fwrite(data, 1, length, f) == length;
  ok = fclose(f) == 0 && ok;
  if (!ok) note("cannot write %s", path);
  return ok;
}

/* The flash: scripted mode keeps it in memory; live mode maps the file shared, so every erase and program
 * is in the file at once (a killed simulator keeps it) and every boot of the device sees the same bytes. */
static bool setup_flash(const struct options *o) {
  size_t size = sim.flash_size;
  /* Weak cells and torn ECC units: shared, so that every boot of a live device sees them. */
  void *weak = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  void *torn = mmap(NULL, size / board_write_unit() + 1u, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (weak == MAP_FAILED || torn == MAP_FAILED) return false;
  sim.weak = weak;
  sim.ecc_torn = torn;
  if (o->live) {
    if (o->flash_file == NULL) {
      void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) return false;
      sim.flash = p;
      memset(sim.flash, 0xFF, size);
      return true;
    }
    int fd = open(o->flash_file, O_RDWR | O_CREAT, 0644);
    if (fd < 0) {
      note("cannot open %s: %s", o->flash_file, strerror(errno));
      return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
      close(fd);
      return false;
    }
    bool fresh = st.st_size == 0;
    if (!fresh && (size_t)st.st_size != size) {
      note("%s is %lld bytes, the %s flash is %zu bytes", o->flash_file, (long long)st.st_size, sim_board_name(), size);
      close(fd);
      return false;
    }
    if (fresh && ftruncate(fd, (off_t)size) != 0) {
      note("cannot size %s: %s", o->flash_file, strerror(errno));
      close(fd);
      return false;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
      note("cannot map %s: %s", o->flash_file, strerror(errno));
      return false;
    }
    sim.flash = p;
    if (fresh) memset(sim.flash, 0xFF, size);
    return true;
  }
  sim.flash = malloc(size);
  if (!sim.flash) return false;
  memset(sim.flash, 0xFF, size);
  if (o->flash_file) {
    bool missing = false;
    size_t length = 0;
    uint8_t *data = read_file(o->flash_file, &length, &missing);
    if (!data && !missing) return false;
    if (data) {
      if (length != size) {
        note("%s is %zu bytes, the %s flash is %zu bytes", o->flash_file, length, sim_board_name(), size);
        free(data);
        return false;
      }
      memcpy(sim.flash, data, size);
      free(data);
    }
  }
  return true;
}

static bool preload(const struct options *o) {
  if (!o->preload_file) return true;
  bool missing = false;
  size_t length = 0;
  uint8_t *data = read_file(o->preload_file, &length, &missing);
  if (!data) {
    if (missing) note("cannot open %s: no such file", o->preload_file);
    return false;
  }
  char error[200];
  bool ok = sim_preload(data, length, error, sizeof error);
  free(data);
  if (!ok) note("--preload %s: %s", o->preload_file, error);
  return ok;
}

/* --- Scripted mode --- */

/* A script line 'line BAUD 8N1|8E1' (host/sim/script.ts): the host's line from here on. Returns 1 when it
 * is one, 0 when it is not, -1 when it is malformed. */
static int line_directive(const uint8_t *text, size_t i, size_t end, uint32_t *baud, uint32_t *framing) {
  if (end - i < 4 || memcmp(text + i, "line", 4) != 0) return 0;
  char buffer[64];
  size_t n = end - i;
  if (n >= sizeof buffer) return -1;
  memcpy(buffer, text + i, n);
  buffer[n] = '\0';
  char *hash = strchr(buffer, '#');
  if (hash) *hash = '\0';
  char word[8], frame[8];
  unsigned long value = 0;
  char extra = 0;
  if (sscanf(buffer, "%7s %lu %7s %c", word, &value, frame, &extra) != 3 || strcmp(word, "line") != 0) return -1;
  if (value < 300 || value > 20000000) return -1;
  if (strcasecmp(frame, "8N1") == 0) *framing = SIM_FRAMING_8N1;
  else if (strcasecmp(frame, "8E1") == 0) *framing = SIM_FRAMING_8E1;
  else return -1;
  *baud = (uint32_t)value;
  return 1;
}

static bool load_script(const char *path) {
  bool missing = false;
  size_t length = 0;
  uint8_t *text = read_file(path, &length, &missing);
  if (!text) {
    if (missing) note("cannot open %s: no such file", path);
    return false;
  }
  uint8_t *bytes = malloc(length / 2 + 1);
  size_t line_no = 0;
  size_t at = 0;
  bool ok = bytes != NULL;
  uint32_t baud = 115200u, framing = SIM_FRAMING_8N1;
  while (ok && at < length) {
    size_t end = at;
    while (end < length && text[end] != '\n') end++;
    line_no++;
    /* one line: [ws] AT_US ws HEX... [# comment], or: line BAUD 8N1|8E1 */
    size_t i = at;
    while (i < end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) i++;
    int directive = i < end ? line_directive(text, i, end, &baud, &framing) : 0;
    if (directive < 0) {
      note("%s:%zu: expected 'line BAUD 8N1|8E1'", path, line_no);
      ok = false;
      break;
    }
    if (directive == 0 && i < end && text[i] != '#') {
      uint64_t when = 0;
      size_t digits = 0;
      while (i < end && text[i] >= '0' && text[i] <= '9') {
        when = when * 10u + (uint64_t)(text[i] - '0');
        i++;
        digits++;
      }
      if (digits == 0 || digits > 15 || (i < end && text[i] != ' ' && text[i] != '\t' && text[i] != '\r')) {
        note("%s:%zu: expected 'AT_US HEX_BYTES'", path, line_no);
        ok = false;
        break;
      }
      size_t count = 0;
      int high = -1;
      for (; i < end && text[i] != '#'; i++) {
        uint8_t c = text[i];
        int v;
        if (c == ' ' || c == '\t' || c == '\r') continue;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else {
          note("%s:%zu: '%c' is not a hex digit", path, line_no, c);
          ok = false;
          break;
        }
        if (high < 0) high = v;
        else {
          bytes[count++] = (uint8_t)((high << 4) | v);
          high = -1;
        }
      }
      if (ok && high >= 0) {
        note("%s:%zu: an odd number of hex digits", path, line_no);
        ok = false;
      }
      if (ok) sim_uart_deliver(bytes, count, when, baud, framing);
    }
    at = end + 1;
  }
  free(bytes);
  free(text);
  return ok;
}

static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

static const char *outcome_name(enum sim_outcome_kind kind) {
  switch (kind) {
    case SIM_OUT_APPLICATION: return "application";
    case SIM_OUT_RESET: return "reset";
    case SIM_OUT_POWER_CUT: return "power-cut";
    case SIM_OUT_IDLE: return "idle";
    case SIM_OUT_TIMEOUT: return "timeout";
    case SIM_OUT_FAULT: return "fault";
    case SIM_RUNNING: break;
  }
  return "returned";
}

static const char *reason_name(enum sim_reset_reason reason) {
  switch (reason) {
    case SIM_RESET_REASON_SOFTWARE: return "software";
    case SIM_RESET_REASON_WATCHDOG: return "watchdog";
    case SIM_RESET_REASON_PANIC: return "panic";
    case SIM_RESET_REASON_NONE: break;
  }
  return "none";
}

static int exit_status(enum sim_outcome_kind kind) { return kind == SIM_OUT_FAULT ? 71 : 0; }

static int run_scripted(const struct options *o) {
  if (o->script_file && !load_script(o->script_file)) return 1;
  sim.limit_us = o->limit_us;
  sim.idle_us = o->idle_us;
  sim.cut_power_at = o->cut_power_at;
  sim.cut_inside = o->cut_inside;
  sim.inject_error = o->inject_error;
  struct sim_outcome *out = &sim.shared->outcome;
  memset(out, 0, sizeof *out);
  if (setjmp(sim_stop_target) == 0) {
    main_bootloaderMain();
    out->kind = SIM_OUT_FAULT;
    snprintf(out->message, sizeof out->message, "bootloaderMain returned");
  }
  int status = exit_status(out->kind);
  if (out->kind == SIM_OUT_FAULT) note("%s", out->message);
  if (out->kind == SIM_OUT_RESET && out->reason == SIM_RESET_REASON_PANIC) note("%s %s", out->where, out->message);
  size_t tx_len = 0;
  const uint8_t *tx = sim_uart_tx(&tx_len);
  if (o->transcript_file && !write_file(o->transcript_file, tx, tx_len)) status = 1;
  if (o->flash_file && !write_file(o->flash_file, sim.flash, sim.flash_size)) status = 1;
  if (o->state_file) {
    sim_state_next_boot();
    if (!sim_state_save(o->state_file)) {
      note("cannot write %s", o->state_file);
      status = 1;
    }
  }
  printf("{\"outcome\":\"%s\"", outcome_name(out->kind));
  if (out->kind == SIM_OUT_APPLICATION) printf(",\"sp\":%" PRIu32 ",\"pc\":%" PRIu32 ",\"vtor\":%" PRIu32, out->sp, out->pc, out->vtor);
  if (out->kind == SIM_OUT_RESET) {
    printf(",\"reason\":\"%s\"", reason_name(out->reason));
    if (out->reason == SIM_RESET_REASON_PANIC) {
      printf(",\"line\":%" PRIu32 ",\"message\":", out->line);
      json_string(stdout, out->message);
    }
  }
  if (out->kind == SIM_OUT_POWER_CUT) printf(",\"operation\":%" PRIu32 "%s", out->operation, out->inside ? ",\"inside\":true" : "");
  if (out->kind == SIM_OUT_FAULT) {
    printf(",\"message\":");
    json_string(stdout, out->message);
  }
  printf(",\"nowUs\":%" PRIu64 ",\"flashOperations\":%" PRIu32 ",\"txBytes\":%zu,\"rxUnread\":%zu}\n", sim.now_ns / 1000u, sim.operations, tx_len,
         sim_uart_rx_pending());
  fflush(stdout);
  return status;
}

/* --- Live mode --- */

static int client_fd = -1;
/* The client's protocol, known from its first byte: -1 not yet, 0 a raw pipe, 1 Telnet (RFC 2217). */
static int client_telnet = -1;
static struct sim_rfc2217 telnet;
static volatile sig_atomic_t stop_signal = 0;

static void on_stop_signal(int signal_number) { stop_signal = signal_number; }

static void say(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* A line for whoever watches: stdout, and the TCP client if one is connected. */
static void say(const char *format, ...) {
  char line[300];
  va_list args;
  va_start(args, format);
  vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (client_fd >= 0) {
    char wire[320];
    int n = snprintf(wire, sizeof wire, "tsboot-sim: %s\r\n", line);
    if (n > 0) (void)send(client_fd, wire, (size_t)n < sizeof wire ? (size_t)n : sizeof wire - 1, MSG_NOSIGNAL);
  }
  printf("tsboot-sim: %s\n", line);
  fflush(stdout);
}

static bool write_all(int fd, const uint8_t *data, size_t length) {
  while (length > 0) {
    ssize_t n = send(fd, data, length, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        struct pollfd p = {.fd = fd, .events = POLLOUT, .revents = 0};
        (void)poll(&p, 1, 100);
        continue;
      }
      return false;
    }
    data += n;
    length -= (size_t)n;
  }
  return true;
}

/* One message to the device's process (a SOCK_SEQPACKET message is sent whole or not at all). */
static bool send_message(int fd, const uint8_t *message, size_t length) {
  while (true) {
    ssize_t n = send(fd, message, length, MSG_NOSIGNAL);
    if (n >= 0) return (size_t)n == length;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
    struct pollfd p = {.fd = fd, .events = POLLOUT, .revents = 0};
    (void)poll(&p, 1, 100);
  }
}

/* The host line's rate from here on (0: the board's base rate), in order with the host's bytes. */
static bool send_line(int wire, uint32_t baud) {
  sim.shared->host_baud = baud;
  uint8_t m[5] = {SIM_WIRE_LINE, (uint8_t)baud, (uint8_t)(baud >> 8), (uint8_t)(baud >> 16), (uint8_t)(baud >> 24)};
  return send_message(wire, m, sizeof m);
}

/* What the client sent: its data bytes to the device, and (Telnet) its line settings; answers go back. */
static bool from_client(int wire, const uint8_t *bytes, size_t count) {
  static uint8_t m[SIM_WIRE_MAX + 1u];
  size_t length = 1;
  m[0] = SIM_WIRE_DATA;
  if (client_telnet < 0 && count > 0) client_telnet = bytes[0] == 0xFFu ? 1 : 0;
  for (size_t i = 0; i < count; i++) {
    uint8_t data = bytes[i];
    if (client_telnet == 1) {
      uint32_t baud = 0;
      uint32_t current = sim.shared->host_baud != 0u ? sim.shared->host_baud : sim_board_uart_baud();
      int r = sim_rfc2217_feed(&telnet, bytes[i], current, &data, &baud);
      if (r == SIM_RFC2217_BAUD) {
        if ((length > 1 && !send_message(wire, m, length)) || !send_line(wire, baud)) return false;
        length = 1;
      }
      if (r != SIM_RFC2217_DATA) continue;
    }
    m[length++] = data;
    if (length == sizeof m) {
      if (!send_message(wire, m, length)) return false;
      length = 1;
    }
  }
  if (length > 1 && !send_message(wire, m, length)) return false;
  if (telnet.reply_len > 0 && client_fd >= 0) {
    (void)write_all(client_fd, telnet.reply, telnet.reply_len);
    telnet.reply_len = 0;
  }
  return true;
}

/* The device's bytes to the client (0xFF doubled for a Telnet client). */
static bool to_client(const uint8_t *bytes, size_t count) {
  if (client_telnet != 1) return write_all(client_fd, bytes, count);
  static uint8_t escaped[2u * 8192u];
  size_t done = 0;
  while (done < count) {
    size_t chunk = count - done < 8192u ? count - done : 8192u;
    size_t n = sim_rfc2217_escape(bytes + done, chunk, escaped);
    if (!write_all(client_fd, escaped, n)) return false;
    done += chunk;
  }
  return true;
}

/* A new client: a raw pipe at the board's base rate until it shows it speaks Telnet. */
static void new_client(int wire) {
  client_telnet = -1;
  sim_rfc2217_reset(&telnet);
  (void)send_line(wire, 0u);
}

/* What the device wrote while no client was connected went nowhere, as on a UART with no cable. Said on
 * stdout a line at a time (escaped), so that whoever watches knows the boot text is over before a client
 * connects. The device writes at its baud rate, so a line arrives in pieces. */
static char unheard[200];
static size_t unheard_len;

static void flush_unheard(void) {
  if (unheard_len == 0) return;
  unheard[unheard_len] = '\0';
  printf("tsboot-sim: no client connected, the device's output went nowhere: %s\n", unheard);
  fflush(stdout);
  unheard_len = 0;
}

static void note_unheard(const uint8_t *bytes, size_t count) {
  for (size_t i = 0; i < count; i++) {
    uint8_t c = bytes[i];
    if (unheard_len + 5 >= sizeof unheard) flush_unheard();
    if (c == '\r') unheard_len += (size_t)snprintf(unheard + unheard_len, sizeof unheard - unheard_len, "\\r");
    else if (c == '\n') unheard_len += (size_t)snprintf(unheard + unheard_len, sizeof unheard - unheard_len, "\\n");
    else if (c >= 0x20u && c < 0x7fu && c != '\\') unheard[unheard_len++] = (char)c;
    else unheard_len += (size_t)snprintf(unheard + unheard_len, sizeof unheard - unheard_len, "\\x%02x", c);
    if (c == '\n') flush_unheard();
  }
}

/* The client has hung up (FIN or reset). Linux reports it (POLLRDHUP) even while bytes it sent are still
 * unread, which a peek at the next byte cannot tell apart from a client that is still there. */
static bool client_hung_up(void) {
  struct pollfd p = {.fd = client_fd, .events = POLLRDHUP, .revents = 0};
  return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

static void drop_client(const char *why) {
  if (client_fd < 0) return;
  close(client_fd);
  client_fd = -1;
  printf("tsboot-sim: client disconnected (%s)\n", why);
  fflush(stdout);
}

/* Runs one boot of the device in a child process: the child starts from the bootloader's pristine static
 * RAM, as after a reset, while flash and the update flag (shared mappings) carry over. Returns the read end
 * of a pipe that reports POLLHUP when the child has ended. */
static pid_t start_device(int wire_device, int listen_fd, int wire_host, int *done_fd) {
  int p[2];
  if (pipe(p) != 0) return -1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    close(p[0]);
    close(listen_fd);
    close(wire_host);
    if (client_fd >= 0) close(client_fd);
    sim_begin_boot();
    /* The host's line is the client's, not the device's: it survives the reset. */
    sim.host_baud = sim.shared->host_baud;
    /* After a reset, cells a torn operation left weak read anew (the first boot has none). */
    if (sim.shared->boot > 0) sim_flash_power_on(sim.shared->boot);
    sim_uart_live_attach(wire_device);
    struct sim_outcome *out = &sim.shared->outcome;
    memset(out, 0, sizeof *out);
    if (setjmp(sim_stop_target) == 0) {
      main_bootloaderMain();
      out->kind = SIM_OUT_FAULT;
      snprintf(out->message, sizeof out->message, "bootloaderMain returned");
    }
    sim_uart_live_flush();
    _exit(0);
  }
  close(p[1]);
  *done_fd = p[0];
  return pid;
}

static int run_live(const struct options *o) {
  signal(SIGPIPE, SIG_IGN);
  /* SIGINT/SIGTERM end the simulator cleanly (the flash file is always up to date); poll() sees EINTR. */
  struct sigaction stop;
  memset(&stop, 0, sizeof stop);
  stop.sa_handler = on_stop_signal;
  sigemptyset(&stop.sa_mask);
  sigaction(SIGINT, &stop, NULL);
  sigaction(SIGTERM, &stop, NULL);
  int listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)o->port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listen_fd, 4) != 0) {
    note("cannot listen on 127.0.0.1:%d: %s", o->port, strerror(errno));
    return 1;
  }
  socklen_t addr_len = sizeof addr;
  getsockname(listen_fd, (struct sockaddr *)&addr, &addr_len);
  int wire[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, wire) != 0) {
    note("socketpair: %s", strerror(errno));
    return 1;
  }
  printf("tsboot-sim: %s, listening on 127.0.0.1:%d\n", sim_board_name(), ntohs(addr.sin_port));
  fflush(stdout);

  int done_fd = -1;
  pid_t child = start_device(wire[1], listen_fd, wire[0], &done_fd);
  if (child < 0) {
    note("fork: %s", strerror(errno));
    return 1;
  }
  uint8_t buffer[8192];
  while (true) {
    struct pollfd fds[4];
    nfds_t n = 0;
    fds[n++] = (struct pollfd){.fd = wire[0], .events = POLLIN, .revents = 0};
    fds[n++] = (struct pollfd){.fd = done_fd, .events = POLLIN, .revents = 0};
    fds[n++] = (struct pollfd){.fd = client_fd >= 0 ? client_fd : listen_fd, .events = POLLIN, .revents = 0};
    /* While a client is served, another one is told the port is busy and turned away (one UART, one host). */
    if (client_fd >= 0) fds[n++] = (struct pollfd){.fd = listen_fd, .events = POLLIN, .revents = 0};
    int ready = stop_signal ? -1 : poll(fds, n, 200); /* a timeout, so a signal just before poll() is seen */
    if (stop_signal) {
      if (child > 0) { /* never kill(-1, ...): that would signal every process of the user */
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
      }
      printf("tsboot-sim: stopped (%s)\n", strsignal(stop_signal));
      fflush(stdout);
      return 0;
    }
    if (ready < 0) {
      if (errno == EINTR) continue;
      note("poll: %s", strerror(errno));
      return 1;
    }
    /* Device → client (dropped when nobody is connected, like a UART with no cable). */
    if (fds[0].revents & POLLIN) {
      ssize_t got = recv(wire[0], buffer, sizeof buffer, MSG_DONTWAIT);
      if (got > 0 && client_fd >= 0 && !to_client(buffer, (size_t)got)) drop_client("write failed");
      else if (got > 0 && client_fd < 0) note_unheard(buffer, (size_t)got);
    }
    if (fds[2].revents) {
      if (client_fd >= 0) {
        ssize_t got = recv(client_fd, buffer, sizeof buffer, 0);
        if (got <= 0) drop_client(got == 0 ? "the host vanished" : strerror(errno));
        else if (!from_client(wire[0], buffer, (size_t)got)) {
          note("the device line failed");
          return 1;
        }
      } else {
        client_fd = accept(listen_fd, NULL, NULL);
        if (client_fd >= 0) {
          flush_unheard(); /* a line the device had begun before the client came */
          setsockopt(client_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          new_client(wire[0]);
          printf("tsboot-sim: client connected\n");
          fflush(stdout);
          if (o->reset_on_connect) {
            /* Power-on reset as the host connects: whatever ran (bootloader or application) stops, and
             * bytes it wrote before the reset never reach the new client. */
            if (child > 0) {
              kill(child, SIGKILL);
              waitpid(child, NULL, 0);
              close(done_fd);
            }
            while (recv(wire[0], buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
            }
            say("reset (a client connected)");
            memset(&sim.shared->outcome, 0, sizeof sim.shared->outcome);
            sim_state_next_boot();
            child = start_device(wire[1], listen_fd, wire[0], &done_fd);
            if (child < 0) {
              note("fork: %s", strerror(errno));
              return 1;
            }
            continue;
          }
        }
      }
    }
    /* A client that hung up may not have been noticed yet, even behind bytes it sent just before: it does not
     * make the port busy. Those bytes still reach the device (they were on the wire), then the port is free. */
    if (n > 3 && (fds[3].revents & POLLIN) && client_fd >= 0 && client_hung_up()) {
      while (true) {
        ssize_t got = recv(client_fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (got <= 0) break;
        if (!from_client(wire[0], buffer, (size_t)got)) {
          note("the device line failed");
          return 1;
        }
      }
      drop_client("the host vanished");
    }
    if (n > 3 && (fds[3].revents & POLLIN) && client_fd >= 0) {
      int other = accept(listen_fd, NULL, NULL);
      if (other >= 0) {
        static const char busy[] = "tsboot-sim: busy: another client is connected to this simulated UART\r\n";
        (void)send(other, busy, sizeof busy - 1, MSG_NOSIGNAL);
        close(other);
        printf("tsboot-sim: turned away a second client (busy)\n");
        fflush(stdout);
      }
    }
    if (child <= 0 || fds[1].revents == 0) continue;
    /* The device's boot ended: forward what it wrote last, then act on the outcome. */
    int status = 0;
    waitpid(child, &status, 0);
    close(done_fd);
    while (true) {
      ssize_t got = recv(wire[0], buffer, sizeof buffer, MSG_DONTWAIT);
      if (got <= 0) break;
      if (client_fd >= 0 && !to_client(buffer, (size_t)got)) drop_client("write failed");
    }
    if (!WIFEXITED(status)) {
      say("the device process died (%s)", WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "unknown");
      return 1;
    }
    struct sim_outcome out = sim.shared->outcome;
    switch (out.kind) {
      case SIM_OUT_APPLICATION:
        say("application started sp=0x%08" PRIx32 " pc=0x%08" PRIx32 " vtor=0x%08" PRIx32, out.sp, out.pc, out.vtor);
        if (o->stay) {
          say("the application requests an update and resets");
          sim.shared->update_flag = UPDATE_REQUEST_MAGIC;
          break;
        }
        if (o->reset_on_connect) {
          /* The application runs (silently) until the next client resets the device. */
          child = -1;
          done_fd = -1;
          continue;
        }
        if (client_fd >= 0) {
          /* Let the client read everything and hang up (at most a second), then exit. */
          shutdown(client_fd, SHUT_WR);
          struct pollfd p = {.fd = client_fd, .events = POLLIN, .revents = 0};
          for (int i = 0; i < 10 && poll(&p, 1, 100) >= 0; i++) {
            if (p.revents && recv(client_fd, buffer, sizeof buffer, MSG_DONTWAIT) <= 0) break;
          }
          close(client_fd);
        }
        return 0;
      case SIM_OUT_RESET:
        if (out.reason == SIM_RESET_REASON_PANIC) say("%s %s: the fault is recorded, and the board resets", out.where, out.message);
        else if (out.reason == SIM_RESET_REASON_WATCHDOG) say("watchdog reset");
        else say("system reset");
        break;
      case SIM_OUT_FAULT:
        say("simulator fault: %s", out.message);
        return exit_status(out.kind);
      default:
        say("the device stopped unexpectedly (%s)", outcome_name(out.kind));
        return 1;
    }
    sim_state_next_boot();
    child = start_device(wire[1], listen_fd, wire[0], &done_fd);
    if (child < 0) {
      note("fork: %s", strerror(errno));
      return 1;
    }
  }
}

static void board_info(void) {
  printf("{\"name\":\"%s\",\"flashBase\":%" PRIu32 ",\"flashSize\":%" PRIu32 ",\"sectors\":[", sim_board_name(), sim_board_flash_base(),
         sim_board_flash_size());
  for (uint32_t i = 0; i < board_sector_count(); i++) {
    printf("%s{\"start\":%" PRIu32 ",\"size\":%" PRIu32 ",\"number\":%" PRIu32 "}", i ? "," : "", board_sector_start(i), board_sector_size(i),
           board_sector_number(i));
  }
  printf("],\"config\":{\"start\":%" PRIu32 ",\"size\":%" PRIu32 "},\"app\":{\"start\":%" PRIu32 ",\"size\":%" PRIu32 "},", board_config_start(),
         board_config_size(), board_app_start(), board_app_size());
  printf("\"ram\":{\"start\":%" PRIu32 ",\"size\":%" PRIu32 "},\"writeUnit\":%" PRIu32 ",\"boardId\":%" PRIu32 ",\"productId\":%" PRIu32 "}\n",
         board_ram_region_start(0), board_ram_region_size(0), board_write_unit(), board_id(), board_product_id());
}

int main(int argc, char **argv) {
  struct options o;
  int bad = parse_options(argc, argv, &o);
  if (bad) return bad;
  sim_init_state();
  if (o.board_info) {
    board_info();
    return 0;
  }
  sim.live = o.live;
  if (o.live) {
    struct sim_shared *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) return 1;
    memset(shared, 0, sizeof *shared);
    shared->reset_cause = SIM_RESET_POWER_ON;
    sim.shared = shared;
  }
  sim.seed = o.seed;
  sim.timing = o.timing;
  sim.watchdog_hardware = o.watchdog_hardware;
  sim.line_untimed = o.uart_untimed;
  sim.line_limit_baud = o.line_limit_baud;
  if (!setup_flash(&o)) return 1;
  if (o.state_file) {
    bool found = false;
    if (!sim_state_load(o.state_file, &found)) {
      note("%s is not a boot state file (host/sim/state.ts)", o.state_file);
      return 1;
    }
    /* A boot after another: cells a torn operation left weak read anew. */
    if (found) sim_flash_power_on(sim.shared->boot);
  }
  if (o.update_flag_set) sim.shared->update_flag = o.update_flag;
  for (int i = 0; i < o.pin_count; i++) sim_pin_set(o.pins[i].port, o.pins[i].pin, o.pins[i].level);
  if (o.trigger) sim_pin_set(sim_board_trigger_port(), sim_board_trigger_pin(), sim_board_trigger_active_level() != 0u);
  if (!preload(&o)) return 1;
  sim_begin_boot();
  return o.live ? run_live(&o) : run_scripted(&o);
}
