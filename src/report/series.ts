/**
 * The stable's and the canary's latency (at the SLA quantile) and error rate
 * over a time range, for reports. Gathered with the watchdog's own evidence
 * code and queries, so the report draws exactly the numbers the judge saw.
 */
import type { DueRollout } from "../analysis/evidence.js";
import { gatherEvidence } from "../analysis/evidence.js";
import { bucketQuantile } from "../analysis/histogram.js";
import { traffic, type VersionEvidence } from "../analysis/judge.js";
import type { MetricsSource } from "../prometheus/metrics-source.js";
import type { Rollout } from "../spec/types.js";

export interface VersionSeries {
  readonly stable: readonly (number | null)[];
  readonly canary: readonly (number | null)[];
}

export interface RolloutSeries {
  /** Ascending grid times. */
  readonly times: readonly number[];
  readonly latencyMs: VersionSeries;
  /** Ratios. */
  readonly errorRate: VersionSeries;
}

/** Grid times of `intervalMs` within [fromMs, toMs], ascending. */
export function gridTimes(fromMs: number, toMs: number, intervalMs: number): number[] {
  const times: number[] = [];
  for (let t = Math.ceil(fromMs / intervalMs) * intervalMs; t <= toMs; t += intervalMs)
    times.push(t);
  return times;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function latencyOf(rollout: Rollout, v: VersionEvidence): number | null {
  return finiteOrNull(bucketQuantile(rollout.analysis.sla.latency.quantile, v.latencyBuckets));
}

function errorRateOf(v: VersionEvidence): number | null {
  const { requests, errorRate } = traffic(v);
  return requests > 0 ? errorRate : null;
}

/**
 * Series for each rollout over [fromMs, toMs] on its interval grid, in one
 * batched gathering (the same queries the replay's first cycle asks).
 * @throws Error with Prometheus' message when a query failed
 */
export async function rolloutSeries(
  source: MetricsSource,
  rollouts: readonly Rollout[],
  fromMs: number,
  toMs: number,
): Promise<Map<Rollout, RolloutSeries>> {
  const due: DueRollout[] = rollouts
    .map((rollout) => ({
      rollout,
      times: gridTimes(fromMs, toMs, rollout.analysis.intervalMs).reverse(),
    }))
    .filter((d) => d.times.length > 0);
  const evidence = await gatherEvidence(source, due);
  const result = new Map<Rollout, RolloutSeries>();
  for (const d of due) {
    const points = [...(evidence.get(d) ?? [])].reverse();
    const failed = points.find((e) => e.error !== undefined);
    if (failed?.error !== undefined) throw new Error(failed.error);
    result.set(d.rollout, {
      times: points.map((e) => e.at),
      latencyMs: {
        stable: points.map((e) => latencyOf(d.rollout, e.stable)),
        canary: points.map((e) => latencyOf(d.rollout, e.canary)),
      },
      errorRate: {
        stable: points.map((e) => errorRateOf(e.stable)),
        canary: points.map((e) => errorRateOf(e.canary)),
      },
    });
  }
  return result;
}
