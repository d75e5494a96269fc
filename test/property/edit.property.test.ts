/**
 * The watchdog's spec edits over generated spec texts (random flow/block
 * layout, quoting, comments, blank lines): the data changes exactly as asked,
 * and no line other than the canaryWeight line and the status block changes.
 */
import { expect } from "chai";
import fc from "fast-check";
import {
  Document,
  isCollection,
  isMap,
  isScalar,
  LineCounter,
  parse,
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
