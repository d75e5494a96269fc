/** A replayed timeline as report data and as JSON: the two views of one result. */
import { describeCheck } from "../analysis/explain.js";
import type { ReportData } from "../report/report-data.js";
import { reportCheck, reportSla } from "../report/rollout-parts.js";
import { rolloutSeries } from "../report/series.js";
import { BacktestError, type BacktestResult, type RolloutTimeline, summarize } from "./replay.js";

/** Report data for one replayed rollout; its series come from the replay's recorded history. */
export async function timelineReport(
  result: BacktestResult,
  t: RolloutTimeline,
): Promise<ReportData> {
  const { times, latencyMs, errorRate, requests } = await rolloutSeries(
    result.history,
    t.initial,
    result.fromMs,
    result.toMs,
  ).catch((error: unknown) => {
    throw new BacktestError(`Prometheus: ${(error as Error).message}`);
  });
  return {
    title: `Backtest of ${t.rollout}`,
    rollout: t.rollout,
    fromMs: result.fromMs,
    toMs: result.toMs,
    stableName: t.stableName,
    canaryName: t.canaryName,
    sla: reportSla(t.initial),
    times,
    latencyMs,
    errorRate,
    requests,
    weight: t.weights,
    decisions: t.decisions.map(({ at, action, from, to, reason }) => ({
      at,
      action,
      from,
      to,
      reason,
    })),
    // Healthy checks are the quiet majority; markers go to the ones that say something.
    checks: t.checks.filter((c) => c.kind !== "healthy").map(reportCheck),
    summary: summarize(t),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `--json`: checks and decisions with RFC 3339 times, actions, values and thresholds. */
export function timelineJson(result: BacktestResult): unknown {
  return {
    from: iso(result.fromMs),
    to: iso(result.toMs),
    stepSeconds: result.stepMs / 1000,
    cycles: result.cycles,
    prometheusRequests: result.prometheusRequests,
    rollouts: result.timelines.map((t) => ({
      rollout: t.rollout,
      file: t.file,
      stable: t.stableName,
      canary: t.canaryName,
      startWeight: t.startWeight,
      end: { ...t.end, ...(t.end.at === undefined ? {} : { at: iso(t.end.at) }) },
      summary: summarize(t),
      checks: t.checks.map((c) => ({
        at: iso(c.at),
        kind: c.kind,
        weight: c.weight,
        requests: Math.round(c.requests),
        measurements: c.measurements,
        ...(c.reason === undefined ? {} : { reason: c.reason }),
      })),
      decisions: t.decisions.map((d) => ({
        at: iso(d.at),
        action: d.action,
        from: d.from,
        to: d.to,
        reason: d.reason,
        checks: d.basis.map(describeCheck),
      })),
    })),
  };
}
