/**
 * The traffic simulator: a stand-in for the Istio data plane (the Envoy
 * sidecars) in tests and demos. It sends no real requests; it draws simulated
 * ones in-process from seeded distributions, from a population of clients
 * with their own headers and cookie jars, routes each through the compiled
 * manifests as the mesh would (`mesh/`: VirtualService + DestinationRule, or
 * HTTPRoute + Services), and exports what both sidecars would report as
 * Istio's standard metrics on `GET /metrics` for a real Prometheus to scrape.
 * It proves that the compiler and this interpreter agree, not that Envoy does.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import {
  type Client,
  type ClientGroup,
  makeClients,
  type RequestShape,
  requestOf,
} from "./mesh/clients.js";
import { IstioMetrics } from "./mesh/istio-metrics.js";
import { type ManifestSource, routeTable } from "./mesh/manifests.js";
import { responseHeaderValues, routeRequest } from "./mesh/route-request.js";
import {
  type Backend,
  type Labels,
  type RouteTable,
  type ServiceModel,
  selects,
} from "./mesh/route-table.js";
import { inboundService, type Workload, workloadLabels } from "./mesh/telemetry-labels.js";

export type { ClientGroup, RequestShape } from "./mesh/clients.js";
export { manifestsFromGitRemote, parseManifests } from "./mesh/manifests.js";

export interface VersionBehaviour {
  /** Median latency in ms; latencies are lognormal around it. */
  readonly latencyMedianMs: number;
  /** Sigma of the lognormal latency. Default 0.3. */
  readonly latencySigma?: number;
  /** Share of requests the version answers with 500 or 503, 0..1. Default 0. */
  readonly errorRate?: number;
  /**
   * No ready pods: the caller's sidecar answers 503 `UH` itself in ~1 ms, so
   * only `reporter="source"` sees these requests (and a mirrored copy is seen
   * by nobody). Default false.
   */
  readonly down?: boolean;
  /** The version's pod labels. Default `{app: <service>, version: <key>}`. */
  readonly labels?: Labels;
  /** The version's workload (Deployment) name. Default `<service>-<key>`. */
  readonly workload?: string;
}

/** Percent per version key, e.g. `{ v1: 95, v2: 5 }`; need not sum to 100. */
export type Weights = Record<string, number>;
export type WeightsSource = () => Weights | Promise<Weights>;

export interface TrafficSimulatorOptions {
  /** Seed of the PRNG behind every draw: same seed, same routes and behaviours → same requests. */
  readonly seed: number;
  /** Requests per second arriving at the service, all clients together. */
  readonly rps: number;
  /** Simulated time per tick. Default 100. */
  readonly tickMs?: number;
  /** The service clients call. `selector` (default `{app: name}`) picks its pods; it is the oldest Service. */
  readonly service: {
    readonly name: string;
    readonly namespace: string;
    readonly selector?: Labels;
  };
  /** Behaviour per version key. A version the routes name but this omits has no pods: down. */
  readonly versions: Readonly<Record<string, VersionBehaviour>>;
  /**
   * Where requests go, read once per tick (on a throw the previous routes stay
   * in force); exactly one of: `manifests`, a rollout's compiled manifests
   * interpreted as the mesh would; `weights`, every request split by weight
   * per version key, no matching.
   */
  readonly manifests?: ManifestSource;
  readonly weights?: WeightsSource;
  /** The request every client sends unless its group says otherwise. Default `GET /`. */
  readonly request?: RequestShape;
  /** The client population; a request comes from one client drawn uniformly. Default one group of 100 `clients`. */
  readonly clients?: readonly ClientGroup[];
}

export interface SimulatedResponse {
  /** The version key that served it. */
  readonly version: string;
  readonly latencyMs: number;
  readonly responseCode: 200 | 500 | 503;
  readonly responseFlags: "-" | "UH";
}

export interface SimulatedRequest extends SimulatedResponse {
  /** The client that sent it, `<group>#<index>`. */
  readonly client: string;
  /** Copies the mesh mirrored; their answers are discarded. */
  readonly mirrors: readonly SimulatedResponse[];
}

/** What each version actually served, for shares a report can show. */
export interface TrafficCounts {
  /** User-facing requests per version key and client group. */
  readonly served: Record<string, Record<string, number>>;
  /** Mirrored copies per version key. */
  readonly mirrored: Record<string, number>;
  /** Requests no route matched (404 `NR`) or whose route had no weight. */
  readonly unrouted: number;
}

