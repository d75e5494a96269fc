/**
 * The file-system edge of the spec layer: expand paths into YAML files, read
 * them, and run the pure parser and the cross-rollout checks.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { type Diagnostic, FileSystemError, UsageError } from "../errors.js";
import { checkAcrossRollouts, type LocatedRollout } from "./cross-checks.js";
import { CONTROL_CHARACTER } from "./formats.js";
import { type ParsedRollouts, parseRollouts } from "./parse-rollouts.js";
import type { Rollout } from "./types.js";

/** Larger spec files are refused: a rollout spec is a few KiB, so this is a mistake or an attack. */
export const MAX_SPEC_BYTES = 1024 * 1024;

export interface LoadResult {
  readonly rollouts: LocatedRollout[];
  readonly diagnostics: Diagnostic[];
  readonly notes: string[];
  /** What was passed over and why (skipped documents and symbolic links), also in `notes`. */
  readonly skipped: string[];
}

/** Parse results by absolute path, reused while a file's text is unchanged (parsing is a pure function of it). */
export type SpecCache = Map<string, { readonly text: string; readonly parsed: ParsedRollouts }>;

export interface LoadOptions {
  /** Directory messages are relative to; default `process.cwd()`. */
  readonly cwd?: string;
  readonly cache?: SpecCache;
}

/**
 * The rollouts of files without problems. The watchdog and `status` go on
 * with these while an invalid file is reported, since any part of a file
 * with a problem may be wrong.
 */
export function rolloutsOfValidFiles(loaded: LoadResult): Rollout[] {
  const invalid = new Set(loaded.diagnostics.map((d) => d.file));
  return loaded.rollouts.filter((r) => !invalid.has(r.source.file)).map((r) => r.rollout);
}

export function loadRollouts(paths: readonly string[], options: LoadOptions = {}): LoadResult {
  const cwd = options.cwd ?? process.cwd();
  const result: LoadResult = { rollouts: [], diagnostics: [], notes: [], skipped: [] };
  const seen = new Set<string>();
  for (const input of paths) {
    const absolute = resolve(cwd, input);
    const base = projectBase(absolute);
    const links: string[] = [];
    const files = listYamlFiles(absolute, input, links);
    result.notes.push(...links);
    result.skipped.push(...links);
    for (const file of files) {
      if (seen.has(file)) continue;
      seen.add(file);
      const shown = displayPath(file, cwd);
      if (CONTROL_CHARACTER.test(file)) {
        // The path goes into the manifests' annotation: keep it one printable line.
        result.diagnostics.push({
          file: JSON.stringify(shown),
          line: 1,
          col: 1,
          path: "",
          message: "file name must not contain control characters or line breaks",
        });
        continue;
      }
      const text = readSpecFile(file, shown, result.diagnostics);
      if (text === undefined) continue;
      const cached = options.cache?.get(file);
      const parsed =
        cached?.text === text
          ? cached.parsed
          : parseRollouts(shown, toPosix(relative(base, file)), text);
      options.cache?.set(file, { text, parsed });
      result.rollouts.push(...parsed.rollouts);
      result.diagnostics.push(...parsed.diagnostics);
      result.notes.push(...parsed.notes);
      result.skipped.push(...parsed.skipped);
    }
  }
  result.diagnostics.push(...checkAcrossRollouts(result.rollouts));
  return result;
}

function readSpecFile(file: string, shown: string, diagnostics: Diagnostic[]): string | undefined {
  try {
    const size = statSync(file).size;
    if (size > MAX_SPEC_BYTES) {
      diagnostics.push({
        file: shown,
        line: 1,
        col: 1,
        path: "",
        message: `file is ${size} bytes; rollout specs may be at most ${MAX_SPEC_BYTES} bytes`,
      });
      return undefined;
    }
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new FileSystemError(`${shown}: cannot read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

const YAML_FILE = /\.ya?ml$/i;

/** Files in a stable order; inside directories, hidden entries and symlinks are passed over (with a note for symlinks). */
function listYamlFiles(absolute: string, input: string, links: string[]): string[] {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(absolute);
  } catch {
    throw new UsageError(`${input}: no such file or directory`);
  }
  if (stats.isFile()) return [absolute];
  if (!stats.isDirectory()) throw new UsageError(`${input}: not a file or directory`);
  const files: string[] = [];
  const walk = (dir: string): void => {
    const entries = readDirectory(dir);
    for (const name of entries) {
      if (name.startsWith(".")) continue;
      const path = join(dir, name);
      const entry = lstatSync(path);
      if (entry.isSymbolicLink()) {
        // A link could lead outside the specs directory or into a loop; name it explicitly to include it.
        links.push(`${path}: skipped symbolic link`);
      } else if (entry.isDirectory()) {
        walk(path);
      } else if (entry.isFile() && YAML_FILE.test(name)) {
        files.push(path);
      }
    }
  };
  walk(absolute);
  return files;
}

function readDirectory(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    throw new FileSystemError(`${dir}: cannot read: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The directory annotation paths are relative to: the nearest ancestor holding
 * meshcanary.yaml or .git (the GitOps repo), else the compiled directory itself.
 */
export function projectBase(absolute: string): string {
  const start = isDirectory(absolute) ? absolute : dirname(absolute);
  for (let dir = start; ; dir = dirname(dir)) {
    if (exists(join(dir, "meshcanary.yaml")) || exists(join(dir, ".git"))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}
