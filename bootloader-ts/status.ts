/** Why a request failed: the reason code a NACK carries (docs/protocol.md). Append, never renumber. */
export enum Status {
  Ok = 0,
  BadFrame = 1,
  UnknownCommand = 2,
  BadLength = 3,
  BadState = 4,
  BadHeader = 5,
  WrongBoard = 6,
  TooBig = 7,
  BadAddress = 8,
  OutOfOrder = 9,
  FlashError = 10,
  VerifyFailed = 11,
  CrcMismatch = 12,
  NoValidApp = 13,
  Incomplete = 14,
  /** The image's initial stack pointer is not in RAM, or its reset vector not a Thumb address in the region. */
  BadVectorTable = 15,
  /** The option bytes could not be changed (write protection of the bootloader region). */
  ProtectionFailed = 16,
  /** The bootloader was built with a public key and the image is not signed. */
  SignatureRequired = 17,
  /** The image's signature does not verify with the built-in public key. */
  BadSignature = 18,
  /** The image's security counter is below the device's (anti-rollback). */
  CounterTooLow = 19,
  /** SET_BAUD: the board does not offer that rate (BAUDS lists the ones it does). */
  UnsupportedBaud = 20,
}
