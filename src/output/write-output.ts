/**
 * The file-system edge of the compiler: puts `{path, content}[]` under the
 * output directory. Files are staged in a temporary directory beside it and
 * renamed into place only once all are written, so a failed run leaves the
 * previous output as it was. Unchanged files are not touched.
 */
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  type CompileOptions,
  GENERATED_HEADER,
  type OutputFile,
  rolloutDir,
  rootKustomization,
} from "../compile/compile.js";
import { FileSystemError } from "../errors.js";

export interface OutputPlan {
  /** Every file the output directory should hold, root kustomization included. */
  readonly files: readonly OutputFile[];
  /** Files whose content on disk differs or that are missing. */
  readonly changed: readonly OutputFile[];
  /** Generated rollout directories with no rollout any more, removed with `prune`. */
  readonly prune: readonly string[];
  /** Such directories kept because `prune` was not asked for. */
  readonly stale: readonly string[];
  /**
   * Generated files inside a rollout's directory that its rollout no longer
   * compiles (it changed target, or a version's Service went with its
   * version), removed with `prune`; its kustomization no longer lists them.
   */
  readonly pruneFiles: readonly string[];
  /** Such files kept because `prune` was not asked for. */
  readonly staleFiles: readonly string[];
}

export interface PlanOptions extends CompileOptions {
  readonly prune?: boolean;
}

/** Compares the compiled files with what is on disk; reads only. */
export function planOutput(
  outDir: string,
  compiled: readonly OutputFile[],
  options: PlanOptions = {},
): OutputPlan {
  const current = new Set(compiled.map((f) => dirname(f.path)));
  const orphaned = generatedRolloutDirs(outDir).filter((d) => !current.has(d));
  const kept = options.prune === true ? [] : orphaned;
  const files = [...compiled, rootKustomization([...current, ...kept])];
  const changed = files.filter((f) => readIfExists(join(outDir, f.path)) !== f.content);
  const written = new Set(compiled.map((f) => f.path));
  const leftOver = [...current]
    .sort()
    .flatMap((dir) => generatedFiles(outDir, dir))
    .filter((path) => !written.has(path));
  return {
    files,
    changed,
    prune: options.prune === true ? orphaned : [],
    stale: kept,
    pruneFiles: options.prune === true ? leftOver : [],
    staleFiles: options.prune === true ? [] : leftOver,
  };
}

/** The regular files of `<ns>/<name>` that start with meshcanary's header, as output-relative paths. */
function generatedFiles(outDir: string, dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(outDir, dir));
  } catch {
    return [];
  }
  return names
    .filter((n) => lstatSync(join(outDir, dir, n)).isFile())
    .filter((n) => readIfExists(join(outDir, dir, n))?.startsWith(GENERATED_HEADER) === true)
    .map((n) => `${dir}/${n}`)
    .sort();
}

/** The two writes applyOutput makes; replaceable so tests can make them fail. */
export interface OutputWriter {
  writeFile(path: string, content: string): void;
  rename(from: string, to: string): void;
}

const nodeWriter: OutputWriter = { writeFile: writeFileSync, rename: renameSync };

/**
 * Writes the plan: every changed file is first written to a staging directory
 * beside `outDir` and every target directory checked; only then are the files
 * renamed into place (root kustomization last, once the directories it lists
 * exist), or the whole staging tree when `outDir` does not exist yet. A
 * failure while staging or checking leaves `outDir` as it was.
 */
export function applyOutput(
  outDir: string,
  plan: OutputPlan,
  writer: OutputWriter = nodeWriter,
): void {
  const { pruneFiles } = plan;
  if (plan.changed.length === 0 && plan.prune.length === 0 && pruneFiles.length === 0) return;
  const parent = dirname(outDir);
  let staging: string | undefined;
  try {
    mkdirs(parent);
    staging = mkdtempSync(join(parent, `.${basename(outDir)}.meshcanary-`));
    // The staging tree mirrors the output's layout, so a first compile moves in with one rename.
    const made = new Set<string>();
    for (const file of plan.changed) {
      const dir = dirname(file.path);
      if (!made.has(dir)) mkdirs(join(staging, dir));
      made.add(dir);
      writer.writeFile(join(staging, file.path), file.content);
    }
    for (const dir of new Set([...made, ...plan.prune, ...pruneFiles.map(dirname)])) {
      refuseSymlinks(outDir, dir);
    }
    if (lstatOrUndefined(outDir) === undefined) {
      writer.rename(staging, outDir);
      staging = undefined;
      return;
    }
    const targets = new Set<string>();
    for (const file of plan.changed) {
      const dir = dirname(file.path);
      if (!targets.has(dir)) mkdirs(join(outDir, dir));
      targets.add(dir);
      writer.rename(join(staging, file.path), join(outDir, file.path));
    }
    for (const dir of plan.prune) {
      rmSync(join(outDir, dir), { recursive: true, force: true });
      removeIfEmpty(dirname(join(outDir, dir)));
    }
    for (const file of pruneFiles) rmSync(join(outDir, file), { force: true });
  } catch (error) {
    if (error instanceof FileSystemError) throw error;
    throw new FileSystemError(`${outDir}: cannot write output: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    if (staging !== undefined) rmSync(staging, { recursive: true, force: true });
  }
}

/** `<ns>/<name>` directories whose kustomization.yaml meshcanary wrote. */
export function generatedRolloutDirs(outDir: string): string[] {
  const dirs: string[] = [];
  for (const ns of listDirs(outDir)) {
    for (const name of listDirs(join(outDir, ns))) {
      const k = readIfExists(join(outDir, ns, name, "kustomization.yaml"));
      if (k?.startsWith(GENERATED_HEADER)) dirs.push(rolloutDir({ namespace: ns, name }));
    }
  }
  return dirs.sort();
}

function listDirs(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith(".") && lstatSync(join(dir, n)).isDirectory()).sort();
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    // ENOTDIR: a parent is a file, so this file does not exist either; writing will say why.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new FileSystemError(`${path}: cannot read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** A symlinked `<ns>` or `<ns>/<name>` directory could send output outside the output directory. */
function refuseSymlinks(outDir: string, relativeDir: string): void {
  let dir = outDir;
  for (const part of relativeDir.split("/").filter((p) => p !== "" && p !== ".")) {
    dir = join(dir, part);
    if (lstatOrUndefined(dir)?.isSymbolicLink()) {
      throw new FileSystemError(
        `${dir}: is a symbolic link; refusing to write generated files through it`,
      );
    }
  }
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function mkdirs(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // Best effort: an empty namespace directory left behind is harmless.
  }
}
