/**
 * `meshcanary watch` as a process: exit codes, --dry-run, /metrics and
 * /healthz, the Argo CD call (to a stand-in server, named as such), SIGTERM,
 * and kill -9 at random moments with restarts.
 */

import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import fetch from "node-fetch";
import { runCli, startCli } from "../support/cli.js";
import { freePort } from "../support/free-port.js";
import { fastSpec } from "../support/rollout-repo.js";
import { auditOutput, auditSecret } from "../support/secrets-audit.js";
import { json, startStandIn } from "../support/stand-in-server.js";
import {
  decisionSubjects,
  type Harness,
  HEALTHY,
  startHarness,
  waitFor,
} from "../support/watchdog-harness.js";

describe("meshcanary watch (process)", function () {
  this.timeout(180_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("--once --dry-run prints the decision and writes nothing; exit 1 when a spec is invalid, others still checked", async () => {
    h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 1 } }) });
    await h.waitForFullWindow();
    h.remote.commit("a broken spec", {
      "rollouts/broken.yaml":
        "apiVersion: meshcanary.dev/v1alpha1\nkind: Rollout\nmetadata: {name: Bad}\n",
    });
    const before = h.remote.head();
    const r = runCli(
      ["watch", "--once", "--dry-run", "--repo", h.remote.bare, "--prometheus", h.prom.url],
      h.remote.root,
    );
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(
      /^recs\/recommend {3}20% {2}advance 20% → 50%: healthy in 1 of 1 checks/,
    );
    expect(r.stderr)
      .to.contain('"msg":"invalid spec skipped"')
      .and.to.contain("rollouts/broken.yaml:3:18: metadata.name: must be a DNS-1123 label");
    expect(r.stderr).to.contain('"msg":"decision (dry run, not written)"');
    expect(h.remote.head()).to.equal(before);
  });

  it("--once exits 3 when Prometheus cannot be reached, and writes nothing", async () => {
    h = await startHarness();
    await h.prom.stop();
    const r = runCli(
      [
        "watch",
        "--once",
        "--repo",
        h.remote.bare,
        "--prometheus",
        h.prom.url,
        "--query-timeout",
        "1s",
      ],
      h.remote.root,
    );
    expect(r.code).to.equal(3);
    expect(r.stdout).to.match(/hold: error: Prometheus query_range: /);
    expect(decisionSubjects(h)).to.deep.equal([]);
  });

  it("exits 3 with a clear message when the repo cannot be cloned", () => {
    const r = runCli(
      [
        "watch",
        "--once",
        "--repo",
        "/nonexistent/gitops.git",
        "--prometheus",
        "http://127.0.0.1:9",
      ],
      tmpdir(),
    );
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(
      /^meshcanary: cannot clone \/nonexistent\/gitops.git \(branch main\)/,
    );
  });

  it("serves /metrics and /healthz, calls Argo CD after a push, and never shows the token", async () => {
    const token = "argocd-secret-token-0123456789";
    auditSecret(token, "git-password-42");
    const argocd = await startStandIn((_req, res) => json(res, 200, { status: "ok" }));
    h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 2 } }) });
    const port = await freePort();
    const remote = `file://user:git-password-42@${h.remote.bare.replace(/^\//, "/")}`;
    const w = startCli(
      [
        "watch",
        "--repo",
        remote,
        "--prometheus",
        h.prom.url,
        "--interval",
        "1s",
        "--listen",
        `127.0.0.1:${port}`,
        "--argocd-url",
        argocd.url,
        "--argocd-app",
        "recs-routes",
      ],
      h.remote.root,
      { ARGOCD_AUTH_TOKEN: token },
    );
    try {
      await waitFor("an advance", () => decisionSubjects(h as Harness).length > 0, 40_000);
      await waitFor("the Argo CD call", () => argocd.requests.length > 0);
      const call = argocd.requests[0];
      expect([call?.method, call?.url, call?.headers.authorization]).to.deep.equal([
        "POST",
        "/api/v1/applications/recs-routes/sync",
        `Bearer ${token}`,
      ]);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      auditOutput("/metrics of watch with Argo CD", metrics);
      expect(metrics).to.match(/meshcanary_cycles_total\{result="ok"\} [1-9]/);
      expect(metrics).to.match(
        /meshcanary_decisions_total\{rollout="recs\/recommend",action="advance"\} 1/,
      );
      expect(metrics).to.match(/meshcanary_canary_weight\{rollout="recs\/recommend"\} (20|50)/);
      expect(metrics).to.match(
        /meshcanary_checks_total\{rollout="recs\/recommend",result="healthy"\} [1-9]/,
      );
      expect(metrics).to.match(/meshcanary_query_duration_seconds_count\{result="ok"\} [1-9]/);
      expect(metrics).to.match(/meshcanary_last_successful_cycle_timestamp_seconds \d/);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).to.equal(200);
      expect(((await health.json()) as { status: string }).status).to.equal("ok");
      for (const text of [
        metrics,
        w.output().stderr,
        w.output().stdout,
        ...h.remote.log().map((c) => c.body + c.subject),
      ]) {
        expect(text).to.not.contain(token);
        expect(text).to.not.contain("git-password-42");
      }
      // Prometheus gone: /healthz keeps answering and reports the failure once the last success is stale.
      await h.prom.stop();
      await waitFor("/metrics to count failed cycles", async () =>
        /meshcanary_cycles_total\{result="error"\} [1-9]/.test(
          await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
        ),
      );
    } finally {
      w.child.kill("SIGTERM");
      await w.exited;
      await argocd.close();
    }
  });

  it("status shows phase, weight, step, the newest check and what the watchdog would do now", async () => {
    h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 1000 } }) });
    await h.waitForFullWindow();
    const local = runCli(["status", "rollouts", "--prometheus", h.prom.url], h.remote.person);
    expect(local.code).to.equal(0);
    const lines = local.stdout.split("\n");
    expect(lines[0]).to.equal("recs/recommend  Progressing  20% (step 1/3)");
    expect(lines[1], local.stdout).to.match(
      /^ {2}last check: \S+Z healthy: p99 latency \d+ ms ≤ 150 ms \(\d+ of \d+ above 150 ms.*\); error rate [\d.]+% ≤ 5\.00% \(\d+ of \d+ failed.*\); \d+ canary requests$/,
    );
    expect(lines[2]).to.match(/^ {2}now: hold: healthy in \d+ of 1000 checks needed to advance$/);
    const remote = runCli(
      ["status", "--repo", h.remote.bare, "--prometheus", h.prom.url, "--json"],
      h.remote.root,
    );
    expect(remote.code).to.equal(0);
    const views = JSON.parse(remote.stdout) as {
      rollout: string;
      phase: string;
      weight: number;
      step: number;
      steps: number[];
    }[];
    expect(views.map((v) => [v.rollout, v.phase, v.weight, v.step, v.steps])).to.deep.equal([
      ["recs/recommend", "Progressing", 20, 1, [20, 50, 100]],
    ]);
    const report = join(h.remote.root, "status.html");
    const drawn = runCli(
      [
        "status",
        "rollouts",
        "--prometheus",
        h.prom.url,
        "--report",
        report,
        "--report-range",
        "1m",
      ],
      h.remote.person,
    );
    expect(drawn.code, drawn.stderr).to.equal(0);
    const html = readFileSync(report, "utf8");
    expect(html).to.include("Status of recs/recommend");
    expect(html).to.include("Progressing at 20%");
    expect(html).to.match(/data-series="latency-canary" d="M/);
    expect(html).to.match(/data-series="latency-stable" d="M/);
    expect(html).to.match(/data-check="healthy"/);
    expect(decisionSubjects(h)).to.deep.equal([]);
  });

  it("finishes the rollback in progress when SIGTERM arrives mid-cycle, then exits 0", async () => {
    h = await startHarness({
      spec: fastSpec({ analysis: { promoteAfter: 100, rollbackAfter: 1 } }),
      versions: { ...HEALTHY, v2: { latencyMedianMs: 40, errorRate: 1 } },
    });
    // Failures in the window that ended 1.5 s ago, so the first check the watchdog makes breaches.
    await h.prom.waitForSeries(
      'sum(rate(istio_requests_total{destination_version="v2",response_code=~"5.."}[5s] offset 1500ms)) > 0',
      30_000,
    );
    const w = startCli(
      ["watch", "--repo", h.remote.bare, "--prometheus", h.prom.url, "--interval", "1s"],
      h.remote.root,
    );
    await waitFor(
      "the watchdog to start",
      () => w.output().stderr.includes('"msg":"watching"'),
      10_000,
    );
    w.child.kill("SIGTERM");
    expect(await w.exited).to.equal(0);
    expect(decisionSubjects(h)).to.deep.equal(["rollback recs/recommend: 20% → 0%"]);
  });

  it("never shows credentials from the repo URL when git fails", () => {
    auditSecret("tok-SECRET-9");
    const r = runCli(
      [
        "watch",
        "--once",
        "--repo",
        "https://deploy:tok-SECRET-9@127.0.0.1:9/gitops.git",
        "--prometheus",
        "http://127.0.0.1:9",
      ],
      tmpdir(),
    );
    expect(r.code).to.equal(3);
    expect(r.stderr).to.contain("https://***@127.0.0.1:9/gitops.git");
    expect(r.stderr + r.stdout).to.not.contain("tok-SECRET-9");
  });

  it("stops on SIGTERM after the cycle in progress and exits 0", async () => {
    h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 100 } }) });
    const w = startCli(
      ["watch", "--repo", h.remote.bare, "--prometheus", h.prom.url, "--interval", "1s"],
      h.remote.root,
    );
    await waitFor("the watchdog to start", () => w.output().stderr.includes('"msg":"watching"'));
    w.child.kill("SIGTERM");
    // How soon it stops is bounded by the test's timeout; speed lives in bench/.
    expect(await w.exited).to.equal(0);
    expect(w.output().stderr).to.contain('"msg":"stopped"');
  });
});
