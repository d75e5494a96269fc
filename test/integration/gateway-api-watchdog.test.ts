/**
 * The watchdog end to end on the gateway-api target: it compiles an HTTPRoute
 * and per-version Services, judges the canary on the labels that target
 * selects, and rolls back or promotes, with real Prometheus and real git.
 * The traffic simulator (the stand-in for the Envoy data plane) routes every
 * request through the HTTPRoute the watchdog pushed, by the Gateway API's
 * match precedence. This proves that the compiler and the simulator agree,
 * not that Envoy does.
 */
import { expect } from "chai";
import { parse } from "yaml";
import { runCli } from "../support/cli.js";
import { commitsFailingCheck } from "../support/commit-checks.js";
import { git } from "../support/git-remote.js";
import { fastSpec, onGatewayApi, SPEC_PATH } from "../support/rollout-repo.js";
import type { VersionBehaviour } from "../support/simulator.js";
import {
  decisionSubjects,
  type Harness,
  HEALTHY,
  loop,
  loopUntilDecision,
  ROLLOUT_DIR,
  startHarness,
  waitFor,
} from "../support/watchdog-harness.js";

type BackendRef = { name: string; weight: number };
type Rule = { name: string; backendRefs: BackendRef[] };

/** At a commit: the weight of each backendRef Service per rule, and the rollout directory's files. */
function manifestsAt(h: Harness, rev: string) {
  const route = parse(h.remote.show(`${ROLLOUT_DIR}/httproute.yaml`, rev)) as {
    kind: string;
    spec: { rules: Rule[] };
  };
  expect(route.kind).to.equal("HTTPRoute");
  const weights = Object.fromEntries(
    route.spec.rules.map((r) => [
      r.name,
      Object.fromEntries(r.backendRefs.map((b) => [b.name, b.weight])),
    ]),
  );
  const files = git(h.remote.bare, "ls-tree", "--name-only", `${rev}:${ROLLOUT_DIR}`)
    .trim()
    .split("\n");
  return { weights, files };
}

/** Each decision commit (oldest first) as its subject and the manifests it pushed. */
function decisions(h: Harness) {
  return h.remote
    .log()
    .reverse()
    .slice(1)
    .map((c) => ({ subject: c.subject, ...manifestsAt(h, c.sha) }));
}

/** Waits until the simulator has served `version` only for a while: it follows what was pushed. */
async function servesOnly(h: Harness, version: string, other: string) {
  const sim = h.sim;
  await waitFor(`the simulator to send ${other} nothing`, async () => {
    const before = sim.counts();
    await new Promise((r) => setTimeout(r, 1000));
    const after = sim.counts();
    return after[other] === before[other] && (after[version] ?? 0) > (before[version] ?? 0);
  });
}

