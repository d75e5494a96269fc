/**
 * From the text of one file to validated rollouts: YAML documents with
 * positions → skip what is not a Rollout → schema → semantic checks →
 * defaults. Pure: the caller reads the file.
 */
import { ISTIO_DURATION_BUCKETS_MS } from "../analysis/histogram.js";
import type { Diagnostic } from "../errors.js";
import type { LocatedRollout } from "./cross-checks.js";
import type { RolloutDocument } from "./document.js";
import { resolveRollout } from "./resolve.js";
import { checkSchema, type SpecIssue } from "./schema-check.js";
import { checkSemantics } from "./semantic-checks.js";
import { ROLLOUT_API_VERSION, ROLLOUT_KIND, type Rollout } from "./types.js";
import {
  formatPath,
  locate,
  MAX_ALIAS_COUNT,
  type PathSegment,
  parseYamlFile,
  type SourceDocument,
} from "./yaml-source.js";

export interface ParsedRollouts {
  readonly rollouts: LocatedRollout[];
  readonly diagnostics: Diagnostic[];
  /** Documents skipped because they are not Rollouts, for a note on stderr. */
  readonly notes: string[];
}

/**
 * @param file the file as shown in messages
 * @param relativePath the file relative to the project root, for the manifests' annotation
 */
export function parseRollouts(file: string, relativePath: string, text: string): ParsedRollouts {
  const parsed = parseYamlFile(file, text);
  const result: ParsedRollouts = { rollouts: [], diagnostics: [...parsed.diagnostics], notes: [] };
  for (const source of parsed.documents) {
    let data: unknown;
    try {
      data = source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      // yaml refuses documents whose aliases expand past maxAliasCount (a "billion laughs" bomb).
      const { line, col } = locate(source, []);
      result.diagnostics.push({
        file,
        line,
        col,
        path: "",
        message: `invalid YAML: ${(error as Error).message}`,
      });
      continue;
    }
    if (data === null || data === undefined) continue; // an empty document, e.g. after a trailing ---
    if (!isRolloutDocument(data)) {
      result.notes.push(`${file}: skipped document ${source.index + 1}: ${describeDocument(data)}`);
      continue;
    }
    const issues = [...prototypeKeys(data), ...checkSchema(data)];
    if (issues.length === 0) issues.push(...checkSemantics(data as RolloutDocument));
    if (issues.length > 0) {
      result.diagnostics.push(...issues.map((issue) => toDiagnostic(source, issue)));
      continue;
    }
    const rollout = resolveRollout(data as RolloutDocument, {
      file,
      relativePath,
      documentIndex: source.index,
    });
    result.rollouts.push({ rollout, source });
    const note = bucketNote(rollout, source, file);
    if (note !== undefined) result.notes.push(note);
  }
  return result;
}

/**
 * A latency SLA inside one of Istio's buckets cannot be judged exactly: the
 * histogram does not know where in the bucket requests fell. The statistical
 * judge then interpolates as histogram_quantile does; say so once, at load.
 */
function bucketNote(rollout: Rollout, source: SourceDocument, file: string): string | undefined {
  const { maxMs } = rollout.analysis.sla.latency;
  if (rollout.analysis.judge !== "statistical" || maxMs === undefined) return undefined;
  if (ISTIO_DURATION_BUCKETS_MS.includes(maxMs)) return undefined;
  const upper = ISTIO_DURATION_BUCKETS_MS.find((b) => b > maxMs);
  const lower = [...ISTIO_DURATION_BUCKETS_MS].reverse().find((b) => b < maxMs) ?? 0;
  const path = ["spec", "analysis", "sla", "latency", "maxMs"];
  const { line, col } = locate(source, path);
  const bucket =
    upper === undefined
      ? `above Istio's last bucket (${lower} ms)`
      : `inside Istio's latency bucket (${lower}, ${upper}] ms`;
  return `${file}:${line}:${col}: ${path.join(".")}: warning: ${maxMs} ms lies ${bucket}; the statistical judge interpolates inside the bucket (as histogram_quantile does), so verdicts near ${maxMs} ms rest on that assumption. A bucket edge${upper === undefined ? "" : ` (${lower} or ${upper} ms)`} is judged exactly.`;
}

/**
 * Ours when the apiVersion is in meshcanary.dev's group: a wrong version or
 * kind there is a mistake to report, while other groups' documents (including
 * Argo Rollouts' own `kind: Rollout`) are skipped.
 */
/**
 * `__proto__` is a valid YAML key but, once in a JavaScript object, a trap for
 * any code that copies keys by assignment. No field of a rollout needs it.
 */
function prototypeKeys(value: unknown, path: PathSegment[] = []): SpecIssue[] {
  if (value === null || typeof value !== "object") return [];
  const issues: SpecIssue[] = [];
  for (const [key, child] of Object.entries(value)) {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    if (key === "__proto__")
      issues.push({ path: at, message: "the key __proto__ is not allowed", at: "key" });
    else issues.push(...prototypeKeys(child, at));
  }
  return issues;
}

function isRolloutDocument(data: unknown): boolean {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return false;
  const { apiVersion } = data as Record<string, unknown>;
  return (
    typeof apiVersion === "string" && apiVersion.startsWith(`${ROLLOUT_API_VERSION.split("/")[0]}/`)
  );
}

function describeDocument(data: unknown): string {
  if (data !== null && typeof data === "object" && !Array.isArray(data)) {
    const { apiVersion, kind } = data as Record<string, unknown>;
    return `not a ${ROLLOUT_API_VERSION} ${ROLLOUT_KIND} (apiVersion: ${String(apiVersion)}, kind: ${String(kind)})`;
  }
  return `not a ${ROLLOUT_API_VERSION} ${ROLLOUT_KIND} (not a mapping)`;
}

export function toDiagnostic(source: SourceDocument, issue: SpecIssue): Diagnostic {
  const { line, col } = locate(source, issue.path, issue.at);
  return { file: source.file, line, col, path: formatPath(issue.path), message: issue.message };
}
