/**
 * The ARM build of the bootloader for every board: -Werror clean, inside its region, with a stack
 * bound; the size report is printed; a bootloader that outgrows its region fails with a clear message.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { listBoards, loadBoard } from "../../boards/index";
import MemoryMap from "nrf-intel-hex";
import { buildBootloader, BuildError, familyPortPresent, formatBuildReport, linkFailure, type BuildResult } from "../../host/build/bootloader-build";
import { entryFunctionC } from "../../host/build/entry";
import { dmaRamBlock } from "../../boards/linker";

/**
 * A bank-swap board's factory image holds the bootloader, byte for byte, at the start of each bank and nothing
 * else; any other board has none (its bootloader.hex is what the factory programs).
 */
async function expectFactoryImage(result: BuildResult): Promise<void> {
  const { board } = result;
  if (board.slotStrategy !== "bank-swap") {
    expect(result.factoryHex).toBeNull();
    return;
  }
  expect(path.basename(result.factoryHex!)).toBe("bootloader-factory.hex");
  const blocks = MemoryMap.fromHex(fs.readFileSync(result.factoryHex!, "latin1"));
  const bin = new Uint8Array(fs.readFileSync(result.bin));
  const bank2 = board.memoryMap.bootloader.start + board.bankSize;
  expect([...blocks.keys()]).toEqual([board.memoryMap.bootloader.start, bank2]);
  expect(bank2).toBe(board.memoryMap.secondary!.start - (board.memoryMap.application.start - board.memoryMap.bootloader.start));
  for (const block of blocks.values()) expect(Buffer.from(block).equals(Buffer.from(bin))).toBe(true);
  // What programmers read: GNU objcopy turns it into one image from the first bank's start, the copy at bank 2.
  const flat = path.join(path.dirname(result.factoryHex!), "factory-flat.bin");
  await execa("arm-none-eabi-objcopy", ["-I", "ihex", "-O", "binary", result.factoryHex!, flat]);
  const image = fs.readFileSync(flat);
  expect(image.length).toBe(board.bankSize + bin.length);
  expect(image.subarray(board.bankSize).equals(Buffer.from(bin))).toBe(true);
  expect(formatBuildReport(result)).toContain(`bootloader-factory.hex: the bootloader at 0x08000000 and 0x${bank2.toString(16).toUpperCase().padStart(8, "0")}`);
}

const armGcc = (await execa("sh", ["-c", "command -v arm-none-eabi-gcc"], { reject: false })).exitCode === 0;
const out = () => fs.mkdtempSync(path.join(os.tmpdir(), "tsboot-build-"));

describe("a public key needs a status log that keeps the anti-rollback counter", () => {
  it("refuses --pubkey for a board whose config region is one erase unit, before building anything", async () => {
    const key = new Uint8Array(32).fill(7);
    const e = await buildBootloader({ board: "nucleo-f411re", outDir: out(), publicKey: key }).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(BuildError);
    expect((e as Error).message).toBe(
      "signed images need a status log in two halves, so that the anti-rollback counter survives a power cut: boards/nucleo-f411re.json memoryMap.config is one erase unit — give it two (as nucleo-f411re-ab does), or build without --pubkey",
    );
  });
});

