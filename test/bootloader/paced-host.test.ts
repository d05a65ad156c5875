/**
 * The paced host model itself (issue 12): a host that reads the device's replies only when the device finds
 * its UART empty waits through every stretch in which the device programs a full ring, and its window runs
 * dry. Such a model understated tsboot's speed by 15 % at 921600 baud. A real host (a USB-serial adapter and
 * a flasher that reads its port) answers each acknowledgement a turnaround after it left the line, whatever
 * the device is doing; these tests hold the model to that.
 */
import { describe, expect, it } from "vitest";
import { nucleoF411Layout } from "../../hal-bindings/sim/board-layout";
import { downloadFlashNs } from "../../hal-bindings/sim/flash-timing";
import { Simulation } from "../../hal-bindings/sim/simulation";
import type { HostLine } from "../../hal-bindings/sim/uart";
import { Command, encodeFrame, EVENT_PROGRESS, REPLY_BIT, u32le } from "../../host/frames";
import { makeApplication, makeImage, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";
import { pacedHost, type HostStep } from "./paced-host";

const board = nucleoF411Layout();
const WINDOW = 62; // the F411's ring holds 62 WRITE frames

describe("the paced host answers while the device is busy (issue 12)", () => {
  it("during a 1 s erase at 921600 baud the host fills the device's ring (its whole window), and the update comes within 10 % of max(wire, erase + program)", async () => {
    // An old application in the region, so every sector the image needs is erased: the 128 KB sector
    // 0x08020000 (1 s typical) among them.
    const flash = new Uint8Array(board.sectors.reduce((n, s) => n + s.size, 0)).fill(0xff);
    flash.fill(0x5a, board.app.start - board.flashBase, board.app.start - board.flashBase + 256 * 1024);
    const sim = new Simulation(board, flash, { flashTiming: "typ" });
    sim.triggerPressed = true;
    const app = makeApplication(board, 200 * 1024, 3);
    const [info, ...update] = updateFrames(makeImage(board, app, "3.0.0"), 1024, false);
    const line: HostLine = { baud: 921600, framing: "8N1" };
    const session: HostStep[] = [info, encodeFrame(Command.SetBaud, 0xe0, u32le(921600)), { line }, { frame: encodeFrame(Command.Info, 0xe1), timeoutUs: 300_000 }, ...update];
    const host = pacedHost(sim, session, { window: WINDOW, turnaroundUs: 1000, quietUs: 3_000_000 });
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    expect(Buffer.from(sim.flash.view(board.app.start, app.length)).equals(Buffer.from(app))).toBe(true);

    const frames = host.received();
    const at = host.receivedAtNs();
    const writeAcks = at.filter((_, i) => frames[i].command === (Command.Write | REPLY_BIT));
    // The erase of the 128 KB sector: the progress event before it, then the first WRITE reply after it.
    const sector = board.sectors.findIndex((s) => s.size === 128 * 1024 && s.start >= board.app.start);
    const timing = sim.timing.eraseNs[sector];
    const erases = at.filter((_, i) => frames[i].command === EVENT_PROGRESS);
    const nextAck = (t: number) => writeAcks.find((w) => w > t) ?? Infinity;
    const eraseStart = erases.find((t) => nextAck(t) > t + timing * 0.99 && nextAck(t) < t + timing * 1.05)!;
    expect(eraseStart, "a 1 s erase between two WRITE replies").toBeDefined();
    // After it the device programs what came in meanwhile back to back (a frame each 4.2 ms, against 11.3 ms
    // on the wire): a whole window when the host kept sending through the erase.
    const after = writeAcks.filter((t) => t > eraseStart);
    let run = 1;
    while (run < after.length && after[run] - after[run - 1] < 6_000_000) run++;
    expect(run).toBeGreaterThanOrEqual(WINDOW - 2);

    const end = at[frames.findIndex((f) => f.command === (Command.End | REPLY_BIT))];
    const first = at[frames.findIndex((f) => f.command === (Command.Begin | REPLY_BIT))];
    const { eraseNs, programNs } = downloadFlashNs(board, board.app.start, app.length + 64, "typ");
    const bound = eraseNs + programNs;
    expect(end - first).toBeLessThan(bound * 1.1);
  });
});
