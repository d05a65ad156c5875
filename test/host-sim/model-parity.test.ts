/**
 * The device model of issue 9 and issue 12, the same in the host simulator (C) and the Node simulation:
 * datasheet flash timing, the UART at its baud rate and framing with DMA and polled reception, power cuts
 * that tear a flash operation (from a seed) and cells that read differently after each reset, the watchdog,
 * panics that reset, and input pins. Every session runs in both and must give the same outcome, clock,
 * transcript, flash and boot state. Probe programs (test/host-sim/probes/) check one part of the model
 * without the bootloader; the rest runs the bootloader itself.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { Command, encodeFrame, FrameDecoder, REPLY_BIT } from "../../host/frames";
import { decodeInfo } from "../../host/flasher/flasher";
import { loadBoardLayout } from "../../host/sim/board-c";
import { buildHostSim, type HostSim } from "../../host/sim/build";
import { runScripted, type ScriptedOptions, type ScriptedResult } from "../../host/sim/run";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import { an3155Script, APP_START, asScripted, BOARD, expectSameRun, have, nativeUpdateScript, testApplication, testImage } from "./helpers";
import { buildProbe } from "./probe-build";

const gcc = have("gcc");
if (!gcc) console.warn("test/host-sim/model-parity: skipped, gcc is not installed");

const FLASH_BASE = 0x08000000;
const CONFIG_START = 0x08004000;

type Options = Omit<ScriptedOptions, "board" | "engine" | "sim" | "preload"> & { preload?: Uint8Array };

interface Both {
  c: ScriptedResult;
  node: ScriptedResult;
  /** The Node run's simulation (its transmitter's timestamps, its watchdog). */
  nodeSim: import("../../hal-bindings/sim/simulation").Simulation;
}

const text = (r: ScriptedResult) => Buffer.from(r.transcript).toString("latin1");

