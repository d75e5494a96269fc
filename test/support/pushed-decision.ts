/** Fixture builders for what the notifier gets from the loop: a pushed decision and a cycle report. */
import type { CycleReport, PushedDecision } from "../../src/watchdog/cycle.js";

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

export function cycleReport(overrides: Partial<CycleReport> = {}): CycleReport {
  return {
    outcomes: [],
    invalid: [],
    metricsErrors: [],
    commits: [],
    pushed: false,
    decisions: [],
    ...overrides,
  };
}
