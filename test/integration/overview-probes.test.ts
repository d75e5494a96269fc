/**
 * The probes over HTTP, against a running loop: with real Prometheus and real
 * git, /livez stays 200 through a Prometheus outage while /readyz (and its
 * alias /healthz) turns 503 with the last error; a loop whose cycle hangs
 * (a git stand-in that never answers) makes /livez 503.
 */
import type { Server } from "node:http";
import { expect } from "chai";
import fetch from "node-fetch";
import type { GitOpsRepo } from "../../src/gitops/repo.js";
import { startHealthServer } from "../../src/watchdog/http-server.js";
import { silentLogger } from "../../src/watchdog/log.js";
import { Telemetry } from "../../src/watchdog/telemetry.js";
import { startWatchdog, type Watchdog } from "../../src/watchdog/watchdog.js";
import { fastSpec } from "../support/rollout-repo.js";
import { type Harness, startHarness, waitFor } from "../support/watchdog-harness.js";

interface ProbeAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function probe(port: number, path: string): Promise<ProbeAnswer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The watchdog's HTTP server on a free loopback port, for `watchdog`'s health. */
async function serve(
  watchdog: Watchdog,
  telemetry: Telemetry,
  bounds: { staleAfterMs: number; stuckAfterMs: number },
): Promise<{ port: number; server: Server }> {
  const server = await startHealthServer(
    { host: "127.0.0.1", port: 0 },
    {
      telemetry,
      health: watchdog.health,
      ...bounds,
    },
  );
  return { port: (server.address() as { port: number }).port, server };
}

describe("probes: /livez apart from /readyz", function () {
  this.timeout(90_000);
  let h: Harness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("a Prometheus outage turns /readyz and /healthz 503 with the error, never /livez", async () => {
    h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 1000 } }) });
    const controller = new AbortController();
    const telemetry = new Telemetry();
    const watchdog = startWatchdog({
      ...(await h.deps({ telemetry })),
      loopIntervalMs: 200,
      signal: controller.signal,
    });
    const { port, server } = await serve(watchdog, telemetry, {
      staleAfterMs: 1500,
      stuckAfterMs: 20_000,
    });
    try {
      await waitFor("/readyz 200", async () => (await probe(port, "/readyz")).status === 200);
      expect((await probe(port, "/livez")).status).to.equal(200);
      expect((await probe(port, "/healthz")).status).to.equal(200);

      await h.prom.stop();
      const failing = await waitFor("/readyz 503", async () => {
        const r = await probe(port, "/readyz");
        return r.status === 503 ? r : undefined;
      });
      expect(failing.body.status).to.equal("failing");
      expect(failing.body.lastError).to.match(/Prometheus|ECONNREFUSED|fetch failed/);
      const alias = await probe(port, "/healthz");
      expect([alias.status, alias.body.status]).to.deep.equal([503, "failing"]);
      // The loop keeps beating through the outage: alive, so Kubernetes leaves the pod running.
      for (let i = 0; i < 5; i++) {
        const live = await probe(port, "/livez");
        expect([live.status, live.body.status]).to.deep.equal([200, "ok"]);
        expect(Date.parse(live.body.loopBeat as string)).to.be.above(Date.now() - 20_000);
      }

      await h.prom.start();
      await waitFor("/readyz 200 again", async () => (await probe(port, "/readyz")).status === 200);
    } finally {
      controller.abort();
      await watchdog.done;
      await new Promise((r) => server.close(r));
    }
  });

  it("a cycle that hangs turns /livez 503 (stand-in: a git remote that never answers)", async () => {
    const hanging: GitOpsRepo = {
      dir: "/nonexistent",
      sync: () => new Promise<string>(() => {}),
      lastChangeTimes: async () => new Map(),
      commit: async () => undefined,
      push: async () => "pushed",
    };
    const controller = new AbortController();
    const telemetry = new Telemetry();
    const watchdog = startWatchdog({
      repo: hanging,
      metrics: { query: async () => [], queryRange: async () => [] },
      settings: () => ({
        specs: ["rollouts"],
        out: "manifests",
        apiVersion: "networking.istio.io/v1",
      }),
      now: Date.now,
      log: silentLogger,
      telemetry,
      loopIntervalMs: 100,
      signal: controller.signal,
    });
    const { port, server } = await serve(watchdog, telemetry, {
      staleAfterMs: 300,
      stuckAfterMs: 500,
    });
    try {
      const stuck = await waitFor("/livez 503", async () => {
        const r = await probe(port, "/livez");
        return r.status === 503 ? r : undefined;
      });
      expect(stuck.body.status).to.equal("stuck");
      expect((await probe(port, "/readyz")).status).to.equal(503);
      // Other routes still answer: the process is fine, only its loop is not.
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.status).to.equal(200);
    } finally {
      controller.abort();
      await new Promise((r) => server.close(r));
    }
  });
});
