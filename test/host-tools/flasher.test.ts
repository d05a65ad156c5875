/**
 * The flasher against the fake device (fake-device.ts): windowing, every recovery path, and each error
 * the user can meet, with its message. The real bootloader (host simulation) is in sim.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadBoard } from "../../boards/index";
import { Flasher, FlasherError, HALF_WRITTEN_NOTE, openTransport, type FlashProgress, type FlasherOptions } from "../../host/flasher/index";
import { buildImage, encodeVersion } from "../../host/image-format";
import { FakeDevice, type FakeDeviceOptions, type Fault, type FaultContext } from "./fake-device";
import { freePort, makeApp, startCuttingProxy, startMuteServer } from "./helpers";

const board = loadBoard("nucleo-f411re");
const APP = board.memoryMap.application.start;
const WRITE = 0x03;

function image(payload: Uint8Array, version = "1.2.3", boardId = board.boardId): Uint8Array {
  return buildImage(payload, { appVersion: encodeVersion(version), boardId, loadAddress: APP });
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function device(options: FakeDeviceOptions = {}): Promise<FakeDevice> {
  const d = await FakeDevice.start(options);
  cleanups.push(() => d.close());
  return d;
}

async function flasher(url: string, options: FlasherOptions = {}): Promise<Flasher> {
  const f = await Flasher.open(url, { writeTimeoutMs: 250, handshakeTimeoutMs: 200, replyTimeoutMs: 300, eraseTimeoutMs: 1000, ...options });
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

/** A fault on the n-th WRITE frame only. */
const onWrite = (n: number, fault: Fault) => (c: FaultContext) => (c.command === WRITE && c.writeIndex === n ? fault : undefined);

describe("a clean update", () => {
  it("INFO, BEGIN with erase progress, windowed WRITEs, END, read-back, BOOT", async () => {
    const d = await device();
    const f = await flasher(d.url);
    const app = makeApp(board, 100_000);
    const events: FlashProgress[] = [];
    const r = await f.flash(image(app), { verify: true, boot: true, onProgress: (e) => events.push(e) });
    expect(Buffer.compare(d.application!, app)).toBe(0);
    expect(d.booted).toBe(true);
    expect(r).toMatchObject({ bytes: 100_000, retries: 0, resentBytes: 0, window: 4, chunk: 1024, writeFrames: 98, verified: true, booted: true });
    expect(r.device).toMatchObject({ boardName: "nucleo-f411re", appStart: APP, window: 4, protocolVersion: 2 });
    const erase = events.filter((e) => e.phase === "erase");
    expect(erase).toEqual([1, 2, 3, 4].map((done) => ({ phase: "erase", done, total: 4 }))); // 16+16+64+128 KB ≥ 100 000 B
    const writes = events.filter((e) => e.phase === "write") as Extract<FlashProgress, { phase: "write" }>[];
    expect(writes.at(-1)!.bytes).toBe(100_000);
    expect(writes.every((w, i) => i === 0 || w.bytes > writes[i - 1].bytes)).toBe(true);
    expect(events.map((e) => e.phase).filter((p, i, a) => p !== a[i - 1])).toEqual(["info", "erase", "write", "end", "verify", "boot"]);
    // Never more than the window in the device's buffer.
    expect(d.stats.maxFramesBuffered).toBeLessThanOrEqual(4);
  });

  it("info(), read() and abort()", async () => {
    const preload = makeApp(board, 600, 3);
    const d = await device({ preload });
    const f = await flasher(d.url);
    const info = await f.info();
    expect(info).toMatchObject({ boardId: board.boardId, boardName: "nucleo-f411re", appValid: false, appVersionText: null, writeUnit: 4, maxData: 1024 });
    expect(Buffer.compare(await f.read(APP, 600), preload)).toBe(0); // 256 + 256 + 88
    expect(Buffer.compare(await f.read(APP + 100, 1), preload.subarray(100, 101))).toBe(0);
    await f.abort();
    expect((await failure(f.read(0x08000000, 16))).message).toBe(
      "[0x08000000, 0x08000010) is outside the application region [0x08008000, 0x08080000): the bootloader reads only there",
    );
  });

  it("the window is what hides the round trip: 4 frames in flight vs 1 over a 4 ms-latency line", async () => {
    const app = makeApp(board, 48 * 1024);
    const times: number[] = [];
    for (const window of [1, 4]) {
      const d = await device({ latencyMs: 4 });
      const f = await flasher(d.url, { window, writeTimeoutMs: 2000 });
      const r = await f.flash(image(app));
      expect(r.window).toBe(window);
      times.push(r.writeSeconds);
    }
    // 48 frames × ≥ 8 ms round trip with one in flight; about a quarter of that with four.
    expect(times[0]).toBeGreaterThan(0.3);
    expect(times[1]).toBeLessThan(times[0] * 0.6);
  });
});

