/** The flasher library: open a port, talk to a tsboot bootloader (docs/protocol.md). */
export {
  Flasher, decodeInfo, HOST_PROTOCOL_VERSION, Status, type CommandOptions, type CommandReply, type DeviceInfo, type FlashOptions, type FlashProgress,
  type FlashResult, type FlasherOptions, type UpdatePhase, type UpdateState,
} from "./flasher";
export { LinkTiming } from "./link-timing";
export { FlasherError, HALF_WRITTEN_NOTE, NO_ANSWER_HINT, NO_ANSWER_HINT_TCP, type FlasherErrorCode } from "./errors";
export { openTransport, isTcpAddress, parseTcpAddress, SerialTransport, TcpTransport, DEFAULT_BAUD, type OpenOptions, type Transport } from "./transport";
export { Link, isBadFrameNack, statusName } from "./link";
