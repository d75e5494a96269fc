/**
 * What the watchdog compiles and where: the repo's own meshcanary.yaml, with
 * flags on top, so it writes exactly what `meshcanary compile` run by a
 * person in that repo writes (and `compile --check` stays green).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { IstioApiVersion } from "../compile/targets/istio.js";
import { UsageError } from "../errors.js";
import type { RepositoryDefaults } from "../rollout/types.js";
import {
  CONFIG_FILE,
  type ProjectConfig,
  parseProjectConfig,
  repositoryDefaults,
  resolveApiVersion,
} from "./project-config.js";

/** meshcanary.yaml's defaults for the specs of a repository checkout (`status --repo`). */
export function repoDefaults(repoDir: string): RepositoryDefaults {
  return repositoryDefaults(repoConfig(repoDir));
}

/** What the watchdog reads from its repository and flags. */
export interface WatchSettings {
  /** Spec paths, relative to the repository root. */
  readonly specs: readonly string[];
  /** Output directory, relative to the repository root. */
  readonly out: string;
  readonly apiVersion: IstioApiVersion;
  /** meshcanary.yaml's defaults for what specs leave out (the routing target). */
  readonly defaults?: RepositoryDefaults;
}

export interface SettingFlags {
  readonly specs?: string;
  readonly out?: string;
  readonly apiVersion?: string;
}

function repoConfig(repoDir: string): ProjectConfig {
  const file = join(repoDir, CONFIG_FILE);
  return existsSync(file)
    ? parseProjectConfig(CONFIG_FILE, repoDir, readFileSync(file, "utf8"), file)
    : {};
}

/** A path of the repo, relative to its root; refuses one that leads outside. */
function inside(repoDir: string, path: string): string {
  const rel = relative(repoDir, join(repoDir, path));
  if (rel.startsWith("..")) throw new UsageError(`${path}: must be inside the repository`);
  return rel === "" ? "." : rel;
}

/** Spec paths relative to the repo root: `--specs`, else meshcanary.yaml's `specs`. */
export function repoSpecs(repoDir: string, flag?: string, config = repoConfig(repoDir)): string[] {
  const specs = flag !== undefined ? [flag] : config.specs?.map((p) => relative(repoDir, p));
  if (specs === undefined) {
    throw new UsageError(
      "no specs directory: give --specs or set specs in the repo's meshcanary.yaml",
    );
  }
  return specs.map((p) => inside(repoDir, p));
}

export function watchSettings(repoDir: string, flags: SettingFlags): WatchSettings {
  const config = repoConfig(repoDir);
  const out = flags.out ?? (config.out === undefined ? undefined : relative(repoDir, config.out));
  if (out === undefined) {
    throw new UsageError(
      "no output directory: give --out or set out in the repo's meshcanary.yaml",
    );
  }
  return {
    specs: repoSpecs(repoDir, flags.specs, config),
    out: inside(repoDir, out),
    apiVersion: resolveApiVersion(flags.apiVersion, config),
    defaults: repositoryDefaults(config),
  };
}
