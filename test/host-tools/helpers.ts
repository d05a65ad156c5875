/** Shared pieces of the host-tools tests: applications, temporary files, a cutting proxy, a mute server. */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Board } from "../../boards/index";
import { fakeApplication } from "../support/fake-app";
export { freePort } from "../support/net";
import { freePort } from "../support/net";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A plausible application: a sane vector table (SP at the top of RAM, Thumb reset handler inside), then noise. */
export function makeApp(board: Board, size: number, seed = 1): Uint8Array {
  return fakeApplication({ ramTop: board.ram.base + board.ram.size, appStart: board.memoryMap.application.start, resetOffset: 0x101 }, size, seed);
}

export function tempDir(prefix = "tsboot-host-tools-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A TCP proxy in front of `target`: forwards both ways, and after `cutAfter` bytes from the host it
 * destroys both sockets (a cable pulled mid-transfer). Later connections pass through uncut.
 */
export async function startCuttingProxy(target: number, cutAfter: number): Promise<{ port: number; url: string; cuts: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const state = { port: 0, url: "", cuts: 0, close: async () => {} };
  let armed = true;
  const server = net.createServer((client) => {
    const upstream = net.connect(target, "127.0.0.1");
    sockets.add(client).add(upstream);
    let forwarded = 0;
    const cutThis = armed;
    client.on("data", (chunk: Buffer) => {
      if (cutThis && forwarded + chunk.length >= cutAfter) {
        upstream.write(chunk.subarray(0, Math.max(0, cutAfter - forwarded)));
        forwarded = cutAfter;
        armed = false;
        state.cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      forwarded += chunk.length;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    for (const s of [client, upstream]) {
      s.on("error", () => {});
      s.on("close", () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(s);
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  state.port = (server.address() as net.AddressInfo).port;
  state.url = `tcp://127.0.0.1:${state.port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** A TCP server that accepts connections and never says anything (a board running its application). */
export async function startMuteServer(): Promise<{ url: string; received: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let received = 0;
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("data", (c) => (received += c.length));
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `tcp://127.0.0.1:${port}`,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on which nothing listens (bound, then released). */

/**
 * A TCP proxy that behaves like a UART behind a USB bridge: each direction is a line of `bytesPerSecond`
 * (bytes queue behind each other), plus `latencyMs` one way. For measuring what the window buys.
 */
export async function startLineProxy(target: number, { bytesPerSecond, latencyMs = 0 }: { bytesPerSecond: number; latencyMs?: number }): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect(target, "127.0.0.1");
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    const line = (from: net.Socket, to: net.Socket) => {
      let freeAt = 0;
      from.on("data", (chunk: Buffer) => {
        const now = performance.now();
        const done = Math.max(now, freeAt) + (chunk.length * 1000) / bytesPerSecond;
        freeAt = done;
        setTimeout(() => to.destroyed || to.write(chunk), done + latencyMs - now);
      });
    };
    line(client, upstream);
    line(upstream, client);
    for (const s of [client, upstream]) {
      s.on("error", () => {});
      s.on("close", () => {
        setTimeout(() => {
          client.destroy();
          upstream.destroy();
        }, 50 + latencyMs);
        sockets.delete(s);
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `tcp://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Stdout and stderr of a CLI command, captured (the commands take an `io` instead of the process's). */
export function capture(isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, isTTY, columns: 100 },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}
