/**
 * meshcanary.yaml: optional settings at the GitOps repo root (specs, out,
 * apiVersion, target) shared by `compile` and `watch`. Found in the working directory
 * or the nearest ancestor up to the repository root.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  DEFAULT_ISTIO_API_VERSION,
  type IstioApiVersion,
  normalizeApiVersion,
} from "../compile/targets/istio.js";
import { type Diagnostic, FileSystemError, InvalidConfigError, UsageError } from "../errors.js";
import { readPackageJson } from "../package-files.js";
import { displayPath } from "../rollout/load.js";
import { toDiagnostic } from "../rollout/parse-rollouts.js";
import { checkWith, createAjv } from "../rollout/schema-check.js";
import type { RepositoryDefaults, RoutingTargetName } from "../rollout/types.js";
import { parseYamlFile } from "../rollout/yaml-source.js";

export const CONFIG_FILE = "meshcanary.yaml";

export interface ProjectConfig {
  /** The file it was read from, if any. */
  readonly file?: string;
  /** Absolute spec paths. */
  readonly specs?: readonly string[];
  /** Absolute output directory. */
  readonly out?: string;
  readonly apiVersion?: IstioApiVersion;
  /** The routing target of rollouts whose spec names none. */
  readonly target?: RoutingTargetName;
}

export function findConfigFile(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    if (existsSync(join(dir, ".git")) || dirname(dir) === dir) return undefined;
  }
}

/** Reads the given file, or the one found from `cwd`; `{}` when there is none. */
export function loadProjectConfig(cwd: string, explicit?: string): ProjectConfig {
  const file = explicit === undefined ? findConfigFile(cwd) : resolve(cwd, explicit);
  if (file === undefined) return {};
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new FileSystemError(
      `${explicit === undefined ? "" : "--config "}${displayPath(file, cwd)}: cannot read: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return parseProjectConfig(displayPath(file, cwd), dirname(file), text, file);
}

interface RawConfig {
  specs?: string | string[];
  out?: string;
  apiVersion?: string;
  target?: RoutingTargetName;
}

export function parseProjectConfig(
  shown: string,
  baseDir: string,
  text: string,
  file = shown,
): ProjectConfig {
  const parsed = parseYamlFile(shown, text);
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  const source = parsed.documents[0];
  if (parsed.documents.length > 1) {
    diagnostics.push({
      file: shown,
      line: 1,
      col: 1,
      path: "",
      message: "must hold one YAML document",
    });
  }
  const data = (source?.doc.toJS({ maxAliasCount: 100 }) ?? {}) as RawConfig;
  if (source !== undefined) {
    diagnostics.push(
      ...checkWith(configValidator(), data).map((issue) => toDiagnostic(source, issue)),
    );
  }
  if (diagnostics.length > 0) throw new InvalidConfigError(diagnostics);
  const specs =
    data.specs === undefined ? undefined : [data.specs].flat().map((p) => resolve(baseDir, p));
  return {
    file,
    ...(specs === undefined ? {} : { specs }),
    ...(data.out === undefined ? {} : { out: resolve(baseDir, data.out) }),
    ...(data.apiVersion === undefined ? {} : { apiVersion: normalizeApiVersion(data.apiVersion) }),
    ...(data.target === undefined ? {} : { target: data.target }),
  };
}

/** What meshcanary.yaml fills in for specs that leave it out: the routing target (the spec's wins). */
export function repositoryDefaults(config: Pick<ProjectConfig, "target">): RepositoryDefaults {
  return config.target === undefined ? {} : { target: config.target };
}

/** The one apiVersion rule, for `compile`, `validate` and `watch`: `--api-version`, else meshcanary.yaml's, else networking.istio.io/v1. */
export function resolveApiVersion(
  flag: string | undefined,
  config: Pick<ProjectConfig, "apiVersion">,
): IstioApiVersion {
  if (flag !== undefined) return normalizeApiVersion(flag);
  return config.apiVersion ?? DEFAULT_ISTIO_API_VERSION;
}

/** The spec paths of `compile` and `validate`: PATHS, else meshcanary.yaml's `specs`. */
export function resolveSpecPaths(
  paths: readonly string[],
  fromConfig: readonly string[] | undefined,
): readonly string[] {
  if (paths.length > 0) return paths;
  if (fromConfig !== undefined) return fromConfig;
  throw new UsageError("no spec paths: give PATHS or set specs in meshcanary.yaml");
}

let validator: ReturnType<ReturnType<typeof createAjv>["compile"]> | undefined;
function configValidator() {
  validator ??= createAjv().compile(
    readPackageJson<object>("schemas", "meshcanary-config.schema.json"),
  );
  return validator;
}
