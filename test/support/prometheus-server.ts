/**
 * A real Prometheus (Debian's `prometheus` binary) for integration tests, on a
 * free loopback port with its config and TSDB in a temp directory. Nothing is
 * registered globally: the caller stops it, usually in a mocha `after`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import { findExecutable } from "./find-executable.js";
import { freePort } from "./free-port.js";

export interface PrometheusOptions {
  /** `"127.0.0.1:port"` targets to scrape, e.g. a `TrafficSimulator`'s `target`. */
  readonly targets: readonly string[];
  /** Scrape and evaluation interval. Default `"1s"`. */
  readonly scrapeInterval?: string;
  /** `--storage.tsdb.retention.time`. Default `"1d"`. */
  readonly retention?: string;
  /** More command-line flags, e.g. `--query.lookback-delta=1m`. */
  readonly extraArgs?: readonly string[];
  /**
   * Runs once the (empty) data dir exists, before the first start: e.g. to
   * backfill TSDB blocks into it. A throw fails `startPrometheus` and removes the temp dir.
   */
  readonly prepareDataDir?: (dataDir: string) => Promise<void>;
  /**
   * Prometheus' `--web.config.file` (TLS, basic auth), written as YAML. With
   * `tls_server_config` the `url` is https://. `query` and `waitForSeries`
   * speak plain unauthenticated HTTP, so pass `isReady` too.
   */
  readonly webConfig?: Readonly<Record<string, unknown>>;
  /** How to tell the server is ready; default: `/-/ready` answers 200 (plain HTTP). */
  readonly isReady?: (url: string) => Promise<boolean>;
}

export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  /** `NaN`, `Infinity` and `-Infinity` come through as such. */
  readonly value: number;
}

export interface PrometheusServer {
  /** `http://127.0.0.1:PORT`, the same across `stop()`/`start()`. */
  readonly url: string;
  readonly port: number;
  /** The `--storage.tsdb.path`; kept by `stop()` so `start()` serves the earlier data. */
  readonly dataDir: string;
  /** Starts it again after `stop()`, on the same port and data dir; resolves once ready. */
  start(): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. Keeps the data dir. */
  stop(): Promise<void>;
  /** `stop()`, then removes the temp directory (config and data). */
  close(): Promise<void>;
  /**
   * Polls an instant query until its result is non-empty; throws after
   * `timeoutMs`. `atMs` evaluates it at that time instead of now.
   */
  waitForSeries(promql: string, timeoutMs: number, atMs?: number): Promise<void>;
  /** One instant query, at `atMs` (epoch ms) or now; a vector or scalar result as samples. */
  query(promql: string, atMs?: number): Promise<PromSample[]>;
  /** The tail of Prometheus's own stdout/stderr. */
  log(): string;
}

const INSTALL_HINT =
  "the integration tests need Debian's prometheus package: sudo apt-get install prometheus " +
  "(or put a prometheus binary on PATH)";
const READY_TIMEOUT_MS = 30_000;
const KILL_AFTER_MS = 5_000;
const LOG_LIMIT = 64 * 1024;

