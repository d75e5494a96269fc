/**
 * Quantiles from cumulative histogram buckets, the way Prometheus'
 * `histogram_quantile` computes them: find the bucket holding the rank and
 * interpolate linearly inside it.
 */

/** Istio's default bucket bounds of istio_request_duration_milliseconds (before +Inf). */
export const ISTIO_DURATION_BUCKETS_MS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
  1800000, 3600000,
];

export interface Bucket {
  /** Upper bound (`le`), `Infinity` for `+Inf`. */
  readonly le: number;
  /** Cumulative count (or rate) of observations ≤ `le`. */
  readonly count: number;
}

/** NaN when there are no observations, or no `+Inf` bucket to count them. */
export function bucketQuantile(q: number, buckets: readonly Bucket[]): number {
  const sorted = [...buckets].filter((b) => !Number.isNaN(b.count)).sort((a, b) => a.le - b.le);
  const last = sorted.at(-1);
  if (last === undefined || last.le !== Number.POSITIVE_INFINITY || sorted.length < 2)
    return Number.NaN;
  // Counts come from separately extrapolated rates: make them monotonic as Prometheus does.
  let running = 0;
  const counts = sorted.map((b) => (running = Math.max(running, b.count)));
  const total = counts.at(-1) as number;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let index = counts.findIndex((c) => c >= rank);
  if (index === -1) index = counts.length - 1;
  // In the +Inf bucket the best answer is the highest finite bound.
  if (index === sorted.length - 1) return (sorted[sorted.length - 2] as Bucket).le;
  const upper = (sorted[index] as Bucket).le;
  const lower = index === 0 ? 0 : (sorted[index - 1] as Bucket).le;
  const below = index === 0 ? 0 : (counts[index - 1] as number);
  const inBucket = (counts[index] as number) - below;
  if (index === 0 && upper <= 0) return upper;
  return inBucket === 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket);
}

/** `p99`, `p99.9`: how a quantile is named in messages. */
export function quantileLabel(q: number): string {
  return `p${Number((q * 100).toFixed(3))}`;
}
