/** The live overview: the state kept from cycles, the page drawn from it, and the probe rules. */
import { expect } from "chai";
import fetch from "node-fetch";
import type { Decision } from "../../src/analysis/decide.js";
import type { CheckResult } from "../../src/analysis/evidence.js";
import type { RolloutOutcome } from "../../src/engine/evaluate.js";
import { type OverviewData, renderOverview } from "../../src/report/overview-page.js";
import type { CycleReport } from "../../src/watchdog/cycle.js";
import { liveness, readiness, startHealthServer } from "../../src/watchdog/http-server.js";
import { Overview } from "../../src/watchdog/overview-pages.js";
import { latestDecision, OverviewState } from "../../src/watchdog/overview-state.js";
import { Telemetry } from "../../src/watchdog/telemetry.js";
import { makeRollout, makeSpec } from "../support/make-spec.js";

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
const SEC = 1000;

function check(kind: CheckResult["kind"], at: number, latencyMs = 41): CheckResult {
  return {
    kind,
    at,
    requests: 1234,
    measurements: [
      {
        metric: "p99 latency",
        value: latencyMs,
        unit: "ms",
        threshold: 150,
        bound: "max",
        breached: latencyMs > 150,
      },
    ],
  };
}

function outcome(
  rollout: string,
  weight: number,
  decision: Decision,
  checks: CheckResult[],
): RolloutOutcome {
  const reason = decision.action === "hold" ? decision.reason : `decided at ${weight}%`;
  return { rollout, weight, decision, reason, checks };
}

function cycle(overrides: Partial<CycleReport>): CycleReport {
  return {
    rollouts: [],
    outcomes: [],
    invalid: [],
    metricsErrors: [],
    commits: [],
    decisionCommits: new Map(),
    pushed: false,
    ...overrides,
  };
}

const recommend = makeRollout(makeSpec({ spec: { traffic: { canaryWeight: 10 } } }));
const search = makeRollout(
  makeSpec({
    metadata: { name: "search", namespace: "web" },
    spec: { traffic: { canaryWeight: 0 } },
    status: {
      phase: "RolledBack",
      reason: "p99 latency 412 ms > 150 ms in 2 of 2 checks",
      lastDecision: { action: "rollback", at: new Date(T0 - 3600 * SEC).toISOString() },
    },
  }),
  "rollouts/search.yaml",
);

