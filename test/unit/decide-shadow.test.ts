/** decide() in the shadow phase, as the table in decide.ts: one row per case. */
import { expect } from "chai";
import { decide, isActive, phaseOf } from "../../src/analysis/decide.js";
import { commitMessage, commitSubject } from "../../src/analysis/explain.js";
import { firstStepAfterShadow, inShadow } from "../../src/rollout/lifecycle.js";
import { checkPattern } from "../support/check-pattern.js";
import { makeRollout, makeSpec } from "../support/make-spec.js";

const INTERVAL = 10_000;
const STARTED = 1_000_000;
const NEWEST = STARTED + 30 * INTERVAL;

const checks = (pattern: string, newest = NEWEST) => checkPattern(pattern, newest, INTERVAL);

function shadowRollout(
  shadow: Record<string, unknown> = {},
  analysis: Record<string, unknown> = {},
  steps?: number[],
  paused?: boolean,
) {
  return makeRollout(
    makeSpec({
      spec: {
        ...(paused === undefined ? {} : { paused }),
        traffic: {
          canaryWeight: 0,
          shadow: { deadline: "10m", ...shadow },
          ...(steps === undefined ? {} : { steps }),
        },
        analysis: { interval: "10s", sla: { latency: { maxMs: 150 } }, ...analysis },
      },
    }),
  );
}

interface Row {
  readonly name: string;
  readonly checks: string;
  /** Minutes after the shadow started of the newest check; default 5. */
  readonly newestAfterMin?: number;
  readonly shadow?: Record<string, unknown>;
  readonly analysis?: Record<string, unknown>;
  readonly steps?: number[];
  readonly expect: Record<string, unknown>;
  readonly subject?: string;
  readonly basis?: number;
  readonly breachNotDeadline?: boolean;
  /** `spec.paused`: a person's pause holds the shadow's advance and its deadline, never its rollback. */
  readonly paused?: boolean;
}

const ROWS: Row[] = [
  {
    name: "promoteAfter healthy checks advance to the first step",
    checks: "hhh",
    expect: { action: "advance", from: 0, to: 5, fromShadow: true },
    subject: "advance recs/recommend: shadow → 5%",
    basis: 3,
  },
  {
    name: "the first step is steps[0], whatever it is",
    checks: "hhh",
    steps: [20, 100],
    expect: { action: "advance", to: 20, fromShadow: true },
    subject: "advance recs/recommend: shadow → 20%",
  },
  {
    name: "shadow.promoteAfter overrides analysis.promoteAfter",
    checks: "hh",
    shadow: { promoteAfter: 2 },
    expect: { action: "advance", to: 5, fromShadow: true },
    basis: 2,
  },
  {
    name: "shadow.promoteAfter may ask for more than analysis.promoteAfter",
    checks: "hhh",
    shadow: { promoteAfter: 5 },
    expect: { action: "hold" },
  },
  {
    name: "shadow.promoteAfter defaults to analysis.promoteAfter",
    checks: "hh",
    analysis: { promoteAfter: 2 },
    expect: { action: "advance", to: 5 },
  },
  {
    name: "rollbackAfter breaches end the shadow",
    checks: "bb",
    expect: { action: "rollback", from: 0, to: 0, fromShadow: true },
    subject: "rollback recs/recommend: shadow → off",
    basis: 2,
  },
  {
    name: "a breach wins over a healthy history",
    checks: "bbhhh",
    expect: { action: "rollback", fromShadow: true },
  },
  {
    name: "one breach short of rollbackAfter holds before the deadline",
    checks: "bh",
    expect: { action: "hold" },
  },
  {
    name: "nodata before the deadline holds",
    checks: "nnn",
    expect: { action: "hold" },
  },
  {
    name: "nodata counts as a breach with noData: rollback",
    checks: "nn",
    analysis: { noData: "rollback" },
    expect: { action: "rollback", fromShadow: true },
    subject: "rollback recs/recommend: shadow → off",
  },
  {
    name: "nodata at the deadline ends the shadow (a dead v2 looks like no data)",
    checks: "nnn",
    newestAfterMin: 10,
    expect: { action: "rollback", from: 0, to: 0, fromShadow: true, deadlinePassed: true },
    subject: "rollback recs/recommend: shadow → off",
    basis: 3,
  },
  {
    name: "inconclusive checks at the deadline end the shadow",
    checks: "ihi",
    newestAfterMin: 12,
    expect: { action: "rollback", deadlinePassed: true },
  },
  {
    name: "errors past the deadline end the shadow",
    checks: "eee",
    newestAfterMin: 11,
    expect: { action: "rollback", deadlinePassed: true },
  },
  {
    name: "healthy checks at the deadline still advance",
    checks: "hhh",
    newestAfterMin: 10,
    expect: { action: "advance", to: 5, fromShadow: true },
  },
  {
    name: "breaches at the deadline roll back as breaches, not as the deadline",
    checks: "bb",
    newestAfterMin: 10,
    expect: { action: "rollback", fromShadow: true },
    breachNotDeadline: true,
  },
  {
    name: "a check just before the deadline holds",
    checks: "nnn",
    newestAfterMin: 9.9,
    expect: { action: "hold" },
  },
  {
    name: "no check yet holds",
    checks: "",
    expect: { action: "hold" },
  },
  {
    name: "paused: healthy checks hold instead of advancing",
    checks: "hhh",
    paused: true,
    expect: { action: "hold", phase: "Paused" },
  },
  {
    name: "paused: the deadline does not end the shadow",
    checks: "nnn",
    newestAfterMin: 11,
    paused: true,
    expect: { action: "hold", phase: "Paused" },
  },
  {
    name: "paused: breaches still end the shadow",
    checks: "bb",
    paused: true,
    expect: { action: "rollback", fromShadow: true },
    subject: "rollback recs/recommend: shadow → off",
  },
];

