/**
 * Worst-case stack depth from GCC's call graph (-fcallgraph-info=su, one .ci file per object): each
 * function's own frame plus the deepest chain of calls below it. The subset rejects recursion and the
 * drivers have none, so the graph is acyclic; a cycle, an indirect call or a dynamic frame makes the
 * bound unknown and is reported as such.
 */
import * as fs from "node:fs";

export interface StackReport {
  /** Bytes used below `root` on the deepest chain, counting what could be measured. */
  depth: number;
  /** False when something could not be measured: then `depth` is a lower bound (see problems). */
  complete: boolean;
  path: string[];
  problems: string[];
}

interface Node {
  frame: number;
  dynamic: boolean;
  callees: Set<string>;
}

export function parseCallGraphs(files: string[]): Map<string, Node> {
  const nodes = new Map<string, Node>();
  const get = (name: string) => {
    let n = nodes.get(name);
    if (!n) nodes.set(name, (n = { frame: 0, dynamic: false, callees: new Set() }));
    return n;
  };
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(/node: \{ title: "([^"]+)" label: "([^"]*)"/g)) {
      const node = get(m[1]);
      const bytes = /(\d+) bytes \(([^)]*)\)/.exec(m[2]);
      if (bytes) {
        node.frame = Math.max(node.frame, Number(bytes[1]));
        node.dynamic = bytes[2] !== "static";
      }
    }
    for (const m of text.matchAll(/edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"/g)) get(m[1]).callees.add(m[2]);
  }
  return nodes;
}

/**
 * `ignoreIndirect`: the only indirect call (the start-up code's constructor loop) runs over an empty
 * .init_array, as in a C bootloader without constructors.
 */
export function worstStackDepth(nodes: Map<string, Node>, root: string, ignoreIndirect = false): StackReport {
  const problems: string[] = [];
  const memo = new Map<string, { depth: number; path: string[] }>();
  const visiting = new Set<string>();
  const visit = (name: string): { depth: number; path: string[] } => {
    const known = memo.get(name);
    if (known) return known;
    if (visiting.has(name)) {
      problems.push(`recursion through ${name}`);
      return { depth: 0, path: [name] };
    }
    visiting.add(name);
    const node = nodes.get(name);
    const shortName = name.replace(/^.*:/, "");
    if (name === "__indirect_call") {
      if (!ignoreIndirect) problems.push("an indirect call");
    } else if (!node || (node.frame === 0 && node.callees.size === 0 && !nodes.has(name))) {
      problems.push(`no stack figure for ${shortName}`);
    }
    if (node?.dynamic) problems.push(`${shortName} has a dynamic frame`);
    let best = { depth: 0, path: [] as string[] };
    for (const callee of node?.callees ?? []) {
      const below = visit(callee);
      if (below.depth > best.depth) best = below;
    }
    visiting.delete(name);
    const result = { depth: (node?.frame ?? 0) + best.depth, path: [shortName, ...best.path] };
    memo.set(name, result);
    return result;
  };
  const result = visit(root);
  const unique = [...new Set(problems)];
  return { depth: result.depth, complete: unique.length === 0, path: result.path, problems: unique };
}