describe("overview state", () => {
  it("lists every rollout the cycle loaded with phase, weight and step, sorted by ns/name", () => {
    const state = new OverviewState();
    state.update(cycle({ rollouts: [search, recommend] }), T0);
    const rows = state.data(10).rollouts;
    expect(
      rows.map((r) => [r.id, r.phase, r.weight, r.step, r.steps.length, r.href]),
    ).to.deep.equal([
      ["recs/recommend", "Progressing", 10, 2, 5, "/rollouts/recs/recommend"],
      ["web/search", "RolledBack", 0, 0, 5, "/rollouts/web/search"],
    ]);
  });

  it("shows the derived phases of a person's holds: Paused from the spec, AwaitingPromotion from the decision", () => {
    const paused = makeRollout(makeSpec({ spec: { traffic: { canaryWeight: 10 }, paused: true } }));
    const manual = makeRollout(
      makeSpec({
        metadata: { name: "search", namespace: "web" },
        spec: { traffic: { canaryWeight: 100 }, analysis: { promotion: "manual" } },
      }),
      "rollouts/search.yaml",
    );
    const awaiting: Decision = {
      action: "hold",
      phase: "AwaitingPromotion",
      reason: "awaiting promotion (analysis.promotion: manual); run meshcanary promote web/search",
    };
    const state = new OverviewState();
    state.update(
      cycle({
        rollouts: [paused, manual],
        outcomes: [outcome("web/search", 100, awaiting, [check("healthy", T0 - 10 * SEC)])],
      }),
      T0,
    );
    const rows = state.data(10).rollouts;
    expect(rows.map((r) => [r.id, r.phase])).to.deep.equal([
      ["recs/recommend", "Paused"],
      ["web/search", "AwaitingPromotion"],
    ]);
    expect(rows[1]?.now).to.equal(`hold: ${awaiting.reason}`);
    const page = renderOverview(state.data(10));
    expect(page).to.contain("AwaitingPromotion");
    expect(page).to.contain("Paused");
  });

  it("keeps a rollout's newest outcome through cycles that do not evaluate it, and drops rollouts that left the repo", () => {
    const state = new OverviewState();
    const hold: Decision = { action: "hold", reason: "1 of 3 healthy checks" };
    state.update(
      cycle({
        rollouts: [recommend, search],
        outcomes: [outcome("recs/recommend", 10, hold, [check("healthy", T0 - 10 * SEC)])],
      }),
      T0,
    );
    state.update(cycle({ rollouts: [recommend, search] }), T0 + 5 * SEC);
    const row = state.data(10).rollouts[0];
    expect(row?.checks.map((c) => [c.kind, c.at, c.weight])).to.deep.equal([
      ["healthy", T0 - 10 * SEC, 10],
    ]);
    expect(row?.checks[0]?.findings).to.deep.equal([
      "p99 latency 41 ms ≤ 150 ms",
      "1234 canary requests",
    ]);
    expect(row?.now).to.equal("hold: 1 of 3 healthy checks");
    expect(state.data(10).lastCycleMs).to.equal(T0 + 5 * SEC);

    state.update(cycle({ rollouts: [search] }), T0 + 10 * SEC);
    expect(state.data(10).rollouts.map((r) => r.id)).to.deep.equal(["web/search"]);
    expect(state.rollout("recs/recommend")).to.equal(undefined);
    // Back in the repo: nothing of its earlier outcome remains.
    state.update(cycle({ rollouts: [recommend] }), T0 + 15 * SEC);
    expect(state.data(10).rollouts[0]?.checks).to.deep.equal([]);
  });

  it("shows the decision this process committed, with its commit, and the last cycle's problems", () => {
    const state = new OverviewState();
    const basis = [check("healthy", T0 - 10 * SEC), check("healthy", T0 - 20 * SEC)];
    const advance: Decision = { action: "advance", from: 10, to: 25, basis };
    state.update(
      cycle({
        rollouts: [recommend],
        outcomes: [outcome("recs/recommend", 10, advance, basis)],
        decisionCommits: new Map([["recs/recommend", "0123456789abcdef0123456789abcdef01234567"]]),
        metricsErrors: ["Prometheus query_range: HTTP 503"],
        invalid: [
          { file: "rollouts/bad.yaml", line: 3, col: 9, path: "metadata.name", message: "bad" },
        ],
      }),
      T0,
    );
    const data = state.data(10);
    expect(data.rollouts[0]?.lastDecision).to.deep.equal({
      action: "advance",
      at: T0 - 10 * SEC,
      change: "10% → 25%",
      reason: "decided at 10%",
      commit: "0123456789abcdef0123456789abcdef01234567",
      source: "watchdog",
    });
    expect(data.metricsErrors).to.deep.equal(["Prometheus query_range: HTTP 503"]);
    expect(data.invalid).to.deep.equal(["rollouts/bad.yaml:3:9: metadata.name: bad"]);
  });
});

describe("latestDecision: this process's decision or the spec's status, whichever is newer", () => {
  const basis = [check("breach", T0, 300)];
  const decided = {
    decision: { action: "rollback", from: 10, to: 0, basis } as const,
    reason: "p99 latency 300 ms > 150 ms in 1 of 1 checks",
    commit: "abc",
  };
  const withStatus = (at: number) =>
    makeRollout(
      makeSpec({
        status: {
          phase: "Progressing",
          reason: "healthy in 3 of 3 checks",
          lastDecision: { action: "advance", at: new Date(at).toISOString() },
        },
      }),
    );
  const cases: [string, ReturnType<typeof makeRollout>, typeof decided | undefined, object][] = [
    ["nothing decided, no status", recommend, undefined, {}],
    [
      "only the spec's status (after a restart)",
      withStatus(T0),
      undefined,
      { action: "advance", source: "spec", reason: "healthy in 3 of 3 checks" },
    ],
    [
      "this process's decision, the status it wrote (same time)",
      withStatus(T0),
      decided,
      { action: "rollback", source: "watchdog", commit: "abc", change: "10% → 0%" },
    ],
    [
      "a newer status (another replica or a person) wins",
      withStatus(T0 + SEC),
      decided,
      { action: "advance", source: "spec" },
    ],
  ];
  for (const [name, rollout, mine, expected] of cases) {
    it(name, () => {
      const d = latestDecision(rollout, mine);
      if (Object.keys(expected).length === 0) expect(d).to.equal(undefined);
      else expect(d).to.include(expected);
    });
  }
});

