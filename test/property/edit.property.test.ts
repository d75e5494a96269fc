/**
 * The watchdog's spec edits over generated spec texts (random flow/block
 * layout, quoting, comments, blank lines): the data changes exactly as asked,
 * and no line other than the canaryWeight line and the status block changes.
 * The second property also leaves out optional keys (canaryWeight, the whole
 * traffic mapping, status), writes the document in flow style, with CRLF,
 * without a final line break and between other documents, and promotes.
 */
import { expect } from "chai";
import fc from "fast-check";
import {
  Document,
  isCollection,
  isMap,
  isScalar,
  LineCounter,
  type Node,
  parse,
  parseAllDocuments,
  parseDocument,
  visit,
} from "yaml";
import { applyDecisionEdit } from "../../src/spec/edit.js";
import { CONTROL_CHARACTER } from "../../src/spec/formats.js";
import type { RolloutStatus } from "../../src/spec/types.js";
import { activeSpec, RUNS } from "../support/arbitraries.js";

/** Indexes of lines removed from `a` and added in `b` by a longest-common-subsequence diff. */
function lineDiff(a: string[], b: string[]): { removed: number[]; added: number[] } {
  const width = b.length + 1;
  const lcs = new Int32Array((a.length + 1) * width);
  const at = (i: number, j: number) => lcs[i * width + j] as number;
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const removed: number[] = [];
  const added: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < b.length && (i === a.length || at(i, j + 1) >= at(i + 1, j))) {
      added.push(j++);
    } else {
      removed.push(i++);
    }
  }
  return { removed, added };
}

/** 0-based line numbers the edit may touch: the canaryWeight line and the top-level status pair. */
function editableLines(text: string): Set<number> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const lines = new Set<number>();
  text.split("\n").forEach((line, i) => {
    if (line.includes("canaryWeight")) lines.add(i);
  });
  const pair = isMap(doc.contents)
    ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === "status")
    : undefined;
  const from = (pair?.key as { range?: number[] } | undefined)?.range?.[0];
  const to = (pair?.value as { range?: number[] } | undefined)?.range?.[1];
  if (from !== undefined && to !== undefined) {
    for (let l = lc.linePos(from).line; l <= lc.linePos(Math.max(from, to - 1)).line; l++)
      lines.add(l - 1);
  }
  return lines;
}

const layout = fc.record({
  stringType: fc.constantFrom("PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE") as fc.Arbitrary<
    "PLAIN" | "QUOTE_DOUBLE" | "QUOTE_SINGLE"
  >,
  flowSeed: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
  comments: fc.array(
    fc.tuple(
      fc.nat(),
      fc.constantFrom("# a note", "  # indented note: with colon", "", "# ünïcode ✓ note"),
    ),
    { maxLength: 8 },
  ),
  oldStatus: fc.boolean(),
});

const status: fc.Arbitrary<RolloutStatus> = fc.record({
  phase: fc.constantFrom("Progressing", "RolledBack", "Promoted"),
  stepStartedAt: fc
    .date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })
    .map((d) => d.toISOString()),
  reason: fc.string({ maxLength: 40 }).filter((s) => !CONTROL_CHARACTER.test(s)),
});

function render(doc: object, l: typeof layout extends fc.Arbitrary<infer T> ? T : never): string {
  const data = l.oldStatus
    ? { ...doc, status: { phase: "Progressing", reason: "set by an earlier decision" } }
    : doc;
  const d = new Document(data);
  let n = 0;
  visit(d, {
    Map(_, node) {
      if (node !== d.contents && isCollection(node))
        node.flow = l.flowSeed[n++ % l.flowSeed.length] ?? false;
    },
    Seq(_, node) {
      node.flow = l.flowSeed[n++ % l.flowSeed.length] ?? false;
    },
  });
  const lines = d
    .toString({ lineWidth: 0, defaultStringType: l.stringType, defaultKeyType: "PLAIN" })
    .split("\n");
  for (const [at, comment] of l.comments) lines.splice(at % lines.length, 0, comment);
  return lines.join("\n");
}

