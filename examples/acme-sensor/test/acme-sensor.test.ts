/**
 * The example product end to end, as its own repository would run it: tsboot as a dependency (the file:
 * link that `npm install` makes), `npx tsboot` from this folder, the product's own entry, board file and
 * bindings, in the ARM build, the host simulation (C) and the Node simulation, starting an application
 * built with tsboot's application kit for the product's board. The product's command (GET_SERIAL) is asked
 * for with tsboot's flasher library, and its update reason (the service jumper) is read in the boot text.
 */
import { execa, type ResultPromise } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { Flasher } from "tsboot/flasher";
import { GET_SERIAL } from "../src/serial";
import { JUMPER_PIN, JUMPER_PORT } from "../src/service-jumper";

const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TSBOOT = path.join(HERE, "node_modules/.bin/tsboot");
const BOARD = "boards/acme-sensor.json";
const SIMULATED_UNIQUE_ID = "ACME-SIM-001"; // c/acme_host.c and src/simulated-unique-id.ts
const JUMPER_FITTED = "PB5=0";
const UNKNOWN_COMMAND = 2;
const BAD_LENGTH = 3;
const haveArmGcc = (await execa("sh", ["-c", "command -v arm-none-eabi-gcc"], { reject: false })).exitCode === 0;
let work: string;

/** `npx tsboot …` in the product's folder. */
function tsboot(args: string[], env: Record<string, string> = {}) {
  return execa(TSBOOT, args, { cwd: HERE, reject: false, all: true, env: { ...process.env, ...env } });
}

const haveMake = (await execa("sh", ["-c", "command -v make"], { reject: false })).exitCode === 0;
let appTsb: string | undefined;

/**
 * The product's application, built with tsboot's application kit for the product's board and packaged
 * (without arm-none-eabi-gcc: the smallest image the bootloader accepts, a vector table).
 */
async function application(): Promise<{ tsb: string; resetVector: number }> {
  if (!appTsb) {
    let input = path.join(work, "app.bin");
    if (haveArmGcc && haveMake) {
      const kit = path.join(work, "app-kit");
      const k = await tsboot(["app-kit", "--board", BOARD, "-o", kit]);
      expect(k.exitCode, k.all).toBe(0);
      const make = await execa("make", ["-C", kit], { reject: false, all: true });
      expect(make.exitCode, make.all).toBe(0);
      input = path.join(kit, "app.elf");
    } else {
      const words = new Uint32Array(64);
      words[0] = 0x20020000 - 64;
      words[1] = 0x08008000 + 0x101;
      fs.writeFileSync(input, new Uint8Array(words.buffer));
    }
    appTsb = path.join(work, "app.tsb");
    const r = await tsboot(["image", input, "--board", BOARD, "--version", "1.0.0", "-o", appTsb]);
    expect(r.exitCode, r.all).toBe(0);
  }
  const bytes = fs.readFileSync(appTsb);
  return { tsb: appTsb, resetVector: bytes.readUInt32LE(64 + 4) };
}

