/**
 * The watchdog end to end with real parts: a real Prometheus scraping the
 * traffic simulator (the stand-in for the Istio data plane), and a real bare
 * git remote the simulator takes its weights from.
 */
import { mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { GitWorkingCopy } from "../../src/gitops/repo.js";
import { runCycle } from "../../src/watchdog/cycle.js";
import { createLogger } from "../../src/watchdog/log.js";
import { startWatchdog } from "../../src/watchdog/watchdog.js";
import { runCli, startCli } from "../support/cli.js";
import { git } from "../support/git-remote.js";
import { interceptPush } from "../support/intercept-push.js";
import { DR_PATH, fastSpec, rolloutRemote, SPEC_PATH, VS_PATH } from "../support/rollout-repo.js";
import type { VersionBehaviour } from "../support/simulator.js";
import {
  decisionSubjects,
  type Harness,
  HEALTHY,
  loop,
  loopUntilDecision,
  startHarness,
  waitFor,
} from "../support/watchdog-harness.js";

type Route = { destination: { subset: string }; weight?: number };

function remoteWeights(h: Harness): Record<string, number> {
  const vs = parse(h.remote.show(VS_PATH)) as { spec: { http: { route: Route[] }[] } };
  return Object.fromEntries(
    (vs.spec.http[0]?.route ?? []).map((r) => [r.destination.subset, r.weight ?? 100]),
  );
}

describe("watchdog with real Prometheus and git", function () {
  this.timeout(120_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("advances a healthy canary step by step and promotes it", async () => {
    h = await startHarness();
    await loopUntilDecision(h, "promote recs/recommend: v2 is now stable", 60_000);
    expect(decisionSubjects(h)).to.deep.equal([
      "advance recs/recommend: 20% → 50%",
      "advance recs/recommend: 50% → 100%",
      "promote recs/recommend: v2 is now stable",
    ]);
    const spec = h.remote.show(SPEC_PATH);
    expect(spec).to.contain(
      "# The recommend rollout (test fixture). Comments like this one must survive",
    );
    const doc = parse(spec) as { spec: Record<string, any>; status: Record<string, any> };
    expect(doc.spec.stable).to.deep.equal({ name: "v2", labels: { version: "v2" } });
    expect(doc.spec.canary).to.equal(undefined);
    expect(doc.status.phase).to.equal("Promoted");
    expect(remoteWeights(h)).to.deep.equal({ v2: 100 });
    const dr = parse(h.remote.show(DR_PATH)) as { spec: { subsets: { name: string }[] } };
    expect(dr.spec.subsets.map((s) => s.name)).to.deep.equal(["v2"]);
    // Every decision commit explains itself.
    const advance = h.remote.log().find((c) => c.subject.startsWith("advance recs/recommend: 20%"));
    expect(advance?.body).to.match(
      /^healthy in 2 of 2 checks \(p99 latency \d+ ms ≤ 150 ms, error rate [\d.]+% ≤ 5\.00%\) at 20%/,
    );
  });

  const regressions: [string, Partial<VersionBehaviour>, RegExp][] = [
    [
      "a v2 latency regression",
      { latencyMedianMs: 400 },
      /^p99 latency \d+ ms > 150 ms in 2 of 2 checks/,
    ],
    ["a v2 5xx regression", { errorRate: 0.5 }, /^error rate [\d.]+% > 5\.00% in 2 of 2 checks/],
    [
      "v2 pods down (503s only from the caller's proxy)",
      { down: true },
      /^error rate [\d.]+% > 5\.00% in 2 of 2 checks/,
    ],
  ];
  for (const [what, change, reason] of regressions) {
    it(`rolls back ${what} and the simulator then sends v2 nothing`, async () => {
      h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 100 } }) });
      const w = await loop(h);
      try {
        // Let the watchdog see the healthy canary first, then break v2.
        await waitFor(
          "a healthy check",
          () => h?.logs.length === 0 && w.watchdog.health().lastSuccessMs !== undefined,
        );
        h.sim.setBehaviour("v2", change);
        await waitFor("rollback commit", () =>
          decisionSubjects(h as Harness).includes("rollback recs/recommend: 20% → 0%"),
        );
      } finally {
        await w.stop();
      }
      expect(decisionSubjects(h)).to.deep.equal(["rollback recs/recommend: 20% → 0%"]);
      expect(h.remote.log()[0]?.body).to.match(reason);
      expect(remoteWeights(h)).to.deep.equal({ v1: 100, v2: 0 });
      const status = (parse(h.remote.show(SPEC_PATH)) as { status: { phase: string } }).status;
      expect(status.phase).to.equal("RolledBack");
      // The simulator re-reads the weights every 200 ms: after that, v2 gets nothing more.
      const sim = h.sim;
      await waitFor("simulator to follow the rollback", async () => {
        const before = sim.counts().v2;
        await new Promise((r) => setTimeout(r, 1000));
        return sim.counts().v2 === before;
      });
    });
  }

  it("holds without enough traffic", async () => {
    h = await startHarness({ rps: 10, spec: fastSpec({ analysis: { minRequests: 200 } }) });
    const deps = await h.deps();
    const report = await runCycle(deps);
    expect(report.commits).to.deep.equal([]);
    expect(report.outcomes.map((o) => [o.rollout, o.decision.action])).to.deep.equal([
      ["recs/recommend", "hold"],
    ]);
    expect(report.outcomes[0]?.reason).to.match(
      /^nodata: \d+ canary requests in 5s < minRequests 200$/,
    );
    expect(decisionSubjects(h)).to.deep.equal([]);
  });

  it("holds while Prometheus is down and resumes when it is back", async () => {
    h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 2 } }) });
    const deps = await h.deps();
    await h.prom.stop();
    const down = await runCycle(deps);
    expect(down.metricsErrors.length).to.be.greaterThan(0);
    expect(down.outcomes[0]?.decision.action).to.equal("hold");
    expect(down.outcomes[0]?.checks[0]?.kind).to.equal("error");
    expect(decisionSubjects(h)).to.deep.equal([]);
    await h.prom.start();
    await waitFor("an advance after Prometheus is back", async () => {
      const report = await runCycle(await (h as Harness).deps());
      return report.commits.length > 0;
    });
    expect(decisionSubjects(h)).to.deep.equal(["advance recs/recommend: 20% → 50%"]);
  });

  it("keeps a person's commit pushed while it decided, and decides again on their state", async () => {
    h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 2 } }) });
    const remote = h.remote;
    const deps = await h.deps();
    const real = deps.repo;
    let raced = false;
    // A person pushes between the watchdog's commit and its push: the push is rejected.
    const racing = interceptPush(real, async (push) => {
      if (!raced) {
        raced = true;
        const spec = remote
          .show(SPEC_PATH)
          .replace("# The recommend rollout", "# Owned by the recs team. The recommend rollout");
        remote.commit("docs: name the owning team", {
          [SPEC_PATH]: spec,
          "README.md": "recs rollouts\n",
        });
      }
      return push();
    });
    await waitFor("an advance", async () => (await runCycle({ ...deps, repo: racing })).pushed);
    expect(raced).to.equal(true);
    expect(decisionSubjects(h)).to.deep.equal([
      "docs: name the owning team",
      "advance recs/recommend: 20% → 50%",
    ]);
    const spec = h.remote.show(SPEC_PATH);
    expect(spec).to.contain("# Owned by the recs team.");
    expect(spec).to.match(/canaryWeight: 50/);
    expect(h.remote.show("README.md")).to.equal("recs rollouts\n");
  });

  it("never brings back commits a person's force-push dropped between its sync and its push, and decides again on their state", async () => {
    h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 2 } }) });
    const remote = h.remote;
    const base = remote.head();
    const dropped = remote.commit("notes, dropped again below", { "notes.yaml": "n: 1\n" });
    const deps = await h.deps();
    const logs: string[] = [];
    const log = createLogger({ json: true, write: (l) => logs.push(l) });
    const real = await GitWorkingCopy.open({
      remote: remote.bare,
      branch: "main",
      author: { name: "meshcanary", email: "meshcanary@localhost" },
      log,
    });
    let raced = false;
    // The person drops their last commit after the watchdog synced and committed, before it pushes:
    // the remote is then an ancestor of the watchdog's commit, so a plain push would be a fast-forward.
    const racing = interceptPush(real, async (push) => {
      if (!raced) {
        raced = true;
        git(remote.person, "fetch", "--quiet", "origin");
        git(remote.person, "reset", "--quiet", "--hard", base);
        git(remote.person, "push", "--quiet", "--force", "origin", "HEAD:main");
      }
      return push();
    });
    await waitFor(
      "an advance",
      async () => (await runCycle({ ...deps, log, repo: racing })).pushed,
    );
    expect(raced).to.equal(true);
    expect(remote.log().map((c) => c.sha)).to.not.include(dropped);
    expect(decisionSubjects(h)).to.deep.equal(["advance recs/recommend: 20% → 50%"]);
    expect(git(remote.bare, "rev-parse", "main~1").trim()).to.equal(base);
    expect(git(remote.bare, "ls-tree", "--name-only", "main")).to.not.contain("notes.yaml");
    const msgs = logs.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs).to.include("push rejected: someone else pushed; deciding again on their state");
    expect(msgs.filter((m) => m.startsWith("remote history rewritten"))).to.deep.equal([
      `remote history rewritten: ${dropped.slice(0, 12)} is no longer in main; continuing from ${base.slice(0, 12)}`,
    ]);
  });

  it("takes a rewritten remote as the new truth: the loop keeps running, logs it once, decides on it, and so does a restart on the same workdir", async () => {
    h = await startHarness({ spec: fastSpec({ traffic: { steps: [20, 40, 60, 80, 100] } }) });
    const harness = h;
    const workdir = mkdtempSync(join(tmpdir(), "meshcanary-rewrite-"));
    const logs: string[] = [];
    const start = async () => {
      const log = createLogger({ json: true, write: (l) => logs.push(l) });
      const repo = await GitWorkingCopy.open({
        remote: harness.remote.bare,
        branch: "main",
        author: { name: "meshcanary", email: "meshcanary@localhost" },
        workdir,
        log,
      });
      const controller = new AbortController();
      const watchdog = startWatchdog({
        ...(await harness.deps()),
        repo,
        log,
        loopIntervalMs: 500,
        signal: controller.signal,
      });
      return {
        watchdog,
        stop: () => {
          controller.abort();
          return watchdog.done;
        },
      };
    };
    const rewrites = () =>
      logs
        .map((l) => (JSON.parse(l) as { msg: string }).msg)
        .filter((m) => m.startsWith("remote history rewritten"));
    const subjects = () => decisionSubjects(harness);

    const first = await start();
    await waitFor("a first advance", () => subjects().length >= 1);
    // The person amends the watchdog's advance commit and force-pushes it.
    harness.remote.rewriteHistory();
    const rewritten = harness.remote.head();
    await waitFor("an advance on the rewritten history", () => subjects().length >= 2);
    expect(await first.stop()).to.equal(0);
    expect(subjects().slice(0, 2)).to.deep.equal([
      "rewritten",
      "advance recs/recommend: 40% → 60%",
    ]);
    expect(git(harness.remote.bare, "log", "--format=%H", "main")).to.contain(rewritten);
    expect(rewrites()).to.have.length(1);

    // Rewritten again while no watchdog runs; a restart on the kept workdir follows it too.
    harness.remote.rewriteHistory();
    const again = harness.remote.head();
    const second = await start();
    await waitFor("an advance after the restart", () => subjects().length >= 3);
    expect(await second.stop()).to.equal(0);
    expect(git(harness.remote.bare, "log", "--format=%H", "main")).to.contain(again);
    expect(rewrites()).to.have.length(2);
  });

  it("makes one rollback commit when two watchdogs watch the same repo", async () => {
    h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 100 } }) });
    const a = await loop(h);
    const b = await loop(h);
    try {
      h.sim.setBehaviour("v2", { latencyMedianMs: 500 });
      await waitFor("rollback", () => decisionSubjects(h as Harness).length > 0);
      // Both must act on a view that holds the rollback: wait until each has finished two more cycles.
      const seen = [a.cycles(), b.cycles()];
      await waitFor(
        "both watchdogs to cycle twice after the rollback",
        () => a.cycles() >= (seen[0] ?? 0) + 2 && b.cycles() >= (seen[1] ?? 0) + 2,
        30_000,
      );
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(decisionSubjects(h)).to.deep.equal(["rollback recs/recommend: 20% → 0%"]);
  });

  it("watch --once rolls back after two breaching checks (rollbackAfter: 2), and exits 0", async () => {
    h = await startHarness({
      spec: fastSpec({ analysis: { promoteAfter: 100 } }),
      versions: { ...HEALTHY, v2: { latencyMedianMs: 600, latencySigma: 0.2 } },
    });
    const prom = h.prom;
    // Two check times whose 5 s windows are both full of slow v2 requests.
    await prom.waitForSeries(
      'histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{destination_version="v2"}[5s]))) > 150',
      30_000,
    );
    // Until the second check time's window is full too: the watchdog, asked without writing, would roll back now.
    await waitFor(
      "a dry run to decide the rollback",
      () =>
        runCli(
          [
            "watch",
            "--once",
            "--dry-run",
            "--repo",
            h?.remote.bare ?? "",
            "--prometheus",
            prom.url,
          ],
          h?.remote.root ?? "",
        ).stdout.includes("rollback 20% → 0%"),
      30_000,
    );
    const r = runCli(
      ["watch", "--once", "--repo", h.remote.bare, "--prometheus", prom.url],
      h.remote.root,
    );
    expect(r.stderr).to.not.match(/"level":"(error|warn)"/);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(
      /^recs\/recommend {3}20% {2}rollback 20% → 0%: p99 latency \d+ ms > 150 ms in 2 of 2 checks\n$/,
    );
    expect(decisionSubjects(h)).to.deep.equal(["rollback recs/recommend: 20% → 0%"]);
    // The manifests the watchdog wrote are exactly what `meshcanary compile` writes.
    git(h.remote.person, "pull", "--quiet", "--ff-only", "origin", "main");
    const check = runCli(["compile", "--check"], h.remote.person);
    expect([check.code, check.stdout]).to.deep.equal([0, "manifests: up to date (1 rollout)\n"]);
  });
});

