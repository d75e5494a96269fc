/**
 * Judging a latency quantile from a cumulative (Prometheus-style) histogram.
 *
 * Buckets are cleaned the way `histogram_quantile` cleans them: sorted by
 * `le`, equal bounds merged, NaN counts dropped, counts made monotonic with a
 * running max (they come from separately extrapolated `increase()`s). The
 * binomial arguments need whole observations, so cumulative counts are then
 * rounded to integers. A histogram without a `+Inf` bucket, or with fewer
 * than two buckets, is unusable exactly as in Prometheus and counts as n = 0.
 * The first bucket is taken to start at 0 (latencies are non-negative), the
 * same assumption `histogram_quantile` makes.
 */

import { clopperPearsonLower, clopperPearsonUpper } from "./binomial-bounds.js";
import { binomialCdf, binomialSurvival } from "./distributions.js";

export interface CumulativeBucket {
  /** Upper bound, `Infinity` for `+Inf`. */
  readonly le: number;
  /** Observations ≤ `le` (may be fractional and slightly non-monotonic). */
  readonly count: number;
}

export interface CleanHistogram {
  /** Ascending upper bounds. */
  readonly le: readonly number[];
  /** Monotonic cumulative counts, before rounding. */
  readonly raw: readonly number[];
  /** The same, rounded to whole observations. */
  readonly counts: readonly number[];
}

/** Sorted, merged, monotonic, rounded cumulative counts (see module comment). */
export function cleanHistogram(buckets: readonly CumulativeBucket[]): CleanHistogram {
  const sorted = buckets.filter((b) => !Number.isNaN(b.count)).sort((a, b) => a.le - b.le);
  const le: number[] = [];
  const merged: number[] = [];
  for (const bucket of sorted) {
    // Prometheus adds up buckets with the same bound (e.g. le="1" and le="1.0").
    if (le.at(-1) === bucket.le) merged.push((merged.pop() as number) + bucket.count);
    else {
      le.push(bucket.le);
      merged.push(bucket.count);
    }
  }
  let running = 0;
  const raw = merged.map((count) => (running = Math.max(running, count)));
  return { le, raw, counts: raw.map(Math.round) };
}

/** The histogram if `histogram_quantile` could use it, else undefined. */
function usable(buckets: readonly CumulativeBucket[]): CleanHistogram | undefined {
  const h = cleanHistogram(buckets);
  return h.le.length >= 2 && h.le[h.le.length - 1] === Number.POSITIVE_INFINITY ? h : undefined;
}

/**
 * Value at a (possibly fractional) rank, interpolating linearly inside the
 * bucket that holds it: `histogram_quantile`'s rule, with the rank given
 * directly. A rank in the `+Inf` bucket maps to `inInf`.
 */
function valueAtRank(
  le: readonly number[],
  counts: readonly number[],
  rank: number,
  inInf: number,
) {
  const last = le.length - 1;
  let index = 0;
  while (index < last && (counts[index] as number) < rank) index++;
  if (index === last) return inInf;
  const upper = le[index] as number;
  if (index === 0 && upper <= 0) return upper;
  const lower = index === 0 ? 0 : (le[index - 1] as number);
  const below = index === 0 ? 0 : (counts[index - 1] as number);
  const inBucket = (counts[index] as number) - below;
  return inBucket === 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket);
}

export interface CountAbove {
  /** Total observations (rounded). */
  readonly n: number;
  /** Estimated observations > threshold, a whole number. */
  readonly above: number;
  /** True when the estimate relied on spreading a non-empty bucket linearly. */
  readonly interpolated: boolean;
  /** What the bucket edges alone guarantee: aboveMin ≤ true count ≤ aboveMax. */
  readonly aboveMin: number;
  readonly aboveMax: number;
}

/**
 * Number of observations above `threshold`. Exact when the threshold is a
 * bucket edge (or its bucket is empty); inside a bucket the observations are
 * assumed spread evenly, as `histogram_quantile` assumes. Beyond the highest
 * finite edge nothing is known about the `+Inf` observations: the estimate
 * follows Prometheus (they sit at that edge, so none is above) and
 * aboveMin/aboveMax say how wrong that can be.
 */
export function countAbove(buckets: readonly CumulativeBucket[], threshold: number): CountAbove {
  const { beyondFinite: _, ...count } = locate(buckets, threshold);
  return count;
}

/** `countAbove`, also saying whether the threshold lies beyond the last finite edge. */
function locate(
  buckets: readonly CumulativeBucket[],
  threshold: number,
): CountAbove & { beyondFinite: boolean } {
  if (Number.isNaN(threshold)) throw new RangeError("threshold is NaN");
  const h = usable(buckets);
  const none = { n: 0, above: 0, interpolated: false, aboveMin: 0, aboveMax: 0 };
  if (h === undefined) return { ...none, beyondFinite: false };
  const { le, counts } = h;
  const n = counts[counts.length - 1] as number;
  const exactAt = (cumulative: number) => ({
    ...none,
    n,
    above: n - cumulative,
    aboveMin: n - cumulative,
    aboveMax: n - cumulative,
    beyondFinite: false,
  });
  const index = le.findIndex((bound) => bound >= threshold);
  if (le[index] === threshold) return exactAt(counts[index] as number);
  const lowerEdge = index === 0 ? Math.min(0, le[0] as number) : (le[index - 1] as number);
  const below = index === 0 ? 0 : (counts[index - 1] as number);
  const inBucket = (counts[index] as number) - below;
  if (threshold <= lowerEdge || inBucket === 0) return exactAt(below);
  const aboveMin = n - (counts[index] as number);
  const aboveMax = n - below;
  if (index === le.length - 1) {
    return { n, above: aboveMin, interpolated: true, aboveMin, aboveMax, beyondFinite: true };
  }
  const fraction = (threshold - lowerEdge) / ((le[index] as number) - lowerEdge);
  const above = n - Math.round(below + inBucket * fraction);
  return { n, above, interpolated: true, aboveMin, aboveMax, beyondFinite: false };
}

