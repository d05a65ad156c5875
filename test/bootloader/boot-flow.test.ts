/**
 * The bootloader in Node against the simulated board: the boot flow, a full update, each trigger, and the
 * refusals that must leave the old application bootable or the device in the bootloader.
 */
import { describe, expect, it } from "vitest";
import { nucleoF411Layout } from "../../hal-bindings/sim/board-layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { Command, encodeFrame, EVENT_PROGRESS, REPLY_BIT, STATUS_NAMES } from "../../host/frames";
import { concat, makeApplication, makeImage, repliesIn, textOf, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";

const board = nucleoF411Layout();
const statusOf = (name: (typeof STATUS_NAMES)[number]) => STATUS_NAMES.indexOf(name);

function freshBoard(): Simulation {
  return new Simulation(board);
}

/** Runs a complete native update on `sim` and returns the outcome and the replies. */
async function update(sim: Simulation, image: Uint8Array, options: { boot?: boolean; atUs?: number } = {}) {
  sim.uart.deliver(concat(updateFrames(image, 1024, options.boot ?? true)), options.atUs ?? 0);
  const outcome = await runBootloaderInNode(sim);
  return { outcome, replies: repliesIn(sim.uart.takeTx()) };
}

async function installedBoard(version = "1.0.0", seed = 7): Promise<{ sim: Simulation; app: Uint8Array }> {
  const sim = freshBoard();
  const app = makeApplication(board, 20_000, seed);
  const { outcome } = await update(sim, makeImage(board, app, version), { boot: false });
  expect(outcome.kind).toBe("idle");
  return { sim: sim.rebooted(), app };
}

describe("boot flow", () => {
  it("a blank board stays in the bootloader and says why", async () => {
    const sim = freshBoard();
    const outcome = await runBootloaderInNode(sim);
    expect(outcome.kind).toBe("idle");
    const text = textOf(sim.uart.takeTx());
    expect(text).toContain("tsboot 0.2.0");
    expect(text).toContain("update: no valid application");
    expect(sim.flash.locked).toBe(true);
  });

  it("a full update writes the image, makes it valid and boots it", async () => {
    const sim = freshBoard();
    const app = makeApplication(board, 20_000);
    const { outcome, replies } = await update(sim, makeImage(board, app, "1.2.3"));
    expect(outcome).toMatchObject({ kind: "application", stackPointer: board.ram.start + board.ram.size, resetHandler: (board.app.start + 0x201) | 1, vectorTable: board.app.start });
    const finals = replies.filter((f) => f.command !== EVENT_PROGRESS);
    expect(finals.map((f) => f.payload[0])).toEqual(finals.map(() => 0));
    expect(finals.map((f) => f.command)).toEqual([Command.Info, Command.Begin, ...Array(20).fill(Command.Write), Command.End, Command.Boot].map((c) => c | REPLY_BIT));
    const progress = replies.filter((f) => f.command === EVENT_PROGRESS);
    expect(progress.length).toBe(2); // 20 KB spans the two 16 KB sectors 2 and 3
    expect(sim.flash.view(board.app.start, app.length)).toEqual(app);
    expect(sim.flash.locked).toBe(true);
    expect(sim.interruptsEnabled).toBe(true);
    expect(sim.clocksUp).toBe(false);
    expect(sim.tickRunning).toBe(false);
  });

  it("a valid application boots after the listen window when nothing is pending, and nothing is written on its line", async () => {
    const { sim } = await installedBoard();
    const outcome = await runBootloaderInNode(sim);
    expect(outcome.kind).toBe("application");
    expect(sim.nowUs).toBeGreaterThanOrEqual(100_000);
    expect(sim.nowUs).toBeLessThan(200_000);
    expect(sim.uart.takeTx()).toEqual(new Uint8Array(0));
  });

  it("the listen window is board data (listenWindowMs)", async () => {
    const { sim } = await installedBoard();
    const slow = new Simulation({ ...board, listenWindowMs: 750 }, sim.flash.bytes);
    slow.uart.deliver(encodeFrame(Command.Info, 1), 500_000); // too late for 100 ms, inside 750 ms
    // The session opens, INFO is answered; when the host goes quiet the application starts again.
    expect((await runBootloaderInNode(slow)).kind).toBe("application");
    expect(repliesIn(slow.uart.takeTx()).map((f) => f.command)).toEqual([Command.Info | REPLY_BIT]);
    const quiet = new Simulation({ ...board, listenWindowMs: 750 }, sim.flash.bytes);
    expect((await runBootloaderInNode(quiet)).kind).toBe("application");
    expect(quiet.nowUs).toBeGreaterThanOrEqual(750_000);
  });

  it("the update-request flag from the application enters update mode once and is cleared", async () => {
    const { sim } = await installedBoard();
    sim.updateFlag = 0x55425354;
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    expect(textOf(sim.uart.takeTx())).toContain("update: requested by the application");
    expect(sim.updateFlag).toBe(0);
    expect((await runBootloaderInNode(sim.rebooted())).kind).toBe("application");
  });

  it("the trigger pin enters update mode", async () => {
    const { sim } = await installedBoard();
    sim.triggerPressed = true;
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    expect(textOf(sim.uart.takeTx())).toContain("update: trigger pin");
  });

  it("a session starting inside the listen window is served; after the window it is too late", async () => {
    const { sim } = await installedBoard();
    sim.uart.deliver(encodeFrame(Command.Info, 1), 50_000);
    expect((await runBootloaderInNode(sim)).kind).toBe("application");
    const tx = sim.uart.takeTx();
    // The first byte on the wire is the reply: no announcement between the session's start and its answer.
    expect([...tx.subarray(0, 3)]).toEqual([0xa5, 0x5a, Command.Info | REPLY_BIT]);
    expect(repliesIn(tx).map((f) => f.command)).toEqual([Command.Info | REPLY_BIT]);
    // The session's idle time (board data sessionIdleMs, 2 s) passed before the application got its line back.
    expect(sim.nowUs).toBeGreaterThanOrEqual(50_000 + board.sessionIdleMs * 1000);

    const late = sim.rebooted();
    late.uart.deliver(encodeFrame(Command.Info, 1), 150_000);
    expect((await runBootloaderInNode(late)).kind).toBe("application");
  });

  it("garbage on the line during the window does not start an update", async () => {
    const { sim } = await installedBoard();
    sim.uart.deliver([0x00, 0x55, 0xff, 0x13, 0x5a], 10_000);
    expect((await runBootloaderInNode(sim)).kind).toBe("application");
  });
});

describe("refused updates keep the device updatable", () => {
  async function refuse(image: Uint8Array, status: (typeof STATUS_NAMES)[number], where: number) {
    const { sim, app } = await installedBoard("1.0.0");
    sim.triggerPressed = true;
    // A refused BEGIN needs no data after it: send INFO, BEGIN and END only.
    const frames = updateFrames(image, 1024, false);
    sim.uart.deliver(concat(where === Command.Begin ? [frames[0], frames[1], frames[frames.length - 1]] : frames), 0);
    const outcome = await runBootloaderInNode(sim);
    const replies = repliesIn(sim.uart.takeTx());
    expect(outcome.kind).toBe("idle");
    const refused = replies.find((f) => f.command !== EVENT_PROGRESS && f.payload[0] !== 0);
    expect(refused?.command).toBe(where | REPLY_BIT);
    expect(STATUS_NAMES[refused!.payload[0]]).toBe(status);
    expect(sim.flash.locked).toBe(true);
    return { sim: sim.rebooted(), app };
  }

  it("bad magic: refused at BEGIN, the old application still boots", async () => {
    const image = makeImage(board, makeApplication(board, 4096));
    image[0] ^= 0xff;
    const { sim } = await refuse(image, "bad header", Command.Begin);
    expect((await runBootloaderInNode(sim)).kind).toBe("application");
  });

  it("an image for another board: refused, old application still boots", async () => {
    const { sim } = await refuse(makeImage(board, makeApplication(board, 4096), "2.0.0", { boardId: 0x1234 }), "wrong board", Command.Begin);
    expect((await runBootloaderInNode(sim)).kind).toBe("application");
  });

  it("a wrong load address: refused, old application still boots", async () => {
    const { sim } = await refuse(makeImage(board, makeApplication(board, 4096), "2.0.0", { loadAddress: 0x08000000 }), "bad address", Command.Begin);
    expect((await runBootloaderInNode(sim)).kind).toBe("application");
  });

  it("too big for the application region: refused, old application still boots", async () => {
    const { sim } = await refuse(makeImage(board, makeApplication(board, board.app.size + 4)), "too big", Command.Begin);
    expect((await runBootloaderInNode(sim)).kind).toBe("application");
  });

  it("a payload that does not match its CRC: refused at END, the device stays in the bootloader", async () => {
    const image = makeImage(board, makeApplication(board, 8192));
    image[64 + 5000] ^= 0x01;
    const { sim } = await refuse(image, "CRC mismatch", Command.End);
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
  });

  it("a truncated transfer: END says incomplete, the device stays in the bootloader", async () => {
    const { sim: board0 } = await installedBoard();
    board0.triggerPressed = true;
    const frames = updateFrames(makeImage(board, makeApplication(board, 8192)));
    const truncated = [...frames.slice(0, 2 + 4), ...frames.slice(-2)]; // INFO, BEGIN, 4 of 8 WRITEs, END, BOOT
    board0.uart.deliver(concat(truncated), 0);
    expect((await runBootloaderInNode(board0)).kind).toBe("idle");
    const replies = repliesIn(board0.uart.takeTx()).filter((f) => f.command !== EVENT_PROGRESS);
    expect(replies.map((f) => STATUS_NAMES[f.payload[0]]).slice(-2)).toEqual(["incomplete", "no valid application"]);
    expect((await runBootloaderInNode(board0.rebooted())).kind).toBe("idle");
  });

  it("the host vanishing mid-transfer: the session ends, the device stays in the bootloader", async () => {
    const sim = freshBoard();
    const frames = updateFrames(makeImage(board, makeApplication(board, 8192)));
    sim.uart.deliver(concat(frames.slice(0, 5)), 0);
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    expect((await runBootloaderInNode(sim.rebooted())).kind).toBe("idle");
  });

  it("garbage bytes between frames are skipped or NACKed and the update still completes", async () => {
    const sim = freshBoard();
    const frames = updateFrames(makeImage(board, makeApplication(board, 6000)));
    const noisy: Uint8Array[] = [];
    frames.forEach((f, i) => {
      noisy.push(Uint8Array.from([0x00, 0xa5, 0x13, 0x37, i & 0xff]));
      noisy.push(f);
    });
    sim.uart.deliver(concat(noisy), 0);
    const outcome = await runBootloaderInNode(sim);
    expect(outcome.kind).toBe("application");
  });

  it("a corrupted frame is NACKed as a bad frame and a resend is accepted", async () => {
    const sim = freshBoard();
    const frames = updateFrames(makeImage(board, makeApplication(board, 3000)));
    const damaged = Uint8Array.from(frames[2]);
    damaged[20] ^= 0x40;
    sim.uart.deliver(concat([frames[0], frames[1], damaged, ...frames.slice(2)]), 0);
    expect((await runBootloaderInNode(sim)).kind).toBe("application");
    const replies = repliesIn(sim.uart.takeTx());
    const nack = replies.find((f) => f.command === REPLY_BIT && STATUS_NAMES[f.payload[0]] === "bad frame");
    expect(nack).toBeDefined();
    // The NACK says how far the transfer got: nothing was written yet when the first WRITE was damaged.
    expect(new DataView(nack!.payload.buffer, nack!.payload.byteOffset).getUint32(1, true)).toBe(0);
  });

  it("a resent END (its reply lost) is answered ok once the image is installed", async () => {
    const sim = freshBoard();
    const frames = updateFrames(makeImage(board, makeApplication(board, 3000)), 1024, false);
    sim.uart.deliver(concat([...frames, encodeFrame(Command.End, 99)]), 0);
    await runBootloaderInNode(sim);
    const ends = repliesIn(sim.uart.takeTx()).filter((f) => f.command === (Command.End | REPLY_BIT));
    expect(ends.map((f) => STATUS_NAMES[f.payload[0]])).toEqual(["ok", "ok"]);
  });

  it("a flash error during programming is reported and flash is locked again", async () => {
    const sim = freshBoard();
    sim.uart.deliver(concat(updateFrames(makeImage(board, makeApplication(board, 4096)))), 0);
    const original = sim.flashProgram.bind(sim);
    let calls = 0;
    sim.flashProgram = (address, data) => (++calls === 5 ? 7 : original(address, data));
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    const replies = repliesIn(sim.uart.takeTx()).filter((f) => f.command !== EVENT_PROGRESS);
    expect(replies.map((f) => STATUS_NAMES[f.payload[0]])).toContain("flash error");
    expect(sim.flash.locked).toBe(true);
  });
});

it("status codes of the host tools match the bootloader's", async () => {
  const { Status } = await import("../../bootloader-ts/status");
  for (const [i, name] of STATUS_NAMES.entries()) expect(Status[Status[i as 0] as keyof typeof Status]).toBe(i), void name;
  expect(Object.keys(Status).filter((k) => isNaN(Number(k))).length).toBe(STATUS_NAMES.length);
});
void statusOf;

describe("READ", () => {
  it("returns application flash and refuses anything outside the application region", async () => {
    const { sim, app } = await installedBoard();
    sim.triggerPressed = true;
    const request = (address: number, length: number) => {
      const p = new Uint8Array(6);
      new DataView(p.buffer).setUint32(0, address, true);
      new DataView(p.buffer).setUint16(4, length, true);
      return p;
    };
    sim.uart.deliver(
      concat([
        encodeFrame(Command.Read, 1, request(board.app.start + 100, 200)),
        encodeFrame(Command.Read, 2, request(0x08000000, 16)),
        encodeFrame(Command.Read, 3, request(board.app.start, 257)),
        encodeFrame(Command.Read, 4, request(board.app.start + board.app.size - 4, 8)),
      ]),
      0,
    );
    await runBootloaderInNode(sim);
    const replies = repliesIn(sim.uart.takeTx());
    expect(replies.map((f) => [f.seq, STATUS_NAMES[f.payload[0]]])).toEqual([[1, "ok"], [2, "bad address"], [3, "bad address"], [4, "bad address"]]);
    expect(replies[0].payload.subarray(1)).toEqual(app.subarray(100, 300));
  });
});
