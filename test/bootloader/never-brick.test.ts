/**
 * Issue 9, "Never brick, never strand", in Node: each defect found in the field as a regression test, and
 * the device's health (reset cause, last fault, watchdog, protection) in INFO. The AN3155 defects are in
 * an3155-safety.test.ts; stm32flash itself through the listen window is in test/host-sim/live.test.ts.
 */
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { loadBoardLayout } from "../../boards/layout";
import { nucleoF411Layout, type BoardLayout } from "../../hal-bindings/sim/board-layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { Command, encodeFrame, EVENT_PROGRESS, REPLY_BIT, STATUS_NAMES } from "../../host/frames";
import { decodeInfo } from "../../host/flasher/flasher";
import { fakeApplication } from "../support/fake-app";
import { beginPayload, concat, makeApplication, makeImage, repliesIn, textOf, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";

const board = nucleoF411Layout();

async function installed(layout: BoardLayout = board, version = "1.0.0"): Promise<{ sim: Simulation; app: Uint8Array }> {
  const sim = new Simulation(layout);
  const app = makeApplication(layout, 20_000, 3);
  sim.uart.deliver(concat(updateFrames(makeImage(layout, app, version), 1024, false)), 0);
  expect((await runBootloaderInNode(sim)).kind).toBe("idle");
  sim.uart.takeTx();
  return { sim: sim.rebooted(), app };
}

const statusNames = (tx: Uint8Array) => repliesIn(tx).filter((f) => f.command !== EVENT_PROGRESS).map((f) => STATUS_NAMES[f.payload[0]]);

function infoOf(tx: Uint8Array) {
  const reply = repliesIn(tx).find((f) => f.command === (Command.Info | REPLY_BIT));
  expect(reply, "an INFO reply").toBeDefined();
  return decodeInfo(reply!.payload.subarray(1));
}

describe("the listen window opens a session only on a complete, valid start (#2)", () => {
  it("a single 0xA5 is noise: the application starts at the end of the window and nothing is written", async () => {
    const { sim } = await installed();
    sim.uart.deliver([0xa5], 20_000);
    expect((await runBootloaderInNode(sim)).kind).toBe("application");
    expect(sim.nowUs).toBeLessThan(400_000);
    expect(sim.uart.takeTx().length).toBe(0);
  });

  it("a single 0x7F is noise: one ACK (the ROM handshake), back to 8N1, then the application starts", async () => {
    const { sim } = await installed();
    sim.uart.deliver([0x7f], 20_000);
    expect((await runBootloaderInNode(sim)).kind).toBe("application");
    expect([...sim.uart.takeTx()]).toEqual([0x79]);
    expect(sim.nowUs).toBeLessThan(400_000);
  });

  it("a chattering peer (random bytes through the whole window, sync bytes among them) does not keep the device", async () => {
    const { sim } = await installed();
    let x = 12345;
    const noise: number[] = [];
    for (let i = 0; i < 3000; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      noise.push(i % 97 === 0 ? 0xa5 : i % 89 === 0 ? 0x7f : (x >>> 16) & 0xff);
    }
    sim.uart.deliver(noise, 0);
    const outcome = await runBootloaderInNode(sim);
    expect(outcome.kind).toBe("application");
    // Each false start costs at most one frame's inter-byte time or the AN3155 first-command time.
    expect(sim.nowUs).toBeLessThan(1_000_000);
  });

  it("0x7F followed by a valid command opens an AN3155 session: ACK is the first byte on the wire", async () => {
    const { sim } = await installed();
    sim.uart.deliver([0x7f, 0x00, 0xff], 20_000);
    expect((await runBootloaderInNode(sim)).kind).toBe("application"); // after the session's idle time
    const tx = [...sim.uart.takeTx()];
    expect(tx.slice(0, 3)).toEqual([0x79, 0x79, 9]);
    expect(sim.nowUs).toBeGreaterThanOrEqual(board.sessionIdleMs * 1000);
  });

  it("a session the window opened that leaves no valid application keeps the device in update mode", async () => {
    const { sim } = await installed();
    const frames = updateFrames(makeImage(board, makeApplication(board, 8192), "2.0.0"));
    sim.uart.deliver(concat(frames.slice(0, 3)), 10_000); // INFO, BEGIN (erases the old application), one WRITE
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    expect(textOf(sim.uart.takeTx())).toContain("update: the session left no valid application");
  });
});

describe("images that cannot start are refused before anything is erased (#12, #13)", () => {
  async function beginWith(image: Uint8Array, vectors?: Uint8Array) {
    const { sim } = await installed();
    sim.triggerPressed = true;
    const payload = beginPayload(image);
    if (vectors) payload.set(vectors, 64);
    sim.uart.deliver(encodeFrame(Command.Begin, 1, payload), 0);
    const before = sim.flash.operations;
    await runBootloaderInNode(sim);
    const statuses = statusNames(sim.uart.takeTx());
    const erased = sim.flash.operations - before;
    const after = sim.rebooted();
    return { status: statuses[0], erased, stillBoots: (await runBootloaderInNode(after)).kind === "application" };
  }

  const vectors = (sp: number, reset: number) => {
    const v = new Uint8Array(8);
    new DataView(v.buffer).setUint32(0, sp, true);
    new DataView(v.buffer).setUint32(4, reset, true);
    return v;
  };
  const ramEnd = board.ram.start + board.ram.size;

  it.each([
    ["an initial SP outside RAM", vectors(0x30000000, board.app.start + 0x201)],
    ["an initial SP at the very start of RAM (no room for one push)", vectors(board.ram.start, board.app.start + 0x201)],
    ["a reset vector without the Thumb bit", vectors(ramEnd, board.app.start + 0x200)],
    ["a reset vector outside the application region (a bootloader image)", vectors(ramEnd, 0x08000201)],
  ])("%s: 'bad vector table', nothing erased, the old application still boots", async (_, v) => {
    const app = makeApplication(board, 4096, 9);
    app.set(v, 0);
    const r = await beginWith(makeImage(board, app, "2.0.0"));
    expect(r).toEqual({ status: "bad vector table", erased: 0, stillBoots: true });
  });

  it("an initial SP at the end of RAM is accepted", async () => {
    const sim = new Simulation(board);
    const app = makeApplication(board, 4096, 9); // fakeApplication puts SP at the end of RAM
    sim.uart.deliver(concat(updateFrames(makeImage(board, app))), 0);
    expect(await runBootloaderInNode(sim)).toMatchObject({ kind: "application", stackPointer: ramEnd });
  });

  it("an initial SP in CCM RAM is accepted on a part that has it (STM32F407)", async () => {
    const discovery = loadBoardLayout("stm32f4-discovery");
    const sim = new Simulation(discovery);
    const app = fakeApplication({ ramTop: 0x10010000, appStart: discovery.app.start }, 4096, 4);
    sim.uart.deliver(concat(updateFrames(makeImage(discovery, app))), 0);
    expect(await runBootloaderInNode(sim)).toMatchObject({ kind: "application", stackPointer: 0x10010000 });
  });

  it("BEGIN's vector table must be the payload's: an image whose first words differ is refused at END", async () => {
    const { sim } = await installed();
    sim.triggerPressed = true;
    const image = makeImage(board, makeApplication(board, 4096, 11), "2.0.0");
    const frames = updateFrames(image, 1024, false);
    const lying = Uint8Array.from(beginPayload(image));
    new DataView(lying.buffer).setUint32(64, board.ram.start + 0x1000, true); // a different, sane SP
    frames[1] = encodeFrame(Command.Begin, 1, lying);
    sim.uart.deliver(concat(frames), 0);
    await runBootloaderInNode(sim);
    expect(statusNames(sim.uart.takeTx()).slice(-1)).toEqual(["bad vector table"]);
  });

  /** A copy of `image` with header byte `at` changed to `value` (and the header CRC made right again). */
  function withHeaderByte(image: Uint8Array, at: number, value: number): Uint8Array {
    const out = Uint8Array.from(image);
    out[at] = value;
    new DataView(out.buffer).setUint32(60, crc32(out.subarray(0, 60)) >>> 0, true);
    return out;
  }

  it.each([
    ["a reserved byte that is not zero", 45, 1],
    ["an unknown flag bit", 29, 0x01],
    ["the ADOPTED flag (only the bootloader writes it)", 28, 0x01],
    ["a signature size other than 0 or 64", 36, 1],
  ])("a header with %s is refused ('bad header'), nothing erased", async (_, at, value) => {
    const image = withHeaderByte(makeImage(board, makeApplication(board, 4096, 12), "2.0.0"), at, value);
    const r = await beginWith(image);
    expect(r).toEqual({ status: "bad header", erased: 0, stillBoots: true });
  });
});

describe("faults, the watchdog and the reset cause (#4, #5)", () => {
  it("a fault the previous boot left is reported in INFO, and on the console only in update mode", async () => {
    const { sim } = await installed();
    sim.fault = { kind: 1, detail: 0x08008123 };
    sim.resetCauseBits = 0x04; // software reset (the fault handler's)
    expect((await runBootloaderInNode(sim)).kind).toBe("application");
    expect(sim.uart.takeTx().length).toBe(0); // a normal boot writes nothing on the application's line

    const inUpdate = sim.rebooted();
    inUpdate.fault = { kind: 1, detail: 0x08008123 };
    inUpdate.resetCauseBits = 0x04;
    inUpdate.triggerPressed = true;
    inUpdate.uart.deliver(encodeFrame(Command.Info, 1), 100_000);
    await runBootloaderInNode(inUpdate);
    const tx = inUpdate.uart.takeTx();
    expect(textOf(tx)).toContain("last boot ended by a hard fault at pc 0x08008123\r\n");
    const info = infoOf(tx);
    expect(info.lastFault).toEqual({ kind: "hard fault", detail: 0x08008123 });
    expect(info.resetCause).toEqual(["software"]);
  });

  it("a watchdog started by the option bytes gets the longest period and is refreshed through a whole update", async () => {
    const sim = new Simulation(board);
    sim.watchdog.hardware = true;
    sim.uart.deliver(concat(updateFrames(makeImage(board, makeApplication(board, 60_000)), 1024, false)), 0);
    await runBootloaderInNode(sim);
    expect(sim.watchdog.running).toBe(true);
    expect(sim.watchdog.periodMs).toBe(32000);
    expect(sim.watchdog.refreshes).toBeGreaterThan(100);
    // The longest stretch without a refresh is one flash operation or one poll, far below even the
    // hardware watchdog's reset period (about 0.5 s before the bootloader reprograms it).
    expect(sim.watchdog.longestGapUs).toBeLessThan(100_000);
    const info = infoOf(sim.uart.takeTx());
    expect(info.watchdog).toBe("hardware");
  });

  it("the bootloader never starts the watchdog itself unless the board data asks", async () => {
    const off = new Simulation(board);
    await runBootloaderInNode(off);
    expect(off.watchdog.running).toBe(false);

    const asked = new Simulation({ ...board, watchdogMs: 6000 });
    asked.uart.deliver(encodeFrame(Command.Info, 1), 0);
    await runBootloaderInNode(asked);
    expect(asked.watchdog).toMatchObject({ running: true, periodMs: 6000 });
    expect(infoOf(asked.uart.takeTx()).watchdog).toBe("started");
  });
});

describe("write protection of the bootloader region (#6)", () => {
  it("PROTECT sets and clears the option-byte protection, and INFO reports it", async () => {
    const sim = new Simulation(board);
    sim.uart.deliver(concat([encodeFrame(Command.Protect, 1, Uint8Array.of(1)), encodeFrame(Command.Info, 2), encodeFrame(Command.Protect, 3, Uint8Array.of(0)), encodeFrame(Command.Info, 4)]), 0);
    await runBootloaderInNode(sim);
    const tx = sim.uart.takeTx();
    const replies = repliesIn(tx);
    expect(replies.map((f) => [f.command & 0x7f, STATUS_NAMES[f.payload[0]]])).toEqual([
      [Command.Protect, "ok"], [Command.Info, "ok"], [Command.Protect, "ok"], [Command.Info, "ok"],
    ]);
    expect(decodeInfo(replies[1].payload.subarray(1)).bootloaderProtected).toBe(true);
    expect(decodeInfo(replies[3].payload.subarray(1)).bootloaderProtected).toBe(false);
  });

  it("board data protectBootloader protects the region at boot", async () => {
    const sim = new Simulation({ ...board, protectBootloader: true });
    await runBootloaderInNode(sim);
    expect(sim.flash.protectedBootloader).toBe(true);
  });

  it("the port refuses to erase or program the bootloader region even when asked directly", async () => {
    const sim = new Simulation(board);
    sim.flash.bytes.fill(0x5a, 0, 64);
    const current = await import("../../hal-bindings/sim/current");
    const flash = await import("../../hal-bindings/flash");
    current.installSimulation(sim);
    try {
      expect(flash.flashUnlock()).toBe(0);
      expect(flash.flashErase(0)).toBe(10);
      expect(flash.flashProgram(board.bootloader.start + 16, new Uint8Array(4))).toBe(10);
      expect(flash.flashProgram(board.bootloader.start + board.bootloader.size - 4, new Uint8Array(8))).toBe(10);
      flash.flashLock();
    } finally {
      current.installSimulation(null);
    }
    expect(sim.flash.operations).toBe(0);
    expect(sim.flash.bytes.subarray(0, 64).every((b) => b === 0x5a)).toBe(true);
  });
});
