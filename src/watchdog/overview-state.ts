/**
 * What the live overview shows, kept from the watchdog's cycles (its
 * `onCycle` hook): every rollout of the last cycle, the newest outcome of each
 * (a cycle evaluates only the rollouts whose check has come round, so older
 * outcomes are kept), and the last decision this process made for each, with
 * its commit. Memory is bounded by the number of rollouts in the repo: a
 * rollout that leaves the repo leaves here.
 */
import type { Decision } from "../analysis/decide.js";
import { phaseOf, stepOf } from "../analysis/decide.js";
import { checkFindings } from "../analysis/explain.js";
import { rolloutId } from "../analysis/identity.js";
import type { RolloutOutcome } from "../engine/evaluate.js";
import { formatDiagnostic } from "../errors.js";
import type { OverviewData, OverviewDecision, OverviewRow } from "../report/overview-page.js";
import type { Rollout } from "../rollout/types.js";
import type { CycleReport } from "./cycle.js";

type Actionable = Exclude<Decision, { action: "hold" }>;

export interface Decided {
  readonly decision: Actionable;
  readonly reason: string;
  readonly commit?: string;
}

export interface SeenRollout {
  readonly rollout: Rollout;
  /** The newest evaluation, absent until the watchdog has checked it. */
  readonly outcome?: RolloutOutcome;
}

export class OverviewState {
  /** Counts updates, so a page drawn from this state can be reused until the next cycle. */
  version = 0;
  #lastCycleMs: number | undefined;
  #rollouts = new Map<string, Rollout>();
  #outcomes = new Map<string, RolloutOutcome>();
  #decided = new Map<string, Decided>();
  #metricsErrors: readonly string[] = [];
  #invalid: readonly string[] = [];

  update(report: CycleReport, nowMs: number): void {
    this.version++;
    this.#lastCycleMs = nowMs;
    this.#rollouts = new Map(report.rollouts.map((r) => [rolloutId(r), r]));
    for (const outcome of report.outcomes) {
      this.#outcomes.set(outcome.rollout, outcome);
      const { decision } = outcome;
      if (decision.action === "hold") continue;
      const commit = report.decisionCommits.get(outcome.rollout);
      this.#decided.set(outcome.rollout, {
        decision,
        reason: outcome.reason,
        ...(commit === undefined ? {} : { commit }),
      });
    }
    for (const map of [this.#outcomes, this.#decided]) {
      for (const id of map.keys()) if (!this.#rollouts.has(id)) map.delete(id);
    }
    this.#metricsErrors = report.metricsErrors;
    this.#invalid = report.invalid.map(formatDiagnostic);
  }

  /** The rollout as of the last cycle, or undefined when the watchdog does not see it. */
  rollout(id: string): SeenRollout | undefined {
    const rollout = this.#rollouts.get(id);
    if (rollout === undefined) return undefined;
    const outcome = this.#outcomes.get(id);
    return outcome === undefined ? { rollout } : { rollout, outcome };
  }

  /** The page's data, rollouts ordered by `ns/name`. */
  data(refreshSeconds: number): OverviewData {
    const ids = [...this.#rollouts.keys()].sort();
    return {
      ...(this.#lastCycleMs === undefined ? {} : { lastCycleMs: this.#lastCycleMs }),
      refreshSeconds,
      metricsErrors: this.#metricsErrors,
      invalid: this.#invalid,
      rollouts: ids.map((id) => this.#row(id, this.#rollouts.get(id) as Rollout)),
    };
  }

  #row(id: string, rollout: Rollout): OverviewRow {
    const outcome = this.#outcomes.get(id);
    const lastDecision = latestDecision(rollout, this.#decided.get(id));
    return {
      id,
      href: `/rollouts/${encodeURIComponent(rollout.namespace)}/${encodeURIComponent(rollout.name)}`,
      phase: phaseOf(rollout, outcome?.decision),
      weight: rollout.traffic.canaryWeight,
      step: stepOf(rollout),
      steps: rollout.traffic.steps,
      checks: (outcome?.checks ?? []).map((c) => ({
        at: c.at,
        kind: c.kind,
        weight: outcome?.weight ?? rollout.traffic.canaryWeight,
        findings: checkFindings(c),
      })),
      ...(outcome === undefined ? {} : { now: `${outcome.decision.action}: ${outcome.reason}` }),
      ...(lastDecision === undefined ? {} : { lastDecision }),
    };
  }
}

/**
 * The newer of this process's last decision (which knows its commit) and the
 * one recorded in the spec's `status` (which survives restarts and shows
 * another replica's or an earlier run's decision). Equal times are the same
 * decision: the status records the decision's newest check time.
 */
export function latestDecision(
  rollout: Rollout,
  decided: Decided | undefined,
): OverviewDecision | undefined {
  const recorded = rollout.status?.lastDecision;
  const recordedAt = recorded === undefined ? Number.NaN : Date.parse(recorded.at);
  const decidedAt = decided?.decision.basis[0]?.at;
  if (decided !== undefined && decidedAt !== undefined && !(recordedAt > decidedAt)) {
    const d = decided.decision;
    return {
      action: d.action,
      at: decidedAt,
      change:
        d.action !== "promote" && d.fromShadow === true
          ? `shadow → ${d.action === "rollback" ? "off" : `${d.to}%`}`
          : `${d.from}% → ${d.action === "promote" ? "stable" : `${d.to}%`}`,
      reason: decided.reason,
      ...(decided.commit === undefined ? {} : { commit: decided.commit }),
      source: "watchdog",
    };
  }
  if (recorded === undefined || Number.isNaN(recordedAt)) return undefined;
  const weight = rollout.traffic.canaryWeight;
  return {
    action: recorded.action,
    at: recordedAt,
    // The spec's status keeps no weights, except that a shadow's end says so (`from: shadow`).
    ...(recorded.from === "shadow"
      ? { change: `shadow → ${recorded.action === "rollback" ? "off" : `${weight}%`}` }
      : {}),
    reason: rollout.status?.reason ?? "",
    source: "spec",
  };
}
