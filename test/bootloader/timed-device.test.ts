/**
 * The bootloader on the timed device model (issues 9 and 12): flash that takes its datasheet time while the
 * CPU stalls, a UART at 115200 baud, a watchdog that resets. These tests fail if the bootloader's reception
 * goes back to polling, or if it stops refreshing the watchdog in its waits: each runs the real bootloader,
 * and a variant of it (one binding replaced with vi.doMock) shows what the test would then see.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { nucleoF411Layout } from "../../hal-bindings/sim/board-layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { Command, encodeFrame, EVENT_PROGRESS, REPLY_BIT, STATUS_NAMES } from "../../host/frames";
import { decodeInfo } from "../../host/flasher/flasher";
import { concat, makeApplication, makeImage, repliesIn, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";
import { pacedHost } from "./paced-host";

const board = nucleoF411Layout();

/** A board with an installed application (so that an update erases), flash at the datasheet's maximum. */
async function installed(options: { watchdogHardware?: boolean; watchdogMs?: number } = {}): Promise<Simulation> {
  const layout = { ...board, watchdogMs: options.watchdogMs ?? 0 };
  const sim = new Simulation(layout, undefined, { flashTiming: "max" });
  pacedHost(sim, updateFrames(makeImage(layout, makeApplication(layout, 20_000, 1), "1.0.0"), 1024, false));
  expect((await runBootloaderInNode(sim)).kind).toBe("idle");
  const next = sim.rebooted();
  next.watchdog.hardware = options.watchdogHardware ?? false;
  next.triggerPressed = true;
  return next;
}

/** The statuses of the replies (progress events left out), and INFO's line errors. */
function summary(tx: Uint8Array) {
  const replies = repliesIn(tx).filter((f) => f.command !== EVENT_PROGRESS);
  const info = replies.filter((f) => f.command === (Command.Info | REPLY_BIT)).pop();
  return {
    statuses: replies.map((f) => STATUS_NAMES[f.payload[0]]),
    badFrames: replies.filter((f) => STATUS_NAMES[f.payload[0]] === "bad frame").length,
    lineErrors: info ? decodeInfo(info.payload.subarray(1)).lineErrors : null,
  };
}

afterEach(() => {
  vi.doUnmock("../../hal-bindings/uart");
  vi.doUnmock("../../hal-bindings/system");
});

describe("reception survives flash stalls (issue 9, issue 12)", () => {
  // 60 KB at 115200, four WRITEs in flight, while the device erases the record and three sectors (3 × 16 KB,
  // 64 KB: 2.6 s at the datasheet maximum) and programs 15,000 words at 100 us each, longer than a byte
  // time; INFO last, to read the line errors.
  const app = makeApplication(board, 60_000, 7);
  const session = [...updateFrames(makeImage(board, app, "2.0.0"), 1024, false), encodeFrame(Command.Info, 0xf0), encodeFrame(Command.Boot, 0xf1)];

  it("the bootloader receives by DMA: an update with honest stalls completes with zero bad frames and no line error", async () => {
    const sim = await installed();
    pacedHost(sim, session);
    const outcome = await runBootloaderInNode(sim);
    expect(outcome.kind).toBe("application");
    expect(Buffer.from(sim.flash.view(board.app.start, app.length)).equals(Buffer.from(app))).toBe(true);
    const s = summary(sim.uart.takeTx());
    expect(s.badFrames).toBe(0);
    expect(s.statuses.every((x) => x === "ok")).toBe(true);
    expect(s.lineErrors).toEqual([]);
    expect(sim.nowUs).toBeGreaterThan(2_600_000 + 1_500_000); // the erases, and the programming (15,000 × 100 us)
  });

  it("the same bootloader made to receive by polling (its ring filled by uartRead) loses bytes during the stalls: bad frames, overruns, no update", async () => {
    const sim = await installed();
    let lineErrors = 0;
    vi.doMock("../../hal-bindings/uart", async (importOriginal) => {
      const real = await importOriginal<typeof import("../../hal-bindings/uart")>();
      let ring: Uint8Array = new Uint8Array(1);
      let head = 0;
      return {
        ...real,
        uartTakeErrors: () => {
          const e = real.uartTakeErrors();
          lineErrors |= e;
          return e;
        },
        uartRxStart: (r: Uint8Array) => {
          ring = r;
          head = 0;
        },
        // What a polled receiver gets: whatever the receive register holds each time the CPU looks.
        uartRxHead: () => {
          for (let b = real.uartRead(); b >= 0; b = real.uartRead()) {
            ring[head] = b;
            head = (head + 1) % ring.length;
          }
          return head;
        },
      };
    });
    pacedHost(sim, session);
    const outcome = await runBootloaderInNode(sim);
    const s = summary(sim.uart.takeTx());
    expect(outcome.kind).not.toBe("application");
    expect(s.badFrames).toBeGreaterThan(0);
    expect(lineErrors & 8, "overrun").toBe(8);
    expect(Buffer.from(sim.flash.view(board.app.start, app.length)).equals(Buffer.from(app))).toBe(false);
  });
});

