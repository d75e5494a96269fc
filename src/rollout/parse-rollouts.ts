/**
 * From the text of one file to validated rollouts: YAML documents with
 * positions → skip other tools' documents, refuse look-alikes → schema →
 * semantic checks → defaults. Pure: the caller reads the file.
 */
import { ISTIO_DURATION_BUCKETS_MS } from "../analysis/histogram.js";
import type { Diagnostic } from "../errors.js";
import { stickyOnGatewayApiWarnings } from "./affinity-checks.js";
import type { LocatedRollout } from "./cross-checks.js";
import type { RolloutDocument } from "./document.js";
import { identify } from "./document-identity.js";
import { gatewayApiWarnings } from "./gateway-api-checks.js";
import { inertNotes } from "./inert-notes.js";
import { resolveRollout } from "./resolve.js";
import { checkSchema, type SpecIssue } from "./schema-check.js";
import { checkSemantics } from "./semantic-checks.js";
import {
  type RepositoryDefaults,
  ROLLOUT_API_VERSION,
  ROLLOUT_KIND,
  type Rollout,
} from "./types.js";
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
  /** Documents skipped because they are not Rollouts, and warnings, for notes on stderr. */
  readonly notes: string[];
  /** The skipped documents' notes alone (`file:line:col: skipped document N: why`). */
  readonly skipped: string[];
}

/**
 * @param file the file as shown in messages
 * @param relativePath the file relative to the project root, for the manifests' annotation
 */
export function parseRollouts(
  file: string,
  relativePath: string,
  text: string,
  defaults: RepositoryDefaults = {},
): ParsedRollouts {
  const parsed = parseYamlFile(file, text);
  const result: ParsedRollouts = {
    rollouts: [],
    diagnostics: [...parsed.diagnostics],
    notes: [],
    skipped: [],
  };
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
    const identity = identify(data);
    if (identity.is === "other") {
      const inside = rolloutsInList(data);
      if (inside.length > 0) {
        result.diagnostics.push(...inside.map((issue) => toDiagnostic(source, issue)));
        continue;
      }
      const { line, col } = locate(source, []);
      const note = `${file}:${line}:${col}: skipped document ${source.index + 1}: ${identity.reason}`;
      result.notes.push(note);
      result.skipped.push(note);
      continue;
    }
    // A look-alike is also checked as the rollout it was meant to be, so every problem shows at once.
    const asRollout =
      identity.is === "rollout"
        ? data
        : { ...(data as object), apiVersion: ROLLOUT_API_VERSION, kind: ROLLOUT_KIND };
    const issues = identity.is === "rollout" ? [] : [...identity.issues];
    if (identity.is === "rollout" || identity.rollout) {
      const found = [...prototypeKeys(asRollout), ...checkSchema(asRollout)];
      if (found.length === 0) found.push(...checkSemantics(asRollout as RolloutDocument, defaults));
      issues.push(...found);
    }
    if (issues.length > 0) {
      result.diagnostics.push(...issues.map((issue) => toDiagnostic(source, issue)));
      continue;
    }
    const rollout = resolveRollout(
      data as RolloutDocument,
      {
        file,
        relativePath,
        documentIndex: source.index,
        ...(defaults.target === undefined ? {} : { defaultTarget: defaults.target }),
      },
      defaults,
    );
    result.rollouts.push({ rollout, source });
    const note = bucketNote(rollout, source, file);
    if (note !== undefined) result.notes.push(note);
    result.notes.push(...inertNotes(rollout, source, file));
    if (rollout.target === "gateway-api") {
      const doc = data as RolloutDocument;
      for (const warning of [...gatewayApiWarnings(doc), ...stickyOnGatewayApiWarnings(doc)]) {
        const d = toDiagnostic(source, warning);
        result.notes.push(`${d.file}:${d.line}:${d.col}: ${d.path}: ${d.message}`);
      }
    }
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

/**
 * Rollouts written as items of a list (a top-level sequence, or the `items`
 * of `kind: List` or another `…List`) are not read; say so rather than skip
 * them with the list.
 */
function rolloutsInList(data: unknown): SpecIssue[] {
  const { kind, items: listed } = (Array.isArray(data) ? {} : data) as Record<string, unknown>;
  const [items, path]: [unknown, PathSegment[]] = Array.isArray(data)
    ? [data, []]
    : [typeof kind === "string" && kind.endsWith("List") ? listed : undefined, ["items"]];
  if (!Array.isArray(items)) return [];
  return items.flatMap((item, i) =>
    identify(item).is === "other"
      ? []
      : [
          {
            path: [...path, i],
            message:
              "a rollout inside a list is not read; write each rollout as its own YAML document, separated by ---",
          },
        ],
  );
}

export function toDiagnostic(source: SourceDocument, issue: SpecIssue): Diagnostic {
  const { line, col } = locate(source, issue.path, issue.at);
  return { file: source.file, line, col, path: formatPath(issue.path), message: issue.message };
}
