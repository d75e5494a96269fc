/**
 * Fixture builders for what the notifier gets from the loop: a cycle report
 * whose outcomes, rollouts and commit map hold the given pushed decisions,
 * as runCycle reports them.
 */
import type { Decision } from "../../src/analysis/decide.js";
import type { PushedDecision } from "../../src/notify/pushed-decisions.js";
import type { CycleReport } from "../../src/watchdog/cycle.js";
import { makeRollout, makeSpec } from "./make-spec.js";

/** Decision `n` on rollout `recs/r<n>`: an advance 20% → 50% unless overridden. */
export function pushedDecision(n: number, overrides: Partial<PushedDecision> = {}): PushedDecision {
  return {
    rollout: `recs/r${n}`,
    action: "advance",
    from: 20,
    to: 50,
    reason: "healthy in 2 of 2 checks at 20%",
    subject: `advance recs/r${n}: 20% → 50%`,
    commit: `${n}`.repeat(40).slice(0, 40),
    ...overrides,
  };
}

/** A report of a cycle that pushed `decisions` (none: a quiet cycle), with `overrides` on top. */
export function cycleReport(
  overrides: Partial<CycleReport> & { decisions?: readonly PushedDecision[] } = {},
): CycleReport {
  const { decisions = [], ...rest } = overrides;
  return {
    rollouts: decisions.map((d) => {
      const [namespace, name] = d.rollout.split("/");
      return makeRollout(
        makeSpec({ metadata: { name, namespace }, spec: { traffic: { canaryWeight: d.from } } }),
      );
    }),
    outcomes: decisions.map((d) => ({
      rollout: d.rollout,
      weight: d.from,
      decision: decisionOf(d),
      reason: d.reason,
      checks: [],
    })),
    invalid: [],
    metricsErrors: [],
    commits: decisions.map((d) => d.commit),
    decisionCommits: new Map(decisions.map((d) => [d.rollout, d.commit])),
    pushed: decisions.length > 0,
    ...rest,
  };
}

function decisionOf(d: PushedDecision): Decision {
  switch (d.action) {
    case "advance":
      return { action: "advance", from: d.from, to: d.to, basis: [] };
    case "rollback":
      return { action: "rollback", from: d.from, to: 0, basis: [] };
    case "promote":
      return { action: "promote", from: d.from, basis: [] };
  }
}
