/**
 * Scripts for scripted simulator runs: one line per chunk the host sends, `AT_US HEX_BYTES`, the chunk's
 * first byte arriving at virtual time AT_US (later bytes one byte-time apart, and never before the previous
 * chunk has finished: SimUart.deliver). Blank lines and `#` comments are ignored; hex may contain spaces.
 * Every chunk is queued before the device starts, in file order.
 */
export interface ScriptEntry {
  atUs: number;
  bytes: Uint8Array | readonly number[];
}

/** What a scripted session sets up, the same for the C simulator and the Node one. */
export interface SessionOptions {
  script?: readonly ScriptEntry[];
  trigger?: boolean;
  updateFlag?: number;
  cutPowerAt?: number;
  injectError?: number;
  limitUs?: number;
  /** The idle stop (Simulation.idleLimitUs; default 20 s; 0: never). */
  idleUs?: number;
}

export class ScriptError extends Error {}

export function parseScript(text: string, file = "<script>"): ScriptEntry[] {
  const out: ScriptEntry[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") return;
    const m = /^(\d{1,15})(?:[ \t]+(.*))?$/.exec(line);
    if (!m) throw new ScriptError(`${file}:${i + 1}: expected 'AT_US HEX_BYTES'`);
    const hex = (m[2] ?? "").replace(/[ \t\r]/g, "");
    if (!/^[0-9a-fA-F]*$/.test(hex)) throw new ScriptError(`${file}:${i + 1}: '${hex}' is not hex`);
    if (hex.length % 2 !== 0) throw new ScriptError(`${file}:${i + 1}: an odd number of hex digits`);
    out.push({ atUs: Number(m[1]), bytes: Uint8Array.from(Buffer.from(hex, "hex")) });
  });
  return out;
}

export function formatScript(entries: readonly ScriptEntry[]): string {
  return entries.map((e) => `${Math.floor(e.atUs)} ${Buffer.from(Uint8Array.from(e.bytes)).toString("hex")}\n`).join("");
}
