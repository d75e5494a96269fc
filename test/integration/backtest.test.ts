/**
 * Backtest against a real Prometheus holding backfilled history: known
 * scenarios give known decisions, and the watchdog's own cycle, run over the
 * same instants against the same Prometheus and a real git remote, makes the
 * very same decisions at the very same times.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { commitSubject } from "../../src/analysis/explain.js";
import {
  type BacktestResult,
  type RolloutTimeline,
  replay,
  summarize,
} from "../../src/backtest/replay.js";
import { timelineJson, timelineReport } from "../../src/backtest/to-report.js";
import { watchSettings } from "../../src/config/watch-settings.js";
import { GitWorkingCopy } from "../../src/gitops/repo.js";
import { PrometheusClient } from "../../src/prometheus/client.js";
import { runCycle } from "../../src/watchdog/cycle.js";
import { createLogger } from "../../src/watchdog/log.js";
import {
  at,
  FROM,
  type ScenarioName,
  type ScenarioPrometheus,
  scenarioSpec,
  startScenarioPrometheus,
  TO,
} from "../support/backtest-scenarios.js";
import { runCli } from "../support/cli.js";
import { makeRollout, type SpecDoc, specYaml } from "../support/make-spec.js";
import { rolloutRemote, SPEC_PATH } from "../support/rollout-repo.js";

const iso = (ms: number) => new Date(ms).toISOString();

interface Made {
  readonly action: string;
  readonly from: number;
  readonly to: number;
  readonly at: string;
}

async function backtest(
  prom: ScenarioPrometheus,
  scenario: ScenarioName,
  overrides: { doc?: SpecDoc; spec?: SpecDoc; analysis?: SpecDoc } = {},
): Promise<BacktestResult> {
  const spec = overrides.doc ?? scenarioSpec(scenario, overrides.analysis);
  Object.assign(spec.spec as SpecDoc, overrides.spec);
  return replay([{ rollout: makeRollout(spec, SPEC_PATH), text: specYaml(spec) }], {
    metrics: new PrometheusClient({ url: prom.prometheus.url, timeoutMs: 10_000 }),
    fromMs: FROM,
    toMs: TO,
  });
}

/** A scenario's spec in its shadow phase from FROM (weight 0, `traffic.shadow` set). */
function shadowSpec(scenario: ScenarioName, shadow: SpecDoc): SpecDoc {
  const spec = scenarioSpec(scenario);
  const inner = spec.spec as SpecDoc;
  inner.traffic = { canaryWeight: 0, steps: [5, 10, 25, 50, 100], shadow };
  return spec;
}

/** The replay's decisions as the watchdog's commit subjects, each with its time of day. */
function subjects(result: BacktestResult): string[] {
  const t = result.timelines[0];
  if (t === undefined) return [];
  return t.decisions.map((d) => {
    const shadow = d.fromShadow === true ? { fromShadow: true as const } : {};
    const decision =
      d.action === "promote"
        ? { action: "promote" as const, from: d.from, basis: [] }
        : d.action === "advance"
          ? { action: "advance" as const, from: d.from, to: d.to, basis: [], ...shadow }
          : { action: "rollback" as const, from: d.from, to: 0 as const, basis: [], ...shadow };
    return `${commitSubject(t.initial, decision)} @ ${iso(d.at).slice(11, 19)}`;
  });
}

function decisions(result: BacktestResult): Made[] {
  return (result.timelines[0]?.decisions ?? []).map((d) => ({
    action: d.action,
    from: d.from,
    to: d.to,
    at: iso(d.at),
  }));
}

