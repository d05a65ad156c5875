/**
 * The device commands as the user meets them (against the fake device; the real bootloader is in
 * sim.test.ts): exit codes, the progress bar on a TTY and silence elsewhere, --json, and the error messages.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadBoard } from "../../boards/index";
import { bootCommand, flashCommand, hostToolsMain, infoCommand, readCommand } from "../../host/cli-tools";
import { buildImage, encodeVersion } from "../../host/image-format";
import { NO_ANSWER_HINT_TCP } from "../../host/flasher/errors";
import { FakeDevice, type FakeDeviceOptions } from "./fake-device";
import { capture, freePort, makeApp, startMuteServer, tempDir } from "./helpers";

const board = loadBoard("nucleo-f411re");
const APP = board.memoryMap.application.start;
let dir: string;

beforeAll(() => {
  dir = tempDir();
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function device(options: FakeDeviceOptions = {}): Promise<FakeDevice> {
  const d = await FakeDevice.start(options);
  cleanups.push(() => d.close());
  return d;
}

function tsb(name: string, payload: Uint8Array, version = "1.2.3", boardId = board.boardId): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, buildImage(payload, { appVersion: encodeVersion(version), boardId, loadAddress: APP }));
  return p;
}

describe("tsboot flash", () => {
  it("quiet when not a TTY: one summary line, nothing on stderr", async () => {
    const d = await device();
    const file = tsb("quiet.tsb", makeApp(board, 30_000));
    const c = capture(false);
    expect(await flashCommand([file, "--port", d.url], c.io)).toBe(0);
    expect(c.err()).toBe("");
    expect(c.out()).toMatch(/^flashed quiet\.tsb: 30000 bytes, version 1\.2\.3, to nucleo-f411re in [\d.]+ s, [\d.]+ (KiB|MiB)\/s, 0 retries; application started\n$/);
    expect(d.booted).toBe(true);
  });

  it("a progress bar on a TTY: erase, write with bytes, rate and time left, retries noted", async () => {
    const d = await device({ fault: (c) => (c.command === 3 && c.writeIndex === 4 ? "corrupt-request" : undefined) });
    const file = tsb("tty.tsb", makeApp(board, 30_000));
    const c = capture(true);
    expect(await flashCommand([file, "--port", d.url, "--no-boot", "--verify"], c.io)).toBe(0);
    const err = c.err();
    expect(err).toContain("nucleo-f411re, bootloader 0.2.0\n");
    expect(err).toMatch(/erasing {3}\[#{30}\] 100% {2}2\/2 sectors\n/);
    expect(err).toMatch(/retry 1 \(bad-frame\): resuming at byte \d+\n/);
    expect(err).toMatch(/writing {3}\[#{30}\] 100% {2}29\.3 KiB\/29\.3 KiB {2}[\d.]+ (KiB|MiB)\/s {2}0:00 left\n/);
    expect(err).toMatch(/verifying \[#{30}\] 100%/);
    expect(c.out()).toMatch(/, 1 retry, verified; left in the bootloader \(--no-boot\)\n$/);
    expect(d.booted).toBe(false);
  });

  it("--json: one object with bytes, time, rate, retries and the device", async () => {
    const d = await device({ fault: (c) => (c.command === 3 && c.writeIndex === 2 ? "drop-request" : undefined) });
    const file = tsb("j.tsb", makeApp(board, 10_000), "7.8.9");
    const c = capture(true);
    expect(await flashCommand([file, "--port", d.url, "--json"], c.io)).toBe(0);
    expect(c.err()).toContain("writing"); // the bar still goes to stderr on a TTY
    const lines = c.out().trim().split("\n");
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]);
    expect(j).toMatchObject({
      ok: true, file, bytes: 10_000, retries: 1, window: 4, chunk: 1024, lineBytesPerSecond: null, lineEfficiency: null, booted: true, verified: false, version: "7.8.9",
      device: { board: "nucleo-f411re", boardId: "0x04310001", bootloaderVersion: "0.2.0", protocolVersion: 2, appStart: "0x08008000", appSize: 491520, window: 4 },
    });
    expect(j.bytesSent).toBe(10_000 + j.resentBytes);
    expect(j.resentBytes).toBeGreaterThan(0);
    expect(j.seconds).toBeGreaterThan(0);
    expect(j.bytesPerSecond).toBeGreaterThan(0);
  });

  it("errors: exit 1, the message on stderr (and as JSON with --json)", async () => {
    const d = await device();
    const wrong = tsb("f401.tsb", makeApp(board, 100), "1.0.0", loadBoard("nucleo-f401re").boardId);
    let c = capture();
    expect(await flashCommand([wrong, "--port", d.url], c.io)).toBe(1);
    expect(c.err()).toBe(
      "tsboot flash: image built for nucleo-f401re (0x04330001) but the device is nucleo-f411re (0x04310001): rebuild it with `tsboot image … --board nucleo-f411re`\n",
    );
    c = capture();
    expect(await flashCommand([wrong, "--port", d.url, "--json"], c.io)).toBe(1);
    expect(JSON.parse(c.out())).toEqual({ ok: false, error: { code: "wrong-board", message: expect.stringMatching(/^image built for nucleo-f401re/) } });

    const raw = path.join(dir, "app.bin");
    fs.writeFileSync(raw, makeApp(board, 100));
    c = capture();
    expect(await flashCommand([raw, "--port", d.url], c.io)).toBe(1);
    expect(c.err()).toBe("tsboot flash: app.bin is not a tsboot image (.tsb): package it first — tsboot image app.bin --board <board> --version X.Y.Z -o app.tsb\n");

    const bad = path.join(dir, "bad.tsb");
    const bytes = fs.readFileSync(tsb("bad.tsb", makeApp(board, 500)));
    bytes[300] ^= 1;
    fs.writeFileSync(bad, bytes);
    c = capture();
    expect(await flashCommand([bad, "--port", d.url], c.io)).toBe(1);
    expect(c.err()).toBe("tsboot flash: bad.tsb: not a valid tsboot image: the payload is corrupted (CRC mismatch) — rebuild it with `tsboot image`\n");

    c = capture();
    expect(await flashCommand([path.join(dir, "missing.tsb"), "--port", d.url], c.io)).toBe(1);
    expect(c.err()).toBe(`tsboot flash: ${path.join(dir, "missing.tsb")}: no such file\n`);
  });

  it("no answer: what the user sees, with the default handshake", async () => {
    const mute = await startMuteServer();
    cleanups.push(() => mute.close());
    const file = tsb("mute.tsb", makeApp(board, 100));
    const c = capture();
    const started = performance.now();
    expect(await flashCommand([file, "--port", mute.url], c.io)).toBe(1);
    expect(performance.now() - started).toBeLessThan(4000);
    expect(c.err()).toBe(
      `tsboot flash: no answer from the bootloader on ${mute.url} (4 INFO requests over 3.5 s): ${NO_ANSWER_HINT_TCP}.\n`,
    );
  });

  it("usage errors exit 2", async () => {
    let c = capture();
    expect(await flashCommand(["x.tsb"], c.io)).toBe(2);
    expect(c.err()).toMatch(/^tsboot flash: needs --port <serial device, rfc2217:\/\/host:port or tcp:\/\/host:port>\nusage:/);
    c = capture();
    expect(await flashCommand(["x.tsb", "--port", "tcp://127.0.0.1:1", "--baud", "fast"], c.io)).toBe(2);
    expect(c.err()).toMatch(/^tsboot flash: --baud 'fast' is not a rate: auto \(the fastest both ends support\) or a number/);
    c = capture();
    expect(await flashCommand(["--help"], c.io)).toBe(0);
    expect(c.out()).toMatch(/^usage:\n {2}tsboot image /);
    c = capture();
    expect(await hostToolsMain(["frob"], c.io)).toBe(2);
    expect(c.err()).toMatch(/^tsboot: unknown command 'frob'\nusage:/);
  });
});

describe("tsboot info, boot, read", () => {
  it("info: human and --json", async () => {
    const d = await device();
    let c = capture();
    expect(await infoCommand(["--port", d.url], c.io)).toBe(0);
    expect(c.out()).toBe(
      [
        "board:        nucleo-f411re (board id 0x04310001)",
        "bootloader:   0.2.0, protocol 2",
        "application:  region 0x08008000…0x08080000 (480 KiB); none valid",
        "transfer:     write unit 4 B, up to 1024 B per WRITE, window 4",
        "last reset:   unknown",
        "watchdog:     off",
        "protection:   bootloader region not write-protected",
        "signatures:   not required (CRC-checked images); anti-rollback counter 0",
        "",
      ].join("\n"),
    );
    c = capture();
    expect(await infoCommand(["--port", d.url, "--json"], c.io)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({ ok: true, board: "nucleo-f411re", appValid: false, appVersion: null });
  });

  it("boot: refused without an application, then started after a flash", async () => {
    const d = await device();
    let c = capture();
    expect(await bootCommand(["--port", d.url], c.io)).toBe(1);
    expect(c.err()).toBe("tsboot boot: the bootloader has no valid application to start (no valid application): flash one first\n");
    expect(await flashCommand([tsb("b.tsb", makeApp(board, 1000), "0.9.1"), "--port", d.url, "--no-boot"], capture().io)).toBe(0);
    c = capture();
    expect(await bootCommand(["--port", d.url], c.io)).toBe(0);
    expect(c.out()).toBe("started application 0.9.1 on nucleo-f411re\n");
    expect(d.booted).toBe(true);
  });

  it("read: a hex dump, -o, and a range outside the application region", async () => {
    const preload = Uint8Array.from({ length: 40 }, (_, i) => 0x41 + (i % 26));
    const d = await device({ preload });
    let c = capture();
    expect(await readCommand(["--port", d.url, "--address", "0x08008000", "--length", "20"], c.io)).toBe(0);
    expect(c.out()).toBe(
      "08008000  41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  ABCDEFGHIJKLMNOP\n" +
        "08008010  51 52 53 54                                      QRST\n",
    );
    const out = path.join(dir, "r.bin");
    c = capture();
    expect(await readCommand(["--port", d.url, "--address", String(APP + 10), "--length", "0x10", "-o", out], c.io)).toBe(0);
    expect(c.out()).toBe(`wrote 16 bytes from 0x0800800A to ${out}\n`);
    expect(Buffer.compare(fs.readFileSync(out), preload.subarray(10, 26))).toBe(0);
    c = capture();
    expect(await readCommand(["--port", d.url, "--address", "0x08000000", "--length", "256"], c.io)).toBe(1);
    expect(c.err()).toBe(
      "tsboot read: [0x08000000, 0x08000100) is outside the application region [0x08008000, 0x08080000): the bootloader reads only there\n",
    );
  });

  it("ports that are not there", async () => {
    const port = await freePort();
    let c = capture();
    expect(await infoCommand(["--port", `tcp://127.0.0.1:${port}`], c.io)).toBe(1);
    expect(c.err()).toBe(`tsboot info: cannot connect to tcp://127.0.0.1:${port}: connection refused — nothing listens there: start the simulation (or bridge) first\n`);
    c = capture();
    expect(await infoCommand(["--port", "/dev/ttyTSBOOT-NONE"], c.io)).toBe(1);
    expect(c.err()).toMatch(/^tsboot info: no serial port \/dev\/ttyTSBOOT-NONE: is the board plugged in\? .*For the simulation, use --port tcp:\/\/127\.0\.0\.1:PORT\.\n$/);
  });
});

const socat = spawnSync("which", ["socat"]).status === 0;

describe("over a serial port (a pty bridged to the fake device by socat)", () => {
  async function pty(d: FakeDevice): Promise<string> {
    const link = path.join(dir, `pty-${Math.random().toString(36).slice(2)}`);
    const child: ChildProcess = spawn("socat", [`pty,link=${link},rawer`, `tcp:127.0.0.1:${d.port}`], { stdio: "ignore" });
    cleanups.push(() => {
      child.kill();
    });
    for (let i = 0; i < 100 && !fs.existsSync(link); i++) await new Promise((r) => setTimeout(r, 20));
    return link;
  }

  it.skipIf(!socat)("flash through the serialport transport; a second opener finds it busy (skipped without socat)", async () => {
    const d = await device();
    const link = await pty(d);
    const holder = spawn(process.execPath, ["-e", `require("fs").openSync(${JSON.stringify(link)}, "r"); setTimeout(() => {}, 1e6)`]);
    cleanups.push(() => {
      holder.kill();
    });
    const app = makeApp(board, 20_000);
    let c = capture();
    expect(await flashCommand([tsb("serial.tsb", app), "--port", link, "--baud", "115200", "--json", "--no-boot"], c.io)).toBe(0);
    const j = JSON.parse(c.out());
    expect(j).toMatchObject({ ok: true, bytes: 20_000, lineBytesPerSecond: 11_520 });
    expect(Buffer.compare(d.application!, app)).toBe(0);

    // Held open (and locked) by another tsboot: busy.
    const { Flasher } = await import("../../host/flasher/index");
    const first = await Flasher.open(link);
    cleanups.push(() => first.close());
    c = capture();
    expect(await infoCommand(["--port", link], c.io)).toBe(1);
    expect(c.err()).toBe(`tsboot info: ${link} is busy: another program has it open (a serial monitor, screen, minicom, another tsboot?) — close it and retry\n`);
  });
});
