/**
 * Edits to one YAML document as splices of its text: set a value (replacing
 * it, or inserting the missing keys into a block or flow mapping, creating
 * missing parent mappings) and remove a key. Each splice touches only the
 * bytes it changes, so comments, key order, quoting, blank lines and the
 * other documents of the file stay as they were. A layout these cannot edit
 * is a `SpecEditError`, never a guess.
 */
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  type Node,
  type Pair,
  visit,
  type YAMLMap,
} from "yaml";
import { ExitCode, MeshcanaryError } from "../errors.js";
import { portableYaml } from "../portable-yaml.js";

/** The file's layout cannot be edited safely; the watchdog holds that rollout, `backtest` exits 1. */
export class SpecEditError extends MeshcanaryError {
  constructor(message: string) {
    super(message, "SPEC_EDIT", ExitCode.invalid);
  }
}

export interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface EditTarget {
  /** The file's text, ending with a line break (the caller adds one for the edit when it is missing). */
  readonly text: string;
  readonly doc: Document.Parsed;
  /** The file's line break, kept in every line written. */
  readonly eol: "\n" | "\r\n";
}

type Range = readonly [number, number, number];
type AnyPair = Pair<Node | null, Node | null>;

export function lineBreakOf(text: string): "\n" | "\r\n" {
  const lf = text.indexOf("\n");
  return lf > 0 && text[lf - 1] === "\r" ? "\r\n" : "\n";
}

/**
 * `path`'s value becomes `value`. An absent key is added at the end of its
 * mapping, and absent parents are created with it (`traffic:` with
 * `canaryWeight:` under it). With `wholeLines`, an existing value in a block
 * mapping is rewritten with its key as block lines (the watchdog's `status`).
 */
export function setIn(
  target: EditTarget,
  path: readonly string[],
  value: unknown,
  options: { wholeLines?: boolean } = {},
): Splice {
  let map = mappingAt(target, []);
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as string;
    const pair = pairOf(map, key);
    if (pair === undefined) return insertPair(target, map, key, nest(path.slice(i + 1), value));
    const here = path.slice(0, i + 1);
    if (i === path.length - 1) {
      return options.wholeLines === true && map.flow !== true
        ? replacePairLines(target, map, pair, key, value)
        : replaceValue(target, pair, here, value);
    }
    map = mappingAt(target, here);
  }
  throw new SpecEditError("nothing to set: empty path");
}

/** Removes `key` and its value from the mapping at `parent`. */
export function removeIn(target: EditTarget, parent: readonly string[], key: string): Splice {
  const map = mappingAt(target, parent);
  const index = map.items.findIndex((p) => isScalar(p.key) && p.key.value === key);
  const pair = map.items[index] as AnyPair | undefined;
  const what = dotted([...parent, key]);
  if (pair === undefined) throw new SpecEditError(`${what} is missing`);
  const [keyStart] = rangeOf(pair.key, what);
  const valueEnd = endOf(pair, what);
  if (map.flow === true) {
    // Take the comma with the pair: the one after it, or, for the last pair, the one before it.
    const next = map.items[index + 1] as AnyPair | undefined;
    if (next !== undefined) return { start: keyStart, end: rangeOf(next.key, what)[0], text: "" };
    const previous = map.items[index - 1] as AnyPair | undefined;
    const start = previous === undefined ? keyStart : endOf(previous, what);
    return { start, end: valueEnd, text: "" };
  }
  const { text } = target;
  const start = lineStart(text, keyStart);
  if (text.slice(start, keyStart).trim() !== "")
    throw new SpecEditError(`${what} does not start its own line`);
  return { start, end: afterLine(text, valueEnd), text: "" };
}

/** The mapping at `path`, or why it cannot be edited. */
function mappingAt(target: EditTarget, path: readonly string[]): YAMLMap<Node, Node | null> {
  const node = path.length === 0 ? target.doc.contents : target.doc.getIn(path, true);
  const what = path.length === 0 ? "the document" : dotted(path);
  // An alias's target is shared with another place: editing it would change both.
  if (isAlias(node))
    throw new SpecEditError(`${what} is an alias (*${node.source}); edit it by hand`);
  if (!isMap(node)) throw new SpecEditError(`${what} is not a mapping`);
  const anchor = node.anchor;
  if (anchor !== undefined && isAliased(target.doc, anchor))
    throw new SpecEditError(`${what} is shared through its anchor (&${anchor}); edit it by hand`);
  return node as YAMLMap<Node, Node | null>;
}

function isAliased(doc: Document.Parsed, anchor: string): boolean {
  let found = false;
  visit(doc, {
    Alias(_, alias) {
      if (alias.source !== anchor) return undefined;
      found = true;
      return visit.BREAK;
    },
  });
  return found;
}

