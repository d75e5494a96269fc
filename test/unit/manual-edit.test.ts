/** A person's control of a rollout in its shadow phase: the subjects and status say "shadow", as the watchdog's own do. */
import { expect } from "chai";
import {
  applyManual,
  type ManualAction,
  manualSubject,
  nothingToDo,
} from "../../src/engine/manual-edit.js";
import { makeRollout, makeSpec, type SpecDoc, specYaml } from "../support/make-spec.js";

const AT = Date.parse("2026-11-30T12:00:00Z");
const AUTHOR = "Jane Doe <jane@example.com>";

function spec(traffic: SpecDoc): SpecDoc {
  return makeSpec({ spec: { traffic, analysis: { interval: "10s" } } });
}
const SHADOW = spec({ canaryWeight: 0, shadow: { deadline: "10m" } });
const PENDING = spec({ canaryWeight: 0 });
const AT_10 = spec({ canaryWeight: 10 });

const ROWS: { doc: SpecDoc; action: ManualAction; subject: string }[] = [
  { doc: SHADOW, action: "abort", subject: "abort recs/recommend: shadow → off" },
  { doc: SHADOW, action: "pause", subject: "pause recs/recommend: in shadow" },
  { doc: AT_10, action: "abort", subject: "abort recs/recommend: 10% → 0%" },
  { doc: AT_10, action: "pause", subject: "pause recs/recommend: at 10%" },
];

describe("manual control in the shadow phase", () => {
  for (const row of ROWS) {
    it(`${row.action} of ${row.subject.split(": ")[1]} is "${row.subject}"`, () => {
      const rollout = makeRollout(row.doc);
      expect(nothingToDo(rollout, row.action)).to.equal(undefined);
      expect(manualSubject(rollout, row.action)).to.equal(row.subject);
    });
  }

  it("an abort ends the shadow as the watchdog's shadow → off records it", () => {
    const rollout = makeRollout(SHADOW);
    const edited = applyManual(specYaml(SHADOW), rollout, {
      action: "abort",
      author: AUTHOR,
      atMs: AT,
    });
    expect(edited.rollout.status).to.deep.include({ phase: "RolledBack" });
    expect(edited.rollout.status?.lastDecision).to.deep.include({
      action: "rollback",
      from: "shadow",
    });
    expect(edited.rollout.traffic.canaryWeight).to.equal(0);
  });

  it("a pending rollout without a shadow has nothing to abort", () => {
    expect(nothingToDo(makeRollout(PENDING), "abort")).to.match(/has not started/);
  });
});