describe("overview page", () => {
  const EVIL = `<script>window.pwned=1</script>"'&`;
  function data(overrides: Partial<OverviewData> = {}): OverviewData {
    return {
      lastCycleMs: T0 - SEC,
      refreshSeconds: 10,
      metricsErrors: [],
      invalid: [],
      rollouts: [
        {
          id: "recs/recommend",
          href: "/rollouts/recs/recommend",
          phase: "Progressing",
          weight: 25,
          step: 3,
          steps: [5, 10, 25, 50, 100],
          checks: [
            {
              at: T0 - 10 * SEC,
              kind: "healthy",
              weight: 25,
              findings: ["p99 latency 41 ms ≤ 150 ms"],
            },
            { at: T0 - 20 * SEC, kind: "breach", weight: 25, findings: [] },
          ],
          now: "hold: 1 of 3 healthy checks",
          lastDecision: {
            action: "advance",
            at: T0 - 60 * SEC,
            change: "10% → 25%",
            reason: "healthy in 3 of 3 checks",
            commit: "0123456789abcdef",
            source: "watchdog",
          },
        },
      ],
      ...overrides,
    };
  }

  it("shows phase, weight, step, the newest checks, the last decision with its commit and a report link", () => {
    const page = renderOverview(data());
    expect(page).to.contain('<tr data-rollout="recs/recommend">');
    expect(page).to.contain('<a href="/rollouts/recs/recommend"><code>recs/recommend</code></a>');
    expect(page).to.contain('<td class="phase phase-Progressing">Progressing</td>');
    expect(page).to.contain('<td class="num weight">25%</td><td class="num step">3/5</td>');
    expect(page).to.contain("<li>p99 latency 41 ms ≤ 150 ms</li>");
    expect(page).to.contain('earlier: <span class="kind-breach">breach</span>');
    expect(page).to.contain('commit <code title="0123456789abcdef">0123456789ab</code>');
    expect(page).to.contain("10% → 25%");
    expect(page).to.contain('<meta http-equiv="refresh" content="10">');
    expect(page).to.contain("default-src 'none'");
    expect(page).to.contain("<title>meshcanary: 1 rollout</title>");
  });

  it("says when nothing is there yet", () => {
    const { lastCycleMs: _, ...empty } = data({ rollouts: [] });
    const page = renderOverview(empty);
    expect(page).to.contain("No cycle has finished yet.");
    expect(page).to.contain("The watchdog sees no rollout.");
    expect(page).not.to.contain("<table");
  });

  it("renders every user string inert: names, reasons, metric names, errors and spec problems", () => {
    const row = data().rollouts[0];
    if (row === undefined) throw new Error("fixture");
    const page = renderOverview(
      data({
        metricsErrors: [`query ${EVIL} failed`],
        invalid: [`rollouts/${EVIL}.yaml:1:1: metadata.name: ${EVIL}`],
        rollouts: [
          {
            ...row,
            id: EVIL,
            href: `/rollouts/${EVIL}`,
            phase: EVIL,
            checks: [{ at: T0, kind: EVIL, weight: 5, findings: [`${EVIL} 3 > 2`] }],
            now: `hold: ${EVIL}`,
            lastDecision: { action: EVIL, at: T0, reason: EVIL, commit: EVIL, source: "watchdog" },
          },
        ],
      }),
    );
    expect(page).not.to.match(/<script/i);
    expect(page).not.to.contain("window.pwned=1</");
    expect(page).to.contain("&lt;script&gt;window.pwned=1&lt;/script&gt;&quot;&#39;&amp;");
    // Attribute values cannot be left: every quote inside them is escaped.
    expect(page).to.contain(
      'href="/rollouts/&lt;script&gt;window.pwned=1&lt;/script&gt;&quot;&#39;&amp;"',
    );
    // Class names come from fixed tables, never from data.
    expect(page).to.contain('<td class="phase ">');
    expect(page.match(/<script|\son\w+=/gi)).to.equal(null);
  });

  it("is the same bytes for the same data", () => {
    expect(renderOverview(data())).to.equal(renderOverview(data()));
  });
});

