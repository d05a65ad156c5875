/** What can go wrong talking to a bootloader, each with a message that says what to do about it. */

export type FlasherErrorCode =
  /** The serial device does not exist. */
  | "port-missing"
  /** The serial device is open in another program. */
  | "port-busy"
  /** No permission to open the serial device. */
  | "port-permission"
  /** Nothing listens on the TCP address (or the host is unknown). */
  | "connect-failed"
  /** Anything else while opening the port. */
  | "port-error"
  /** The handshake (INFO) got no answer. */
  | "no-answer"
  /** The device stopped answering during an operation. */
  | "timeout"
  /** The port closed under us (cable pulled, simulation stopped, TCP reset). */
  | "connection-lost"
  /** The image was built for another board. */
  | "wrong-board"
  /** The image does not fit the device's application region. */
  | "too-big"
  /** The bootloader speaks an older protocol (or lacks a command) this host needs. */
  | "too-old"
  /** The bootloader speaks a newer protocol than this host knows. */
  | "too-new"
  /** The .tsb file is not a valid image. */
  | "bad-image"
  /** The bootloader requires a signed image (it was built with a public key), or refused the signature. */
  | "unsigned"
  | "bad-signature"
  /** The image's security counter is below the device's: refused, and nothing overrides it. */
  | "counter"
  /** The image is older than the installed one (pass --allow-downgrade). */
  | "downgrade"
  /** The device refused a request with a status code. */
  | "refused"
  /** The device answered something that breaks the protocol. */
  | "protocol"
  /** The operation was cut short on this side (Ctrl-C, SIGTERM): FlasherError.message says where. */
  | "interrupted";

export class FlasherError extends Error {
  constructor(
    readonly code: FlasherErrorCode,
    message: string,
    /** The device's status code, for "refused". */
    readonly status?: number,
  ) {
    super(message);
    this.name = "FlasherError";
  }
}

export const NO_ANSWER_HINT = "reset the board or hold the trigger pin, and check the baud rate";
/** Over TCP there is no baud rate: the peer is a simulation (or a serial bridge) that is busy or not the bootloader. */
export const NO_ANSWER_HINT_TCP =
  "the peer accepted the connection but does not answer as a bootloader: the simulation may be serving another client " +
  "or running its application, or the bridge's serial side may be unplugged";

/**
 * Said after any failure once BEGIN succeeded: the device stores the image header only at END, after the
 * CRC of the whole payload checked, so nothing half-written is ever marked valid.
 */
export const HALF_WRITTEN_NOTE =
  "The board holds no half-written image: the bootloader stores the image header only at END, after checking the " +
  "CRC of the whole payload, so it stays in the bootloader (the old application was erased by BEGIN) — run the flash again.";
