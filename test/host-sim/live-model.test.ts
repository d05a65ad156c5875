/**
 * The device model in live mode (real time, the UART on TCP): an erase takes its datasheet time for real,
 * input pins, and the resets a board does by itself — a panic and the watchdog — after which the device
 * boots again and reports why. Each case takes under a second or two of real time.
 */
import net from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadBoardLayout } from "../../host/sim/board-c";
import { buildHostSim, type HostSim } from "../../host/sim/build";
import { startLive, type LiveSim } from "../../host/sim/run";
import { BOARD, Command, have, NativeClient, testApplication, testImage } from "./helpers";
import { buildProbe } from "./probe-build";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const gcc = have("gcc");

/** Everything a client receives until `pattern` matches the text (or the time is up). */
async function receiveUntil(port: number, pattern: RegExp, timeoutMs: number): Promise<string> {
  const socket = net.connect(port, "127.0.0.1");
  let text = "";
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      socket.on("data", (d) => {
        text += d.toString("latin1");
        if (pattern.test(text)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    socket.destroy();
  }
  return text;
}

describe.skipIf(!gcc)(`the device model in live mode${gcc ? "" : " (skipped: host gcc is not on PATH; bash scripts/setup.sh installs it)"}`, () => {
  let sim: HostSim;
  let probe: HostSim;
  const running: LiveSim[] = [];

  beforeAll(async () => {
    sim = await buildHostSim({ board: BOARD });
    const layout = loadBoardLayout(BOARD);
    probe = { binary: await buildProbe("reset", layout), outDir: "", layout, hash: "", cached: true };
  }, 240_000);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((l) => l.close()));
  });

  async function live(options: Omit<Parameters<typeof startLive>[0], "board">): Promise<LiveSim> {
    const l = await startLive({ board: BOARD, sim, ...options });
    running.push(l);
    return l;
  }

  it("BEGIN on a board with an application waits for the status log's 16 KB erase in real time: 250 ms typical, none with --flash-timing none", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-live-model-"));
    const preload = path.join(dir, "app.tsb");
    fs.writeFileSync(preload, testImage());
    const image = testImage(testApplication(4096, 4), "2.0.0");
    const took: Record<string, number> = {};
    for (const flashTiming of ["typ", "none"] as const) {
      const l = await live({ preload, updateFlag: 0x55425354, flashTiming });
      const client = await NativeClient.connect(l.port);
      const start = performance.now();
      expect((await client.request(Command.Begin, 1, image.subarray(0, 72), 5000)).payload[0]).toBe(0);
      took[flashTiming] = performance.now() - start;
      await client.close();
    }
    fs.rmSync(dir, { recursive: true, force: true });
    expect(took.typ).toBeGreaterThanOrEqual(250);
    expect(took.typ - took.none).toBeGreaterThanOrEqual(150);
  });

  it("--pin PC13=0 holds the trigger (active low on this board): the bootloader stays and says why", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-live-model-"));
    const preload = path.join(dir, "app.tsb");
    fs.writeFileSync(preload, testImage());
    const l = await live({ preload, pins: ["PC13=0", "PB5=1"], resetOnConnect: true });
    expect(await receiveUntil(l.port, /update: trigger pin\r\n/, 3000)).toContain("update: trigger pin\r\n");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a panic resets the board, which boots again and sees the fault record (kind 7, the TypeScript line)", async () => {
    // The reset probe panics when its update-request word is 1, which a reset keeps: it panics at every boot.
    const l = await startLive({ board: BOARD, sim: probe, updateFlag: 1, resetOnConnect: true });
    running.push(l);
    const text = await receiveUntil(l.port, /fault 7 line \d+\r\n/, 3000);
    expect(text).toMatch(/cause 2 fault 0 line 0\r\n/); // the first boot: power-on
    expect(text).toMatch(/cause 4 fault 7 line \d+\r\n/);
    await l.waitForLine(/PANIC 3 .*main\.ts:\d+ probe: a deliberate panic: the fault is recorded, and the board resets/);
  });

  it("the option-byte watchdog resets a device that does not refresh it (after about 0.5 s), which boots again reporting an IWDG reset", async () => {
    const l = await startLive({ board: BOARD, sim: probe, updateFlag: 2, watchdogHardware: true, resetOnConnect: true });
    running.push(l);
    const start = performance.now();
    const text = await receiveUntil(l.port, /cause 8 fault 0 line 0\r\n/, 4000);
    expect(text).toMatch(/cause 8 fault 0 line 0\r\n/);
    expect(performance.now() - start).toBeGreaterThanOrEqual(500);
    await l.waitForLine(/watchdog reset/);
  });
});
