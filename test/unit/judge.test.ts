import { expect } from "chai";
import type { Evidence } from "../../src/analysis/evidence.js";
import { commitMessage, commitSubject } from "../../src/analysis/explain.js";
import { bucketQuantile, ISTIO_DURATION_BUCKETS_MS } from "../../src/analysis/histogram.js";
import { judge } from "../../src/analysis/judge.js";
import { checkTimes, latestCheckTime } from "../../src/engine/check-times.js";
import { makeRollout, makeSpec } from "../support/make-spec.js";

/** Cumulative buckets with `n` observations all at `ms`. */
function bucketsAt(ms: number, n: number) {
  return [...ISTIO_DURATION_BUCKETS_MS, Number.POSITIVE_INFINITY].map((le) => ({
    le,
    count: ms <= le ? n : 0,
  }));
}

describe("bucket quantiles (as histogram_quantile)", () => {
  const cases: [string, number, { le: number; count: number }[], number][] = [
    [
      "interpolates inside the bucket",
      0.5,
      [
        { le: 100, count: 0 },
        { le: 200, count: 10 },
        { le: Infinity, count: 10 },
      ],
      150,
    ],
    [
      "uses 0 as the first bucket's lower bound",
      0.5,
      [
        { le: 10, count: 4 },
        { le: Infinity, count: 4 },
      ],
      5,
    ],
    [
      "answers the highest finite bound in +Inf",
      0.99,
      [
        { le: 100, count: 1 },
        { le: Infinity, count: 10 },
      ],
      100,
    ],
    [
      "p99 of 100 requests split 90/10",
      0.99,
      [
        { le: 50, count: 90 },
        { le: 500, count: 100 },
        { le: Infinity, count: 100 },
      ],
      455,
    ],
    [
      "is NaN without observations",
      0.99,
      [
        { le: 100, count: 0 },
        { le: Infinity, count: 0 },
      ],
      Number.NaN,
    ],
    ["is NaN without a +Inf bucket", 0.5, [{ le: 100, count: 5 }], Number.NaN],
    [
      "repairs non-monotonic counts",
      0.5,
      [
        { le: 10, count: 6 },
        { le: 20, count: 5 },
        { le: Infinity, count: 10 },
      ],
      10 * (5 / 6),
    ],
  ];
  for (const [what, q, buckets, expected] of cases) {
    it(what, () => {
      const got = bucketQuantile(q, buckets);
      if (Number.isNaN(expected)) expect(got).to.be.NaN;
      else expect(got).to.be.closeTo(expected, 1e-9);
    });
  }
});

describe("threshold judge", () => {
  const rollout = makeRollout(
    makeSpec({
      spec: {
        analysis: {
          judge: "threshold",
          minRequests: 100,
          sla: { latency: { maxMs: 150 }, errorRate: { max: 0.01 } },
        },
      },
    }),
  );
  const evidence = (
    over: Partial<Evidence["canary"]> & { error?: string; custom?: Record<string, number> } = {},
  ): Evidence => ({
    at: 60_000,
    canary: {
      destination: { total: 1000, errors: 2 },
      source: { total: 1000, errors: 2 },
      latencyBuckets: bucketsAt(40, 1000),
      ...over,
    },
    stable: {
      destination: { total: 9000, errors: 18 },
      source: { total: 9000, errors: 18 },
      latencyBuckets: bucketsAt(40, 9000),
    },
    custom: over.custom ?? {},
    ...(over.error === undefined ? {} : { error: over.error }),
  });

  const cases: [string, Evidence, string, string[]][] = [
    ["healthy within both SLAs", evidence(), "healthy", []],
    [
      "breach on latency",
      evidence({ latencyBuckets: bucketsAt(400, 1000) }),
      "breach",
      ["p99 latency"],
    ],
    [
      "breach on server-side errors",
      evidence({ destination: { total: 1000, errors: 50 } }),
      "breach",
      ["error rate"],
    ],
    [
      "breach on caller-side 503s the server never saw (pods down)",
      evidence({ source: { total: 1000, errors: 900 }, destination: { total: 100, errors: 0 } }),
      "breach",
      ["error rate"],
    ],
    [
      "nodata under minRequests",
      evidence({ source: { total: 40, errors: 0 }, destination: { total: 40, errors: 0 } }),
      "nodata",
      [],
    ],
    [
      "nodata with no series at all",
      evidence({ source: undefined as never, destination: undefined as never }),
      "nodata",
      [],
    ],
    ["nodata when latency cannot be computed", evidence({ latencyBuckets: [] }), "nodata", []],
    ["error when a query failed", evidence({ error: "Prometheus query: timeout" }), "error", []],
  ];
  for (const [what, ev, kind, breached] of cases) {
    it(what, () => {
      const result = judge(rollout.analysis, ev);
      expect(result.kind).to.equal(kind);
      expect(result.measurements.filter((m) => m.breached).map((m) => m.metric)).to.deep.equal(
        breached,
      );
    });
  }

  it("judges custom metrics against min and max", () => {
    const withMetric = makeRollout(
      makeSpec({
        spec: {
          analysis: {
            metrics: [
              { name: "gpu", query: "avg(gpu)", max: 0.9 },
              { name: "ctr", query: "avg(ctr)", min: 0.02 },
            ],
          },
        },
      }),
    );
    const ok = judge(withMetric.analysis, evidence({ custom: { gpu: 0.5, ctr: 0.05 } }));
    expect(ok.kind).to.equal("healthy");
    const bad = judge(withMetric.analysis, evidence({ custom: { gpu: 0.95, ctr: 0.01 } }));
    expect(bad.measurements.filter((m) => m.breached).map((m) => m.metric)).to.deep.equal([
      "gpu",
      "ctr",
    ]);
    expect(
      judge(withMetric.analysis, evidence({ custom: { gpu: Number.NaN, ctr: 0.05 } })).kind,
    ).to.equal("nodata");
  });
});

