/**
 * One-sided confidence bounds on a binomial proportion p from k successes in
 * n trials, at confidence c (e.g. 0.99 → α = 0.01 on that one side).
 *
 * k and n are rounded to the nearest integer first: counts from Prometheus
 * (`increase()` over a window) are extrapolated and fractional, and the
 * binomial model needs whole trials. Callers that want another rounding rule
 * should round before calling. n = 0 carries no information: lower 0, upper 1.
 */

import { betaQuantile } from "./distributions.js";

interface Trials {
  readonly k: number;
  readonly n: number;
}

function trials(k: number, n: number, confidence: number): Trials {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  }
  const kk = Math.round(k);
  const nn = Math.round(n);
  if (!(nn >= 0) || !(kk >= 0) || kk > nn || !Number.isFinite(nn)) {
    throw new RangeError(`need 0 ≤ k ≤ n (after rounding), got k = ${k}, n = ${n}`);
  }
  return { k: kk, n: nn };
}

/**
 * Exact (Clopper–Pearson) one-sided lower bound: the p at which
 * P(X ≥ k | n, p) = α, i.e. the α quantile of Beta(k, n − k + 1). 0 when k = 0.
 */
export function clopperPearsonLower(k: number, n: number, confidence: number): number {
  const t = trials(k, n, confidence);
  if (t.k === 0) return 0;
  return betaQuantile(1 - confidence, t.k, t.n - t.k + 1);
}

/**
 * Exact (Clopper–Pearson) one-sided upper bound: the p at which
 * P(X ≤ k | n, p) = α, i.e. the 1 − α quantile of Beta(k + 1, n − k). 1 when k = n.
 */
export function clopperPearsonUpper(k: number, n: number, confidence: number): number {
  const t = trials(k, n, confidence);
  if (t.k === t.n) return 1;
  return betaQuantile(confidence, t.k + 1, t.n - t.k);
}
