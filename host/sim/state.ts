/**
 * The boot state file of a scripted run (--state FILE): what a boot leaves for the next one besides the
 * flash image — the boot count, the next reset cause, the no-init RAM (update request, fault record), the
 * option-byte protection, and the flash cells a torn operation left weak (and, on ECC parts, the torn
 * units). hal-bindings/host/sim_state.c reads and writes the same text, one fact a line:
 *
 *   boot 3
 *   reset-cause 4
 *   update-flag 0
 *   fault 7 154
 *   protected 0
 *   trial 134250496 7 (the trial words hal_port_trial_publish left: address, id)
 *   weak 16388 5      (flash offset, mask of weak bits; one line per byte)
 *   swap-bank 1       (bank-swap boards: the SWAP_BANK_OPT option bit, when set)
 *   ecc-torn 2049     (write-unit index; one line per unit)
 */
import type { BootState } from "../../hal-bindings/sim/simulation";

export class StateError extends Error {}

export function formatBootState(s: BootState): string {
  let text = `boot ${s.boot}\nreset-cause ${s.resetCause}\nupdate-flag ${s.updateFlag >>> 0}\nfault ${s.fault.kind} ${s.fault.detail >>> 0}\nprotected ${s.protectedBootloader ? 1 : 0}\ntrial ${s.trial.address >>> 0} ${s.trial.id >>> 0}\n`;
  if (s.swapBank) text += "swap-bank 1\n";
  for (const [o, m] of s.weak) text += `weak ${o} ${m}\n`;
  for (const u of s.eccTorn) text += `ecc-torn ${u}\n`;
  return text;
}

export function parseBootState(text: string): BootState {
  const s: BootState = { boot: 0, resetCause: 2, updateFlag: 0, fault: { kind: 0, detail: 0 }, protectedBootloader: false, trial: { address: 0, id: 0 }, weak: [], eccTorn: [] };
  text.split("\n").forEach((raw, i) => {
    const words = raw.trim().split(/\s+/).filter((w) => w !== "");
    if (words.length === 0) return;
    const n = words.slice(1).map((w) => {
      if (!/^\d+$/.test(w)) throw new StateError(`state line ${i + 1}: '${w}' is not a number`);
      return Number(w);
    });
    const want = (count: number) => {
      if (n.length !== count) throw new StateError(`state line ${i + 1}: '${words[0]}' takes ${count} number(s)`);
    };
    switch (words[0]) {
      case "boot": want(1); s.boot = n[0]; break;
      case "reset-cause": want(1); s.resetCause = n[0]; break;
      case "update-flag": want(1); s.updateFlag = n[0] >>> 0; break;
      case "fault": want(2); s.fault = { kind: n[0], detail: n[1] >>> 0 }; break;
      case "protected": want(1); s.protectedBootloader = n[0] !== 0; break;
      case "trial": want(2); s.trial = { address: n[0] >>> 0, id: n[1] >>> 0 }; break;
      case "swap-bank": want(1); s.swapBank = n[0] !== 0; break;
      case "weak": want(2); s.weak.push([n[0], n[1]]); break;
      case "ecc-torn": want(1); s.eccTorn.push(n[0]); break;
      default: throw new StateError(`state line ${i + 1}: unknown '${words[0]}'`);
    }
  });
  return s;
}