describe("decide() in the shadow phase", () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const rollout = shadowRollout(row.shadow, row.analysis, row.steps, row.paused);
      const newest = STARTED + (row.newestAfterMin ?? 5) * 60_000;
      const decision = decide(rollout, checks(row.checks, newest), STARTED);
      expect(decision).to.deep.include(row.expect);
      if (row.breachNotDeadline === true) expect(decision).to.not.have.property("deadlinePassed");
      if (row.basis !== undefined && decision.action !== "hold")
        expect(decision.basis.length).to.equal(row.basis);
      if (row.subject !== undefined && decision.action !== "hold")
        expect(commitSubject(rollout, decision)).to.equal(row.subject);
    });
  }

  it("says when a held shadow will end", () => {
    const decision = decide(shadowRollout(), checks("nn"), STARTED);
    expect(decision).to.deep.equal({
      action: "hold",
      reason: `shadow: nodata: 0 canary requests in 1m < minRequests 100; ends as shadow → off at ${new Date(STARTED + 600_000).toISOString()} without a verdict`,
    });
  });

  it("the deadline's commit body says why no data ends it", () => {
    const rollout = shadowRollout();
    const decision = decide(rollout, checks("nnn", STARTED + 600_000), STARTED);
    if (decision.action === "hold") throw new Error("expected the deadline to end the shadow");
    const message = commitMessage(rollout, decision);
    expect(message.split("\n")[0]).to.equal("rollback recs/recommend: shadow → off");
    expect(message).to.contain(
      "no conclusive evidence in the shadow (100% of requests mirrored) by its deadline 10m (last 3 checks: nodata 3)",
    );
    expect(message).to.contain("so a canary that fails outright shows as no data");
    expect(message).to.contain("(shadow.deadline: 10m, window 1m, interval 10s)");
  });

  it("the advance's commit body names the shadow's rule", () => {
    const rollout = shadowRollout({ percent: 50, promoteAfter: 2 });
    const decision = decide(rollout, checks("hh"), STARTED);
    if (decision.action === "hold") throw new Error("expected an advance");
    expect(commitMessage(rollout, decision)).to.contain(
      "healthy in 2 of 2 checks in the shadow (50% of requests mirrored) (shadow.promoteAfter: 2, window 1m, interval 10s).",
    );
  });

  const phases: [string, Record<string, unknown>, string, boolean][] = [
    ["weight 0, shadow set, no status", {}, "Shadow", true],
    ["weight absent, shadow set", { weightAbsent: true }, "Shadow", true],
    [
      "a shadow written Progressing (a person kept status)",
      { status: "Progressing" },
      "Shadow",
      true,
    ],
    ["after shadow → off", { status: "RolledBack" }, "RolledBack", false],
    ["after shadow → 5%", { status: "Progressing", weight: 5 }, "Progressing", true],
    ["without a canary (promoted)", { noCanary: true }, "Steady", false],
  ];
  for (const [what, o, phase, active] of phases) {
    it(`phase ${phase} ${what}`, () => {
      const traffic: Record<string, unknown> = { shadow: { deadline: "10m" } };
      if (o.weightAbsent !== true) traffic.canaryWeight = o.weight ?? 0;
      const rollout = makeRollout(
        makeSpec({
          spec: { traffic, ...(o.noCanary === true ? { canary: undefined } : {}) },
          ...(o.status === undefined ? {} : { status: { phase: o.status } }),
        }),
      );
      expect(phaseOf(rollout)).to.equal(phase);
      expect(isActive(rollout)).to.equal(active);
      expect(inShadow(rollout)).to.equal(phase === "Shadow");
    });
  }

  it("the first step after a shadow is known from status.lastDecision.from", () => {
    const status = (from?: string) => ({
      phase: "Progressing",
      stepStartedAt: "2026-11-30T10:00:00Z",
      lastDecision: { action: "advance", at: "2026-11-30T10:00:00Z", ...(from ? { from } : {}) },
    });
    const at = (weight: number, from?: string) =>
      makeRollout(
        makeSpec({
          spec: { traffic: { canaryWeight: weight, shadow: { deadline: "10m" } } },
          status: status(from),
        }),
      );
    expect(firstStepAfterShadow(at(5, "shadow"))).to.equal(true);
    expect(firstStepAfterShadow(at(10))).to.equal(false);
  });

  it("a weighted rollout with an inert shadow is decided as before", () => {
    const rollout = makeRollout(
      makeSpec({ spec: { traffic: { canaryWeight: 5, shadow: { deadline: "10m" } } } }),
    );
    const decision = decide(rollout, checks("hhh"), STARTED);
    expect(decision).to.deep.include({ action: "advance", from: 5, to: 10 });
    expect(decision).to.not.have.property("fromShadow");
    if (decision.action !== "hold")
      expect(commitSubject(rollout, decision)).to.equal("advance recs/recommend: 5% → 10%");
  });
});
