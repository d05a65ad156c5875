/**
 * Baud negotiation on the timed device model (issue 12): BAUDS lists what the board's clock makes of the
 * standard rates, SET_BAUD switches both ends after its reply (at the old rate) and holds only if a valid
 * frame comes at the new rate within the confirm window, else the device falls back and the session goes
 * on; the session's end brings the base rate back. The host here reads the device's bytes at its own rate
 * (SimUart.hostReceives) and sends at it, so a host and a device at different rates see garbage, as on a
 * wire. Also the window: as many WRITE frames as the reception ring holds keep the line busy through an
 * erase without overrunning the ring.
 */
import { describe, expect, it } from "vitest";
import { loadBoardLayout } from "../../boards/layout";
import { decodeBauds } from "../../host/flasher/baud";
import { decodeInfo } from "../../host/flasher/flasher";
import { Command, encodeFrame, EVENT_PROGRESS, REPLY_BIT, STATUS_NAMES, u32le, type Frame } from "../../host/frames";
import { Simulation } from "../../hal-bindings/sim/simulation";
import type { HostLine } from "../../hal-bindings/sim/uart";
import { makeApplication, makeImage, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";
import { pacedHost, type HostStep } from "./paced-host";

const board = loadBoardLayout("nucleo-f411re");
const BASE: HostLine = { baud: 115200, framing: "8N1" };
const line = (baud: number): { line: HostLine } => ({ line: { baud, framing: "8N1" } });

function inUpdateMode(options: { flashTiming?: "typ" | "max" | "none" } = {}): Simulation {
  const sim = new Simulation(board, undefined, { flashTiming: options.flashTiming ?? "typ" });
  sim.triggerPressed = true;
  return sim;
}

const replies = (frames: Frame[], command: number) => frames.filter((f) => f.command === (command | REPLY_BIT));
const status = (f: Frame) => STATUS_NAMES[f.payload[0]];

describe("BAUDS and SET_BAUD (issue 12)", () => {
  it("BAUDS lists the rates the board's clock makes within 1.7 %, the base rate first, with their BRR error", async () => {
    const sim = inUpdateMode();
    const host = pacedHost(sim, [encodeFrame(Command.Info, 1), encodeFrame(Command.Bauds, 2), encodeFrame(Command.Bauds, 3, Uint8Array.of(1))]);
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    const [list, wrong] = replies(host.received(), Command.Bauds);
    expect(status(list)).toBe("ok");
    const bauds = decodeBauds(list.payload.subarray(1));
    // USART2 at 50 MHz (the F411's APB1 at 100 MHz SYSCLK): 1.5 Mbaud is BRR 33 (+1.01 %), 2 Mbaud exact.
    expect(bauds).toEqual({
      current: 115200,
      rates: [
        { baud: 115200, errorPercent: 0.01 },
        { baud: 230400, errorPercent: 0.01 },
        { baud: 460800, errorPercent: -0.45 },
        { baud: 921600, errorPercent: 0.47 },
        { baud: 1_000_000, errorPercent: 0 },
        { baud: 1_500_000, errorPercent: 1.01 },
        { baud: 2_000_000, errorPercent: 0 },
      ],
    });
    expect(bauds.rates.map((r) => r.baud)).toEqual(board.uart.rates.map((r) => r.baud));
    expect(status(wrong)).toBe("bad length");
  });

  it("a negotiated update at 2 Mbaud: the reply at 115200, INFO at 2 Mbaud confirms it, the update runs there without a line error", async () => {
    const sim = inUpdateMode();
    const app = makeApplication(board, 40_000, 3);
    const update = updateFrames(makeImage(board, app, "1.0.0"), 1024, false).slice(1); // after the first INFO
    const session: HostStep[] = [
      encodeFrame(Command.Info, 0xe0),
      encodeFrame(Command.SetBaud, 0xe1, u32le(2_000_000)),
      line(2_000_000),
      { frame: encodeFrame(Command.Info, 0xe2), timeoutUs: 300_000 },
      ...update,
      encodeFrame(Command.Bauds, 0xe3),
      encodeFrame(Command.Info, 0xe4),
    ];
    const host = pacedHost(sim, session, { window: 62 });
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    expect(host.timedOut()).toEqual([]);
    const received = host.received();
    const set = replies(received, Command.SetBaud)[0];
    expect(status(set)).toBe("ok");
    expect(new DataView(set.payload.buffer, set.payload.byteOffset).getUint16(1, true)).toBe(1000); // the confirm window
    expect(replies(received, Command.Write).every((f) => status(f) === "ok")).toBe(true);
    expect(status(replies(received, Command.End)[0])).toBe("ok");
    expect(decodeBauds(replies(received, Command.Bauds)[0].payload.subarray(1)).current).toBe(2_000_000);
    const infos = replies(received, Command.Info).map((f) => decodeInfo(f.payload.subarray(1)));
    expect(infos).toHaveLength(3);
    expect(infos.at(-1)!).toMatchObject({ appValid: true, lineErrors: [], window: 62 });
    expect(Buffer.from(sim.flash.view(board.app.start, app.length)).equals(Buffer.from(app))).toBe(true);
    // The WRITEs crossed the line at 2 Mbaud: the last one arrived long before 40 KB at 115200 could (3.5 s).
    const writes = sim.uart.rx.filter((b) => b.baud === 2_000_000);
    expect(writes.length).toBeGreaterThan(40_000);
  });

  it("a refused rate (3 Mbaud is not offered, a malformed request) changes nothing: the session goes on at 115200", async () => {
    const sim = inUpdateMode();
    const host = pacedHost(sim, [
      encodeFrame(Command.SetBaud, 1, u32le(3_000_000)),
      encodeFrame(Command.SetBaud, 2, Uint8Array.of(0, 0x84, 0x1e)),
      encodeFrame(Command.SetBaud, 3, u32le(250_000)),
      encodeFrame(Command.Info, 4),
    ]);
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    const sets = replies(host.received(), Command.SetBaud).map(status);
    expect(sets).toEqual(["unsupported baud", "bad length", "unsupported baud"]);
    expect(decodeInfo(replies(host.received(), Command.Info)[0].payload.subarray(1)).lineErrors).toEqual([]);
    expect(sim.uart.baud).toBe(115200);
  });

  it("a failed switch falls back: on a line that garbles above 1 Mbaud, the device hears only garbage at 2 Mbaud, stays silent, returns to 115200 after the confirm window, and the update completes there", async () => {
    const sim = inUpdateMode();
    sim.uart.lineLimitBaud = 1_000_000;
    const app = makeApplication(board, 12_000, 4);
    const update = updateFrames(makeImage(board, app, "1.0.0"), 1024, false).slice(1);
    const session: HostStep[] = [
      encodeFrame(Command.Info, 0xe0),
      encodeFrame(Command.SetBaud, 0xe1, u32le(2_000_000)),
      line(2_000_000),
      { frame: encodeFrame(Command.Info, 0xe2), timeoutUs: 300_000 },
      // No answer: back to the old rate, and past the device's confirm window (1 s from its switch).
      line(115200),
      { waitUs: 1_000_000 },
      encodeFrame(Command.Info, 0xe3),
      ...update,
    ];
    const host = pacedHost(sim, session);
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    expect(host.timedOut()).toEqual([3]);
    const received = host.received();
    expect(replies(received, Command.Info)).toHaveLength(2); // the first and the one after the fallback
    expect(replies(received, Command.Write).every((f) => status(f) === "ok")).toBe(true);
    expect(status(replies(received, Command.End)[0])).toBe("ok");
    expect(Buffer.from(sim.flash.view(board.app.start, app.length)).equals(Buffer.from(app))).toBe(true);
    // The device said nothing at 2 Mbaud: every byte it sent went at 115200 (BRR 434 at 50 MHz).
    expect(new Set(sim.uart.txBrr)).toEqual(new Set([434]));
    // What it heard at 2 Mbaud was garbage: INFO after the fallback reports framing errors.
    expect(decodeInfo(replies(received, Command.Info)[1].payload.subarray(1)).lineErrors).toContain("framing");
    expect(sim.uart.baud).toBe(115200);
  });

  it("the session's end returns the device to its base rate: a host that went quiet at 2 Mbaud is answered at 115200 in its next session", async () => {
    const sim = inUpdateMode();
    const host = pacedHost(sim, [
      encodeFrame(Command.SetBaud, 1, u32le(2_000_000)),
      line(2_000_000),
      encodeFrame(Command.Info, 2),
      { waitUs: 11_000_000 }, // the native session's 10 s idle
      line(115200),
      encodeFrame(Command.Info, 3),
    ], { quietUs: 12_000_000 });
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    const infos = replies(host.received(), Command.Info);
    expect(infos).toHaveLength(2);
    expect(sim.uart.baud).toBe(115200);
  });
});

describe("the window and the ring (issue 12)", () => {
  // 160 KB from the application start: sectors 2-4 (16, 16 and 64 KB) and the first 128 KB sector, whose
  // erase stalls the CPU for 1 s while 2 Mbaud brings 200 KB/s.
  const app = makeApplication(board, 160 * 1024, 5);
  const writes = () => updateFrames(makeImage(board, app, "1.0.0"), 1024, false);

  async function at2Mbaud(window: number) {
    const sim = inUpdateMode();
    const [info, ...rest] = writes();
    const host = pacedHost(sim, [info, encodeFrame(Command.SetBaud, 0xe1, u32le(2_000_000)), line(2_000_000), ...rest], { window });
    await runBootloaderInNode(sim);
    const received = host.received();
    return { sim, received, writes: replies(received, Command.Write).map(status), erases: received.filter((f) => f.command === EVENT_PROGRESS).length };
  }

  it("INFO's window is what the ring holds (62 frames in 63 KB on this board): kept to, it never overruns the ring through a 1 s erase at 2 Mbaud", async () => {
    expect(board.uart.rxRingSize).toBe(63 * 1024);
    const r = await at2Mbaud(62);
    expect(decodeInfo(replies(r.received, Command.Info)[0].payload.subarray(1)).window).toBe(62);
    expect(r.erases).toBe(4);
    expect(r.writes.length).toBe(160);
    expect(r.writes.every((s) => s === "ok")).toBe(true);
    expect(Buffer.from(r.sim.flash.view(board.app.start, app.length)).equals(Buffer.from(app))).toBe(true);
  });
});
