/**
 * How close a 256 KB update comes to what the hardware allows (issue 12) — a script, not a test: nothing
 * here asserts a figure. `npm run bench:update [-- --size 262144 --board nucleo-f411re --bauds 921600 --timing typ]`.
 *
 * On a two-slot board (--board nucleo-f411re-ab) the download goes into the secondary slot, which holds an
 * old image, so the bound and the check are the secondary's.
 *
 * Every run is the real bootloader in a fresh Node process (host/sim/node-run.ts) on the timed device model:
 * datasheet flash timing (typ or max) that stalls the CPU, the USART at clock / BRR, reception by DMA into
 * the board's ring. The application region holds an old application, so every sector the image needs must
 * be erased. The host is on the paced link model (test/bootloader/paced-host.ts): bytes take their time on
 * the wire at the line's rate and framing, and the host answers `turnaround` after the device's last byte.
 * TSBOOT_BENCH_TRACE=1 prints every frame the host hears, with its time (ms), to stderr.
 *
 * Rows: tsboot at 115200, 921600 and the fastest rate BAUDS offers (negotiated with SET_BAUD), with 1 ms and
 * 16 ms turnaround, typ and max flash timing. Each prints the update time (session start to END's reply),
 * the physical bound max(wire time of the payload at 8N1, erase + program time of what the image needs,
 * the ring's limit) and their ratio (goal: <= 1.10). The ring's limit: nothing is programmed before the
 * first unit is erased, and a host that keeps to the window sends at most a ring's worth meanwhile, so the
 * rest crosses the wire after that erase (first erase + (payload - ring) at 8N1). It binds only where one
 * long erase comes first: on nucleo-f411re-ab, whose secondary slot is one 128 KB sector. Side by side, on the same link and device model:
 *   - erase-first: the bootloader before issue 12 (BEGIN erased everything, window 4): the erase time, then
 *     the same transfer onto blank flash with 4 frames in flight;
 *   - stm32flash (Debian's /usr/bin/stm32flash) through the AN3155 subset at 115200 8E1 (single-slot boards:
 *     on a two-slot board the native download goes to the secondary slot, AN3155 to the primary): it speaks through a
 *     socat pty, bridged into the simulation in virtual time (its bytes reach the device `turnaround` after
 *     the device's last reply; the simulation's clock stands still while the real process thinks).
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadBoardLayout } from "../boards/layout";
import { loadBoard } from "../boards/index";
import { rxRingSize, windowFrames } from "../boards/uart-rates";
import type { BoardLayout } from "../hal-bindings/sim/board-layout";
import { downloadFlashNs, type FlashTimingMode } from "../hal-bindings/sim/flash-timing";
import { SimulationIdle, type Simulation } from "../hal-bindings/sim/simulation";
import type { HostLine } from "../hal-bindings/sim/uart";
import { Command, encodeFrame, REPLY_BIT, STATUS_NAMES, u32le } from "../host/frames";
import { makeApplication, makeImage, updateFrames } from "../test/bootloader/fixtures";
import { pacedHost, type HostStep } from "../test/bootloader/paced-host";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const STM32FLASH = "/usr/bin/stm32flash";

interface RunSpec {
  board: string;
  size: number;
  host: "tsboot" | "stm32flash";
  timing: FlashTimingMode;
  turnaroundUs: number;
  baud: number;
  /** Flash starts blank (the erase-first baseline's transfer), else the region holds an old application. */
  blank: boolean;
  window: number;
  dir: string;
}

interface RunResult {
  /** Session start (the host's first byte) to the last reply (ns). */
  updateNs: number;
  ok: boolean;
  detail: string;
}

// ---- child: one run ----

/** Where a native download goes: the secondary slot on a two-slot board (docs/slots.md), else the application region. */
function downloadRegion(layout: BoardLayout): { start: number; size: number } {
  return layout.slots?.secondary ?? layout.app;
}

