/**
 * `status --report`: the live state as a report. The series are the last
 * stretch of history (the watchdog's own queries); the markers are the
 * checks the watchdog would judge now. Past decisions live in git, not here,
 * so the weight is drawn flat at its current value.
 */
import { rolloutId } from "../analysis/identity.js";
import type { RolloutOutcome } from "../engine/evaluate.js";
import type { Rollout } from "../rollout/types.js";
import type { ReportData } from "./report-data.js";
import { reportCheck, reportSla } from "./rollout-parts.js";
import type { RolloutSeries } from "./series.js";

export function statusReport(
  rollout: Rollout,
  outcome: RolloutOutcome | undefined,
  series: RolloutSeries,
  range: { readonly fromMs: number; readonly toMs: number },
  phase: string,
): ReportData {
  const weight = rollout.traffic.canaryWeight;
  const shadow = rollout.traffic.shadow;
  const deadline = outcome?.shadowDeadlineMs;
  const now =
    outcome === undefined
      ? "the watchdog does not check it"
      : `${outcome.decision.action}: ${outcome.reason}`;
  return {
    title: `Status of ${rolloutId(rollout)}`,
    rollout: rolloutId(rollout),
    fromMs: range.fromMs,
    toMs: range.toMs,
    stableName: rollout.stable.name,
    canaryName: rollout.canary?.name ?? rollout.stable.name,
    sla: reportSla(rollout),
    times: series.times,
    latencyMs: series.latencyMs,
    errorRate: series.errorRate,
    requests: series.requests,
    weight: [{ at: range.fromMs, weight }],
    decisions: [],
    checks: [...(outcome?.checks ?? [])].reverse().map(reportCheck),
    // Only the evaluation knows a running shadow's start: its deadline less the deadline's length.
    ...(shadow === undefined || deadline === undefined
      ? {}
      : { shadow: { fromMs: deadline - shadow.deadlineMs, percent: shadow.percent } }),
    summary: `${phase} at ${weight}% as of ${new Date(range.toMs).toISOString()}. Now: ${now}.`,
  };
}
