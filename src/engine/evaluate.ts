/**
 * Checks and decisions for a set of rollouts at one instant: which are due,
 * their check times, one batched evidence gathering, judge, decide. Shared by
 * the watchdog's cycle and `meshcanary status`, so both decide alike.
 */

import { type Decision, decide, isActive, shadowDeadlineAt } from "../analysis/decide.js";
import type { CheckResult } from "../analysis/evidence.js";
import { decisionReason } from "../analysis/explain.js";
import { rolloutId } from "../analysis/identity.js";
import { judge } from "../analysis/judge.js";
import type { MetricsSource } from "../prometheus/metrics-source.js";
import { inShadow } from "../rollout/lifecycle.js";
import type { Rollout } from "../rollout/types.js";
import { checkTimes, latestCheckTime } from "./check-times.js";
import { type DueRollout, gatherEvidence } from "./gather-evidence.js";
import { firstCheckAfter, phaseAnalysis, phaseEvidence } from "./shadow-evidence.js";

export interface RolloutOutcome {
  readonly rollout: string;
  readonly weight: number;
  readonly decision: Decision;
  /** Why, in one line: the hold reason or what the decision rests on. */
  readonly reason: string;
  /** Newest first. */
  readonly checks: readonly CheckResult[];
  /** In the shadow phase: when it ends as `shadow → off` without a verdict (epoch ms). */
  readonly shadowDeadlineMs?: number;
}

export interface Evaluated {
  readonly rollout: Rollout;
  readonly outcome: RolloutOutcome;
}

export interface Evaluation {
  readonly evaluated: readonly Evaluated[];
  /** Prometheus failures met (the affected rollouts hold). */
  readonly metricsErrors: readonly string[];
  /** When the next check of any active rollout falls due (epoch ms). */
  readonly nextCheckMs?: number;
}

export interface EvaluateOptions {
  readonly metrics: MetricsSource;
  readonly nowMs: number;
  /**
   * When each spec file last changed in git (epoch ms): the step start of a
   * rollout without `status.stepStartedAt` (a person just set its weight).
   */
  readonly lastChanged: ReadonlyMap<string, number>;
  /** Newest check time already evaluated per rollout; rollouts with nothing newer are skipped. */
  readonly evaluated?: ReadonlyMap<string, number>;
}

export async function evaluateRollouts(
  rollouts: readonly Rollout[],
  options: EvaluateOptions,
): Promise<Evaluation> {
  const { nowMs } = options;
  const due: (DueRollout & { readonly started: number; readonly known: boolean })[] = [];
  const evaluated: Evaluated[] = [];
  let nextCheckMs: number | undefined;
  for (const rollout of rollouts.filter(isActive)) {
    const newest = latestCheckTime(rollout.analysis, nowMs);
    nextCheckMs = Math.min(
      nextCheckMs ?? Number.POSITIVE_INFINITY,
      newest + rollout.analysis.intervalMs,
    );
    if ((options.evaluated?.get(rolloutId(rollout)) ?? Number.NEGATIVE_INFINITY) >= newest)
      continue;
    const started = stepStartedAt(rollout, options.lastChanged);
    // Without status or git history (status on a plain directory) the start is unknown: no deadline then.
    const known =
      rollout.status?.stepStartedAt !== undefined || options.lastChanged.has(rollout.source.file);
    // Strictly after: a check at the very instant of a decision belongs to the step before.
    const earliest = firstCheckAfter(rollout, started);
    const times = checkTimes(phaseAnalysis(rollout), nowMs, started).filter((t) => t > earliest);
    if (times.length === 0) {
      const reason =
        earliest > started
          ? "no check whose window starts after the step started"
          : "no check since the step started";
      evaluated.push({
        rollout,
        outcome: outcome(rollout, { action: "hold", reason }, [], known ? started : undefined),
      });
    } else {
      due.push({ rollout, times, started, known });
    }
  }
  const evidence = await gatherEvidence(options.metrics, due);
  const metricsErrors = new Set<string>();
  for (const d of due) {
    const checks = (evidence.get(d) ?? []).map((e) =>
      judge(d.rollout.analysis, phaseEvidence(d.rollout, e)),
    );
    const newest = checks[0];
    if (newest?.kind === "error" && newest.reason !== undefined) metricsErrors.add(newest.reason);
    evaluated.push({
      rollout: d.rollout,
      outcome: outcome(
        d.rollout,
        decide(d.rollout, checks, d.known ? d.started : undefined),
        checks,
        d.known ? d.started : undefined,
      ),
    });
  }
  return {
    evaluated,
    metricsErrors: [...metricsErrors],
    ...(nextCheckMs === undefined ? {} : { nextCheckMs }),
  };
}

/** When the current weight was set: `status.stepStartedAt`, else when a person last committed the spec. */
export function stepStartedAt(rollout: Rollout, lastChanged: ReadonlyMap<string, number>): number {
  const recorded = rollout.status?.stepStartedAt;
  return recorded !== undefined
    ? Date.parse(recorded)
    : (lastChanged.get(rollout.source.file) ?? 0);
}

/** The spec files whose step start comes from git history. */
export function filesNeedingHistory(rollouts: readonly Rollout[]): string[] {
  const files = rollouts
    .filter((r) => isActive(r) && r.status?.stepStartedAt === undefined)
    .map((r) => r.source.file);
  return [...new Set(files)];
}

function outcome(
  rollout: Rollout,
  decision: Decision,
  checks: readonly CheckResult[],
  started: number | undefined,
): RolloutOutcome {
  const deadline =
    started !== undefined && inShadow(rollout) ? shadowDeadlineAt(rollout, started) : undefined;
  return {
    rollout: rolloutId(rollout),
    weight: rollout.traffic.canaryWeight,
    decision,
    reason: decision.action === "hold" ? decision.reason : decisionReason(rollout, decision),
    checks,
    ...(deadline === undefined ? {} : { shadowDeadlineMs: deadline }),
  };
}
