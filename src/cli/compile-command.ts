/** `meshcanary compile` and `meshcanary validate`. */
import { join, resolve } from "node:path";
import { compileRollouts } from "../compile/compile.js";
import {
  loadProjectConfig,
  repositoryDefaults,
  resolveApiVersion,
  resolveSpecPaths,
} from "../config/project-config.js";
import { OutOfDateError, UsageError } from "../errors.js";
import { applyOutput } from "../output/write-output.js";
import { compileProject, loadValidRollouts } from "../project.js";
import { displayPath } from "../rollout/load.js";
import type { Console } from "./console.js";

export interface CompileFlags {
  readonly out?: string;
  readonly check?: boolean;
  readonly prune?: boolean;
  readonly apiVersion?: string;
  readonly config?: string;
}

export function compileCommand(paths: readonly string[], flags: CompileFlags, io: Console): void {
  const cwd = process.cwd();
  const config = loadProjectConfig(cwd, flags.config);
  const specs = resolveSpecPaths(paths, config.specs);
  const out = flags.out === undefined ? config.out : resolve(cwd, flags.out);
  if (out === undefined)
    throw new UsageError("no output directory: give --out DIR or set out in meshcanary.yaml");
  const project = compileProject({
    specs,
    out,
    apiVersion: resolveApiVersion(flags.apiVersion, config),
    defaults: repositoryDefaults(config),
    prune: flags.prune === true,
    cwd,
  });
  for (const note of project.notes) io.note(note);
  const { plan } = project;
  const shown = (p: string) => displayPath(join(out, p), cwd);
  for (const dir of plan.stale)
    io.note(`${shown(dir)}: no rollout compiles here any more; kept (use --prune to remove)`);
  for (const file of plan.staleFiles)
    io.note(
      `${shown(file)}: its rollout no longer compiles this file; kept, unlisted in its kustomization (use --prune to remove)`,
    );
  if (flags.check === true) {
    const differences = [
      ...plan.changed.map((f) => `${shown(f.path)}: out of date`),
      ...plan.prune.map((d) => `${shown(d)}: would be removed`),
      ...plan.pruneFiles.map((f) => `${shown(f)}: would be removed`),
    ];
    if (differences.length > 0) throw new OutOfDateError(differences);
    io.out(`${displayPath(out, cwd)}: up to date (${count(project.rollouts.length, "rollout")})`);
    return;
  }
  applyOutput(out, plan);
  const unchanged = plan.files.length - plan.changed.length;
  const removed = plan.prune.length + plan.pruneFiles.length;
  const pruned = removed > 0 ? `, ${removed} removed` : "";
  io.out(
    `compiled ${count(project.rollouts.length, "rollout")} into ${displayPath(out, cwd)}: ${plan.changed.length} written, ${unchanged} unchanged${pruned}`,
  );
}

export function validateCommand(
  paths: readonly string[],
  flags: Pick<CompileFlags, "config" | "apiVersion">,
  io: Console,
): void {
  const cwd = process.cwd();
  const config = loadProjectConfig(cwd, flags.config);
  const { rollouts, notes } = loadValidRollouts(
    resolveSpecPaths(paths, config.specs),
    cwd,
    repositoryDefaults(config),
  );
  for (const note of notes) io.note(note);
  // Compiling in memory also proves the manifests pass their target's schema.
  compileRollouts(rollouts, { apiVersion: resolveApiVersion(flags.apiVersion, config) });
  io.out(`${count(rollouts.length, "rollout")} valid`);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
