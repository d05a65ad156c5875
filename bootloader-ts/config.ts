/** The bootloader's fixed parameters: version, protocol limits and timeouts. */

/** 0.2.0 as major << 16 | minor << 8 | patch. */
export const BOOTLOADER_VERSION = 0x000200;
export const NATIVE_PROTOCOL_VERSION = 2;
/** The UART's speed, at 8N1 (the AN3155 session switches to 8E1). */
export const UART_BAUD = 115200;
/** The largest WRITE payload (offset + data). The window (frames in flight) is what the reception ring holds. */
export const MAX_DATA = 1024;
/** After SET_BAUD, a valid frame must arrive at the new rate within this time, or the old rate comes back. */
export const BAUD_CONFIRM_MS = 1000;
/** A frame whose next byte does not arrive within this time is dropped. */
export const INTER_BYTE_TIMEOUT_MS = 200;
/** A session with no traffic for this long ends, and the bootloader waits for a new one. */
export const SESSION_IDLE_MS = 10000;
/** The value an application writes to the update-flag word before resetting ("TSBU"). */
export const UPDATE_REQUEST_MAGIC = 0x55425354;
