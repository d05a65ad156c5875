/** The flasher library: open a port, talk to a tsboot bootloader (docs/protocol.md). */
export { Flasher, decodeInfo, HOST_PROTOCOL_VERSION, Status, type DeviceInfo, type FlashOptions, type FlashProgress, type FlashResult, type FlasherOptions } from "./flasher";
export { FlasherError, HALF_WRITTEN_NOTE, NO_ANSWER_HINT, type FlasherErrorCode } from "./errors";
export { openTransport, isTcpAddress, parseTcpAddress, SerialTransport, TcpTransport, DEFAULT_BAUD, type OpenOptions, type Transport } from "./transport";
export { Link, isBadFrameNack, statusName } from "./link";
