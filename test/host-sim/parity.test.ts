/**
 * The host simulator (the bootloader compiled to C on hal-bindings/host) against the Node simulation
 * (bootloader-ts on hal-bindings/sim): the same scripted session must end the same way at the same virtual
 * time, with the same bytes on the UART and the same flash.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { loadBoardLayout } from "../../host/sim/board-c";
import { Command, encodeFrame } from "../../host/frames";
import { decodeHalf, EntryType } from "../../host/image/status-log";
import { buildHostSim, type HostSim } from "../../host/sim/build";
import { runScripted, type ScriptedOptions, type ScriptedResult } from "../../host/sim/run";
import { an3155Script, APP_PC, APP_SP, APP_START, asScripted, BOARD, expectSameRun, have, nativeUpdateScript, testApplication, testImage } from "./helpers";

const gcc = have("gcc");
if (!gcc) console.warn("test/host-sim/parity: skipped, gcc is not installed");

const UPDATE_REQUEST_MAGIC = 0x55425354;
const FLASH_BASE = 0x08000000;
const CONFIG_START = 0x08004000;

describe.skipIf(!gcc)(`host simulator ≡ Node simulation (scripted sessions)${gcc ? "" : " (skipped: host gcc is not on PATH; bash scripts/setup.sh installs it)"}`, () => {
  let sim: HostSim;
  beforeAll(async () => {
    sim = await buildHostSim({ board: BOARD });
  });

  type Options = Omit<ScriptedOptions, "board" | "engine" | "sim" | "preload"> & { preload?: Uint8Array };

  /** The Node simulation in this process, on freshly loaded modules (the bootloader's static RAM). */
  async function inNode(options: Options): Promise<ScriptedResult> {
    vi.resetModules();
    const { runInNode } = await import("../../host/sim/node-run");
    return asScripted(runInNode({ layout: loadBoardLayout(BOARD), ...options }));
  }

  async function both(options: Options): Promise<{ c: ScriptedResult; node: ScriptedResult }> {
    const c = await runScripted({ board: BOARD, sim, idleUs: 2_000_000, ...options });
    const node = await inNode({ idleUs: 2_000_000, ...options });
    expectSameRun(c, node);
    return { c, node };
  }

  const text = (r: ScriptedResult) => Buffer.from(r.transcript).toString("latin1");
  const at = (r: ScriptedResult, address: number, length: number) => r.flash.subarray(address - FLASH_BASE, address - FLASH_BASE + length);
  /** The primary image's header as the status log in the config region records it last. */
  const primaryRecord = (r: ScriptedResult) => {
    const image = decodeHalf(at(r, CONFIG_START, 0x4000)).filter((e) => e.valid && e.type === EntryType.Image && e.arg === 0).pop();
    return image ? Buffer.from(image.data) : null;
  };

  it("blank flash: banner, no valid application, idle", async () => {
    const { c } = await both({});
    expect(c.outcome).toEqual({ outcome: "idle" });
    expect(text(c)).toBe("tsboot 0.2.0\r\nupdate: no valid application\r\n");
  });

  it("a native update, then BOOT, starts the application", async () => {
    const image = testImage();
    const { c } = await both({ script: nativeUpdateScript(image) });
    expect(c.outcome).toEqual({ outcome: "application", sp: APP_SP, pc: APP_PC, vtor: APP_START });
    expect(Buffer.from(at(c, APP_START, 4096))).toEqual(Buffer.from(image.subarray(64)));
    expect(primaryRecord(c)).toEqual(Buffer.from(image.subarray(0, 64)));
  });

  it("power cuts during a native update", async () => {
    const image = testImage();
    const full = await runScripted({ board: BOARD, sim, script: nativeUpdateScript(image), idleUs: 2_000_000 });
    const total = full.flashOperations;
    expect(total).toBeGreaterThan(1024);
    for (const cut of [1, 2, 700, total - 16, total]) {
      const { c } = await both({ script: nativeUpdateScript(image), cutPowerAt: cut });
      expect(c.outcome).toEqual({ outcome: "power-cut", operation: cut });
    }
  });

  it("an AN3155 session (what stm32flash sends), then GO, adopts and starts the raw image", async () => {
    const app = testApplication();
    const { c } = await both({ script: an3155Script(app) });
    expect(c.outcome).toEqual({ outcome: "application", sp: APP_SP, pc: APP_PC, vtor: APP_START });
    expect(Buffer.from(at(c, APP_START, 4096))).toEqual(Buffer.from(app));
    expect(primaryRecord(c)?.toString("latin1", 0, 4)).toBe("TSB1");
  });

  it("an installed application starts after the 100 ms listen window", async () => {
    const { c } = await both({ preload: testImage() });
    expect(c.outcome).toEqual({ outcome: "application", sp: APP_SP, pc: APP_PC, vtor: APP_START });
    expect(c.nowUs).toBeGreaterThanOrEqual(100_000);
    expect(c.nowUs).toBeLessThan(110_000);
    expect(text(c)).toBe(""); // nothing on the application's line
  });

  it("the update flag and the trigger pin keep the bootloader in update mode", async () => {
    const flagged = await both({ preload: testImage(), updateFlag: UPDATE_REQUEST_MAGIC });
    expect(flagged.c.outcome).toEqual({ outcome: "idle" });
    expect(text(flagged.c)).toBe("tsboot 0.2.0\r\nupdate: requested by the application\r\n");
    const pressed = await both({ preload: testImage(), trigger: true });
    expect(text(pressed.c)).toBe("tsboot 0.2.0\r\nupdate: trigger pin\r\n");
  });

  it("a session opened inside the listen window is served, then the application gets its line back", async () => {
    // The session idles 2 s after its reply has been sent (the reply takes its time on the line): the run's
    // own idle stop must wait longer than that.
    const r = await both({ preload: testImage(), script: [{ atUs: 50_000, bytes: encodeFrame(Command.Info, 1) }], idleUs: 3_000_000 });
    expect(r.c.outcome).toEqual({ outcome: "application", sp: APP_SP, pc: APP_PC, vtor: APP_START });
    expect([...r.c.transcript.subarray(0, 2)]).toEqual([0xa5, 0x5a]); // the reply is the first byte on the wire
  });

  it("noise in the listen window (0xA5, 0x7F and garbage) does not keep the device", async () => {
    const r = await both({ preload: testImage(), script: [{ atUs: 10_000, bytes: [0xa5, 0x13] }, { atUs: 40_000, bytes: [0x7f, 0x55] }] });
    expect(r.c.outcome).toEqual({ outcome: "application", sp: APP_SP, pc: APP_PC, vtor: APP_START });
    expect([...r.c.transcript]).toEqual([0x79]);
  });

  it("a flash controller that fails every operation", async () => {
    const { c } = await both({ script: nativeUpdateScript(testImage(), { boot: false }), injectError: 10 });
    expect(c.outcome).toEqual({ outcome: "idle" });
    expect(c.flashOperations).toBeGreaterThan(0);
  });

  it("the virtual-time limit", async () => {
    const { c } = await both({ idleUs: 0, limitUs: 3_000_000 });
    expect(c.outcome).toEqual({ outcome: "timeout" });
    expect(c.nowUs).toBeGreaterThan(3_000_000);
  });
});
