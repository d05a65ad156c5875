/**
 * Issue 10 through the host tools against the real bootloader (the host simulation of nucleo-f411re-ab):
 * `tsboot flash` downloads, installs for a trial and boots; `tsboot info` shows both slots; the
 * application asks for update mode during its trial and `tsboot confirm` makes it permanent;
 * `--permanent` skips the trial.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadBoard } from "../../boards/index";
import { confirmCommand, flashCommand, infoCommand } from "../../host/cli-tools";
import { buildImage, encodeVersion } from "../../host/image-format";
import { capture, makeApp, tempDir } from "./helpers";

const BOARD = "nucleo-f411re-ab";
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

describe("two slots through the host tools", () => {
  it("flash installs for a trial; info shows both slots; confirm makes it permanent", async () => {
    const v1 = tsb("v1.tsb", "1.0.0", 1);
    // --stay: when an application starts it asks for update mode and resets, so the bootloader serves again.
    const live = await run.startLive({ board: BOARD, sim, preload: v1, stay: true, trigger: true });
    cleanups.push(() => live.close());
    const port = `tcp://127.0.0.1:${live.port}`;

    let c = capture();
    expect(await flashCommand([tsb("v2.tsb", "2.0.0", 2), "--port", port], c.io), c.err()).toBe(0);
    expect(c.out()).toContain("installed for a trial (the application must confirm it, or the next reset reverts it); application started");
    await live.waitForLine(/the application requests an update and resets/);

    c = capture();
    expect(await infoCommand(["--port", port, "--json"], c.io), c.err()).toBe(0);
    const info = JSON.parse(c.out());
    expect(info).toMatchObject({ appValid: true, appVersion: "2.0.0" });
    expect(info.slots).toMatchObject({ mode: "swap", trial: "started", secondary: "previous", secondaryVersion: "1.0.0" });

    c = capture();
    expect(await confirmCommand(["--port", port], c.io), c.err()).toBe(0);
    c = capture();
    expect(await infoCommand(["--port", port, "--json"], c.io)).toBe(0);
    expect(JSON.parse(c.out()).slots).toMatchObject({ trial: "none", lastEvent: "confirmed" });
  }, 120_000);

  it("--permanent installs without a trial", async () => {
    const live = await run.startLive({ board: BOARD, sim, stay: true, trigger: true });
    cleanups.push(() => live.close());
    const port = `tcp://127.0.0.1:${live.port}`;
    let c = capture();
    expect(await flashCommand([tsb("v3.tsb", "3.0.0", 3), "--port", port, "--permanent", "--no-boot"], c.io), c.err()).toBe(0);
    expect(c.out()).toContain("installed for good; left in the bootloader (--no-boot)");
    c = capture();
    expect(await infoCommand(["--port", port, "--json"], c.io)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({ appValid: true, appVersion: "3.0.0", slots: { trial: "none", lastEvent: "installed" } });
  }, 120_000);
});
