/**
 * The file-system edge of the spec layer: expand paths into YAML files, read
 * them, and run the pure parser and the cross-rollout checks.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from "node:path";
import { type Diagnostic, FileSystemError, UsageError } from "../errors.js";
import { checkAcrossRollouts, type LocatedRollout } from "./cross-checks.js";
import { CONTROL_CHARACTER } from "./formats.js";
import { type ParsedRollouts, parseRollouts } from "./parse-rollouts.js";
import type { RepositoryDefaults, Rollout, RoutingTargetName } from "./types.js";

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
export type SpecCache = Map<
  string,
  {
    readonly text: string;
    readonly parsed: ParsedRollouts;
    /** The repository's default target it was parsed with. */
    readonly defaultTarget?: RoutingTargetName;
  }
>;

export interface LoadOptions {
  /** Directory messages are relative to; default `process.cwd()`. */
  readonly cwd?: string;
  readonly cache?: SpecCache;
  /** meshcanary.yaml's settings that fill in what a spec leaves out (its `target`). */
  readonly defaults?: RepositoryDefaults;
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
      if (!printablePath(file, shown, result)) continue;
      const text = readSpecFile(file, shown, result.diagnostics);
      if (text === undefined) continue;
      addSpecText(
        result,
        { key: file, shown, relativePath: toPosix(relative(base, file)), text },
        options,
      );
    }
  }
  result.diagnostics.push(...checkAcrossRollouts(result.rollouts));
  return result;
}

/** The path goes into the manifests' annotation: it must be one printable line. */
function printablePath(path: string, shown: string, result: LoadResult): boolean {
  if (!CONTROL_CHARACTER.test(path)) return true;
  result.diagnostics.push({
    file: JSON.stringify(shown),
    line: 1,
    col: 1,
    path: "",
    message: "file name must not contain control characters or line breaks",
  });
  return false;
}

function tooLarge(shown: string, size: number, diagnostics: Diagnostic[]): boolean {
  if (size <= MAX_SPEC_BYTES) return false;
  diagnostics.push({
    file: shown,
    line: 1,
    col: 1,
    path: "",
    message: `file is ${size} bytes; rollout specs may be at most ${MAX_SPEC_BYTES} bytes`,
  });
  return true;
}

/** Parses one file's text (or reuses the cached parse of the same text) into `result`. */
function addSpecText(
  result: LoadResult,
  file: { key: string; shown: string; relativePath: string; text: string },
  { cache, defaults = {} }: Pick<LoadOptions, "cache" | "defaults">,
): void {
  // The parse depends on the text and the repository's default target.
  const cached = cache?.get(file.key);
  const parsed =
    cached?.text === file.text && cached.defaultTarget === defaults.target
      ? cached.parsed
      : parseRollouts(file.shown, file.relativePath, file.text, defaults);
  cache?.set(file.key, {
    text: file.text,
    parsed,
    ...(defaults.target === undefined ? {} : { defaultTarget: defaults.target }),
  });
  result.rollouts.push(...parsed.rollouts);
  result.diagnostics.push(...parsed.diagnostics);
  result.notes.push(...parsed.notes);
  result.skipped.push(...parsed.skipped);
}

/** What loading specs needs from a repository: the GitOps working copy, or an in-memory one in tests. */
export interface SpecFiles {
  /** A file's text by repository-relative path; `undefined` when absent. */
  read(path: string): Promise<string | undefined>;
  /**
   * The regular files at or under a repository-relative path (the path itself
   * when it is a file), hidden entries and symbolic links left out;
   * `undefined` when nothing is there.
   */
  list(path: string): Promise<readonly string[] | undefined>;
}

/**
 * `loadRollouts` over a repository: paths and messages are relative to its
 * root, and annotations to the nearest directory holding meshcanary.yaml
 * (else the root), as `meshcanary compile` run in a clone writes them.
 */
export async function loadRepoRollouts(
  repo: SpecFiles,
  paths: readonly string[],
  options: Pick<LoadOptions, "cache" | "defaults"> = {},
): Promise<LoadResult> {
  const result: LoadResult = { rollouts: [], diagnostics: [], notes: [], skipped: [] };
  const seen = new Set<string>();
  for (const input of paths) {
    const listed = await repo.list(input);
    if (listed === undefined) throw new UsageError(`${input}: no such file or directory`);
    const base = await repoProjectBase(repo, input, listed);
    // Directory order, as the file-system walk reads it: component by component.
    const files = listed.filter((f) => YAML_FILE.test(f)).sort(byComponents);
    for (const file of files) {
      if (seen.has(file)) continue;
      seen.add(file);
      if (!printablePath(file, file, result)) continue;
      const text = await repo.read(file);
      if (text === undefined || tooLarge(file, Buffer.byteLength(text), result.diagnostics))
        continue;
      const relativePath = base === "" ? file : file.slice(base.length + 1);
      addSpecText(result, { key: file, shown: file, relativePath, text }, options);
    }
  }
  result.diagnostics.push(...checkAcrossRollouts(result.rollouts));
  return result;
}

function byComponents(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i] as string;
    const q = y[i] as string;
    if (p !== q) return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

/** `projectBase` inside a repository: the nearest directory at or above the input holding meshcanary.yaml, else the root (""). */
async function repoProjectBase(
  repo: SpecFiles,
  input: string,
  listed: readonly string[],
): Promise<string> {
  const clean = posix.normalize(input).replace(/\/+$/, "");
  const isFile = listed.length === 1 && listed[0] === clean;
  let dir = isFile ? posix.dirname(clean) : clean;
  for (; dir !== "." && dir !== "" && dir !== "/"; dir = posix.dirname(dir)) {
    if ((await repo.read(`${dir}/meshcanary.yaml`)) !== undefined) return dir;
  }
  return "";
}

function readSpecFile(file: string, shown: string, diagnostics: Diagnostic[]): string | undefined {
  try {
    if (tooLarge(shown, statSync(file).size, diagnostics)) return undefined;
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
