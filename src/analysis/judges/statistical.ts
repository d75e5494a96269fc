/**
 * The statistical judge: a breach only with confidence, health only on enough
 * evidence, and "inconclusive" (hold) in between. It reads the same evidence
 * as the threshold judge, as counts: the window's latency histogram (bucket
 * rates × window, rounded to whole requests; `increase()` extrapolates a
 * little, so counts are approximate by a fraction of a scrape) and request
 * and 5xx counts.
 *
 * Per SLA metric:
 * - absolute: is the canary above the SLA with confidence? Error rate: the
 *   one-sided Clopper–Pearson lower bound on its 5xx share is above `max`.
 *   Latency: the lower bound on P(latency > maxMs) is above 1 − q, i.e. the
 *   q-quantile is above maxMs (the order-statistic argument, see
 *   stats/quantile-test.ts). A maxMs inside a bucket is judged by linear
 *   interpolation inside it, as `histogram_quantile` does (validation warns).
 * - relative: is the canary worse than the stable? For latency a one-sided
 *   Mann–Whitney test on the two binned distributions (ties corrected); for
 *   errors the exact conditional binomial test (failures are too rare for a
 *   normal approximation). Significant at 1 − confidence, and an effect beyond
 *   the allowance: the SLA-quantile ratio above 1 + maxIncrease, or the
 *   error-rate difference above maxIncrease.
 * - sla.mode decides what a breach takes: `both` (default) the canary's
 *   figure above the SLA and worse than the stable, so a slowdown that hits
 *   both versions holds; `absolute` above with confidence; `relative` worse.
 *   Without stable traffic (e.g. at 100 %) both and relative judge as absolute.
 *
 * A metric passes when the canary's figure is within the SLA (and, in
 * relative mode, it is not worse) on enough evidence: at least
 * 1/(1 − q) latency observations (fewer cannot show the q-quantile: the p99
 * of 50 requests is their maximum) and 1/max requests (fewer cannot show an
 * error rate of max). Anything else is inconclusive, never healthy.
 */

import type { Analysis } from "../../rollout/types.js";
import {
  binEdges,
  binomialSurvival,
  binsFromCumulative,
  clopperPearsonLower,
  mannWhitneyBinned,
  quantileExceedance,
  quantileInterval,
} from "../../stats/index.js";
import {
  type Evidence,
  type Judge,
  type Measurement,
  type SlaJudgement,
  type VersionEvidence,
  versionCounts,
} from "../evidence.js";
import { formatLevel, formatMs, formatRatio } from "../format.js";
import { bucketQuantile, quantileLabel } from "../histogram.js";

type Verdict = "breach" | "pass" | "unsure";
type MetricJudgement = SlaJudgement & { readonly verdict: Verdict };

/** Bucket rates (per second) over the window as whole-request counts. */
function bucketCounts(v: VersionEvidence, windowMs: number) {
  return v.latencyBuckets.map((b) => ({
    le: b.le,
    count: Math.round((b.count * windowMs) / 1000),
  }));
}

