/**
 * One watchdog cycle against an in-memory repository and metrics source
 * (test/support/memory-repo.ts): what it commits, pushes and reports for each
 * outcome. The same cycle on real git and a real Prometheus is in
 * test/integration/watchdog.test.ts and faults.test.ts.
 */
import { expect } from "chai";
import { compileRollout, rootKustomization } from "../../src/compile/compile.js";
import { GitError } from "../../src/gitops/repo.js";
import { parseRollouts } from "../../src/rollout/parse-rollouts.js";
import type { Rollout } from "../../src/rollout/types.js";
import { type CycleDeps, runCycle } from "../../src/watchdog/cycle.js";
import { createLogger } from "../../src/watchdog/log.js";
import { makeSpec, type SpecDoc, specYaml } from "../support/make-spec.js";
import { MemoryRepo, memoryMetrics, type VersionTraffic } from "../support/memory-repo.js";

type LogLine = { readonly msg: string } & Record<string, unknown>;

const SPEC = "rollouts/recommend.yaml";
const NOW = Date.parse("2026-11-30T14:00:05Z");
const healthy: VersionTraffic = { requests: 1000, errors: 0, latencyMs: 40 };
const failing: VersionTraffic = { requests: 1000, errors: 200, latencyMs: 40 };

function spec(canaryWeight: number): SpecDoc {
  return makeSpec({
    spec: {
      traffic: { canaryWeight, steps: [5, 10, 25, 50, 100] },
      analysis: {
        interval: "10s",
        judge: "threshold",
        promoteAfter: 1,
        rollbackAfter: 1,
        sla: { latency: { maxMs: 150 }, errorRate: { max: 0.01 } },
      },
    },
  });
}

function rolloutsIn(text: string, file = SPEC): Rollout[] {
  const parsed = parseRollouts(file, file, text);
  expect(parsed.diagnostics).to.deep.equal([]);
  return parsed.rollouts.map((r) => r.rollout);
}

/** A repo holding the spec and the manifests `meshcanary compile` made of it. */
function repoWith(doc: SpecDoc, extra: Record<string, string> = {}): MemoryRepo {
  const text = specYaml(doc);
  const files: Record<string, string> = { [SPEC]: text, ...extra };
  for (const f of rolloutsIn(text).flatMap((r) => compileRollout(r)))
    files[`manifests/${f.path}`] = f.content;
  files["manifests/kustomization.yaml"] = rootKustomization(["recs/recommend"]).content;
  return new MemoryRepo(files);
}

function deps(repo: MemoryRepo, metrics: CycleDeps["metrics"], logs: LogLine[] = []): CycleDeps {
  return {
    repo,
    metrics,
    settings: () => ({
      specs: ["rollouts"],
      out: "manifests",
      apiVersion: "networking.istio.io/v1",
    }),
    now: () => NOW,
    log: createLogger({ json: true, write: (l) => logs.push(JSON.parse(l)), now: () => NOW }),
  };
}

/** The spec's and the manifests' files on the remote are what compiling the committed spec gives. */
function expectCompiledFrom(repo: MemoryRepo): Rollout {
  const [rollout] = rolloutsIn(repo.files.get(SPEC) as string);
  for (const f of compileRollout(rollout as Rollout))
    expect(repo.files.get(`manifests/${f.path}`), f.path).to.equal(f.content);
  expect(repo.files.get("manifests/kustomization.yaml")).to.equal(
    rootKustomization(["recs/recommend"]).content,
  );
  return rollout as Rollout;
}

