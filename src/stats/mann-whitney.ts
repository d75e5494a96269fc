/**
 * Mann–Whitney U (Wilcoxon rank-sum) test on two binned samples, e.g. the
 * canary's and the stable version's latency histograms over the same buckets.
 *
 * Inside a bin the observations cannot be told apart, so every observation in
 * a bin is tied with every other one there (midranks). With that many ties an
 * exact null distribution is out of reach; the statistic is referred to the
 * normal approximation with tie-corrected variance and a continuity
 * correction, computed exactly as R's
 * `wilcox.test(canary, stable, alternative, exact = FALSE, correct = TRUE)`
 * (R's W equals `u` below).
 */

import { normalCdf } from "./distributions.js";
import { type CumulativeBucket, cleanHistogram } from "./quantile-test.js";

export type Alternative = "greater" | "less" | "two-sided";

export interface MannWhitneyOptions {
  /** "greater": canary tends to be larger (slower). Default "two-sided", as in R. */
  readonly alternative?: Alternative;
  /** Continuity correction of ½ towards the mean. Default true, as in R. */
  readonly continuity?: boolean;
}

export interface MannWhitneyResult {
  /** #pairs (canary, stable) with canary > stable, plus ½ · #tied pairs. */
  readonly u: number;
  readonly n1: number;
  readonly n2: number;
  readonly z: number;
  readonly pValue: number;
  /** U / (n1·n2): P(canary > stable) + ½ P(tie). */
  readonly probabilityOfSuperiority: number;
  /** 2·PS − 1, in [−1, 1]. */
  readonly rankBiserial: number;
}

function wholeCounts(counts: readonly number[], name: string): number[] {
  return counts.map((count, i) => {
    if (!(count >= 0 && Number.isFinite(count))) {
      throw new RangeError(`${name}[${i}] must be a finite count ≥ 0, got ${count}`);
    }
    return Math.round(count);
  });
}

/**
 * Mann–Whitney U test on per-bin counts (NOT cumulative) over the same
 * ascending bins. Counts are rounded to whole observations first: counts from
 * Prometheus' `increase()` are fractional, and the test is about observations.
 *
 * Edge cases: an empty sample gives NaN z and p-value (nothing to compare);
 * all observations in one bin gives σ = 0 — no evidence either way, so z = 0
 * and p-value 1 for every alternative (R would return NaN here).
 */
export function mannWhitneyBinned(
  canary: readonly number[],
  stable: readonly number[],
  options: MannWhitneyOptions = {},
): MannWhitneyResult {
  if (canary.length !== stable.length) {
    throw new RangeError(`bin counts differ: ${canary.length} canary, ${stable.length} stable`);
  }
  const alternative = options.alternative ?? "two-sided";
  const continuity = options.continuity ?? true;
  const c = wholeCounts(canary, "canary");
  const s = wholeCounts(stable, "stable");
  let n1 = 0;
  let n2 = 0;
  let twiceU = 0; // 2U stays an exact integer
  let ties = 0; // Σ (t³ − t) over bins
  for (let i = 0; i < c.length; i++) {
    const ci = c[i] as number;
    const si = s[i] as number;
    twiceU += ci * (2 * n2 + si); // n2 so far = stable observations in lower bins
    n1 += ci;
    n2 += si;
    const t = ci + si;
    ties += t * t * t - t;
  }
  const u = twiceU / 2;
  if (n1 === 0 || n2 === 0) {
    const nan = Number.NaN;
    return { u, n1, n2, z: nan, pValue: nan, probabilityOfSuperiority: nan, rankBiserial: nan };
  }
  const pairs = n1 * n2;
  const probabilityOfSuperiority = u / pairs;
  const rankBiserial = 2 * probabilityOfSuperiority - 1;
  const total = n1 + n2;
  const variance = (pairs / 12) * (total + 1 - ties / (total * (total - 1)));
  // All in one bin makes the bracket (N+1) − (N³−N)/(N(N−1)) exactly 0, up to rounding.
  if (!(variance > 1e-9 * (pairs / 12) * (total + 1))) {
    return { u, n1, n2, z: 0, pValue: 1, probabilityOfSuperiority, rankBiserial };
  }
  const deviation = u - pairs / 2;
  let correction = 0;
  if (continuity) {
    if (alternative === "two-sided") correction = 0.5 * Math.sign(deviation);
    else correction = alternative === "greater" ? 0.5 : -0.5;
  }
  const z = (deviation - correction) / Math.sqrt(variance);
  let pValue: number;
  if (alternative === "less") pValue = normalCdf(z);
  else if (alternative === "greater") pValue = normalCdf(-z);
  else pValue = Math.min(1, 2 * Math.min(normalCdf(z), normalCdf(-z)));
  return { u, n1, n2, z, pValue, probabilityOfSuperiority, rankBiserial };
}

/**
 * Per-bin whole counts from a cumulative histogram (sorted by `le`, made
 * monotonic and rounded as in `cleanHistogram`), in ascending `le` order.
 * Canary and stable histograms must share the same bucket bounds for the
 * result to line up; `binEdges` returns the bounds to check that.
 */
export function binsFromCumulative(buckets: readonly CumulativeBucket[]): number[] {
  const { counts } = cleanHistogram(buckets);
  return counts.map((count, i) => count - (i === 0 ? 0 : (counts[i - 1] as number)));
}

/** The ascending, de-duplicated `le` bounds `binsFromCumulative` uses. */
export function binEdges(buckets: readonly CumulativeBucket[]): number[] {
  return [...cleanHistogram(buckets).le];
}