function pairOf(map: YAMLMap<Node, Node | null>, key: string): AnyPair | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key) as AnyPair | undefined;
}

function nest(path: readonly string[], value: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

function dotted(path: readonly string[]): string {
  return path.join(".");
}

function rangeOf(node: Node | null | undefined, what: string): Range {
  const range = node?.range;
  if (range === undefined || range === null) throw new SpecEditError(`${what} is missing`);
  return range;
}

/** Where a pair's text ends: its value's end, or its key's when the value is empty. */
function endOf(pair: AnyPair, what: string): number {
  const value = pair.value?.range;
  return value === undefined || value === null ? rangeOf(pair.key, what)[1] : value[1];
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** The start of the line after the one `end` is on (a block value's range already ends with its line break). */
function afterLine(text: string, end: number): number {
  const newline = text.indexOf("\n", end > 0 ? end - 1 : 0);
  return newline === -1 ? text.length : newline + 1;
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

/** One line of flow YAML for a value, quoted as every reader takes it. */
function flow(value: unknown): string {
  return portableYaml(value, { collectionStyle: "flow" }).trimEnd();
}

/** Block lines for `value`, the first line as is, the rest indented by `indent` spaces. */
function block(value: unknown, indent: number, step: number, eol: string): string {
  const lines = portableYaml(value, { indent: step }).trimEnd().split("\n");
  return lines.map((line, i) => (i === 0 ? line : " ".repeat(indent) + line)).join(eol);
}

/** The indentation step the mapping's block children use, else 2. */
function indentStep(text: string, node: Node): number {
  if (!isMap(node)) return 2;
  const own = column(text, rangeOf(node, "mapping")[0]);
  for (const pair of node.items) {
    const child = pair.value;
    if (isMap(child) && child.flow !== true && child.range) {
      const step = column(text, child.range[0]) - own;
      if (step > 0) return step;
    }
  }
  return 2;
}

function replaceValue(
  target: EditTarget,
  pair: AnyPair,
  path: readonly string[],
  value: unknown,
): Splice {
  const { text, eol } = target;
  const node = pair.value;
  const what = dotted(path);
  if (isAlias(node))
    throw new SpecEditError(`${what} is an alias (*${node.source}); edit it by hand`);
  const [start, end] = rangeOf(node, what);
  if (node === null || !isCollection(node) || node.flow === true) {
    if (node !== null && isScalar(node) && start === end)
      throw new SpecEditError(`${what} has no value to replace`);
    return { start, end, text: flow(value) };
  }
  // A block value: the same layout at the same column, keeping the line break its range ends with.
  const trailing = /\s*$/.exec(text.slice(start, end))?.[0] ?? "";
  const indent = column(text, start);
  return { start, end, text: block(value, indent, indentStep(text, node), eol) + trailing };
}

function replacePairLines(
  target: EditTarget,
  map: YAMLMap<Node, Node | null>,
  pair: AnyPair,
  key: string,
  value: unknown,
): Splice {
  const { text, eol } = target;
  const [keyStart] = rangeOf(pair.key, key);
  const start = lineStart(text, keyStart);
  if (text.slice(start, keyStart).trim() !== "")
    throw new SpecEditError(`${key} does not start its own line`);
  const indent = column(text, keyStart);
  const lines = block({ [key]: value }, indent, indentStep(text, map), eol);
  return {
    start,
    end: afterLine(text, endOf(pair, key)),
    text: `${" ".repeat(indent)}${lines}${eol}`,
  };
}

function insertPair(
  target: EditTarget,
  map: YAMLMap<Node, Node | null>,
  key: string,
  value: unknown,
): Splice {
  const { text, eol } = target;
  const last = map.items[map.items.length - 1] as AnyPair | undefined;
  if (map.flow === true) {
    const pair = `${key}: ${flow(value)}`;
    if (last !== undefined) {
      const at = endOf(last, key);
      return { start: at, end: at, text: `, ${pair}` };
    }
    const [, end] = rangeOf(map, key);
    const close = text.lastIndexOf("}", end - 1);
    if (close === -1) throw new SpecEditError(`cannot find the } of the mapping to hold ${key}`);
    return { start: close, end: close, text: pair };
  }
  if (last === undefined) throw new SpecEditError(`cannot add ${key} to an empty block mapping`);
  const [firstKey] = rangeOf(map.items[0]?.key, key);
  const indent = column(text, firstKey);
  const at = afterLine(text, endOf(last, key));
  const lines = block({ [key]: value }, indent, indentStep(text, map), eol);
  return { start: at, end: at, text: `${" ".repeat(indent)}${lines}${eol}` };
}
