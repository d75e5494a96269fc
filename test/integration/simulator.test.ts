/**
 * The harness the watchdog is tested against must itself be honest: the
 * traffic simulator's split, latencies and failures have to come out of a real
 * Prometheus the way Istio's would, and it has to follow weights pushed to git.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { tempDir, writeFiles } from "../support/files.js";
import { FIXTURES } from "../support/paths.js";
import {
  type PrometheusServer,
  type PromSample,
  startPrometheus,
} from "../support/prometheus-server.js";
import {
  manifestsFromGitRemote,
  type SimulatedRequest,
  TrafficSimulator,
  type TrafficSimulatorOptions,
} from "../support/simulator.js";

const SERVICE = { name: "recommender", namespace: "recs" };

function simulator(overrides: Partial<TrafficSimulatorOptions> = {}): TrafficSimulator {
  return new TrafficSimulator({
    seed: 42,
    rps: 200,
    service: SERVICE,
    versions: { v1: { latencyMedianMs: 40 }, v2: { latencyMedianMs: 40 } },
    ...(overrides.manifests === undefined ? { weights: () => ({ v1: 80, v2: 20 }) } : {}),
    ...overrides,
  });
}

async function steps(sim: TrafficSimulator, n: number): Promise<SimulatedRequest[]> {
  const all: SimulatedRequest[] = [];
  for (let i = 0; i < n; i++) all.push(...(await sim.step()));
  return all;
}

/** Polls `check` until it returns a value other than undefined; fails with the last reason. */
async function eventually<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

function byVersion(samples: readonly PromSample[]): Record<string, number> {
  return Object.fromEntries(samples.map((s) => [s.metric.destination_version ?? "", s.value]));
}

describe("traffic simulator (no Prometheus)", () => {
  it("draws the same requests from the same seed and different ones from another", async () => {
    const a = await steps(simulator({ seed: 7 }), 20);
    const b = await steps(simulator({ seed: 7 }), 20);
    const c = await steps(simulator({ seed: 8 }), 20);
    expect(a.length).to.be.within(300, 500); // Poisson(20) per tick over 20 ticks
    expect(b).to.deep.equal(a);
    expect(c).to.not.deep.equal(a);
  });

  it("sends nothing to a version at weight 0", async () => {
    const sim = simulator({ weights: () => ({ v1: 100, v2: 0 }) });
    const made = await steps(sim, 50);
    expect(made.length).to.be.greaterThan(500);
    expect(sim.counts()).to.deep.equal({ v1: made.length, v2: 0 });
  });

  it("exports a down version's 503 UH only from reporter=source", async () => {
    const sim = simulator({
      versions: { v1: { latencyMedianMs: 40 }, v2: { latencyMedianMs: 40, down: true } },
    });
    const made = await steps(sim, 10);
    const v2 = made.filter((r) => r.version === "v2");
    expect(v2.length).to.be.greaterThan(0);
    expect(v2.every((r) => r.responseCode === 503 && r.responseFlags === "UH")).to.equal(true);
    const lines = (await sim.metrics())
      .split("\n")
      .filter((l) => l.startsWith("istio_requests_total{"));
    const v2Lines = lines.filter((l) => l.includes('destination_version="v2"'));
    expect(v2Lines).to.have.length(1);
    expect(v2Lines[0]).to.contain('reporter="source"').and.contain('response_flags="UH"');
    expect(v2Lines[0]).to.match(new RegExp(` ${v2.length}$`));
    expect(lines.filter((l) => l.includes('reporter="destination"'))).to.have.length(1);
  });
});