/** A p-value as text; below double precision's range (z beyond ~37) it is only bounded. */
const pValue = (p: number) => (p === 0 ? "< 1e-300" : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

function latencyJudgement(analysis: Analysis, evidence: Evidence): MetricJudgement | undefined {
  const { quantile: q, maxMs } = analysis.sla.latency;
  if (maxMs === undefined) return undefined;
  const { confidence, windowMs } = analysis;
  const label = `${quantileLabel(q)} latency`;
  const canary = bucketCounts(evidence.canary, windowMs);
  const stable = bucketCounts(evidence.stable, windowMs);
  const estimate = bucketQuantile(q, canary);
  const measurement = (breached: boolean, detail: string): Measurement => ({
    metric: label,
    value: estimate,
    unit: "ms",
    threshold: maxMs,
    bound: "max",
    breached,
    detail,
  });
  const abs = quantileExceedance(canary, q, maxMs, confidence);
  const needed = Math.ceil(1 / (1 - q));
  if (!Number.isFinite(estimate) || abs.n < needed) {
    return {
      measurement: measurement(
        false,
        `${abs.n} latency observations < ${needed} needed to see a ${quantileLabel(q)}`,
      ),
      verdict: "unsure",
      why: `${abs.n} latency observations, ${needed} needed for ${quantileLabel(q)}`,
    };
  }
  const interval = quantileInterval(canary, q, confidence);
  const level = formatLevel(confidence);
  const absText =
    `${abs.above} of ${abs.n} above ${formatMs(maxMs)}${abs.interpolated ? " (interpolated in its bucket)" : ""}, ` +
    `P(> ${formatMs(maxMs)}) ≥ ${formatRatio(abs.pAboveLower)} at ${level}; ${level} interval ${formatMs(interval.low)}–${formatMs(interval.high)}`;
  const stableEstimate = bucketQuantile(q, stable);
  const stableN = stable.length === 0 ? 0 : Math.max(...stable.map((b) => b.count));
  const comparable =
    stableN >= needed &&
    Number.isFinite(stableEstimate) &&
    JSON.stringify(binEdges(canary)) === JSON.stringify(binEdges(stable));
  let worse: boolean | undefined;
  let relText = "no stable traffic to compare";
  if (comparable) {
    const mw = mannWhitneyBinned(binsFromCumulative(canary), binsFromCumulative(stable), {
      alternative: "greater",
    });
    const ratio = stableEstimate > 0 ? estimate / stableEstimate : Number.POSITIVE_INFINITY;
    const allowed = 1 + analysis.compare.latency.maxIncrease;
    worse = mw.pValue < 1 - confidence && ratio > allowed;
    relText =
      `vs stable ${quantileLabel(q)} ${formatMs(stableEstimate)} (${stableN} requests): ratio ${ratio.toFixed(2)}× ${ratio > allowed ? ">" : "≤"} ${allowed.toFixed(2)}×, ` +
      `Mann–Whitney U ${Math.round(mw.u)}, z ${mw.z.toFixed(2)}, p ${pValue(mw.pValue)}, P(canary slower) ${mw.probabilityOfSuperiority.toFixed(2)}`;
  }
  const detail = `${absText}; ${relText}`;
  return decideMetric(analysis.sla.mode, {
    above: estimate > maxMs,
    provenAbove: abs.verdict === "above",
    worse,
    measurement,
    detail,
    what: label,
  });
}

function errorJudgement(analysis: Analysis, evidence: Evidence): MetricJudgement {
  const { confidence } = analysis;
  const max = analysis.sla.errorRate.max;
  const canary = versionCounts(evidence.canary);
  const stable = versionCounts(evidence.stable);
  const rate = canary.requests > 0 ? canary.errors / canary.requests : Number.NaN;
  const measurement = (breached: boolean, detail: string): Measurement => ({
    metric: "error rate",
    value: rate,
    unit: "ratio",
    threshold: max,
    bound: "max",
    breached,
    detail,
  });
  const needed = max > 0 ? Math.ceil(1 / max) : 1;
  if (canary.requests < needed) {
    return {
      measurement: measurement(
        false,
        `${canary.requests} requests < ${needed} needed to see ${formatRatio(max)}`,
      ),
      verdict: "unsure",
      why: `${canary.requests} requests, ${needed} needed to judge an error rate of ${formatRatio(max)}`,
    };
  }
  const level = formatLevel(confidence);
  const lower = clopperPearsonLower(canary.errors, canary.requests, confidence);
  const absText = `${canary.errors} of ${canary.requests} failed, ≥ ${formatRatio(lower)} at ${level}`;
  let worse: boolean | undefined;
  let relText = "no stable traffic to compare";
  if (stable.requests >= needed) {
    const stableRate = stable.errors / stable.requests;
    // Failures are rare: a normal approximation (Mann–Whitney on two bins is the pooled
    // two-proportion z) overstates 2 of 120 against 18 of 9000 as p 0.0003. The exact
    // conditional test does not: given K failures in all, the canary's share of them is
    // Binomial(K, n_canary / n_all) when both versions fail alike.
    const total = canary.errors + stable.errors;
    const share = canary.requests / (canary.requests + stable.requests);
    const p = binomialSurvival(canary.errors, total, share);
    const diff = rate - stableRate;
    const allowed = analysis.compare.errorRate.maxIncrease;
    worse = p < 1 - confidence && diff > allowed;
    relText =
      `vs stable ${formatRatio(stableRate)} (${stable.errors} of ${stable.requests}): difference ${diff >= 0 ? "+" : ""}${(diff * 100).toFixed(2)} pp ${diff > allowed ? ">" : "≤"} ${(allowed * 100).toFixed(2)} pp, ` +
      `exact conditional test P(≥ ${canary.errors} of ${total} failures in the canary's ${formatRatio(share)} share) = ${pValue(p)}`;
  }
  return decideMetric(analysis.sla.mode, {
    above: rate > max,
    provenAbove: lower > max,
    worse,
    measurement,
    detail: `${absText}; ${relText}`,
    what: "error rate",
  });
}

/** sla.mode's rule for one metric; without a comparison, both and relative fall back to absolute. */
function decideMetric(
  mode: Analysis["sla"]["mode"],
  m: {
    above: boolean;
    provenAbove: boolean;
    worse: boolean | undefined;
    measurement: (breached: boolean, detail: string) => Measurement;
    detail: string;
    what: string;
  },
): MetricJudgement {
  const judged = (verdict: Verdict, why?: string): MetricJudgement => ({
    measurement: m.measurement(verdict === "breach", m.detail),
    verdict,
    ...(why === undefined ? {} : { why }),
  });
  switch (m.worse === undefined ? "absolute" : mode) {
    case "absolute":
      if (m.provenAbove) return judged("breach");
      return m.above
        ? judged("unsure", `${m.what} above the SLA but not with confidence`)
        : judged("pass");
    case "relative":
      return judged(m.worse === true ? "breach" : "pass");
    case "both":
      if (!m.above) return judged("pass");
      return m.worse === true
        ? judged("breach")
        : judged(
            "unsure",
            `${m.what} above the SLA, but the canary is not significantly worse than the stable`,
          );
  }
}

export const statisticalJudge: Judge = {
  requests: (canary) => versionCounts(canary).requests,
  judgeSla: (analysis, evidence) =>
    [latencyJudgement(analysis, evidence), errorJudgement(analysis, evidence)].filter(
      (j) => j !== undefined,
    ),
};
