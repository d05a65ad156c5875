/**
 * Reset sequences on a serial port's control lines, written as stm32flash's -i takes them: the lines of a
 * USB-serial adapter wired to NRST (and BOOT0), driven before a session starts and after it ends.
 *
 *   "-dtr,dtr"            a DTR pulse: assert, 100 ms, release (NRST through a transistor on many adapters)
 *   "rts&-dtr,dtr:-rts"   steps separated by ',' (100 ms apart), lines set together with '&', '-' releases
 *                         a line; after ':' the sequence run when the command is done (stm32flash -R)
 *
 * A line name asserts it (DTR or RTS active, or a break on TX for "brk"); "-name" releases it.
 */
import type { ControlSignals, Transport } from "./transport";
import { FlasherError } from "./errors";

export type ResetStep = ControlSignals;
export interface ResetSequence {
  entry: ResetStep[];
  exit: ResetStep[];
}

/** The pause between steps, as in stm32flash. */
export const STEP_MS = 100;

export function parseResetSequence(text: string): ResetSequence {
  const [entryText, exitText, extra] = text.split(":");
  if (extra !== undefined) throw new FlasherError("port-error", `reset sequence '${text}': at most one ':' (entry:exit)`);
  return { entry: parseSteps(entryText, text), exit: exitText === undefined ? [] : parseSteps(exitText, text) };
}

function parseSteps(part: string, whole: string): ResetStep[] {
  if (part.trim() === "") return [];
  return part.split(",").map((step) => {
    const signals: ControlSignals = {};
    for (const raw of step.split("&")) {
      const m = /^\s*(-?)(dtr|rts|brk)\s*$/i.exec(raw);
      if (!m) {
        throw new FlasherError(
          "port-error",
          `reset sequence '${whole}': '${raw.trim()}' is not a line: write dtr, rts or brk, '-' before one to release it, '&' to set lines together, ',' between steps (e.g. -dtr,dtr)`,
        );
      }
      const line = m[2].toLowerCase() as keyof ControlSignals;
      if (line in signals) throw new FlasherError("port-error", `reset sequence '${whole}': ${line} twice in one step ('${step}')`);
      signals[line] = m[1] !== "-";
    }
    return signals;
  });
}

/** Drives the steps on the transport's lines, STEP_MS apart; refuses a transport without lines (TCP). */
export async function runResetSteps(transport: Transport, steps: ResetStep[], sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<void> {
  if (steps.length === 0) return;
  if (!transport.setSignals) {
    throw new FlasherError("port-error", `${transport.description} has no control lines (DTR/RTS): reset sequences need a serial port; reset the board by hand, or use --wait`);
  }
  for (let i = 0; i < steps.length; i++) {
    if (i > 0) await sleep(STEP_MS);
    await transport.setSignals(steps[i]);
  }
}
