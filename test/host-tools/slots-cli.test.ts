/**
 * Issue 10 through the host tools against the real bootloader (the host simulation of nucleo-f411re-ab):
 * `tsboot flash` downloads, installs for a trial and boots; `tsboot info` shows both slots; the
 * application asks for update mode during its trial and `tsboot confirm` makes it permanent;
 * `--permanent` skips the trial. On a bank-swap board (nucleo-h743zi2-banks, docs/slots.md) INSTALL resets
 * the device, so `--verify` reads the download back in the secondary slot before it installs.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadBoard } from "../../boards/index";
import { confirmCommand, flashCommand, infoCommand } from "../../host/cli-tools";
import { buildImage, encodeVersion } from "../../host/image-format";
import { capture, makeApp, tempDir } from "./helpers";

type HostSim = Awaited<ReturnType<typeof import("../../host/sim/build")["buildHostSim"]>>;

let run: typeof import("../../host/sim/run");
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dir = tempDir();
  run = await import("../../host/sim/run");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A board's host simulation (built once per describe) and its images. */
function slotBoard(name: string) {
  const board = loadBoard(name);
  const target = { name, board, app: board.memoryMap.application.start, sim: null as HostSim | null };
  beforeAll(async () => {
    target.sim = await (await import("../../host/sim/build")).buildHostSim({ board: name });
  }, 180_000);
  const tsb = (file: string, version: string, seed: number): string => {
    const p = path.join(dir, `${name}-${file}`);
    fs.writeFileSync(p, buildImage(makeApp(board, 20_000, seed), { appVersion: encodeVersion(version), boardId: board.boardId, loadAddress: target.app }));
    return p;
  };
  const live = async (options: Omit<Parameters<typeof run.startLive>[0], "board" | "sim">) => {
    const l = await run.startLive({ board: name, sim: target.sim!, ...options });
    cleanups.push(() => l.close());
    return { live: l, port: `tcp://127.0.0.1:${l.port}` };
  };
  return { target, tsb, live };
}

describe("two slots through the host tools", () => {
  const { tsb, live: startLive } = slotBoard("nucleo-f411re-ab");
  it("flash installs for a trial; info shows both slots; confirm makes it permanent", async () => {
    const v1 = tsb("v1.tsb", "1.0.0", 1);
    // --stay: when an application starts it asks for update mode and resets, so the bootloader serves again.
    const { live, port } = await startLive({ preload: v1, stay: true, trigger: true });

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
    const { port } = await startLive({ stay: true, trigger: true });
    let c = capture();
    expect(await flashCommand([tsb("v3.tsb", "3.0.0", 3), "--port", port, "--permanent", "--no-boot"], c.io), c.err()).toBe(0);
    expect(c.out()).toContain("installed for good; left in the bootloader (--no-boot)");
    c = capture();
    expect(await infoCommand(["--port", port, "--json"], c.io)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({ appValid: true, appVersion: "3.0.0", slots: { trial: "none", lastEvent: "installed" } });
  }, 120_000);
});

describe("--verify on a bank-swap board", () => {
  const { target, tsb, live: startLive } = slotBoard("nucleo-h743zi2-banks");

  it("reads the download back in the secondary slot before INSTALL; after the reset the new image is the installed one", async () => {
    const { live, port } = await startLive({ preload: tsb("v1.tsb", "1.0.0", 1), trigger: true });

    let c = capture();
    expect(await infoCommand(["--port", port, "--json"], c.io), c.err()).toBe(0);
    expect(JSON.parse(c.out()).slots).toMatchObject({ mode: "swap", bankSwap: true, secondaryStart: target.app + 0x100000 });

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