describe("probes", () => {
  const STUCK_AFTER = 60 * SEC;
  const STALE_AFTER = 30 * SEC;
  const cases: [string, Parameters<typeof liveness>[0], boolean, boolean][] = [
    // name, health, live, ready
    ["starting: no beat, no cycle yet", {}, true, false],
    ["cycles succeed", { loopBeatMs: T0 - SEC, lastSuccessMs: T0 - SEC }, true, true],
    [
      "Prometheus or git failing: the loop goes on, not ready",
      { loopBeatMs: T0 - SEC, lastSuccessMs: T0 - 5 * 60 * SEC, lastError: "HTTP 503" },
      true,
      false,
    ],
    [
      "a cycle hangs past the bound: stuck",
      { loopBeatMs: T0 - STUCK_AFTER - 1, lastSuccessMs: T0 - STUCK_AFTER - 1 },
      false,
      false,
    ],
    ["a beat exactly at the bound is still alive", { loopBeatMs: T0 - STUCK_AFTER }, true, false],
  ];
  for (const [name, health, live, ready] of cases) {
    it(name, () => {
      expect(liveness(health, T0, STUCK_AFTER).ok).to.equal(live);
      expect(readiness(health, T0, STALE_AFTER).ok).to.equal(ready);
    });
  }

  it("says why: the loop's beat, the last success and the last error", () => {
    const health = { loopBeatMs: T0, lastError: "HTTP 503" };
    expect(liveness(health, T0, STUCK_AFTER).body).to.deep.equal({
      status: "ok",
      loopBeat: "2026-11-30T12:00:00.000Z",
    });
    expect(readiness(health, T0, STALE_AFTER).body).to.deep.equal({
      status: "failing",
      lastSuccess: null,
      lastError: "HTTP 503",
    });
  });
});

describe("overview pages: what a view costs", () => {
  /** A metrics stand-in that counts range queries and holds their answers until released. */
  function gatedMetrics() {
    const waiting: (() => void)[] = [];
    let open = false;
    const source = {
      rangeQueries: 0,
      query: async () => [],
      queryRange: async () => {
        source.rangeQueries++;
        if (!open) await new Promise<void>((resolve) => waiting.push(resolve));
        return [];
      },
      release: () => {
        open = true;
        for (const r of waiting.splice(0)) r();
      },
    };
    return source;
  }
  const others = ["a", "b", "c"].map((name) =>
    makeRollout(makeSpec({ metadata: { name } }), `rollouts/${name}.yaml`),
  );

  it("draws the overview once per cycle, however many look", () => {
    let now = T0;
    const overview = new Overview({
      metrics: gatedMetrics(),
      loopIntervalMs: 1000,
      now: () => now,
    });
    overview.update(cycle({ rollouts: [recommend] }));
    const first = overview.overview();
    now += 10 * SEC;
    expect(overview.overview()).to.equal(first);
    overview.update(cycle({ rollouts: [recommend, search] }));
    expect(overview.overview()).to.not.equal(first);
    expect(overview.overview()).to.contain('data-rollout="web/search"');
    expect(first).to.contain('<meta http-equiv="refresh" content="5">');
  });

  it("bounds report draws: one per rollout in flight, a few at once, each reused for a while", async () => {
    let now = T0;
    const metrics = gatedMetrics();
    const overview = new Overview({
      metrics,
      loopIntervalMs: 1000,
      now: () => now,
      maxReportDraws: 2,
      reportCacheMs: 15 * SEC,
    });
    overview.update(cycle({ rollouts: [recommend, ...others] }));
    expect(await overview.rolloutReport("recs", "nope")).to.equal(undefined);

    const one = overview.rolloutReport("recs", "recommend");
    const same = overview.rolloutReport("recs", "recommend");
    const two = overview.rolloutReport("recs", "a");
    const busy = await overview.rolloutReport("recs", "b").catch((e: Error) => e.message);
    expect(busy).to.equal("2 reports are being drawn; try again in a few seconds");
    const queriesOfTwoDraws = metrics.rangeQueries;
    metrics.release();
    const [page, samePage] = await Promise.all([one, same, two]);
    expect(page).to.contain("<title>Status of recs/recommend</title>");
    expect(samePage).to.equal(page);
    expect(metrics.rangeQueries).to.equal(queriesOfTwoDraws);

    now += 15 * SEC;
    expect(await overview.rolloutReport("recs", "recommend")).to.equal(page);
    expect(metrics.rangeQueries).to.equal(queriesOfTwoDraws);
    now += 1;
    await overview.rolloutReport("recs", "recommend");
    expect(metrics.rangeQueries).to.be.above(queriesOfTwoDraws);
  });
});

