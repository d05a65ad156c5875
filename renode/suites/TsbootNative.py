"""Robot Framework keywords that speak tsboot's native protocol (docs/protocol.md) to a Renode machine's
UART, exposed on TCP by `emulation CreateServerSocketTerminal <port> "uart" false` (raw bytes, no telnet).

A small stop-and-wait host (one WRITE in flight), enough for the suites: the project's real flasher is
host/flasher (TypeScript), which the vitest harness in test/renode/ drives. Python standard library only,
so it runs in the Python that renode-test runs Robot in.

Frames: A5 5A | cmd | seq | len (u16 LE) | payload | CRC-32 (zlib) LE over cmd..payload. A reply has
cmd | 0x80 and the request's seq; its payload starts with a status byte. A WRITE that reaches an erase unit
not yet erased sends a progress event (cmd 0x90, same seq) before the erase and its reply (protocol 2). A damaged frame is answered with cmd 0x80, seq 0xFF (resend).
"""
import socket
import struct
import time
import zlib

STATUS_NAMES = [
    "ok", "bad frame", "unknown command", "bad length", "bad state", "bad header", "wrong board", "too big",
    "bad address", "out of order", "flash error", "verify failed", "CRC mismatch", "no valid application",
    "incomplete", "bad vector table", "protection failed", "signature required", "bad signature", "counter too low",
]
INFO, BEGIN, WRITE, END, BOOT, ABORT, READ, PROTECT, INSTALL, CONFIRM, REVERT = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
# INFO's slot fields (docs/protocol.md, docs/slots.md)
TRIAL_STATES = ["none", "pending", "started"]
SECONDARY_STATES = ["empty", "pending", "previous"]
SLOT_EVENTS = ["none", "installed", "confirmed", "reverted"]
SLOT_REASONS = ["none", "not confirmed", "requested", "invalid"]
REPLY, PROGRESS = 0x80, 0x90
HEADER_SIZE = 64
INFO_LENGTH = 51
MAX_FRAME_PAYLOAD = 4 + 1024  # a WRITE's offset and 1024 data bytes


def encode_frame(cmd, seq, payload=b""):
    body = struct.pack("<BBH", cmd, seq & 0xFF, len(payload)) + payload
    return b"\xa5\x5a" + body + struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)


def _version(v):
    """An image's version word (major << 24 | minor << 16 | patch) as text."""
    return "%d.%d.%d" % (v >> 24, (v >> 16) & 0xFF, v & 0xFFFF)


def status_name(code):
    return STATUS_NAMES[code] if code < len(STATUS_NAMES) else "status %d" % code


class _Link(object):
    def __init__(self, port, connect_timeout):
        deadline = time.time() + connect_timeout
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", int(port)), timeout=2)
                break
            except OSError:
                if time.time() > deadline:
                    raise AssertionError("no connection to the UART socket on port %s (is the machine's "
                                         "socket terminal created?)" % port)
                time.sleep(0.1)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.seq = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def next_seq(self):
        s = self.seq
        self.seq = (self.seq + 1) % 0xFF
        return s

    def send(self, cmd, seq, payload=b""):
        self.sock.sendall(encode_frame(cmd, seq, payload))

    def receive(self, timeout):
        """The next valid frame as (cmd, seq, payload), or None after `timeout` seconds."""
        deadline = time.time() + timeout
        while True:
            frame = self._take()
            if frame is not None:
                return frame
            left = deadline - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                return None
            if not chunk:
                raise AssertionError("the UART socket was closed by Renode")
            self.buffer += chunk

    def _take(self):
        while True:
            start = self.buffer.find(b"\xa5\x5a")
            if start < 0:
                self.buffer = self.buffer[-1:] if self.buffer.endswith(b"\xa5") else b""
                return None
            self.buffer = self.buffer[start:]
            if len(self.buffer) < 6:
                return None
            length = struct.unpack_from("<H", self.buffer, 4)[0]
            if length > MAX_FRAME_PAYLOAD:
                self.buffer = self.buffer[1:]  # a false sync: no frame is this long
                continue
            total = 6 + length + 4
            if len(self.buffer) < total:
                return None
            body = self.buffer[2:6 + length]
            crc = struct.unpack_from("<I", self.buffer, 6 + length)[0]
            if zlib.crc32(body) & 0xFFFFFFFF != crc:
                self.buffer = self.buffer[1:]  # a false sync (banner text, noise): skip a byte
                continue
            self.buffer = self.buffer[total:]
            return body[0], body[1], body[4:]


