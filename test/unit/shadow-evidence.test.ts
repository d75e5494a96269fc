/**
 * Shadow evidence is never mixed with user-facing evidence: in the shadow the
 * judge sees only what the canary's own proxy reported (mirrored copies), for
 * both versions; in the shadow and in the first step after it, a check
 * judges only a window that starts after the step did.
 */
import { expect } from "chai";
import { evaluateRollouts } from "../../src/engine/evaluate.js";
import type { MetricsSource } from "../../src/prometheus/metrics-source.js";
import { makeRollout, makeSpec } from "../support/make-spec.js";
import { memoryMetrics, type VersionTraffic } from "../support/memory-repo.js";

const STARTED = Date.parse("2026-11-30T10:00:00Z");
const SEC = 1000;

function rollout(traffic: Record<string, unknown>, status?: Record<string, unknown>) {
  return makeRollout(
    makeSpec({
      spec: {
        traffic: { shadow: { deadline: "10m" }, ...traffic },
        analysis: {
          interval: "10s",
          window: "1m",
          judge: "threshold",
          minRequests: 100,
          sla: { latency: { maxMs: 150 }, errorRate: { max: 0.01 } },
        },
      },
      ...(status === undefined ? {} : { status }),
    }),
  );
}

const afterShadow = (weight: number, from?: "shadow") =>
  rollout(
    { canaryWeight: weight },
    {
      phase: "Progressing",
      stepStartedAt: new Date(STARTED).toISOString(),
      lastDecision: {
        action: "advance",
        at: new Date(STARTED).toISOString(),
        ...(from === undefined ? {} : { from }),
      },
    },
  );

async function evaluate(r: ReturnType<typeof rollout>, metrics: MetricsSource, nowMs: number) {
  const evaluation = await evaluateRollouts([r], {
    metrics,
    nowMs,
    lastChanged: new Map([[r.source.file, STARTED]]),
  });
  return evaluation.evaluated[0]?.outcome;
}

describe("shadow evidence", () => {
  // The canary's callers saw half its requests fail (a dead v2 from the callers' side);
  // its own proxy answered every request it got. The stable is healthy on both sides.
  const split: Record<string, VersionTraffic> = {
    v1: { requests: 5000, errors: 0, latencyMs: 40, source: { requests: 5000, errors: 0 } },
    v2: { requests: 400, errors: 0, latencyMs: 40, source: { requests: 1000, errors: 500 } },
  };

  it("in the shadow, judges both versions on the destination reporter only", async () => {
    const outcome = await evaluate(
      rollout({ canaryWeight: 0 }),
      memoryMetrics(split),
      STARTED + 5 * 60 * SEC,
    );
    const newest = outcome?.checks[0];
    expect(newest?.kind).to.equal("healthy");
    expect(newest?.requests).to.equal(400);
  });

  it("with users on the canary, both reporters count (the callers' 503s are a breach)", async () => {
    const outcome = await evaluate(
      afterShadow(5, "shadow"),
      memoryMetrics(split),
      STARTED + 5 * 60 * SEC,
    );
    expect(outcome?.checks[0]?.kind).to.equal("breach");
    expect(outcome?.checks[0]?.requests).to.equal(1000);
  });

  it("after shadow → 5%, no check judges a window that reaches into the shadow", async () => {
    const metrics = memoryMetrics(split);
    // 50 s after the step: every window of 1 m would reach back into the shadow.
    const early = await evaluate(afterShadow(5, "shadow"), metrics, STARTED + 50 * SEC);
    expect(early?.decision).to.deep.equal({
      action: "hold",
      reason: "no check whose window starts after the step started",
    });
    expect(metrics.ranges).to.deep.equal([]);
    // 90 s after: only the check times whose whole window lies after the step.
    const later = await evaluate(afterShadow(5, "shadow"), metrics, STARTED + 90 * SEC);
    expect(later?.checks.map((c) => (c.at - STARTED) / SEC)).to.deep.equal([90, 80, 70]);
    for (const range of metrics.ranges) expect(range.startMs - 60 * SEC).to.be.greaterThan(STARTED);
  });

  it("an ordinary step judges from its start (the clean window is the shadow's rule only)", async () => {
    const metrics = memoryMetrics(split);
    const outcome = await evaluate(afterShadow(10), metrics, STARTED + 50 * SEC);
    expect(outcome?.checks.map((c) => (c.at - STARTED) / SEC)).to.deep.equal([50, 40, 30]);
  });

  it("in the shadow, the first check comes a window after the shadow started", async () => {
    const metrics = memoryMetrics(split);
    const early = await evaluate(rollout({ canaryWeight: 0 }), metrics, STARTED + 60 * SEC);
    expect(early?.decision.action).to.equal("hold");
    expect(early?.checks).to.deep.equal([]);
    expect(early?.shadowDeadlineMs).to.equal(STARTED + 10 * 60 * SEC);
  });

  it("judges as many checks as shadow.promoteAfter asks for, and advances on them", async () => {
    const r = makeRollout(
      makeSpec({
        spec: {
          traffic: { canaryWeight: 0, shadow: { promoteAfter: 5, deadline: "10m" } },
          analysis: {
            interval: "10s",
            window: "1m",
            judge: "threshold",
            minRequests: 100,
            sla: { latency: { maxMs: 150 } },
          },
        },
      }),
    );
    const outcome = await evaluate(r, memoryMetrics(split), STARTED + 5 * 60 * SEC);
    expect(outcome?.checks).to.have.length(5);
    expect(outcome?.decision).to.deep.include({
      action: "advance",
      from: 0,
      to: 5,
      fromShadow: true,
    });
  });

  it("ends a shadow without evidence at its deadline, with the deadline's reason", async () => {
    const dead: Record<string, VersionTraffic> = {
      v1: { requests: 5000, errors: 0, latencyMs: 40, source: { requests: 5000, errors: 0 } },
    };
    const before = await evaluate(
      rollout({ canaryWeight: 0 }),
      memoryMetrics(dead),
      STARTED + 590 * SEC,
    );
    expect(before?.decision.action).to.equal("hold");
    const at = await evaluate(
      rollout({ canaryWeight: 0 }),
      memoryMetrics(dead),
      STARTED + 600 * SEC,
    );
    expect(at?.decision).to.deep.include({
      action: "rollback",
      fromShadow: true,
      deadlinePassed: true,
    });
    expect(at?.reason).to.match(
      /^no conclusive evidence in the shadow \(100% of requests mirrored\) by its deadline 10m \(last 3 checks: nodata 3\)/,
    );
  });
});
