/**
 * The judges' contract: the evidence Prometheus gave for one rollout at one
 * check time, the check result, and the `Judge` type every module in
 * `judges/` implements. The engine gathers evidence; `judge.ts` picks a judge.
 */
import type { Analysis } from "../rollout/types.js";
import type { Bucket } from "./histogram.js";

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

/** One SLA metric judged: `missing` when there is no value, `unsure` when the evidence shows neither breach nor health. */
export interface SlaJudgement {
  readonly measurement: Measurement;
  readonly verdict: "breach" | "pass" | "unsure" | "missing";
  /** Why unsure, for the check's reason. */
  readonly why?: string;
}

/** A way to judge the SLA. A new judge is one module in `judges/` and one row in `JUDGES`. */
export interface Judge {
  /** Canary requests in the window, as this judge counts them; below `minRequests` the check is nodata. */
  requests(canary: VersionEvidence): number;
  /** The SLA's latency and error rate, in that order. */
  judgeSla(analysis: Analysis, evidence: Evidence): readonly SlaJudgement[];
}
