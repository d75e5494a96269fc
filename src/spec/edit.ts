/**
 * The watchdog's edits to a person's spec file: `canaryWeight`, `status`, and
 * on promotion `stable`/`canary`. Edits splice new text into the exact byte
 * ranges of the nodes they change, so comments, key order, quoting, blank
 * lines and every other document in the file stay as the person wrote them.
 */
import {
  type Document,
  isCollection,
  isMap,
  isScalar,
  type Node,
  type Pair,
  parseAllDocuments,
} from "yaml";
import { portableYaml } from "../portable-yaml.js";
import type { RolloutStatus, Subset } from "./types.js";

export interface DecisionEdit {
  readonly canaryWeight: number;
  readonly status: RolloutStatus;
  /** Promotion: this subset becomes `stable` and `canary` is removed. */
  readonly promote?: Subset;
}

interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export class SpecEditError extends Error {}

export function applyDecisionEdit(text: string, documentIndex: number, edit: DecisionEdit): string {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  const doc = docs[documentIndex];
  if (doc === undefined || doc.errors.length > 0)
    throw new SpecEditError(`document ${documentIndex + 1} cannot be parsed`);
  const splices = [
    replaceValue(text, doc, ["spec", "traffic", "canaryWeight"], edit.canaryWeight),
    ...(edit.promote === undefined
      ? []
      : [
          replaceValue(text, doc, ["spec", "stable"], {
            name: edit.promote.name,
            labels: edit.promote.labels,
          }),
          removePair(text, doc, ["spec"], "canary"),
        ]),
    setTopLevel(text, doc, "status", edit.status),
  ].sort((a, b) => b.start - a.start);
  let out = text;
  for (const s of splices) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

function pairAt(
  doc: Document.Parsed,
  parent: readonly string[],
  key: string,
): Pair<Node, Node | null> | undefined {
  const map = parent.length === 0 ? doc.contents : doc.getIn(parent, true);
  if (!isMap(map)) return undefined;
  return map.items.find((p) => isScalar(p.key) && p.key.value === key) as
    | Pair<Node, Node | null>
    | undefined;
}

function rangeOf(node: Node | null | undefined, what: string): [number, number, number] {
  const range = node?.range;
  if (range === undefined || range === null) throw new SpecEditError(`${what} is missing`);
  return range;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

/** A value rendered to sit where `node` was: flow on one line for flow nodes and scalars, block lines indented to match otherwise. */
function render(text: string, node: Node, value: unknown): string {
  if (!isCollection(node) || node.flow === true) {
    return portableYaml(value, { collectionStyle: "flow" }).trimEnd();
  }
  const [start, end] = rangeOf(node, "value");
  const indent = " ".repeat(column(text, start));
  // A block value's range ends with its line break; keep it.
  const trailing = /\s*$/.exec(text.slice(start, end))?.[0] ?? "";
  const lines = portableYaml(value).trimEnd().split("\n");
  return lines.map((line, i) => (i === 0 ? line : indent + line)).join("\n") + trailing;
}

function replaceValue(
  text: string,
  doc: Document.Parsed,
  path: readonly string[],
  value: unknown,
): Splice {
  const pair = pairAt(doc, path.slice(0, -1), path[path.length - 1] as string);
  const node = pair?.value;
  const [start, end] = rangeOf(node, path.join("."));
  return { start, end, text: render(text, node as Node, value) };
}

/** Removes `key: value` from a block mapping, with its whole lines. */
function removePair(
  text: string,
  doc: Document.Parsed,
  parent: readonly string[],
  key: string,
): Splice {
  const pair = pairAt(doc, parent, key);
  const what = [...parent, key].join(".");
  const [keyStart] = rangeOf(pair?.key, what);
  const [, valueEnd] = rangeOf(pair?.value, what);
  const container = doc.getIn(parent, true);
  if (isCollection(container) && container.flow === true)
    throw new SpecEditError(`${parent.join(".")} is a flow mapping`);
  const start = lineStart(text, keyStart);
  const newline = text.indexOf("\n", valueEnd > 0 ? valueEnd - 1 : 0);
  return { start, end: newline === -1 ? text.length : newline + 1, text: "" };
}

/** Sets a top-level key of the document, replacing its lines or appending them. */
function setTopLevel(text: string, doc: Document.Parsed, key: string, value: unknown): Splice {
  const block = portableYaml({ [key]: value });
  const pair = pairAt(doc, [], key);
  if (pair?.key?.range && pair.value?.range) {
    const start = lineStart(text, pair.key.range[0]);
    const newline = text.indexOf("\n", pair.value.range[1] - 1);
    return { start, end: newline === -1 ? text.length : newline + 1, text: block };
  }
  const contents = doc.contents;
  if (!isMap(contents) || contents.flow === true || contents.range === undefined) {
    throw new SpecEditError("the document is not a block mapping");
  }
  // After the mapping's last line (value end), before any trailing comment or document marker.
  const end = contents.range[1];
  const newline = text.indexOf("\n", end - 1);
  const at = newline === -1 ? text.length : newline + 1;
  return { start: at, end: at, text: newline === -1 ? `\n${block}` : block };
}
