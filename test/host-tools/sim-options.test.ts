/** `tsboot sim`'s options for products: --pin (and its refusals), --board with a file, --entry. */
import { describe, expect, it, vi } from "vitest";
import { loadBoard } from "../../boards/index";
import { pinArgs, simCommand } from "../../host/sim/cli";

async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await simCommand(argv), stderr };
  } finally {
    spy.mockRestore();
  }
}

describe("--pin", () => {
  const f411 = loadBoard("nucleo-f411re");
  const pin = (text: string) => {
    const m = /^P([A-K])(\d+)=([01])$/.exec(text)!;
    return { port: m[1], pin: Number(m[2]), level: Number(m[3]) as 0 | 1, text };
  };

  it("the trigger pin at its active level is --trigger; released, nothing; any other pin goes through", () => {
    expect(pinArgs(f411, [pin("PC13=0")])).toEqual(["--trigger"]); // B1: active low
    expect(pinArgs(f411, [pin("PC13=1")])).toEqual([]);
    expect(pinArgs(f411, [pin("PB5=0"), pin("PA0=1")])).toEqual(["--pin", "PB5=0", "--pin", "PA0=1"]);
    expect(pinArgs(loadBoard("stm32f4-discovery"), [pin("PA0=1")])).toEqual(["--trigger"]); // active high there
  });

  it("a port the part lacks is refused", () => {
    expect(() => pinArgs(f411, [pin("PE2=0")])).toThrow("--pin PE2=0: STM32F411RE has no port E (its ports: A, B, C, D, H)");
  });

  it.each([
    [["--port", "0", "--pin", "PB5=2"], "--pin 'PB5=2' is not a pin and a level: write e.g. PB5=0 (port A-K, pin 0-15, level 0 or 1)"],
    [["--port", "0", "--pin", "PB16=0"], "--pin 'PB16=0' is not a pin and a level"],
    [["--port", "0", "--pin"], "--pin needs PORT PIN=LEVEL, e.g. PB5=0"],
    [["--port", "0", "--entry", "no/such/main.ts"], "no/such/main.ts: no such file"],
    [["--port", "0", "--board", "no/such/board.json"], "board board: cannot read no/such/board.json: no such file"],
  ])("%j is refused: %s", async (argv, message) => {
    const r = await run(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it("a pin other than the trigger, while the host simulation cannot drive it yet, says so", async () => {
    const r = await run(["--script", "/dev/null", "--pin", "PB5=0"]);
    if (r.code === 2) {
      expect(r.stderr).toContain("--pin PB5=0: this host simulation drives only the trigger pin PC13 so far");
    } else {
      expect(r.stderr).not.toContain("drives only the trigger pin"); // the simulation has pin state now
    }
  }, 120_000);
});
