/**
 * Baud negotiation end to end (issue 12): `tsboot flash --baud` against the live host-C simulation, through
 * RFC 2217 (rfc2217://), which carries the host's line rate to the simulated line. The simulated USART runs at
 * clock / BRR and the line at the host's rate, so a host and a device at different rates read garbage, as on
 * a wire; --line-limit-baud makes a link that garbles everything above a rate.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildHostSim, type HostSim } from "../../host/sim/build";
import { startLive, type LiveOptions, type LiveSim } from "../../host/sim/run";
import { flashCommand, infoCommand } from "../../host/cli-tools";
import { APP_START, BOARD, have, testApplication, testImage } from "./helpers";
import { capture } from "../host-tools/helpers";

const gcc = have("gcc");
if (!gcc) console.warn("test/host-sim/live-baud: skipped, gcc is not installed");

const at = (flash: Uint8Array, address: number, length: number) => Buffer.from(flash.subarray(address - 0x08000000, address - 0x08000000 + length));

describe.skipIf(!gcc)(`tsboot flash --baud against the live simulation (RFC 2217)${gcc ? "" : " (skipped: host gcc is not on PATH; bash scripts/setup.sh installs it)"}`, () => {
  let sim: HostSim;
  let dir: string;
  const running: LiveSim[] = [];

  beforeAll(async () => {
    sim = await buildHostSim({ board: BOARD });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-live-baud-"));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((l) => l.close()));
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function live(name: string, options: Omit<LiveOptions, "board" | "sim"> = {}): Promise<{ l: LiveSim; flashFile: string; image: string; payload: Uint8Array }> {
    const flashFile = path.join(dir, `${name}.bin`);
    const payload = testApplication(40_000, name.length);
    const image = path.join(dir, `${name}.tsb`);
    fs.writeFileSync(image, testImage(payload, "3.1.4"));
    const l = await startLive({ board: BOARD, sim, flashFile, trigger: true, ...options });
    running.push(l);
    return { l, flashFile, image, payload };
  }

  it("--baud auto: the session moves to 2 Mbaud (the fastest the F411's 50 MHz USART2 offers) and the update lands there", async () => {
    const { l, flashFile, image, payload } = await live("auto");
    const c = capture();
    expect(await flashCommand([image, "--port", `rfc2217://127.0.0.1:${l.port}`, "--baud", "auto", "--json", "--no-boot"], c.io)).toBe(0);
    const j = JSON.parse(c.out());
    expect(j).toMatchObject({ ok: true, bytes: payload.length, baud: 2_000_000, lineBytesPerSecond: 200_000, retries: 0 });
    expect(j.device.lineErrors).toEqual([]);
    expect(c.err()).toBe("");
    await l.close();
    expect(at(new Uint8Array(fs.readFileSync(flashFile)), APP_START, payload.length)).toEqual(Buffer.from(payload));
  });

  it("--baud 921600 asks for that rate; a rate the device does not offer is refused with the list of those it does, and nothing changes", async () => {
    const { l, image, payload } = await live("asked");
    let c = capture();
    expect(await flashCommand([image, "--port", `rfc2217://127.0.0.1:${l.port}`, "--baud", "921600", "--json", "--no-boot"], c.io)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({ ok: true, bytes: payload.length, baud: 921_600 });

    c = capture();
    expect(await infoCommand(["--port", `rfc2217://127.0.0.1:${l.port}`, "--baud", "3000000"], c.io)).toBe(1);
    expect(c.err()).toBe(
      "tsboot info: --baud 3000000: the device does not offer 3000000 baud; it offers 115200 (+0.01 %), 230400 (+0.01 %), 460800 (-0.45 %), 921600 (+0.47 %), 1000000, 1500000 (+1.01 %), 2000000\n",
    );
    // The session it refused went on at 115200: a plain INFO on a new connection answers there.
    c = capture();
    expect(await infoCommand(["--port", `rfc2217://127.0.0.1:${l.port}`, "--json"], c.io)).toBe(0);
    expect(JSON.parse(c.out()).appValid).toBe(true);
  });

  it("--baud on a raw TCP pipe: auto stays at the bridge's rate and says so; a number is refused", async () => {
    const { l, image } = await live("raw", { uartTiming: "none" });
    let c = capture();
    expect(await flashCommand([image, "--port", `tcp://127.0.0.1:${l.port}`, "--baud", "auto", "--json", "--no-boot"], c.io)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({ ok: true, baud: null });
    expect(c.err()).toBe(`tsboot flash: tcp://127.0.0.1:${l.port} has no rate of its own (its bridge sets it): the rate stays as it is\n`);
    c = capture();
    expect(await infoCommand(["--port", `tcp://127.0.0.1:${l.port}`, "--baud", "921600"], c.io)).toBe(1);
    expect(c.err()).toMatch(/^tsboot info: --baud 921600: tcp:\/\/127\.0\.0\.1:\d+ is a raw TCP pipe whose rate its bridge sets; use a serial port or rfc2217:\/\/HOST:PORT/);
  });

  it("a link that garbles above 1 Mbaud: the switch to 2 Mbaud fails, both ends are back at 115200 after the device's 1 s window, and the update completes there", async () => {
    const { l, flashFile, image, payload } = await live("fallback", { lineLimitBaud: 1_000_000 });
    const c = capture();
    const started = performance.now();
    expect(await flashCommand([image, "--port", `rfc2217://127.0.0.1:${l.port}`, "--baud", "auto", "--json", "--no-boot"], c.io)).toBe(0);
    expect(performance.now() - started).toBeGreaterThan(1000); // the confirm window passed before the session went on
    expect(c.err()).toBe("tsboot flash: the link failed at 2000000 baud: back at 115200\n");
    const j = JSON.parse(c.out());
    expect(j).toMatchObject({ ok: true, bytes: payload.length, baud: 115200, retries: 0 });
    await l.close();
    expect(at(new Uint8Array(fs.readFileSync(flashFile)), APP_START, payload.length)).toEqual(Buffer.from(payload));
  });
});