describe("check times", () => {
  const analysis = makeRollout(
    makeSpec({ spec: { analysis: { interval: "10s", promoteAfter: 3, rollbackAfter: 2 } } }),
  ).analysis;

  it("sit on the interval's grid, newest first, max(promoteAfter, rollbackAfter) of them", () => {
    expect(latestCheckTime(analysis, 1_234_567)).to.equal(1_230_000);
    expect(checkTimes(analysis, 1_234_567, 0)).to.deep.equal([1_230_000, 1_220_000, 1_210_000]);
  });

  it("never reach before the step started", () => {
    expect(checkTimes(analysis, 1_234_567, 1_215_000)).to.deep.equal([1_230_000, 1_220_000]);
    expect(checkTimes(analysis, 1_234_567, 1_231_000)).to.deep.equal([]);
  });

  it("are the same for any instant within one interval (restarts and replicas agree)", () => {
    expect(checkTimes(analysis, 1_230_001, 0)).to.deep.equal(checkTimes(analysis, 1_239_999, 0));
  });
});

describe("decision commits", () => {
  const rollout = makeRollout(
    makeSpec({
      spec: { traffic: { canaryWeight: 25 }, analysis: { sla: { latency: { maxMs: 200 } } } },
    }),
  );
  const breach = (at: number, p99: number) => ({
    kind: "breach" as const,
    at,
    requests: 812,
    measurements: [
      {
        metric: "p99 latency",
        value: p99,
        unit: "ms" as const,
        threshold: 200,
        bound: "max" as const,
        breached: true,
      },
      {
        metric: "error rate",
        value: 0.002,
        unit: "ratio" as const,
        threshold: 0.01,
        bound: "max" as const,
        breached: false,
      },
    ],
  });

  it("have DESIGN.md's exact subjects", () => {
    const basis = [breach(0, 412)];
    expect(commitSubject(rollout, { action: "rollback", from: 25, to: 0, basis })).to.equal(
      "rollback recs/recommend: 25% → 0%",
    );
    expect(commitSubject(rollout, { action: "advance", from: 25, to: 50, basis })).to.equal(
      "advance recs/recommend: 25% → 50%",
    );
    expect(commitSubject(rollout, { action: "promote", from: 100, basis })).to.equal(
      "promote recs/recommend: v2 is now stable",
    );
  });

  it("say in the body what each value was against its threshold, and in how many checks", () => {
    const message = commitMessage(rollout, {
      action: "rollback",
      from: 25,
      to: 0,
      basis: [
        breach(Date.UTC(2026, 10, 20, 10, 0, 10), 412),
        breach(Date.UTC(2026, 10, 20, 10, 0, 0), 388),
      ],
    });
    expect(message).to.equal(
      [
        "rollback recs/recommend: 25% → 0%",
        "",
        "p99 latency 412 ms > 200 ms in 2 of 2 checks (rollbackAfter: 2, window 1m, interval 30s).",
        "",
        "Checks, newest first:",
        "- 2026-11-20T10:00:10.000Z breach: p99 latency 412 ms > 200 ms; error rate 0.20% ≤ 1.00%; 812 canary requests",
        "- 2026-11-20T10:00:00.000Z breach: p99 latency 388 ms > 200 ms; error rate 0.20% ≤ 1.00%; 812 canary requests",
        "",
        "Spec: rollouts/recommend.yaml",
        "",
      ].join("\n"),
    );
  });
});
