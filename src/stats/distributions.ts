/**
 * Special functions and distributions for the canary statistical judge.
 *
 * Pure double-precision code, no dependencies. The aim is ~1e-12 relative
 * accuracy in the ranges a canary judge meets (and in the far tails, where a
 * one-sided bound at 99.9% lives), not a full libm: the algorithms are the
 * textbook ones (Numerical Recipes' incomplete gamma/beta continued fractions,
 * Acklam's inverse normal refined by Halley steps) plus Stirling-series terms
 * wherever a naive log-gamma difference would cancel catastrophically.
 */

const LN_SQRT_PI = 0.5723649429247001; // ln(√π)
const LN_SQRT_2PI = 0.9189385332046728; // ln(√(2π))
const SQRT_2PI = 2.5066282746310002;
const EPS = 1e-16;
const TINY = 1e-300; // Lentz's guard against division by zero

// ---------------------------------------------------------------- log-gamma

/** Lanczos (g = 7, n = 9) coefficients, as published by Godfrey / used in many libms. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/**
 * Stirling-series remainder δ(x) = lnΓ(x) − [(x − ½)ln x − x + ln√(2π)], x ≥ 10.
 * Kept separate so that differences of log-gammas of huge arguments can be
 * formed without subtracting two ~1e8 numbers (see `logBeta`).
 */
function stirlingRemainder(x: number): number {
  const r = 1 / (x * x);
  // Bernoulli terms B₂ₖ / (2k(2k−1) x^(2k−1)); the 8th term is < 1e-17 at x = 10.
  return (
    (1 / 12 -
      r *
        (1 / 360 -
          r * (1 / 1260 - r * (1 / 1680 - r * (1 / 1188 - r * (691 / 360360 - r * (1 / 156))))))) /
    x
  );
}

/** ln Γ(x) for x > 0 (NaN otherwise). */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return x;
  if (x >= 10) return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + stirlingRemainder(x);
  if (x < 0.5) {
    // Reflection keeps Lanczos in its accurate range; Γ(x)Γ(1−x) = π / sin(πx).
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** lnΓ(a + b) − lnΓ(a) for a ≥ 10, without cancelling two huge numbers. */
function logGammaRatio(a: number, b: number): number {
  return (
    (a - 0.5) * Math.log1p(b / a) +
    b * Math.log(a + b) -
    b +
    stirlingRemainder(a + b) -
    stirlingRemainder(a)
  );
}

/** ln B(a, b) = lnΓ(a) + lnΓ(b) − lnΓ(a + b). */
function logBeta(a: number, b: number): number {
  const big = Math.max(a, b);
  const small = Math.min(a, b);
  if (big < 10) return logGamma(a) + logGamma(b) - logGamma(a + b);
  return logGamma(small) - logGammaRatio(big, small);
}

/**
 * ln[xᵃ(1−x)ᵇ / B(a,b)], the prefactor of the incomplete beta continued
 * fraction. For a, b ≥ 10 the naive form subtracts numbers of size a·ln a
 * (1.6e8 at a = 1e7) and would lose ~8 digits, so it is rewritten around the
 * mean a/(a+b) with log1p (the "deviance" form used by Boost and R's dbinom).
 */
function logBetaPrefactor(x: number, a: number, b: number): number {
  const y = 1 - x;
  if (Math.min(a, b) < 10) return a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
  const s = a + b;
  // ln(x·s/a) and ln(y·s/b): log1p of the small deviation near the mean,
  // a plain log far from it (where log1p's argument would be near −1).
  const dx = (x * b - y * a) / a;
  const dy = (y * a - x * b) / b;
  const lnX = Math.abs(dx) < 0.5 ? Math.log1p(dx) : Math.log(x) + Math.log(s / a);
  const lnY = Math.abs(dy) < 0.5 ? Math.log1p(dy) : Math.log1p(-x) + Math.log(s / b);
  return (
    a * lnX +
    b * lnY +
    0.5 * Math.log((a * b) / s) -
    LN_SQRT_2PI -
    stirlingRemainder(a) -
    stirlingRemainder(b) +
    stirlingRemainder(s)
  );
}

// ---------------------------------------------------------------- normal

/**
 * Q(½, x) = Γ(½, x)/Γ(½) (upper regularized incomplete gamma at a = ½), which
 * is erfc(√x). Series below x = 1.5, Lentz continued fraction above (NR §6.2):
 * both keep *relative* accuracy, so far normal tails stay accurate.
 */
function upperGammaHalf(x: number): number {
  if (x <= 0) return 1;
  const front = -x + 0.5 * Math.log(x) - LN_SQRT_PI;
  if (x < 1.5) {
    let ap = 0.5;
    let term = 1 / ap;
    let sum = term;
    for (let i = 0; i < 1000 && Math.abs(term) > Math.abs(sum) * EPS; i++) {
      ap += 1;
      term *= x / ap;
      sum += term;
    }
    return 1 - sum * Math.exp(front);
  }
  let b = x + 0.5;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - 0.5);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(front) * h;
}

