/**
 * YAML every reader takes the same way. Kubernetes tooling reads YAML 1.1
 * (go-yaml), where `yes`, `on` or `1_000` are not strings; meshcanary reads
 * YAML 1.2, where `0o12` is not. Emitting with the 1.1 schema quotes the
 * former; the 1.2-only octal form is quoted here. (A `<<` key, a merge in
 * 1.1, cannot be quoted by yaml's stringifier: the spec schema refuses it.)
 * Both the compiler's output and the watchdog's spec edits go through this.
 */
import { Document, type ToStringOptions, visit } from "yaml";

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

export function portableYaml(value: unknown, options: ToStringOptions = {}): string {
  const doc = new Document(value, { version: "1.1", merge: false, aliasDuplicateObjects: false });
  // The quoting walk costs as much as the rest; skip it when nothing needs it.
  if (hasAmbiguousString(value)) {
    visit(doc, {
      Scalar(_, node) {
        if (typeof node.value === "string" && AMBIGUOUS_IN_YAML_1_2.test(node.value))
          node.type = "QUOTE_DOUBLE";
      },
    });
  }
  return doc.toString({ lineWidth: 0, indentSeq: true, ...options });
}
