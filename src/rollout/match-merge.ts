/**
 * ANDing two Istio HTTPMatchRequests into one: the pinned clients'
 * `canaryMatch` with each `route.match` entry, and the sticky routes' cookie
 * condition with each `route.match` entry. One match object holds one
 * condition per field (one `uri`, one `method`, one condition per header
 * name), so a field both set differently cannot be merged; that is a spec
 * error, found here for the semantic checks and the compiler alike.
 */
import type { HttpMatchRequest } from "./types.js";

/** Fields keyed by a name, merged name by name: `headers: {a}` AND `headers: {b}` is `headers: {a, b}`. */
const KEYED_FIELDS: ReadonlySet<string> = new Set([
  "headers",
  "withoutHeaders",
  "queryParams",
  "sourceLabels",
]);

export type MergeResult =
  | { readonly merged: HttpMatchRequest }
  /** The field (and name, for keyed fields) both set differently. */
  | { readonly conflict: readonly string[] };

export function mergeMatch(a: HttpMatchRequest, b: HttpMatchRequest): MergeResult {
  const merged: Record<string, unknown> = { ...a };
  for (const [field, value] of Object.entries(b)) {
    if (!Object.hasOwn(merged, field)) {
      merged[field] = value;
      continue;
    }
    const mine = merged[field];
    if (KEYED_FIELDS.has(field) && isMapping(mine) && isMapping(value)) {
      const inner: Record<string, unknown> = { ...mine };
      for (const [name, condition] of Object.entries(value)) {
        if (Object.hasOwn(inner, name) && !sameValue(inner[name], condition))
          return { conflict: [field, name] };
        inner[name] = condition;
      }
      merged[field] = inner;
    } else if (!sameValue(mine, value)) {
      return { conflict: [field] };
    }
  }
  return { merged };
}

/**
 * Every `extra` entry ANDed with every `base` entry (`base` empty: all
 * traffic, so `extra` alone), in the order base-major. Conflicts are for the
 * semantic checks to report; here they are a caller's bug.
 */
export function andMatches(
  base: readonly HttpMatchRequest[],
  extra: readonly HttpMatchRequest[],
): HttpMatchRequest[] {
  if (base.length === 0) return [...extra];
  return base.flatMap((b) =>
    extra.map((e) => {
      const result = mergeMatch(b, e);
      if ("conflict" in result)
        throw new Error(`match fields conflict at ${result.conflict.join(".")}`);
      return result.merged;
    }),
  );
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Structural equality of parsed YAML values, whatever the key order. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => sameValue(x, b[i]))
    );
  }
  if (isMapping(a) && isMapping(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]))
    );
  }
  return a === b;
}
