/*
 * --preload app.tsb: installs an image the way the bootloader's native update does (bootloader-ts/
 * native-protocol.ts begin/write/end): the header is checked against the board (bootloader-ts/
 * image-header.ts checkHeader) and the payload against its CRC; the record is invalidated (the config
 * region's first sector erased unless the record area is already erased), the application sectors the
 * payload needs are erased unless already erased, the payload is programmed from the application start
 * (the last write unit padded with 0xFF), and last the 64-byte header is programmed at the config start.
 * These are raw model operations: not counted, no virtual time, no power cut.
 */
#include "sim.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define HEADER_SIZE 64u
#define HEADER_MAGIC 0x31425354u

uint32_t sim_crc32(const uint8_t *data, size_t length) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < length; i++) {
    crc ^= data[i];
    for (int k = 0; k < 8; k++) crc = (crc & 1u) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
  }
  return crc ^ 0xFFFFFFFFu;
}

static uint32_t u32le(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint32_t u16le(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }

/* A status-log entry (bootloader-ts/status-log.ts): magic "SL", type, arg, value, 64 data bytes (a header or
 * zero), 20 zero bytes, CRC-32 of bytes 0..91. */
#define LOG_ENTRY_SIZE 96u
static void log_entry(uint8_t *out, uint8_t type, uint8_t arg, uint32_t value, const uint8_t *header) {
  memset(out, 0, LOG_ENTRY_SIZE);
  out[0] = 0x53;
  out[1] = 0x4C;
  out[2] = type;
  out[3] = arg;
  for (int i = 0; i < 4; i++) out[4 + i] = (uint8_t)(value >> (8 * i));
  if (header != NULL) memcpy(out + 8, header, HEADER_SIZE);
  uint32_t crc = sim_crc32(out, 92);
  for (int i = 0; i < 4; i++) out[92 + i] = (uint8_t)(crc >> (8 * i));
}

__attribute__((format(printf, 3, 4))) static bool fail(char *error, size_t size, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(error, size, format, args);
  va_end(args);
  return false;
}

bool sim_preload(const uint8_t *file, size_t length, char *error, size_t error_size) {
  if (length < HEADER_SIZE) return fail(error, error_size, "the file is %zu bytes, shorter than the 64-byte header", length);
  if (u32le(file) != HEADER_MAGIC) return fail(error, error_size, "not a tsboot image: magic 0x%08" PRIx32 " is not 'TSB1'", u32le(file));
  if (u16le(file + 4) != 1u) return fail(error, error_size, "header version %" PRIu32 " is not 1", u16le(file + 4));
  if (u16le(file + 6) != HEADER_SIZE) return fail(error, error_size, "header size %" PRIu32 " is not 64", u16le(file + 6));
  if (sim_crc32(file, 60) != u32le(file + 60)) return fail(error, error_size, "the header is corrupted (header CRC 0x%08" PRIx32 ", computed 0x%08" PRIx32 ")", u32le(file + 60), sim_crc32(file, 60));
  if (u32le(file + 36) != 0u) return fail(error, error_size, "signed images (signature size %" PRIu32 ") are not supported by this bootloader", u32le(file + 36));
  if (u32le(file + 24) != board_id()) return fail(error, error_size, "the image is for board id 0x%08" PRIx32 ", this board is 0x%08" PRIx32 "", u32le(file + 24), board_id());
  if (u32le(file + 12) != board_app_start()) return fail(error, error_size, "the image loads at 0x%08" PRIx32 ", the application region starts at 0x%08" PRIx32 "", u32le(file + 12), board_app_start());
  uint32_t size = u32le(file + 8);
  if (size == 0u) return fail(error, error_size, "the header's payload size is 0");
  if (size > board_app_size()) return fail(error, error_size, "the payload (%" PRIu32 " bytes) is larger than the application region (%" PRIu32 " bytes)", size, board_app_size());
  if ((size_t)size != length - HEADER_SIZE) return fail(error, error_size, "the payload is %" PRIu32 " bytes, the header says %" PRIu32 " (truncated or padded file)", (uint32_t)(length - HEADER_SIZE), size);
  const uint8_t *payload = file + HEADER_SIZE;
  if (sim_crc32(payload, size) != u32le(file + 16)) return fail(error, error_size, "the payload is corrupted (CRC 0x%08" PRIx32 ", the header says 0x%08" PRIx32 ")", sim_crc32(payload, size), u32le(file + 16));

  /* a fresh status log: the whole config region erased (host/image/status-log.ts logWithPrimary) */
  uint32_t config = board_config_start();
  uint32_t config_end = config + board_config_size();
  uint32_t count = board_sector_count();
  for (uint32_t i = 0; i < count; i++) {
    uint32_t start = board_sector_start(i);
    uint32_t sector_size = board_sector_size(i);
    if (start >= config && start + sector_size <= config_end && !sim_flash_range_erased(start, sector_size)) sim_flash_raw_erase(i);
  }
  /* begin: erase the application sectors below start + size that are not erased */
  uint32_t app = board_app_start();
  uint32_t app_end = app + board_app_size();
  uint32_t end = app + size;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t start = board_sector_start(i);
    uint32_t sector_size = board_sector_size(i);
    bool in_app = start >= app && start + sector_size <= app_end;
    if (!in_app || start >= end) continue;
    if (!sim_flash_range_erased(start, sector_size)) sim_flash_raw_erase(i);
  }
  /* write: the payload, the last unit padded with 0xFF */
  uint32_t unit = board_write_unit();
  uint8_t staged[64];
  if (unit == 0 || unit > sizeof staged) return fail(error, error_size, "write unit %" PRIu32 " is not supported", unit);
  for (uint32_t at = 0; at < size; at += unit) {
    for (uint32_t i = 0; i < unit; i++) staged[i] = at + i < size ? payload[at + i] : 0xFF;
    if (!sim_flash_raw_program(app + at, staged, unit)) return fail(error, error_size, "programming 0x%08" PRIx32 " failed", app + at);
  }
  /* end: the log's first half: Half (generation 1), SnapshotEnd, Image (primary, the header) */
  uint8_t log[3 * LOG_ENTRY_SIZE];
  log_entry(log, 1u, 0u, 1u, NULL);
  log_entry(log + LOG_ENTRY_SIZE, 11u, 0u, 0u, NULL);
  log_entry(log + 2u * LOG_ENTRY_SIZE, 2u, 0u, 1u, file);
  if (!sim_flash_raw_program(config, log, sizeof log)) return fail(error, error_size, "programming the status log at 0x%08" PRIx32 " failed", config);
  return true;
}
