/**
 * Opening a session the way a production line needs it: open the port (again, if it vanishes while the
 * board resets), drive a reset sequence on its control lines (stm32flash's -i), then INFO — once, or
 * repeatedly for `waitMs` while the operator resets the board (wait-for-device).
 */
import { FlasherError } from "./errors";
import { Flasher, type DeviceInfo, type FlasherOptions } from "./flasher";
import { parseResetSequence, runResetSteps, type ResetSequence } from "./reset-sequence";
import { openTransport, type OpenOptions } from "./transport";

export interface ConnectOptions extends FlasherOptions, OpenOptions {
  /** Keep trying this long (ms): reopen a port that is missing or closes, resend INFO every `waitIntervalMs`. */
  waitMs?: number;
  waitIntervalMs?: number;
  /** A reset sequence (stm32flash -i syntax, or parsed): its entry part runs before INFO. */
  reset?: string | ResetSequence;
  /** Told while waiting: once when the wait starts, and on each reopen. */
  onWaiting?: (message: string) => void;
}

/** Errors that waiting can outlast: the port is not there yet, or went away while the board reset. */
const TRANSIENT = new Set(["port-missing", "connect-failed", "connection-lost"]);

export async function connect(port: string, options: ConnectOptions = {}): Promise<{ flasher: Flasher; info: DeviceInfo; reset: ResetSequence | null }> {
  const reset = typeof options.reset === "string" ? parseResetSequence(options.reset) : options.reset ?? null;
  const deadline = options.waitMs !== undefined ? Date.now() + options.waitMs : null;
  let told = false;
  for (;;) {
    let flasher: Flasher | null = null;
    try {
      flasher = new Flasher(await openTransport(port, options), options);
      if (reset) await runResetSteps(flasher.transport, reset.entry);
      if (deadline === null) return { flasher, info: await flasher.info(), reset };
      if (!told) {
        options.onWaiting?.(`waiting up to ${Math.round(options.waitMs! / 1000)} s for the bootloader on ${port}: reset the board now`);
        told = true;
      }
      return { flasher, info: await flasher.waitForDevice(Math.max(1, deadline - Date.now()), options.waitIntervalMs), reset };
    } catch (e) {
      await flasher?.close().catch(() => {});
      const retry = deadline !== null && e instanceof FlasherError && TRANSIENT.has(e.code) && Date.now() < deadline;
      if (!retry) throw e;
      options.onWaiting?.(`${(e as Error).message}; still waiting`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
