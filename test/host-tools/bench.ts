/**
 * Throughput of `tsboot flash` against the real bootloader (the live host simulation), not part of the
 * test suite: `node bin/run-ts.mjs test/host-tools/bench.ts [sizeKiB]`.
 *
 * 1. Straight over TCP: no line rate, so this measures the host and the simulated device.
 * 2. Through a proxy that models 115200 8N1 (11,520 B/s each way) plus a USB bridge's one-way latency,
 *    with 1, 2 and 4 frames in flight: what the window buys in round trips.
 */
import { loadBoard } from "../../boards/index";
import { Flasher } from "../../host/flasher/index";
import { buildImage, encodeVersion } from "../../host/image-format";
import { buildHostSim } from "../../host/sim/build";
import { startLive } from "../../host/sim/run";
import { makeApp, startLineProxy } from "./helpers";

const BOARD = "nucleo-f411re";
const board = loadBoard(BOARD);
const size = Number(process.argv[2] ?? 64) * 1024;
const image = buildImage(makeApp(board, size), { appVersion: encodeVersion("1.0.0"), boardId: board.boardId, loadAddress: board.memoryMap.application.start });
const sim = await buildHostSim({ board: BOARD, onBuild: (m) => console.error(m) });
const live = await startLive({ board: BOARD, sim, stay: true });
const direct = `tcp://127.0.0.1:${live.port}`;
const LINE = 11_520;

async function once(url: string, window?: number) {
  const f = await Flasher.open(url, { window });
  try {
    return await f.flash(image);
  } finally {
    await f.close();
    await new Promise((r) => setTimeout(r, 100)); // let the simulator take the next client
  }
}

const rows: string[] = [];
const r0 = await once(direct);
rows.push(`TCP, no line model      window 4: ${size} B, write ${Math.round(r0.writeBytesPerSecond)} B/s, total ${Math.round(r0.bytesPerSecond)} B/s (incl. BEGIN's erase)`);
for (const latencyMs of [0, 1, 8]) {
  for (const window of [1, 2, 4]) {
    const proxy = await startLineProxy(live.port, { bytesPerSecond: LINE, latencyMs });
    const r = await once(proxy.url, window);
    await proxy.close();
    rows.push(
      `115200 8N1, ${String(latencyMs).padStart(2)} ms latency, window ${window}: write ${Math.round(r.writeBytesPerSecond)} B/s = ` +
        `${((100 * r.writeBytesPerSecond) / LINE).toFixed(1)}% of ${LINE} B/s; total ${Math.round(r.bytesPerSecond)} B/s; ${r.writeFrames} frames, ${r.retries} retries`,
    );
    console.error(rows.at(-1));
  }
}
await live.close();
console.log(rows.join("\n"));

// 3. A polled UART that cannot receive while it sends a reply (the fake device's overrun model): the
//    adaptive window against a fixed window of 1.
const { FakeDevice } = await import("./fake-device");
for (const window of [4, 1]) {
  const d = await FakeDevice.start({ lineBytesPerSecond: LINE, latencyMs: 1, overrunWhileReplying: true });
  const r = await once(d.url, window);
  await d.close();
  console.log(
    `overrun model, start window ${window}: write ${Math.round(r.writeBytesPerSecond)} B/s = ${((100 * r.writeBytesPerSecond) / LINE).toFixed(1)}% ` +
      `of the line; window shrank to ${r.minWindow}; ${r.retries} retries, ${d.stats.overrunBytes} bytes overrun`,
  );
}
