/**
 * The AN3155 subset in Node: what stm32flash sends, byte for byte, and what the ROM bootloader would
 * answer — and the refusals that keep everything outside the application region untouched.
 */
import { describe, expect, it } from "vitest";
import { nucleoF411Layout } from "../../hal-bindings/sim/board-layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { makeApplication } from "./fixtures";
import { runBootloaderInNode } from "./node-run";
import { ACK, NACK, address, cmd, extendedErase as eraseSectors, readMemory, writeMemory } from "./an3155-requests";

const board = nucleoF411Layout();

/** A board in update mode with marker bytes in the bootloader region (which nothing may change). */
function boardInUpdateMode(): Simulation {
  const sim = new Simulation(board);
  sim.flash.bytes.fill(0x5a, 0, 0x100);
  return sim;
}

describe("AN3155 subset", () => {
  it("answers sync, GET, GET VERSION and GET ID like the ROM bootloader", async () => {
    const sim = boardInUpdateMode();
    sim.idleLimitUs = 40_000_000; // past the 30 s session timeout, so the session ends by itself
    sim.uart.deliver([0x7f, ...cmd(0x00), ...cmd(0x01), ...cmd(0x02)], 0);
    await runBootloaderInNode(sim);
    const tx = [...sim.uart.takeTx()];
    const start = tx.indexOf(ACK);
    expect(tx.slice(start)).toEqual([
      ACK,
      ACK, 9, 0x31, 0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, ACK,
      ACK, 0x31, 0, 0, ACK,
      ACK, 1, 0x04, 0x31, ACK,
    ]);
    expect(sim.uart.evenParity).toBe(false); // back to 8N1 after the session
  });

  it("erases, writes, reads back and starts an application (adopting the raw image)", async () => {
    const sim = boardInUpdateMode();
    const app = makeApplication(board, 512, 5);
    sim.uart.deliver(
      [
        0x7f,
        ...eraseSectors([2]),
        ...writeMemory(board.app.start, app.subarray(0, 256)),
        ...writeMemory(board.app.start + 256, app.subarray(256)),
        ...readMemory(board.app.start, 256),
        ...readMemory(board.app.start + 256, 256),
        ...cmd(0x21),
        ...address(board.app.start),
      ],
      0,
    );
    const outcome = await runBootloaderInNode(sim);
    expect(outcome).toMatchObject({ kind: "application", stackPointer: board.ram.start + board.ram.size });
    expect(sim.flash.view(board.app.start, 512)).toEqual(app);
    const tx = [...sim.uart.takeTx()];
    // Each READ answers ACK (command), ACK (address), ACK (length), then the data; GO answers ACK, ACK.
    const tail = tx.slice(-(2 * (3 + 256) + 2));
    expect(Uint8Array.from(tail.slice(3, 259))).toEqual(app.subarray(0, 256));
    expect(Uint8Array.from(tail.slice(262, 518))).toEqual(app.subarray(256, 512));
    expect(tail.slice(-2)).toEqual([ACK, ACK]);
    expect(sim.flash.bytes.subarray(0, 0x100).every((b) => b === 0x5a)).toBe(true);
    // The adopted image keeps booting after a reset, without any host.
    expect((await runBootloaderInNode(sim.rebooted())).kind).toBe("application");
  });

  it("refuses addresses and sectors outside the application region", async () => {
    const sim = boardInUpdateMode();
    sim.uart.deliver(
      // Like stm32flash, the host stops sending a command's remaining bytes once it is NACKed.
      [
        0x7f,
        ...writeMemory(0x08000000, new Uint8Array(16)).slice(0, 7),
        ...readMemory(0x08000000, 16).slice(0, 7),
        ...eraseSectors([0]),
        ...eraseSectors([1]),
        ...cmd(0x21),
        ...address(0x08000000),
        ...cmd(0x43),
      ],
      0,
    );
    await runBootloaderInNode(sim);
    const tx = [...sim.uart.takeTx()];
    const answers = tx.slice(tx.indexOf(ACK));
    expect(answers).toEqual([
      ACK,
      ACK, NACK, // write: the address is refused
      ACK, NACK, // read: the address is refused
      ACK, NACK, // erase sector 0 (bootloader)
      ACK, NACK, // erase sector 1 (config)
      ACK, NACK, // go elsewhere than the application start
      NACK, // ERASE (0x43) is not supported
    ]);
    expect(sim.flash.bytes.subarray(0, 0x100).every((b) => b === 0x5a)).toBe(true);
    expect(sim.flash.operations).toBe(0);
  });

  it("refuses GO when there is no sane application, and a mass erase erases only the application region", async () => {
    const sim = boardInUpdateMode();
    sim.flash.bytes.fill(0x00, board.app.start - 0x08000000, board.app.start - 0x08000000 + 64);
    sim.uart.deliver([0x7f, ...cmd(0x21), ...address(board.app.start), ...cmd(0x44), 0xff, 0xff, 0x00], 0);
    await runBootloaderInNode(sim);
    const tx = [...sim.uart.takeTx()];
    expect(tx.slice(tx.indexOf(ACK))).toEqual([ACK, ACK, NACK, ACK, ACK]);
    expect(sim.flash.view(board.app.start, 64).every((b) => b === 0xff)).toBe(true);
    expect(sim.flash.bytes.subarray(0, 0x100).every((b) => b === 0x5a)).toBe(true);
  });

  it("NACKs a command whose complement is wrong and a write whose checksum is wrong", async () => {
    const sim = boardInUpdateMode();
    const bad = writeMemory(board.app.start, new Uint8Array([1, 2, 3, 4]));
    bad[bad.length - 1] ^= 0xff;
    sim.uart.deliver([0x7f, 0x00, 0x00, ...bad], 0);
    await runBootloaderInNode(sim);
    const tx = [...sim.uart.takeTx()];
    expect(tx.slice(tx.indexOf(ACK))).toEqual([ACK, NACK, ACK, ACK, NACK]);
    expect(sim.flash.operations).toBe(0);
  });
});
