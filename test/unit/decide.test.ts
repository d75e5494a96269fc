/** decide() as DESIGN.md's table: one row per case. */
import { expect } from "chai";
import { type Decision, decide, isActive, nextStep, phaseOf } from "../../src/analysis/decide.js";
import { checkPattern } from "../support/check-pattern.js";
import { makeRollout, makeSpec } from "../support/make-spec.js";

const checks = (pattern: string) => checkPattern(pattern);

interface Row {
  readonly name: string;
  readonly weight: number;
  readonly steps?: number[];
  readonly promoteAfter?: number;
  readonly rollbackAfter?: number;
  readonly noData?: "hold" | "rollback";
  readonly paused?: boolean;
  readonly promotion?: "auto" | "manual";
  readonly checks: string;
  readonly expect: Pick<Decision, "action"> & { from?: number; to?: number; phase?: string };
  /** Words the hold's reason must contain. */
  readonly reason?: string;
}

const ROWS: Row[] = [
  {
    name: "inconclusive never advances",
    weight: 25,
    checks: "ihh",
    expect: { action: "hold" },
  },
  {
    name: "inconclusive breaks a breach streak",
    weight: 25,
    checks: "bib",
    expect: { action: "hold" },
  },
  {
    name: "inconclusive is not nodata: noData rollback does not apply",
    weight: 25,
    noData: "rollback",
    checks: "ii",
    expect: { action: "hold" },
  },
  {
    name: "rollbackAfter breaches roll back",
    weight: 25,
    checks: "bb",
    expect: { action: "rollback", from: 25, to: 0 },
  },
  {
    name: "one breach short of rollbackAfter holds",
    weight: 25,
    checks: "bh",
    expect: { action: "hold" },
  },
  {
    name: "breaches must be the newest in a row",
    weight: 25,
    checks: "hbb",
    expect: { action: "hold" },
  },
  {
    name: "rollback wins over a healthy history",
    weight: 25,
    rollbackAfter: 1,
    checks: "bhh",
    expect: { action: "rollback", from: 25, to: 0 },
  },
  {
    name: "promoteAfter healthy checks advance to the next step",
    weight: 5,
    checks: "hhh",
    expect: { action: "advance", from: 5, to: 10 },
  },
  {
    name: "a weight between steps advances to the next higher step",
    weight: 7,
    checks: "hhh",
    expect: { action: "advance", from: 7, to: 10 },
  },
  {
    name: "fewer healthy checks than promoteAfter hold",
    weight: 5,
    checks: "hh",
    expect: { action: "hold" },
  },
  {
    name: "healthy at the last step promotes",
    weight: 100,
    checks: "hhh",
    expect: { action: "promote", from: 100 },
  },
  {
    name: "the last step need not be 100",
    weight: 50,
    steps: [10, 50],
    checks: "hhh",
    expect: { action: "promote", from: 50 },
  },
  { name: "nodata never advances", weight: 5, checks: "nhh", expect: { action: "hold" } },
  { name: "an error never advances", weight: 5, checks: "ehh", expect: { action: "hold" } },
  {
    name: "an error does not count as a breach",
    weight: 5,
    checks: "be",
    expect: { action: "hold" },
  },
  { name: "nodata holds by default", weight: 5, checks: "nn", expect: { action: "hold" } },
  {
    name: "nodata counts as a breach with noData: rollback",
    weight: 5,
    noData: "rollback",
    checks: "nb",
    expect: { action: "rollback", from: 5, to: 0 },
  },
  {
    name: "no checks since the step started hold",
    weight: 5,
    checks: "",
    expect: { action: "hold" },
  },
  {
    name: "promoteAfter 1 advances on one healthy check",
    weight: 10,
    promoteAfter: 1,
    checks: "h",
    expect: { action: "advance", from: 10, to: 25 },
  },
  // A person's holds: paused and manual promotion hold a move forward, never a rollback.
  {
    name: "paused: healthy checks do not advance",
    weight: 5,
    paused: true,
    checks: "hhh",
    expect: { action: "hold", phase: "Paused" },
    reason:
      "paused (spec.paused): healthy in 3 of 3 checks, would advance; a breach still rolls back; run meshcanary resume recs/recommend",
  },
  {
    name: "paused: healthy checks at the last step do not promote",
    weight: 100,
    paused: true,
    checks: "hhh",
    expect: { action: "hold", phase: "Paused" },
    reason: "would promote",
  },
  {
    name: "paused: a breach still rolls back",
    weight: 25,
    paused: true,
    checks: "bb",
    expect: { action: "rollback", from: 25, to: 0 },
  },
  {
    name: "paused: noData rollback still rolls back",
    weight: 25,
    paused: true,
    noData: "rollback",
    checks: "nn",
    expect: { action: "rollback", from: 25, to: 0 },
  },
  {
    name: "paused: any other hold shows Paused with its own reason",
    weight: 25,
    paused: true,
    checks: "bh",
    expect: { action: "hold", phase: "Paused" },
    reason: "breach in 1 of 2 checks needed to roll back",
  },
  {
    name: "paused: no checks yet still shows Paused",
    weight: 25,
    paused: true,
    checks: "",
    expect: { action: "hold", phase: "Paused" },
  },
  {
    name: "manual promotion: healthy at the last step waits for a person",
    weight: 100,
    promotion: "manual",
    checks: "hhh",
    expect: { action: "hold", phase: "AwaitingPromotion" },
    reason:
      "awaiting promotion (analysis.promotion: manual): healthy in 3 of 3 checks at 100%; run meshcanary promote recs/recommend",
  },
  {
    name: "manual promotion: the last step need not be 100",
    weight: 50,
    steps: [10, 50],
    promotion: "manual",
    checks: "hhh",
    expect: { action: "hold", phase: "AwaitingPromotion" },
  },
  {
    name: "manual promotion: steps before the last still advance",
    weight: 50,
    promotion: "manual",
    checks: "hhh",
    expect: { action: "advance", from: 50, to: 100 },
  },
  {
    name: "manual promotion: a breach at the last step still rolls back",
    weight: 100,
    promotion: "manual",
    checks: "bbh",
    expect: { action: "rollback", from: 100, to: 0 },
  },
  {
    name: "manual promotion: too few healthy checks hold as Progressing",
    weight: 100,
    promotion: "manual",
    checks: "hh",
    expect: { action: "hold" },
    reason: "healthy in 2 of 3 checks needed to advance",
  },
  {
    name: "manual promotion and paused: Paused wins",
    weight: 100,
    promotion: "manual",
    paused: true,
    checks: "hhh",
    expect: { action: "hold", phase: "Paused" },
  },
];

