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
  type OutputFile,
  rolloutDir,
  rootKustomization,
} from "../compile/compile.js";
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
export function decisionFiles(
  settings: OutputSettings,
  outputDirs: Set<string>,
  rollout: Rollout,
  text: string,
): OutputFile[] {
  outputDirs.add(rolloutDir(rollout));
  const compiled = [...compileRollout(rollout, settings), rootKustomization([...outputDirs])];
  return [
    { path: rollout.source.file, content: text },
    ...compiled.map((f) => ({ path: posix.join(settings.out, f.path), content: f.content })),
  ];
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