class TsbootNative(object):
    ROBOT_LIBRARY_SCOPE = "SUITE"

    # Timeouts in real seconds, for an emulator on a loaded machine: a bootloader polling a peripheral runs at
    # a few hundredths of real time there (each bus access costs the emulator microseconds), so a 250 ms sector
    # erase, which the driver waits for from RAM polling FLASH_SR, can take 10-15 s, and a 1 s erase a minute.
    # They only cost time when a test fails.
    def __init__(self, reply_timeout=30.0, erase_timeout=120.0):
        self.reply_timeout = float(reply_timeout)
        self.erase_timeout = float(erase_timeout)
        self.links = {}

    # ------------------------------------------------------------------ plumbing

    def _link(self, port):
        port = int(port)
        if port not in self.links:
            self.links[port] = _Link(port, connect_timeout=10)
        return self.links[port]

    def close_tsboot_connections(self):
        """Closes every UART connection this library opened (Renode's socket terminal takes one client)."""
        for link in self.links.values():
            link.close()
        self.links = {}

    def _request(self, port, cmd, payload=b"", timeout=None, attempts=3):
        """Sends a request (resent on a timeout or a bad-frame NACK); returns (status name, reply data)."""
        link = self._link(port)
        timeout = self.reply_timeout if timeout is None else float(timeout)
        for _ in range(attempts):
            seq = link.next_seq()
            link.send(cmd, seq, payload)
            while True:
                frame = link.receive(timeout)
                if frame is None:
                    break
                fcmd, fseq, data = frame
                if fcmd == REPLY and fseq == 0xFF:
                    break  # the device dropped a damaged frame: resend
                if fseq != seq:
                    continue
                if fcmd == PROGRESS:
                    timeout = max(timeout, self.erase_timeout)  # an erase follows: the reply comes after it
                    continue
                if fcmd == cmd | REPLY:
                    return status_name(data[0]), data[1:]
        raise AssertionError("no reply to command 0x%02x on port %s after %d attempts" % (cmd, port, attempts))

    # ------------------------------------------------------------------ keywords

    def tsboot_info(self, port):
        """INFO (protocol 2, docs/protocol.md): returns a dictionary (protocol, board_id, app_start, app_size,
        write_unit, max_data, window, app_valid, app_version, reset_cause, fault_kind, fault_detail, watchdog,
        protection, slot_mode, trial, secondary, last_event, last_reason, secondary_version, swap_in_progress).
        fault_kind: 0 none, 1 hard fault, 5 usage fault, ...; watchdog: 0 off, 1 started by the option bytes,
        2 by the bootloader; protection: bit 0 the bootloader region is write-protected; slot_mode "single" or
        "swap"; versions as "major.minor.patch" (app_version stays the raw number)."""
        status, d = self._request(port, INFO, attempts=4)
        if status != "ok":
            raise AssertionError("INFO refused: %s" % status)
        if len(d) < INFO_LENGTH or d[0] != 2:
            raise AssertionError("INFO: protocol %d, %d bytes; this client speaks protocol 2 (%d bytes)" % (d[0], len(d), INFO_LENGTH))
        (protocol, boot_version, board_id, app_start, app_size, write_unit, max_data, window, valid, app_version,
         reset_cause, fault_kind, fault_detail, watchdog, protection, _line_errors, slot_mode, trial, last_event,
         last_reason, secondary, secondary_version, swap) = struct.unpack_from("<BIIIIHHBBIBBIBBBBBBBBIB", d, 0)
        return {
            "protocol": protocol, "bootloader_version": boot_version, "board_id": board_id,
            "app_start": app_start, "app_size": app_size, "write_unit": write_unit, "max_data": max_data,
            "window": window, "app_valid": valid == 1, "app_version": app_version, "reset_cause": reset_cause,
            "fault_kind": fault_kind, "fault_detail": fault_detail, "watchdog": watchdog, "protection": protection,
            "slot_mode": "swap" if slot_mode == 1 else "single", "trial": TRIAL_STATES[trial],
            "secondary": SECONDARY_STATES[secondary], "last_event": SLOT_EVENTS[last_event],
            "last_reason": SLOT_REASONS[last_reason],
            "secondary_version": _version(secondary_version) if secondary != 0 else None,
            "swap_in_progress": swap != 0,
        }

    def tsboot_install(self, port, permanent=False):
        """INSTALL (slot boards): swaps the downloaded image into the primary slot, for a trial unless
        `permanent`. Fails on a refusal."""
        on = str(permanent).lower() not in ("false", "no", "0")
        status, _ = self._request(port, INSTALL, bytes([1 if on else 0]), timeout=self.erase_timeout, attempts=1)
        if status != "ok":
            raise AssertionError("INSTALL refused: %s" % status)

    def send_tsboot_install_without_reply(self, port):
        """INSTALL for a trial, without waiting: the power is about to fail inside the swap."""
        link = self._link(port)
        link.send(INSTALL, link.next_seq(), bytes([0]))

    def tsboot_confirm(self, port):
        """CONFIRM (slot boards): the image on trial becomes permanent. Fails on a refusal."""
        status, _ = self._request(port, CONFIRM, timeout=self.erase_timeout, attempts=1)
        if status != "ok":
            raise AssertionError("CONFIRM refused: %s" % status)

    def application_should_be_valid(self, port):
        if not self.tsboot_info(port)["app_valid"]:
            raise AssertionError("the bootloader reports no valid application")

    def application_should_not_be_valid(self, port):
        if self.tsboot_info(port)["app_valid"]:
            raise AssertionError("the bootloader reports a valid application")

    def _update(self, port, image_path, stop_after=None):
        """INFO, BEGIN, WRITEs, END. Returns (phase, status) of the first refusal, or ("done", "ok"), or
        ("cut", "ok") when it stopped on purpose after `stop_after` bytes."""
        with open(image_path, "rb") as f:
            image = f.read()
        header, payload = image[:HEADER_SIZE], image[HEADER_SIZE:]
        info = self.tsboot_info(port)
        # Protocol 2: BEGIN carries the header and the payload's vector table (initial SP, reset vector).
        # BEGIN resets the status log (a single-slot board: the config sector is erased).
        status, _ = self._request(port, BEGIN, header + payload[:8], timeout=self.erase_timeout, attempts=1)
        if status != "ok":
            return "BEGIN", status
        unit = max(1, info["write_unit"])
        chunk = max(unit, (info["max_data"] // unit) * unit)
        written = 0
        while written < len(payload):
            if stop_after is not None and written >= int(stop_after):
                return "cut", "ok"
            data = payload[written:written + chunk]
            status, reply = self._request(port, WRITE, struct.pack("<I", written) + data)
            if status != "ok":
                return "WRITE at %d" % written, status
            written = struct.unpack_from("<I", reply, 0)[0]
        status, _ = self._request(port, END, timeout=self.reply_timeout + len(payload) / 100.0, attempts=1)
        if status != "ok":
            return "END", status
        return "done", "ok"

    def flash_tsboot_image(self, port, image_path, boot=True):
        """A whole update of a .tsb image, then BOOT (unless boot=False). Fails on any refusal."""
        phase, status = self._update(port, image_path)
        if phase != "done":
            raise AssertionError("%s refused: %s" % (phase, status))
        self._boot_if_asked(port, boot)

    def install_tsboot_image(self, port, image_path, permanent=False, boot=True):
        """Slot boards: download the image into the secondary slot (BEGIN, WRITEs, END), INSTALL it (for a
        trial unless `permanent`), then BOOT (unless boot=False). Fails on any refusal."""
        phase, status = self._update(port, image_path)
        if phase != "done":
            raise AssertionError("%s refused: %s" % (phase, status))
        self.tsboot_install(port, permanent)
        self._boot_if_asked(port, boot)

    def try_tsboot_image(self, port, image_path):
        """A whole update; returns "accepted", or "<phase> refused: <status>" (never fails)."""
        phase, status = self._update(port, image_path)
        return "accepted" if phase == "done" else "%s refused: %s" % (phase, status)

    def _boot_if_asked(self, port, boot):
        if str(boot).lower() not in ("false", "no", "0"):
            status, _ = self._request(port, BOOT, attempts=1)
            if status != "ok":
                raise AssertionError("BOOT refused: %s" % status)

    def flash_tsboot_image_expecting_refusal(self, port, image_path, expected_status):
        """An update that the bootloader must refuse with `expected_status` (a status name from
        docs/protocol.md, e.g. "CRC mismatch"); fails if it is accepted or refused otherwise."""
        phase, status = self._update(port, image_path)
        if phase == "done":
            raise AssertionError("the update was accepted; expected '%s'" % expected_status)
        if status != expected_status:
            raise AssertionError("%s refused with '%s'; expected '%s'" % (phase, status, expected_status))

    def tsboot_protect(self, port, protect=True):
        """PROTECT (native 0x08): write-protect (or unprotect) the bootloader region through the option bytes;
        returns the status name ("ok", "protection failed", ...)."""
        on = str(protect).lower() not in ("false", "no", "0")
        status, _ = self._request(port, PROTECT, bytes([1 if on else 0]), timeout=self.erase_timeout, attempts=1)
        return status

    def tsboot_boot(self, port):
        """BOOT: the bootloader starts the installed application (fails if it refuses)."""
        status, _ = self._request(port, BOOT, attempts=1)
        if status != "ok":
            raise AssertionError("BOOT refused: %s" % status)

    def send_tsboot_begin_without_reply(self, port, image_path):
        """Sends BEGIN for the image and does not wait: the power is about to fail inside what it does."""
        with open(image_path, "rb") as f:
            image = f.read()
        link = self._link(port)
        link.send(BEGIN, link.next_seq(), image[:HEADER_SIZE] + image[HEADER_SIZE:HEADER_SIZE + 8])

    def interrupt_tsboot_update(self, port, image_path, after_bytes):
        """BEGIN and WRITEs until the device holds at least `after_bytes` of the payload, then goes silent:
        what a host sees when the power fails in the middle of an update (no END, no BOOT)."""
        phase, status = self._update(port, image_path, stop_after=int(after_bytes))
        if phase != "cut":
            raise AssertionError("the update did not stop in the middle: %s %s" % (phase, status))