describe("recovery", () => {
  it.each<[string, Fault, number]>([
    ["a damaged WRITE (bad-frame NACK, buffer discarded)", "corrupt-request", 5],
    ["a lost WRITE (the next frames are out of order)", "drop-request", 5],
    ["a lost WRITE reply", "drop-reply", 5],
    ["a damaged WRITE reply", "corrupt-reply", 5],
    ["the last WRITE lost (only the timeout notices)", "drop-request", 30],
    ["the last WRITE reply lost", "drop-reply", 30],
  ])("%s", async (_name, fault, n) => {
    const d = await device({ fault: onWrite(n, fault) });
    const f = await flasher(d.url);
    const app = makeApp(board, 30 * 1024 - 100, n);
    const retries: FlashProgress[] = [];
    const r = await f.flash(image(app), { onProgress: (e) => e.phase === "retry" && retries.push(e) });
    expect(d.log).toHaveLength(1);
    expect(Buffer.compare(d.application!, app)).toBe(0);
    if (fault.endsWith("-reply") && n === 5) expect(r.retries).toBe(0); // the later replies carry the count
    else expect(r.retries).toBeGreaterThanOrEqual(1);
    expect(r.retries).toBe(retries.length);
    expect(d.stats.maxFramesBuffered).toBeLessThanOrEqual(4);
  });

  it("many faults in one transfer", async () => {
    const faults: Fault[] = ["corrupt-request", "drop-request", "drop-reply", "corrupt-reply"];
    const d = await device({ fault: (c) => (c.command === WRITE && c.writeIndex % 7 === 3 ? faults[((c.writeIndex / 7) | 0) % 4] : undefined) });
    // The window shrinks to 1 under this much noise, where a lost frame or reply costs a whole timeout.
    const f = await flasher(d.url, { writeTimeoutMs: 80 });
    const app = makeApp(board, 120_000, 9);
    const r = await f.flash(image(app), { verify: true });
    expect(Buffer.compare(d.application!, app)).toBe(0);
    expect(d.log.length).toBeGreaterThan(12);
    expect(r.retries).toBeGreaterThan(5);
    expect(r.resentBytes).toBeGreaterThan(0);
  });

  it("a polled UART that loses bytes while it sends a reply: the window shrinks to 1 and the update completes", async () => {
    // 115200 8N1 with blocking writes: with more than one frame in flight, each reply overruns the next frame.
    const d = await device({ lineBytesPerSecond: 11_520, latencyMs: 1, overrunWhileReplying: true });
    const f = await flasher(d.url, { writeTimeoutMs: 2000 });
    const app = makeApp(board, 12 * 1024, 4);
    const windows: number[] = [];
    const r = await f.flash(image(app), { onProgress: (e) => e.phase === "retry" && windows.push(e.window) });
    expect(Buffer.compare(d.application!, app)).toBe(0);
    expect(d.stats.overrunBytes).toBeGreaterThan(0);
    // Halved at each bad frame (an out-of-order rewind keeps it). How far it goes depends on timing: a
    // reply overruns only the bytes that arrive while it is sent (usually down to 1; on a loaded machine
    // the overrun can hit only bytes the flasher resends anyway, without a retry).
    expect(r.window).toBe(4);
    if (windows.length > 0) expect(Math.min(...windows)).toBe(r.minWindow);
    expect(r.retries).toBeLessThanOrEqual(8);
  });

  it("a lost BEGIN reply: BEGIN is sent again", async () => {
    const d = await device({ fault: (c) => (c.command === 0x02 && c.frameIndex === 2 ? "drop-reply" : undefined) });
    const f = await flasher(d.url, { eraseTimeoutMs: 200 });
    const app = makeApp(board, 5000);
    await f.flash(image(app));
    expect(Buffer.compare(d.application!, app)).toBe(0);
  });

  it("a lost END reply: the resent END finds no transfer, INFO shows the new application", async () => {
    const d = await device({ fault: (c) => (c.command === 0x04 && !d.log.length ? "drop-reply" : undefined) });
    const f = await flasher(d.url);
    const app = makeApp(board, 5000);
    await f.flash(image(app, "3.4.5"));
    expect(d.log).toEqual([expect.stringMatching(/^drop-reply on cmd 4/)]);
    expect((await f.info()).appVersionText).toBe("3.4.5");
  });

  it("a device that stops answering mid-transfer: the flasher gives up, nothing is marked valid", async () => {
    const d = await device({ fault: (c) => (c.command === WRITE && c.writeIndex >= 10 ? "drop-request" : undefined) });
    const f = await flasher(d.url, { writeTimeoutMs: 100, maxRetries: 3 });
    const e = await failure(f.flash(image(makeApp(board, 40_000))));
    expect(e.code).toBe("timeout");
    expect(e.message).toMatch(/^the transfer stalled at 9216 of 40000 bytes: 4 recoveries in a row \(last: timeout\) without progress \(round trips up to [\d.]+ ms\) — the device or the bridge stopped answering\? /);
    expect(e.message.endsWith(HALF_WRITTEN_NOTE)).toBe(true);
    expect(d.record).toBeNull();
    expect((await f.info()).appValid).toBe(false);
  });
});

