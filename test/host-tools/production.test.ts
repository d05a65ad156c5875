/**
 * The flasher library for production lines: any command by code, a typed method per command, erase and
 * verify built from BEGIN/ABORT and READ/INFO, PROTECT, wait-for-device, DTR/RTS reset sequences, a slow
 * link (timeouts from the measured link, late replies counted: issue 16), Ctrl-C, and a busy simulation.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadBoard } from "../../boards/index";
import { Command } from "../../host/frames";
import { buildImage, encodeVersion, parseImage } from "../../host/image-format";
import { Flasher, FlasherError, type FlasherOptions, type Transport } from "../../host/flasher/index";
import { connect } from "../../host/flasher/connect";
import { LinkTiming } from "../../host/flasher/link-timing";
import { eraseApplication, verifyInstalled } from "../../host/flasher/maintenance";
import { parseResetSequence, runResetSteps } from "../../host/flasher/reset-sequence";
import { startLive } from "../../host/sim/run";
import { FakeDevice, type FakeDeviceOptions } from "./fake-device";
import { capture, freePort, makeApp, REPO, startMuteServer, tempDir } from "./helpers";

const board = loadBoard("nucleo-f411re");
const APP = board.memoryMap.application.start;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function device(options: FakeDeviceOptions = {}): Promise<FakeDevice> {
  const d = await FakeDevice.start(options);
  cleanups.push(() => d.close());
  return d;
}
async function flasher(url: string, options: FlasherOptions = {}): Promise<Flasher> {
  const f = await Flasher.open(url, { handshakeTimeoutMs: 200, replyTimeoutMs: 300, eraseTimeoutMs: 1000, ...options });
  cleanups.push(() => f.close());
  return f;
}
async function failure(p: Promise<unknown>): Promise<FlasherError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FlasherError);
    return e as FlasherError;
  }
  throw new Error("expected a FlasherError");
}
const image = (payload: Uint8Array, version = "1.2.3") => buildImage(payload, { appVersion: encodeVersion(version), boardId: board.boardId, loadAddress: APP });

describe("Flasher.command and the typed API", () => {
  it("command(): any code, the status and the data; an unknown command and a non-request code", async () => {
    const d = await device();
    const f = await flasher(d.url);
    const info = await f.command(Command.Info);
    expect(info.status).toBe(0);
    expect(info.statusName).toBe("ok");
    expect(info.data.length).toBeGreaterThanOrEqual(36);
    const product = await f.command(0x42, Uint8Array.of(1, 2, 3)); // a product's own command, unknown to this device
    expect([product.status, product.statusName]).toEqual([2, "unknown command"]);
    expect((await failure(f.command(0x90))).message).toBe("command 0x90 is not a request code (0x00-0x7F)");
  });

  it("command() on a silent device times out with the attempts it made", async () => {
    const d = await device({ silent: true });
    const f = await flasher(d.url);
    const e = await failure(f.command(0x42, undefined, { timeoutMs: 100, attempts: 2 }));
    expect(e.code).toBe("timeout");
    expect(e.message).toMatch(/^no reply to command 0x42 \(2 attempts, 100 ms each\): the peer accepted the connection but does not answer as a bootloader/);
  });

  it("begin, write, end one frame at a time", async () => {
    const d = await device();
    const f = await flasher(d.url);
    const app = makeApp(board, 3000);
    const { headerBytes, header, payload } = parseImage(image(app));
    const erased: number[] = [];
    await f.begin(headerBytes, payload.subarray(0, 8), (done) => erased.push(done));
    expect(erased).toEqual([1]);
    let count = 0;
    for (let at = 0; at < payload.length; at += 1024) count = await f.write(at, payload.subarray(at, at + 1024));
    expect(count).toBe(3000);
    await f.end(header, payload.length);
    expect(Buffer.compare(d.application!, app)).toBe(0);
    // A WRITE out of order is refused with the device's reason.
    const e = await failure(f.write(8, payload.subarray(8, 16)));
    expect(e.message).toMatch(/^WRITE at offset 8: the bootloader has no transfer in progress \(bad state\)/);
  });

  it("install, confirm and revert on a bootloader without slots are 'too old'", async () => {
    const d = await device();
    const f = await flasher(d.url);
    expect((await failure(f.confirm())).message).toBe("bootloader too old for this host: it does not know CONFIRM (unknown command) — update the bootloader");
    expect((await failure(f.install(false))).code).toBe("too-old");
  });

  it("a REVERT the anti-rollback counter refuses says so, not 'rebuild the image'", async () => {
    const d = await device({ refusals: { [Command.Revert]: 19 } });
    const f = await flasher(d.url);
    const e = await failure(f.revert());
    expect(e.code).toBe("counter");
    expect(e.message).toBe(
      "REVERT: the bootloader refused: the image it would start has a security counter below the device's (a confirmed image raised it; anti-rollback, nothing overrides it) — install a newer image instead.",
    );
  });

  it("protect and unprotect; refusals say why", async () => {
    const d = await device();
    const f = await flasher(d.url);
    await f.protect(true);
    expect(d.protected).toBe(true);
    await f.protect(false);
    expect(d.protected).toBe(false);
    const failing = await flasher((await device({ protectFails: true })).url);
    expect((await failure(failing.protect(true))).message).toBe(
      "PROTECT: the option bytes could not be changed (protection failed): read-out protection, or option bytes locked by the part's security settings",
    );
    const old = await flasher((await device({ unknownCommands: [Command.Protect] })).url);
    expect((await failure(old.protect(false))).message).toBe("bootloader too old for this host: it does not know UNPROTECT (unknown command) — update the bootloader");
    const resets = await flasher((await device({ fault: (c) => (c.command === Command.Protect ? "drop-reply" : undefined) })).url);
    expect((await failure(resets.protect(true))).message).toBe(
      "no reply to PROTECT: on parts that load the option bytes at a reset (F0, L4) the device resets instead of answering — run `tsboot info` to see whether the bootloader is now protected",
    );
  }, 20_000);
});

describe("erase and verify", () => {
  it("erase: BEGIN over the whole application region, then ABORT; the device is left with no application", async () => {
    const app = makeApp(board, 40_000);
    const d = await device();
    const f = await flasher(d.url);
    await f.flash(image(app));
    expect(d.application).not.toBeNull();
    const r = await eraseApplication(f);
    expect(r.units).toBe(6); // sectors 2-7 of the F411
    expect(d.application).toBeNull();
    expect(d.stats.aborts).toBe(1);
    expect((await f.info()).appValid).toBe(false);
    expect(d.flash.every((b) => b === 0xff)).toBe(true);
  });

  it("verify: the installed image against a file, by CRC-32 and byte; a different file is named where it differs", async () => {
    const app = makeApp(board, 20_000);
    const d = await device();
    const f = await flasher(d.url);
    await f.flash(image(app));
    const same = await verifyInstalled(f, image(app));
    expect(same).toMatchObject({ matches: true, bytes: 20_000, firstDifference: -1, fileVersion: "1.2.3" });
    const other = Uint8Array.from(app);
    other[5000] ^= 1;
    const diff = await verifyInstalled(f, image(other, "1.2.4"));
    expect(diff.matches).toBe(false);
    expect(diff.firstDifference).toBe(5000);
    expect(diff.deviceCrc).toBe(same.fileCrc);
    const empty = await flasher((await device()).url);
    expect((await failure(verifyInstalled(empty, image(app)))).message).toBe("the device has no valid application to compare with (INFO): flash one first, or this image");
  });
});

describe("wait-for-device and reset sequences", () => {
  it("keeps sending INFO while the board resets, and takes the first answer", async () => {
    const d = await device({ silent: true });
    setTimeout(() => ((d.options as FakeDeviceOptions).silent = false), 400); // the operator pressed reset
    const started = performance.now();
    const { flasher: f, info } = await connect(d.url, { waitMs: 5000 });
    cleanups.push(() => f.close());
    expect(info.boardName).toBe("nucleo-f411re");
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(d.stats.frames).toBeGreaterThan(5); // one every 25 ms
  });

  it("keeps trying to open a port that is not there yet", async () => {
    const port = await freePort();
    const messages: string[] = [];
    setTimeout(async () => {
      const d = await FakeDevice.start({ listenPort: port }).catch(() => null);
      if (d) cleanups.push(() => d.close());
    }, 500);
    const { flasher: f } = await connect(`tcp://127.0.0.1:${port}`, { waitMs: 5000, onWaiting: (m) => messages.push(m) });
    cleanups.push(() => f.close());
    expect(messages.some((m) => m.includes("connection refused"))).toBe(true);
  });

  it("gives up after the wait with what to do", async () => {
    const mute = await startMuteServer();
    cleanups.push(() => mute.close());
    const e = await failure(connect(mute.url, { waitMs: 300 }));
    expect(e.code).toBe("no-answer");
    expect(e.message).toBe(`no bootloader answered on ${mute.url} within 0.3 s of waiting (INFO every 25 ms): reset the board (or hold its trigger pin while it resets) during the wait`);
  });

  it("reset sequences in stm32flash's -i syntax", () => {
    expect(parseResetSequence("-dtr,dtr")).toEqual({ entry: [{ dtr: false }, { dtr: true }], exit: [] });
    expect(parseResetSequence("rts&-dtr,dtr:-rts")).toEqual({ entry: [{ rts: true, dtr: false }, { dtr: true }], exit: [{ rts: false }] });
    expect(() => parseResetSequence("dtr,nrst")).toThrow("reset sequence 'dtr,nrst': 'nrst' is not a line: write dtr, rts or brk");
    expect(() => parseResetSequence("dtr&-dtr")).toThrow("reset sequence 'dtr&-dtr': dtr twice in one step ('dtr&-dtr')");
    expect(() => parseResetSequence("a:b:c")).toThrow("reset sequence 'a:b:c': at most one ':' (entry:exit)");
  });

  it("drives the lines step by step, 100 ms apart; a port without lines is refused", async () => {
    const set: string[] = [];
    const pauses: number[] = [];
    const serialLike = { description: "/dev/ttyUSB0 at 115200 baud", setSignals: async (s: object) => void set.push(JSON.stringify(s)) } as unknown as Transport;
    await runResetSteps(serialLike, parseResetSequence("rts&-dtr,dtr,-dtr").entry, async (ms) => void pauses.push(ms));
    expect(set).toEqual(['{"rts":true,"dtr":false}', '{"dtr":true}', '{"dtr":false}']);
    expect(pauses).toEqual([100, 100]);
    const d = await device();
    const f = await flasher(d.url);
    expect((await failure(runResetSteps(f.transport, [{ dtr: true }]))).message).toBe(
      `${f.transport.description} has no control lines (DTR/RTS): reset sequences need a serial port; reset the board by hand, or use --wait`,
    );
  });
});

describe("timeouts follow the link (issue 16)", () => {
  it("the timing: a slow round trip and a measured rate lengthen the waits; a fast link keeps the floor", () => {
    const fast = new LinkTiming({ lineBytesPerSecond: null, floorMs: 2000 });
    fast.observeRoundTrip(1, 57);
    expect(fast.writeTimeoutMs(4, 1024)).toBe(2000);
    const slow = new LinkTiming({ lineBytesPerSecond: null, floorMs: 2000 });
    slow.observeRoundTrip(280, 57); // an emulator: 1.3 ms a byte, 200 ms turnaround
    expect(slow.writeTimeoutMs(4, 1024)).toBeGreaterThan(60_000); // before a measurement: as if it were all transmission
    slow.observeThroughput(4208, 5600);
    const measured = slow.writeTimeoutMs(4, 1024);
    expect(measured).toBeGreaterThan(3 * 5400);
    expect(measured).toBeLessThan(30_000);
    expect(Math.abs(slow.writeTimeoutMs(4, 1024, 2) - measured * 4)).toBeLessThanOrEqual(4); // doubled by each timeout without progress
    const serial = new LinkTiming({ lineBytesPerSecond: 11520, floorMs: 1000 });
    serial.observeRoundTrip(2, 57);
    expect(serial.bytesPerSecond()).toBe(11520); // the nominal rate bounds what a fast round trip suggests
  });

  it("a paced link of 1.3 ms a byte and 200 ms turnaround still completes", async () => {
    const d = await device({ lineBytesPerSecond: 770, turnaroundMs: 200 });
    const f = await flasher(d.url, { handshakeTimeoutMs: 500, replyTimeoutMs: 1000, eraseTimeoutMs: 5000 });
    const app = makeApp(board, 3000);
    const r = await f.flash(image(app));
    expect(Buffer.compare(d.application!, app)).toBe(0);
    expect(r.link.rttMaxMs).toBeGreaterThan(200);
    expect(r.link.bytesPerSecond!).toBeLessThan(770 * 1.5);
  }, 60_000);

  it("a reply that comes after its timeout still counts as progress", async () => {
    // The second WRITE's reply comes 1.5 s late, after the 1 s write timeout wrote it off, and the resent
    // frame is lost. The late reply's count (2048) is the device's word: after the next timeout the transfer
    // resumes from there, not from 1024 again.
    const d = await device({
      fault: (c) => (c.command === Command.Write && c.writeIndex === 2 ? "late-reply" : c.command === Command.Write && c.writeIndex === 3 ? "drop-request" : undefined),
      lateReplyMs: 1500,
    });
    const f = await flasher(d.url, { writeTimeoutMs: 1000, window: 1 });
    const app = makeApp(board, 5000);
    const r = await f.flash(image(app));
    expect(Buffer.compare(d.application!, app)).toBe(0);
    expect(r.lateReplies).toBe(1);
    expect(r.retries).toBe(2);
    expect(r.resentBytes).toBe(1024); // only the lost resend; never the bytes the late reply confirmed
  }, 30_000);
});

describe("signals and a busy simulation", () => {
  it("SIGTERM during a flash: the command says the device's state and how to recover, and ABORTs the transfer", async () => {
    const d = await device({ lineBytesPerSecond: 2000 });
    const dir = tempDir();
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "app.tsb");
    fs.writeFileSync(file, image(makeApp(board, 60_000)));
    const child = spawn(process.execPath, [path.join(REPO, "bin/tsboot.mjs"), "flash", file, "--port", d.url], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    const deadline = Date.now() + 60_000;
    while (d.stats.writes < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGTERM"); // to bin/tsboot.mjs, which passes it on
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(code).toBe(143);
    expect(stderr).toMatch(
      /^tsboot flash: interrupted \(SIGTERM\): stopped during the transfer after \d+ of 60000 bytes: the device holds no valid application \(BEGIN erased the old one; the image header is written only at END, after the CRC check\) and stays in update mode \(ABORT sent: the device has dropped the transfer\) — run `tsboot flash .*app\.tsb --port tcp:\/\/127\.0\.0\.1:\d+` again to finish\n$/,
    );
    expect(d.stats.aborts).toBe(1);
    expect(d.application).toBeNull();
  }, 90_000);

  it("a second client of a live simulation is told the port is busy", async () => {
    const sim = await startLive({ board: "nucleo-f411re" });
    cleanups.push(() => sim.close());
    const first = await flasher(`tcp://127.0.0.1:${sim.port}`);
    await first.info();
    const second = await Flasher.open(`tcp://127.0.0.1:${sim.port}`, { handshakeTimeoutMs: 200 });
    cleanups.push(() => second.close());
    const e = await failure(second.info());
    expect(e.code).toBe("port-busy");
    expect(e.message).toBe(
      `tcp://127.0.0.1:${sim.port} is busy: another client is connected to that simulated UART (one host at a time, as on a serial port) — close the other session (tsboot, socat, stm32flash) and retry`,
    );
    await first.info(); // the first client is not disturbed
  }, 120_000);
});

describe("the production commands (CLI)", () => {
  const file = (name: string, bytes: Uint8Array) => {
    const dir = tempDir();
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const p = path.join(dir, name);
    fs.writeFileSync(p, bytes);
    return p;
  };

  it("tsboot verify: exit 0 when the device holds the file, 1 with where it differs when not", async () => {
    const { verifyCommand, eraseCommand } = await import("../../host/cli-tools");
    const app = makeApp(board, 8192);
    const d = await device();
    const f = await flasher(d.url);
    await f.flash(image(app));
    await f.close();
    let c = capture();
    expect(await verifyCommand([file("app.tsb", image(app)), "--port", d.url], c.io)).toBe(0);
    expect(c.out()).toMatch(/^verified: the installed image is app\.tsb \(8192 bytes, CRC-32 0x[0-9A-F]{8}, version 1\.2\.3\)\n$/);
    const other = Uint8Array.from(app);
    other[100] ^= 0xff;
    c = capture();
    expect(await verifyCommand([file("other.tsb", image(other)), "--port", d.url], c.io)).toBe(1);
    expect(c.err()).toMatch(/^tsboot verify: the installed image differs from other\.tsb: CRC-32 0x[0-9A-F]{8} on the device, 0x[0-9A-F]{8} in the file, first difference at 0x08008064 \(offset 100\)\n$/);
    c = capture();
    expect(await eraseCommand(["--port", d.url], c.io)).toBe(0);
    expect(c.out()).toBe("erased the application region [0x08008000, 0x08080000) (6 erase units): the device stays in the bootloader with no application\n");
  });

  it("bad --wait and --reset values are usage errors, before anything is opened", async () => {
    const { infoCommand } = await import("../../host/cli-tools");
    let c = capture();
    expect(await infoCommand(["--port", "tcp://127.0.0.1:9", "--wait", "soon"], c.io)).toBe(2);
    expect(c.err()).toContain("tsboot info: --wait 'soon' is not a number in 1…3600 (decimal or 0x hex)");
    c = capture();
    expect(await infoCommand(["--port", "tcp://127.0.0.1:9", "--reset", "dtr,nrst"], c.io)).toBe(2);
    expect(c.err()).toContain("tsboot info: --reset: reset sequence 'dtr,nrst': 'nrst' is not a line");
  });
});
