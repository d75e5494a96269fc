/**
 * The shadow phase end to end: the watchdog on a real git remote and a real
 * Prometheus scraping the traffic simulator, which routes every simulated
 * request through the compiled manifests as the mesh would and reports the
 * mirrored copies only from the destination side. What this proves is that
 * the compiler, the watchdog and the simulator agree, not that Envoy does.
 */
import { expect } from "chai";
import { parse } from "yaml";
import { runCli } from "../support/cli.js";
import { git } from "../support/git-remote.js";
import type { SpecDoc } from "../support/make-spec.js";
import { fastSpec, SPEC_PATH, VS_PATH } from "../support/rollout-repo.js";
import {
  decisionSubjects,
  type Harness,
  HEALTHY,
  loop,
  loopUntilDecision,
  startHarness,
  waitFor,
} from "../support/watchdog-harness.js";

interface HttpRoute {
  name: string;
  mirror?: { host: string; subset: string };
  mirrorPercentage?: { value: number };
  route: { destination: { subset: string }; weight?: number }[];
}

const HTTPROUTE_PATH = VS_PATH.replace("virtualservice.yaml", "httproute.yaml");

function rolloutRoute(h: Harness, commit?: string): HttpRoute {
  const vs = parse(h.remote.show(VS_PATH, commit)) as { spec: { http: HttpRoute[] } };
  return vs.spec.http[0] as HttpRoute;
}

function specStatus(h: Harness, commit?: string): Record<string, any> {
  return (parse(h.remote.show(SPEC_PATH, commit)) as { status: Record<string, any> }).status;
}

/** A shadow spec on fastSpec's 1 s checks over 5 s windows. */
function shadowSpec(shadow: SpecDoc, analysis: SpecDoc = {}): SpecDoc {
  return fastSpec({ traffic: { canaryWeight: 0, shadow }, analysis });
}

/** Waits until `count` stops growing for a second: the simulator has followed the manifests. */
async function settles(count: () => number): Promise<void> {
  await waitFor("the simulator to follow the manifests", async () => {
    const before = count();
    await new Promise((r) => setTimeout(r, 1000));
    return count() === before;
  });
}