export type QuantileVerdict = "above" | "below" | "unknown";

export interface QuantileExceedance {
  readonly n: number;
  readonly above: number;
  /** One-sided Clopper–Pearson bounds on P(X > threshold), each at `confidence`. */
  readonly pAboveLower: number;
  readonly pAboveUpper: number;
  readonly verdict: QuantileVerdict;
  readonly interpolated: boolean;
}

/**
 * Is the q-quantile of latency above `thresholdMs`, with confidence?
 *
 * Let p = P(X > t). For the quantile ξ_q = inf{x : F(x) ≥ q},
 * ξ_q > t ⇔ F(t) < q ⇔ p > 1 − q, and ξ_q ≤ t ⇔ p ≤ 1 − q. The number of the
 * n observations above t is Binomial(n, p) whatever the latency distribution
 * (this is the order-statistic argument: ξ_q > t exactly when the rank of t in
 * the population is below q), so exact one-sided Clopper–Pearson bounds
 * L ≤ p ≤ U, each holding with probability ≥ c, decide it:
 *   L > 1 − q  → "above" (wrong with probability ≤ 1 − c),
 *   U ≤ 1 − q  → "below" (wrong with probability ≤ 1 − c),
 *   otherwise  → "unknown" (too few observations, or the quantile is near t).
 * For c ≥ ½ the first two cannot both hold. The guarantee is exact when t is a
 * bucket edge; inside a bucket it rests on the linear-spread assumption
 * (`interpolated`). Beyond the highest finite edge no spread can be assumed,
 * so L uses the fewest and U the most observations that can be above t.
 */
export function quantileExceedance(
  buckets: readonly CumulativeBucket[],
  q: number,
  thresholdMs: number,
  confidence: number,
): QuantileExceedance {
  if (!(q > 0 && q < 1)) throw new RangeError(`q must be in (0, 1), got ${q}`);
  const count = locate(buckets, thresholdMs);
  const { n, above, interpolated } = count;
  const lowK = count.beyondFinite ? count.aboveMin : above;
  const highK = count.beyondFinite ? count.aboveMax : above;
  const pAboveLower = clopperPearsonLower(lowK, n, confidence);
  const pAboveUpper = clopperPearsonUpper(highK, n, confidence);
  const verdict: QuantileVerdict =
    pAboveLower > 1 - q ? "above" : pAboveUpper <= 1 - q ? "below" : "unknown";
  return { n, above, pAboveLower, pAboveUpper, verdict, interpolated };
}

export interface QuantileInterval {
  readonly low: number;
  readonly high: number;
  readonly estimate: number;
}

/**
 * Two-sided distribution-free confidence interval for the q-quantile, from
 * order statistics: with X₍₁₎ ≤ … ≤ X₍ₙ₎ and B ~ Binomial(n, q),
 * P(X₍ᵣ₎ ≤ ξ_q ≤ X₍ₛ₎) ≥ 1 − P(B ≤ r − 1) − P(B ≥ s). The largest r and smallest
 * s with each tail ≤ α/2 are found with the exact binomial (cheap via the
 * incomplete beta, so no normal approximation is needed at any n). Ranks map
 * to values by interpolation inside their bucket; so the guarantee holds at
 * bucket level, and within a bucket it rests on the linear-spread assumption.
 * `low` is 0 when r = 0; `high` is Infinity when s > n or s falls in `+Inf`.
 * `estimate` is exactly `histogram_quantile(q, …)` on the unrounded counts,
 * the figure a dashboard shows; the interval is widened to contain it in the
 * rare cases (tiny n, low confidence, rounding) where it would not.
 */
export function quantileInterval(
  buckets: readonly CumulativeBucket[],
  q: number,
  confidence: number,
): QuantileInterval {
  if (!(q > 0 && q < 1)) throw new RangeError(`q must be in (0, 1), got ${q}`);
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  }
  const h = usable(buckets);
  const n = h === undefined ? 0 : (h.counts[h.counts.length - 1] as number);
  if (h === undefined || n === 0) {
    return { low: Number.NaN, high: Number.NaN, estimate: Number.NaN };
  }
  const { le, raw, counts } = h;
  const highestFinite = le[le.length - 2] as number;
  const estimate = valueAtRank(le, raw, q * (raw[raw.length - 1] as number), highestFinite);
  const tail = (1 - confidence) / 2;
  // Largest r in [0, n] with P(B ≤ r − 1) ≤ α/2 (r = 0 always qualifies).
  let good = 0;
  let bad = n + 1;
  while (bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (binomialCdf(mid - 1, n, q) <= tail) good = mid;
    else bad = mid;
  }
  const r = good;
  // Smallest s in [1, n + 1] with P(B ≥ s) ≤ α/2 (s = n + 1 always qualifies).
  bad = 0;
  good = n + 1;
  while (good - bad > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (binomialSurvival(mid, n, q) <= tail) good = mid;
    else bad = mid;
  }
  const s = good;
  const floor = Math.min(0, le[0] as number);
  const low = r === 0 ? floor : valueAtRank(le, counts, r, highestFinite);
  const high = s > n ? Number.POSITIVE_INFINITY : valueAtRank(le, counts, s, Infinity);
  return { low: Math.min(low, estimate), high: Math.max(high, estimate), estimate };
}
