/**
 * Input pins of a simulated board: any pin (port letter A-K, number 0-15) can be set to a level; the update
 * trigger is one of them. Unset pins read their default: the trigger pin its inactive level, any other 0
 * (1 when read with a pull-up: nothing drives it).
 */
import type { BoardLayout, PinName } from "./board-layout";

export class PinError extends Error {}

export const GPIO_PORTS = "ABCDEFGHIJK";

/** "PB5=0" (the P is optional) as a pin and a level. */
export function parsePinSetting(text: string): PinName & { level: 0 | 1 } {
  const m = /^P?([A-K])(\d{1,2})=([01])$/i.exec(text.trim());
  if (!m || Number(m[2]) > 15) throw new PinError(`'${text}' is not a pin and a level: write e.g. PB5=0 (port A-K, pin 0-15, level 0 or 1)`);
  return { port: m[1].toUpperCase(), pin: Number(m[2]), level: Number(m[3]) as 0 | 1 };
}

export function pinKey(p: PinName): string {
  return `P${p.port.toUpperCase()}${p.pin}`;
}

export class Pins {
  private readonly levels = new Map<string, 0 | 1>();

  constructor(private readonly board: Pick<BoardLayout, "trigger">) {}

  set(p: PinName, level: 0 | 1): void {
    this.levels.set(pinKey(p), level);
  }

  level(p: PinName): 0 | 1 {
    const set = this.levels.get(pinKey(p));
    if (set !== undefined) return set;
    return pinKey(p) === pinKey(this.board.trigger) ? this.inactiveTriggerLevel() : 0;
  }

  /** What hal_port_pin_read sees (port 0 = A): a set level, else the default, a pull-up making it 1. */
  read(portIndex: number, pin: number, pull: number): 0 | 1 {
    if (portIndex < 0 || portIndex >= GPIO_PORTS.length || pin < 0 || pin > 15) return 0;
    const p = { port: GPIO_PORTS[portIndex], pin };
    if (this.levels.has(pinKey(p)) || pinKey(p) === pinKey(this.board.trigger)) return this.level(p);
    return pull === 1 ? 1 : 0;
  }

  private inactiveTriggerLevel(): 0 | 1 {
    return this.board.trigger.activeLevel === "low" ? 1 : 0;
  }

  get triggerActive(): boolean {
    return this.level(this.board.trigger) !== this.inactiveTriggerLevel();
  }

  set triggerActive(active: boolean) {
    const inactive = this.inactiveTriggerLevel();
    this.set(this.board.trigger, active ? ((1 - inactive) as 0 | 1) : inactive);
  }

  /** Every pin set so far ("PB5=0"), for reports. */
  settings(): string[] {
    return [...this.levels].map(([k, v]) => `${k}=${v}`);
  }
}
