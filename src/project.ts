/**
 * One compile of a project, shared by `meshcanary compile` and the watchdog so
 * both produce the same bytes: load specs → fail on any problem → compile →
 * compare with the output directory.
 */
import { type CompileOptions, compileRollouts } from "./compile/compile.js";
import type { IstioApiVersion } from "./compile/targets/istio.js";
import { ExitCode, InvalidSpecError, MeshcanaryError } from "./errors.js";
import { type OutputPlan, planOutput } from "./output/write-output.js";
import { loadRollouts } from "./rollout/load.js";
import {
  type RepositoryDefaults,
  ROLLOUT_API_VERSION,
  ROLLOUT_KIND,
  type Rollout,
} from "./rollout/types.js";

export interface ProjectSettings {
  /** Spec files or directories. */
  readonly specs: readonly string[];
  /** Output directory. */
  readonly out: string;
  readonly apiVersion: IstioApiVersion;
  /** meshcanary.yaml's defaults for what specs leave out (the routing target). */
  readonly defaults?: RepositoryDefaults;
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
  defaults: RepositoryDefaults = {},
): { rollouts: Rollout[]; notes: string[] } {
  const loaded = loadRollouts(specs, { ...(cwd === undefined ? {} : { cwd }), defaults });
  if (loaded.diagnostics.length > 0) throw new InvalidSpecError(loaded.diagnostics);
  if (loaded.rollouts.length === 0) {
    throw new MeshcanaryError(
      noRolloutsMessage(specs, loaded.skipped),
      "NO_ROLLOUTS",
      ExitCode.invalid,
    );
  }
  return { rollouts: loaded.rollouts.map((r) => r.rollout), notes: loaded.notes };
}

/** Says what was read instead, so a look-alike that was skipped can be found. */
export function noRolloutsMessage(specs: readonly string[], skipped: readonly string[]): string {
  const head = `no ${ROLLOUT_API_VERSION} ${ROLLOUT_KIND} documents in ${specs.join(", ")}`;
  if (skipped.length === 0) return `${head}: no YAML documents found`;
  return [`${head}; passed over:`, ...skipped.map((s) => `  ${s}`)].join("\n");
}

export function compileProject(settings: ProjectSettings): CompiledProject {
  const { rollouts, notes } = loadValidRollouts(settings.specs, settings.cwd, settings.defaults);
  const options: CompileOptions = { apiVersion: settings.apiVersion };
  const files = compileRollouts(rollouts, options);
  const plan = planOutput(settings.out, files, { prune: settings.prune === true });
  return { rollouts, plan, notes };
}
