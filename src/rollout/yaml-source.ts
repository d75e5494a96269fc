/**
 * YAML with source positions: parse every document of a file keeping the
 * node ranges, and find the line and column of a field by its path, so a
 * message can point at the exact place (`file:line:col`).
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
} from "yaml";
import type { Diagnostic } from "../errors.js";

export type PathSegment = string | number;

export interface SourceDocument {
  readonly file: string;
  readonly index: number;
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
}

export interface ParsedFile {
  readonly documents: SourceDocument[];
  /** YAML syntax errors; documents with errors are not in `documents`. */
  readonly diagnostics: Diagnostic[];
}

/**
 * Aliases allowed per document before it is refused: far above any real spec,
 * far below what a "billion laughs" document needs.
 */
export const MAX_ALIAS_COUNT = 100;

export function parseYamlFile(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  // uniqueKeys (the default) makes a duplicate key an error rather than a silent override.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const documents: SourceDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  // A file of only comments is an empty stream: no documents, no problem.
  docs.forEach((doc, index) => {
    if (doc.errors.length === 0) {
      documents.push({ file, index, doc, lineCounter });
      return;
    }
    for (const err of doc.errors) {
      const { line, col } = lineCounter.linePos(err.pos[0]);
      diagnostics.push({
        file,
        line,
        col,
        path: "",
        message: `invalid YAML: ${firstLine(err.message)}`,
      });
    }
  });
  return { documents, diagnostics };
}

function firstLine(message: string): string {
  const line = message.split("\n", 1)[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, "");
}

/**
 * Line and column of the value at `path` (or of its key, with `at: "key"`).
 * Falls back to the deepest existing ancestor, so a missing field points at
 * the mapping that should hold it.
 */
export function locate(
  source: SourceDocument,
  path: readonly PathSegment[],
  at: "key" | "value" = "value",
): { line: number; col: number } {
  const { doc, lineCounter } = source;
  let node: Node | null = resolve(doc, doc.contents);
  let keyNode: Node | null = null;
  let found = true;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (pair === undefined) {
        found = false;
        break;
      }
      keyNode = pair.key as Node;
      node = resolve(doc, pair.value as Node | null) ?? keyNode;
    } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
      keyNode = null;
      node = resolve(doc, node.items[segment] as Node | null);
    } else {
      found = false;
      break;
    }
  }
  const target = found && at === "key" && keyNode !== null ? keyNode : node;
  const offset = target?.range?.[0] ?? 0;
  return lineCounter.linePos(offset);
}

function resolve(doc: Document.Parsed, node: Node | null): Node | null {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? node;
  return node;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `["spec", "traffic", "steps", 2]` → `spec.traffic.steps[2]`; odd keys as `labels["app/x"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** ajv's instancePath (`/spec/traffic/steps/2`) → segments; numeric parts of arrays become numbers. */
export function parsePointer(pointer: string, data: unknown): PathSegment[] {
  if (pointer === "") return [];
  const segments: PathSegment[] = [];
  let current: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(current)) {
      const index = Number(key);
      segments.push(index);
      current = current[index];
    } else {
      segments.push(key);
      current =
        current !== null && typeof current === "object"
          ? (current as Record<string, unknown>)[key]
          : undefined;
    }
  }
  return segments;
}