export interface ClientView {
  readonly group: string;
  /** User-facing requests per version key. */
  readonly served: Record<string, number>;
  /** Live cookies, `[name, value]`. */
  readonly cookies: [string, string][];
}

interface TickLoop {
  stopped: boolean;
  timer?: NodeJS.Timeout;
  tick?: Promise<unknown>;
}

/** A version key with its pods, or a backend with none (reported from its selector, as if its pods were not ready). */
interface Pods extends Workload {
  readonly key: string;
}

/** After a stall longer than this (debugger, overloaded CI) ticks restart from now instead of bursting. */
const MAX_LAG_MS = 1000;

export class TrafficSimulator {
  readonly #options: TrafficSimulatorOptions;
  readonly #tickMs: number;
  readonly #random: () => number;
  readonly #behaviours = new Map<string, VersionBehaviour>();
  readonly #counts = new Map<string, number>();
  readonly #served = new Map<string, Record<string, number>>();
  readonly #mirrored = new Map<string, number>();
  #unrouted = 0;
  readonly #clients: Client[];
  /** Every Service seen, oldest first: the service itself, then the manifests' in the order they appeared. */
  readonly #services = new Map<string, ServiceModel>();
  readonly #metrics = new IstioMetrics();
  #table: RouteTable | undefined;
  #ticks = 0;
  #server: Server | undefined;
  #loop: TickLoop | undefined;
  #routesError: unknown;

