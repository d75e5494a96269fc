/**
 * The traffic simulator: a stand-in for the Istio data plane (the Envoy
 * sidecars) in tests and demos. It sends no real requests; it draws simulated
 * ones in-process from seeded distributions, splits them between versions by
 * the current route weights, and exports what both sidecars would report as
 * Istio's standard metrics on `GET /metrics` for a real Prometheus to scrape.
 */
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { Counter, Histogram, Registry } from "prom-client";
import { parse } from "yaml";
import { ISTIO_DURATION_BUCKETS_MS } from "../../src/analysis/histogram.js";

export interface VersionBehaviour {
  /** Median latency in ms; latencies are lognormal around it. */
  readonly latencyMedianMs: number;
  /** Sigma of the lognormal latency. Default 0.3. */
  readonly latencySigma?: number;
  /** Share of requests the version answers with 500 or 503, 0..1. Default 0. */
  readonly errorRate?: number;
  /**
   * No ready pods: the caller's sidecar answers 503 `UH` itself in ~1 ms, so
   * only `reporter="source"` sees these requests. Default false.
   */
  readonly down?: boolean;
}

/** Percent per version label value, e.g. `{ v1: 95, v2: 5 }`; need not sum to 100. */
export type Weights = Record<string, number>;
export type WeightsSource = () => Weights | Promise<Weights>;

export interface TrafficSimulatorOptions {
  /** Seed of the PRNG behind every draw: same seed, same weights and behaviours → same requests. */
  readonly seed: number;
  /** Requests per second arriving at the route, all versions together. */
  readonly rps: number;
  /** Simulated time per tick. Default 100. */
  readonly tickMs?: number;
  readonly service: { readonly name: string; readonly namespace: string };
  /** Behaviour per version label value. A version the weights name but this omits has no pods: down. */
  readonly versions: Readonly<Record<string, VersionBehaviour>>;
  /** Read once per tick; on a throw the previous weights stay in force. */
  readonly weights: WeightsSource;
}

export interface SimulatedRequest {
  readonly version: string;
  readonly latencyMs: number;
  readonly responseCode: 200 | 500 | 503;
  readonly responseFlags: "-" | "UH";
}

const LABELS = [
  "reporter",
  "source_workload",
  "source_workload_namespace",
  "destination_service",
  "destination_service_name",
  "destination_service_namespace",
  "destination_workload",
  "destination_version",
  "response_code",
  "response_flags",
  "request_protocol",
] as const;
type Label = (typeof LABELS)[number];

interface TickLoop {
  stopped: boolean;
  timer?: NodeJS.Timeout;
  tick?: Promise<unknown>;
}

/** After a stall longer than this (debugger, overloaded CI) ticks restart from now instead of bursting. */
const MAX_LAG_MS = 1000;

export class TrafficSimulator {
  readonly #options: TrafficSimulatorOptions;
  readonly #tickMs: number;
  readonly #random: () => number;
  readonly #behaviours = new Map<string, VersionBehaviour>();
  readonly #counts = new Map<string, number>();
  readonly #registry = new Registry();
  readonly #requests: Counter<Label>;
  readonly #duration: Histogram<Label>;
  #weights: Weights = {};
  #server: Server | undefined;
  #loop: TickLoop | undefined;
  #weightsError: unknown;

