/**
 * boards/board.schema.json, the JSON Schema editors use to check and complete board files, generated from
 * the zod schema (boards/schema.ts). `node bin/run-ts.mjs boards/schema-json.ts` rewrites it; a test
 * fails when the committed file and the schema differ.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { PARTS } from "./parts/index";
import { BoardSchema } from "./schema";

export const SCHEMA_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), "board.schema.json");

export function boardJsonSchema(): string {
  const schema = z.toJSONSchema(BoardSchema, { io: "input", target: "draft-2020-12" }) as { properties: Record<string, Record<string, unknown>> };
  // The part is a plain string in zod (its own message lists the parts by family); editors get the list.
  schema.properties.part = { ...schema.properties.part, enum: PARTS.map((p) => p.part) };
  return JSON.stringify({ title: "tsboot board", ...schema }, null, 2) + "\n";
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(SCHEMA_FILE, boardJsonSchema());
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}
