/**
 * Baud negotiation, host side (docs/protocol.md, "Baud negotiation"): what BAUDS says, and which rate to ask
 * for. The switch itself — SET_BAUD, the host's own change, the confirming frame and the fallback — is
 * negotiateBaud below; the transports change their rate with Transport.setBaud (transport.ts).
 */
import { Command, u32le } from "../frames";
import { FlasherError } from "./errors";
import { Status, type Flasher } from "./flasher";

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
 * The rate to ask for: "auto" takes the fastest the device offers; a number is taken as it is (the caller
 * checks that it is offered). Returns null when there is nothing to change: the rate asked for is the
 * current one, or the device has nothing faster.
 */
export function chooseBaud(list: BaudList, request: BaudRequest): number | null {
  if (request !== "auto") return request === list.current ? null : request;
  const fastest = Math.max(list.current, ...list.rates.map((r) => r.baud));
  return fastest > list.current ? fastest : null;
}

/** "115200, 230400, …, 2000000 (+1.0 %)" for messages. */
export function describeRates(list: BaudList): string {
  return list.rates.map((r) => (r.errorPercent === 0 ? `${r.baud}` : `${r.baud} (${r.errorPercent > 0 ? "+" : ""}${r.errorPercent.toFixed(2)} %)`)).join(", ");
}

/** What negotiateBaud did. */
export interface BaudOutcome {
  /** The rate the session runs at now. */
  baud: number;
  /** The rate it ran at before. */
  from: number;
  /** The device's rates (null: it has no baud negotiation, or the transport has no rate). */
  offered: BaudList | null;
  /** Why the rate stayed as it was, when it did: a message for the user. */
  note: string | null;
  /** True when the faster link failed and both ends went back to `from`. */
  fellBack: boolean;
}

/** A few INFO attempts fit in the device's confirm window: each gets this share of it. */
const CONFIRM_ATTEMPTS = 3;
/** After a failed switch, wait this much past the device's confirm window before speaking at the old rate. */
const FALLBACK_MARGIN_MS = 100;

/**
 * Baud negotiation after the handshake (docs/protocol.md, "Baud negotiation"): BAUDS, SET_BAUD to the rate
 * chosen (its reply comes at the old rate), the host's own change, then INFO at the new rate inside the
 * device's confirm window. If that INFO gets no answer, the host goes back to the old rate once the device
 * has surely done so too (the confirm window has passed) and checks with INFO there: the session goes on.
 * A rate the device does not offer, or a transport without a rate of its own (`--baud N` on tcp://), is
 * refused with a clear error; "auto" then stays where it is and says why in `note`.
 */
export async function negotiateBaud(flasher: Flasher, request: BaudRequest): Promise<BaudOutcome> {
  const t = flasher.transport;
  if (!t.setBaud || t.baud === undefined) {
    if (request === "auto") return { baud: 0, from: 0, offered: null, note: `${t.description} has no rate of its own (its bridge sets it): the rate stays as it is`, fellBack: false };
    throw new FlasherError("refused", `--baud ${request}: ${t.description} is a raw TCP pipe whose rate its bridge sets; use a serial port or rfc2217://HOST:PORT to change rates`);
  }
  const from = t.baud;
  if (request === from) return { baud: from, from, offered: null, note: null, fellBack: false };
  const reply = await flasher.command(Command.Bauds);
  if (reply.status === Status.UnknownCommand) {
    if (request === "auto") return { baud: from, from, offered: null, note: "this bootloader has no baud negotiation (BAUDS): staying at " + from, fellBack: false };
    throw new FlasherError("too-old", `--baud ${request}: this bootloader has no baud negotiation (BAUDS); it runs at ${from} baud only`);
  }
  if (reply.status !== Status.Ok) throw new FlasherError("protocol", `BAUDS answered '${reply.statusName}'`);
  const offered = decodeBauds(reply.data);
  if (request !== "auto" && !offered.rates.some((r) => r.baud === request)) {
    throw new FlasherError("refused", `--baud ${request}: the device does not offer ${request} baud; it offers ${describeRates(offered)}`, Status.UnsupportedBaud);
  }
  const target = chooseBaud(offered, request);
  if (target === null) return { baud: from, from, offered, note: request === "auto" ? `no faster rate than ${from} on both ends` : null, fellBack: false };

  const set = await flasher.command(Command.SetBaud, u32le(target), { attempts: 1 });
  if (set.status === Status.UnsupportedBaud) throw new FlasherError("refused", `the device refused ${target} baud; it offers ${describeRates(offered)}`, set.status);
  if (set.status !== Status.Ok || set.data.length < 2) throw new FlasherError("protocol", `SET_BAUD ${target} answered '${set.statusName}'`);
  const confirmMs = new DataView(set.data.buffer, set.data.byteOffset).getUint16(0, true);
  const switchedAt = performance.now();
  await t.setBaud(target);
  flasher.timing.lineChanged(t.bytesPerSecond);
  try {
    await flasher.info({ timeoutMs: Math.max(20, Math.floor(confirmMs / (CONFIRM_ATTEMPTS + 1))), attempts: CONFIRM_ATTEMPTS });
    return { baud: target, from, offered, note: null, fellBack: false };
  } catch (e) {
    if (!(e instanceof FlasherError) || e.code !== "no-answer") throw e;
  }
  // The device heard nothing valid at the new rate: it goes back to `from` when its window closes.
  await t.setBaud(from);
  flasher.timing.lineChanged(t.bytesPerSecond);
  const wait = switchedAt + confirmMs + FALLBACK_MARGIN_MS - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  flasher.link.resync();
  await flasher.info();
  return { baud: from, from, offered, note: `the link failed at ${target} baud: back at ${from}`, fellBack: true };
}
