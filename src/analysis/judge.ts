/**
 * The judge: one rollout at one check time → healthy, breach, inconclusive,
 * nodata or error. Pure: it sees only the evidence gathered for that time and
 * the spec's thresholds. The spec's `analysis.judge` picks a `Judge` from
 * `JUDGES`; what every judge shares (a failed query, too few requests, the
 * custom metrics against their bounds) lives here once, so a judge only
 * judges the SLA's latency and error rate.
 */
import type { Analysis, JudgeKind } from "../rollout/types.js";
import type { CheckResult, Evidence, Judge, Measurement } from "./evidence.js";
import { statisticalJudge } from "./judges/statistical.js";
import { thresholdJudge } from "./judges/threshold.js";

export const JUDGES: Readonly<Record<JudgeKind, Judge>> = {
  statistical: statisticalJudge,
  threshold: thresholdJudge,
};

/** The spec's judge (`statistical` by default) on one check time's evidence. */
export function judge(analysis: Analysis, evidence: Evidence): CheckResult {
  const { at } = evidence;
  if (evidence.error !== undefined)
    return { kind: "error", at, requests: 0, measurements: [], reason: evidence.error };
  const chosen = JUDGES[analysis.judge];
  const requests = chosen.requests(evidence.canary);
  if (requests < analysis.minRequests || requests === 0) {
    return {
      kind: "nodata",
      at,
      requests,
      measurements: [],
      reason: `${Math.round(requests)} canary requests in ${analysis.window} < minRequests ${analysis.minRequests}`,
    };
  }
  const judged = chosen.judgeSla(analysis, evidence);
  const measurements: Measurement[] = judged
    .filter((j) => j.verdict !== "missing")
    .map((j) => j.measurement);
  const missing = judged.filter((j) => j.verdict === "missing").map((j) => j.measurement.metric);
  for (const metric of analysis.metrics) {
    // Custom metrics are one number each: judged against their bounds as given, by every judge.
    const value = evidence.custom[metric.name] ?? Number.NaN;
    if (!Number.isFinite(value)) {
      missing.push(metric.name);
      continue;
    }
    const bounds = [
      ...(metric.max === undefined ? [] : [{ bound: "max" as const, threshold: metric.max }]),
      ...(metric.min === undefined ? [] : [{ bound: "min" as const, threshold: metric.min }]),
    ];
    for (const { bound, threshold } of bounds)
      measurements.push({
        metric: metric.name,
        value,
        unit: "",
        threshold,
        bound,
        breached: bound === "max" ? value > threshold : value < threshold,
      });
  }
  if (measurements.some((m) => m.breached)) return { kind: "breach", at, requests, measurements };
  if (missing.length > 0)
    return {
      kind: "nodata",
      at,
      requests,
      measurements,
      reason: `no value for ${[...new Set(missing)].join(", ")}`,
    };
  const unsure = judged.filter((j) => j.verdict === "unsure");
  if (unsure.length > 0)
    return {
      kind: "inconclusive",
      at,
      requests,
      measurements,
      reason: unsure.map((j) => j.why).join("; "),
    };
  return { kind: "healthy", at, requests, measurements };
}
