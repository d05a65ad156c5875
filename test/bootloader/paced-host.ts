/**
 * A well-behaved native-protocol host for the Node simulation: it sends the next frames only when the
 * device's replies allow it (INFO, BEGIN and END answered first; at most `window` WRITEs in flight), each a
 * turnaround after the reply that allowed it has left the device's line. It runs inside the simulation, so
 * the whole session stays in virtual time: it reads the device's replies whenever the device looks at its
 * receiver (Simulation.onHostTurn), found data or not, so it keeps sending while the device programs a
 * ring full of frames or erases, as a real host does; a send can date back to the device's previous look.
 * When the device has said nothing for `quietUs` (everything sent, or a host left waiting for a reply that
 * never comes), the run ends as idle.
 *
 * Besides frames, a session may hold steps: `{ line }` switches the host's line (its rate) from there on,
 * both ways — it reads the device's bytes as a UART at that rate would (SimUart.hostReceives: garbage from a
 * device at another rate); `{ frame, timeoutUs }` gives up waiting for that frame's reply after timeoutUs
 * (it is then listed in timedOut()); `{ waitUs }` stays silent that long.
 */
import { Command, FrameDecoder, REPLY_BIT, type Frame } from "../../host/frames";
import { SimulationIdle, type Simulation } from "../../hal-bindings/sim/simulation";
import { DEFAULT_HOST_LINE, type HostLine } from "../../hal-bindings/sim/uart";

export interface PacedHostOptions {
  /** WRITE frames in flight (the bootloader's window). */
  window?: number;
  /** Host turnaround after a reply (USB-serial latency): 1 ms by default. */
  turnaroundUs?: number;
  /** With nothing left to send, this much device silence ends the run (default 2 s). */
  quietUs?: number;
  /** The host's line at the start (default 115200 8N1). */
  line?: HostLine;
}

export type HostStep = Uint8Array | { line: HostLine } | { frame: Uint8Array; timeoutUs: number } | { waitUs: number };

export interface PacedHost {
  /** Replies received (progress events left out). */
  replies: () => number;
  /** Every frame the host could read, in order. */
  received: () => Frame[];
  /** When each of them had arrived (ns, the simulation's clock): the same order. */
  receivedAtNs: () => number[];
  /** Indexes (in the session) of the steps whose reply never came within their timeout. */
  timedOut: () => number[];
}

/** Frames produced by fixtures.updateFrames: their command is byte 2. */
export function pacedHost(sim: Simulation, session: HostStep[], options: PacedHostOptions = {}): PacedHost {
  const window = options.window ?? 4;
  const turnaroundNs = (options.turnaroundUs ?? 1000) * 1000;
  const quietNs = (options.quietUs ?? 2_000_000) * 1000;
  const decoder = new FrameDecoder();
  /** The host's line over time: each entry holds from atNs on. */
  const lines: { atNs: number; line: HostLine }[] = [{ atNs: 0, line: options.line ?? { ...DEFAULT_HOST_LINE } }];
  const lineAt = (ns: number) => {
    let line = lines[0].line;
    for (const l of lines) if (l.atNs <= ns) line = l.line;
    return line;
  };
  const frames: Frame[] = [];
  const framesAtNs: number[] = [];
  const timedOut: number[] = [];
  let seen = 0;
  let next = 0;
  let inFlight = 0;
  /** The step whose reply is awaited, and until when (Infinity: no timeout). */
  let waiting: { index: number; deadlineNs: number } | null = null;
  /** The host may send again from here on (a reply plus the turnaround, a timeout, a wait). */
  let readyNs = 0;
  let lastOutputNs = 0;
  let lastSentNs = 0;
  let replies = 0;
  const send = () => {
    while (next < session.length && !waiting) {
      const step = session[next];
      const at = Math.max(readyNs, sim.rxObservedNs);
      if ("line" in step) {
        lines.push({ atNs: at, line: step.line });
        next++;
        continue;
      }
      if ("waitUs" in step) {
        readyNs = at + step.waitUs * 1000;
        next++;
        continue;
      }
      const f = step instanceof Uint8Array ? step : step.frame;
      const isWrite = f[2] === Command.Write;
      if (isWrite && inFlight >= window) return;
      if (!isWrite && inFlight > 0) return; // everything else waits for every WRITE's reply
      sim.uart.deliver(f, Math.ceil(at / 1000), lineAt(at));
      lastSentNs = sim.uart.rx[sim.uart.rx.length - 1].atNs;
      if (isWrite) inFlight++;
      else waiting = { index: next, deadlineNs: step instanceof Uint8Array ? Infinity : lastSentNs + step.timeoutUs * 1000 };
      next++;
    }
  };
  send();
  const turn = () => {
    const tx = sim.uart.tx;
    for (; seen < tx.length; seen++) {
      const doneNs = sim.uart.txDoneNs[seen];
      for (const f of decoder.push([sim.uart.hostReceives(seen, lineAt(doneNs))])) {
        lastOutputNs = doneNs;
        frames.push(f);
        framesAtNs.push(doneNs);
        if ((f.command & REPLY_BIT) === 0 || f.command === 0x90) continue; // progress events
        replies++;
        readyNs = doneNs + turnaroundNs;
        if (f.command === (Command.Write | REPLY_BIT) && inFlight > 0) inFlight--;
        else waiting = null;
      }
    }
    if (waiting && sim.nowNs > waiting.deadlineNs) {
      timedOut.push(waiting.index);
      readyNs = waiting.deadlineNs;
      waiting = null;
    }
    send();
  };
  sim.onHostTurn = turn;
  sim.onIdle = () => {
    turn();
    // A host with a timeout still running is not idle; one waiting for a reply that never comes is.
    const timing = waiting !== null && waiting.deadlineNs !== Infinity;
    if (sim.uart.pending() === 0 && !timing && sim.nowNs - Math.max(lastOutputNs, lastSentNs, readyNs) > quietNs) throw new SimulationIdle(sim.nowUs);
  };
  return { replies: () => replies, received: () => frames, receivedAtNs: () => framesAtNs, timedOut: () => timedOut };
}