/**
 * Starts Prometheus scraping `targets`; resolves once `/-/ready` answers 200.
 * The first scrape comes ~5 s later (Prometheus hands discovered targets to
 * its scrapers on a fixed 5 s tick, with no flag to shorten it), so start it
 * early and wait with `waitForSeries`, never a fixed sleep.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const binary = findExecutable("prometheus");
  if (binary === undefined) throw new Error(`prometheus binary not found; ${INSTALL_HINT}`);
  const root = mkdtempSync(join(tmpdir(), "meshcanary-prometheus-"));
  const server = new PrometheusProcess(binary, root, options);
  try {
    await options.prepareDataDir?.(server.dataDir);
    await server.startFirst();
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
}

class PrometheusProcess implements PrometheusServer {
  readonly #binary: string;
  readonly #root: string;
  readonly #configFile: string;
  readonly #flags: readonly string[];
  readonly #scheme: "http" | "https";
  readonly #isReady: (url: string) => Promise<boolean>;
  readonly dataDir: string;
  #port = 0;
  #child: { readonly process: ChildProcess; readonly exited: Promise<Exit> } | undefined;
  #log = "";

  constructor(binary: string, root: string, options: PrometheusOptions) {
    this.#binary = binary;
    this.#root = root;
    this.dataDir = join(root, "data");
    mkdirSync(this.dataDir);
    this.#configFile = join(root, "prometheus.yml");
    const interval = options.scrapeInterval ?? "1s";
    const config = {
      // scrape_timeout defaults to 10s and Prometheus rejects one longer than the interval.
      global: {
        scrape_interval: interval,
        scrape_timeout: interval,
        evaluation_interval: interval,
      },
      // No targets (e.g. serving backfilled blocks only): no scrape config at all.
      ...(options.targets.length === 0
        ? {}
        : {
            scrape_configs: [
              { job_name: "meshcanary-test", static_configs: [{ targets: [...options.targets] }] },
            ],
          }),
    };
    writeFileSync(this.#configFile, stringify(config));
    const webConfigFile = join(root, "web.yml");
    if (options.webConfig !== undefined) writeFileSync(webConfigFile, stringify(options.webConfig));
    this.#scheme = options.webConfig?.tls_server_config === undefined ? "http" : "https";
    this.#isReady = options.isReady ?? isReady;
    this.#flags = [
      `--storage.tsdb.retention.time=${options.retention ?? "1d"}`,
      ...(options.webConfig === undefined ? [] : [`--web.config.file=${webConfigFile}`]),
      ...(options.extraArgs ?? []),
    ];
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `${this.#scheme}://127.0.0.1:${this.#port}`;
  }

  log(): string {
    return this.#log;
  }

  /** The free-port probe can race with another process; only the first start may move. */
  async startFirst(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.#port = await freePort();
      try {
        await this.start();
        return;
      } catch (error) {
        if (attempt >= 3 || !/address already in use/.test(this.#log)) throw error;
      }
    }
  }

  async start(): Promise<void> {
    if (this.#child !== undefined) throw new Error(`prometheus is already running on ${this.url}`);
    this.#log = "";
    const child = spawn(
      this.#binary,
      [
        `--config.file=${this.#configFile}`,
        `--storage.tsdb.path=${this.dataDir}`,
        `--web.listen-address=127.0.0.1:${this.#port}`,
        ...this.#flags,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<Exit>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", (error) => resolve({ code: null, signal: null, error }));
    });
    child.stdout?.on("data", (chunk: Buffer) => this.#append(chunk));
    child.stderr?.on("data", (chunk: Buffer) => this.#append(chunk));
    this.#child = { process: child, exited };

    const deadline = Date.now() + READY_TIMEOUT_MS;
    let early: Exit | undefined;
    void exited.then((e) => {
      early = e;
    });
    while (Date.now() < deadline) {
      if (early !== undefined) {
        this.#child = undefined;
        const how = early.error?.message ?? `code ${early.code}, signal ${early.signal}`;
        throw new Error(`prometheus exited during startup (${how}):\n${this.#tail()}`);
      }
      if (await this.#isReady(this.url)) return;
      await sleep(100);
    }
    await this.stop();
    throw new Error(
      `prometheus was not ready on ${this.url} within ${READY_TIMEOUT_MS} ms:\n${this.#tail()}`,
    );
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    child.process.kill("SIGTERM");
    const timer = setTimeout(() => child.process.kill("SIGKILL"), KILL_AFTER_MS);
    try {
      await child.exited;
    } finally {
      clearTimeout(timer);
      this.#child = undefined;
    }
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.#root, { recursive: true, force: true });
  }

  async waitForSeries(promql: string, timeoutMs: number, atMs?: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "no answer yet";
    for (;;) {
      try {
        if ((await this.query(promql, atMs)).length > 0) return;
        last = "empty result";
      } catch (error) {
        // Expected while Prometheus is (re)starting; the deadline bounds it.
        last = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() >= deadline) {
        throw new Error(`no series for ${promql} within ${timeoutMs} ms (${last})`);
      }
      await sleep(200);
    }
  }

  async query(promql: string, atMs?: number): Promise<PromSample[]> {
    // RFC 3339 keeps the millisecond exact (a float seconds string need not).
    const at = atMs === undefined ? "" : `&time=${new Date(atMs).toISOString()}`;
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}${at}`, {
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json()) as QueryResponse;
    if (body.status !== "success" || body.data === undefined) {
      throw new Error(
        `query ${promql} failed: ${body.errorType ?? res.status}: ${body.error ?? ""}`,
      );
    }
    const { resultType, result } = body.data;
    if (resultType === "scalar") {
      const [, value] = result as [number, string];
      return [{ metric: {}, value: promNumber(value) }];
    }
    if (resultType !== "vector")
      throw new Error(`query ${promql}: unexpected ${resultType} result`);
    return (result as VectorSample[]).map((s) => ({
      metric: s.metric,
      value: promNumber(s.value[1]),
    }));
  }

  #append(chunk: Buffer): void {
    this.#log += chunk.toString("utf8");
    if (this.#log.length > LOG_LIMIT) this.#log = this.#log.slice(-LOG_LIMIT);
  }

  #tail(lines = 30): string {
    return this.#log.trimEnd().split("\n").slice(-lines).join("\n");
  }
}

interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

interface QueryResponse {
  readonly status: "success" | "error";
  readonly data?: { readonly resultType: string; readonly result: unknown };
  readonly errorType?: string;
  readonly error?: string;
}

/** Prometheus writes non-finite values as "NaN", "+Inf", "-Inf", which parseFloat misreads. */
function promNumber(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
