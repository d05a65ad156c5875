/**
 * Issue 11 end to end, against the real bootloader in C (the host simulation): `tsboot keygen`, a
 * simulator built with the public key in its board.c (what `tsboot build --pubkey` does for the ARM
 * build: the same boards/board-c.ts accessor), `tsboot image --key --security-counter`, `tsboot flash`,
 * and `tsboot info` showing the signature mode and the device's anti-rollback counter. The refusals
 * come back as the flasher's actionable messages.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadBoard } from "../../boards/index";
import { loadBoardLayout } from "../../boards/layout";
import { flashCommand, imageCommand, infoCommand, keygenCommand } from "../../host/cli-tools";
import { loadPublicKeyBytes } from "../../host/image/keys";
import type { BoardLayout } from "../../hal-bindings/sim/board-layout";
import { capture, makeApp, tempDir } from "../host-tools/helpers";

const BOARD = "nucleo-f411re";
const board = loadBoard(BOARD);

let run: typeof import("../../host/sim/run");
let sim: Awaited<ReturnType<typeof import("../../host/sim/build")["buildHostSim"]>>;
let layout: BoardLayout;
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  dir = tempDir("tsboot-signed-");
  for (const name of ["key.pem", "other.pem"]) {
    const c = capture();
    expect(await keygenCommand(["-o", path.join(dir, name)], c.io), c.err()).toBe(0);
  }
  layout = { ...loadBoardLayout(BOARD), publicKey: loadPublicKeyBytes(path.join(dir, "key.pub")) };
  run = await import("../../host/sim/run");
  sim = await (await import("../../host/sim/build")).buildHostSim({ board: layout });
}, 300_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `tsboot image app.bin --board … --version … [--key …] [--security-counter …]`: the .tsb's path. */
async function image(name: string, version: string, seed: number, extra: string[]): Promise<string> {
  const bin = path.join(dir, `${name}.bin`);
  fs.writeFileSync(bin, makeApp(board, 20_000, seed));
  const out = path.join(dir, `${name}.tsb`);
  const c = capture();
  expect(await imageCommand([bin, "--board", BOARD, "--version", version, "-o", out, ...extra], c.io), c.err()).toBe(0);
  return out;
}

async function info(port: string) {
  const c = capture();
  expect(await infoCommand(["--port", port, "--json"], c.io), c.err()).toBe(0);
  return JSON.parse(c.out());
}

describe("signed images through the host tools and the bootloader in C", () => {
  it("flash a signed image, see the mode and counter in info; refusals: another key, unsigned, a lower counter", async () => {
    const key = path.join(dir, "key.pem");
    const live = await run.startLive({ board: layout, sim, stay: true, trigger: true, uartTiming: "none", flashTiming: "none" });
    cleanups.push(() => live.close());
    const port = `tcp://127.0.0.1:${live.port}`;

    expect(await info(port)).toMatchObject({ signatureRequired: true, securityCounter: 0, appValid: false });
    let c = capture();
    expect(await flashCommand([await image("v1", "1.0.0", 1, ["--key", key, "--security-counter", "3"]), "--port", port], c.io), c.err()).toBe(0);
    await live.waitForLine(/the application requests an update and resets/);
    expect(await info(port)).toMatchObject({ signatureRequired: true, securityCounter: 3, appValid: true, appVersion: "1.0.0" });
    c = capture();
    expect(await infoCommand(["--port", port], c.io)).toBe(0);
    expect(c.out()).toContain("signatures:   required (Ed25519, the public key built into the bootloader); anti-rollback counter 3");

    // Signed with another key: the device checks the signature after the download and refuses it (status 18).
    c = capture();
    const foreign = await image("foreign", "1.1.0", 2, ["--key", path.join(dir, "other.pem"), "--security-counter", "3"]);
    expect(await flashCommand([foreign, "--port", port], c.io)).not.toBe(0);
    expect(c.err()).toContain("its signature does not verify with the bootloader's public key");
    expect(await info(port)).toMatchObject({ appValid: false, securityCounter: 3 }); // one slot: the old image was replaced, none starts

    // Unsigned, and a lower counter: the flasher refuses before sending anything (INFO told it the mode and counter).
    c = capture();
    expect(await flashCommand([await image("plain", "1.2.0", 3, []), "--port", port], c.io)).not.toBe(0);
    expect(c.err()).toMatch(/sign/i);
    c = capture();
    expect(await flashCommand([await image("old", "1.3.0", 4, ["--key", key, "--security-counter", "2"]), "--port", port], c.io)).not.toBe(0);
    expect(c.err()).toContain("security counter 2 is below the device's 3");

    // And a good one still goes in, raising the counter.
    c = capture();
    expect(await flashCommand([await image("v2", "2.0.0", 5, ["--key", key, "--security-counter", "4"]), "--port", port], c.io), c.err()).toBe(0);
    await live.waitForLine(/the application requests an update and resets/);
    expect(await info(port)).toMatchObject({ signatureRequired: true, securityCounter: 4, appValid: true, appVersion: "2.0.0" });
  }, 300_000);
});