describe("the HTTP server's routes", () => {
  it("answers 500 for a page that fails to draw and goes on serving", async () => {
    const server = await startHealthServer(
      { host: "127.0.0.1", port: 0 },
      {
        telemetry: new Telemetry(),
        health: () => ({ loopBeatMs: Date.now() }),
        staleAfterMs: 1000,
        pages: {
          overview: () => {
            throw new Error("cannot draw");
          },
          rolloutReport: async () => undefined,
        },
      },
    );
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const failed = await fetch(`${base}/`);
      expect([failed.status, await failed.text()]).to.deep.equal([500, "cannot draw\n"]);
      expect((await fetch(`${base}/livez`)).status).to.equal(200);
      expect((await fetch(`${base}/rollouts/recs/recommend`)).status).to.equal(404);
      expect((await fetch(`${base}/rollouts/RECS/x%2Fy`)).status).to.equal(404);
      expect((await fetch(`${base}/livez`, { method: "POST" })).status).to.equal(405);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe("overview of a shadow", () => {
  const shadow = makeRollout(
    makeSpec({ spec: { traffic: { canaryWeight: 0, shadow: { deadline: "10m" } } } }),
  );
  const ended = (action: "advance" | "rollback", weight: number) =>
    makeRollout(
      makeSpec({
        spec: { traffic: { canaryWeight: weight, shadow: { deadline: "10m" } } },
        status: {
          phase: action === "advance" ? "Progressing" : "RolledBack",
          lastDecision: { action, at: new Date(T0).toISOString(), from: "shadow" },
        },
      }),
    );

  it("shows the phase Shadow, with its own colour", () => {
    const state = new OverviewState();
    state.update(cycle({ rollouts: [shadow] }), T0);
    const data = state.data(10);
    expect(data.rollouts.map((r) => [r.phase, r.weight, r.step])).to.deep.equal([["Shadow", 0, 0]]);
    expect(renderOverview(data)).to.contain('<td class="phase phase-Shadow">Shadow</td>');
  });

  it("names a shadow's end as its commit subject does, from the watchdog or from the spec", () => {
    const advance: Decision = {
      action: "advance",
      from: 0,
      to: 5,
      basis: [check("healthy", T0)],
      fromShadow: true,
    };
    expect(latestDecision(shadow, { decision: advance, reason: "r" } as never)?.change).to.equal(
      "shadow → 5%",
    );
    const off: Decision = {
      action: "rollback",
      from: 0,
      to: 0,
      basis: [check("nodata", T0)],
      fromShadow: true,
    };
    expect(latestDecision(shadow, { decision: off, reason: "r" } as never)?.change).to.equal(
      "shadow → off",
    );
    expect(latestDecision(ended("advance", 5), undefined)?.change).to.equal("shadow → 5%");
    expect(latestDecision(ended("rollback", 0), undefined)?.change).to.equal("shadow → off");
  });
});
