/**
 * A well-behaved native-protocol host for the Node simulation: it sends the next frames only when the
 * device's replies allow it (INFO, BEGIN and END answered first; at most `window` WRITEs in flight), each a
 * turnaround after the reply that allowed it has left the device's line. It runs inside the simulation
 * (Simulation.onIdle: whenever the device polls an empty UART), so the whole session stays in virtual time.
 * When the device has said nothing for `quietUs` (everything sent, or a host left waiting for a reply that
 * never comes), the run ends as idle.
 */
import { Command, FrameDecoder, REPLY_BIT } from "../../host/frames";
import { SimulationIdle, type Simulation } from "../../hal-bindings/sim/simulation";

export interface PacedHostOptions {
  /** WRITE frames in flight (the bootloader's WINDOW). */
  window?: number;
  /** Host turnaround after a reply (USB-serial latency): 1 ms by default. */
  turnaroundUs?: number;
  /** With nothing left to send, this much device silence ends the run (default 2 s). */
  quietUs?: number;
}

/** Frames produced by fixtures.updateFrames: their command is byte 2. */
export function pacedHost(sim: Simulation, frames: Uint8Array[], options: PacedHostOptions = {}): { replies: () => number } {
  const window = options.window ?? 4;
  const turnaroundNs = (options.turnaroundUs ?? 1000) * 1000;
  const quietNs = (options.quietUs ?? 2_000_000) * 1000;
  const decoder = new FrameDecoder();
  let seen = 0;
  let next = 0;
  let inFlight = 0;
  let waitingForReply = false;
  let lastReplyNs = 0;
  let lastOutputNs = 0;
  let lastSentNs = 0;
  let replies = 0;
  const command = (f: Uint8Array) => f[2];
  const send = (atNs: number) => {
    while (next < frames.length && !waitingForReply) {
      const f = frames[next];
      const isWrite = command(f) === Command.Write;
      if (isWrite && inFlight >= window) return;
      if (!isWrite && inFlight > 0) return; // everything else waits for every WRITE's reply
      sim.uart.deliver(f, Math.ceil(Math.max(atNs, sim.nowNs) / 1000));
      lastSentNs = sim.uart.rx[sim.uart.rx.length - 1].atNs;
      next++;
      if (isWrite) inFlight++;
      else waitingForReply = true;
    }
  };
  send(0);
  sim.onIdle = () => {
    const tx = sim.uart.tx;
    for (; seen < tx.length; seen++) {
      for (const f of decoder.push(Uint8Array.of(tx[seen]))) {
        lastOutputNs = sim.uart.txDoneNs[seen];
        if ((f.command & REPLY_BIT) === 0 || f.command === 0x90) continue; // progress events
        replies++;
        lastReplyNs = sim.uart.txDoneNs[seen];
        if (f.command === (Command.Write | REPLY_BIT) && inFlight > 0) inFlight--;
        else waitingForReply = false;
      }
    }
    send(lastReplyNs + turnaroundNs);
    if (sim.uart.pending() === 0 && sim.nowNs - Math.max(lastOutputNs, lastSentNs) > quietNs) throw new SimulationIdle(sim.nowUs);
  };
  return { replies: () => replies };
}