describe("manifestsFromGitRemote", () => {
  const root = tempDir("meshcanary-sim-git-");
  const bare = join(root, "gitops.git");
  const work = join(root, "work");
  // No user config on CI machines; a global commit.gpgsign would prompt.
  const identity = ["-c", "user.name=test", "-c", "user.email=test@example.com"];
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", [...identity, "-c", "commit.gpgsign=false", ...args], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  const DIR = "manifests/recs/recommend";
  /** The real compiler output for a rollout at the given canary weight, from the golden files. */
  const manifests = (fixture: string) => {
    const dir = join(FIXTURES, fixture, "expected", "recs", "recommend");
    return Object.fromEntries(
      ["virtualservice.yaml", "destinationrule.yaml", "kustomization.yaml"].map((f) => [
        `${DIR}/${f}`,
        readFileSync(join(dir, f), "utf8"),
      ]),
    );
  };
  const push = (files: Record<string, string>, message: string) => {
    writeFiles(work, files);
    git(work, "add", "-A");
    git(work, "commit", "-q", "-m", message);
    git(work, "push", "-q", "origin", "main");
  };
  /** The canary's weight on the route the fixture's requests take, as the simulator applies it. */
  const v2Weight = (sim: TrafficSimulator) =>
    sim.routeTable?.routes[0]?.backends.find((b) => b.backend.selector.version === "v2")?.weight;

  it("routes by the manifests pushed to the branch and keeps the last good ones on a broken push", async () => {
    git(root, "init", "-q", "--bare", bare);
    git(root, "clone", "-q", bare, work);
    git(work, "checkout", "-q", "-B", "main");
    push(manifests("recommend-5"), "start canary at 5%");
    const sim = simulator({
      manifests: manifestsFromGitRemote({ bareRepo: bare, branch: "main", dir: DIR }),
      request: { method: "POST", path: "/api/v1/recommend" },
    });
    const made = await steps(sim, 100);
    expect(v2Weight(sim)).to.equal(5);
    const share = (sim.counts().v2 ?? 0) / made.length;
    expect(share).to.be.within(0.02, 0.09); // 5% of ~2000 requests

    push(manifests("recommend-0"), "rollback recs/recommend: 5% → 0%");
    await eventually("the pushed rollback", 5000, async () => {
      await sim.step();
      return v2Weight(sim) === 0 ? true : undefined;
    });
    const before = sim.counts().v2;
    await steps(sim, 20);
    expect(sim.counts().v2).to.equal(before);

    // A broken push must not stop the traffic: the last good routes stay.
    push({ [`${DIR}/virtualservice.yaml`]: "spec: [not, a, route\n" }, "broken");
    await sleep(250); // past the 200 ms cache, so the broken file is really read
    await sim.step();
    expect(v2Weight(sim)).to.equal(0);
    expect((sim.counts().v1 ?? 0) + (sim.counts().v2 ?? 0)).to.be.greaterThan(made.length);
  });
});

describe("traffic simulator scraped by a real Prometheus", function () {
  this.timeout(40_000);
  let sim: TrafficSimulator;
  let prometheus: PrometheusServer | undefined;
  const destinationRate = (window: string) =>
    `sum by (destination_version) (rate(istio_requests_total{reporter="destination"}[${window}]))`;

  before(async () => {
    sim = simulator({ seed: 1234 });
    await sim.start();
    prometheus = await startPrometheus({ targets: [sim.target] });
    // rate() needs several scrapes of both versions before the share means anything.
    await prometheus.waitForSeries(
      'count_over_time(istio_requests_total{reporter="destination",destination_version="v2",response_code="200"}[10s]) >= 4',
      15_000,
    );
  });

  after(async () => {
    await prometheus?.close();
    await sim?.stop();
  });

  it("splits traffic by the weights", async () => {
    const p = prometheus as PrometheusServer;
    const rates = byVersion(await p.query(destinationRate("10s")));
    const v1 = rates.v1 ?? 0;
    const v2 = rates.v2 ?? 0;
    expect(v1).to.be.greaterThan(0);
    expect(v2 / (v1 + v2)).to.be.within(0.1, 0.3);
    // rate() divides by the whole range, so the total is checked on a window the data fills.
    const [total] = await p.query('sum(rate(istio_requests_total{reporter="destination"}[3s]))');
    expect(total?.value).to.be.within(150, 250); // rps 200
  });

  it("reports latencies whose median is near the configured one", async () => {
    const p50 = byVersion(
      await (prometheus as PrometheusServer).query(
        'histogram_quantile(0.5, sum by (le, destination_version) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[10s])))',
      ),
    );
    expect(p50.v1).to.be.within(20, 100);
  });

  it("shows a down version's failures only on the caller's side", async () => {
    const p = prometheus as PrometheusServer;
    const before = sim.counts().v2 ?? 0;
    sim.setBehaviour("v2", { down: true });
    await p.waitForSeries(
      'sum(rate(istio_requests_total{reporter="source",destination_version="v2",response_code="503",response_flags="UH"}[3s])) > 0',
      10_000,
    );
    const rates = await eventually("v2's server-side rate to drop to 0", 10_000, async () => {
      const r = byVersion(await p.query(destinationRate("3s")));
      return r.v2 === 0 ? r : undefined;
    });
    expect(rates.v1).to.be.greaterThan(0);
    // Still routed to v2 (the weights did not change), just failing in the caller's proxy.
    expect(sim.counts().v2 ?? 0).to.be.greaterThan(before);
  });

  it("serves the earlier data again after stop() and start()", async () => {
    const p = prometheus as PrometheusServer;
    const url = p.url;
    await p.stop();
    let refused = false;
    await fetch(`${url}/-/ready`).catch(() => {
      refused = true;
    });
    expect(refused).to.equal(true);
    await p.start();
    expect(p.url).to.equal(url);
    // Series from before the restart come back from the data dir.
    const old = await p.query(
      'max_over_time(istio_requests_total{reporter="destination",destination_version="v2"}[1m])',
    );
    expect(old.length).to.be.greaterThan(0);
    await p.waitForSeries('istio_requests_total{reporter="source",response_flags="UH"}', 10_000);
  });
});
