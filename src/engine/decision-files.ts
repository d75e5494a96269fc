/**
 * The files of a decision commit: the edited spec and its manifests compiled
 * exactly as `meshcanary compile` would, with the root kustomization listing
 * every generated rollout directory. Shared by the watchdog's decisions and a
 * person's `meshcanary pause|resume|promote|abort`, so both commit the same.
 */
import { posix } from "node:path";
import {
  type CompileOptions,
  compileRollout,
  GENERATED_HEADER,
  rolloutDir,
  rootKustomization,
} from "../compile/compile.js";
import type { RepoFile } from "../gitops/repo.js";
import type { SpecFiles } from "../rollout/load.js";
import type { Rollout } from "../rollout/types.js";

export interface OutputSettings extends CompileOptions {
  /** Output directory, relative to the repository root. */
  readonly out: string;
}

/**
 * Repository paths of the spec and every file its compile writes, for an
 * edited spec. `outputDirs` (from generatedRolloutDirs) gains the rollout's own.
 */
export async function decisionFiles(
  repo: SpecFiles,
  settings: OutputSettings,
  outputDirs: Set<string>,
  rollout: Rollout,
  text: string,
): Promise<RepoFile[]> {
  outputDirs.add(rolloutDir(rollout));
  const compiled = [...compileRollout(rollout, settings), rootKustomization([...outputDirs])].map(
    (f) => ({ path: posix.join(settings.out, f.path), content: f.content }),
  );
  return [
    { path: rollout.source.file, content: text },
    ...compiled,
    ...(await leftOver(repo, posix.join(settings.out, rolloutDir(rollout)), compiled)),
  ];
}

/**
 * Generated files of the rollout's directory that the new output no longer
 * has, as removals: a promotion on the gateway-api target drops the old
 * stable's Service. Files a person put there are kept.
 */
async function leftOver(
  repo: SpecFiles,
  dir: string,
  compiled: readonly RepoFile[],
): Promise<RepoFile[]> {
  const written = new Set(compiled.map((f) => f.path));
  const removed: RepoFile[] = [];
  for (const path of (await repo.list(dir)) ?? []) {
    if (written.has(path) || posix.dirname(path) !== dir) continue;
    if ((await repo.read(path))?.startsWith(GENERATED_HEADER))
      removed.push({ path, content: null });
  }
  return removed;
}

/** `<ns>/<name>` directories under `out` whose kustomization.yaml meshcanary wrote. */
export async function generatedRolloutDirs(repo: SpecFiles, out: string): Promise<Set<string>> {
  const dirs = new Set<string>();
  const prefix = out === "." ? "" : `${posix.normalize(out).replace(/\/+$/, "")}/`;
  for (const file of (await repo.list(out)) ?? []) {
    const match = /^([^/]+)\/([^/]+)\/kustomization\.yaml$/.exec(file.slice(prefix.length));
    if (!file.startsWith(prefix) || match === null) continue;
    if ((await repo.read(file))?.startsWith(GENERATED_HEADER))
      dirs.add(rolloutDir({ namespace: match[1] as string, name: match[2] as string }));
  }
  return dirs;
}