/** The whole flash with an old image filling the download region (or blank). */
function startingFlash(layout: BoardLayout, blank: boolean): Uint8Array {
  const size = layout.sectors.reduce((n, s) => n + s.size, 0);
  const flash = new Uint8Array(size).fill(0xff);
  const region = downloadRegion(layout);
  if (!blank) flash.fill(0x5a, region.start - layout.flashBase, region.start - layout.flashBase + region.size);
  return flash;
}

async function runChild(specFile: string): Promise<void> {
  const spec = JSON.parse(fs.readFileSync(specFile, "utf8")) as RunSpec;
  const { runInNode } = await import("../host/sim/node-run");
  const layout = loadBoardLayout(spec.board);
  const app = makeApplication(layout, spec.size, 7);
  let measure: (sim: Simulation) => RunResult = () => ({ updateNs: 0, ok: false, detail: "not run" });
  const r = runInNode({
    layout,
    flash: startingFlash(layout, spec.blank),
    trigger: true,
    flashTiming: spec.timing,
    idleUs: 5_000_000,
    prepare: (sim) => {
      measure = spec.host === "tsboot" ? tsbootHost(sim, layout, app, spec) : stm32flashHost(sim, app, spec);
    },
  });
  const result = measure(r.sim);
  // stm32flash writes the application region itself (AN3155 has no slots).
  const at = (spec.host === "stm32flash" ? layout.app.start : downloadRegion(layout).start) - layout.flashBase;
  const written = Buffer.from(r.flash.subarray(at, at + app.length));
  if (result.ok && !written.equals(Buffer.from(app))) Object.assign(result, { ok: false, detail: "the download region does not hold the image" });
  process.stdout.write(JSON.stringify(result) + "\n");
}

function tsbootHost(sim: Simulation, layout: BoardLayout, app: Uint8Array, spec: RunSpec): (sim: Simulation) => RunResult {
  const [info, ...update] = updateFrames(makeImage(layout, app, "9.9.9"), 1024, false);
  const session: HostStep[] = [info];
  if (spec.baud !== layout.uart.baud) {
    const line: HostLine = { baud: spec.baud, framing: "8N1" };
    session.push(encodeFrame(Command.SetBaud, 0xe0, u32le(spec.baud)), { line }, { frame: encodeFrame(Command.Info, 0xe1), timeoutUs: 300_000 });
  }
  session.push(...update);
  const host = pacedHost(sim, session, { window: spec.window, turnaroundUs: spec.turnaroundUs, quietUs: 3_000_000 });
  return () => {
    const frames = host.received();
    if (process.env.TSBOOT_BENCH_TRACE) frames.forEach((f, i) => process.stderr.write(`${(host.receivedAtNs()[i] / 1e6).toFixed(1)} ${f.command.toString(16)} ${Buffer.from(f.payload.subarray(0, 8)).toString("hex")}\n`));
    const replies = frames.map((f, i) => ({ f, at: host.receivedAtNs()[i] })).filter(({ f }) => (f.command & REPLY_BIT) !== 0 && f.command !== 0x90);
    const end = replies.find(({ f }) => f.command === (Command.End | REPLY_BIT));
    const bad = replies.filter(({ f }) => f.payload[0] !== 0).map(({ f }) => `${f.command & 0x7f}:${STATUS_NAMES[f.payload[0]]}`);
    const ok = end !== undefined && end.f.payload[0] === 0 && bad.length === 0 && host.timedOut().length === 0;
    return { updateNs: end?.at ?? sim.nowNs, ok, detail: ok ? "" : `END ${end ? STATUS_NAMES[end.f.payload[0]] : "missing"}; refused: ${bad.join(", ") || "none"}; timed out: ${host.timedOut().join(", ") || "none"}` };
  };
}