beforeAll(async () => {
  // What `npm install` does in a product's repository: link tsboot (offline: nothing to download).
  if (!fs.existsSync(TSBOOT)) await execa("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: HERE });
  work = fs.mkdtempSync(path.join(os.tmpdir(), "acme-sensor-"));
});

describe("ACME's bootloader, built on tsboot as a dependency", () => {
  test("the board file: tsboot's schema and checks, the product's own section", async () => {
    const { loadBoard } = await import("tsboot/boards");
    const board = loadBoard(path.join(HERE, BOARD));
    expect(board.boardId).toBe(0x04318001);
    expect(board.product).toEqual({ serviceJumper: { port: "B", pin: 5, activeLevel: "low" }, model: "ACME-S1" });
    // The jumper's pin in src/service-jumper.ts is the board file's.
    const jumper = (board.product as { serviceJumper: { port: string; pin: number } }).serviceJumper;
    expect("ABCDEFGHIJK"[JUMPER_PORT]).toBe(jumper.port);
    expect(JUMPER_PIN).toBe(jumper.pin);
  });

  test.skipIf(!haveArmGcc)(`npx tsboot build: the product's entry, board and C binding${haveArmGcc ? "" : " (skipped: no arm-none-eabi-gcc)"}`, async () => {
    const out = path.join(work, "arm");
    const r = await tsboot(["build", "--board", BOARD, "--entry", "src/main.ts", "--c", "c/acme_stm32f4.c", "-o", out]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain("tsboot bootloader for acme-sensor (STM32F411RE)");
    const build = JSON.parse(fs.readFileSync(path.join(out, "build.json"), "utf8"));
    const module = String(build.entryFunction).replace(/_bootloaderMain$/, "");
    expect(fs.readFileSync(path.join(out, "gen/startup.c"), "utf8")).toContain(`${module}_bootloaderMain();`); // the product's entry
    expect(build.entry).toBe(path.join(HERE, "src/main.ts"));
    expect(fs.readFileSync(path.join(out, "gen/tsboot_product.h"), "utf8")).toContain('#define PRODUCT_SERVICE_JUMPER_PORT "B"');
    // The product's hooks are linked to the core.
    const hooks = fs.readFileSync(path.join(out, "gen/tsboot_product_hooks.c"), "utf8");
    expect(hooks).toContain(`return ${module}_productCommand(command, payload, reply);`);
    expect(hooks).toContain(`return ${module}_productUpdateReason();`);
    expect(hooks).toContain(`${module}_announceProductReason(reason);`);
    // The binding's C was compiled and linked (LTO inlines it; its call graph is in the stack analysis).
    const graphs = fs.readdirSync(path.join(out, "analysis")).filter((f) => f.endsWith(".ci"));
    const uid = graphs.find((f) => f.includes("acme_stm32f4"));
    expect(uid).toBeDefined();
    expect(fs.readFileSync(path.join(out, "analysis", uid!), "utf8")).toContain("acme_unique_id");
    expect(fs.statSync(path.join(out, "bootloader.bin")).size).toBeLessThanOrEqual(16 * 1024);
  }, 120_000);

  test("host simulation (C): the service jumper keeps the bootloader in update mode, saying so; without it the application starts", async () => {
    const { tsb, resetVector } = await application();
    const script = path.join(work, "empty.txt");
    fs.writeFileSync(script, "");
    const run = async (jumper: boolean) => {
      const transcript = path.join(work, `t-${jumper}.bin`);
      const r = await tsboot(["sim", "--board", BOARD, "--entry", "src/main.ts", "--c", "c/acme_host.c", "--preload", tsb,
        "--script", script, "--transcript", transcript, "--idle-us", "300000", ...(jumper ? ["--pin", JUMPER_FITTED] : [])]);
      return { json: JSON.parse(r.stdout.trim().split("\n").pop()!), text: fs.readFileSync(transcript, "latin1"), all: r.all };
    };
    const fitted = await run(true);
    expect(fitted.json.outcome, fitted.all).toBe("idle");
    expect(fitted.text).toContain("update: service jumper\r\n");
    const open = await run(false);
    expect(open.json.outcome, open.all).toBe("application");
    expect(open.json.pc).toBe(resetVector); // the application kit's Reset_Handler
  }, 180_000);

  test("host simulation (C), live: GET_SERIAL through the flasher library", async () => {
    const { tsb } = await application();
    const sim = tsboot(["sim", "--board", BOARD, "--entry", "src/main.ts", "--c", "c/acme_host.c", "--preload", tsb, "--pin", JUMPER_FITTED, "--port", "0"]);
    await askForSerial(sim, /listening on 127\.0\.0\.1:(\d+)/);
  }, 180_000);

  test("Node simulation: the same entry, its hooks and its binding on tsboot's simulated board", async () => {
    const tsb = new Uint8Array(fs.readFileSync((await application()).tsb));
    const { loadBoard } = await import("tsboot/boards");
    const { layoutFromBoard } = await import("tsboot/boards/layout");
    const { encodeFrame, FrameDecoder } = await import("tsboot/frames");
    const layout = layoutFromBoard(loadBoard(path.join(HERE, BOARD)));
    const otherId = Uint8Array.from("TEST-UID-042", (c) => c.charCodeAt(0));
    const run = async (jumper: boolean) => {
      vi.resetModules(); // the bootloader's module state is its static RAM: fresh for each boot
      const { runInNode } = await import("tsboot/sim/node");
      const product = await import("../src/main");
      const r = runInNode({
        layout, preload: tsb, idleUs: 300_000, entry: product.bootloaderMain, productHooks: product,
        pins: jumper ? [JUMPER_FITTED] : [],
        script: [{ atUs: 200_000, bytes: encodeFrame(GET_SERIAL, 1) }],
        // A test's own body for the product's binding (docs/bindings.md).
        bindingBodies: { acme_unique_id: (out: Uint8Array) => out.set(otherId.subarray(0, out.length)) },
      });
      return { json: r.json, text: Buffer.from(r.transcript).toString("latin1"), replies: new FrameDecoder().push(r.transcript) };
    };
    const fitted = await run(true);
    expect(fitted.json.outcome).toBe("idle");
    expect(fitted.text).toContain("update: service jumper\r\n");
    expect(fitted.replies.map((f: { command: number; payload: Uint8Array }) => [f.command, Buffer.from(f.payload).toString("latin1")])).toEqual([[GET_SERIAL | 0x80, "\0TEST-UID-042"]]);
    expect((await run(false)).json.outcome).toBe("application");
  });

  test("Node simulation, live: GET_SERIAL through the flasher library", async () => {
    const { tsb } = await application();
    const sim = tsboot(["sim", "--node", "--board", BOARD, "--entry", "src/main.ts", "--preload", tsb, "--pin", JUMPER_FITTED, "--port", "0"]);
    await askForSerial(sim, /listening on 127\.0\.0\.1:(\d+) \(node simulation\)/);
  }, 180_000);
});

const running: ResultPromise[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    p.kill("SIGTERM");
    await p;
  }
});

/**
 * Connects tsboot's flasher library to a live simulation (`sim`, announcing its port with `listening`) and
 * asks for GET_SERIAL: the simulated part's unique ID. A payload is refused, and a code ACME does not use
 * either gets the core's NACK.
 */
async function askForSerial(sim: ResultPromise, listening: RegExp): Promise<void> {
  running.push(sim);
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the simulation did not listen within 120 s:\n${out}`)), 120_000);
    sim.all!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = listening.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void sim.then(() => reject(new Error(`the simulation exited:\n${out}`)));
  });
  const flasher = await Flasher.open(`tcp://127.0.0.1:${port}`);
  try {
    const info = await flasher.info();
    expect(info.boardId).toBe(0x04318001);
    const serial = await flasher.command(GET_SERIAL);
    expect(serial.status, serial.statusName).toBe(0);
    expect(Buffer.from(serial.data).toString("latin1")).toBe(SIMULATED_UNIQUE_ID);
    expect((await flasher.command(GET_SERIAL, Uint8Array.of(1))).status).toBe(BAD_LENGTH);
    expect((await flasher.command(GET_SERIAL + 1)).status).toBe(UNKNOWN_COMMAND);
  } finally {
    await flasher.close();
  }
}
