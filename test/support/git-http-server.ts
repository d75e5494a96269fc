/**
 * A git host over HTTP for tests: node's http server on 127.0.0.1 that asks
 * for basic auth (401 with `WWW-Authenticate` as GitHub and GitLab do) and
 * hands each authorized request to the real `git http-backend` as a CGI,
 * streaming both ways. Serves the bare repositories under `root`.
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>/` + a repository's path under root. */
  url(repo: string): string;
  /** Requests refused for their credentials so far. */
  readonly refused: () => number;
  close(): Promise<void>;
}

export async function startGitHttpServer(options: {
  root: string;
  username: string;
  /** The token accepted now (read at each request: a test may rotate it). */
  token: () => string;
}): Promise<GitHttpServer> {
  let refused = 0;
  const server: Server = createServer((req, res) => {
    if (!authorized(req, options.username, options.token())) {
      refused++;
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end();
      return;
    }
    backend(req, res, options.root, options.username);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: (repo) => `http://127.0.0.1:${port}/${repo}`,
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function authorized(req: IncomingMessage, username: string, token: string): boolean {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Basic ")) return false;
  return Buffer.from(header.slice(6), "base64").toString("utf8") === `${username}:${token}`;
}

function backend(req: IncomingMessage, res: ServerResponse, root: string, user: string): void {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      // http-backend allows pushes only from an authenticated user.
      REMOTE_USER: user,
      REMOTE_ADDR: "127.0.0.1",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      ...(req.headers["content-length"] === undefined
        ? {}
        : { CONTENT_LENGTH: req.headers["content-length"] }),
      ...(req.headers["content-encoding"] === undefined
        ? {}
        : { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] }),
      ...(typeof req.headers["git-protocol"] === "string"
        ? { HTTP_GIT_PROTOCOL: req.headers["git-protocol"] }
        : {}),
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  req.pipe(child.stdin);
  child.stdin.on("error", () => undefined);
  // The CGI's own header block, then the body as it comes.
  let head = Buffer.alloc(0);
  let started = false;
  child.stdout.on("data", (chunk: Buffer) => {
    if (started) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString("latin1");
    const end = text.search(/\r?\n\r?\n/);
    if (end < 0) return;
    const separator = /\r?\n\r?\n/.exec(text.slice(end))?.[0].length ?? 2;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of text.slice(0, end).split(/\r?\n/)) {
      const at = line.indexOf(":");
      const name = line.slice(0, at).trim();
      const value = line.slice(at + 1).trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    started = true;
    res.write(head.subarray(end + separator));
  });
  child.on("close", () => {
    if (!started) res.writeHead(502);
    res.end();
  });
}