describe("decide()", () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const rollout = makeRollout(
        makeSpec({
          spec: {
            traffic: {
              canaryWeight: row.weight,
              ...(row.steps === undefined ? {} : { steps: row.steps }),
            },
            ...(row.paused === undefined ? {} : { paused: row.paused }),
            analysis: {
              promoteAfter: row.promoteAfter ?? 3,
              rollbackAfter: row.rollbackAfter ?? 2,
              noData: row.noData ?? "hold",
              ...(row.promotion === undefined ? {} : { promotion: row.promotion }),
            },
          },
        }),
      );
      const decision = decide(rollout, checks(row.checks));
      expect(decision).to.include(row.expect);
      if (decision.action === "hold") {
        expect(decision.phase, "phase").to.equal(row.expect.phase);
        expect(phaseOf(rollout, decision)).to.equal(row.expect.phase ?? "Progressing");
        if (row.reason !== undefined) expect(decision.reason).to.contain(row.reason);
      }
      if (decision.action !== "hold") {
        const basis =
          row.expect.action === "rollback" ? (row.rollbackAfter ?? 2) : (row.promoteAfter ?? 3);
        expect(decision.basis.length).to.equal(basis);
      }
    });
  }

  const inactive: [string, Record<string, unknown>][] = [
    ["without a canary", { spec: { canary: undefined, traffic: { canaryWeight: 0 } } }],
    ["at weight 0 (pending)", { spec: { traffic: { canaryWeight: 0 } } }],
    ["after a rollback", { status: { phase: "RolledBack" } }],
    ["after a promotion", { status: { phase: "Promoted" } }],
  ];
  for (const [what, overrides] of inactive) {
    it(`does nothing ${what}`, () => {
      const rollout = makeRollout(makeSpec(overrides as never));
      expect(isActive(rollout)).to.equal(false);
      expect(decide(rollout, checks("bbb")).action).to.equal("hold");
    });
  }

  const phases: [string, Record<string, unknown>, string][] = [
    ["an active paused rollout is Paused", { spec: { paused: true } }, "Paused"],
    ["paused: false is Progressing", { spec: { paused: false } }, "Progressing"],
    [
      "a paused rollout after a rollback shows RolledBack",
      { spec: { paused: true }, status: { phase: "RolledBack" } },
      "RolledBack",
    ],
    [
      "a paused rollout at weight 0 is Pending",
      { spec: { paused: true, traffic: { canaryWeight: 0 } } },
      "Pending",
    ],
  ];
  for (const [what, overrides, phase] of phases) {
    it(`phase: ${what}`, () => {
      expect(phaseOf(makeRollout(makeSpec(overrides as never)))).to.equal(phase);
    });
  }

  it("is active while Progressing", () => {
    expect(isActive(makeRollout(makeSpec({ status: { phase: "Progressing" } })))).to.equal(true);
  });

  const steps: [number, number | undefined][] = [
    [0, 5],
    [5, 10],
    [11, 25],
    [50, 100],
    [100, undefined],
  ];
  for (const [weight, next] of steps) {
    it(`next step after ${weight}% is ${next}`, () =>
      expect(nextStep([5, 10, 25, 50, 100], weight)).to.equal(next));
  }
});