describe.skipIf(!armGcc)(`bootloader ARM build${armGcc ? "" : " (skipped: arm-none-eabi-gcc not found; bash scripts/setup.sh installs it)"}`, () => {
  // Every board of every family (F0, F4, L4, H7): each family's drivers are complete under the shared port.
  const boards = listBoards();
  it("covers every family", () => {
    expect(new Set(boards.map((n) => loadBoard(n).family))).toEqual(new Set(["stm32f0", "stm32f4", "stm32l4", "stm32h7"]));
    for (const name of boards) expect(familyPortPresent(loadBoard(name).family), name).toBe(true);
  });
  for (const name of boards) {
    it(`builds for ${name} with -Werror, within its region`, async () => {
      const result = await buildBootloader({ board: name, outDir: out() });
      console.log(formatBuildReport(result));
      expect(result.flashUsed).toBeGreaterThan(4000);
      expect(result.flashUsed).toBeLessThanOrEqual(result.flashRegion);
      expect(fs.statSync(result.bin).size).toBe(result.flashUsed);
      expect(fs.readFileSync(result.hex, "latin1")).toMatch(/^:020000040800F2/);
      expect(result.stack.depth).toBeGreaterThan(100);
      expect(result.stack.path[0]).toBe("Reset_Handler");
      // Where the image's RAM is out of DMA's reach (H7 DTCM), the UART ring sits in RAM that DMA reaches.
      if (dmaRamBlock(result.board)) expect(result.sizes.dma).toBeGreaterThanOrEqual(1024);
      else expect(result.sizes.dma).toBe(0);
      // The vector table's first word is the initial stack pointer: below the 64 no-init bytes at the RAM top.
      const sp = fs.readFileSync(result.bin).readUInt32LE(0);
      expect(sp).toBe(result.board.ram.base + result.board.ram.size - 64);
      await expectFactoryImage(result);
    }, 180_000);
  }

  it("fails clearly when the bootloader outgrows its region", async () => {
    const board = loadBoard("nucleo-f411re");
    // A made-up part whose first sector is only 4 KB: the bootloader region is that sector alone.
    const [first, ...rest] = board.sectors;
    const sectors = [{ index: 0, start: first.start, size: 0x1000, bank: 1 }, { index: 1, start: first.start + 0x1000, size: first.size - 0x1000, bank: 1 }, ...rest.map((s) => ({ ...s, index: s.index + 1 }))];
    const tiny = { ...board, sectors, memoryMap: { ...board.memoryMap, bootloader: { start: first.start, size: 0x1000 } } };
    const attempt = buildBootloader({ board: tiny, outDir: out() });
    await expect(attempt).rejects.toBeInstanceOf(BuildError);
    await expect(attempt).rejects.toThrow(/bytes too big for its 4 KB region on nucleo-f411re/);
    // A debug build that does not fit says how to make one that does.
    const debug = buildBootloader({ board: tiny, outDir: out(), debug: true });
    await expect(debug).rejects.toThrow(/^the debug build \(-Og\) is \d+ bytes too big for its 4 KB region on nucleo-f411re: build it with --debug --optimize s \(-Os -g3 with LTO/);
    await expect(buildBootloader({ board, outDir: out(), optimize: "fast" })).rejects.toThrow("--optimize 'fast' is not a gcc level: 0, 1, 2, 3, s, g or z");
  }, 120_000);
});

describe("the entry function", () => {
  const header = "void main2_bootloaderMain(void);\nvoid main2_selfTest(void);\nuint32_t main2_count(void);\n";
  it("is the entry module's prefix and the function's name", () => {
    expect(entryFunctionC("main2", "bootloaderMain", [{ name: "main2.h", text: header }], "src/main.ts")).toBe("main2_bootloaderMain");
    expect(entryFunctionC("main2", "selfTest", [{ name: "main2.h", text: header }], "src/main.ts")).toBe("main2_selfTest");
  });
  it("an entry that does not export it is refused, naming what it exports", () => {
    expect(() => entryFunctionC("main2", "productMain", [{ name: "main2.h", text: header }], "src/main.ts")).toThrow(
      "src/main.ts exports no function productMain(): void for the start-up code to call; it exports bootloaderMain(), selfTest() — pass --entry-function <name>",
    );
    expect(() => entryFunctionC("main2", "a-b", [], "src/main.ts")).toThrow("--entry-function 'a-b' is not a function name");
  });
});

describe("a link that lacks symbols", () => {
  it("names them and where they belong", () => {
    const output = [
      "/usr/bin/ld: /tmp/x.ltrans0.ltrans.o: in function `HardFault_Handler':",
      "<artificial>:(.text.HardFault_Handler+0x10): undefined reference to `stm32l4_exception_entry'",
      "<artificial>:(.text.main+0x4): undefined reference to `acme_service_jumper_fitted'",
      "<artificial>:(.text.NMI_Handler+0x10): undefined reference to `stm32l4_exception_entry'",
    ].join("\n");
    const e = linkFailure(loadBoard("nucleo-l476rg"), output);
    expect(e).toBeInstanceOf(BuildError);
    expect(e.message.split("\n")[0]).toBe(
      "linking the bootloader for nucleo-l476rg failed: nothing defines acme_service_jumper_fitted, stm32l4_exception_entry. " +
        "If these are bindings (@extern), the stm32l4 drivers (hal-bindings/stm32l4/), the shared port (hal-bindings/port/) or your --c files must implement them.",
    );
    expect(linkFailure(loadBoard("nucleo-l476rg"), "ld: cannot open linker script").message).toBe("linking the bootloader failed:\nld: cannot open linker script");
  });
});
