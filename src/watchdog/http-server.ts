/**
 * The watchdog's endpoints: `/metrics` (Prometheus text format) and
 * `/healthz` (200 while cycles succeed, 503 once the last success is too old).
 * Both serve only counts, weights and timestamps: nothing secret.
 */
import { createServer, type Server } from "node:http";
import type { Telemetry } from "./telemetry.js";

export interface Health {
  /** Epoch ms of the last successful cycle, if any. */
  readonly lastSuccessMs?: number;
  readonly lastError?: string;
}

export interface HealthServerOptions {
  readonly telemetry: Telemetry;
  readonly health: () => Health;
  /** A success older than this is unhealthy. */
  readonly staleAfterMs: number;
  readonly now?: () => number;
}

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
  const server = createServer((req, res) => {
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
    if (path === "/healthz") {
      const h = options.health();
      const fresh =
        h.lastSuccessMs !== undefined && now() - h.lastSuccessMs <= options.staleAfterMs;
      const body = {
        status: fresh ? "ok" : "failing",
        lastSuccess: h.lastSuccessMs === undefined ? null : new Date(h.lastSuccessMs).toISOString(),
        ...(h.lastError === undefined ? {} : { lastError: h.lastError }),
      };
      res
        .writeHead(fresh ? 200 : 503, { "content-type": "application/json" })
        .end(`${JSON.stringify(body)}\n`);
      return;
    }
    res
      .writeHead(404, { "content-type": "text/plain" })
      .end("not found: try /metrics or /healthz\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => resolve());
  });
  return server;
}
