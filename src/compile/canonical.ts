/**
 * Deterministic YAML: keys ordered (Kubernetes' apiVersion, kind, metadata,
 * spec first, then the rest by name), one fixed set of stringify options.
 * Same object in, same bytes out, whatever order its keys were built in.
 */
import { Document, visit } from "yaml";

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

/**
 * Kubernetes tooling reads YAML 1.1 (go-yaml), where `yes`, `on` or `1_000`
 * are not strings; meshcanary reads YAML 1.2, where `0o12` is not. Emitting
 * with the 1.1 schema quotes the former; the 1.2-only octal form is quoted
 * here, so every reader sees the same value. (A `<<` key, a merge in 1.1,
 * cannot be quoted by yaml's stringifier: the spec schema refuses it instead.)
 */
const AMBIGUOUS_IN_YAML_1_2 = /^[-+]?0o[0-7]+$/;

/** Whether any key or string value needs the explicit quoting pass (rare: only `0o…`-like strings). */
function hasAmbiguousString(value: unknown): boolean {
  if (typeof value === "string") return AMBIGUOUS_IN_YAML_1_2.test(value);
  if (Array.isArray(value)) return value.some(hasAmbiguousString);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(
      ([k, v]) => AMBIGUOUS_IN_YAML_1_2.test(k) || hasAmbiguousString(v),
    );
  }
  return false;
}

export function canonicalYaml(value: unknown, header?: string): string {
  const doc = new Document(orderKeys(value), {
    version: "1.1",
    merge: false,
    aliasDuplicateObjects: false,
  });
  // The quoting walk costs as much as the rest; skip it when nothing needs it.
  if (hasAmbiguousString(value)) {
    visit(doc, {
      Scalar(_, node) {
        if (typeof node.value === "string" && AMBIGUOUS_IN_YAML_1_2.test(node.value))
          node.type = "QUOTE_DOUBLE";
      },
    });
  }
  // Fixed options: no line folding (lineWidth 0), sequences indented under their key.
  const body = doc.toString({
    lineWidth: 0,
    minContentWidth: 0,
    indent: 2,
    indentSeq: true,
    directives: false,
  });
  return header === undefined ? body : `${header}${body}`;
}
