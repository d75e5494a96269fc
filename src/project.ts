/**
 * One compile of a project, shared by `meshcanary compile` and the watchdog so
 * both produce the same bytes: load specs → fail on any problem → compile →
 * compare with the output directory.
 */
import { type CompileOptions, compileRollouts, type IstioApiVersion } from "./compile/compile.js";
import { ExitCode, InvalidSpecError, MeshcanaryError } from "./errors.js";
import { type OutputPlan, planOutput } from "./output/write-output.js";
import { loadRollouts } from "./spec/load.js";
import type { Rollout } from "./spec/types.js";

export interface ProjectSettings {
  /** Spec files or directories. */
  readonly specs: readonly string[];
  /** Output directory. */
  readonly out: string;
  readonly apiVersion: IstioApiVersion;
  readonly prune?: boolean;
  readonly cwd?: string;
}

export interface CompiledProject {
  readonly rollouts: readonly Rollout[];
  readonly plan: OutputPlan;
  readonly notes: readonly string[];
}

/** Loads and validates every spec; throws `InvalidSpecError` with all problems at once. */
export function loadValidRollouts(
  specs: readonly string[],
  cwd?: string,
): { rollouts: Rollout[]; notes: string[] } {
  const loaded = loadRollouts(specs, cwd === undefined ? {} : { cwd });
  if (loaded.diagnostics.length > 0) throw new InvalidSpecError(loaded.diagnostics);
  if (loaded.rollouts.length === 0) {
    throw new MeshcanaryError(
      `no meshcanary.dev/v1alpha1 Rollout documents in ${specs.join(", ")}`,
      "NO_ROLLOUTS",
      ExitCode.invalid,
    );
  }
  return { rollouts: loaded.rollouts.map((r) => r.rollout), notes: loaded.notes };
}

export function compileProject(settings: ProjectSettings): CompiledProject {
  const { rollouts, notes } = loadValidRollouts(settings.specs, settings.cwd);
  const options: CompileOptions = { apiVersion: settings.apiVersion };
  const files = compileRollouts(rollouts, options);
  const plan = planOutput(settings.out, files, { prune: settings.prune === true });
  return { rollouts, plan, notes };
}
