/**
 * The judge: one rollout at one check time → healthy, breach, nodata or
 * error. Pure, and replaceable (a statistical judge can take its place): it
 * sees only the evidence gathered for that time and the spec's thresholds.
 */
import type { Analysis } from "../spec/types.js";
import { type Bucket, bucketQuantile, quantileLabel } from "./histogram.js";
import { statisticalJudge } from "./statistical-judge.js";

/** Request counts in the window, per reporter. */
export interface RequestCounts {
  readonly total: number;
  /** Responses with a 5xx code. */
  readonly errors: number;
}

/** What Prometheus said about one version (subset) for the window. */
export interface VersionEvidence {
  readonly source?: RequestCounts;
  readonly destination?: RequestCounts;
  /** Cumulative latency histogram (server side), as rates or counts. */
  readonly latencyBuckets: readonly Bucket[];
}

/** What Prometheus said about the canary and the stable for the window ending at `at`. */
export interface Evidence {
  readonly at: number;
  readonly canary: VersionEvidence;
  readonly stable: VersionEvidence;
  /** Custom metric values by name; NaN or absent when the query returned nothing. */
  readonly custom: Readonly<Record<string, number>>;
  /** Set when a query this check needs failed. */
  readonly error?: string;
}

export interface Measurement {
  /** `p99 latency`, `error rate`, or a custom metric's name. */
  readonly metric: string;
  readonly value: number;
  readonly unit: "ms" | "ratio" | "";
  readonly threshold: number;
  /** Which side of the threshold is healthy. */
  readonly bound: "max" | "min";
  readonly breached: boolean;
  /** How it was judged: the test, bounds or p-value, effect size, counts (statistical judge). */
  readonly detail?: string;
}

/** `inconclusive`: evidence that neither shows a breach nor health (statistical judge); it holds. */
export type CheckKind = "healthy" | "breach" | "inconclusive" | "nodata" | "error";

export interface CheckResult {
  readonly kind: CheckKind;
  readonly at: number;
  /** Canary requests seen in the window (the larger of the two reporters' counts). */
  readonly requests: number;
  readonly measurements: readonly Measurement[];
  /** Why it is nodata or error. */
  readonly reason?: string;
}

/**
 * A version's whole requests and failures as one reporter saw them: the one
 * that saw more failures (only the caller sees a dead pod's 503s, only the
 * server its own 500s), else the one that saw more requests. Counts come
 * from extrapolated `increase()`, so they are rounded.
 */
export function versionCounts(v: VersionEvidence): { requests: number; errors: number } {
  let best = { requests: 0, errors: 0 };
  for (const r of [v.source, v.destination]) {
    if (r === undefined) continue;
    const c = { requests: Math.round(r.total), errors: Math.round(r.errors) };
    if (c.errors > best.errors || (c.errors === best.errors && c.requests > best.requests))
      best = c;
  }
  return best;
}

/** The threshold judge's view (0.1): the most requests any reporter saw, and the highest 5xx share. */
function traffic(version: VersionEvidence): { requests: number; errorRate: number } {
  const reports = [version.source, version.destination].filter((r) => r !== undefined);
  const requests = Math.max(0, ...reports.map((r) => r.total));
  const errorRate = Math.max(0, ...reports.map((r) => (r.total > 0 ? r.errors / r.total : 0)));
  return { requests, errorRate };
}

export { quantileLabel } from "./histogram.js";

/** The spec's judge: `statistical` (default) or `threshold`. */
export function judge(analysis: Analysis, evidence: Evidence): CheckResult {
  return analysis.judge === "threshold"
    ? thresholdJudge(analysis, evidence)
    : statisticalJudge(analysis, evidence);
}

/** The newest window's numbers against the thresholds (meshcanary 0.1's judge). */
export function thresholdJudge(analysis: Analysis, evidence: Evidence): CheckResult {
  const { at } = evidence;
  if (evidence.error !== undefined)
    return { kind: "error", at, requests: 0, measurements: [], reason: evidence.error };
  const { requests, errorRate } = traffic(evidence.canary);
  if (requests < analysis.minRequests || requests === 0) {
    return {
      kind: "nodata",
      at,
      requests,
      measurements: [],
      reason: `${Math.round(requests)} canary requests in ${analysis.window} < minRequests ${analysis.minRequests}`,
    };
  }
  const measurements: Measurement[] = [];
  const missing: string[] = [];
  const measure = (
    metric: string,
    value: number,
    unit: Measurement["unit"],
    bound: "max" | "min",
    threshold: number,
  ) => {
    if (!Number.isFinite(value)) {
      missing.push(metric);
      return;
    }
    const breached = bound === "max" ? value > threshold : value < threshold;
    measurements.push({ metric, value, unit, threshold, bound, breached });
  };
  const { latency } = analysis.sla;
  if (latency.maxMs !== undefined) {
    const p = bucketQuantile(latency.quantile, evidence.canary.latencyBuckets);
    measure(`${quantileLabel(latency.quantile)} latency`, p, "ms", "max", latency.maxMs);
  }
  measure("error rate", errorRate, "ratio", "max", analysis.sla.errorRate.max);
  for (const metric of analysis.metrics) {
    const value = evidence.custom[metric.name] ?? Number.NaN;
    if (metric.max !== undefined) measure(metric.name, value, "", "max", metric.max);
    if (metric.min !== undefined) measure(metric.name, value, "", "min", metric.min);
  }
  if (measurements.some((m) => m.breached)) return { kind: "breach", at, requests, measurements };
  if (missing.length > 0) {
    return {
      kind: "nodata",
      at,
      requests,
      measurements,
      reason: `no value for ${[...new Set(missing)].join(", ")}`,
    };
  }
  return { kind: "healthy", at, requests, measurements };
}
