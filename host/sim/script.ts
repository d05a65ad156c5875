/**
 * Scripts for scripted simulator runs: one line per chunk the host sends, `AT_US HEX_BYTES`, the chunk's
 * first byte complete at virtual time AT_US (later bytes one frame time apart, and never before the previous
 * chunk has finished: SimUart.deliver). A line `line BAUD FRAMING` (FRAMING 8N1 or 8E1) sets the host's line
 * for the chunks after it (default 115200 8N1). Blank lines and `#` comments are ignored; hex may contain
 * spaces. Every chunk is queued before the device starts, in file order.
 */
import type { FlashTimingMode } from "../../hal-bindings/sim/flash-timing";
import type { BootState } from "../../hal-bindings/sim/simulation";
import { DEFAULT_HOST_LINE, type HostLine } from "../../hal-bindings/sim/uart";

export interface ScriptEntry {
  atUs: number;
  bytes: Uint8Array | readonly number[];
  /** The host's line for this chunk (default: the previous entry's, at first 115200 8N1). */
  line?: HostLine;
}

/** What a scripted session sets up, the same for the C simulator and the Node one. */
export interface SessionOptions {
  script?: readonly ScriptEntry[];
  trigger?: boolean;
  /** Input pin levels at power-on, "PB5=0". */
  pins?: readonly string[];
  updateFlag?: number;
  /** Cut the power at flash operation N: before it, or inside it (cutInside: it is torn). */
  cutPowerAt?: number;
  cutInside?: boolean;
  /** Seed of torn operations and weak cells (default 1). */
  seed?: number;
  injectError?: number;
  /** Datasheet flash timing: typ (default), max or none. */
  flashTiming?: FlashTimingMode;
  /** The option bytes start the watchdog at every reset (WDG_SW = 0). */
  watchdogHardware?: boolean;
  /** What the previous boot left (C: --state FILE); absent: a first power-on. */
  state?: BootState;
  limitUs?: number;
  /** The idle stop (Simulation.idleLimitUs; default 20 s; 0: never). */
  idleUs?: number;
}

export class ScriptError extends Error {}

export function parseScript(text: string, file = "<script>"): ScriptEntry[] {
  const out: ScriptEntry[] = [];
  let line: HostLine = { ...DEFAULT_HOST_LINE };
  text.split("\n").forEach((raw, i) => {
    const content = raw.replace(/#.*$/, "").trim();
    if (content === "") return;
    const directive = /^line[ \t]+(\d{1,8})[ \t]+(8N1|8E1)$/i.exec(content);
    if (directive) {
      const baud = Number(directive[1]);
      if (baud < 300 || baud > 20_000_000) throw new ScriptError(`${file}:${i + 1}: baud ${baud} is not 300 … 20000000`);
      line = { baud, framing: directive[2].toUpperCase() as HostLine["framing"] };
      return;
    }
    if (/^line\b/i.test(content)) throw new ScriptError(`${file}:${i + 1}: expected 'line BAUD 8N1|8E1'`);
    const m = /^(\d{1,15})(?:[ \t]+(.*))?$/.exec(content);
    if (!m) throw new ScriptError(`${file}:${i + 1}: expected 'AT_US HEX_BYTES'`);
    const hex = (m[2] ?? "").replace(/[ \t\r]/g, "");
    if (!/^[0-9a-fA-F]*$/.test(hex)) throw new ScriptError(`${file}:${i + 1}: '${hex}' is not hex`);
    if (hex.length % 2 !== 0) throw new ScriptError(`${file}:${i + 1}: an odd number of hex digits`);
    out.push({ atUs: Number(m[1]), bytes: Uint8Array.from(Buffer.from(hex, "hex")), line });
  });
  return out;
}

export function formatScript(entries: readonly ScriptEntry[]): string {
  let current: HostLine = { ...DEFAULT_HOST_LINE };
  let text = "";
  for (const e of entries) {
    const line = e.line ?? current;
    if (line.baud !== current.baud || line.framing !== current.framing) text += `line ${line.baud} ${line.framing}\n`;
    current = line;
    text += `${Math.floor(e.atUs)} ${Buffer.from(Uint8Array.from(e.bytes)).toString("hex")}\n`;
  }
  return text;
}

/** Queues a script on a simulated UART, each chunk on its line. */
export function deliverScript(uart: { deliver(bytes: Iterable<number>, atUs: number, line?: HostLine): void }, script: readonly ScriptEntry[]): void {
  let line: HostLine = { ...DEFAULT_HOST_LINE };
  for (const e of script) {
    line = e.line ?? line;
    uart.deliver(e.bytes, e.atUs, line);
  }
}