describe("watch as a process: the working copy", function () {
  this.timeout(60_000);
  it("refuses a directory that is not meshcanary's with exit 2, before any network, and leaves it as it was", () => {
    const dir = mkdtempSync(join(tmpdir(), "meshcanary-mine-"));
    writeFileSync(join(dir, "notes.txt"), "my notes\n");
    // Neither the remote nor Prometheus exists: the refusal comes before either is asked.
    const r = runCli(
      [
        "watch",
        "--repo",
        "/nonexistent/gitops.git",
        "--prometheus",
        "http://127.0.0.1:9",
        "--workdir",
        dir,
      ],
      tmpdir(),
    );
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain(`--workdir ${dir}: not empty and not a meshcanary working copy`);
    expect(readdirSync(dir)).to.deep.equal(["notes.txt"]);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).to.equal("my notes\n");
  });

  it("keeps running when the first clone fails, and clones once the remote is there", async () => {
    const remote = rolloutRemote();
    const away = `${remote.bare}.away`;
    renameSync(remote.bare, away);
    const w = startCli(
      ["watch", "--repo", remote.bare, "--prometheus", "http://127.0.0.1:9", "--interval", "200ms"],
      remote.root,
    );
    try {
      await waitFor("two failed clones", () =>
        (w.output().stderr.match(/"msg":"cycle failed; retrying".*cannot clone/g) ?? []).length >= 2
          ? true
          : undefined,
      );
      renameSync(away, remote.bare);
      await waitFor("a clone", () =>
        w.output().stderr.includes('"msg":"cloned the remote into the working copy"'),
      );
    } finally {
      w.child.kill("SIGTERM");
    }
    expect(await w.exited).to.equal(0);
    remote.remove();
  });
});
