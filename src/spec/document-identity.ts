/**
 * What a YAML document in a specs directory is: a meshcanary rollout, another
 * tool's document (skipped with a note), or a document that looks like ours
 * but is not quite (an error, so no rollout is left unwatched in silence).
 *
 * Ours, or nearly: `kind: Rollout` (or a slip of it) without an apiVersion of
 * another group; an apiVersion in, or a few edits from, meshcanary.dev. Not
 * ours: an apiVersion of another group (`argoproj.io/v1alpha1` Rollouts,
 * `apps/v1`, core `v1`, …), and documents with neither apiVersion nor kind,
 * such as a values file.
 */
import type { SpecIssue } from "./schema-check.js";
import { suggest } from "./suggest.js";
import { ROLLOUT_API_VERSION, ROLLOUT_KIND } from "./types.js";

export type DocumentIdentity =
  | { readonly is: "rollout" }
  | { readonly is: "other"; readonly reason: string }
  | {
      readonly is: "look-alike";
      /** What is wrong with apiVersion and kind. */
      readonly issues: SpecIssue[];
      /** The kind is Rollout or a slip of it: check the rest of the document as a rollout too. */
      readonly rollout: boolean;
    };

const GROUP = ROLLOUT_API_VERSION.slice(0, ROLLOUT_API_VERSION.indexOf("/"));

export function identify(data: unknown): DocumentIdentity {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return { is: "other", reason: `${kindOfValue(data)}, not a Kubernetes object` };
  }
  const { apiVersion, kind } = data as Record<string, unknown>;
  if (apiVersion === ROLLOUT_API_VERSION && kind === ROLLOUT_KIND) return { is: "rollout" };
  if (apiVersion === undefined && kind === undefined) {
    return { is: "other", reason: "no apiVersion and no kind (not a Kubernetes object)" };
  }
  const rolloutKind = kind === ROLLOUT_KIND || isSlipOf(kind, ROLLOUT_KIND);
  const ourGroup = apiVersion !== undefined && nearOurApiVersion(apiVersion);
  // A Rollout with no group at all (missing, `v1alpha1`, core `v1`) can only be ours: core has no Rollout.
  const groupless =
    apiVersion === undefined || typeof apiVersion !== "string" || !apiVersion.includes("/");
  if (!ourGroup && !(rolloutKind && groupless)) {
    const what = `${describe(apiVersion, "apiVersion")}, ${describe(kind, "kind")}`;
    return {
      is: "other",
      reason:
        apiVersion === undefined
          ? `not a ${GROUP} document (${what})`
          : `another API group's document (${what})`,
    };
  }
  const issues: SpecIssue[] = [];
  if (apiVersion === undefined) {
    issues.push({
      path: ["apiVersion"],
      message: `is required (did you mean apiVersion: ${ROLLOUT_API_VERSION}?)`,
    });
  } else if (apiVersion !== ROLLOUT_API_VERSION) {
    issues.push({
      path: ["apiVersion"],
      message: `unknown API version ${show(apiVersion)} (did you mean ${ROLLOUT_API_VERSION}?)`,
    });
  }
  if (kind === undefined) {
    issues.push({ path: ["kind"], message: `is required (did you mean kind: ${ROLLOUT_KIND}?)` });
  } else if (kind !== ROLLOUT_KIND) {
    // meshcanary.dev has one kind, so every other kind is a slip of it.
    issues.push({
      path: ["kind"],
      message: `unknown kind ${show(kind)} in ${GROUP} (did you mean ${ROLLOUT_KIND}?)`,
    });
  }
  return { is: "look-alike", issues, rollout: rolloutKind || kind === undefined };
}

/** In meshcanary.dev, or a few edits from it: `meshcanry.dev/v1alpha1`, `MeshCanary.dev/v1`, `meshcanary/v1alpha1`. */
function nearOurApiVersion(apiVersion: unknown): boolean {
  if (typeof apiVersion !== "string") return false;
  const slash = apiVersion.indexOf("/");
  const group = slash === -1 ? apiVersion : apiVersion.slice(0, slash);
  if (group === GROUP) return true;
  return (
    suggest(apiVersion, [ROLLOUT_API_VERSION]) !== undefined ||
    (group.length > 0 && suggest(group, [GROUP]) !== undefined)
  );
}

function isSlipOf(value: unknown, name: string): boolean {
  return typeof value === "string" && suggest(value, [name]) !== undefined;
}

function kindOfValue(data: unknown): string {
  if (Array.isArray(data)) return "a list";
  if (data === null) return "null";
  return `a ${typeof data}`;
}

const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]{0,78}[\x21-\x7e])?$/;

/** A value for a message: printable short strings as they are, anything else quoted and cut, so no value can break a line. */
function show(value: unknown): string {
  if (typeof value === "string") {
    const cut = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(cut);
  }
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "a list" : "a mapping";
}

function describe(value: unknown, field: string): string {
  if (value === undefined) return `no ${field}`;
  if (typeof value === "string" && PRINTABLE.test(value)) return `${field}: ${value}`;
  return `${field}: ${show(value)}`;
}
