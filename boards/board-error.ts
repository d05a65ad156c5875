/**
 * Board-file errors, worded like tsc's diagnostics: `boards/x.json(12,5): error TSB8001: message` when the
 * file and the key are known, `board x: message` otherwise. Each names the key at fault and, for a typo,
 * the closest valid key or value.
 */
import { createRequire } from "node:module";
import path from "node:path";
import type { z } from "zod";

export const BOARD_ERROR_CODES = {
  /** A key the schema does not have. */
  unknownKey: "TSB8001",
  /** A value of the wrong type or format, or a missing key. */
  badValue: "TSB8002",
  /** A value the part or the rest of the board contradicts. */
  inconsistent: "TSB8003",
  /** Two boards with the same id. */
  duplicateId: "TSB8004",
  /** An unknown board, part or family, or a file that cannot be read. */
  unknown: "TSB8005",
} as const;
export type BoardErrorCode = (typeof BOARD_ERROR_CODES)[keyof typeof BOARD_ERROR_CODES];

export type JsonPath = (string | number)[];

export class BoardError extends Error {
  constructor(
    readonly board: string,
    readonly detail: string,
    readonly code: BoardErrorCode = BOARD_ERROR_CODES.inconsistent,
    /** The board file and the position of the key at fault, when known. */
    readonly where?: { file: string; line: number; column: number },
  ) {
    super(where ? `${displayPath(where.file)}(${where.line},${where.column}): error ${code}: ${detail}` : `board ${board}: ${detail}`);
    this.name = "BoardError";
  }
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** `flash.size`, `sectors[3].start`, or "the board" for the top level. */
export function formatPath(p: JsonPath): string {
  let out = "";
  for (const k of p) out += typeof k === "number" ? `[${k}]` : out ? `.${k}` : k;
  return out || "the board";
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The candidate closest to `word`, if it is close enough to be a typo of it. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 4));
  return best !== undefined && bestScore <= limit ? best : undefined;
}

export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c ? ` — did you mean "${c}"?` : "";
}

/** The keys a strict object of the schema allows at `p` (for suggestions). */
function keysAt(schema: z.ZodType, p: JsonPath): string[] {
  let s: any = schema;
  const unwrap = () => {
    for (;;) {
      const t = s?._zod?.def?.type;
      if (t === "optional" || t === "nullable" || t === "default") s = s._zod.def.innerType;
      else if (t === "pipe") s = s._zod.def.in;
      else return;
    }
  };
  unwrap();
  for (const k of p) {
    const t = s?._zod?.def?.type;
    if (t === "object") s = s._zod.def.shape[k as string];
    else if (t === "array") s = s._zod.def.element;
    else return [];
    unwrap();
  }
  return s?._zod?.def?.type === "object" ? Object.keys(s._zod.def.shape) : [];
}

const show = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v));

/** One zod issue as a message about the key it concerns, and the path to point at. */
export function describeIssue(schema: z.ZodType, issue: z.core.$ZodIssue): { path: JsonPath; message: string; code: BoardErrorCode } {
  const p = issue.path as JsonPath;
  const where = formatPath(p);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = keysAt(schema, p);
      const key = issue.keys[0];
      const suggestion = closest(key, allowed);
      const inside = p.length ? ` in ${where}` : "";
      const more = issue.keys.length > 1 ? ` (also ${issue.keys.slice(1).map((k) => `"${k}"`).join(", ")})` : "";
      return {
        path: [...p, key],
        code: BOARD_ERROR_CODES.unknownKey,
        message: suggestion
          ? `unknown key "${key}"${inside} — did you mean "${suggestion}"?${more}`
          : `unknown key "${key}"${inside}${more}; the keys here are ${allowed.join(", ")}` +
            (p.length === 0 ? ' (a product\'s own fields go in the "product" section)' : ""),
      };
    }
    case "invalid_value": {
      const values = issue.values.map((v) => JSON.stringify(v));
      const hint = typeof input === "string" ? didYouMean(input, issue.values.map(String)) : "";
      return { path: p, code: BOARD_ERROR_CODES.badValue, message: `${where} must be one of ${values.join(", ")}, got ${show(input)}${hint}` };
    }
    case "invalid_format":
      if ((issue as { pattern?: string }).pattern === String(/^0x[0-9a-fA-F]{1,8}$/)) {
        return { path: p, code: BOARD_ERROR_CODES.badValue, message: `${where} must be a number or a "0x..." string, got ${show(input)}` };
      }
      return { path: p, code: BOARD_ERROR_CODES.badValue, message: `${where} ${show(input)} has the wrong format (${issue.message})` };
    case "invalid_union":
      return { path: p, code: BOARD_ERROR_CODES.badValue, message: `${where} must be a number or a "0x..." string, got ${show(input)}` };
    case "invalid_type": {
      if (input === undefined) return { path: p.slice(0, -1), code: BOARD_ERROR_CODES.badValue, message: `${where} is missing` };
      const expected = issue.expected === "object" ? "an object" : issue.expected === "array" ? "an array" : `a ${issue.expected}`;
      const integer = issue.expected === "int" ? "an integer" : expected;
      return { path: p, code: BOARD_ERROR_CODES.badValue, message: `${where} must be ${integer}, got ${show(input)}` };
    }
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      const what = issue.origin === "string" ? `a string of ${bound} characters` : issue.origin === "array" ? `${bound} entries` : bound;
      return { path: p, code: BOARD_ERROR_CODES.badValue, message: `${where} must be ${what}, got ${show(input)}` };
    }
    default:
      return { path: p, code: BOARD_ERROR_CODES.badValue, message: `${where}: ${issue.message}` };
  }
}

/** 1-based line and column of the key at `p` in a JSON text (its parent's, when the key is absent). */
export function locate(text: string, p: JsonPath): { line: number; column: number } | undefined {
  // TypeScript's JSON parser keeps positions; loaded only when an error needs one.
  const { ts } = createRequire(import.meta.url)("ts-morph") as typeof import("ts-morph");
  const file = ts.parseJsonText("board.json", text);
  let node: import("ts-morph").ts.Node | undefined = file.statements[0]?.expression;
  let at: import("ts-morph").ts.Node | undefined = node;
  for (const k of p) {
    if (!node) break;
    if (ts.isObjectLiteralExpression(node)) {
      const prop: import("ts-morph").ts.PropertyAssignment | undefined = node.properties.find(
        (q): q is import("ts-morph").ts.PropertyAssignment => ts.isPropertyAssignment(q) && ts.isStringLiteral(q.name) && q.name.text === k,
      );
      if (!prop) break;
      at = prop.name;
      node = prop.initializer;
    } else if (ts.isArrayLiteralExpression(node) && typeof k === "number" && node.elements[k]) {
      node = node.elements[k];
      at = node;
    } else {
      break;
    }
  }
  if (!at) return undefined;
  const lc = file.getLineAndCharacterOfPosition(at.getStart(file));
  return { line: lc.line + 1, column: lc.character + 1 };
}
