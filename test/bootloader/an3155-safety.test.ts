/**
 * Issue 9's AN3155 defects, each as a regression test: GO adopting a half-written image (#3), an
 * EXTENDED ERASE list longer than the part (#9), a refused WRITE MEMORY wiping the installed application
 * (#11).
 */
import { describe, expect, it } from "vitest";
import { nucleoF411Layout } from "../../hal-bindings/sim/board-layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { concat, makeApplication, makeImage, updateFrames } from "./fixtures";
import { runBootloaderInNode } from "./node-run";
import { ACK, NACK, address, cmd, extendedErase as eraseSectors, writeMemory } from "./an3155-requests";

const board = nucleoF411Layout();
const go = () => [...cmd(0x21), ...address(board.app.start)];
/** The device's answers after the session's first ACK. */
const answers = (sim: Simulation) => {
  const tx = [...sim.uart.takeTx()];
  return tx.slice(tx.indexOf(ACK));
};

async function installed(): Promise<{ sim: Simulation; app: Uint8Array }> {
  const sim = new Simulation(board);
  const app = makeApplication(board, 20_000, 3);
  sim.uart.deliver(concat(updateFrames(makeImage(board, app, "1.0.0"), 1024, false)), 0);
  expect((await runBootloaderInNode(sim)).kind).toBe("idle");
  sim.uart.takeTx();
  return { sim: sim.rebooted(), app };
}

describe("GO adopts only an image this same session erased and wrote completely (#3)", () => {
  it("after a native update interrupted at 2 of 20 WRITEs, GO is refused and the device stays updatable", async () => {
    const sim = new Simulation(board);
    const frames = updateFrames(makeImage(board, makeApplication(board, 20_000, 4)), 1024, false);
    sim.uart.deliver(concat(frames.slice(0, 4)), 0); // INFO, BEGIN, 2 WRITEs; then the host is gone
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    const next = sim.rebooted();
    next.uart.deliver([0x7f, ...go()], 0);
    expect((await runBootloaderInNode(next)).kind).toBe("idle");
    expect(answers(next)).toEqual([ACK, ACK, NACK]);
    expect((await runBootloaderInNode(next.rebooted())).kind).toBe("idle"); // still no valid application
  });

  it("after an interrupted stm32flash -w, a later stm32flash -g (a new client) is refused", async () => {
    const sim = new Simulation(board);
    const app = makeApplication(board, 1024, 5);
    // First client: erases sector 2 and writes the first 256 bytes (a sane vector table), then vanishes.
    // Second client (a new 0x7F inside the open session, as stm32flash sends): GO.
    sim.uart.deliver([0x7f, ...eraseSectors([2]), ...writeMemory(board.app.start, app.subarray(0, 256))], 0);
    sim.uart.deliver([0x7f, ...go()], 5_000_000);
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    const a = answers(sim);
    // The write's final ACK; the new 0x7F NACKed (already synced); GO: ACK for the command, NACK for the address.
    expect(a.slice(-4)).toEqual([ACK, NACK, ACK, NACK]);
  });

  it("writes into a region this session did not erase are not adopted", async () => {
    const sim = new Simulation(board); // blank: sector 2 is already erased, but not by this session
    const app = makeApplication(board, 512, 6);
    sim.uart.deliver([0x7f, ...writeMemory(board.app.start, app.subarray(0, 256)), ...writeMemory(board.app.start + 256, app.subarray(256)), ...go()], 0);
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    expect(answers(sim).slice(-3)).toEqual([ACK, ACK, NACK]);
  });

  it("an image with a gap (not written contiguously from the application start) is not adopted", async () => {
    const sim = new Simulation(board);
    const app = makeApplication(board, 1024, 7);
    sim.uart.deliver([0x7f, ...eraseSectors([2]), ...writeMemory(board.app.start, app.subarray(0, 256)), ...writeMemory(board.app.start + 512, app.subarray(512, 768)), ...go()], 0);
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    expect(answers(sim).slice(-3)).toEqual([ACK, ACK, NACK]);
  });
});

