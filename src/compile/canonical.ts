/**
 * Deterministic YAML: keys ordered (Kubernetes' apiVersion, kind, metadata,
 * spec first, then the rest by name), one fixed set of stringify options.
 * Same object in, same bytes out, whatever order its keys were built in.
 */
import { stringify } from "yaml";

const LEADING_KEYS = ["apiVersion", "kind", "metadata", "spec", "name", "namespace"];
const LEADING_RANK = new Map(LEADING_KEYS.map((k, i) => [k, i]));

function compareKeys(a: string, b: string): number {
  const ra = LEADING_RANK.get(a) ?? LEADING_KEYS.length;
  const rb = LEADING_RANK.get(b) ?? LEADING_KEYS.length;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A deep copy with every mapping's keys in canonical order; lists keep their order. */
export function orderKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(orderKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(compareKeys)) {
      out[key] = orderKeys((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

export function canonicalYaml(value: unknown, header?: string): string {
  const body = stringify(orderKeys(value), {
    lineWidth: 0,
    minContentWidth: 0,
    indent: 2,
    indentSeq: true,
    aliasDuplicateObjects: false,
    singleQuote: false,
  });
  return header === undefined ? body : `${header}${body}`;
}
