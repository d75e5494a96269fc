/**
 * Deterministic YAML: keys ordered (Kubernetes' apiVersion, kind, metadata,
 * spec first, then the rest by name), one fixed set of stringify options.
 * Same object in, same bytes out, whatever order its keys were built in.
 */
import { portableYaml } from "../portable-yaml.js";

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
    // fromEntries defines own properties: a "__proto__" key stays a key, never a prototype.
    return Object.fromEntries(
      Object.keys(value)
        .sort(compareKeys)
        .map((key) => [key, orderKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export function canonicalYaml(value: unknown, header?: string): string {
  // Fixed options: no line folding, sequences indented under their key; quoting safe for every reader.
  const body = portableYaml(orderKeys(value), { minContentWidth: 0, indent: 2, directives: false });
  return header === undefined ? body : `${header}${body}`;
}