describe("watchdog on the gateway-api target (real Prometheus and git, simulated mesh)", function () {
  this.timeout(120_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("compiles HTTPRoute + per-version Services, advances a healthy canary and promotes it", async () => {
    h = await startHarness({ spec: onGatewayApi(fastSpec()) });
    expect(manifestsAt(h, "main")).to.deep.equal({
      weights: {
        rollout: { "recommender-v1": 80, "recommender-v2": 20 },
        stable: { "recommender-v1": 100 },
      },
      files: ["httproute.yaml", "kustomization.yaml", "service-v1.yaml", "service-v2.yaml"],
    });
    // Istio's labels with per-version Services (istio#33940): each reporter names another Service.
    const services = await h.prom.query(
      'count by (reporter, destination_service_name) (istio_requests_total{destination_canonical_service="recommender", destination_canonical_revision="v2"})',
    );
    expect(
      services.map((x) => [x.metric.reporter, x.metric.destination_service_name]).sort(),
    ).to.deep.equal([
      ["destination", "recommender"],
      ["source", "recommender-v2"],
    ]);
    await loopUntilDecision(h, "promote recs/recommend: v2 is now stable", 60_000);
    expect(decisions(h)).to.deep.equal([
      {
        subject: "advance recs/recommend: 20% → 50%",
        weights: {
          rollout: { "recommender-v1": 50, "recommender-v2": 50 },
          stable: { "recommender-v1": 100 },
        },
        files: ["httproute.yaml", "kustomization.yaml", "service-v1.yaml", "service-v2.yaml"],
      },
      {
        subject: "advance recs/recommend: 50% → 100%",
        weights: {
          rollout: { "recommender-v1": 0, "recommender-v2": 100 },
          stable: { "recommender-v1": 100 },
        },
        files: ["httproute.yaml", "kustomization.yaml", "service-v1.yaml", "service-v2.yaml"],
      },
      {
        subject: "promote recs/recommend: v2 is now stable",
        weights: { rollout: { "recommender-v2": 100 }, stable: { "recommender-v2": 100 } },
        files: ["httproute.yaml", "kustomization.yaml", "service-v2.yaml"],
      },
    ]);
    const doc = parse(h.remote.show(SPEC_PATH)) as {
      spec: Record<string, unknown>;
      status: { phase: string };
    };
    expect(doc.spec.stable).to.deep.equal({ name: "v2", labels: { version: "v2" } });
    expect(doc.status.phase).to.equal("Promoted");
    expect(commitsFailingCheck(h.remote)).to.deep.equal([]);
    await servesOnly(h, "v2", "v1");
  });

  const regressions: [string, Partial<VersionBehaviour>, RegExp][] = [
    [
      "a v2 latency regression",
      { latencyMedianMs: 400 },
      /^p99 latency \d+ ms > 150 ms in 2 of 2 checks/,
    ],
    // Seen only by the caller's proxy, whose series name the per-version Service: the canonical labels find them.
    [
      "v2 pods down (503s only from the caller's proxy)",
      { down: true },
      /^error rate [\d.]+% > 5\.00% in 2 of 2 checks/,
    ],
  ];
  for (const [what, change, reason] of regressions) {
    it(`rolls back ${what}, and the simulator then sends v2 nothing`, async () => {
      h = await startHarness({ spec: onGatewayApi(fastSpec({ analysis: { promoteAfter: 100 } })) });
      const w = await loop(h);
      try {
        await waitFor("a healthy check", () => w.watchdog.health().lastSuccessMs !== undefined);
        h.sim.setBehaviour("v2", change);
        await waitFor("rollback commit", () => decisionSubjects(h as Harness).length > 0);
      } finally {
        await w.stop();
      }
      expect(decisions(h)).to.deep.equal([
        {
          subject: "rollback recs/recommend: 20% → 0%",
          weights: {
            rollout: { "recommender-v1": 100, "recommender-v2": 0 },
            stable: { "recommender-v1": 100 },
          },
          files: ["httproute.yaml", "kustomization.yaml", "service-v1.yaml", "service-v2.yaml"],
        },
      ]);
      expect(h.remote.log()[0]?.body).to.match(reason);
      expect(
        (parse(h.remote.show(SPEC_PATH)) as { status: { phase: string } }).status.phase,
      ).to.equal("RolledBack");
      expect(commitsFailingCheck(h.remote)).to.deep.equal([]);
      await servesOnly(h, "v1", "v2");
    });
  }

  it("watch --once (process) takes the target from meshcanary.yaml and rolls back v2 pods down", async () => {
    h = await startHarness({
      spec: onGatewayApi(fastSpec({ analysis: { promoteAfter: 100 } })),
      versions: { ...HEALTHY, v2: { latencyMedianMs: 40, down: true } },
    });
    const remote = h.remote;
    // A person moves the target to the repository default: the same manifests, so nothing to recompile.
    const spec = remote.show(SPEC_PATH);
    expect(spec).to.contain("  target: gateway-api\n");
    remote.commit("the repository default target is gateway-api", {
      [SPEC_PATH]: spec.replace("  target: gateway-api\n", ""),
      "meshcanary.yaml": `${remote.show("meshcanary.yaml")}target: gateway-api\n`,
    });
    const prom = h.prom;
    await waitFor("a watch --once to roll back", () => {
      const r = runCli(
        ["watch", "--once", "--repo", remote.bare, "--prometheus", prom.url],
        remote.root,
      );
      expect(r.code, r.stderr).to.equal(0);
      return decisionSubjects({ remote }).length > 1;
    });
    expect(decisionSubjects({ remote })).to.deep.equal([
      "the repository default target is gateway-api",
      "rollback recs/recommend: 20% → 0%",
    ]);
    expect(remote.log()[0]?.body).to.match(/^error rate [\d.]+% > 5\.00% in 2 of 2 checks/);
    expect(manifestsAt(h, "main")).to.deep.equal({
      weights: {
        rollout: { "recommender-v1": 100, "recommender-v2": 0 },
        stable: { "recommender-v1": 100 },
      },
      files: ["httproute.yaml", "kustomization.yaml", "service-v1.yaml", "service-v2.yaml"],
    });
    expect(remote.show(SPEC_PATH)).to.not.contain("target:");
    expect(commitsFailingCheck(remote)).to.deep.equal([]);
  });
});
