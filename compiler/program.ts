/**
 * Loading a program: the entry file and every TypeScript file it imports, type-checked by the TypeScript
 * that ts-morph bundles. The runtime (runtime/) is not compiled: its declarations marked @intrinsic are
 * understood by name. Each program file gets a C name prefix from its file name.
 */
import * as path from "node:path";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import { ImportDeclaration, Node, Project, SourceFile, SyntaxKind, ts } from "ts-morph";

export const RUNTIME_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../runtime");

export interface ModuleFile {
  readonly source: SourceFile;
  readonly path: string;
  /** The prefix of every C name this module declares. */
  readonly prefix: string;
}

export interface LoadedProgram {
  readonly project: Project;
  readonly entry: ModuleFile;
  /** Dependency order: a module comes after every module it imports. */
  readonly modules: ModuleFile[];
}

const projectCache = new Map<string, Project>();

/** The options subset programs are checked with, shared with the editors' tsconfig (bootloader-ts/). */
export const SUBSET_TSCONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "subset.tsconfig.json");

export function compilerOptions(): ts.CompilerOptions {
  const json = JSON.parse(fs.readFileSync(SUBSET_TSCONFIG, "utf8")) as { compilerOptions: object };
  const { options, errors } = ts.convertCompilerOptionsFromJson(json.compilerOptions, path.dirname(SUBSET_TSCONFIG));
  if (errors.length > 0) throw new Error(`${SUBSET_TSCONFIG}: ${ts.flattenDiagnosticMessageText(errors[0].messageText, " ")}`);
  return options;
}

/** One Project per process: ts-morph re-checks only what changed, which keeps warm compiles fast. */
function projectFor(): Project {
  const key = "default";
  let project = projectCache.get(key);
  if (!project) {
    project = new Project({ compilerOptions: compilerOptions(), skipAddingFilesFromTsConfig: true });
    projectCache.set(key, project);
  }
  return project;
}

/**
 * An import whose names are used only by @extern bodies (the Node simulation) or only as types brings in
 * no compiled code: the module it names (the simulator, say) is not part of the C program.
 */
function isHostOnlyImport(decl: ImportDeclaration): boolean {
  if (decl.isTypeOnly()) return true;
  const names = new Set(decl.getNamedImports().filter((n) => !n.isTypeOnly()).map((n) => (n.getAliasNode() ?? n.getNameNode()).getText()));
  const defaultName = decl.getDefaultImport()?.getText();
  if (defaultName) names.add(defaultName);
  if (decl.getNamespaceImport()) return false;
  if (names.size === 0) return decl.getNamedImports().length > 0;
  for (const id of decl.getSourceFile().getDescendantsOfKind(SyntaxKind.Identifier)) {
    if (!names.has(id.getText()) || id.getFirstAncestorByKind(SyntaxKind.ImportDeclaration)) continue;
    if (id.getParent()?.getKind() === SyntaxKind.TypeReference) continue;
    const fn = id.getFirstAncestorByKind(SyntaxKind.FunctionDeclaration);
    const inExternBody = fn !== undefined && ts.getJSDocTags(fn.compilerNode).some((t) => t.tagName.text === "extern");
    if (!inExternBody) return false;
  }
  return true;
}

export function isRuntimeFile(filePath: string): boolean {
  return path.resolve(filePath).startsWith(RUNTIME_DIR + path.sep);
}

export function cIdentifier(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

/**
 * A module's C prefix: its path relative to the entry's directory, without `.ts` and `..` segments,
 * as a C identifier — `native-protocol.ts` → `native_protocol`, `lib/crc32.ts` → `lib_crc32`,
 * `../hal-bindings/board.ts` → `hal_bindings_board`.
 */
export function modulePrefix(file: string, entryDir: string): string {
  const parts = path.relative(entryDir, file).replace(/\.tsx?$/, "").split(path.sep).filter((p) => p !== ".." && p !== ".");
  const prefix = cIdentifier(parts.join("_"));
  return /^_[A-Z_]/.test(prefix) ? `m${prefix}` : prefix;
}

export function loadProgram(entryPath: string): LoadedProgram {
  const project = projectFor();
  const absolute = path.resolve(entryPath);
  if (!fs.existsSync(absolute)) throw new Error(`entry file not found: ${entryPath}`);
  // Refresh every file already known, so a warm compile sees edits made on disk.
  for (const file of project.getSourceFiles()) {
    if (fs.existsSync(file.getFilePath())) file.refreshFromFileSystemSync();
    else project.removeSourceFile(file);
  }
  const entrySource = project.getSourceFile(absolute) ?? project.addSourceFileAtPath(absolute);
  project.resolveSourceFileDependencies();

  const ordered: SourceFile[] = [];
  const visiting = new Set<SourceFile>();
  const visit = (file: SourceFile) => {
    if (visiting.has(file) || isRuntimeFile(file.getFilePath())) return;
    visiting.add(file);
    for (const decl of [...file.getImportDeclarations(), ...file.getExportDeclarations()]) {
      if (Node.isImportDeclaration(decl) && isHostOnlyImport(decl)) continue;
      let target: SourceFile | undefined;
      try {
        target = decl.getModuleSpecifierSourceFile();
      } catch {
        target = undefined; // a malformed specifier: tsc reports it
      }
      if (target && !target.isDeclarationFile()) visit(target);
    }
    ordered.push(file);
  };
  visit(entrySource);

  const entryDir = path.dirname(absolute);
  const prefixes = ordered.map((source) => modulePrefix(source.getFilePath(), entryDir));
  // Prefixes are a function of each file's own path, so adding a file never renames another's symbols.
  // Two paths that differ only in punctuation (a-b/c.ts, a_b/c.ts) would share one: both get a hash suffix.
  const modules = ordered.map((source, i) => {
    const clash = prefixes.some((p, j) => j !== i && p === prefixes[i]);
    const prefix = clash ? `${prefixes[i]}_${createHash("sha1").update(path.relative(entryDir, source.getFilePath())).digest("hex").slice(0, 4)}` : prefixes[i];
    return { source, path: source.getFilePath(), prefix };
  });
  return { project, entry: modules[modules.length - 1], modules };
}
