/**
 * The bootloader's core flows on every family's boards, in Node (issue 13): the same bootloader-ts on each
 * board's simulated part, with its write unit (F0 2, L4 8, H7 32 bytes), its erase units (2 KB pages, 128 KB
 * sectors) and their datasheet timing, and on L4/H7 the ECC that makes a torn unit unreadable. The F4 boards
 * run the whole suite (the other files of this folder); here every other board runs a sample of it: a full
 * update, an update over an installed image, refusals, AN3155 write + GO, and an update at the datasheet's
 * maximum flash timing under a hardware watchdog with the host pacing itself on the replies. Power cuts per
 * board are in power-cut.test.ts, the C simulation's twin runs in test/host-sim/families.test.ts.
 */
import { describe, expect, it } from "vitest";
import { loadBoardLayout } from "../../boards/layout";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { Command, EVENT_PROGRESS, REPLY_BIT, STATUS_NAMES } from "../../host/frames";
import { concat, makeApplication, makeImage, repliesIn, textOf, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";
import { pacedHost } from "./paced-host";
import { ACK, NACK, address, cmd, extendedErase, readMemory, writeMemory } from "./an3155-requests";

/** Every board whose family is not F4 (the F4 boards are the rest of the suite's). */
export const FAMILY_BOARDS = ["nucleo-f072rb", "stm32f072b-disco", "nucleo-l476rg", "nucleo-h743zi2", "nucleo-h753zi"];


const finals = (tx: Uint8Array) => repliesIn(tx).filter((f) => f.command !== EVENT_PROGRESS);
const statuses = (tx: Uint8Array) => finals(tx).map((f) => STATUS_NAMES[f.payload[0]]);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe.each(FAMILY_BOARDS)("%s", (name) => {
  const board: BoardLayout = loadBoardLayout(name);
  const unit = board.writeUnit;
  /** An image whose payload ends inside a write unit, so the last unit is padded. */
  const appSize = 20_000 + (unit > 1 ? unit - 1 : 0);

  /** The host paces itself on the replies (four WRITEs in flight), as tsboot flash does: a 128 KB H7 sector
   * erase lasts 1-2 s, longer than the 8 KB ring takes to fill at 115200 baud. */
  async function update(sim: Simulation, image: Uint8Array, boot = true) {
    pacedHost(sim, updateFrames(image, 1024, boot));
    const outcome = await runBootloaderInNode(sim);
    return { outcome, tx: sim.uart.takeTx() };
  }

  /** A board with version 1.0.0 installed (done once; each caller gets its own copy of the flash). */
  let installedFlash: Uint8Array | null = null;
  async function installed(): Promise<{ sim: Simulation }> {
    if (!installedFlash) {
      const sim = new Simulation(board);
      expect((await update(sim, makeImage(board, makeApplication(board, appSize, 3), "1.0.0"), false)).outcome.kind).toBe("idle");
      installedFlash = Uint8Array.from(sim.flash.bytes);
    }
    return { sim: new Simulation(board, installedFlash) };
  }

  it(`the write unit is ${unit} bytes, the erase units ${board.sectors[0].size / 1024} KB`, () => {
    expect(unit).toBe({ stm32f0: 2, stm32l4: 8, stm32h7: 32 }[board.family]);
    expect(board.sectors.every((s) => s.size === board.sectors[0].size)).toBe(true);
  });

  it("a blank board stays in the bootloader; a full update (its last write unit padded) installs and boots the image", async () => {
    const blank = new Simulation(board);
    expect((await runBootloaderInNode(blank)).kind).toBe("idle");
    expect(textOf(blank.uart.takeTx())).toContain("update: no valid application");

    const sim = new Simulation(board);
    const app = makeApplication(board, appSize);
    const { outcome, tx } = await update(sim, makeImage(board, app, "1.2.3"));
    expect(outcome).toMatchObject({ kind: "application", stackPointer: board.ram.start + board.ram.size, vectorTable: board.app.start });
    expect(statuses(tx).every((s) => s === "ok")).toBe(true);
    expect(same(sim.flash.view(board.app.start, app.length), app)).toBe(true);
    // The padding of the last unit is erased-state 0xFF, as the image's CRC covered only the payload.
    const tail = (app.length + unit - 1) & ~(unit - 1);
    expect([...sim.flash.view(board.app.start + app.length, tail - app.length)].every((b) => b === 0xff)).toBe(true);
    expect(sim.flash.locked).toBe(true);
    // Installed: the next boot starts it after the listen window, with nothing on its line.
    const next = sim.rebooted();
    expect((await runBootloaderInNode(next)).kind).toBe("application");
    expect(next.uart.takeTx().length).toBe(0);
  });

  it("an update over an installed image erases what it needs and replaces it; the status log takes a new record in fresh units", async () => {
    const { sim } = await installed();
    sim.triggerPressed = true;
    const second = makeApplication(board, appSize - 1000, 9);
    const { outcome, tx } = await update(sim, makeImage(board, second, "2.0.0"));
    expect(outcome.kind).toBe("application");
    expect(statuses(tx).every((s) => s === "ok")).toBe(true);
    expect(same(sim.flash.view(board.app.start, second.length), second)).toBe(true);
    expect((await runBootloaderInNode(sim.rebooted())).kind).toBe("application");
  });

  it("refusals leave the installed image bootable: another board's image, one too big, a payload that fails its CRC", async () => {
    const cases: { image: Uint8Array; status: string; at: number; boots: "application" | "idle" }[] = [
      { image: makeImage(board, makeApplication(board, 4096), "2.0.0", { boardId: 0x1234 }), status: "wrong board", at: Command.Begin, boots: "application" },
      { image: makeImage(board, makeApplication(board, board.app.size + unit)), status: "too big", at: Command.Begin, boots: "application" },
      { image: (() => { const i = makeImage(board, makeApplication(board, 8192)); i[64 + 5000] ^= 1; return i; })(), status: "CRC mismatch", at: Command.End, boots: "idle" },
    ];
    for (const c of cases) {
      const { sim } = await installed();
      sim.triggerPressed = true;
      const frames = updateFrames(c.image, 1024, false);
      pacedHost(sim, c.at === Command.Begin ? [frames[0], frames[1], frames[frames.length - 1]] : frames);
      expect((await runBootloaderInNode(sim)).kind).toBe("idle");
      const refused = finals(sim.uart.takeTx()).find((f) => f.payload[0] !== 0);
      expect(refused?.command, c.status).toBe(c.at | REPLY_BIT);
      expect(STATUS_NAMES[refused!.payload[0]]).toBe(c.status);
      expect(sim.flash.locked).toBe(true);
      // Refused at BEGIN: nothing was touched. At END (the payload was written): no valid image, update mode.
      expect((await runBootloaderInNode(sim.rebooted())).kind, c.status).toBe(c.boots);
    }
  });

  it("AN3155 (stm32flash's sequence): extended erase, writes with an odd tail, read back, GO adopts the image; a write off the unit is NACKed", async () => {
    const sim = new Simulation(board);
    sim.flash.bytes.fill(0x5a, 0, 0x100); // the bootloader region, which nothing may change
    const app = makeApplication(board, 256 + 44, 5); // 44: not a whole number of 32-, 8- or 3-byte units
    const firstUnit = board.sectors.findIndex((s) => s.start === board.app.start);
    sim.uart.deliver(
      [
        0x7f,
        ...writeMemory(board.app.start + 1, new Uint8Array(4)), // off the write unit: NACKed after its data
        ...extendedErase([board.sectors[firstUnit].number]),
        ...writeMemory(board.app.start, app.subarray(0, 256)),
        ...writeMemory(board.app.start + 256, app.subarray(256)),
        ...readMemory(board.app.start, 256),
        ...cmd(0x21),
        ...address(board.app.start),
      ],
      0,
    );
    const outcome = await runBootloaderInNode(sim);
    const tx = [...sim.uart.takeTx()];
    expect(outcome).toMatchObject({ kind: "application", stackPointer: board.ram.start + board.ram.size });
    const answers = tx.slice(tx.indexOf(ACK));
    expect(answers.slice(0, 4)).toEqual([ACK, ACK, ACK, NACK]); // sync; the write's command and address, then its data refused
    expect(answers.slice(-2)).toEqual([ACK, ACK]);
    expect(Uint8Array.from(answers.slice(-2 - 256, -2))).toEqual(app.subarray(0, 256));
    expect(same(sim.flash.view(board.app.start, app.length), app)).toBe(true);
    expect(sim.flash.bytes.subarray(0, 0x100).every((b) => b === 0x5a)).toBe(true);
    expect((await runBootloaderInNode(sim.rebooted())).kind).toBe("application");
  });

  it("at the datasheet's maximum flash timing, under a hardware watchdog, a paced host's update completes with no bad frame and no watchdog reset", async () => {
    const { sim } = await installed();
    const next = new Simulation(board, sim.flash.bytes, { flashTiming: "max" });
    next.watchdog.hardware = true;
    next.triggerPressed = true;
    const app = makeApplication(board, 40_000, 12);
    pacedHost(next, updateFrames(makeImage(board, app, "3.0.0"), 1024, true));
    const outcome = await runBootloaderInNode(next);
    expect(outcome.kind).toBe("application");
    expect(next.watchdog.fired).toBe(false);
    const s = statuses(next.uart.takeTx());
    expect(s.filter((x) => x === "bad frame")).toEqual([]);
    expect(s.every((x) => x === "ok")).toBe(true);
    expect(same(next.flash.view(board.app.start, app.length), app)).toBe(true);
  });
});
