/**
 * `tsboot image`: .bin, .hex and .elf → .tsb, and every refusal with the message the user sees.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import MemoryMap from "nrf-intel-hex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBoard } from "../../boards/index";
import { imageCommand } from "../../host/cli-tools";
import { decodeVersion, HEADER_SIZE, parseImage } from "../../host/image-format";
import { ImageInputError, packageImage } from "../../host/image/package";
import { capture, makeApp, tempDir } from "./helpers";

const board = loadBoard("nucleo-f411re");
const APP = board.memoryMap.application.start; // 0x08008000
const APP_SIZE = board.memoryMap.application.size;
let dir: string;

beforeAll(() => {
  dir = tempDir();
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, data: Uint8Array | string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, data);
  return file;
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ImageInputError);
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("from .bin", () => {
  it("loads at the application start, header fields right", async () => {
    const app = makeApp(board, 5000);
    const input = write("app.bin", app);
    const c = capture();
    expect(await imageCommand([input, "--board", "nucleo-f411re", "--version", "1.2.3"], c.io)).toBe(0);
    const out = path.join(dir, "app.tsb");
    expect(c.out()).toContain(`wrote ${out}: 5000 bytes from bin at 0x08008000, version 1.2.3, for nucleo-f411re (board id 0x04310001)`);
    const { header, payload } = parseImage(new Uint8Array(fs.readFileSync(out)));
    expect(Buffer.compare(payload, app)).toBe(0);
    expect(header).toMatchObject({ payloadSize: 5000, loadAddress: APP, boardId: board.boardId, flags: 0 });
    expect(decodeVersion(header.appVersion)).toBe("1.2.3");
  });

  it("-o names the output; --json describes it", async () => {
    const input = write("j.bin", makeApp(loadBoard("nucleo-f401re"), 640));
    const out = path.join(dir, "custom.tsb");
    const c = capture();
    expect(await imageCommand([input, "--board=nucleo-f401re", "--version=0.0.1", "-o", out, "--json"], c.io)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({ ok: true, output: out, format: "bin", board: "nucleo-f401re", loadAddress: "0x08008000", payloadBytes: 640, version: "0.0.1" });
    expect(fs.statSync(out).size).toBe(HEADER_SIZE + 640);
  });

  it("a file of exactly the region's size fits; one byte more is refused", () => {
    const max = new Uint8Array(APP_SIZE);
    max.set(makeApp(board, 64));
    expect(packageImage({ input: "max.bin", bytes: max, board: "nucleo-f411re", version: "1.0.0" }).payload.length).toBe(APP_SIZE);
    expect(refusal(() => packageImage({ input: "big.bin", bytes: new Uint8Array(APP_SIZE + 1), board: "nucleo-f411re", version: "1.0.0" }))).toBe(
      "big.bin is 491521 bytes but nucleo-f411re's application region [0x08008000, 0x08080000) holds 491520: it is 1 bytes too big",
    );
  });
});

describe("from .hex (written with nrf-intel-hex)", () => {
  it("places blocks at their addresses and fills the gaps with 0xFF", () => {
    const a = makeApp(board, 300, 7);
    const b = Uint8Array.from({ length: 100 }, (_, i) => i);
    // Two blocks across a 64 KB boundary: the file needs extended linear address records.
    const map = new MemoryMap([
      [APP, a],
      [APP + 0x8000 + 0x10, b],
    ]);
    const input = write("app.hex", map.asHexString());
    const p = packageImage({ input, board: "nucleo-f411re", version: "2.0.7" });
    expect(p.format).toBe("hex");
    expect(p.payload.length).toBe(0x8000 + 0x10 + 100);
    expect(Buffer.compare(p.payload.subarray(0, 300), a)).toBe(0);
    expect(p.payload.subarray(300, 0x8010).every((x) => x === 0xff)).toBe(true);
    expect(Buffer.compare(p.payload.subarray(0x8010), b)).toBe(0);
    expect(parseImage(p.image).header.loadAddress).toBe(APP);
  });

  it("refuses a file linked at the start of flash, saying where to link", () => {
    const input = write("low.hex", new MemoryMap([[0x08000000, makeApp(board, 64)]]).asHexString());
    expect(refusal(() => packageImage({ input, board: "nucleo-f411re", version: "1.2.3" }))).toBe(
      "low.hex starts at 0x08000000 but nucleo-f411re's application region starts at 0x08008000: " +
        "0x08000000 is the bootloader's place — a bootloader image cannot be installed as an application; an application must be linked at 0x08008000 (see boards/nucleo-f411re.json, memoryMap.application; `tsboot app-kit` writes the linker script)",
    );
  });

  it("refuses a file that starts past the application start (no vector table there)", () => {
    const input = write("late.hex", new MemoryMap([[APP + 0x200, makeApp(board, 64)]]).asHexString());
    expect(refusal(() => packageImage({ input, board: "nucleo-f411re", version: "1.2.3" }))).toMatch(/^late\.hex starts at 0x08008200 but nucleo-f411re's application region starts at 0x08008000/);
  });

  it("refuses data past the end of the application region", () => {
    const end = APP + APP_SIZE;
    const input = write("long.hex", new MemoryMap([[APP, makeApp(board, 64)], [end - 16, new Uint8Array(32)]]).asHexString());
    expect(refusal(() => packageImage({ input, board: "nucleo-f411re", version: "1.2.3" }))).toBe(
      "long.hex: [0x0807FFF0, 0x08080010) ends 16 bytes past nucleo-f411re's application region [0x08008000, 0x08080000): " +
        "the application is 491536 bytes, the region holds 491520 (see boards/nucleo-f411re.json, memoryMap.application)",
    );
  });

  it("refuses a malformed file and one with no data", () => {
    const bad = write("bad.hex", ":10000000FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF01\n:00000001FF\n");
    expect(refusal(() => packageImage({ input: bad, board: "nucleo-f411re", version: "1.2.3" }))).toMatch(/^bad\.hex is not a valid Intel HEX file: Checksum failed/);
    const none = write("none.hex", ":00000001FF\n");
    expect(refusal(() => packageImage({ input: none, board: "nucleo-f411re", version: "1.2.3" }))).toBe("none.hex holds no data to flash");
  });
});

const gcc = spawnSync("which", ["arm-none-eabi-gcc"]).status === 0;
const objcopy = spawnSync("which", ["arm-none-eabi-objcopy"]).status === 0;
const PROGRAM = `
extern void reset(void);
/* First in .text (the default script puts .text.unlikely* first): SP at the top of RAM, the reset handler. */
__attribute__((section(".text.unlikely.vectors"), used)) const unsigned vectors[2] = { 0x20020000u, (unsigned)&reset };
int counter = 5;             /* .data: runs in RAM, loaded from flash right after .text */
static volatile int scratch; /* .bss: no bytes in the image */
void reset(void) { for (;;) { counter++; scratch++; } }
`;

function link(name: string, ...flags: string[]): string {
  const src = write(`${name}.c`, PROGRAM);
  const out = path.join(dir, `${name}.elf`);
  execFileSync("arm-none-eabi-gcc", ["-mcpu=cortex-m4", "-mthumb", "-Os", "-nostdlib", "-Wl,-e,reset", ...flags, "-o", out, src]);
  return out;
}

describe("from .elf", () => {
  it.skipIf(!gcc)("packs the loadable sections at their load addresses, like objcopy --gap-fill 0xff (skipped when arm-none-eabi-gcc is not installed)", () => {
    const elf = link("app", "-Wl,-Ttext=0x08008000");
    const p = packageImage({ input: elf, board: "nucleo-f411re", version: "1.2.3" });
    expect(p.format).toBe("elf");
    const v = new DataView(p.payload.buffer, p.payload.byteOffset);
    expect(v.getUint32(0, true)).toBe(0x20020000); // the vector table came first
    expect(v.getUint32(4, true) & 1).toBe(1);
    expect(p.payload.length).toBeGreaterThan(8);
    if (objcopy) {
      const ref = path.join(dir, "app.ref.bin");
      execFileSync("arm-none-eabi-objcopy", ["-O", "binary", "--gap-fill", "0xff", elf, ref]);
      expect(Buffer.compare(p.payload, fs.readFileSync(ref))).toBe(0);
    }
  });

  it.skipIf(!gcc)("refuses a program linked at the start of flash (skipped when arm-none-eabi-gcc is not installed)", () => {
    const elf = link("low", "-Wl,-Ttext=0x08000000");
    expect(refusal(() => packageImage({ input: elf, board: "nucleo-f411re", version: "1.2.3" }))).toBe(
      "low.elf starts at 0x08000000 but nucleo-f411re's application region starts at 0x08008000: " +
        "0x08000000 is the bootloader's place — a bootloader image cannot be installed as an application; an application must be linked at 0x08008000 (see boards/nucleo-f411re.json, memoryMap.application; `tsboot app-kit` writes the linker script)",
    );
  });

  it.skipIf(!gcc)("refuses initialised data with a RAM load address (skipped when arm-none-eabi-gcc is not installed)", () => {
    const elf = link("ram", "-Wl,-Ttext=0x08008000", "-Wl,-Tdata=0x20000000");
    expect(refusal(() => packageImage({ input: elf, board: "nucleo-f411re", version: "1.2.3" }))).toMatch(
      /^ram\.elf: \.data \[0x20000000, 0x20000004\) lies outside nucleo-f411re's application region \[0x08008000, 0x08080000\): it has a RAM load address/,
    );
  });

  it("refuses an ELF for another machine and a truncated one", () => {
    const x86 = new Uint8Array(64);
    x86.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
    x86[18] = 3; // EM_386
    expect(refusal(() => packageImage({ input: "pc.elf", bytes: x86, board: "nucleo-f411re", version: "1.2.3" }))).toBe("pc.elf: built for ELF machine 3, not ARM (40): use arm-none-eabi-gcc");
    const short = x86.subarray(0, 20);
    expect(refusal(() => packageImage({ input: "short.elf", bytes: short, board: "nucleo-f411re", version: "1.2.3" }))).toBe("short.elf: truncated ELF header");
  });
});

describe("refusals", () => {
  const bin = () => write("ok.bin", makeApp(board, 64));

  it("an empty input", () => {
    expect(refusal(() => packageImage({ input: write("empty.bin", new Uint8Array(0)), board: "nucleo-f411re", version: "1.2.3" }))).toBe("empty.bin is empty");
    expect(refusal(() => packageImage({ input: write("empty.hex", ""), board: "nucleo-f411re", version: "1.2.3" }))).toBe("empty.hex is empty");
  });

  it("an unknown board, listing the known ones", () => {
    expect(refusal(() => packageImage({ input: bin(), board: "nucleo-f999", version: "1.2.3" }))).toBe(
      "unknown board 'nucleo-f999'; known boards: netduinoplus2, nucleo-f072rb, nucleo-f401re, nucleo-f411re, nucleo-f411re-ab, nucleo-h743zi2, " +
        "nucleo-h743zi2-banks, nucleo-h753zi, nucleo-l476rg, nucleo-l476rg-banks, stm32f072b-disco, stm32f4-discovery (or pass the path of a board file)",
    );
    expect(refusal(() => packageImage({ input: bin(), board: "", version: "1.2.3" }))).toMatch(/^no board given: pass --board <name or board file> \(known boards: netduinoplus2, /);
  });

  it.each([
    ["1.2", "version '1.2' is not MAJOR.MINOR.PATCH (e.g. 1.2.3)"],
    ["v1.2.3", "version 'v1.2.3' is not MAJOR.MINOR.PATCH (e.g. 1.2.3)"],
    ["1.2.3-rc1", "version '1.2.3-rc1' is not MAJOR.MINOR.PATCH (e.g. 1.2.3)"],
    ["256.0.0", "version '256.0.0' is out of range (major and minor up to 255, patch up to 65535)"],
    ["1.0.65536", "version '1.0.65536' is out of range (major and minor up to 255, patch up to 65535)"],
    ["", "no version given: pass --version MAJOR.MINOR.PATCH (e.g. --version 1.2.3)"],
  ])("a bad version %j", (version, message) => {
    expect(refusal(() => packageImage({ input: bin(), board: "nucleo-f411re", version }))).toBe(message);
  });

  it("a missing file, and a .tsb given as input", () => {
    expect(refusal(() => packageImage({ input: path.join(dir, "nope.bin"), board: "nucleo-f411re", version: "1.2.3" }))).toBe(`${path.join(dir, "nope.bin")}: no such file`);
    expect(refusal(() => packageImage({ input: write("x.tsb", new Uint8Array(80)), board: "nucleo-f411re", version: "1.2.3" }))).toBe(
      "x.tsb is already a tsboot image (.tsb): flash it with `tsboot flash`",
    );
  });

  it("the command: exit 1 with the message on stderr, exit 2 on bad usage, nothing written", async () => {
    let c = capture();
    expect(await imageCommand([bin(), "--board", "nope", "--version", "1.2.3", "-o", path.join(dir, "never.tsb")], c.io)).toBe(1);
    expect(c.err()).toBe(
      "tsboot image: unknown board 'nope'; known boards: netduinoplus2, nucleo-f072rb, nucleo-f401re, nucleo-f411re, nucleo-f411re-ab, nucleo-h743zi2, " +
        "nucleo-h743zi2-banks, nucleo-h753zi, nucleo-l476rg, nucleo-l476rg-banks, stm32f072b-disco, stm32f4-discovery (or pass the path of a board file)\n",
    );
    expect(fs.existsSync(path.join(dir, "never.tsb"))).toBe(false);
    c = capture();
    expect(await imageCommand([bin(), "--board", "nucleo-f411re", "--version", "1.2.3", "--frobnicate"], c.io)).toBe(2);
    expect(c.err()).toMatch(/^tsboot image: unknown option '--frobnicate'\nusage:/);
    c = capture();
    expect(await imageCommand(["--board", "nucleo-f411re"], c.io)).toBe(2);
  });
});

describe("images that cannot start are refused before anything is sent", () => {
  /** A .bin whose vector table holds `sp` and `reset`, then `size - 8` bytes of code. */
  const vectors = (sp: number, reset: number, size = 512) => {
    const b = new Uint8Array(size).fill(0x11);
    const v = new DataView(b.buffer);
    v.setUint32(0, sp >>> 0, true);
    v.setUint32(4, reset >>> 0, true);
    return b;
  };
  const pack = (bytes: Uint8Array, boardName = "nucleo-f411re", input = "app.bin") => () => packageImage({ input, bytes, board: boardName, version: "1.0.0" });
  const FIX = "(see docs/application.md; `tsboot app-kit --board nucleo-f411re` writes a linker script and startup that get this right)";

  it("accepts an SP at the end of RAM or inside it, and a Thumb reset vector inside the image", () => {
    expect(() => pack(vectors(0x20020000, APP + 0x101))()).not.toThrow();
    expect(() => pack(vectors(0x20010000, APP + 0xc1))()).not.toThrow();
    // Any RAM block of the part will do: CCM on the F407, AXI SRAM on the H743.
    expect(() => pack(vectors(0x10010000, APP + 0x101), "stm32f4-discovery")()).not.toThrow();
    expect(() => pack(vectors(0x24080000, 0x08040201, 1024), "nucleo-h743zi2")()).not.toThrow();
  });

  it("an initial SP outside the part's RAM", () => {
    expect(refusal(pack(vectors(0x20020004, APP + 0x101)))).toBe(
      `app.bin: the initial stack pointer 0x20020004 (the vector table's first word) is not in STM32F411RE's RAM (SRAM [0x20000000, 0x20020000]): it must point at or below the end of a RAM block ${FIX}`,
    );
    expect(refusal(pack(vectors(0x10010000, APP + 0x101)))).toMatch(/^app\.bin: the initial stack pointer 0x10010000 .* is not in STM32F411RE's RAM/); // no CCM on the F411
    expect(refusal(pack(vectors(0xffffffff, 0xffffffff)))).toBe(
      `app.bin: the initial stack pointer 0xFFFFFFFF (the vector table's first word) is not in STM32F411RE's RAM (SRAM [0x20000000, 0x20020000]): the image does not start with a vector table ${FIX}`,
    );
    expect(refusal(pack(vectors(0x2001fffe, APP + 0x101)))).toBe(`app.bin: the initial stack pointer 0x2001FFFE is not word-aligned (the stack must be at least 4-byte aligned, 8 for AAPCS) ${FIX}`);
  });

  it("a reset vector outside the application region, without the Thumb bit, or past the image", () => {
    expect(refusal(pack(vectors(0x20020000, 0x08080001)))).toBe(
      `app.bin: the reset vector 0x08080001 (the vector table's second word) is outside nucleo-f411re's application region [0x08008000, 0x08080000) ${FIX}`,
    );
    expect(refusal(pack(vectors(0x20020000, APP + 0x100)))).toBe(
      `app.bin: the reset vector 0x08008100 has no Thumb bit (bit 0): a Cortex-M only runs Thumb code, so it would fault at once — was it written by hand? ${FIX}`,
    );
    expect(refusal(pack(vectors(0x20020000, APP + 0x201)))).toBe(
      `app.bin: the reset vector 0x08008201 points past the end of the image (0x08008200): the code it names is not in the file ${FIX}`,
    );
  });

  it("a bootloader packaged as an application", () => {
    // A .bin has no addresses: a bootloader's shows in its reset vector, which points into the bootloader region.
    expect(refusal(pack(vectors(0x2001ffc0, 0x080001c5)))).toBe(
      "app.bin is not an application for nucleo-f411re: its reset vector 0x080001C5 points into the bootloader region [0x08000000, 0x08004000) — " +
        `it is a bootloader image, or an application linked for the start of flash; an application must be linked at 0x08008000 ${FIX}`,
    );
    expect(refusal(pack(new Uint8Array(4)))).toBe("app.bin is 4 bytes: too short to hold a vector table (initial stack pointer and reset vector)");
  });

  it.skipIf(!gcc)("tsboot's own bootloader, as .bin and as .elf (skipped when arm-none-eabi-gcc is not installed)", async () => {
    const { buildBootloader } = await import("../../host/build/bootloader-build");
    const r = await buildBootloader({ board: "nucleo-f411re", outDir: path.join(dir, "boot") });
    expect(refusal(() => packageImage({ input: r.bin, board: "nucleo-f411re", version: "1.0.0" }))).toMatch(
      /^bootloader\.bin is not an application for nucleo-f411re: its reset vector 0x080[0-3][0-9A-F]{3}[13579BDF] points into the bootloader region \[0x08000000, 0x08004000\) — it is a bootloader image/,
    );
    expect(refusal(() => packageImage({ input: r.elf, board: "nucleo-f411re", version: "1.0.0" }))).toMatch(
      /^bootloader\.elf starts at 0x08000000 but nucleo-f411re's application region starts at 0x08008000: 0x08000000 is the bootloader's place — a bootloader image cannot be installed as an application/,
    );
  }, 120_000);
});