  constructor(options: TrafficSimulatorOptions) {
    const tickMs = options.tickMs ?? 100;
    if (!(options.rps >= 0)) throw new Error(`rps must be >= 0, got ${options.rps}`);
    if (!(tickMs > 0)) throw new Error(`tickMs must be > 0, got ${tickMs}`);
    this.#options = options;
    this.#tickMs = tickMs;
    this.#random = mulberry32(options.seed);
    for (const [version, behaviour] of Object.entries(options.versions)) {
      this.#behaviours.set(version, checkBehaviour(version, behaviour));
      this.#counts.set(version, 0);
    }
    this.#requests = new Counter({
      name: "istio_requests_total",
      help: "Requests seen by the Istio proxies (simulated).",
      labelNames: LABELS,
      registers: [this.#registry],
    });
    this.#duration = new Histogram({
      name: "istio_request_duration_milliseconds",
      help: "Request duration in milliseconds seen by the Istio proxies (simulated).",
      labelNames: LABELS,
      buckets: [...ISTIO_DURATION_BUCKETS_MS],
      registers: [this.#registry],
    });
  }

  /** `"127.0.0.1:PORT"` for Prometheus's scrape config; only after `start()`. */
  get target(): string {
    const address = this.#server?.address();
    if (address === undefined || address === null || typeof address === "string") {
      throw new Error("the traffic simulator is not started");
    }
    return `${(address as AddressInfo).address}:${(address as AddressInfo).port}`;
  }

  /** Serves /metrics on a free loopback port and starts the ticks. */
  async start(): Promise<void> {
    if (this.#server !== undefined) throw new Error("the traffic simulator is already started");
    const server = createServer((req, res) => {
      if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
        res.writeHead(404).end();
        return;
      }
      this.#registry.metrics().then(
        (body) => res.writeHead(200, { "content-type": this.#registry.contentType }).end(body),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    const loop: TickLoop = { stopped: false };
    this.#loop = loop;
    let origin = performance.now();
    let n = 0;
    // Ticks are due at fixed times from the origin so timer lateness does not lower the rate.
    const schedule = () => {
      n += 1;
      const now = performance.now();
      if (now - (origin + n * this.#tickMs) > MAX_LAG_MS) {
        origin = now;
        n = 0;
      }
      const delay = Math.max(0, origin + n * this.#tickMs - now);
      loop.timer = setTimeout(() => {
        loop.tick = this.#tick().then(() => {
          if (!loop.stopped) schedule();
        });
      }, delay);
    };
    schedule();
  }

  /** Stops the ticks and the HTTP server; the counts and metrics stay readable. */
  async stop(): Promise<void> {
    const loop = this.#loop;
    if (loop !== undefined) {
      loop.stopped = true;
      clearTimeout(loop.timer);
      await loop.tick;
      this.#loop = undefined;
    }
    const server = this.#server;
    if (server !== undefined) {
      this.#server = undefined;
      // Prometheus keeps its scrape connection alive; close() alone would wait for it.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
  }

  /**
   * One tick by hand, for tests that drive simulated time themselves; returns
   * the requests it made. Not while started: the ticks would share the PRNG.
   */
  async step(): Promise<SimulatedRequest[]> {
    if (this.#loop !== undefined) throw new Error("step() is for a simulator that is not started");
    return this.#tick();
  }

  /** Changes a version's behaviour from the next tick on, e.g. a latency regression or its pods going down. */
  setBehaviour(version: string, change: Partial<VersionBehaviour>): void {
    const current = this.#behaviours.get(version);
    if (current === undefined && change.latencyMedianMs === undefined) {
      throw new Error(`unknown version ${version}: give latencyMedianMs to add it`);
    }
    const next = { ...current, ...change } as VersionBehaviour;
    this.#behaviours.set(version, checkBehaviour(version, next));
    if (!this.#counts.has(version)) this.#counts.set(version, 0);
  }

  /** The last error thrown by the weights source; undefined again after the next good read. */
  get lastWeightsError(): unknown {
    return this.#weightsError;
  }

  /** Requests routed to each version so far, failed ones included. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  /** The exposition text `GET /metrics` serves. */
  metrics(): Promise<string> {
    return this.#registry.metrics();
  }

  async #tick(): Promise<SimulatedRequest[]> {
    try {
      this.#weights = { ...(await this.#options.weights()) };
      this.#weightsError = undefined;
    } catch (error) {
      this.#weightsError = error;
    }
    const routes = Object.entries(this.#weights).filter(([, w]) => w > 0);
    const total = routes.reduce((sum, [, w]) => sum + w, 0);
    const n = poisson(this.#random, (this.#options.rps * this.#tickMs) / 1000);
    const made: SimulatedRequest[] = [];
    // With every weight at 0 Envoy has no cluster to pick; such requests are not simulated.
    if (total <= 0) return made;
    for (let i = 0; i < n; i++) {
      let u = this.#random() * total;
      let version = (routes[routes.length - 1] as [string, number])[0];
      for (const [v, w] of routes) {
        u -= w;
        if (u < 0) {
          version = v;
          break;
        }
      }
      const request = this.#serve(version);
      this.#record(request);
      made.push(request);
    }
    return made;
  }

  #serve(version: string): SimulatedRequest {
    this.#counts.set(version, (this.#counts.get(version) ?? 0) + 1);
    const behaviour = this.#behaviours.get(version);
    if (behaviour === undefined || behaviour.down === true) {
      return { version, latencyMs: 1, responseCode: 503, responseFlags: "UH" };
    }
    const sigma = behaviour.latencySigma ?? 0.3;
    const latencyMs = Math.exp(
      Math.log(behaviour.latencyMedianMs) + sigma * gaussian(this.#random),
    );
    if (this.#random() < (behaviour.errorRate ?? 0)) {
      const responseCode = this.#random() < 0.5 ? 500 : 503;
      return { version, latencyMs, responseCode, responseFlags: "-" };
    }
    return { version, latencyMs, responseCode: 200, responseFlags: "-" };
  }

  #record(request: SimulatedRequest): void {
    const { name, namespace } = this.#options.service;
    const labels: Record<Exclude<Label, "reporter">, string> = {
      source_workload: "loadgen",
      source_workload_namespace: namespace,
      destination_service: `${name}.${namespace}.svc.cluster.local`,
      destination_service_name: name,
      destination_service_namespace: namespace,
      destination_workload: `${name}-${request.version}`,
      destination_version: request.version,
      response_code: String(request.responseCode),
      response_flags: request.responseFlags,
      request_protocol: "http",
    };
    // A UH 503 never reached a server-side proxy, so only the caller's reports it.
    const reporters = request.responseFlags === "UH" ? ["source"] : ["source", "destination"];
    for (const reporter of reporters) {
      this.#requests.inc({ ...labels, reporter });
      this.#duration.observe({ ...labels, reporter }, request.latencyMs);
    }
  }
}

function checkBehaviour(version: string, b: VersionBehaviour): VersionBehaviour {
  if (!(b.latencyMedianMs > 0)) throw new Error(`${version}: latencyMedianMs must be > 0`);
  if (b.latencySigma !== undefined && !(b.latencySigma >= 0)) {
    throw new Error(`${version}: latencySigma must be >= 0`);
  }
  if (b.errorRate !== undefined && !(b.errorRate >= 0 && b.errorRate <= 1)) {
    throw new Error(`${version}: errorRate must be within 0..1`);
  }
  return b;
}

/** mulberry32: tiny, fast, good enough for simulated traffic, and seedable (Math.random is not). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal by Box–Muller. */
function gaussian(random: () => number): number {
  const u1 = 1 - random(); // (0, 1]: log(0) would be -Infinity
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Knuth's method, in chunks of mean <= 30 so exp(-mean) never underflows (Poisson sums are Poisson). */
function poisson(random: () => number, mean: number): number {
  let n = 0;
  for (let left = mean; left > 0; left -= 30) {
    const limit = Math.exp(-Math.min(left, 30));
    let p = random();
    while (p > limit) {
      n += 1;
      p *= random();
    }
  }
  return n;
}

export interface GitRemoteWeightsOptions {
  /** Path of the bare repository the watchdog pushes to. */
  readonly bareRepo: string;
  readonly branch: string;
  /** Path inside the repository, e.g. `manifests/recs/recommend/virtualservice.yaml`. */
  readonly virtualServicePath: string;
  readonly destinationRulePath: string;
  /** Minimum time between two reads of the repository. Default 200. */
  readonly refreshMs?: number;
}

const execFileAsync = promisify(execFile);

/**
 * Weights that follow the rollout: read from the compiled manifests on
 * `branch` of a bare repository, as Argo CD would apply them. On a git or
 * parse error the last good weights stay in force (a half-pushed state must
 * not stop the traffic); with none yet, the error is thrown.
 */
export function weightsFromGitRemote(options: GitRemoteWeightsOptions): WeightsSource {
  const refreshMs = options.refreshMs ?? 200;
  let last: Weights | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<Weights> | undefined;
  const show = async (path: string) =>
    (
      await execFileAsync(
        "git",
        ["--git-dir", options.bareRepo, "show", `${options.branch}:${path}`],
        {
          encoding: "utf8",
          timeout: 5000,
        },
      )
    ).stdout;
  const read = async (): Promise<Weights> => {
    try {
      const [vs, dr] = await Promise.all([
        show(options.virtualServicePath),
        show(options.destinationRulePath),
      ]);
      last = weightsFromManifests(vs, dr);
      return last;
    } catch (error) {
      if (last === undefined) throw error;
      return last;
    } finally {
      readAt = performance.now();
      reading = undefined;
    }
  };
  return () => {
    if (last !== undefined && performance.now() - readAt < refreshMs) return last;
    reading ??= read();
    return reading;
  };
}

/**
 * Percent per version label value from a compiled VirtualService and
 * DestinationRule: the first `spec.http` route's destinations, each subset
 * mapped to `labels.version`, else `labels["app.kubernetes.io/version"]`,
 * else the subset name (the same rule the watchdog uses).
 */
export function weightsFromManifests(virtualService: string, destinationRule: string): Weights {
  const vs: unknown = parse(virtualService);
  const dr: unknown = parse(destinationRule);
  const subsets = new Map<string, string>();
  for (const subset of arrayAt(dr, ["spec", "subsets"], "DestinationRule")) {
    const name = at(subset, ["name"]);
    if (typeof name !== "string") throw new Error("DestinationRule: a subset has no name");
    const labels = at(subset, ["labels"]);
    const version = at(labels, ["version"]) ?? at(labels, ["app.kubernetes.io/version"]) ?? name;
    subsets.set(name, String(version));
  }
  const [first] = arrayAt(vs, ["spec", "http"], "VirtualService");
  const route = arrayAt(first, ["route"], "VirtualService: spec.http[0]");
  const weights: Weights = {};
  route.forEach((destination, i) => {
    const subset = at(destination, ["destination", "subset"]);
    if (typeof subset !== "string") {
      throw new Error(`VirtualService: spec.http[0].route[${i}] has no subset`);
    }
    const version = subsets.get(subset);
    if (version === undefined) {
      throw new Error(`VirtualService: subset ${subset} is not in the DestinationRule`);
    }
    const weight = at(destination, ["weight"]) ?? (route.length === 1 ? 100 : 0);
    if (typeof weight !== "number")
      throw new Error(`VirtualService: weight of ${subset} is not a number`);
    weights[version] = (weights[version] ?? 0) + weight;
  });
  return weights;
}

function at(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function arrayAt(value: unknown, path: readonly string[], what: string): unknown[] {
  const v = at(value, path);
  if (!Array.isArray(v) || v.length === 0)
    throw new Error(`${what}: ${path.join(".")} is missing or empty`);
  return v;
}