describe("shadow phase end to end (simulator, real Prometheus and git)", function () {
  this.timeout(120_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("shadow → canary → promote: mirrored copies only, then users, then v2 is stable", async () => {
    h = await startHarness({ spec: shadowSpec({ percent: 50, deadline: "1m" }) });
    // In the shadow the mesh copies half the requests to v2 and routes none of them there.
    expect(rolloutRoute(h).mirror).to.deep.include({ host: "recommender", subset: "v2" });
    expect(rolloutRoute(h).mirrorPercentage).to.deep.equal({ value: 50 });
    await waitFor("mirrored copies to v2", () => (h?.sim.traffic().mirrored.v2 ?? 0) > 100);
    expect(h.sim.counts().v2 ?? 0).to.equal(0);
    await loopUntilDecision(h, "promote recs/recommend: v2 is now stable", 90_000, {
      intervalMs: 500,
    });
    expect(decisionSubjects(h)).to.deep.equal([
      "advance recs/recommend: shadow → 20%",
      "advance recs/recommend: 20% → 50%",
      "advance recs/recommend: 50% → 100%",
      "promote recs/recommend: v2 is now stable",
    ]);
    const [advance] = h.remote.log().filter((c) => c.subject.includes("shadow → 20%"));
    expect(advance?.body).to.match(
      /^healthy in 2 of 2 checks \(p99 latency \d+ ms ≤ 150 ms, error rate [\d.]+% ≤ 5\.00%\) in the shadow \(50% of requests mirrored\)/,
    );
    // The shadow's end: weight steps[0], nothing mirrored any more, status says it came from a shadow.
    const route = rolloutRoute(h, advance?.sha);
    expect(route.mirror).to.equal(undefined);
    expect(route.route.map((r) => [r.destination.subset, r.weight])).to.deep.equal([
      ["v1", 80],
      ["v2", 20],
    ]);
    expect(specStatus(h, advance?.sha)).to.deep.include({ phase: "Progressing" });
    expect(specStatus(h, advance?.sha).lastDecision.from).to.equal("shadow");
    // The first step's checks judged windows wholly after the shadow: the next advance came
    // at least a window (5 s) plus its two checks after the shadow ended.
    const next = h.remote.log().find((c) => c.subject.includes("20% → 50%"));
    const shadowEnded = Date.parse(specStatus(h, advance?.sha).stepStartedAt);
    const firstStepEnded = Date.parse(specStatus(h, next?.sha).stepStartedAt);
    expect(firstStepEnded - shadowEnded).to.be.at.least(5000 + 2000);
    expect(specStatus(h).phase).to.equal("Promoted");
  });

  it("shadow breach → off: v2 turns slow on mirrored copies, users never saw it", async () => {
    h = await startHarness({
      spec: shadowSpec({ promoteAfter: 60, deadline: "2m" }),
    });
    const w = await loop(h, { intervalMs: 500 });
    try {
      await h.waitForFullWindow();
      await waitFor(
        "a healthy shadow check",
        () => w.watchdog.health().lastSuccessMs !== undefined,
      );
      expect(decisionSubjects(h)).to.deep.equal([]);
      h.sim.setBehaviour("v2", { latencyMedianMs: 400 });
      await waitFor("the shadow to end", () =>
        decisionSubjects(h as Harness).includes("rollback recs/recommend: shadow → off"),
      );
    } finally {
      await w.stop();
    }
    expect(decisionSubjects(h)).to.deep.equal(["rollback recs/recommend: shadow → off"]);
    expect(h.remote.log()[0]?.body).to.match(
      /^p99 latency \d+ ms > 150 ms in 2 of 2 checks in the shadow \(100% of requests mirrored\) \(rollbackAfter: 2, window 5s, interval 1s\)\./,
    );
    const status = specStatus(h);
    expect(status.phase).to.equal("RolledBack");
    expect(status.lastDecision).to.deep.include({ action: "rollback", from: "shadow" });
    expect(rolloutRoute(h).mirror).to.equal(undefined);
    // No user request ever reached v2; after the rollback the mesh stops copying to it.
    expect(h.sim.counts().v2 ?? 0).to.equal(0);
    const sim = h.sim;
    await settles(() => sim.traffic().mirrored.v2 ?? 0);
  });

  it("gateway-api: the RequestMirror filter feeds the shadow, which passes to the first step", async () => {
    const spec = shadowSpec({ percent: 50, deadline: "1m" });
    const inner = spec.spec as SpecDoc;
    inner.target = "gateway-api";
    inner.service = { host: "recommender", port: 8080, selector: { app: "recommender" } };
    h = await startHarness({ spec });
    const route = parse(h.remote.show(HTTPROUTE_PATH)) as {
      spec: { rules: { filters?: { type: string; requestMirror: unknown }[] }[] };
    };
    expect(route.spec.rules[0]?.filters).to.deep.equal([
      {
        type: "RequestMirror",
        requestMirror: {
          backendRef: { group: "", kind: "Service", name: "recommender-v2", port: 8080 },
          percent: 50,
        },
      },
    ]);
    await waitFor("mirrored copies to v2", () => (h?.sim.traffic().mirrored.v2 ?? 0) > 100);
    expect(h.sim.counts().v2 ?? 0).to.equal(0);
    const w = await loop(h, { intervalMs: 500 });
    try {
      await waitFor("the shadow's end", () => decisionSubjects(h as Harness).length > 0, 60_000);
    } finally {
      await w.stop();
    }
    expect(decisionSubjects(h)).to.deep.equal(["advance recs/recommend: shadow → 20%"]);
    const after = parse(h.remote.show(HTTPROUTE_PATH)) as {
      spec: { rules: { filters?: unknown[]; backendRefs: { name: string; weight: number }[] }[] };
    };
    expect(after.spec.rules[0]?.filters).to.equal(undefined);
    expect(after.spec.rules[0]?.backendRefs.map((b) => [b.name, b.weight])).to.deep.equal([
      ["recommender-v1", 80],
      ["recommender-v2", 20],
    ]);
    const sim = h.sim;
    await waitFor("users on v2", () => (sim.counts().v2 ?? 0) > 0);
  });

  it("a dead v2 in the shadow looks like no data and ends as shadow → off at the deadline", async () => {
    // v2 has no ready pods from the start: no sidecar reports the copies, the callers never see them.
    h = await startHarness({
      spec: shadowSpec({ deadline: "12s" }),
      versions: { v1: HEALTHY.v1 as never, v2: { ...HEALTHY.v2, down: true } as never },
      readyQuery: 'istio_requests_total{destination_version="v1"}',
    });
    // The shadow runs from the spec's last commit (no status.stepStartedAt yet).
    const started = Number(git(h.remote.bare, "log", "-1", "--format=%ct", "main").trim()) * 1000;
    const status = runCli(
      ["status", "--repo", h.remote.bare, "--prometheus", h.prom.url],
      h.remote.root,
    );
    expect(status.code, status.stderr).to.equal(0);
    const lines = status.stdout.split("\n");
    expect(lines[0]).to.equal("recs/recommend  Shadow  0% (step 0/3)");
    const deadline = new Date(started + 12_000).toISOString();
    expect(lines[1]).to.equal(
      `  shadow: 100% of requests mirrored to the canary; deadline ${deadline} (then shadow → off without a verdict)`,
    );
    await loopUntilDecision(h, "rollback recs/recommend: shadow → off", 60_000, {
      intervalMs: 500,
    });
    expect(decisionSubjects(h)).to.deep.equal(["rollback recs/recommend: shadow → off"]);
    const commit = h.remote.log()[0];
    expect(commit?.body).to.match(
      /^no conclusive evidence in the shadow \(100% of requests mirrored\) by its deadline 12s \(last 2 checks: nodata 2\); mirrored requests are reported only by v2's own proxy, so a canary that fails outright shows as no data \(shadow\.deadline: 12s, window 5s, interval 1s\)\./,
    );
    const ended = specStatus(h);
    expect(ended).to.deep.include({ phase: "RolledBack" });
    expect(ended.lastDecision.from).to.equal("shadow");
    expect(Date.parse(ended.lastDecision.at)).to.be.at.least(Date.parse(deadline));
    expect(h.sim.traffic().mirrored.v2 ?? 0).to.be.above(0);
    expect(await h.prom.query('istio_requests_total{destination_version="v2"}')).to.deep.equal([]);
  });
});
