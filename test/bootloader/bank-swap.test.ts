/**
 * Issue 13's last item in Node: the hardware bank swap as the install strategy (docs/slots.md), on each
 * bank-swap board: NUCLEO-H743ZI2 (boards/nucleo-h743zi2-banks.json, SWAP_BANK) and NUCLEO-L476RG
 * (boards/nucleo-l476rg-banks.json, BFB2 and the dual-bank boot). A download goes into the other bank;
 * INSTALL records the swap, programs the option bit, replies and resets; the reset maps the other bank at
 * 0x08000000 and the next boot records SwapDone. Trial, confirm and revert as on a copy-swap board.
 * Then power cuts at every flash and option-byte operation of an install and of a revert (a sample;
 * TSBOOT_POWERCUT_ALL=1: every one, before and inside): each boot runs the old or the new image, never
 * neither, and nothing outside the application, slot and config regions changes.
 */
import { describe, expect, it } from "vitest";
import { loadBoardLayout } from "../../boards/layout";
import { Simulation } from "../../hal-bindings/sim/simulation";
import { Command, encodeFrame, EVENT_PROGRESS, REPLY_BIT, STATUS_NAMES } from "../../host/frames";
import { decodeInfo } from "../../host/flasher/flasher";
import { confirmStub, decodeHalf, encodeEntry, ENTRY_SIZE, EntryType } from "../../host/image/status-log";
import { concat, makeApplication, makeImage, phaseStart, repliesIn, updateFrames, type PreparedPhase } from "./fixtures";
import { runBootloaderInNode } from "./node-run";

const all = process.env.TSBOOT_POWERCUT_ALL === "1";

/** Each bank-swap board, with its map: application start and size, secondary start and size, scratch size, bank size. */
const BOARDS: [string, number[]][] = [
  ["nucleo-h743zi2-banks", [0x08040000, 0xc0000, 0x08140000, 0xc0000, 0, 0x100000]],
  ["nucleo-l476rg-banks", [0x08008000, 0x78000, 0x08088000, 0x78000, 0, 0x80000]],
];