describe("EXTENDED ERASE reads everything the host sends and acts on nothing it cannot (#9)", () => {
  it("a list of 200 units on an 8-sector part is NACKed whole; bytes that would form a mass erase never run", async () => {
    const { sim } = await installed();
    sim.triggerPressed = true;
    // 200 unit numbers. The old parser took 128 pairs, its checksum from the middle, and ran the rest as
    // commands: put a complete EXTENDED ERASE 0xFFFF (mass erase) just after pair 128.
    const units: number[] = [];
    for (let i = 0; i < 200; i++) units.push(2);
    const massErase = [0x44, 0xbb, 0xff, 0xff, 0x00];
    const list = eraseSectors(units);
    const afterPair128 = 2 + 2 + 128 * 2; // code, complement, count (2), 128 pairs
    list.splice(afterPair128, massErase.length, ...massErase);
    // Fix the checksum of the whole list so only the length is wrong.
    const body = list.slice(2, -1);
    list[list.length - 1] = body.reduce((x, b) => x ^ b, 0);
    const before = sim.flash.operations;
    sim.uart.deliver([0x7f, ...list], 0);
    await runBootloaderInNode(sim);
    expect(answers(sim)).toEqual([ACK, ACK, NACK]);
    expect(sim.flash.operations).toBe(before);
    expect((await runBootloaderInNode(sim.rebooted())).kind).toBe("application");
  });

  it("a list naming a unit twice erases it once; a unit outside the application region refuses the whole list", async () => {
    const sim = new Simulation(board);
    sim.flash.bytes.fill(0, board.app.start - 0x08000000, board.app.start - 0x08000000 + 16); // sector 2 not blank
    sim.uart.deliver([0x7f, ...eraseSectors([2, 2]), ...eraseSectors([3, 1])], 0);
    await runBootloaderInNode(sim);
    expect(answers(sim)).toEqual([ACK, ACK, ACK, ACK, NACK]);
    expect(sim.flash.log.filter((l) => l.startsWith("erase"))).toEqual(["erase 2"]);
  });
});

describe("a refused WRITE MEMORY changes nothing (#11)", () => {
  it.each([
    ["misaligned", 2],
    ["onto bytes that are not erased (the installed application)", 0],
  ])("%s: NACKed, and the installed application still boots", async (_, offset) => {
    const { sim } = await installed();
    sim.triggerPressed = true;
    const before = sim.flash.operations;
    sim.uart.deliver([0x7f, ...writeMemory(board.app.start + offset, new Uint8Array(16).fill(0x11))], 0);
    await runBootloaderInNode(sim);
    expect(answers(sim)).toEqual([ACK, ACK, ACK, NACK]);
    expect(sim.flash.operations).toBe(before);
    expect((await runBootloaderInNode(sim.rebooted())).kind).toBe("application");
  });
});

describe("WRITE PROTECT / WRITE UNPROTECT protect only the bootloader region", () => {
  it("the bootloader's own unit list is protected, then the device resets like the ROM", async () => {
    const sim = new Simulation(board);
    sim.uart.deliver([0x7f, ...cmd(0x63), 0, 0, 0], 0); // N = 0: one unit, sector 0; checksum 0 ^ 0
    expect((await runBootloaderInNode(sim)).kind).toBe("reset");
    expect(answers(sim)).toEqual([ACK, ACK, ACK]);
    expect(sim.flash.protectedBootloader).toBe(true);
    const next = sim.rebooted();
    next.uart.deliver([0x7f, ...cmd(0x73)], 0);
    expect((await runBootloaderInNode(next)).kind).toBe("reset");
    expect(answers(next)).toEqual([ACK, ACK, ACK]);
    expect(next.flash.protectedBootloader).toBe(false);
  });

  it("a list with an application sector is NACKed: protecting it would stop every update", async () => {
    const sim = new Simulation(board);
    sim.uart.deliver([0x7f, ...cmd(0x63), 1, 0, 2, 1 ^ 0 ^ 2], 0);
    expect((await runBootloaderInNode(sim)).kind).toBe("idle");
    expect(answers(sim)).toEqual([ACK, ACK, NACK]);
    expect(sim.flash.protectedBootloader).toBe(false);
  });
});
