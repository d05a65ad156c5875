/**
 * Checks the part tables against ST's own data, for whoever changes them:
 *
 *   node bin/run-ts.mjs boards/parts/check-vendor.ts --cmsis <dir> [--cmsis <dir> ...] [--pinctrl <dir>]
 *
 * --cmsis: a checkout of STMicroelectronics/cmsis_device_f0, _f4, _l4 or _h7 (each part is checked in the
 * one that has its files): every IRQ name and slot against the GCC startup file, every USART base against
 * the device header. --pinctrl: a checkout of zephyrproject-rtos/hal_stm32, whose dts/st/<family>/*-pinctrl.dtsi
 * files are generated from ST's open pin data: every USART TX/RX pin and alternate function. Prints each
 * difference and exits 1 if there is any. Not part of the test suite (it needs those checkouts).
 */
import fs from "node:fs";
import path from "node:path";
import { PARTS, type PartInfo } from "./index";

const STARTUP: Record<string, string> = {
  stm32f072: "startup_stm32f072xb.s", stm32f401: "startup_stm32f401xe.s", stm32f411: "startup_stm32f411xe.s",
  stm32f405: "startup_stm32f405xx.s", stm32f407: "startup_stm32f407xx.s", stm32l476: "startup_stm32l476xx.s",
  stm32h743: "startup_stm32h743xx.s", stm32h753: "startup_stm32h753xx.s",
};
const HEADER: Record<string, string> = {
  stm32f072: "stm32f072xb.h", stm32f401: "stm32f401xe.h", stm32f411: "stm32f411xe.h", stm32f405: "stm32f405xx.h",
  stm32f407: "stm32f407xx.h", stm32l476: "stm32l476xx.h", stm32h743: "stm32h743xx.h", stm32h753: "stm32h753xx.h",
};
/** hal_stm32's pinctrl file for each part (package-specific). */
const PINCTRL: Record<string, string> = {
  STM32F072RB: "f0/stm32f072r(8-b)tx-pinctrl.dtsi", STM32F401RE: "f4/stm32f401r(d-e)tx-pinctrl.dtsi",
  STM32F411RE: "f4/stm32f411r(c-e)tx-pinctrl.dtsi", STM32F405RG: "f4/stm32f405rgtx-pinctrl.dtsi",
  STM32F407VG: "f4/stm32f407v(e-g)tx-pinctrl.dtsi", STM32L476RG: "l4/stm32l476r(c-e-g)tx-pinctrl.dtsi",
  STM32H743ZI: "h7/stm32h743zitx-pinctrl.dtsi", STM32H753ZI: "h7/stm32h753zitx-pinctrl.dtsi",
};

function args(): { cmsis: string[]; pinctrl?: string } {
  const out: { cmsis: string[]; pinctrl?: string } = { cmsis: [] };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === "--cmsis") out.cmsis.push(a[++i]);
    else if (a[i] === "--pinctrl") out.pinctrl = a[++i];
    else throw new Error(`unknown argument ${a[i]}`);
  }
  return out;
}

function startupIrqs(text: string): (string | null)[] {
  const table = text.slice(text.indexOf("g_pfnVectors:"));
  const words = [...table.matchAll(/^\s*\.word\s+(\S+)/gm)].map((m) => m[1]);
  const end = words.findIndex((w, i) => i > 16 && !/(_IRQHandler|^0)$/.test(w));
  return words.slice(16, end < 0 ? undefined : end).map((w) => (w === "0" ? null : w.replace(/_IRQHandler$/, "")));
}