function bankSwapSuite(boardName: string, map: number[]): void {
  const board = (() => {
    const layout = loadBoardLayout(boardName);
    return { ...layout, slots: { ...layout.slots!, trialWatchdogMs: 0 } };
  })();
  const BANK = board.slots.bankSwap!.bankSize;
  const SECONDARY = board.slots.secondary.start;

  const oldApp = makeApplication(board, 3000, 11);
  const newApp = makeApplication(board, 2600, 22);
  const oldImage = makeImage(board, oldApp, "1.0.0");
  const newImage = makeImage(board, newApp, "2.0.0");
  const install = (mode: number) => encodeFrame(Command.Install, 90, Uint8Array.of(mode));
  const download = (image: Uint8Array) => concat(updateFrames(image, 1024, false));

  const finals = (tx: Uint8Array) => repliesIn(tx).filter((f) => f.command !== EVENT_PROGRESS);
  const statusOf = (tx: Uint8Array, command: number) => finals(tx).filter((f) => f.command === (command | REPLY_BIT)).map((f) => STATUS_NAMES[f.payload[0]]);

  /** The physical bytes outside every region the bootloader may change: both banks' bootloader sectors. */
  function outsideRegions(sim: Simulation): Buffer {
    const size = board.bootloader.size;
    return Buffer.concat([Buffer.from(sim.flash.bytes.subarray(0, size)), Buffer.from(sim.flash.bytes.subarray(BANK, BANK + size))]);
  }

  /** A blank device whose factory image put the same (marked) bootloader in both banks. */
  function factoryDevice(): Simulation {
    const sim = new Simulation(board);
    sim.flash.bytes.fill(0x5a, 0, 256);
    sim.flash.bytes.fill(0x5a, BANK, BANK + 256);
    return sim;
  }

  /**
   * Boots until an application starts or the boot ends otherwise, following the resets that apply a bank
   * swap (at most three); which image the flash base's application region runs.
   */
  async function boots(start: Simulation): Promise<{ ran: "old" | "new" | string; sim: Simulation }> {
    let sim = start;
    for (let i = 0; ; i++) {
      const outcome = await runBootloaderInNode(sim);
      if (outcome.kind === "reset" && outcome.reason === "software" && i < 3) {
        sim = sim.rebooted();
        continue;
      }
      if (outcome.kind !== "application") return { ran: outcome.kind, sim };
      const runs = (app: Uint8Array) => Buffer.from(sim.flash.view(board.app.start, app.length)).equals(Buffer.from(app));
      return { ran: runs(oldApp) ? "old" : runs(newApp) ? "new" : "neither", sim };
    }
  }

  function infoOf(tx: Uint8Array) {
    const r = repliesIn(tx).filter((f) => f.command === (Command.Info | REPLY_BIT)).pop();
    expect(r, "an INFO reply").toBeDefined();
    return decodeInfo(r!.payload.subarray(1));
  }

  /** The old image installed (permanently) and running, its boot ended. */
  async function endedWithOld(): Promise<Simulation> {
    const sim = factoryDevice();
    sim.uart.deliver(concat([download(oldImage), install(1)]), 0);
    const first = await runBootloaderInNode(sim);
    expect(first).toMatchObject({ kind: "reset", reason: "software" }); // INSTALL's reset applies the swap
    expect(statusOf(sim.uart.takeTx(), Command.Install)).toEqual(["ok"]);
    const { ran, sim: after } = await boots(sim.rebooted());
    expect(ran).toBe("old");
    return after;
  }

  /** The old image runs from the bank at 0x08000000; the next boot (trigger held) receives the new one. */
  async function endedWithDownload(extra: Uint8Array[] = []): Promise<Simulation> {
    const sim = (await endedWithOld()).rebooted();
    sim.triggerPressed = true;
    sim.uart.deliver(concat([download(newImage), ...extra]), 0);
    await runBootloaderInNode(sim);
    return sim;
  }

  /** What tsboot_confirm() does in the application: the published confirmation written into the log. */
  function applicationConfirms(sim: Simulation): void {
    const { address, id } = sim.trialPublished;
    expect(address).not.toBe(0);
    const stub = confirmStub(id);
    const at = sim.flash.offsetOf(address);
    expect(sim.flash.bytes.subarray(at, at + 96).every((b) => b === 0xff)).toBe(true);
    for (let i = 0; i < stub.length; i++) sim.flash.bytes[at + i] &= stub[i];
  }

  describe(`the hardware bank swap (${boardName})`, () => {
    it("the board: one bank's image region, its twin in bank 2 the secondary slot, no scratch", () => {
      expect([board.app.start, board.app.size, SECONDARY, board.slots.secondary.size, board.slots.scratch.size, BANK]).toEqual(map);
    });

    it("a download goes to the other bank; INSTALL flips the banks at a reset; the application confirms", async () => {
      const sim = (await endedWithOld()).rebooted();
      expect(sim.flash.bankSwapped).toBe(true); // the first install already swapped once
      sim.triggerPressed = true;
      sim.uart.deliver(concat([download(newImage), install(0)]), 0);
      const outcome = await runBootloaderInNode(sim);
      expect(outcome).toMatchObject({ kind: "reset", reason: "software" });
      const tx = sim.uart.takeTx();
      expect(statusOf(tx, Command.End)).toEqual(["ok"]);
      expect(statusOf(tx, Command.Install)).toEqual(["ok"]);
      expect(sim.flash.swapBankOption).toBe(false); // programmed: the next reset maps bank 1 first
      expect(sim.flash.bankSwapped).toBe(true); // not yet applied
      expect(sim.flash.log.filter((op) => op.startsWith("option"))).toEqual(["option swap-bank 0"]);
      // The trial boot runs the new image from the other bank; the old one is still in place, one bank up.
      const { ran, sim: trial } = await boots(sim.rebooted());
      expect(ran).toBe("new");
      expect(trial.flash.bankSwapped).toBe(false);
      expect(Buffer.from(trial.flash.view(SECONDARY, oldApp.length)).equals(Buffer.from(oldApp))).toBe(true);
      applicationConfirms(trial);
      let device = trial;
      for (let i = 0; i < 3; i++) {
        device = device.rebooted();
        const r = await boots(device);
        expect(r.ran).toBe("new");
        device = r.sim;
      }
      const ask = device.rebooted();
      ask.triggerPressed = true;
      ask.uart.deliver(encodeFrame(Command.Info, 1), 0);
      await runBootloaderInNode(ask);
      expect(infoOf(ask.uart.takeTx()).slots).toMatchObject({ mode: "swap", bankSwap: true, trial: "none", lastEvent: "confirmed", secondary: "previous", secondaryVersion: "1.0.0" });
    });

    it("a trial image reset without confirming is reverted: the banks flip back", async () => {
      const sim = (await endedWithDownload([install(0)])).rebooted();
      const trial = await boots(sim);
      expect(trial.ran).toBe("new");
      const crashed = trial.sim.rebooted();
      const r = await boots(crashed);
      expect(r.ran).toBe("old");
      const ask = r.sim.rebooted();
      ask.triggerPressed = true;
      ask.uart.deliver(encodeFrame(Command.Info, 1), 0);
      await runBootloaderInNode(ask);
      expect(infoOf(ask.uart.takeTx()).slots).toMatchObject({ lastEvent: "reverted", lastReason: "not confirmed", secondaryVersion: "2.0.0" });
    });

    it("REVERT by the host flips back after its reply", async () => {
      const sim = (await endedWithDownload([install(1)])).rebooted();
      expect((await boots(sim)).ran).toBe("new");
      const host = sim.rebooted();
      host.triggerPressed = true;
      host.uart.deliver(encodeFrame(Command.Revert, 7), 0);
      expect(await runBootloaderInNode(host)).toMatchObject({ kind: "reset", reason: "software" });
      expect(statusOf(host.uart.takeTx(), Command.Revert)).toEqual(["ok"]);
      expect((await boots(host.rebooted())).ran).toBe("old");
    });

    it("the status log compacts from one bank's config sector into the other's, across a swap", async () => {
      const sim = (await endedWithOld()).rebooted();
      expect(sim.flash.bankSwapped).toBe(true);
      // The log lives in physical bank 1's config sector: fill it to two entries from full.
      const CONFIG = board.config.start - board.flashBase;
      const half = (bank: number) => sim.flash.bytes.subarray(CONFIG + bank * BANK, CONFIG + bank * BANK + board.config.size);
      const used = decodeHalf(half(0)).length;
      expect(used).toBeGreaterThan(3);
      expect(decodeHalf(half(1))).toEqual([]);
      const capacity = Math.floor(board.config.size / ENTRY_SIZE);
      for (let i = used; i < capacity - 2; i++) half(0).set(encodeEntry(EntryType.Event, 1, 0), i * ENTRY_SIZE);
      const device = sim.rebooted();
      device.triggerPressed = true;
      device.uart.deliver(concat([download(newImage), install(1)]), 0);
      expect(await runBootloaderInNode(device)).toMatchObject({ kind: "reset", reason: "software" });
      expect(statusOf(device.uart.takeTx(), Command.Install)).toEqual(["ok"]);
      const r = await boots(device.rebooted());
      expect(r.ran).toBe("new");
      // The new half is physical bank 2's config region (mapped at the config address while bank 2 was first).
      const moved = decodeHalf(r.sim.flash.bytes.subarray(CONFIG + BANK, CONFIG + BANK + board.config.size));
      expect(moved[0]).toMatchObject({ type: EntryType.Half, value: 2, valid: true });
      expect(moved.some((e) => e.type === EntryType.SnapshotEnd && e.valid)).toBe(true);
      expect(moved.some((e) => e.type === EntryType.SwapDone && e.valid)).toBe(true);
      expect((await boots(r.sim.rebooted())).ran).toBe("new");
    });

    it("INSTALL is refused while bank 2's bootloader copy differs, and nothing is written", async () => {
      const sim = (await endedWithDownload()).rebooted();
      const copy = sim.flash.bankSwapped ? 0 : BANK; // the copy in the bank not at 0x08000000
      sim.flash.bytes[copy + 100] ^= 0xff;
      sim.triggerPressed = true;
      sim.uart.deliver(install(0), 0);
      const ops = sim.flash.operations;
      await runBootloaderInNode(sim);
      expect(statusOf(sim.uart.takeTx(), Command.Install)).toEqual(["bad state"]);
      expect(sim.flash.operations).toBe(ops);
      expect((await boots(sim.rebooted())).ran).toBe("old");
    });
  });

  describe(`a power cut inside the option-byte program (${boardName})`, () => {
    it("leaves the old or the new option bit (both happen across seeds), and the recorded install completes at the next boot", async () => {
      const prepared = await endedWithDownload();
      const seen = new Set<string>();
      for (let seed = 1; seed <= 8 && seen.size < 2; seed++) {
        const sim = Simulation.resume(board, prepared.flash.bytes, prepared.nextBootState(), { seed });
        sim.triggerPressed = true;
        sim.uart.deliver(install(1), 0);
        // Find the option operation in a dry run with the same seed, then cut inside it.
        const dry = Simulation.resume(board, prepared.flash.bytes, prepared.nextBootState(), { seed });
        dry.triggerPressed = true;
        dry.uart.deliver(install(1), 0);
        await runBootloaderInNode(dry);
        const option = dry.flash.log.findIndex((op) => op.startsWith("option")) + 1;
        expect(option).toBeGreaterThan(0);
        sim.flash.cutPowerAt = option;
        sim.flash.cutInside = true;
        expect((await runBootloaderInNode(sim)).kind).toBe("power-cut");
        const before = sim.flash.bankSwapped;
        seen.add(sim.flash.swapBankOption === before ? "old value" : "new value");
        // The (permanent) install was recorded before the option program: the boots complete it either way.
        let device = sim.rebooted();
        for (let boot = 0; boot < 3; boot++) {
          const r = await boots(device);
          expect(r.ran, `seed ${seed}, boot ${boot}`).toBe("new");
          device = r.sim.rebooted();
        }
      }
      expect([...seen].sort()).toEqual(["new value", "old value"]);
    }, 300_000);
  });

  interface Phase {
    name: string;
    prepare(): Promise<PreparedPhase>;
    allowed: ReadonlyArray<"old" | "new">;
  }

  const holdTrigger = (sim: Simulation) => {
    sim.triggerPressed = true;
  };

  const phases: Phase[] = [
    {
      name: "install by bank swap (for a test)",
      prepare: async () => ({ before: await endedWithDownload(), start: holdTrigger, input: install(0) }),
      allowed: ["old", "new"],
    },
    {
      name: "revert after an unconfirmed trial",
      // The install's reset, then the trial starts: the boot after it reverts.
      prepare: async () => {
        const trial = await boots((await endedWithDownload([install(0)])).rebooted());
        expect(trial.ran).toBe("new");
        return { before: trial.sim, input: new Uint8Array(0) };
      },
      allowed: ["old"],
    },
  ];

  describe(`power cuts across a bank swap (${boardName}): every cut leaves the old or the new image running`, () => {
    for (const phase of phases) {
      it(`${phase.name}: at every flash and option-byte operation${all ? "" : " (a sample; TSBOOT_POWERCUT_ALL=1: all)"}`, async () => {
        const prepared = await phase.prepare();
        // The phase runs until the swap is done: its own boot, and the boot its reset starts.
        const reference = phaseStart(prepared);
        const before = reference.flash.operations;
        await runBootloaderInNode(reference);
        const next = reference.rebooted();
        await runBootloaderInNode(next);
        const ops = [...reference.flash.log.slice(before), ...next.flash.log]; // a reboot counts from 0
        const total = ops.length;
        const option = ops.findIndex((op) => op.startsWith("option")) + 1;
        expect(option, `${phase.name}: an option-byte operation (${ops.join(", ")})`).toBeGreaterThan(0);

        const sample = new Set<number>([1, option - 1, option, option + 1, total]);
        const cuts = all
          ? Array.from({ length: total }, (_, i) => [{ k: i + 1, inside: false }, { k: i + 1, inside: true }]).flat()
          : [...sample].filter((k) => k >= 1 && k <= total).flatMap((k) => (k === option ? [{ k, inside: false }, { k, inside: true }] : [{ k, inside: k % 2 === 1 }]));
        for (const { k, inside } of cuts) {
          const what = `${phase.name}: cut ${inside ? "inside" : "before"} ${k} (${ops[k - 1]})`;
          let sim = phaseStart(prepared);
          const marker = outsideRegions(sim);
          const base = sim.flash.operations;
          sim.flash.cutPowerAt = base + k;
          sim.flash.cutInside = inside;
          let cut = await runBootloaderInNode(sim);
          if (cut.kind !== "power-cut") {
            // The operation comes in the boot the phase's reset starts.
            const carried = sim.flash.operations - base;
            sim = sim.rebooted();
            sim.flash.cutPowerAt = sim.flash.operations + (k - carried);
            sim.flash.cutInside = inside;
            cut = await runBootloaderInNode(sim);
          }
          expect(cut.kind, what).toBe("power-cut");
          let device = sim.rebooted();
          for (let boot = 0; boot < 3; boot++) {
            const r = await boots(device);
            expect(phase.allowed, `${what}, boot ${boot} ran ${r.ran}`).toContain(r.ran);
            expect(outsideRegions(r.sim).equals(marker), `${what}: only the application, slot and config regions change`).toBe(true);
            device = r.sim.rebooted();
          }
          device.triggerPressed = true;
          device.uart.deliver(concat([download(newImage), install(1)]), 0);
          await runBootloaderInNode(device);
          expect((await boots(device.rebooted())).ran, `${what}: a new update succeeds after it`).toBe("new");
        }
      }, 600_000);
    }
  });
}

for (const [name, map] of BOARDS) bankSwapSuite(name, map);
