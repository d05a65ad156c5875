/**
 * The flasher and the CLI against the real bootloader: host/sim's live simulator (bootloader-ts compiled
 * to C, built with the host gcc, serving its UART on TCP). Flash, read back, boot; a cut connection then a
 * second flash; refusals that must leave the installed application alone.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { loadBoard } from "../../boards/index";
import { flashCommand, infoCommand, readCommand } from "../../host/cli-tools";
import { Flasher, FlasherError, HALF_WRITTEN_NOTE } from "../../host/flasher/index";
import { buildImage, encodeVersion } from "../../host/image-format";
import { capture, makeApp, REPO, startCuttingProxy, tempDir } from "./helpers";

const BOARD = "nucleo-f411re";
const board = loadBoard(BOARD);
const APP = board.memoryMap.application.start;

type RunModule = typeof import("../../host/sim/run");
type LiveSim = Awaited<ReturnType<RunModule["startLive"]>>;
type HostSim = Awaited<ReturnType<typeof import("../../host/sim/build")["buildHostSim"]>>;

let run: RunModule | null = null;
let sim: HostSim | null = null;
let unavailable = "";
let dir: string;

beforeAll(async () => {
  dir = tempDir();
  if (!fs.existsSync(path.join(REPO, "host/sim/run.ts"))) {
    unavailable = "host/sim/run.ts is not there yet";
    return;
  }
  try {
    run = await import("../../host/sim/run");
    const build = await import("../../host/sim/build");
    sim = await build.buildHostSim({ board: BOARD });
  } catch (e) {
    unavailable = `the host simulator could not be built: ${(e as Error).message.split("\n")[0]}`;
  }
}, 120_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function image(payload: Uint8Array, version: string, boardId = board.boardId): Uint8Array {
  return buildImage(payload, { appVersion: encodeVersion(version), boardId, loadAddress: APP });
}

function file(name: string, data: Uint8Array): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return p;
}

/** A live simulator (skips the test, saying why, when there is none). */
async function live(ctx: TestContext, options: { preload?: Uint8Array; stay?: boolean } = {}): Promise<{ sim: LiveSim; url: string }> {
  if (!run || !sim) ctx.skip(unavailable);
  const preload = options.preload ? file(`preload-${Math.random().toString(36).slice(2)}.tsb`, options.preload) : undefined;
  // No baud rate on the line: these tests check the flasher's behaviour, not its speed (a 150 KB update and
  // its read-back take about 30 s at a real 115200 baud).
  // A device holding an application listens only briefly after a reset (the listen window), then starts it;
  // these tests hold the trigger pin, so that it stays in update mode however late the host connects.
  const s = await run!.startLive({ board: BOARD, sim: sim!, preload, stay: options.stay, uartTiming: "none", trigger: preload !== undefined });
  cleanups.push(() => s.close());
  return { sim: s, url: `tcp://127.0.0.1:${s.port}` };
}

async function open(url: string): Promise<Flasher> {
  const f = await Flasher.open(url);
  cleanups.push(() => f.close());
  return f;
}

async function failure(p: Promise<unknown>): Promise<FlasherError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FlasherError);
    return e as FlasherError;
  }
  throw new Error("expected a FlasherError");
}

