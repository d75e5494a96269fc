/**
 * One watchdog scenario with real parts: a bare git remote holding the
 * rollout, the traffic simulator (stand-in for the Istio data plane) following
 * the weights pushed there, and a real Prometheus scraping the simulator.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { watchSettings } from "../../src/config/watch-settings.js";
import { GitWorkingCopy } from "../../src/gitops/repo.js";
import { PrometheusClient } from "../../src/prometheus/client.js";
import type { CycleDeps } from "../../src/watchdog/cycle.js";
import { createLogger, type Logger } from "../../src/watchdog/log.js";
import type { BareRemote } from "./git-remote.js";
import type { SpecDoc } from "./make-spec.js";
import { type PrometheusServer, startPrometheus } from "./prometheus-server.js";
import { DR_PATH, fastSpec, rolloutRemote, VS_PATH } from "./rollout-repo.js";
import { auditOutput } from "./secrets-audit.js";
import { TrafficSimulator, type VersionBehaviour, weightsFromGitRemote } from "./simulator.js";

export interface HarnessOptions {
  readonly spec?: SpecDoc;
  readonly rps?: number;
  readonly versions?: Record<string, VersionBehaviour>;
  readonly seed?: number;
  /** More `127.0.0.1:port` targets for Prometheus to scrape, e.g. a watchdog's `--listen`. */
  readonly extraTargets?: readonly string[];
}

export interface Harness {
  readonly remote: BareRemote;
  readonly sim: TrafficSimulator;
  readonly prom: PrometheusServer;
  /** Log lines the harness's watchdogs wrote. */
  readonly logs: string[];
  /** Dependencies of a watchdog on this scenario, each with its own working copy. */
  deps(overrides?: Partial<CycleDeps>): Promise<CycleDeps>;
  /**
   * Waits until Prometheus holds a full 5 s window of canary traffic (fastSpec's
   * window), then one more check interval. The statistical judge calls fewer than
   * 100 requests (what a p99 needs) inconclusive, so a test expecting a verdict
   * must not judge a window that is still filling.
   */
  waitForFullWindow(): Promise<void>;
  close(): Promise<void>;
}

export const HEALTHY: Record<string, VersionBehaviour> = {
  v1: { latencyMedianMs: 40, latencySigma: 0.3, errorRate: 0.001 },
  v2: { latencyMedianMs: 40, latencySigma: 0.3, errorRate: 0.001 },
};

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const remote = rolloutRemote(options.spec ?? fastSpec());
  const sim = new TrafficSimulator({
    seed: options.seed ?? 7,
    rps: options.rps ?? 200,
    service: { name: "recommender", namespace: "recs" },
    versions: options.versions ?? HEALTHY,
    weights: weightsFromGitRemote({
      bareRepo: remote.bare,
      branch: "main",
      virtualServicePath: VS_PATH,
      destinationRulePath: DR_PATH,
    }),
  });
  await sim.start();
  const prom = await startPrometheus({
    targets: [sim.target, ...(options.extraTargets ?? [])],
  });
  await prom.waitForSeries('istio_requests_total{destination_version="v2"}', 30_000);
  const logs: string[] = [];
  const log: Logger = createLogger({ json: true, write: (line) => logs.push(line) });
  auditOutput("watchdog harness log", () => logs.join("\n"));
  return {
    remote,
    sim,
    prom,
    logs,
    async deps(overrides = {}) {
      const repo = await GitWorkingCopy.open({
        remote: remote.bare,
        branch: "main",
        author: { name: "meshcanary", email: "meshcanary@localhost" },
      });
      return {
        repo,
        metrics: new PrometheusClient({ url: prom.url, timeoutMs: 2000 }),
        settings: (dir: string) => watchSettings(dir, {}),
        now: Date.now,
        log,
        ...overrides,
      };
    },
    async waitForFullWindow() {
      // The window that ended 1.5 s ago is full too, so the check times a cycle judges now all are.
      await prom.waitForSeries(
        'sum(increase(istio_requests_total{destination_version="v2",reporter="destination"}[5s] offset 1500ms)) > 150',
        30_000,
      );
    },
    async close() {
      await sim.stop();
      await prom.close();
      remote.remove();
    },
  };
}

/** Polls until `check` returns a value other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** Commit subjects on the remote, oldest first, without the initial commit. */
export function decisionSubjects({ remote }: { remote: BareRemote }): string[] {
  return remote
    .log()
    .map((c) => c.subject)
    .reverse()
    .slice(1);
}