/** Standard normal CDF Φ(z). Accurate in relative terms in the lower tail. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return z;
  const tail = 0.5 * upperGammaHalf((z * z) / 2); // = Φ(−|z|)
  return z < 0 ? tail : 1 - tail;
}

// Acklam's rational approximation (relative error 1.15e-9), refined below.
const ACKLAM_A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
  -3.066479806614716e1, 2.506628277459239,
];
const ACKLAM_B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
  -1.328068155288572e1,
];
const ACKLAM_C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
];
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

function poly(coefficients: readonly number[], x: number): number {
  let r = 0;
  for (const c of coefficients) r = r * x + c;
  return r;
}

/** Acklam's lower-half approximation, p ≤ 0.5. */
function acklamLower(p: number): number {
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(ACKLAM_C, q) / (poly(ACKLAM_D, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(ACKLAM_A, r) * q) / (poly(ACKLAM_B, r) * r + 1);
}

/**
 * Standard normal quantile Φ⁻¹(p): Acklam's approximation polished by Halley
 * steps against `normalCdf` (≈1e-15 relative). Works on the lower half only
 * and mirrors, because 1 − p is exact for p ≥ ½ but Φ(x) − p is not in the
 * upper tail.
 */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p > 0.5) return -normalQuantile(1 - p);
  let x = acklamLower(p);
  for (let i = 0; i < 3; i++) {
    const e = normalCdf(x) - p;
    const u = e * SQRT_2PI * Math.exp((x * x) / 2); // e / φ(x)
    const next = x - u / (1 + (x * u) / 2);
    if (!Number.isFinite(next) || next === x) break;
    x = next;
  }
  return x;
}

// ---------------------------------------------------------------- beta

/** Modified Lentz evaluation of the incomplete beta continued fraction (NR §6.4). */
function betaContinuedFraction(x: number, y: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  // 1 − (a+b)x/(a+1); for x near 1 and large a that cancels six or more digits,
  // so there use the equal ((1−b) + (a+b)(1−x))/(a+1) instead.
  let d = x > 0.5 ? (1 - b + qab * y) / qap : 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  // Needs O(√max(a,b)) terms near the mean; the cap is generous for a, b ≤ 1e9.
  const maxIterations = 1000 + 20 * Math.ceil(Math.sqrt(Math.max(a, b)));
  for (let m = 1; m <= maxIterations; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/**
 * [I_x(a,b), 1 − I_x(a,b)], each computed directly in the branch where it is
 * the small one, so both keep relative accuracy (quantiles near 0 and near 1
 * need that).
 */
function incompleteBetaPair(x: number, a: number, b: number): [number, number] {
  if (x <= 0) return [0, 1];
  if (x >= 1) return [1, 0];
  const logFront = logBetaPrefactor(x, a, b);
  if (x < (a + 1) / (a + b + 2)) {
    const lower = (Math.exp(logFront) * betaContinuedFraction(x, 1 - x, a, b)) / a;
    return [lower, 1 - lower];
  }
  const upper = (Math.exp(logFront) * betaContinuedFraction(1 - x, x, b, a)) / b;
  return [1 - upper, upper];
}

/** Regularized incomplete beta I_x(a, b), a, b > 0 (NaN otherwise). */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0) || Number.isNaN(x)) return Number.NaN;
  return incompleteBetaPair(x, a, b)[0];
}