/** Evaluates `#define NAME (OTHER + 0x1000UL)` chains in a CMSIS device header. */
function headerValue(text: string, name: string, depth = 0): number | undefined {
  if (depth > 10) return undefined;
  const m = new RegExp(`^#define\\s+${name}\\s+(.+?)\\s*(?:/\\*.*)?$`, "m").exec(text);
  if (!m) return undefined;
  let sum = 0;
  for (const term of m[1].replace(/[()]/g, "").split("+").map((t) => t.trim())) {
    const lit = /^(0x[0-9a-fA-F]+|\d+)U?L?$/.exec(term);
    const v = lit ? Number(lit[1]) : headerValue(text, term, depth + 1);
    if (v === undefined) return undefined;
    sum += v;
  }
  return sum;
}

function pinctrlPins(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of text.matchAll(/\b(u(?:s)?art\d+)_(tx|rx)_p[a-k]\d+:\s*\w+\s*\{\s*pinmux\s*=\s*<STM32_PINMUX\('([A-K])',\s*(\d+),\s*AF(\d+)\)>/g)) {
    const key = `${m[1].toUpperCase()}_${m[2].toUpperCase()}`;
    if (!out.has(key)) out.set(key, new Set());
    out.get(key)!.add(`P${m[3]}${m[4]}:AF${m[5]}`);
  }
  return out;
}

function findFile(roots: string[], rel: string): string | undefined {
  for (const r of roots) {
    const p = path.join(r, rel);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

function checkPart(part: PartInfo, roots: string[], pinctrl: string | undefined, problems: string[]): string[] {
  const checked: string[] = [];
  const startup = findFile(roots, path.join("Source/Templates/gcc", STARTUP[part.line]));
  if (startup) {
    const irqs = startupIrqs(fs.readFileSync(startup, "utf8"));
    if (irqs.length !== part.irqs.length) problems.push(`${part.part}: ${part.irqs.length} IRQs, ${path.basename(startup)} has ${irqs.length}`);
    irqs.forEach((n, i) => {
      if (part.irqs[i] !== n) problems.push(`${part.part}: IRQ ${i} is ${part.irqs[i]}, ${path.basename(startup)} says ${n}`);
    });
    checked.push(`${irqs.length} IRQs`);
  }
  const header = findFile(roots, path.join("Include", HEADER[part.line]));
  if (header) {
    const text = fs.readFileSync(header, "utf8");
    for (const [name, u] of Object.entries(part.usarts)) {
      const base = headerValue(text, `${name}_BASE`);
      if (base !== u.base) problems.push(`${part.part}: ${name} base 0x${u.base.toString(16)}, ${path.basename(header)} says ${base === undefined ? "nothing" : `0x${base.toString(16)}`}`);
    }
    checked.push("USART bases");
  }
  if (pinctrl && PINCTRL[part.part]) {
    const file = path.join(pinctrl, "dts/st", PINCTRL[part.part]);
    if (fs.existsSync(file)) {
      const vendor = pinctrlPins(fs.readFileSync(file, "utf8"));
      for (const [name, u] of Object.entries(part.usarts)) {
        for (const sig of ["tx", "rx"] as const) {
          const ours = new Set(u[sig].map((p) => `P${p.port}${p.pin}:AF${p.af}`));
          const theirs = vendor.get(`${name}_${sig.toUpperCase()}`) ?? new Set<string>();
          const diff = [...new Set([...ours, ...theirs])].filter((x) => ours.has(x) !== theirs.has(x));
          if (diff.length) problems.push(`${part.part}: ${name}_${sig.toUpperCase()} ours ${[...ours].join(" ")} vs ST's ${[...theirs].join(" ")}`);
        }
      }
      checked.push("USART pins");
    }
  }
  return checked;
}

const { cmsis, pinctrl } = args();
const problems: string[] = [];
for (const part of PARTS) {
  const checked = checkPart(part, cmsis, pinctrl, problems);
  console.log(`${part.part}: ${checked.length ? `checked ${checked.join(", ")}` : "no vendor files given for it"}`);
}
for (const p of problems) console.log(`DIFFERS ${p}`);
console.log(problems.length ? `${problems.length} differences` : "no differences");
process.exitCode = problems.length ? 1 : 0;