describe.skipIf(!gcc)(`the device model: host simulator ≡ Node simulation${gcc ? "" : " (skipped: host gcc is not on PATH; bash scripts/setup.sh installs it)"}`, () => {
  const builds = new Map<string, HostSim>();
  const layout = loadBoardLayout(BOARD);

  async function hostSim(l: BoardLayout, probe?: string): Promise<HostSim> {
    const key = `${probe ?? "bootloader"}:${JSON.stringify(l)}`;
    let s = builds.get(key);
    if (!s) {
      s = probe ? { binary: await buildProbe(probe, l), outDir: "", layout: l, hash: "", cached: true } : await buildHostSim({ board: l });
      builds.set(key, s);
    }
    return s;
  }

  beforeAll(async () => {
    await hostSim(layout);
    await hostSim(layout, "reception");
    await hostSim(layout, "reset");
  }, 240_000);

  /** The same session in C and in Node (fresh modules: the program's static RAM). */
  async function both(options: Options & { layout?: BoardLayout; probe?: string }): Promise<Both> {
    const { layout: l = layout, probe, ...session } = options;
    const c = await runScripted({ board: l, sim: await hostSim(l, probe), idleUs: 2_000_000, ...session });
    vi.resetModules();
    const { runInNode } = await import("../../host/sim/node-run");
    const entry = probe ? ((await import(`./probes/${probe}/main.ts`)) as { bootloaderMain: () => void }).bootloaderMain : undefined;
    const r = runInNode({ layout: l, idleUs: 2_000_000, entry, ...session });
    const node = asScripted(r);
    expectSameRun(c, node, { state: true });
    return { c, node, nodeSim: r.sim };
  }

  const at = (r: ScriptedResult, address: number, length: number) => r.flash.subarray(address - FLASH_BASE, address - FLASH_BASE + length);

  /** When the Node run's reply to `command` left the line (ns), from its transmitter's timestamps. */
  function replyDoneNs(b: Both, command: number): number {
    const decoder = new FrameDecoder();
    const tx = b.nodeSim.uart.tx;
    for (let i = 0; i < tx.length; i++) {
      const frames = decoder.push(Uint8Array.of(tx[i]));
      if (frames.some((f) => f.command === (command | REPLY_BIT))) return b.nodeSim.uart.txDoneNs[i];
    }
    throw new Error(`no reply to 0x${command.toString(16)}`);
  }

  describe("flash timing from the datasheet (issue 12)", () => {
    it("BEGIN on a board with an application erases the status log's 16 KB sector first: 250 ms typical, 500 ms maximum, nothing with none", async () => {
      const image = testImage(testApplication(4096, 3), "2.0.0");
      const took: Record<string, number> = {};
      for (const mode of ["typ", "max", "none"] as const) {
        const b = await both({ preload: testImage(), trigger: true, flashTiming: mode, script: nativeUpdateScript(image, { boot: false }) });
        expect(b.c.outcome).toEqual({ outcome: "idle" });
        expect(Buffer.from(at(b.c, APP_START, 4096))).toEqual(Buffer.from(image.subarray(64)));
        // BEGIN arrives complete at about 21 ms (nativeUpdateScript); its reply leaves after the erase.
        took[mode] = replyDoneNs(b, Command.Begin);
      }
      const ms = 1_000_000;
      expect(took.none).toBeLessThan(40 * ms);
      expect(took.typ - took.none).toBeGreaterThanOrEqual(250 * ms);
      expect(took.typ - took.none).toBeLessThan(260 * ms);
      expect(took.max - took.none).toBeGreaterThanOrEqual(500 * ms);
      expect(took.max - took.none).toBeLessThan(510 * ms);
    });

    it("an L4-sized or H7-sized part without a timing table is refused, not guessed", async () => {
      const { boardFlashTiming, FlashTimingError } = await import("../../hal-bindings/sim/flash-timing");
      expect(() => boardFlashTiming({ ...layout, part: "STM32G431RB" }, "typ")).toThrow(FlashTimingError);
      expect(() => boardFlashTiming({ ...layout, sectors: [{ start: FLASH_BASE, size: 4096, number: 0 }] }, "typ")).toThrow(/no erase time for a 4096-byte erase unit/);
    });
  });

  describe("reception while the CPU stalls on flash (probe: test/host-sim/probes/reception)", () => {
    const burst = (startUs: number) => ({ atUs: startUs, bytes: Array.from({ length: 100 }, (_, i) => (i * 7 + 1) & 0xff) });
    const script = [burst(2_000), burst(50_000)];

    it("maximum timing: a polled receiver keeps one byte of 100 and flags an overrun; DMA keeps all 100, no error", async () => {
      const b = await both({ probe: "reception", script, flashTiming: "max" });
      expect(b.c.outcome).toEqual({ outcome: "reset", reason: "software" });
      expect(text(b.c)).toBe("polled 1 errors 8 dma 100 errors 0\r\n");
    });

    it("typical timing (16 us a word, shorter than a byte): the polled receiver still loses what arrives during 200 programs", async () => {
      const b = await both({ probe: "reception", script, flashTiming: "typ" });
      expect(text(b.c)).toBe("polled 1 errors 8 dma 100 errors 0\r\n");
    });

    it("no flash timing: nothing stalls, and the polled receiver reads what arrived by then without an overrun", async () => {
      const b = await both({ probe: "reception", script, flashTiming: "none" });
      // The CPU reads the register empty at once (no stall): the bursts are still on their way.
      expect(text(b.c)).toBe("polled 0 errors 0 dma 100 errors 0\r\n");
    });
  });

  describe("the UART's framing (host line 8E1 against a device at 8N1 and the reverse)", () => {
    it("stm32flash's session entirely at 8E1 (its 0x7F included) works: the device switches to 8E1 after the sync", async () => {
      const app = testApplication();
      const script = an3155Script(app).map((e) => ({ ...e, line: { baud: 115200, framing: "8E1" as const } }));
      const b = await both({ script });
      expect(b.c.outcome).toMatchObject({ outcome: "application" });
      expect(Buffer.from(at(b.c, APP_START, app.length))).toEqual(Buffer.from(app));
    });

    it("native frames sent at 8E1 into the 8N1 device: the data is intact, INFO reports framing errors", async () => {
      const e1 = { baud: 115200, framing: "8E1" as const };
      const b = await both({ trigger: true, script: [{ atUs: 1_000, bytes: encodeFrame(Command.Info, 1), line: e1 }, { atUs: 50_000, bytes: encodeFrame(Command.Info, 2), line: e1 }] });
      const replies = new FrameDecoder().push(b.c.transcript).filter((f) => f.command === (Command.Info | REPLY_BIT));
      expect(replies.length).toBe(2);
      expect(decodeInfo(replies[1].payload.subarray(1)).lineErrors).toContain("framing");
    });

    it("a host at 9600 baud against the device's 115200: every byte is a framing error and nothing opens", async () => {
      const b = await both({ trigger: true, script: [{ atUs: 1_000, bytes: encodeFrame(Command.Info, 1), line: { baud: 9600, framing: "8N1" } }] });
      expect(b.c.outcome).toEqual({ outcome: "idle" });
      expect(text(b.c)).toBe("tsboot 0.2.0\r\nupdate: trigger pin\r\n");
    });
  });

  describe("power cuts inside flash operations (from a seed)", () => {
    const script = nativeUpdateScript(testImage(testApplication(4096, 5), "2.0.0"), { boot: false });

    /** The update's flash operations (Node's log), to cut inside each kind. */
    async function operations(l: BoardLayout = layout): Promise<string[]> {
      const r = await both({ layout: l, preload: testImage(), trigger: true, flashTiming: "none", script });
      expect(r.c.flashOperations).toBe(r.nodeSim.flash.log.length);
      return [...r.nodeSim.flash.log];
    }

    it("a cut inside the status log's erase, inside the application's erase and inside a program leaves the same torn bytes and weak cells in both", async () => {
      const ops = await operations();
      const number = (what: string) => ops.indexOf(what) + 1;
      const appErase = number("erase 2");
      const firstAppWord = number(`program 0x${APP_START.toString(16)}`);
      expect(number("erase 1")).toBe(1);
      expect(appErase).toBeGreaterThan(1);
      const oldLog = Uint8Array.from((await both({ preload: testImage() })).c.flash.subarray(CONFIG_START - FLASH_BASE, CONFIG_START - FLASH_BASE + 0x4000));
      const oldApp = testImage().subarray(64);
      for (const [cut, seed] of [[1, 7], [appErase, 11], [firstAppWord, 5], [firstAppWord + 700, 3], [ops.length - 1, 9]] as const) {
        const b = await both({ preload: testImage(), trigger: true, script, cutPowerAt: cut, cutInside: true, seed });
        expect(b.c.outcome).toEqual({ outcome: "power-cut", operation: cut, inside: true });
        expect(b.c.state.resetCause).toBe(0x02);
        if (cut === 1) {
          // The status log's sector: neither the old log nor blank.
          const logSector = at(b.c, CONFIG_START, 0x4000);
          expect(Buffer.compare(Buffer.from(logSector), Buffer.from(oldLog))).not.toBe(0);
          expect(logSector.some((x) => x !== 0xff)).toBe(true);
        }
        if (cut === appErase) {
          // The application's sector: neither the old application nor blank, with weak cells.
          const app = at(b.c, APP_START, 4096);
          expect(Buffer.compare(Buffer.from(app), Buffer.from(oldApp))).not.toBe(0);
          expect(app.some((x) => x !== 0xff)).toBe(true);
          expect(b.c.state.weak.length).toBeGreaterThan(100);
        }
        if (cut >= firstAppWord) expect(b.c.state.weak.length, `cut ${cut}: a torn unit leaves weak cells (seed ${seed})`).toBeGreaterThan(0);
        // The next boot: weak cells read anew (the same new levels in both), and the bootloader's verdict.
        const next = await both({ flash: b.c.flash, state: b.c.state, seed });
        expect(next.c.state.boot).toBe(2);
        expect(next.c.outcome).toEqual({ outcome: "idle" }); // no valid application: it waits for an update
      }
    });

    it("an ECC part (L4-like: 64-bit units with ECC): a unit torn by a cut reads as an ECC error, so the torn record is never taken for valid", async () => {
      const ecc: BoardLayout = { ...layout, name: "nucleo-f411re-ecc", family: "stm32l4", writeUnit: 8 };
      const ops = await operations(ecc);
      const last = ops.length; // the last unit of END's status-log entry
      const address = parseInt(/^program 0x([0-9a-f]+)$/.exec(ops[last - 1])![1], 16);
      expect(address).toBeGreaterThanOrEqual(CONFIG_START);
      const b = await both({ layout: ecc, preload: testImage(), trigger: true, script, cutPowerAt: last, cutInside: true, seed: 4 });
      expect(b.c.state.eccTorn).toEqual([(address - FLASH_BASE) / 8]);
      const next = await both({ layout: ecc, flash: b.c.flash, state: b.c.state, seed: 4 });
      expect(next.c.outcome).toEqual({ outcome: "idle" }); // not the new application: its log entry's last unit is unreliable
    });

    it("the seed decides the torn pattern: two seeds differ, one seed repeats", async () => {
      const run = (seed: number) => both({ preload: testImage(), trigger: true, script, cutPowerAt: 2, cutInside: true, seed });
      const [a, b, a2] = [await run(1), await run(2), await run(1)];
      expect(Buffer.compare(Buffer.from(a.c.flash), Buffer.from(b.c.flash))).not.toBe(0);
      expect(Buffer.compare(Buffer.from(a.c.flash), Buffer.from(a2.c.flash))).toBe(0);
    });
  });

  describe("the watchdog, resets and panics", () => {
    it("board data that starts the watchdog with a period shorter than an erase: it fires inside BEGIN's erase, tears it, and the next boot reports the IWDG reset", async () => {
      // (A variant layout has its own name: the build cache keeps a few builds per board name.)
      const short = { ...layout, name: "nucleo-f411re-watchdog-100ms", watchdogMs: 100 };
      const script = nativeUpdateScript(testImage(testApplication(4096, 5), "2.0.0"), { boot: false });
      const b = await both({ layout: short, preload: testImage(), trigger: true, script });
      expect(b.c.outcome).toEqual({ outcome: "reset", reason: "watchdog" });
      expect(b.c.state.resetCause).toBe(0x08);
      expect(b.c.flashOperations).toBe(1); // the status log's erase, torn
      const next = await both({ layout: short, flash: b.c.flash, state: b.c.state, trigger: true, script: [{ atUs: 1_000, bytes: encodeFrame(Command.Info, 1) }] });
      const info = new FrameDecoder().push(next.c.transcript).find((f) => f.command === (Command.Info | REPLY_BIT))!;
      expect(decodeInfo(info.payload.subarray(1)).resetCause).toEqual(["independent watchdog"]);
    });

    it("the option-byte watchdog (about 0.5 s from every reset) with an update at maximum flash timing: the bootloader reprograms it and it never fires", async () => {
      const script = nativeUpdateScript(testImage(testApplication(4096, 5), "2.0.0"));
      const b = await both({ preload: testImage(), trigger: true, watchdogHardware: true, flashTiming: "max", script });
      expect(b.c.outcome).toMatchObject({ outcome: "application" });
      expect(b.nodeSim.watchdog.fired).toBe(false);
    });

    it("probe: a panic records kind 7 and its TypeScript line, resets, and the next boot sees it with reset cause software", async () => {
      const b = await both({ probe: "reset", updateFlag: 1 });
      expect(b.c.outcome).toMatchObject({ outcome: "reset", reason: "panic", message: "probe: a deliberate panic" });
      const line = (b.c.outcome as { line: number }).line;
      const source = (await import("node:fs")).readFileSync(new URL("./probes/reset/main.ts", import.meta.url), "utf8").split("\n");
      expect(source[line - 1]).toContain('panic("probe: a deliberate panic")');
      expect(b.c.state.fault).toEqual({ kind: 7, detail: line });
      const next = await both({ probe: "reset", state: b.c.state, updateFlag: 0 });
      expect(text(next.c)).toBe(`cause 4 fault 7 line ${line}\r\n`);
    });

    it("probe: a running watchdog that is not refreshed resets the device after its period; refreshed, it never does", async () => {
      const starved = await both({ probe: "reset", updateFlag: 2, watchdogHardware: true });
      expect(starved.c.outcome).toEqual({ outcome: "reset", reason: "watchdog" });
      expect(starved.c.nowUs).toBe(512_000);
      const next = await both({ probe: "reset", state: starved.c.state, updateFlag: 0, watchdogHardware: true });
      expect(text(next.c)).toBe("cause 8 fault 0 line 0\r\n");
      const fed = await both({ probe: "reset", updateFlag: 3, watchdogHardware: true });
      expect(fed.c.outcome).toEqual({ outcome: "reset", reason: "software" });
      expect(fed.c.nowUs).toBeGreaterThan(2_000_000);
    });
  });

  describe("input pins", () => {
    it("the trigger is a pin like any other: PC13=0 (active low on this board) keeps the bootloader, PC13=1 and other pins do not", async () => {
      const pressed = await both({ preload: testImage(), pins: ["PC13=0"] });
      expect(text(pressed.c)).toBe("tsboot 0.2.0\r\nupdate: trigger pin\r\n");
      const released = await both({ preload: testImage(), pins: ["PC13=1", "PB5=0", "PA0=1"] });
      expect(released.c.outcome).toMatchObject({ outcome: "application" });
    });
  });
});
