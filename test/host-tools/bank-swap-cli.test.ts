/**
 * `tsboot flash --verify` on a bank-swap board (docs/slots.md), against the real bootloader in the host
 * simulation: INSTALL resets the device to apply the swap, so the flasher reads the download back in the
 * secondary slot (INFO reports where it starts; READ reaches it) before it installs. After the reset the new
 * image is the installed one.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadBoard } from "../../boards/index";
import { flashCommand, infoCommand } from "../../host/cli-tools";
import { buildImage, encodeVersion } from "../../host/image-format";
import { capture, makeApp, tempDir } from "./helpers";

const BOARD = "nucleo-h743zi2-banks";
const board = loadBoard(BOARD);
const APP = board.memoryMap.application.start;

let run: typeof import("../../host/sim/run");
let sim: Awaited<ReturnType<typeof import("../../host/sim/build")["buildHostSim"]>>;
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dir = tempDir();
  run = await import("../../host/sim/run");
  sim = await (await import("../../host/sim/build")).buildHostSim({ board: BOARD });
}, 180_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tsb(name: string, version: string, seed: number): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, buildImage(makeApp(board, 20_000, seed), { appVersion: encodeVersion(version), boardId: board.boardId, loadAddress: APP }));
  return p;
}

describe("--verify on a bank-swap board", () => {
  it("reads the download back in the secondary slot before INSTALL; after the reset the new image is the installed one", async () => {
    const live = await run.startLive({ board: BOARD, sim, preload: tsb("v1.tsb", "1.0.0", 1), trigger: true });
    cleanups.push(() => live.close());
    const port = `tcp://127.0.0.1:${live.port}`;

    let c = capture();
    expect(await infoCommand(["--port", port, "--json"], c.io), c.err()).toBe(0);
    expect(JSON.parse(c.out()).slots).toMatchObject({ mode: "swap", bankSwap: true, secondaryStart: APP + 0x100000 });

    c = capture();
    expect(await flashCommand([tsb("v2.tsb", "2.0.0", 2), "--port", port, "--verify", "--permanent"], c.io), c.err()).toBe(0);
    expect(c.out()).toContain("verified");
    // The swap's reset; the trigger pin still held, the bootloader serves again (after recording the swap).
    await live.waitForLine(/system reset/);
    c = capture();
    expect(await infoCommand(["--port", port, "--json"], c.io), c.err()).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({ appValid: true, appVersion: "2.0.0", slots: { secondary: "previous", secondaryVersion: "1.0.0" } });
  }, 120_000);
});