/** Sleeps the thread (the simulation is synchronous: the bridge waits for the real process in place). */
function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function stm32flashHost(sim: Simulation, app: Uint8Array, spec: RunSpec): (sim: Simulation) => RunResult {
  const line: HostLine = { baud: 115200, framing: "8E1" };
  const tty = path.join(spec.dir, "tty");
  const toHost = path.join(spec.dir, "to-host");
  const fromHost = path.join(spec.dir, "from-host");
  const appFile = path.join(spec.dir, "app.bin");
  const doneFile = path.join(spec.dir, "done");
  const logFile = path.join(spec.dir, "stm32flash.log");
  fs.writeFileSync(appFile, app);
  for (const f of [toHost, fromHost]) spawnSync("mkfifo", [f]);
  // The FIFOs opened read-write, so neither open waits for the other end.
  const toFd = fs.openSync(toHost, fs.constants.O_RDWR);
  const fromFd = fs.openSync(fromHost, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  const socat = spawn("socat", [`pty,link=${tty},rawer`, `PIPE:${toHost}!!PIPE:${fromHost}`], { stdio: "ignore", detached: true });
  for (let i = 0; i < 200 && !fs.existsSync(tty); i++) sleepMs(10);
  // A pty carries no parity (stm32flash cannot set 8E1 on one): the simulated wire is 8E1, as AN3155 wants.
  const cmd = `${STM32FLASH} -b 115200 -m 8n1 -w ${appFile} -S 0x${sim.board.app.start.toString(16)} ${tty} >${logFile} 2>&1; echo $? >${doneFile}`;
  spawn("sh", ["-c", cmd], { stdio: "ignore", detached: true });

  const buffer = new Uint8Array(4096);
  let seen = 0;
  let started = false;
  let firstNs = 0;
  let lastOutputNs = 0;
  sim.onIdle = () => {
    const tx = sim.uart.tx;
    const out: number[] = [];
    // The host hears a byte once it has left the line; what the device said before the session (its
    // banner) is not forwarded: stm32flash opens its port when it starts.
    for (; seen < tx.length && sim.uart.txDoneNs[seen] <= sim.nowNs; seen++) {
      if (started) out.push(sim.uart.hostReceives(seen, line));
      lastOutputNs = sim.uart.txDoneNs[seen];
    }
    if (out.length) fs.writeSync(toFd, Uint8Array.from(out));
    if (seen < tx.length || sim.uart.pending() > 0) return; // the line is still busy
    // The device waits for the host: wait for stm32flash in real time, the simulation's clock standing still.
    const waitedFrom = Date.now();
    while (true) {
      let n = 0;
      try {
        n = fs.readSync(fromFd, buffer, 0, buffer.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      }
      if (n > 0) {
        const at = started ? Math.max(sim.nowNs, lastOutputNs + spec.turnaroundUs * 1000) : sim.nowNs;
        if (!started) firstNs = at;
        started = true;
        sim.uart.deliver(buffer.subarray(0, n), Math.ceil(at / 1000), line);
        return;
      }
      if (fs.existsSync(doneFile)) throw new SimulationIdle(sim.nowUs);
      // stm32flash itself waits (a timeout of its own): let the simulation's clock run meanwhile.
      if (Date.now() - waitedFrom > 2000) return;
      sleepMs(0.2);
    }
  };
  return () => {
    process.kill(-socat.pid!, "SIGTERM");
    fs.closeSync(toFd);
    fs.closeSync(fromFd);
    const code = fs.existsSync(doneFile) ? fs.readFileSync(doneFile, "utf8").trim() : "not finished";
    const log = fs.readFileSync(logFile, "utf8");
    const ok = code === "0" && /Wrote address 0x[0-9a-f]+ \(100\.00%\) Done/.test(log.replace(/\r/g, "\n"));
    return { updateNs: lastOutputNs - firstNs, ok, detail: ok ? "" : `stm32flash exit ${code}: ${log.slice(-300)}` };
  };
}

// ---- parent: the table ----

function run(spec: Omit<RunSpec, "dir">): RunResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-update-bench-"));
  try {
    const specFile = path.join(dir, "spec.json");
    fs.writeFileSync(specFile, JSON.stringify({ ...spec, dir }));
    const child = spawnSync(process.execPath, [path.join(ROOT, "bin/run-ts.mjs"), fileURLToPath(import.meta.url), "--run", specFile], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
    if (child.status !== 0) throw new Error(`a run failed (exit ${child.status}):\n${child.stderr}`);
    if (process.env.TSBOOT_BENCH_TRACE) process.stderr.write(`--- ${spec.host} ${spec.timing} ${spec.turnaroundUs} us ${spec.baud}\n${child.stderr}`);
    return JSON.parse(child.stdout.trim().split("\n").pop()!) as RunResult;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main(argv: string[]): void {
  const child = argv.indexOf("--run");
  if (child >= 0) {
    void runChild(argv[child + 1]);
    return;
  }
  const opt = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
  const boardName = opt("--board", "nucleo-f411re");
  const size = Number(opt("--size", String(256 * 1024)));
  const layout = loadBoardLayout(boardName);
  const window = windowFrames(rxRingSize(loadBoard(boardName)));
  const fastest = layout.uart.rates.at(-1)!.baud;
  const onlyBauds = opt("--bauds", "").split(",").filter(Boolean).map(Number);
  const bauds = [...new Set([115200, 921600, fastest])]
    .filter((b) => layout.uart.rates.some((r) => r.baud === b))
    .filter((b) => onlyBauds.length === 0 || onlyBauds.includes(b));
  const timings = opt("--timing", "typ,max").split(",") as FlashTimingMode[];
  const haveStm32flash = fs.existsSync(STM32FLASH) && spawnSync("socat", ["-V"]).status === 0;

  console.log(`update bench: ${size} B payload on ${boardName}, window ${window} (ring ${rxRingSize(loadBoard(boardName))} B), old application in the region`);
  const ringBytes = rxRingSize(loadBoard(boardName));
  const header = ["flash", "turn", "baud", "host", "update s", "bound s", "ratio", "(wire s, erase+program s, ring s)"];
  const rows: string[][] = [];
  for (const timing of timings) {
    const { eraseNs, programNs, firstEraseNs } = downloadFlashNs(layout, downloadRegion(layout).start, size, timing);
    for (const turnaroundUs of [1000, 16_000]) {
      for (const baud of bauds) {
        const wireNs = (size * 10 * 1e9) / baud;
        // Nothing is programmed before the first unit is erased, and meanwhile at most a ring's worth is
        // received: what is left still crosses the wire after that erase.
        const ringNs = firstEraseNs + (Math.max(0, size - ringBytes) * 10 * 1e9) / baud;
        const boundNs = Math.max(wireNs, eraseNs + programNs, ringNs);
        const row = (host: string, r: RunResult, ns: number) => {
          rows.push([timing, `${turnaroundUs / 1000} ms`, String(baud), host, (ns / 1e9).toFixed(2), (boundNs / 1e9).toFixed(2), `${(ns / boundNs).toFixed(3)}${r.ok ? "" : " FAILED"}`, `(${(wireNs / 1e9).toFixed(2)}, ${((eraseNs + programNs) / 1e9).toFixed(2)}, ${(ringNs / 1e9).toFixed(2)})`]);
          if (!r.ok) console.error(`${timing} ${turnaroundUs} us ${baud} ${host}: ${r.detail}`);
        };
        const base = { board: boardName, size, timing, turnaroundUs, baud };
        const t = run({ ...base, host: "tsboot", blank: false, window });
        row("tsboot", t, t.updateNs);
        const first = run({ ...base, host: "tsboot", blank: true, window: 4 });
        row("erase-first", first, eraseNs + first.updateNs);
        if (baud === 115200 && haveStm32flash && !layout.slots) {
          const s = run({ ...base, host: "stm32flash", blank: false, window: 1 });
          // stm32flash erases what it writes first (EXTENDED ERASE), then writes 256 B at a time.
          row("stm32flash", s, s.updateNs);
        }
        console.error(rows.at(-1)!.join("  "));
      }
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i >= 4 && i <= 6 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  console.log("\n" + fmt(header));
  for (const r of rows) console.log(fmt(r));
}

main(process.argv.slice(2));
