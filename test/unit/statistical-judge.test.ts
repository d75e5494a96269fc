/** The statistical judge, one row per situation the issue names. */
import { expect } from "chai";
import type { Evidence, VersionEvidence } from "../../src/analysis/evidence.js";
import { judge } from "../../src/analysis/judge.js";
import { normalCdf } from "../../src/stats/index.js";
import { makeRollout, makeSpec, type SpecDoc } from "../support/make-spec.js";

const EDGES = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** n requests with lognormal latency (median, σ 0.4) as bucket RATES over a 1 m window, as Prometheus' rate() gives them. */
function version(n: number, errors: number, medianMs: number): VersionEvidence {
  const cdf = (x: number) => normalCdf(Math.log(x / medianMs) / 0.4);
  return {
    source: { total: n, errors },
    destination: { total: n, errors },
    latencyBuckets: [
      ...EDGES.map((le) => ({ le, count: Math.round(n * cdf(le)) / 60 })),
      { le: Number.POSITIVE_INFINITY, count: n / 60 },
    ],
  };
}

function evidence(canary: VersionEvidence, stable: VersionEvidence): Evidence {
  return { at: 60_000, canary, stable, custom: {} };
}

function analysis(over: SpecDoc = {}) {
  return makeRollout(
    makeSpec({
      spec: {
        analysis: {
          window: "1m",
          minRequests: 50,
          sla: { latency: { quantile: 0.99, maxMs: 250 }, errorRate: { max: 0.01 } },
          ...over,
        },
      },
    }),
  ).analysis;
}

const healthyStable = version(9000, 18, 40);

interface Row {
  readonly name: string;
  readonly evidence: Evidence;
  readonly analysis?: SpecDoc;
  readonly kind: string;
  /** Substrings of the reason or of a measurement's detail. */
  readonly says?: string[];
}

const ROWS: Row[] = [
  {
    name: "healthy canary, plenty of traffic",
    evidence: evidence(version(1000, 2, 40), healthyStable),
    kind: "healthy",
  },
  {
    name: "2 of 120 failed (1.67 % > 1 %) is not a breach: not proven, not worse than the stable",
    evidence: evidence(version(120, 2, 40), healthyStable),
    kind: "inconclusive",
    // Given 20 failures in all, P(≥ 2 among the canary's share s = 120/9120) = 1 − (1−s)^20 − 20s(1−s)^19 = 0.0281.
    says: ["P(≥ 2 of 20 failures in the canary's 1.32% share) = 0.0281"],
  },
  {
    name: "latency regression: above the SLA and slower than the stable",
    evidence: evidence(version(1000, 2, 400), healthyStable),
    kind: "breach",
    says: ["Mann–Whitney", "ratio"],
  },
  {
    name: "slowdown of both versions holds (mode both)",
    evidence: evidence(version(1000, 2, 400), version(9000, 18, 400)),
    kind: "inconclusive",
    says: ["not significantly worse than the stable"],
  },
  {
    name: "slowdown of both versions rolls back in absolute mode",
    evidence: evidence(version(1000, 2, 400), version(9000, 18, 400)),
    analysis: { sla: { mode: "absolute", latency: { maxMs: 250 } } },
    kind: "breach",
  },
  {
    name: "error regression: 3 % against 0.2 %",
    evidence: evidence(version(1000, 30, 40), healthyStable),
    kind: "breach",
    says: ["30 of 1000 failed", "+2.80 pp > 0.50 pp"],
  },
  {
    name: "too few requests to see a p99: inconclusive, never healthy",
    evidence: evidence(version(60, 0, 40), healthyStable),
    kind: "inconclusive",
    says: ["60 latency observations, 100 needed for p99"],
  },
  {
    name: "fewer than minRequests is no data",
    evidence: evidence(version(40, 0, 40), healthyStable),
    kind: "nodata",
  },
  {
    name: "relative mode: slower than the stable though within the SLA",
    evidence: evidence(version(1000, 2, 80), healthyStable),
    analysis: { sla: { mode: "relative", latency: { maxMs: 250 } } },
    kind: "breach",
  },
  {
    name: "no stable traffic (canary at 100 %): judged as absolute, above with confidence",
    evidence: evidence(version(1000, 2, 400), version(0, 0, 40)),
    kind: "breach",
    says: ["no stable traffic to compare"],
  },
  {
    name: "no stable traffic, above the SLA but not proven on 120 requests",
    evidence: evidence(version(120, 0, 110), version(0, 0, 40)),
    kind: "inconclusive",
    says: ["not with confidence"],
  },
  {
    name: "threshold judge keeps 0.1's behaviour: 2 of 120 is a breach",
    evidence: evidence(version(120, 2, 40), healthyStable),
    analysis: { judge: "threshold" },
    kind: "breach",
  },
];

describe("statistical judge", () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const result = judge(analysis(row.analysis), row.evidence);
      expect(result.kind, JSON.stringify(result, null, 1)).to.equal(row.kind);
      const text = [result.reason ?? "", ...result.measurements.map((m) => m.detail ?? "")].join(
        " | ",
      );
      for (const s of row.says ?? []) expect(text, text).to.include(s);
    });
  }

  it("explains a latency breach with the arithmetic a person can check", () => {
    const result = judge(analysis(), evidence(version(1000, 2, 400), healthyStable));
    const latency = result.measurements.find((m) => m.metric === "p99 latency");
    // Counts (bucket rate × 60 s), the bound on the share above the SLA, the interval, and the comparison.
    expect(latency?.detail).to.match(
      /^\d+ of 1000 above 250 ms, P\(> 250 ms\) ≥ [\d.]+% at 99%; 99% interval \d+ ms–\d+ ms; vs stable p99 \d+ ms \(9000 requests\): ratio [\d.]+× > 1\.20×, Mann–Whitney U \d+, z [\d.]+, p (< 1e-300|[\d.e+-]+), P\(canary slower\) 1\.00$/,
    );
  });
});