/**
 * Solves I_x(a, b) = p for x in (0, ½], given p and 1 − p separately (so
 * either can be tiny without rounding) and knowing I_½(a, b) ≥ p.
 *
 * Bracketed Newton iteration on (ln x, ln T), T being whichever of I and 1 − I
 * is matched against the smaller of p and 1 − p: in the left tail I behaves
 * like a power of x, for which that Newton step is exact, so x = 1e-300 is
 * reached as fast as x = 0.3. Steps leaving the bracket, or not halving the
 * error, fall back to bisection, geometric while the bracket spans orders of
 * magnitude, so convergence never depends on the starting guess.
 */
function solveBetaBelowHalf(p: number, pComplement: number, a: number, b: number): number {
  const useUpper = p > 0.5;
  const logTarget = Math.log(useUpper ? pComplement : p);
  const lbeta = logBeta(a, b);
  let lo = 0;
  let hi = 0.5;
  let x: number;
  if (Math.min(a, b) > 5) {
    // Normal approximation to the beta distribution.
    const s = a + b;
    x = a / s + normalQuantile(p) * Math.sqrt((a * b) / (s * s * (s + 1)));
  } else {
    // Left tail: I_x ≈ xᵃ / (a·B(a,b)).
    x = Math.exp((Math.log(p) + Math.log(a) + lbeta) / a);
  }
  if (!(x > 0 && x < hi)) x = hi / 2;
  let lastError = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 400; i++) {
    const [lower, upper] = incompleteBetaPair(x, a, b);
    const tail = useUpper ? upper : lower;
    // Compare in the tail that holds the precision (1 − 1e-51 rounds to 1).
    if (useUpper ? upper > pComplement : lower < p) lo = x;
    else hi = x;
    const error = Math.log(tail) - logTarget;
    if (Math.abs(error) < 1e-14) return x;
    // d ln I / d ln x = x·f(x) / I, f the beta density; d ln(1−I) / d ln x = −x·f(x) / (1−I).
    const logDensity = (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lbeta;
    const slope = Math.exp(Math.log(x) + logDensity - Math.log(tail)) * (useUpper ? -1 : 1);
    let next = Math.exp(Math.log(x) - error / slope);
    if (!(next > lo && next < hi) || Math.abs(error) > 0.5 * lastError) {
      const floor = Math.max(lo, Number.MIN_VALUE);
      next = hi / floor > 4 ? Math.sqrt(floor) * Math.sqrt(hi) : lo + (hi - lo) / 2;
    }
    lastError = Math.abs(error);
    if (next === x || next <= lo || next >= hi) return x;
    x = next;
  }
  return x;
}

/**
 * Quantile of the Beta(a, b) distribution: the x with I_x(a, b) = p.
 * Robust for a, b in 1e-3..1e7 and p down to ~1e-300 from either end.
 */
export function betaQuantile(p: number, a: number, b: number): number {
  if (!(a > 0 && b > 0) || Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return 0;
  if (p === 1) return 1;
  // Solve for whichever of x and 1 − x is below ½, so the answer keeps its
  // relative precision (1 − (1 − x) would lose a tiny x).
  const [half] = incompleteBetaPair(0.5, a, b);
  if (p <= half) return solveBetaBelowHalf(p, 1 - p, a, b);
  return 1 - solveBetaBelowHalf(1 - p, p, b, a);
}

/**
 * P(X ≤ k) for X ~ Binomial(n, p), via P(X ≤ k) = 1 − I_p(k + 1, n − k).
 * k is floored (the CDF is a step function); n must be a non-negative integer.
 */
export function binomialCdf(k: number, n: number, p: number): number {
  if (!(n >= 0) || !Number.isInteger(n) || !(p >= 0 && p <= 1) || Number.isNaN(k)) {
    return Number.NaN;
  }
  const j = Math.floor(k);
  if (j < 0) return 0;
  if (j >= n) return 1;
  // = 1 − I_p(k+1, n−k); taking p itself avoids rounding 1 − p for tiny p.
  return incompleteBetaPair(p, j + 1, n - j)[1];
}

/** P(X ≥ k) for X ~ Binomial(n, p) = I_p(k, n − k + 1); accurate when small. */
export function binomialSurvival(k: number, n: number, p: number): number {
  if (!(n >= 0) || !Number.isInteger(n) || !(p >= 0 && p <= 1) || Number.isNaN(k)) {
    return Number.NaN;
  }
  const j = Math.ceil(k);
  if (j <= 0) return 1;
  if (j > n) return 0;
  return incompleteBetaPair(p, j, n - j + 1)[0];
}