describe(`spec edit properties (${RUNS} runs)`, function () {
  this.timeout(0);

  it("changes canaryWeight and status and nothing else: data, comments, order, quoting, blank lines", () => {
    fc.assert(
      fc.property(
        activeSpec,
        layout,
        fc.integer({ min: 0, max: 100 }),
        status,
        (doc, l, weight, newStatus) => {
          const text = render(doc, l);
          const before = parse(text) as Record<string, any>;
          const edited = applyDecisionEdit(text, 0, { canaryWeight: weight, status: newStatus });
          const after = parse(edited) as Record<string, any>;
          before.spec.traffic.canaryWeight = weight;
          before.status = newStatus;
          expect(after).to.deep.equal(before);
          const [a, b] = [text.split("\n"), edited.split("\n")];
          const { removed, added } = lineDiff(a, b);
          // A diff may pair equal lines (blank ones) either way: judge lines by content within the editable ranges.
          const allowed = (lines: string[], editable: Set<number>) => (i: number) =>
            editable.has(i) || [...editable].some((k) => lines[k] === lines[i]);
          expect(
            removed.filter((i) => !allowed(a, editableLines(text))(i)).map((i) => a[i]),
          ).to.deep.equal([]);
          expect(
            added.filter((i) => !allowed(b, editableLines(edited))(i)).map((i) => b[i]),
          ).to.deep.equal([]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

/** Optional keys left out, and where the document sits. */
const omissions = fc.record({
  omit: fc.constantFrom("nothing", "canaryWeight", "traffic"),
  rootFlow: fc.boolean(),
  crlf: fc.boolean(),
  finalBreak: fc.boolean(),
  before: fc.boolean(),
  after: fc.boolean(),
  promote: fc.boolean(),
});

type Omissions = typeof omissions extends fc.Arbitrary<infer T> ? T : never;
type Layout = typeof layout extends fc.Arbitrary<infer T> ? T : never;

function renderWithout(spec: Record<string, any>, l: Layout, o: Omissions): string {
  const doc = structuredClone(spec);
  if (o.omit === "canaryWeight") delete doc.spec.traffic.canaryWeight;
  if (o.omit === "traffic") delete doc.spec.traffic;
  let text = render(doc, l);
  if (o.rootFlow) {
    // The whole document as one flow mapping, comments around it.
    const comments = text.split("\n").filter((line) => line.trimStart().startsWith("#"));
    const data = parse(text);
    text = [...comments, new Document(data).toString({ collectionStyle: "flow", lineWidth: 0 })]
      .join("\n")
      .trimEnd();
  }
  text = text.endsWith("\n") ? text : `${text}\n`;
  if (o.before) text = `kind: ConfigMap # before\ndata: {a: "1"}\n---\n${text}`;
  if (o.after) text = `${text}---\n# after\nkind: Secret\n`;
  if (!o.finalBreak) text = text.replace(/\n$/, "");
  return o.crlf ? text.replace(/\n/g, "\r\n") : text;
}

/** 0-based lines of the pairs at `paths` and of flow mappings on the way (an insertion may land there). */
function touchable(text: string, index: number, paths: readonly string[][]): Set<number> {
  const lc = new LineCounter();
  const doc = parseAllDocuments(text, { lineCounter: lc })[index];
  const lines = new Set<number>();
  const span = (from: number, to: number) => {
    for (let l = lc.linePos(from).line; l <= lc.linePos(Math.max(from, to - 1)).line; l++)
      lines.add(l - 1);
  };
  if (doc === undefined || !isMap(doc.contents)) return lines;
  for (const path of paths) {
    let map: unknown = doc.contents;
    for (const [i, key] of path.entries()) {
      if (!isMap(map)) break;
      if (map.flow === true && map.range) span(map.range[0], map.range[1]);
      const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (pair === undefined) break;
      const keyRange = (pair.key as Node).range;
      const valueRange = (pair.value as Node | null)?.range;
      if (i === path.length - 1 && keyRange && valueRange) span(keyRange[0], valueRange[1]);
      map = pair.value;
    }
  }
  return lines;
}

describe(`spec edit properties, optional keys left out (${RUNS} runs)`, function () {
  this.timeout(0);

  it("inserts what is missing; the result reads as intended, other documents and untouched lines as they were", () => {
    fc.assert(
      fc.property(
        activeSpec,
        layout,
        omissions,
        fc.integer({ min: 0, max: 100 }),
        status,
        (spec, l, o, weight, newStatus) => {
          const text = renderWithout(spec, l, o);
          const index = o.before ? 1 : 0;
          const before = parseAllDocuments(text).map((d) => d.toJS());
          const rollout = before[index];
          const promote = o.promote ? rollout.spec.canary : undefined;
          const edited = applyDecisionEdit(text, index, {
            canaryWeight: weight,
            status: newStatus,
            ...(promote === undefined ? {} : { promote }),
          });
          const docs = parseAllDocuments(edited);
          expect(docs.flatMap((d) => d.errors.map((e) => e.message))).to.deep.equal([]);
          rollout.spec.traffic = { ...rollout.spec.traffic, canaryWeight: weight };
          rollout.status = newStatus;
          if (promote !== undefined) {
            rollout.spec.stable = promote;
            delete rollout.spec.canary;
          }
          expect(docs.map((d) => d.toJS())).to.deep.equal(before);
          if (o.crlf) expect(edited.replace(/\r\n/g, "")).to.not.contain("\n");
          expect(edited.endsWith("\n")).to.equal(text.endsWith("\n"));
          const paths = [
            ["spec", "traffic", "canaryWeight"],
            ["status"],
            ...(o.promote
              ? [
                  ["spec", "stable"],
                  ["spec", "canary"],
                ]
              : []),
          ];
          // Lines by content: CRLF and LF files alike.
          const [a, b] = [text.split(/\r?\n/), edited.split(/\r?\n/)];
          const changedBefore = touchable(text, index, paths);
          // New lines: the pairs written, the traffic mapping when it was created.
          const changedAfter = touchable(edited, index, [
            ...paths,
            ...(o.omit === "traffic" ? [["spec", "traffic"]] : []),
          ]);
          // Every other line, comments and blank lines included, is still there, in the same order.
          const untouched = (lines: string[], changed: Set<number>) =>
            lines.filter((_, i) => !changed.has(i));
          expect(untouched(b, changedAfter), `${text}\n===== edited:\n${edited}`).to.deep.equal(
            untouched(a, changedBefore),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});