describe("backtest on backfilled history (real Prometheus)", function () {
  this.timeout(120_000);
  let prom: ScenarioPrometheus;
  before(async () => {
    prom = await startScenarioPrometheus();
  });
  after(async () => {
    await prom?.close();
  });

  it("promotes a healthy canary step by step, three healthy checks per step", async () => {
    const result = await backtest(prom, "healthy");
    expect(decisions(result)).to.deep.equal([
      { action: "advance", from: 5, to: 10, at: iso(at("10:11:30")) },
      { action: "advance", from: 10, to: 25, at: iso(at("10:13:00")) },
      { action: "advance", from: 25, to: 50, at: iso(at("10:14:30")) },
      { action: "advance", from: 50, to: 100, at: iso(at("10:16:00")) },
      { action: "promote", from: 100, to: 100, at: iso(at("10:17:30")) },
    ]);
    expect(result.timelines[0]?.end.phase).to.equal("Promoted");
    // After the promotion nothing is left to check: the replay stops.
    expect(result.timelines[0]?.checks.at(-1)?.at).to.equal(at("10:17:30"));
  });

  it("rolls back at the first checks after the regression that reach rollbackAfter", async () => {
    const result = await backtest(prom, "regression");
    // Slow from 10:14:00; the first scrape holding slow requests is 10:14:15, so the
    // first window to hold them ends at the check of 10:14:30; rollbackAfter 2 → 10:15:00.
    expect(decisions(result)).to.deep.equal([
      { action: "advance", from: 5, to: 10, at: iso(at("10:11:30")) },
      { action: "advance", from: 10, to: 25, at: iso(at("10:13:00")) },
      { action: "rollback", from: 25, to: 0, at: iso(at("10:15:00")) },
    ]);
    const checks = result.timelines[0]?.checks ?? [];
    expect(
      checks.filter((c) => c.at <= at("10:14:00")).every((c) => c.kind === "healthy"),
    ).to.equal(true);
    const breach = checks.find((c) => c.at === at("10:14:30"));
    expect(breach?.kind).to.equal("breach");
    expect(breach?.measurements.find((m) => m.metric === "p99 latency")?.value).to.be.above(250);
  });

  it("holds through a gap in the data and goes on after it", async () => {
    const result = await backtest(prom, "gap");
    const made = decisions(result);
    expect(made[0]).to.deep.equal({ action: "advance", from: 5, to: 10, at: iso(at("10:11:30")) });
    // No sample from 10:12:00 to 10:19:45: from 10:13:00 the 1 m window holds none.
    const inGap = (result.timelines[0]?.checks ?? []).filter(
      (c) => c.at >= at("10:13:00") && c.at <= at("10:20:00"),
    );
    expect(inGap).to.have.length(15);
    expect(inGap.every((c) => c.kind === "nodata")).to.equal(true);
    // Three healthy checks after the gap: 10:20:30, 10:21:00, 10:21:30.
    expect(made[1]).to.deep.equal({ action: "advance", from: 10, to: 25, at: iso(at("10:21:30")) });
  });

  it("replays a paused spec as holds marked Paused: no advance, no promotion", async () => {
    const result = await backtest(prom, "healthy", { spec: { paused: true } });
    const t = result.timelines[0] as BacktestResult["timelines"][number];
    expect(decisions(result)).to.deep.equal([]);
    expect(t.end).to.deep.include({ phase: "Progressing", weight: 5 });
    const held = t.checks.filter((c) => c.held !== undefined);
    // One mark per check decided, from the first check after FROM to the end.
    expect(held.length).to.be.above(30);
    expect(held.every((c) => c.held?.phase === "Paused")).to.equal(true);
    expect(held[0]?.held?.reason).to.match(/^paused \(spec\.paused\): /);
    expect(summarize(t)).to.contain(
      `The spec held it: ${held.length} check(s) held as Paused (paused (spec.paused): healthy in 3 of 3 checks, would advance`,
    );
    const report = await timelineReport(result, t);
    expect(report.checks.filter((c) => c.kind === "healthy, held: Paused")).to.have.length(
      held.length,
    );
    const json = timelineJson(result) as { rollouts: { checks: { held?: { phase: string } }[] }[] };
    expect(json.rollouts[0]?.checks.filter((c) => c.held?.phase === "Paused")).to.have.length(
      held.length,
    );
  });

  it("rolls a paused spec back on the regression all the same", async () => {
    const result = await backtest(prom, "regression", { spec: { paused: true } });
    expect(decisions(result)).to.deep.equal([
      { action: "rollback", from: 5, to: 0, at: iso(at("10:15:00")) },
    ]);
  });

  it("replays promotion: manual as advances, then holds AwaitingPromotion at the last step", async () => {
    const result = await backtest(prom, "healthy", { analysis: { promotion: "manual" } });
    expect(decisions(result).map((d) => `${d.action} ${d.to}`)).to.deep.equal([
      "advance 10",
      "advance 25",
      "advance 50",
      "advance 100",
    ]);
    const t = result.timelines[0] as BacktestResult["timelines"][number];
    expect(t.end.phase).to.equal("Progressing");
    const held = t.checks.filter((c) => c.held !== undefined);
    expect(held[0]?.at).to.equal(at("10:17:30"));
    expect(held.every((c) => c.held?.phase === "AwaitingPromotion")).to.equal(true);
    expect(summarize(t)).to.contain(
      "held as AwaitingPromotion (awaiting promotion (analysis.promotion: manual)",
    );
  });

  it("asks Prometheus once per query for the whole range", async () => {
    const result = await backtest(prom, "healthy");
    // Latency buckets and request counts: one range query each, for 20 minutes of cycles.
    expect(result.prometheusRequests).to.equal(2);
    expect(result.cycles).to.be.above(10);
  });

  describe("a shadow phase", () => {
    it("passes a healthy shadow to the first step, then judges clean windows only", async () => {
      const result = await backtest(prom, "healthy", {
        doc: shadowSpec("healthy", { deadline: "10m" }),
      });
      // The shadow's first check whose 1 m window starts after 10:10:00 is 10:11:30; three healthy
      // → shadow → 5% at 10:12:30. The first step after it again waits a whole window: 10:14:00, 10:14:30, 10:15:00.
      expect(subjects(result).slice(0, 2)).to.deep.equal([
        "advance recs/recommend: shadow → 5% @ 10:12:30",
        "advance recs/recommend: 5% → 10% @ 10:15:00",
      ]);
      const t = result.timelines[0];
      expect(t?.shadow).to.deep.equal({ fromMs: FROM, toMs: at("10:12:30"), percent: 100 });
      expect(
        t?.checks.filter((c) => c.weight === 0).map((c) => iso(c.at).slice(11, 19)),
      ).to.deep.equal(["10:11:30", "10:12:00", "10:12:30"]);
    });

    it("ends a shadow that breaches as shadow → off", async () => {
      const spec = shadowSpec("regression", { promoteAfter: 20, deadline: "20m" });
      const result = await backtest(prom, "regression", { doc: spec });
      expect(subjects(result)).to.deep.equal(["rollback recs/recommend: shadow → off @ 10:15:00"]);
      expect(result.timelines[0]?.end.phase).to.equal("RolledBack");
      expect(summarize(result.timelines[0] as RolloutTimeline)).to.match(
        /^Would have ended the shadow \(shadow → off\) at 2026-11-20T10:15:00\.000Z because p99 latency \d+ ms > 250 ms in 2 of 2 checks in the shadow/,
      );
    });

    it("ends a shadow without data at its deadline as shadow → off", async () => {
      const spec = shadowSpec("gap", { promoteAfter: 4, deadline: "5m" });
      const result = await backtest(prom, "gap", { doc: spec });
      expect(subjects(result)).to.deep.equal(["rollback recs/recommend: shadow → off @ 10:15:00"]);
      expect(result.timelines[0]?.decisions[0]?.reason).to.match(
        /^no conclusive evidence in the shadow \(100% of requests mirrored\) by its deadline 5m \(last 4 checks: nodata 4\)/,
      );
    });
  });

  /** The watchdog's own cycle over FROM..TO every 30 s on a real git remote: its commits as `subject @ time`. */
  async function cycleCommits(spec: SpecDoc): Promise<string[]> {
    const remote = rolloutRemote(spec);
    try {
      const repo = await GitWorkingCopy.open({
        remote: remote.bare,
        branch: "main",
        author: { name: "meshcanary", email: "meshcanary@localhost" },
      });
      let now = FROM;
      const deps = {
        repo,
        metrics: new PrometheusClient({ url: prom.prometheus.url, timeoutMs: 10_000 }),
        settings: (dir: string) => watchSettings(dir, {}),
        now: () => now,
        log: createLogger({ json: true, write: () => {} }),
        evaluated: new Map<string, number>(),
      };
      for (; now <= TO; now += 30_000) await runCycle(deps);
      const commits = remote.log().filter((c) => c.author.startsWith("meshcanary"));
      return commits.reverse().map((c) => {
        const at = parse(remote.show(SPEC_PATH, c.sha)).status.lastDecision.at as string;
        return `${c.subject} @ ${at.slice(11, 19)}`;
      });
    } finally {
      remote.remove();
    }
  }

  const cases: [string, ScenarioName, SpecDoc][] = [
    ...(["healthy", "regression", "gap"] as const).map((s): [string, ScenarioName, SpecDoc] => [
      s,
      s,
      scenarioSpec(s),
    ]),
    ["a shadow, healthy", "healthy", shadowSpec("healthy", { deadline: "10m" })],
    [
      "a shadow, regression",
      "regression",
      shadowSpec("regression", { promoteAfter: 20, deadline: "20m" }),
    ],
    ["a shadow, gap", "gap", shadowSpec("gap", { promoteAfter: 4, deadline: "5m" })],
  ];
  for (const [what, scenario, spec] of cases) {
    it(`decides like the watchdog's own cycle on the same history: ${what}`, async () => {
      const expected = subjects(await backtest(prom, scenario, { doc: spec }));
      const made = await cycleCommits(spec);
      expect(made).to.deep.equal(expected);
      expect(made.length).to.be.above(0);
    });
  }

  describe("the command", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "meshcanary-backtest-cli-"));
      writeFileSync(join(dir, "regression.yaml"), specYaml(scenarioSpec("regression")));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const args = (...more: string[]) => [
      "backtest",
      "regression.yaml",
      "--prometheus",
      prom.prometheus.url,
      "--from",
      iso(FROM),
      "--to",
      iso(TO),
      ...more,
    ];

    it("shows a shadow: its start, its end as shadow → 5%, and the same as JSON", () => {
      writeFileSync(
        join(dir, "shadow.yaml"),
        specYaml(shadowSpec("healthy", { percent: 50, deadline: "10m" })),
      );
      const shadowArgs = (...more: string[]) =>
        args(...more).map((a) => (a === "regression.yaml" ? "shadow.yaml" : a));
      const text = runCli(shadowArgs(), dir);
      expect(text.code, text.stderr).to.equal(0);
      expect(text.stdout).to.include(
        "recs/recommend (v1 → v2): 2026-11-20T10:10:00Z → 2026-11-20T10:30:00Z, starting in the shadow (50% mirrored)",
      );
      expect(text.stdout).to.include(
        "2026-11-20T10:12:30Z  advance shadow → 5%: healthy in 3 of 3 checks",
      );
      const json = runCli(shadowArgs("--json"), dir);
      expect(json.code, json.stderr).to.equal(0);
      const [rollout] = JSON.parse(json.stdout).rollouts;
      expect(rollout.shadow).to.deep.equal({
        from: "2026-11-20T10:10:00.000Z",
        to: "2026-11-20T10:12:30.000Z",
        percent: 50,
      });
      expect(rollout.decisions[0]).to.deep.include({ action: "advance", from: "shadow", to: 5 });
      expect(rollout.decisions[1]).to.deep.include({ action: "advance", from: 5, to: 10 });
    });

    it("prints the decisions and the summary, and the same timeline as JSON", async () => {
      const text = runCli(args(), dir);
      expect(text.code, text.stderr).to.equal(0);
      expect(text.stdout).to.include("2026-11-20T10:15:00Z  rollback 25% → 0%: p99 latency");
      expect(text.stdout).to.include("Would have rolled back at 2026-11-20T10:15:00.000Z from 25%");
      const json = runCli(args("--json"), dir);
      expect(json.code, json.stderr).to.equal(0);
      const data = JSON.parse(json.stdout);
      const [rollout] = data.rollouts;
      expect(
        rollout.decisions.map((d: { action: string; at: string }) => [d.action, d.at]),
      ).to.deep.equal([
        ["advance", "2026-11-20T10:11:30.000Z"],
        ["advance", "2026-11-20T10:13:00.000Z"],
        ["rollback", "2026-11-20T10:15:00.000Z"],
      ]);
      const breach = rollout.checks.find(
        (c: { at: string }) => c.at === "2026-11-20T10:14:30.000Z",
      );
      expect(breach.kind).to.equal("breach");
      expect(breach.measurements[0]).to.include({
        metric: "p99 latency",
        threshold: 250,
        breached: true,
      });
      expect(data.prometheusRequests).to.equal(2);
    });

    it("writes a self-contained HTML report", () => {
      const report = join(dir, "report.html");
      const r = runCli(args("--report", report), dir);
      expect(r.code, r.stderr).to.equal(0);
      const html = readFileSync(report, "utf8");
      expect(html).to.include("Would have rolled back at 2026-11-20T10:15:00.000Z");
      expect(html.match(/data-decision="rollback"/g)?.length).to.be.at.least(1);
      expect(html).to.match(/data-series="latency-canary" d="M/);
      // The canary's actual share of the recorded requests, beside its weight.
      expect(html).to.match(/data-series="share" d="M/);
      expect(html).to.match(/<td data-share="\d+\.\d">\d+\.\d%<\/td>/);
      expect(html).to.not.match(/(src|href)="https?:/);
    });

    it("exits 3 and writes no report when Prometheus cannot be reached", () => {
      const report = join(dir, "down.html");
      const r = runCli(
        [...args("--report", report)].map((a) =>
          a === prom.prometheus.url ? "http://127.0.0.1:9" : a,
        ),
        dir,
      );
      expect(r.code).to.equal(3);
      expect(r.stderr).to.match(/meshcanary: Prometheus: .*127\.0\.0\.1:9/);
      expect(existsSync(report)).to.equal(false);
    });

    it("refuses a bad time range with exit 2", () => {
      const bad = runCli(
        ["backtest", "regression.yaml", "--prometheus", prom.prometheus.url, "--from", "yesterday"],
        dir,
      );
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.include(
        "option '--from <time>' argument 'yesterday' is invalid. expected an RFC 3339 time",
      );
      const reversed = runCli(
        [
          "backtest",
          "regression.yaml",
          "--prometheus",
          prom.prometheus.url,
          "--from",
          iso(TO),
          "--to",
          iso(FROM),
        ],
        dir,
      );
      expect(reversed.code).to.equal(2);
      expect(reversed.stderr).to.include("is not before --to");
    });

    // meshcanary 0.1 exited 70 here: its spec editor could not insert a key that is absent.
    for (const [what, leaveOut] of [
      ["no traffic.canaryWeight", (t: SpecDoc) => ({ steps: t.steps })],
      ["no traffic at all", () => undefined],
    ] as const) {
      it(`replays a canary whose spec has ${what} (weight 0) from the first step`, () => {
        const spec = scenarioSpec("healthy");
        const inner = spec.spec as SpecDoc;
        const traffic = leaveOut(inner.traffic as SpecDoc);
        if (traffic === undefined) delete inner.traffic;
        else inner.traffic = traffic;
        delete spec.status;
        writeFileSync(join(dir, "no-weight.yaml"), specYaml(spec));
        const r = runCli(
          [...args("--json")].map((a) => (a === "regression.yaml" ? "no-weight.yaml" : a)),
          dir,
        );
        expect(r.code, r.stderr).to.equal(0);
        const [rollout] = JSON.parse(r.stdout).rollouts;
        expect(
          rollout.decisions.map((d: { action: string; from: number; to: number }) => [
            d.action,
            d.from,
            d.to,
          ]),
        ).to.deep.equal([
          ["advance", 5, 10],
          ["advance", 10, 25],
          ["advance", 25, 50],
          ["advance", 50, 100],
          ["promote", 100, 100],
        ]);
      });
    }

    it("refuses an invalid spec with exit 1 before asking Prometheus", () => {
      writeFileSync(
        join(dir, "broken.yaml"),
        "apiVersion: meshcanary.dev/v1alpha1\nkind: Rollout\nmetadata: {name: x}\n",
      );
      const r = runCli(
        [
          "backtest",
          "broken.yaml",
          "--prometheus",
          "http://127.0.0.1:9",
          "--from",
          iso(FROM),
          "--to",
          iso(TO),
        ],
        dir,
      );
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/broken\.yaml:\d+:\d+: /);
    });
  });
});
