/**
 * The watchdog's endpoints on `--listen`: `/metrics` (Prometheus text
 * format), `/livez` (the process and its loop are alive), `/readyz` and its
 * older name `/healthz` (cycles succeed, so Prometheus and git answer), and,
 * when given the pages, `/` (the live overview) and `/rollouts/<ns>/<name>`
 * (one rollout's report). Probes and metrics serve only counts, weights and
 * timestamps: nothing secret.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import type { Telemetry } from "./telemetry.js";

export interface Health {
  /** Epoch ms of the last successful cycle, if any. */
  readonly lastSuccessMs?: number;
  readonly lastError?: string;
  /** Epoch ms the loop last started a cycle or a sleep; absent before the loop starts. */
  readonly loopBeatMs?: number;
}

/** The HTML pages behind `/` and `/rollouts/<ns>/<name>`. */
export interface OverviewPages {
  overview(): string;
  /** The rollout's report, or undefined when the watchdog does not see that rollout. */
  rolloutReport(namespace: string, name: string): Promise<string | undefined>;
}

export interface HealthServerOptions {
  readonly telemetry: Telemetry;
  readonly health: () => Health;
  /** A success older than this is not ready (`/readyz` 503). */
  readonly staleAfterMs: number;
  /**
   * A loop beat older than this means the loop is stuck or gone (`/livez`
   * 503); see `stuckAfterMs()`. Default: `stuckAfterMs(staleAfterMs)`.
   */
  readonly stuckAfterMs?: number;
  /** When given, `/` and `/rollouts/<ns>/<name>` serve them. */
  readonly pages?: OverviewPages;
  readonly now?: () => number;
}

/**
 * The longest a cycle may run before the loop counts as stuck. Every wait in
 * a cycle has its own timeout (Prometheus queries, git), so a cycle that runs
 * this long is hung, not slow; a restart is what helps then.
 */
export const CYCLE_BUDGET_MS = 5 * 60_000;

/** The loop sleeps at most `loopIntervalMs` and a cycle lasts at most `CYCLE_BUDGET_MS`. */
export function stuckAfterMs(loopIntervalMs: number): number {
  return loopIntervalMs + CYCLE_BUDGET_MS;
}

/** The pages fetch nothing and run nothing; the header also forbids framing, which a meta tag cannot. */
const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
} as const;

const TEXT_HEADERS = {
  "content-type": "text/plain; charset=utf-8",
  "x-content-type-options": "nosniff",
} as const;

const ROLLOUT_PATH = /^\/rollouts\/([a-z0-9-]{1,63})\/([a-z0-9-]{1,63})$/;

/** Where the endpoints listen; parsed from `--listen` by the CLI. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Resolves once bound; rejects with the OS error (EADDRINUSE, EACCES, …) when the address is refused. */
export async function startHealthServer(
  address: ListenAddress,
  options: HealthServerOptions,
): Promise<Server> {
  const now = options.now ?? Date.now;
  const stuckAfter = options.stuckAfterMs ?? stuckAfterMs(options.staleAfterMs);
  const sendPage = pageSender();
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/metrics") {
      options.telemetry.registry.metrics().then(
        (text) =>
          res.writeHead(200, { "content-type": options.telemetry.registry.contentType }).end(text),
        (error: Error) => res.writeHead(500).end(error.message),
      );
      return;
    }
    if (path === "/livez") {
      sendJson(res, liveness(options.health(), now(), stuckAfter));
      return;
    }
    if (path === "/readyz" || path === "/healthz") {
      sendJson(res, readiness(options.health(), now(), options.staleAfterMs));
      return;
    }
    const pages = options.pages;
    if (pages !== undefined && path === "/") {
      sendPage(req, res, pages.overview());
      return;
    }
    const rollout = pages === undefined ? null : ROLLOUT_PATH.exec(path ?? "");
    if (pages !== undefined && rollout !== null) {
      pages.rolloutReport(rollout[1] as string, rollout[2] as string).then(
        (page) => {
          if (page === undefined) notFound(res, `no rollout ${rollout[1]}/${rollout[2]}`);
          else sendPage(req, res, page);
        },
        (error: Error) =>
          res
            .writeHead(503, { ...TEXT_HEADERS, "retry-after": "10" })
            .end(`cannot draw the report now: ${error.message}\n`),
      );
      return;
    }
    notFound(res, "not found");
  };
  const server = createServer((req, res) => {
    try {
      route(req, res);
    } catch (error) {
      // A page that cannot be drawn must not take the watchdog down with it.
      if (!res.headersSent) res.writeHead(500, TEXT_HEADERS);
      res.end(`${(error as Error).message}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => resolve());
  });
  return server;
}

interface Probe {
  readonly ok: boolean;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * Alive while the loop beats: before its first beat (still starting), while
 * sleeping, and during a cycle of bounded length. Never depends on
 * Prometheus or git, so their outage does not restart the pod.
 */
export function liveness(health: Health, nowMs: number, stuckAfter: number): Probe {
  const beat = health.loopBeatMs;
  const ok = beat === undefined || nowMs - beat <= stuckAfter;
  return {
    ok,
    body: {
      status: ok ? "ok" : "stuck",
      loopBeat: beat === undefined ? null : new Date(beat).toISOString(),
    },
  };
}

/** Ready while the last successful cycle is recent; otherwise says why with the last error. */
export function readiness(health: Health, nowMs: number, staleAfter: number): Probe {
  const last = health.lastSuccessMs;
  const ok = last !== undefined && nowMs - last <= staleAfter;
  return {
    ok,
    body: {
      status: ok ? "ok" : "failing",
      lastSuccess: last === undefined ? null : new Date(last).toISOString(),
      ...(health.lastError === undefined ? {} : { lastError: health.lastError }),
    },
  };
}

type PageSender = (req: IncomingMessage, res: ServerResponse, page: string) => void;

/**
 * Pages are large (about 1 KiB a rollout) and compress many-fold, so they go
 * gzipped when the browser takes it. The last compressed page is kept: the
 * overview is the same string until the next cycle.
 */
function pageSender(): PageSender {
  let last: { readonly html: string; readonly gzip: Buffer } | undefined;
  return (req, res, page) => {
    const headers = { ...PAGE_HEADERS, vary: "accept-encoding" };
    if (!/\bgzip\b/.test(req.headers["accept-encoding"] ?? "")) {
      res.writeHead(200, { ...headers, "content-length": Buffer.byteLength(page) }).end(page);
      return;
    }
    if (last?.html !== page) last = { html: page, gzip: gzipSync(page) };
    res
      .writeHead(200, {
        ...headers,
        "content-encoding": "gzip",
        "content-length": last.gzip.length,
      })
      .end(last.gzip);
  };
}

function sendJson(res: ServerResponse, probe: Probe): void {
  res
    .writeHead(probe.ok ? 200 : 503, { "content-type": "application/json" })
    .end(`${JSON.stringify(probe.body)}\n`);
}

function notFound(res: ServerResponse, what: string): void {
  res.writeHead(404, TEXT_HEADERS).end(`${what}: try /, /metrics, /livez or /readyz\n`);
}
