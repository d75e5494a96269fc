/**
 * One watchdog scenario with real parts: a bare git remote holding the
 * rollout, the traffic simulator (stand-in for the Istio data plane) following
 * the weights pushed there, and a real Prometheus scraping the simulator.
 */
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { watchSettings } from "../../src/config/watch-settings.js";
import type { RolloutOutcome } from "../../src/engine/evaluate.js";
import { GitWorkingCopy } from "../../src/gitops/repo.js";
import { PrometheusClient } from "../../src/prometheus/client.js";
import type { CycleDeps, CycleReport } from "../../src/watchdog/cycle.js";
import { createLogger, type Logger } from "../../src/watchdog/log.js";
import { startWatchdog } from "../../src/watchdog/watchdog.js";
import type { BareRemote } from "./git-remote.js";
import type { SpecDoc } from "./make-spec.js";
import { type PrometheusServer, startPrometheus } from "./prometheus-server.js";
import { fastSpec, rolloutRemote, VS_PATH } from "./rollout-repo.js";
import { auditOutput } from "./secrets-audit.js";
import {
  type ClientGroup,
  manifestsFromGitRemote,
  type RequestShape,
  TrafficSimulator,
  type VersionBehaviour,
} from "./simulator.js";

export interface HarnessOptions {
  readonly spec?: SpecDoc;
  readonly rps?: number;
  readonly versions?: Record<string, VersionBehaviour>;
  readonly seed?: number;
  /** The simulated clients; default 100 alike, sending `RECOMMEND_REQUEST`. */
  readonly clients?: readonly ClientGroup[];
  /** More `127.0.0.1:port` targets for Prometheus to scrape, e.g. a watchdog's `--listen`. */
  readonly extraTargets?: readonly string[];
  /** The series whose arrival in Prometheus means the scenario runs; default v2's (a dead v2 has none). */
  readonly readyQuery?: string;
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

/** The rollout's output directory in the GitOps repo, whichever target compiled it. */
export const ROLLOUT_DIR = dirname(VS_PATH);

export const HEALTHY: Record<string, VersionBehaviour> = {
  v1: { latencyMedianMs: 40, latencySigma: 0.3, errorRate: 0.001 },
  v2: { latencyMedianMs: 40, latencySigma: 0.3, errorRate: 0.001 },
};

/** The request `makeSpec`'s route matches: what the simulated clients send unless a test says otherwise. */
export const RECOMMEND_REQUEST: RequestShape = { method: "POST", path: "/api/v1/recommend" };

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const spec = options.spec ?? fastSpec();
  const remote = rolloutRemote(spec);
  const selector = ((spec.spec as SpecDoc).service as { selector?: Record<string, string> })
    .selector;
  const sim = new TrafficSimulator({
    seed: options.seed ?? 7,
    rps: options.rps ?? 200,
    service: {
      name: "recommender",
      namespace: "recs",
      ...(selector === undefined ? {} : { selector }),
    },
    versions: options.versions ?? HEALTHY,
    manifests: manifestsFromGitRemote({ bareRepo: remote.bare, branch: "main", dir: ROLLOUT_DIR }),
    request: RECOMMEND_REQUEST,
    ...(options.clients === undefined ? {} : { clients: options.clients }),
  });
  await sim.start();
  const prom = await startPrometheus({
    targets: [sim.target, ...(options.extraTargets ?? [])],
  });
  await prom.waitForSeries(
    options.readyQuery ?? 'istio_requests_total{destination_version="v2"}',
    30_000,
  );
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

export interface LoopOptions {
  /** Time between cycles; default 1 s. */
  readonly intervalMs?: number;
  readonly deps?: Parameters<Harness["deps"]>[0];
}

/** Runs a watchdog loop on the harness until `stop()`, keeping every cycle's report. */
export async function loop(h: Harness, options: LoopOptions = {}) {
  const controller = new AbortController();
  const reports: CycleReport[] = [];
  const watchdog = startWatchdog({
    ...(await h.deps(options.deps ?? {})),
    loopIntervalMs: options.intervalMs ?? 1000,
    signal: controller.signal,
    onCycle: (report) => {
      reports.push(report);
    },
  });
  return {
    watchdog,
    reports,
    /** Cycles finished so far. */
    cycles: () => reports.length,
    /** Outcomes of one rollout (default recs/recommend), oldest first. */
    outcomes: (rollout = "recs/recommend"): RolloutOutcome[] =>
      reports.flatMap((r) => r.outcomes.filter((o) => o.rollout === rollout)),
    stop: async () => {
      controller.abort();
      return watchdog.done;
    },
  };
}

/** Runs a watchdog loop until a decision commit with `subject` is on the remote, then stops it. */
export async function loopUntilDecision(
  h: Harness,
  subject: string,
  timeoutMs = 60_000,
  options: LoopOptions = {},
): Promise<void> {
  const w = await loop(h, options);
  try {
    await waitFor(subject, () => decisionSubjects(h).includes(subject), timeoutMs);
  } finally {
    await w.stop();
  }
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
