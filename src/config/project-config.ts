/**
 * meshcanary.yaml: optional settings at the GitOps repo root (specs, out,
 * apiVersion) shared by `compile` and `watch`. Found in the working directory
 * or the nearest ancestor up to the repository root.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { DEFAULT_ISTIO_API_VERSION, type IstioApiVersion } from "../compile/compile.js";
import { type Diagnostic, FileSystemError, InvalidConfigError } from "../errors.js";
import { readPackageJson } from "../package-files.js";
import { displayPath } from "../spec/load.js";
import { toDiagnostic } from "../spec/parse-rollouts.js";
import { checkWith, createAjv } from "../spec/schema-check.js";
import { parseYamlFile } from "../spec/yaml-source.js";

export const CONFIG_FILE = "meshcanary.yaml";

export interface ProjectConfig {
  /** The file it was read from, if any. */
  readonly file?: string;
  /** Absolute spec paths. */
  readonly specs?: readonly string[];
  /** Absolute output directory. */
  readonly out?: string;
  readonly apiVersion?: IstioApiVersion;
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
  };
}

/** `v1` / `v1beta1` / full group version → full group version. */
export function normalizeApiVersion(value: string): IstioApiVersion {
  const version = value.replace(/^networking\.istio\.io\//, "");
  return version === "v1beta1" ? "networking.istio.io/v1beta1" : DEFAULT_ISTIO_API_VERSION;
}

let validator: ReturnType<ReturnType<typeof createAjv>["compile"]> | undefined;
function configValidator() {
  validator ??= createAjv().compile(
    readPackageJson<object>("schemas", "meshcanary-config.schema.json"),
  );
  return validator;
}
