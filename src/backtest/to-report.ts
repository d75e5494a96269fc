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
    decisions: t.decisions.map(({ at, action, from, to, reason, fromShadow }) => ({
      at,
      action,
      from,
      to,
      reason,
      ...(fromShadow === true ? { fromShadow } : {}),
    })),
    ...(t.shadow === undefined ? {} : { shadow: t.shadow }),
    // Healthy checks are the quiet majority; markers go to the ones that say something,
    // and to those a pause or a manual promotion held.
    checks: t.checks
      .filter((c) => c.kind !== "healthy" || c.held !== undefined)
      .map((c) => {
        const check = reportCheck(c);
        return c.held === undefined
          ? check
          : {
              ...check,
              kind: `${c.kind}, held: ${c.held.phase}`,
              text: `${check.text} (held: ${c.held.reason})`,
            };
      }),
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
      ...(t.shadow === undefined
        ? {}
        : {
            shadow: {
              from: iso(t.shadow.fromMs),
              ...(t.shadow.toMs === undefined ? {} : { to: iso(t.shadow.toMs) }),
              percent: t.shadow.percent,
            },
          }),
      summary: summarize(t),
      checks: t.checks.map((c) => ({
        at: iso(c.at),
        kind: c.kind,
        weight: c.weight,
        requests: Math.round(c.requests),
        measurements: c.measurements,
        ...(c.reason === undefined ? {} : { reason: c.reason }),
        ...(c.held === undefined ? {} : { held: c.held }),
      })),
      decisions: t.decisions.map((d) => ({
        at: iso(d.at),
        action: d.action,
        // The commit subject's own words: `shadow → 5%`, `shadow → off`.
        from: d.fromShadow === true ? "shadow" : d.from,
        to: d.fromShadow === true && d.action === "rollback" ? "off" : d.to,
        reason: d.reason,
        checks: d.basis.map(describeCheck),
      })),
    })),
  };
}
