/**
 * A loopback reverse proxy in front of Prometheus that lets a request through
 * only with the expected tenant header, bearer token and (when set) one more
 * header, as a multi-tenant gateway (Cortex/Mimir/Thanos behind an auth
 * proxy) does. A stand-in for such a gateway, which does not run here.
 */
import { createServer, type IncomingHttpHeaders, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxyRules {
  /** e.g. `{ "x-scope-orgid": "tenant-a" }`: each must match, else 403. */
  readonly headers: Readonly<Record<string, string>>;
  /** The bearer token expected now (a function, so a test can rotate it); else 401. */
  readonly token: () => string;
}

export interface AuthProxy {
  readonly url: string;
  /** Requests refused so far, by status. */
  readonly refused: number[];
  close(): Promise<void>;
}

export async function startAuthProxy(upstream: string, rules: ProxyRules): Promise<AuthProxy> {
  const refused: number[] = [];
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const status = verdict(req.headers, rules);
    if (status !== 200) {
      refused.push(status);
      req.resume();
      res
        .writeHead(status, { "content-type": "text/plain" })
        .end(status === 401 ? "bad token\n" : "tenant not allowed\n");
      return;
    }
    const forward = request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forward.on("error", () => res.writeHead(502).end("upstream failed\n"));
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function verdict(headers: IncomingHttpHeaders, rules: ProxyRules): 200 | 401 | 403 {
  if (headers.authorization !== `Bearer ${rules.token()}`) return 401;
  for (const [name, value] of Object.entries(rules.headers))
    if (headers[name.toLowerCase()] !== value) return 403;
  return 200;
}