describe("runCycle (in-memory repository and metrics)", () => {
  it("rolls back a failing canary: spec at 0 %, manifests 100 % stable, one commit pushed", async () => {
    const repo = repoWith(spec(25));
    const report = await runCycle(deps(repo, memoryMetrics({ v1: healthy, v2: failing })));
    expect(report.pushed).to.equal(true);
    expect(report.commits).to.have.length(1);
    expect(repo.remote.map((c) => c.message.split("\n")[0])).to.deep.equal([
      "initial",
      "rollback recs/recommend: 25% → 0%",
    ]);
    const rollout = expectCompiledFrom(repo);
    expect(rollout.traffic.canaryWeight).to.equal(0);
    expect(rollout.status?.phase).to.equal("RolledBack");
    expect(repo.files.get("manifests/recs/recommend/virtualservice.yaml")).to.match(/weight: 100/);
  });

  it("advances a healthy canary to the next step", async () => {
    const repo = repoWith(spec(5));
    const report = await runCycle(deps(repo, memoryMetrics({ v1: healthy, v2: healthy })));
    expect(report.outcomes.map((o) => o.decision.action)).to.deep.equal(["advance"]);
    expect(repo.remote.at(-1)?.message.split("\n")[0]).to.equal("advance recs/recommend: 5% → 10%");
    const rollout = expectCompiledFrom(repo);
    expect(rollout.traffic.canaryWeight).to.equal(10);
    expect(rollout.status?.phase).to.equal("Progressing");
  });

  it("promotes a healthy canary at the last step: the canary becomes the stable", async () => {
    const repo = repoWith(spec(100));
    await runCycle(deps(repo, memoryMetrics({ v1: healthy, v2: healthy })));
    expect(repo.remote.at(-1)?.message.split("\n")[0]).to.match(/^promote recs\/recommend/);
    const rollout = expectCompiledFrom(repo);
    expect(rollout.stable.name).to.equal("v2");
    expect(rollout.canary).to.equal(undefined);
    expect(rollout.status?.phase).to.equal("Promoted");
  });

  it("promotes on the gateway-api target: the old stable's Service goes, a person's file stays", async () => {
    const doc = spec(100);
    const inner = doc.spec as SpecDoc;
    doc.spec = {
      ...inner,
      target: "gateway-api",
      service: { host: "recommender", port: 8080, selector: { app: "recommender" } },
      // memoryMetrics labels series as the istio target selects them.
      analysis: {
        ...(inner.analysis as SpecDoc),
        selectors: {
          service: "destination_service_name",
          namespace: "destination_service_namespace",
          version: "destination_version",
        },
      },
    };
    const notes = "manifests/recs/recommend/NOTES.yaml";
    const repo = repoWith(doc, { [notes]: "# the recs team's notes\n" });
    expect(repo.files.has("manifests/recs/recommend/service-v1.yaml")).to.equal(true);
    await runCycle(deps(repo, memoryMetrics({ v1: healthy, v2: healthy })));
    expect(repo.remote.at(-1)?.message.split("\n")[0]).to.match(/^promote recs\/recommend/);
    expectCompiledFrom(repo);
    expect(
      [...repo.files.keys()].filter((p) => p.startsWith("manifests/recs/")).sort(),
    ).to.deep.equal([
      notes,
      "manifests/recs/recommend/httproute.yaml",
      "manifests/recs/recommend/kustomization.yaml",
      "manifests/recs/recommend/service-v2.yaml",
    ]);
  });

  it("after a rejected push decides again on the new head and keeps the other commit", async () => {
    const repo = repoWith(spec(25));
    let rejected = 0;
    repo.rejectPush = () => {
      if (rejected++ > 0) return false;
      repo.personCommits("a person's note", { "NOTES.md": "hello\n" });
      return true;
    };
    const report = await runCycle(deps(repo, memoryMetrics({ v1: healthy, v2: failing })));
    expect(repo.pushes).to.equal(2);
    expect(report.pushed).to.equal(true);
    expect(repo.remote.map((c) => c.message.split("\n")[0])).to.deep.equal([
      "initial",
      "a person's note",
      "rollback recs/recommend: 25% → 0%",
    ]);
    expect(repo.files.get("NOTES.md")).to.equal("hello\n");
  });

  it("gives up with a GitError when every push is rejected, pushing nothing", async () => {
    const repo = repoWith(spec(25));
    repo.rejectPush = () => true;
    const cycle = { ...deps(repo, memoryMetrics({ v1: healthy, v2: failing })), maxAttempts: 3 };
    const error = await runCycle(cycle).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(GitError);
    expect((error as Error).message).to.equal(
      "push rejected 3 times in a row; will retry next cycle",
    );
    expect(repo.pushes).to.equal(3);
    expect(repo.remote).to.have.length(1);
  });

  it("reports an invalid spec with its position and still decides the valid one", async () => {
    const repo = repoWith(spec(25), {
      "rollouts/broken.yaml": specYaml(
        makeSpec({ metadata: { name: "broken" }, spec: { traffic: { canaryWeight: 150 } } }),
      ),
    });
    const logs: LogLine[] = [];
    const report = await runCycle(deps(repo, memoryMetrics({ v1: healthy, v2: failing }), logs));
    expect(report.invalid.map((d) => `${d.file}: ${d.path}`)).to.deep.equal([
      "rollouts/broken.yaml: spec.traffic.canaryWeight",
    ]);
    expect(report.invalid[0]?.line).to.be.greaterThan(1);
    expect(logs.filter((l) => l.msg === "invalid spec skipped")).to.have.length(1);
    expect(report.commits).to.have.length(1);
    expect(repo.files.get("rollouts/broken.yaml")).to.contain("canaryWeight: 150");
    expect(repo.files.has("manifests/recs/broken/virtualservice.yaml")).to.equal(false);
  });

  it("holds on a Prometheus error: no commit, no push, the error reported", async () => {
    const repo = repoWith(spec(25));
    const logs: LogLine[] = [];
    const report = await runCycle(
      deps(repo, memoryMetrics({}, new Error("connect ECONNREFUSED 127.0.0.1:9090")), logs),
    );
    expect(report.outcomes.map((o) => o.decision.action)).to.deep.equal(["hold"]);
    expect(report.metricsErrors).to.deep.equal(["connect ECONNREFUSED 127.0.0.1:9090"]);
    expect(report.pushed).to.equal(false);
    expect(repo.pushes).to.equal(0);
    expect(repo.remote).to.have.length(1);
    expect(logs.map((l) => l.msg)).to.include("Prometheus query failed; holding");
  });
});
