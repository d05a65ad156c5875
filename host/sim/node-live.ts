/**
 * The Node simulation on a TCP port, for host tools (the flasher library) to talk to, as the host C
 * simulation's live mode does: `node-run.ts --port N`. The bootloader runs synchronously on this thread; a
 * worker thread owns the socket. Bytes from the host reach the bootloader through a shared ring (the
 * bootloader's thread takes them whenever it looks at its receiver, and waits on it with Atomics.wait when
 * it polls an empty UART), and the bootloader's bytes go to the socket by message. While the device waits
 * for input, its clock follows real time.
 *
 * One boot per process (the bootloader's module state is its static RAM): the run ends as a scripted one
 * does (an application start, a reset, a panic), and node-run prints its outcome.
 */
import { Worker } from "node:worker_threads";
import type { Simulation } from "../../hal-bindings/sim/simulation";

const RING_SIZE = 1 << 16;
/** Control words: [0] bytes the worker has written into the ring (a running count), [1] the port once listening. */
const WRITTEN = 0;
const PORT = 1;
/** How long one idle poll waits for the host before the device's clock moves on. */
const IDLE_WAIT_MS = 1;

/** The worker: a TCP server for one client at a time; a second one is told the port is busy. */
const WORKER = `
const { workerData, parentPort } = require("node:worker_threads");
const net = require("node:net");
const fs = require("node:fs");
const control = new Int32Array(workerData.control);
const ring = new Uint8Array(workerData.ring);
let client = null;
const server = net.createServer((socket) => {
  if (client) {
    socket.end("tsboot node simulation: port busy (another client is connected)\\n");
    return;
  }
  client = socket;
  socket.setNoDelay(true);
  socket.on("data", (chunk) => {
    let written = Atomics.load(control, ${WRITTEN});
    for (const b of chunk) ring[(written++) % ${RING_SIZE}] = b;
    Atomics.store(control, ${WRITTEN}, written);
    Atomics.notify(control, ${WRITTEN});
  });
  socket.on("close", () => { if (client === socket) client = null; });
  socket.on("error", () => {});
});
parentPort.on("message", (m) => {
  if (m.bytes && client) client.write(Buffer.from(m.bytes));
  if (m.close) { if (client) client.end(); server.close(); parentPort.close(); }
});
server.listen(workerData.port, "127.0.0.1", () => {
  const port = server.address().port;
  fs.writeSync(1, workerData.board + ", listening on 127.0.0.1:" + port + " (node simulation)\\n");
  Atomics.store(control, ${PORT}, port);
  Atomics.notify(control, ${PORT});
});
`;

export interface LiveLink {
  /** Sends what the device wrote since the last call. */
  flush(): void;
  /** Ends the connection and the worker. */
  close(): void;
}

/** Listens on `port` (0: any free one) and connects `sim`'s UART to the client; returns once listening. */
export function serveLive(sim: Simulation, port: number, boardName: string): LiveLink {
  const control = new SharedArrayBuffer(8);
  const ring = new SharedArrayBuffer(RING_SIZE);
  const words = new Int32Array(control);
  const bytes = new Uint8Array(ring);
  const worker = new Worker(WORKER, { eval: true, workerData: { control, ring, port, board: boardName } });
  while (Atomics.load(words, PORT) === 0) Atomics.wait(words, PORT, 0, 100);

  let read = 0;
  let sent = 0;
  const flush = () => {
    const tx = sim.uart.tx;
    if (tx.length > sent) {
      worker.postMessage({ bytes: Uint8Array.from(tx.slice(sent)) });
      sent = tx.length;
    }
  };
  const take = (written: number) => {
    if (written === read) return;
    const chunk: number[] = [];
    for (; read !== written; read++) chunk.push(bytes[read % RING_SIZE]);
    sim.uart.deliver(chunk, sim.nowUs);
  };
  // Each time the device looks at its receiver, busy or not, its replies go out and the host's bytes come
  // in: a host keeps its window full while the device works through its ring, as on a real line.
  sim.onHostTurn = () => {
    flush();
    take(Atomics.load(words, WRITTEN));
  };
  sim.onIdle = () => {
    const written = Atomics.load(words, WRITTEN);
    if (written === read) {
      const start = Date.now();
      Atomics.wait(words, WRITTEN, written, IDLE_WAIT_MS);
      // The device's clock follows real time while it waits (its listen window and idle timeouts).
      sim.advance(Math.max(0, (Date.now() - start) * 1000));
    }
    take(Atomics.load(words, WRITTEN));
  };
  return {
    flush,
    close: () => {
      flush();
      worker.postMessage({ close: true });
    },
  };
}
