/**
 * The watchdog's edits to a person's spec file: `canaryWeight`, `status`, and
 * on promotion `stable`/`canary`; and `meshcanary pause`/`resume`'s `spec.paused`. Edits splice new text into the exact byte
 * ranges of the nodes they change (yaml-splice.ts), inserting keys the person
 * left out (`canaryWeight`, `traffic`, `status`), so comments, key order,
 * quoting, blank lines and every other document in the file stay as the
 * person wrote them. The result is parsed again and must hold exactly the
 * intended data; anything else is a `SpecEditError`, never a wrong file.
 */
import { isDeepStrictEqual } from "node:util";
import { parseAllDocuments } from "yaml";
import type { RolloutStatus, Subset } from "./types.js";
import { MAX_ALIAS_COUNT } from "./yaml-source.js";
import {
  type EditTarget,
  lineBreakOf,
  removeIn,
  SpecEditError,
  type Splice,
  setIn,
} from "./yaml-splice.js";

export { SpecEditError } from "./yaml-splice.js";

export interface DecisionEdit {
  readonly canaryWeight: number;
  readonly status: RolloutStatus;
  /** Promotion: this subset becomes `stable` and `canary` is removed. */
  readonly promote?: Subset;
}

type Data = Record<string, unknown>;

/**
 * @param file the file as shown in messages
 * @throws SpecEditError when the layout cannot be edited safely
 */
export function applyDecisionEdit(
  text: string,
  documentIndex: number,
  edit: DecisionEdit,
  file = "spec",
): string {
  const promote = edit.promote;
  return editDocument(text, documentIndex, file, {
    splices: (target) => [
      setIn(target, ["spec", "traffic", "canaryWeight"], edit.canaryWeight),
      ...(promote === undefined
        ? []
        : [
            setIn(target, ["spec", "stable"], { name: promote.name, labels: promote.labels }),
            removeIn(target, ["spec"], "canary"),
          ]),
      setIn(target, ["status"], edit.status, { wholeLines: true }),
    ],
    intended: (data) => intended(data, edit),
  });
}

/**
 * `meshcanary pause` / `resume`: `spec.paused: true` is set (or replaced), or
 * the key is removed, since false is its default and defaults are not written.
 * Nothing else in the file changes.
 *
 * @throws SpecEditError when the layout cannot be edited safely
 */
export function setPausedEdit(
  text: string,
  documentIndex: number,
  paused: boolean,
  file = "spec",
): string {
  return editDocument(text, documentIndex, file, {
    splices: (target) => [
      paused ? setIn(target, ["spec", "paused"], true) : removeIn(target, ["spec"], "paused"),
    ],
    intended: (data) => {
      const spec = { ...(data.spec as Data) };
      if (paused) spec.paused = true;
      else delete spec.paused;
      return { ...data, spec };
    },
  });
}

interface DocumentEdit {
  /** The splices of the edit, on the document as parsed. */
  readonly splices: (target: EditTarget) => readonly Splice[];
  /** The document's data as the edit means it to be. */
  readonly intended: (data: Data) => Data;
}

/** Splices one document of a file and checks that every document reads back as intended. */
function editDocument(
  text: string,
  documentIndex: number,
  file: string,
  edit: DocumentEdit,
): string {
  const which = `${file}: document ${documentIndex + 1}`;
  const eol = lineBreakOf(text);
  // Edits write whole lines; a last line without its break gets one for the edit and loses it after.
  const unterminated = text.length > 0 && !text.endsWith("\n");
  const work = unterminated ? text + eol : text;
  const docs = parseAllDocuments(work, { uniqueKeys: true });
  const doc = docs[documentIndex];
  if (doc === undefined || doc.errors.length > 0)
    throw new SpecEditError(`${which} cannot be parsed`);
  let splices: readonly Splice[];
  try {
    splices = edit.splices({ text: work, doc, eol });
  } catch (error) {
    if (error instanceof SpecEditError) throw new SpecEditError(`${which}: ${error.message}`);
    throw error;
  }
  const spliced = applySplices(work, splices, which);
  const edited = unterminated && spliced.endsWith(eol) ? spliced.slice(0, -eol.length) : spliced;
  const expected = docs.map((d) => d.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown);
  expected[documentIndex] = edit.intended(expected[documentIndex] as Data);
  checkResult(edited, expected, which);
  return edited;
}

/**
 * Splices from the end of the text backwards, so earlier offsets stay valid.
 * Insertions at one offset land in the order given (canaryWeight inside
 * spec before status after it); overlapping splices are a bug here.
 */
function applySplices(text: string, splices: readonly Splice[], which: string): string {
  const sorted = splices
    .map((splice, order) => ({ splice, order }))
    .sort((a, b) => b.splice.start - a.splice.start || b.order - a.order);
  let out = text;
  let limit = text.length;
  for (const { splice } of sorted) {
    if (splice.end > limit) throw new SpecEditError(`${which}: two edits overlap`);
    out = out.slice(0, splice.start) + splice.text + out.slice(splice.end);
    limit = splice.start;
  }
  return out;
}

/** The document's data as the edit means it to be. */
function intended(data: Data, edit: DecisionEdit): Data {
  const spec = { ...(data.spec as Data) };
  spec.traffic = { ...(spec.traffic as Data | undefined), canaryWeight: edit.canaryWeight };
  if (edit.promote !== undefined) {
    spec.stable = { name: edit.promote.name, labels: edit.promote.labels };
    delete spec.canary;
  }
  return { ...data, spec, status: withoutUndefined(edit.status) };
}

/** A key set to undefined is not written at all. */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, withoutUndefined(v)]),
  );
}

/** Every document of the edited text must read as intended: the edited one with its new values, the others as before. */
function checkResult(edited: string, expected: readonly unknown[], which: string): void {
  const docs = parseAllDocuments(edited, { uniqueKeys: true });
  const problem =
    docs.length !== expected.length
      ? `it has ${docs.length} documents instead of ${expected.length}`
      : docs.find((d) => d.errors.length > 0)?.errors[0]?.message.split("\n")[0];
  if (problem !== undefined)
    throw new SpecEditError(`${which}: the edited file would not read back: ${problem}`);
  docs.forEach((d, i) => {
    if (!isDeepStrictEqual(d.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), expected[i]))
      throw new SpecEditError(
        `${which}: this layout cannot be edited safely (document ${i + 1} would read differently); make the change by hand`,
      );
  });
}
