/**
 * The threshold judge (meshcanary 0.1's): the newest window's numbers against
 * the SLA, no statistics. The most requests any reporter saw, the highest 5xx
 * share, and the histogram's quantile.
 */
import type { Analysis } from "../../rollout/types.js";
import type { Evidence, Judge, Measurement, SlaJudgement, VersionEvidence } from "../evidence.js";
import { bucketQuantile, quantileLabel } from "../histogram.js";

function reports(version: VersionEvidence) {
  return [version.source, version.destination].filter((r) => r !== undefined);
}

function measured(
  metric: string,
  value: number,
  unit: Measurement["unit"],
  threshold: number,
): SlaJudgement {
  if (!Number.isFinite(value))
    return {
      measurement: { metric, value, unit, threshold, bound: "max", breached: false },
      verdict: "missing",
    };
  const breached = value > threshold;
  return {
    measurement: { metric, value, unit, threshold, bound: "max", breached },
    verdict: breached ? "breach" : "pass",
  };
}

export const thresholdJudge: Judge = {
  requests: (canary) => Math.max(0, ...reports(canary).map((r) => r.total)),
  judgeSla(analysis: Analysis, evidence: Evidence): SlaJudgement[] {
    const judged: SlaJudgement[] = [];
    const { latency } = analysis.sla;
    if (latency.maxMs !== undefined) {
      const p = bucketQuantile(latency.quantile, evidence.canary.latencyBuckets);
      judged.push(measured(`${quantileLabel(latency.quantile)} latency`, p, "ms", latency.maxMs));
    }
    const errorRate = Math.max(
      0,
      ...reports(evidence.canary).map((r) => (r.total > 0 ? r.errors / r.total : 0)),
    );
    judged.push(measured("error rate", errorRate, "ratio", analysis.sla.errorRate.max));
    return judged;
  },
};