describe("errors the user sees", () => {
  it("the connection cut mid-transfer, then a second flash succeeds", async () => {
    const d = await device();
    const proxy = await startCuttingProxy(d.port, 40_000);
    cleanups.push(() => proxy.close());
    const app = makeApp(board, 100_000, 5);
    const first = await flasher(proxy.url);
    const e = await failure(first.flash(image(app)));
    expect(e.code).toBe("connection-lost");
    expect(e.message).toMatch(new RegExp(`^the connection to ${proxy.url.replace(/\./g, "\\.")} was lost during the transfer, after \\d+ of 100000 bytes\\. `));
    expect(e.message).toContain("the bootloader stores the image header only at END, after checking the CRC of the whole payload");
    expect(proxy.cuts).toBe(1);
    expect(d.record).toBeNull();
    const second = await flasher(proxy.url);
    expect((await second.info()).appValid).toBe(false);
    await second.flash(image(app));
    expect(Buffer.compare(d.application!, app)).toBe(0);
  });

  it("the device drops the connection", async () => {
    const d = await device({ fault: onWrite(20, "close") });
    const f = await flasher(d.url);
    const e = await failure(f.flash(image(makeApp(board, 50_000))));
    expect(e.code).toBe("connection-lost");
    expect(e.message).toContain(HALF_WRITTEN_NOTE);
  });

  it("an image for another board: refused before anything is erased", async () => {
    const d = await device({ preload: makeApp(board, 64) });
    const f = await flasher(d.url);
    const f401 = loadBoard("nucleo-f401re");
    const e = await failure(f.flash(image(makeApp(board, 1000), "1.0.0", f401.boardId)));
    expect(e.code).toBe("wrong-board");
    expect(e.message).toBe(
      "image built for nucleo-f401re (0x04330001) but the device is nucleo-f411re (0x04310001): rebuild it with `tsboot image … --board nucleo-f411re`",
    );
    expect(d.stats.frames).toBe(1); // INFO only
  });

  it("an image too big for the device's region", async () => {
    const d = await device();
    const f = await flasher(d.url);
    const e = await failure(f.flash(image(new Uint8Array(board.memoryMap.application.size + 4))));
    expect(e.code).toBe("too-big");
    expect(e.message).toBe("image too big: 491524 bytes, the device's application region [0x08008000, 0x08080000) holds 491520 (4 bytes over)");
  });

  it("a corrupted or truncated .tsb", async () => {
    const d = await device();
    const f = await flasher(d.url);
    const good = image(makeApp(board, 2000));
    const flipped = good.slice();
    flipped[1000] ^= 1;
    let e = await failure(f.flash(flipped));
    expect(e.code).toBe("bad-image");
    expect(e.message).toBe("not a valid tsboot image: the payload is corrupted (CRC mismatch) — rebuild it with `tsboot image`");
    e = await failure(f.flash(good.subarray(0, 1500)));
    expect(e.message).toBe("not a valid tsboot image: the file holds 1436 bytes after the header, the header says 2000 (truncated or padded file) — rebuild it with `tsboot image`");
    const header = good.slice();
    header[20] ^= 1;
    e = await failure(f.flash(header));
    expect(e.message).toBe("not a valid tsboot image: the header is corrupted (header CRC mismatch) — rebuild it with `tsboot image`");
    expect(d.stats.frames).toBe(1);
  });

  it("a bootloader too old (protocol 0, a short INFO, no READ) or too new", async () => {
    let f = await flasher((await device({ protocolVersion: 0 })).url);
    let e = await failure(f.info());
    expect(e.code).toBe("too-old");
    expect(e.message).toBe("bootloader too old for this host: it answered INFO with 51 bytes (protocol version 0); this host speaks protocol 2 — update the bootloader");
    f = await flasher((await device({ infoLength: 21 })).url);
    expect((await failure(f.info())).message).toMatch(/^bootloader too old for this host: it answered INFO with 21 bytes/);
    f = await flasher((await device({ unknownCommands: [0x07] })).url);
    e = await failure(f.read(APP, 16));
    expect(e.code).toBe("too-old");
    expect(e.message).toBe("bootloader too old for this host: it does not know READ (unknown command) — update the bootloader");
    f = await flasher((await device({ infoLength: 27 })).url); // a protocol-1 bootloader's INFO
    expect((await failure(f.info())).message).toMatch(/^bootloader too old for this host: it answered INFO with 27 bytes/);
    f = await flasher((await device({ protocolVersion: 3 })).url);
    expect((await failure(f.info())).message).toBe("the bootloader speaks protocol 3, newer than this host's 2: update tsboot on the host");
  });

  it("BOOT without a valid application", async () => {
    const f = await flasher((await device()).url);
    const e = await failure(f.boot());
    expect(e.message).toBe("the bootloader has no valid application to start (no valid application): flash one first");
  });

  it("nothing answering", async () => {
    const mute = await startMuteServer();
    cleanups.push(() => mute.close());
    const f = await flasher(mute.url, { handshakeAttempts: 3, handshakeTimeoutMs: 150 });
    const e = await failure(f.info());
    expect(e.code).toBe("no-answer");
    expect(e.message).toBe(
      `no answer from the bootloader on ${mute.url} (3 INFO requests over 0.8 s): the peer accepted the connection but does not answer as a bootloader: ` +
        "the simulation may be serving another client or running its application, or the bridge's serial side may be unplugged.",
    );
    expect(mute.received()).toBe(30); // three 10-byte INFO frames
  });

  it("nothing listening, a bad address, a missing serial port", async () => {
    const port = await freePort();
    let e = await failure(openTransport(`tcp://127.0.0.1:${port}`));
    expect(e.code).toBe("connect-failed");
    expect(e.message).toBe(`cannot connect to tcp://127.0.0.1:${port}: connection refused — nothing listens there: start the simulation (or bridge) first`);
    e = await failure(openTransport("tcp://127.0.0.1"));
    expect(e.message).toBe("'tcp://127.0.0.1' is not a TCP address: write tcp://HOST:PORT, e.g. tcp://127.0.0.1:3333");
    e = await failure(openTransport("/dev/ttyTSBOOT-NONE"));
    expect(e.code).toBe("port-missing");
    expect(e.message).toMatch(/^no serial port \/dev\/ttyTSBOOT-NONE: is the board plugged in\? /);
  });
});
