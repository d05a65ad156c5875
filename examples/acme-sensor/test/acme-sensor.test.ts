/**
 * The example product end to end, as its own repository would run it: tsboot as a dependency (the file:
 * link that `npm install` makes), `npx tsboot` from this folder, the product's own entry, board file and
 * bindings, in the ARM build, the host simulation (C) and the Node simulation, starting an application
 * built with tsboot's application kit for the product's board.
 */
import { execa } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test, vi } from "vitest";

const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TSBOOT = path.join(HERE, "node_modules/.bin/tsboot");
const BOARD = "boards/acme-sensor.json";
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
  });

  test.skipIf(!haveArmGcc)(`npx tsboot build: the product's entry, board and C binding${haveArmGcc ? "" : " (skipped: no arm-none-eabi-gcc)"}`, async () => {
    const out = path.join(work, "arm");
    const r = await tsboot(["build", "--board", BOARD, "--entry", "src/main.ts", "--c", "c/service_jumper_stm32f4.c", "-o", out]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain("tsboot bootloader for acme-sensor (STM32F411RE)");
    expect(fs.readFileSync(path.join(out, "gen/startup.c"), "utf8")).toContain("main2_bootloaderMain();"); // the product's entry
    expect(fs.readFileSync(path.join(out, "gen/tsboot_product.h"), "utf8")).toContain('#define PRODUCT_SERVICE_JUMPER_PORT "B"');
    // The binding's C was compiled and linked (LTO inlines it; its call graph is in the stack analysis).
    const graphs = fs.readdirSync(path.join(out, "analysis")).filter((f) => f.endsWith(".ci"));
    const jumper = graphs.find((f) => f.includes("service_jumper_stm32f4"));
    expect(jumper).toBeDefined();
    expect(fs.readFileSync(path.join(out, "analysis", jumper!), "utf8")).toContain("acme_service_jumper_fitted");
    expect(fs.statSync(path.join(out, "bootloader.bin")).size).toBeLessThanOrEqual(16 * 1024);
  }, 120_000);

  test("host simulation (C): the service jumper keeps the bootloader in update mode; without it the application starts", async () => {
    const { tsb, resetVector } = await application();
    const script = path.join(work, "empty.txt");
    fs.writeFileSync(script, "");
    const run = async (jumper: boolean) => {
      const transcript = path.join(work, `t-${jumper}.bin`);
      const r = await tsboot(["sim", "--board", BOARD, "--entry", "src/main.ts", "--c", "c/service_jumper_host.c", "--preload", tsb,
        "--script", script, "--transcript", transcript, "--idle-us", "300000"], { ACME_SERVICE_JUMPER: jumper ? "1" : "0" });
      return { json: JSON.parse(r.stdout.trim().split("\n").pop()!), text: fs.readFileSync(transcript, "latin1"), all: r.all };
    };
    const fitted = await run(true);
    expect(fitted.json.outcome, fitted.all).toBe("idle");
    expect(fitted.text).toContain("update: requested by the application");
    const open = await run(false);
    expect(open.json.outcome, open.all).toBe("application");
    expect(open.json.pc).toBe(resetVector); // the application kit's Reset_Handler
  }, 180_000);

  test("Node simulation: the same entry on tsboot's simulated board", async () => {
    const tsb = new Uint8Array(fs.readFileSync((await application()).tsb));
    const { loadBoard } = await import("tsboot/boards");
    const { layoutFromBoard } = await import("tsboot/boards/layout");
    const layout = layoutFromBoard(loadBoard(path.join(HERE, BOARD)));
    const run = async (jumper: boolean) => {
      vi.resetModules(); // the bootloader's module state is its static RAM: fresh for each boot
      const { runInNode } = await import("tsboot/sim/node");
      const { acmeSim } = await import("../src/sim-state");
      const { bootloaderMain } = await import("../src/main");
      acmeSim.jumperFitted = jumper;
      const r = runInNode({ layout, preload: tsb, idleUs: 300_000, entry: bootloaderMain });
      return { json: r.json, text: Buffer.from(r.transcript).toString("latin1") };
    };
    const fitted = await run(true);
    expect(fitted.json.outcome).toBe("idle");
    expect(fitted.text).toContain("update: requested by the application");
    expect((await run(false)).json.outcome).toBe("application");
  });
});