  constructor(options: TrafficSimulatorOptions) {
    const tickMs = options.tickMs ?? 100;
    if (!(options.rps >= 0)) throw new Error(`rps must be >= 0, got ${options.rps}`);
    if (!(tickMs > 0)) throw new Error(`tickMs must be > 0, got ${tickMs}`);
    if ((options.manifests === undefined) === (options.weights === undefined))
      throw new Error("give exactly one of manifests and weights");
    this.#options = options;
    this.#tickMs = tickMs;
    this.#random = mulberry32(options.seed);
    for (const [version, behaviour] of Object.entries(options.versions)) {
      this.#behaviours.set(version, checkBehaviour(version, behaviour));
      this.#counts.set(version, 0);
    }
    const { name, namespace } = options.service;
    this.#services.set(`${namespace}/${name}`, {
      name,
      namespace,
      selector: options.service.selector ?? { app: name },
    });
    this.#clients = makeClients(
      options.clients ?? [{ name: "clients", count: 100 }],
      options.request ?? {},
    );
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
      this.#metrics.text().then(
        (body) => res.writeHead(200, { "content-type": this.#metrics.contentType }).end(body),
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

  /** The last error reading or interpreting the routes; undefined again after the next good read. */
  get lastRoutesError(): unknown {
    return this.#routesError;
  }

  /** The route table in force, for tests that inspect what the mesh applied. */
  get routeTable(): RouteTable | undefined {
    return this.#table;
  }

  /** User-facing requests routed to each version key so far, failed ones included. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  /** What each version served so far, per client group, and the mirrored copies. */
  traffic(): TrafficCounts {
    return {
      served: Object.fromEntries([...this.#served].map(([v, g]) => [v, { ...g }])),
      mirrored: Object.fromEntries(this.#mirrored),
      unrouted: this.#unrouted,
    };
  }

  /** Each client by id (`<group>#<index>`): the versions that served it and its live cookies. */
  clients(): Record<string, ClientView> {
    const now = this.#nowMs();
    return Object.fromEntries(
      this.#clients.map((c) => [
        c.id,
        { group: c.group, served: { ...c.served }, cookies: c.jar.entries(now) },
      ]),
    );
  }

  /** The exposition text `GET /metrics` serves. */
  metrics(): Promise<string> {
    return this.#metrics.text();
  }

  /** Simulated time: ticks so far × tickMs. Cookies expire in it. */
  #nowMs(): number {
    return this.#ticks * this.#tickMs;
  }

  async #readRoutes(): Promise<void> {
    try {
      const { manifests, weights } = this.#options;
      if (manifests !== undefined) {
        const docs = await manifests();
        const table = routeTable(docs, [...this.#services.values()]);
        for (const s of table.services) {
          // Creation order: a Service seen before keeps its place (and its age).
          this.#services.set(`${s.namespace}/${s.name}`, s);
        }
        this.#table = table;
      } else if (weights !== undefined) {
        this.#table = this.#weightsTable(await weights());
      }
      this.#routesError = undefined;
    } catch (error) {
      this.#routesError = error;
    }
  }

  /** Plain weights as one route without matches, each version key's pods a backend. */
  #weightsTable(weights: Weights): RouteTable {
    const { name, namespace } = this.#options.service;
    const backends = Object.entries(weights).map(([key, weight]) => ({
      backend: { service: name, namespace, selector: this.#podLabels(key) },
      weight,
      responseHeaders: { add: [], set: [] },
    }));
    return {
      target: "istio",
      routes: [
        {
          name: "weights",
          matches: [],
          backends,
          mirrors: [],
          responseHeaders: { add: [], set: [] },
        },
      ],
      services: [],
    };
  }

  #podLabels(key: string): Labels {
    return this.#behaviours.get(key)?.labels ?? { app: this.#options.service.name, version: key };
  }

  /** The pods a backend's selector picks: one version drawn among those it matches (endpoint load balancing). */
  #pods(backend: Backend): Pods {
    const matching = [...this.#behaviours.keys()].filter((key) =>
      selects(backend.selector, this.#podLabels(key)),
    );
    const key =
      matching.length <= 1 ? matching[0] : matching[Math.floor(this.#random() * matching.length)];
    const namespace = backend.namespace;
    if (key !== undefined) {
      const name = this.#behaviours.get(key)?.workload ?? `${this.#options.service.name}-${key}`;
      return { key, name, namespace, labels: this.#podLabels(key) };
    }
    const key0 = backend.selector.version ?? backend.service;
    return {
      key: key0,
      name: `${this.#options.service.name}-${key0}`,
      namespace,
      labels: backend.selector,
    };
  }

  async #tick(): Promise<SimulatedRequest[]> {
    await this.#readRoutes();
    this.#ticks += 1;
    const now = this.#nowMs();
    const n = poisson(this.#random, (this.#options.rps * this.#tickMs) / 1000);
    const made: SimulatedRequest[] = [];
    const table = this.#table;
    if (table === undefined) return made;
    for (let i = 0; i < n; i++) {
      const client = this.#clients[Math.floor(this.#random() * this.#clients.length)] as Client;
      const routing = routeRequest(table, requestOf(client, now), this.#random);
      if (routing.kind !== "routed") {
        // Envoy answers these itself (404 NR, or 500/503 with every weight at 0) with no
        // destination workload; no judge query selects such series, so none are exported.
        this.#unrouted += 1;
        continue;
      }
      const pods = this.#pods(routing.backend);
      const response = this.#serve(pods);
      this.#record(routing.backend, pods, response, ["source", "destination"]);
      this.#counts.set(pods.key, (this.#counts.get(pods.key) ?? 0) + 1);
      const perGroup = this.#served.get(pods.key) ?? {};
      perGroup[client.group] = (perGroup[client.group] ?? 0) + 1;
      this.#served.set(pods.key, perGroup);
      client.served[pods.key] = (client.served[pods.key] ?? 0) + 1;
      for (const setCookie of responseHeaderValues(routing.responseHeaders, "set-cookie")) {
        client.jar.receive(setCookie, now);
      }
      // The caller's proxy sends copies fire-and-forget outside its stats filter: only the server reports them.
      const mirrors = routing.mirrors.map((backend) => {
        const mirrorPods = this.#pods(backend);
        const copy = this.#serve(mirrorPods);
        this.#record(backend, mirrorPods, copy, ["destination"]);
        this.#mirrored.set(mirrorPods.key, (this.#mirrored.get(mirrorPods.key) ?? 0) + 1);
        return copy;
      });
      made.push({ ...response, client: client.id, mirrors });
    }
    return made;
  }

  #serve(pods: Pods): SimulatedResponse {
    const version = pods.key;
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

  #record(
    backend: Backend,
    pods: Pods,
    response: SimulatedResponse,
    reporters: readonly ("source" | "destination")[],
  ): void {
    const namespace = this.#options.service.namespace;
    const server = inboundService([...this.#services.values()], pods) ?? {
      name: backend.service,
      namespace: backend.namespace,
    };
    for (const reporter of reporters) {
      // A UH 503 never reached a server-side proxy, so only the caller's reports it.
      if (reporter === "destination" && response.responseFlags === "UH") continue;
      const service =
        reporter === "source" ? { name: backend.service, namespace: backend.namespace } : server;
      this.#metrics.record(
        {
          reporter,
          source_workload: "loadgen",
          source_workload_namespace: namespace,
          destination_service: `${service.name}.${service.namespace}.svc.cluster.local`,
          destination_service_name: service.name,
          destination_service_namespace: service.namespace,
          ...workloadLabels(pods),
          response_code: String(response.responseCode),
          response_flags: response.responseFlags,
          request_protocol: "http",
        },
        response.latencyMs,
      );
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
