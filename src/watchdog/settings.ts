/**
 * What the watchdog compiles and where: the repo's own meshcanary.yaml, with
 * flags on top, so it writes exactly what `meshcanary compile` run by a
 * person in that repo writes (and `compile --check` stays green).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { DEFAULT_ISTIO_API_VERSION, type IstioApiVersion } from "../compile/compile.js";
import { CONFIG_FILE, normalizeApiVersion, parseProjectConfig } from "../config/project-config.js";
import { UsageError } from "../errors.js";
import type { WatchSettings } from "./cycle.js";

export interface SettingFlags {
  readonly specs?: string;
  readonly out?: string;
  readonly apiVersion?: string;
}

export function watchSettings(repoDir: string, flags: SettingFlags): WatchSettings {
  const file = join(repoDir, CONFIG_FILE);
  const config = existsSync(file)
    ? parseProjectConfig(CONFIG_FILE, repoDir, readFileSync(file, "utf8"), file)
    : {};
  const specs =
    flags.specs !== undefined ? [flags.specs] : config.specs?.map((p) => relative(repoDir, p));
  if (specs === undefined)
    throw new UsageError(
      "no specs directory: give --specs or set specs in the repo's meshcanary.yaml",
    );
  const out = flags.out ?? (config.out === undefined ? undefined : relative(repoDir, config.out));
  if (out === undefined)
    throw new UsageError(
      "no output directory: give --out or set out in the repo's meshcanary.yaml",
    );
  for (const p of [...specs, out]) {
    if (p.startsWith("..") || p.startsWith("/"))
      throw new UsageError(`${p}: must be inside the repository`);
  }
  const apiVersion: IstioApiVersion =
    flags.apiVersion !== undefined
      ? normalizeApiVersion(flags.apiVersion)
      : (config.apiVersion ?? DEFAULT_ISTIO_API_VERSION);
  return { specs, out, apiVersion };
}
