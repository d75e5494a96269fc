/**
 * The Grafana dashboard's queries against real data. Grafana does not run
 * here, so the test does what a panel does: substitute the dashboard's
 * variables and run each target as a range query over the time the watchdog
 * ran, against a real Prometheus scraping a real `meshcanary watch` (and the
 * traffic simulator, the stand-in for the mesh) that rolls back a canary
 * which turns slow.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { PrometheusClient } from "../../src/prometheus/client.js";
import type { Series } from "../../src/prometheus/metrics-source.js";
import { startCli } from "../support/cli.js";
import { DEPLOY } from "../support/deploy-build.js";
import { freePort } from "../support/free-port.js";
import { fastSpec } from "../support/rollout-repo.js";
import {
  decisionSubjects,
  type Harness,
  HEALTHY,
  startHarness,
  waitFor,
} from "../support/watchdog-harness.js";

interface Panel {
  readonly title: string;
  readonly targets: readonly { readonly expr: string; readonly legendFormat: string }[];
}
interface Dashboard {
  readonly panels: readonly Panel[];
  readonly templating: {
    readonly list: readonly { name: string; type: string; definition?: string }[];
  };
}

const dashboard = JSON.parse(
  readFileSync(join(DEPLOY, "base", "dashboard.json"), "utf8"),
) as Dashboard;

/** Grafana's variables as Grafana would fill them here (1 s scrapes make 1m a safe rate interval). */
function substitute(expr: string, job: string): string {
  const filled = expr.replaceAll("$__rate_interval", "1m").replaceAll("$job", job);
  const left = /\$\{?\w+/.exec(filled);
  if (left !== null) throw new Error(`unknown Grafana variable ${left[0]} in ${expr}`);
  return filled;
}

describe("deploy/ Grafana dashboard against a running watchdog", function () {
  this.timeout(180_000);
  let h: Harness | undefined;
  let stopWatchdog: (() => Promise<unknown>) | undefined;
  after(async () => {
    await stopWatchdog?.();
    await h?.close();
  });

  it("every panel's query returns series once the watchdog has rolled a canary back", async () => {
    const port = await freePort();
    h = await startHarness({
      spec: fastSpec({ analysis: { promoteAfter: 1000 } }),
      versions: HEALTHY,
      extraTargets: [`127.0.0.1:${port}`],
    });
    const harness = h;
    const startMs = Date.now();
    const w = startCli(
      [
        "watch",
        "--repo",
        harness.remote.bare,
        "--prometheus",
        harness.prom.url,
        "--interval",
        "1s",
        "--listen",
        `127.0.0.1:${port}`,
      ],
      harness.remote.root,
    );
    stopWatchdog = () => {
      w.child.kill("SIGTERM");
      return w.exited;
    };
    // Prometheus sees the counter at 0 before the canary goes bad, as it
    // would in a cluster where the watchdog has run for a while.
    await harness.prom.waitForSeries(
      'meshcanary_decisions_by_action_total{action="rollback"} == 0',
      30_000,
    );
    harness.sim.setBehaviour("v2", { latencyMedianMs: 400 });
    await waitFor(
      "a rollback commit",
      () => decisionSubjects(harness).some((s) => s.startsWith("rollback ")),
      60_000,
    );
    // Prometheus has scraped the rollback a few times (so a range query's
    // 1 s steps land on it), and enough cycles for a 1m rate.
    await harness.prom.waitForSeries(
      'count_over_time(meshcanary_decisions_total{action="rollback"}[1m]) >= 3',
      30_000,
    );
    await harness.prom.waitForSeries("count_over_time(meshcanary_cycles_total[1m]) >= 5", 30_000);

    // The job variable's own query: label_values(meshcanary_cycles_total, job).
    const jobVariable = dashboard.templating.list.find((v) => v.name === "job");
    expect(jobVariable?.definition).to.equal("label_values(meshcanary_cycles_total, job)");
    const res = await fetch(
      `${harness.prom.url}/api/v1/label/job/values?match[]=meshcanary_cycles_total`,
    );
    const jobs = ((await res.json()) as { data: string[] }).data;
    expect(jobs).to.have.length(1);
    const job = jobs[0] as string;

    const client = new PrometheusClient({ url: harness.prom.url, timeoutMs: 10_000 });
    const range = { startMs, endMs: Date.now(), stepMs: 1000 };
    const empty: string[] = [];
    const answers: string[] = [];
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const promql = substitute(target.expr, job);
        const series: Series[] = await client.queryRange(promql, range);
        const withValues = series.filter((s) => s.points.some(([, v]) => Number.isFinite(v)));
        if (withValues.length === 0) empty.push(`${panel.title}: ${promql}`);
        answers.push(`${panel.title} [${target.legendFormat}]: ${withValues.length} series`);
      }
    }
    expect(empty, answers.join("\n")).to.deep.equal([]);
    expect(answers).to.have.length(dashboard.panels.reduce((n, p) => n + p.targets.length, 0));

    // The decision panels show the rollback itself, not only zeros: increase()
    // sees the first rollback because the counter was there at 0.
    const perInterval = dashboard.panels.find((p) => p.title === "Decisions");
    const increases = await client.queryRange(
      substitute(perInterval?.targets[0]?.expr as string, job),
      range,
    );
    const rolledBack = increases.find((s) => s.labels.action === "rollback");
    expect(Math.max(...(rolledBack?.points ?? []).map(([, v]) => v))).to.be.above(0);
    const totals = dashboard.panels.find((p) => p.title === "Decisions since start-up");
    const decisions = await client.queryRange(
      substitute(totals?.targets[0]?.expr as string, job),
      range,
    );
    const rollback = decisions.find((s) => s.labels.action === "rollback");
    expect(rollback?.points.at(-1)?.[1]).to.equal(1);
  });
});
