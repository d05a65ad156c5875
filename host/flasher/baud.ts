/**
 * Baud negotiation, host side (docs/protocol.md, "Baud negotiation"): what BAUDS says, and which rate to ask
 * for. The switch itself — SET_BAUD, the host's own change, the confirming frame and the fallback — is
 * Flasher.setBaud (flasher.ts); the transports change their rate with Transport.setBaud (transport.ts).
 */

/** BAUDS' reply after the status byte. */
export interface BaudList {
  /** The rate the session runs at now. */
  current: number;
  /** The rates the device offers, slowest (the base rate, where every session starts) first. */
  rates: { baud: number; errorPercent: number }[];
}

export function decodeBauds(data: Uint8Array): BaudList {
  if (data.length < 5) throw new Error(`BAUDS reply of ${data.length} bytes: at least 5 expected`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = data[4];
  if (data.length < 5 + 6 * count) throw new Error(`BAUDS reply of ${data.length} bytes for ${count} rates`);
  const rates = [];
  for (let i = 0; i < count; i++) rates.push({ baud: v.getUint32(5 + 6 * i, true), errorPercent: v.getInt16(9 + 6 * i, true) / 100 });
  return { current: v.getUint32(0, true), rates };
}

/** What --baud asks for: the fastest rate both ends have ("auto"), or a given rate. */
export type BaudRequest = "auto" | number;

export function parseBaudRequest(text: string): BaudRequest | null {
  if (text === "auto") return "auto";
  const t = text.replace(/_/g, "");
  if (!/^[0-9]+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) && n >= 1200 && n <= 12_000_000 ? n : null;
}

/**
 * The rate to ask for: "auto" takes the fastest the device offers up to what the transport can do
 * (`hostMax`, null: no limit of its own); a number must be offered. Returns null when the device has
 * nothing faster than `current` to give.
 */
export function chooseBaud(list: BaudList, request: BaudRequest, hostMax: number | null): number | null {
  if (request !== "auto") return request === list.current ? null : request;
  const usable = list.rates.filter((r) => hostMax === null || r.baud <= hostMax).map((r) => r.baud);
  const fastest = usable.length ? Math.max(...usable) : list.current;
  return fastest > list.current ? fastest : null;
}

/** "115200, 230400, …, 2000000 (+1.0 %)" for messages. */
export function describeRates(list: BaudList): string {
  return list.rates.map((r) => (r.errorPercent === 0 ? `${r.baud}` : `${r.baud} (${r.errorPercent > 0 ? "+" : ""}${r.errorPercent.toFixed(2)} %)`)).join(", ");
}