describe("against the host simulation", () => {
  it("flash, read back with READ, boot: the simulation starts the application", async (ctx) => {
    const { sim: s, url } = await live(ctx);
    const f = await open(url);
    const app = makeApp(board, 150_000, 11);
    const r = await f.flash(image(app, "1.2.3"), { verify: true });
    const info = await f.info();
    // The flasher keeps as many WRITEs in flight as the device's window (sized by board data to its ring).
    expect(r).toMatchObject({ bytes: 150_000, verified: true, booted: false, window: info.window });
    expect(info.window).toBeGreaterThan(4);
    expect(info).toMatchObject({ boardName: BOARD, appValid: true, appVersionText: "1.2.3", appStart: APP });
    expect(Buffer.compare(await f.read(APP, app.length), app)).toBe(0);
    await f.boot();
    const started = await s.waitForLine(/application started/);
    expect(started).toBe(`tsboot-sim: application started sp=0x${(board.ram.base + board.ram.size).toString(16).padStart(8, "0")} pc=0x08008101 vtor=0x08008000`);
  });

  it("a connection cut mid-transfer leaves no valid image; a second flash succeeds", async (ctx) => {
    const { sim: s, url } = await live(ctx, { preload: image(makeApp(board, 4000, 2), "1.0.0"), stay: true });
    const port = Number(url.split(":").pop());
    const proxy = await startCuttingProxy(port, 60_000);
    cleanups.push(() => proxy.close());
    const before = await open(proxy.url).then(async (f) => {
      const i = await f.info();
      await f.close();
      return i;
    });
    expect(before).toMatchObject({ appValid: true, appVersionText: "1.0.0" });

    const app = makeApp(board, 120_000, 12);
    const tsb = image(app, "2.0.0");
    const first = await open(proxy.url);
    const e = await failure(first.flash(tsb));
    expect(e.code).toBe("connection-lost");
    expect(e.message).toMatch(/was lost during the transfer, after \d+ of 120000 bytes\. /);
    expect(e.message).toContain(HALF_WRITTEN_NOTE);
    expect(proxy.cuts).toBe(1);

    // At once, as a user retrying does: the simulated UART is free as soon as the cut client is gone, even with
    // bytes of its still unread (hal-bindings/host/sim_main.c, client_hung_up).
    const second = await open(url);
    expect(await second.info()).toMatchObject({ appValid: false, appVersion: 0 }); // the old one went at BEGIN, nothing half-written is valid
    const r = await second.flash(tsb, { verify: true, boot: true });
    expect(r.booted).toBe(true);
    await s.waitForLine(/application started .* pc=0x08008101/);
  });

  it("refusals leave the installed application alone: another board's image, a corrupted .tsb", async (ctx) => {
    const { url } = await live(ctx, { preload: image(makeApp(board, 4000, 3), "1.0.0") });
    const f = await open(url);
    const f401 = loadBoard("nucleo-f401re");
    let e = await failure(f.flash(image(makeApp(board, 4000), "2.0.0", f401.boardId)));
    expect(e.message).toBe(
      "image built for nucleo-f401re (0x04330001) but the device is nucleo-f411re (0x04310001): rebuild it with `tsboot image … --board nucleo-f411re`",
    );
    const corrupted = image(makeApp(board, 4000), "2.0.0");
    corrupted[64 + 100] ^= 0xff;
    e = await failure(f.flash(corrupted));
    expect(e.message).toBe("not a valid tsboot image: the payload is corrupted (CRC mismatch) — rebuild it with `tsboot image`");
    expect(await f.info()).toMatchObject({ appValid: true, appVersionText: "1.0.0" });
  });

  it("the CLI: flash --json, info, read -o", async (ctx) => {
    const { sim: s, url } = await live(ctx, { stay: true });
    const app = makeApp(board, 20_000, 13);
    const tsb = file("cli.tsb", image(app, "4.5.6"));
    let c = capture();
    expect(await flashCommand([tsb, "--port", url, "--json", "--no-boot"], c.io)).toBe(0);
    expect(c.err()).toBe("");
    const j = JSON.parse(c.out());
    expect(j).toMatchObject({ ok: true, bytes: 20_000, bytesSent: 20_000, retries: 0, booted: false, version: "4.5.6", device: { board: BOARD, boardId: "0x04310001" } });
    expect(j.bytesPerSecond).toBeGreaterThan(0);
    c = capture();
    expect(await infoCommand(["--port", url], c.io)).toBe(0);
    expect(c.out()).toContain("board:        nucleo-f411re (board id 0x04310001)");
    expect(c.out()).toContain("valid, version 4.5.6");
    const out = path.join(dir, "back.bin");
    c = capture();
    expect(await readCommand(["--port", url, "--address", "0x08008000", "--length", "20000", "-o", out], c.io)).toBe(0);
    expect(Buffer.compare(fs.readFileSync(out), app)).toBe(0);
    c = capture(true);
    expect(await flashCommand([tsb, "--port", url], c.io)).toBe(0);
    expect(c.err()).toMatch(/writing {3}\[#+\] 100%/);
    expect(c.out()).toMatch(/^flashed cli\.tsb: 20000 bytes, version 4\.5\.6, to nucleo-f411re in [\d.]+ s, .*, 0 retries; application started\n$/);
    await s.waitForLine(/application started/);
  });
});