describe("the watchdog (issue 9 #5)", () => {
  const app = makeApplication(board, 60_000, 8);
  const update = updateFrames(makeImage(board, app, "2.0.0"), 1024, true);

  it("started by the option bytes (about 0.5 s from reset): a full update at maximum flash timing never lets it fire", async () => {
    const sim = await installed({ watchdogHardware: true });
    pacedHost(sim, update);
    expect((await runBootloaderInNode(sim)).kind).toBe("application");
    expect(sim.watchdog.fired).toBe(false);
    expect(sim.watchdog.periodMs).toBe(32_000);
    // The longest stretch without a refresh is one erase: 16 KB at the datasheet maximum, 0.5 s (the 64 KB
    // sector was still erased), which the hardware watchdog's reset period (0.512 s) would barely survive.
    expect(sim.watchdog.longestGapUs).toBeGreaterThanOrEqual(500_000);
    expect(sim.watchdog.longestGapUs).toBeLessThan(510_000);
  });

  it("started by the bootloader with the board's period (3 s, longer than any erase): it never fires; a bootloader that stopped refreshing it is reset by it", async () => {
    const refreshing = await installed({ watchdogMs: 3000 });
    pacedHost(refreshing, update);
    expect((await runBootloaderInNode(refreshing)).kind).toBe("application");
    expect(refreshing.watchdog).toMatchObject({ running: true, periodMs: 3000, fired: false });

    const starving = await installed({ watchdogMs: 3000 });
    vi.doMock("../../hal-bindings/system", async (importOriginal) => {
      const real = await importOriginal<typeof import("../../hal-bindings/system")>();
      return { ...real, watchdogRefresh: () => {} };
    });
    pacedHost(starving, update);
    expect(await runBootloaderInNode(starving)).toEqual({ kind: "reset", reason: "watchdog" });
    expect(starving.nowUs).toBe(3_000_000); // started at boot, never refreshed
    expect(starving.rebooted().resetCauseBits).toBe(0x08);
  });
});

describe("a panic resets the board (issue 9 #14)", () => {
  it("the fault record gets kind 7 and the TypeScript line of the panic; the next boot reports it (INFO, console) with reset cause software", async () => {
    // A binding that panics, standing for any trap in the bootloader.
    vi.doMock("../../hal-bindings/system", async (importOriginal) => {
      const real = await importOriginal<typeof import("../../hal-bindings/system")>();
      const { panic } = await import("../../runtime/index");
      return { ...real, triggerActive: () => panic("a deliberate panic") };
    });
    const sim = new Simulation(board);
    const outcome = await runBootloaderInNode(sim);
    vi.doUnmock("../../hal-bindings/system");
    expect(outcome).toMatchObject({ kind: "reset", reason: "panic", message: "a deliberate panic" });
    const line = (outcome as { line: number }).line;
    const source = (await import("node:fs")).readFileSync(new URL(import.meta.url), "utf8").split("\n");
    expect(source[line - 1]).toContain('panic("a deliberate panic")');
    const next = sim.rebooted();
    expect(next.fault).toEqual({ kind: 7, detail: line });
    expect(next.resetCauseBits).toBe(0x04);
    next.uart.deliver(updateFrames(makeImage(board, makeApplication(board, 1024)))[0], 0);
    await runBootloaderInNode(next);
    const tx = next.uart.takeTx();
    expect(Buffer.from(tx).toString("latin1")).toContain(`last boot ended by a panic, line 0x${line.toString(16).padStart(8, "0")}\r\n`);
    const info = decodeInfo(repliesIn(tx).find((f) => f.command === (Command.Info | REPLY_BIT))!.payload.subarray(1));
    expect(info.lastFault).toEqual({ kind: "panic", detail: line });
    expect(info.resetCause).toEqual(["software"]);
  });
});
