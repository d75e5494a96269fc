/**
 * The stable's and the canary's latency (at the SLA quantile) and error rate
 * over a time range, for reports. Gathered with the watchdog's own evidence
 * code and queries, so the report draws the figures the default (statistical)
 * judge compares; the threshold judge reads the error rate of the busier
 * reporter, which differs only where the two reporters disagree.
 */

import { type VersionEvidence, versionCounts } from "../analysis/evidence.js";
import { bucketQuantile } from "../analysis/histogram.js";
import { type DueRollout, gatherEvidence } from "../engine/gather-evidence.js";
import type { MetricsSource } from "../prometheus/metrics-source.js";
import type { Rollout } from "../rollout/types.js";

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
  /** Requests each version got in the window ending at each time, as the judge counts them. */
  readonly requests: VersionSeries;
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
  // As the statistical judge (the default) counts them.
  const { requests, errors } = versionCounts(v);
  return requests > 0 ? errors / requests : null;
}

/**
 * The rollout's series over [fromMs, toMs] on its interval grid (empty when
 * the range holds no grid time), gathered with the watchdog's own queries, so
 * a backtest's recording answers them without a request.
 * @throws Error with Prometheus' message when a query failed
 */
export async function rolloutSeries(
  source: MetricsSource,
  rollout: Rollout,
  fromMs: number,
  toMs: number,
): Promise<RolloutSeries> {
  const due: DueRollout = {
    rollout,
    times: gridTimes(fromMs, toMs, rollout.analysis.intervalMs).reverse(),
  };
  // gatherEvidence wants at least one time per rollout.
  const evidence =
    due.times.length === 0 ? [] : ((await gatherEvidence(source, [due])).get(due) ?? []);
  const points = [...evidence].reverse();
  const failed = points.find((e) => e.error !== undefined);
  if (failed?.error !== undefined) throw new Error(failed.error);
  return {
    times: points.map((e) => e.at),
    latencyMs: {
      stable: points.map((e) => latencyOf(rollout, e.stable)),
      canary: points.map((e) => latencyOf(rollout, e.canary)),
    },
    errorRate: {
      stable: points.map((e) => errorRateOf(e.stable)),
      canary: points.map((e) => errorRateOf(e.canary)),
    },
    requests: {
      stable: points.map((e) => versionCounts(e.stable).requests),
      canary: points.map((e) => versionCounts(e.canary).requests),
    },
  };
}
