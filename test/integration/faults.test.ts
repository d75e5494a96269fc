/**
 * The watchdog's fault matrix. Faults a real Prometheus can produce (down at
 * start, dying mid-run, no traffic) are in watchdog.test.ts and
 * watch-cli.test.ts; the answers it cannot be made to give come here from a
 * stand-in server, against real git. For each: hold, never advance on missing
 * data, say why in the log, count it in /metrics, report it in /healthz.
 */
import type { ServerResponse } from "node:http";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { expect } from "chai";
import fetch from "node-fetch";
import { watchSettings } from "../../src/config/watch-settings.js";
import { GitWorkingCopy } from "../../src/gitops/repo.js";
import { PrometheusClient } from "../../src/prometheus/client.js";
import { type CycleDeps, runCycle } from "../../src/watchdog/cycle.js";
import { startHealthServer } from "../../src/watchdog/http-server.js";
import { createLogger } from "../../src/watchdog/log.js";
import { Telemetry } from "../../src/watchdog/telemetry.js";
import { startWatchdog } from "../../src/watchdog/watchdog.js";
import type { BareRemote } from "../support/git-remote.js";
import { interceptPush } from "../support/intercept-push.js";
import { fastSpec, rolloutRemote } from "../support/rollout-repo.js";
import {
  json,
  type RecordedRequest,
  type StandIn,
  startStandIn,
} from "../support/stand-in-server.js";
import { decisionSubjects, waitFor } from "../support/watchdog-harness.js";

type Value = string | ((labels: Record<string, string>) => string);

/** A Prometheus range answer at the requested step times, one series per label set. */
function matrix(req: RecordedRequest, series: Record<string, string>[], value: Value): object {
  const p = new URLSearchParams(req.body);
  const [start, end, step] = ["start", "end", "step"].map((k) => Number(p.get(k)));
  const times: number[] = [];
  for (let t = start as number; t <= (end as number) + 1e-9; t += step as number)
    times.push(Number(t.toFixed(3)));
  return {
    status: "success",
    data: {
      resultType: "matrix",
      result: series.map((metric) => ({
        metric,
        values: times.map((t) => [t, typeof value === "function" ? value(metric) : value]),
      })),
    },
  };
}

const BUCKETS: [string, number][] = [
  ["10", 0],
  ["50", 0.9],
  ["100", 1],
  ["+Inf", 1],
];

/** Series as the batched queries return them, for the given canary version; `code` 503 makes every request an error. */
function answer(req: RecordedRequest, version: string, value?: Value, code = "200"): object {
  const base = {
    destination_service_name: "recommender",
    destination_service_namespace: "recs",
    destination_version: version,
  };
  const query = new URLSearchParams(req.body).get("query") ?? "";
  if (query.includes("_bucket")) {
    const series = BUCKETS.map(([le]) => ({ ...base, le }));
    return matrix(
      req,
      series,
      value ?? ((m) => String(1000 * (BUCKETS.find(([le]) => le === m.le)?.[1] ?? 0))),
    );
  }
  const series = ["source", "destination"].map((reporter) => ({
    ...base,
    reporter,
    response_code: code,
  }));
  return matrix(req, series, value ?? "1000");
}

type Fault = [
  name: string,
  respond: (req: RecordedRequest, res: ServerResponse) => void,
  kind: "error" | "nodata",
  logged: RegExp | undefined,
];

const FAULTS: Fault[] = [
  [
    "HTTP 500 with an HTML page",
    (_q, res) => res.writeHead(500, { "content-type": "text/html" }).end("<h1>500</h1>"),
    "error",
    /HTTP 500/,
  ],
  [
    "HTTP 503 (Prometheus overloaded)",
    (_q, res) => res.writeHead(503).end("Service Unavailable"),
    "error",
    /HTTP 503/,
  ],
  [
    "HTTP 422 with the error envelope",
    (_q, res) =>
      json(res, 422, {
        status: "error",
        errorType: "execution",
        error: "query timed out in expression evaluation",
      }),
    "error",
    /execution: query timed out/,
  ],
  [
    "garbage",
    (_q, res) => res.writeHead(200).end("\u0000\u00ff not json"),
    "error",
    /answer is not JSON/,
  ],
  [
    "truncated JSON",
    (_q, res) =>
      res.writeHead(200).end('{"status":"success","data":{"resultType":"matrix","result":[{"met'),
    "error",
    /answer is not JSON/,
  ],
  ["a connection that never answers", () => {}, "error", /no answer within 300 ms/],
  [
    "an answer slower than the timeout",
    (q, res) => setTimeout(() => json(res, 200, answer(q, "v2")), 1000),
    "error",
    /no answer within 300 ms/,
  ],
  ["NaN samples", (q, res) => json(res, 200, answer(q, "v2", "NaN")), "nodata", undefined],
  ["+Inf samples", (q, res) => json(res, 200, answer(q, "v2", "+Inf")), "nodata", undefined],
  ["empty results", (q, res) => json(res, 200, matrix(q, [], "0")), "nodata", undefined],
  [
    "series only for versions the spec does not name",
    (q, res) => json(res, 200, answer(q, "v3")),
    "nodata",
    undefined,
  ],
];

describe("watchdog fault matrix (stand-in Prometheus, real git)", function () {
  this.timeout(30_000);
  let remote: BareRemote;
  let server: StandIn;
  let respond: (req: RecordedRequest, res: ServerResponse) => void = () => {};
  let logs: string[];
  let telemetry: Telemetry;

  before(async () => {
    server = await startStandIn((req, res) => respond(req, res));
  });
  after(() => server.close());
  beforeEach(() => {
    // promoteAfter 1: one healthy check would advance, so every hold below is the fault's doing.
    // The step started a minute ago, so the checks of the last seconds all count.
    const stepStartedAt = new Date(Date.now() - 60_000).toISOString();
    remote = rolloutRemote(
      fastSpec({
        analysis: { promoteAfter: 1, rollbackAfter: 1 },
        status: { phase: "Progressing", stepStartedAt },
      }),
    );
    logs = [];
    telemetry = new Telemetry();
  });
  afterEach(() => remote.remove());

  async function deps(): Promise<CycleDeps> {
    const log = createLogger({ json: true, write: (l) => logs.push(l) });
    return {
      repo: await GitWorkingCopy.open({
        remote: remote.bare,
        branch: "main",
        author: { name: "meshcanary", email: "m@localhost" },
        log,
      }),
      metrics: new PrometheusClient({
        url: server.url,
        timeoutMs: 300,
        onRequest: (seconds, ok) =>
          telemetry.queryDuration.observe({ result: ok ? "ok" : "error" }, seconds),
      }),
      settings: (dir) => watchSettings(dir, {}),
      now: Date.now,
      log,
      telemetry,
    };
  }

  it("advances on a healthy answer from the same stand-in (the control case)", async () => {
    respond = (q, res) => json(res, 200, answer(q, "v2"));
    const report = await runCycle(await deps());
    expect(report.outcomes[0]?.decision.action).to.equal("advance");
    expect(decisionSubjects({ remote })).to.deep.equal(["advance recs/recommend: 20% → 50%"]);
  });

  for (const [name, handler, kind, logged] of FAULTS) {
    it(`holds on ${name}: ${kind}, logged, counted, no commit`, async () => {
      respond = handler;
      const report = await runCycle(await deps());
      expect(report.outcomes.map((o) => o.decision.action)).to.deep.equal(["hold"]);
      expect(report.outcomes[0]?.checks[0]?.kind).to.equal(kind);
      expect(report.commits).to.deep.equal([]);
      expect(decisionSubjects({ remote })).to.deep.equal([]);
      const counted = await telemetry.registry.getSingleMetricAsString("meshcanary_checks_total");
      expect(counted).to.contain(
        `meshcanary_checks_total{rollout="recs/recommend",result="${kind}"} 1`,
      );
      if (kind === "error") {
        expect(report.metricsErrors.length).to.equal(1);
        const line = logs.find((l) => l.includes('"msg":"Prometheus query failed; holding"'));
        expect(line).to.match(logged as RegExp);
      } else {
        expect(report.metricsErrors).to.deep.equal([]);
      }
    });
  }

  it("reports a failing Prometheus on /healthz (503, last error) and /metrics while the loop keeps running", async () => {
    respond = (_q, res) => res.writeHead(500).end("boom");
    const controller = new AbortController();
    const watchdog = startWatchdog({
      ...(await deps()),
      loopIntervalMs: 200,
      signal: controller.signal,
    });
    const http = await startHealthServer(
      { host: "127.0.0.1", port: 0 },
      {
        telemetry,
        health: watchdog.health,
        staleAfterMs: 1000,
      },
    );
    const port = (http.address() as { port: number }).port;
    try {
      // Before the first cycle has failed, /healthz is 503 without an error: wait for the error.
      const health = await waitFor("a failed cycle on /healthz", async () => {
        const answer = await fetch(`http://127.0.0.1:${port}/healthz`);
        const body = (await answer.json()) as { lastError?: string };
        return answer.status === 503 && body.lastError !== undefined ? body : undefined;
      });
      expect(health).to.deep.equal({
        status: "failing",
        lastSuccess: null,
        lastError: "Prometheus query_range: HTTP 500 Internal Server Error",
      });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).to.match(/meshcanary_cycles_total\{result="error"\} [1-9]/);
      expect(metrics).to.match(/meshcanary_query_duration_seconds_count\{result="error"\} [1-9]/);
      // Prometheus is back: the loop resumes and decides.
      respond = (q, res) => json(res, 200, answer(q, "v2"));
      await waitFor(
        "/healthz to turn 200",
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200,
      );
      await waitFor("the advance", () => decisionSubjects({ remote })[0]);
      expect(decisionSubjects({ remote })[0]).to.equal("advance recs/recommend: 20% → 50%");
    } finally {
      controller.abort();
      await watchdog.done;
      await new Promise((r) => http.close(r));
    }
  });

  it("stops retrying a push rejected again and again, and leaves the remote as it is", async () => {
    respond = (q, res) => json(res, 200, answer(q, "v2", undefined, "503"));
    const d = await deps();
    const real = d.repo;
    let pushes = 0;
    const alwaysRejected = interceptPush(real, async () => {
      pushes++;
      return "rejected";
    });
    const error = await runCycle({ ...d, repo: alwaysRejected, maxAttempts: 3 }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).to.equal(
      "push rejected 3 times in a row; will retry next cycle",
    );
    expect(pushes).to.equal(3);
    expect(decisionSubjects({ remote })).to.deep.equal([]);
    expect(logs.filter((l) => l.includes("push rejected: someone else pushed"))).to.have.length(2);
  });

  it("decides again on a person's concurrent edit of the same spec: their weight stays in history, the rollback wins", async () => {
    respond = (q, res) => json(res, 200, answer(q, "v2", undefined, "503"));
    const d = await deps();
    const real = d.repo;
    let raced = false;
    const racing = interceptPush(real, async (push) => {
      if (!raced) {
        raced = true;
        const spec = remote
          .show("rollouts/recommend.yaml")
          .replace("canaryWeight: 20", "canaryWeight: 50");
        remote.commit("recs: more traffic to v2", { "rollouts/recommend.yaml": spec });
      }
      return push();
    });
    const report = await runCycle({ ...d, repo: racing });
    expect(report.pushed).to.equal(true);
    expect(decisionSubjects({ remote })).to.deep.equal([
      "recs: more traffic to v2",
      "rollback recs/recommend: 50% → 0%",
    ]);
  });

  it("keeps running when even the first clone fails, reports it on /healthz, and recovers when the remote is back", async () => {
    respond = (q, res) => json(res, 200, answer(q, "v2"));
    const d = await deps();
    const { renameSync } = await import("node:fs");
    const moved = `${remote.bare}.away`;
    renameSync(remote.bare, moved);
    const controller = new AbortController();
    const watchdog = startWatchdog({ ...d, loopIntervalMs: 200, signal: controller.signal });
    try {
      await waitFor("two failed cycles", () =>
        logs.filter((l) => l.includes('"msg":"cycle failed; retrying"')).length >= 2
          ? true
          : undefined,
      );
      expect(watchdog.health().lastError).to.match(/^cannot clone /);
      expect(watchdog.health().lastSuccessMs).to.equal(undefined);
      renameSync(moved, remote.bare);
      await waitFor("a successful cycle", () => watchdog.health().lastSuccessMs);
      await waitFor("an advance", () => decisionSubjects({ remote })[0]);
      expect(decisionSubjects({ remote })[0]).to.equal("advance recs/recommend: 20% → 50%");
      expect(
        logs.some((l) => l.includes('"msg":"cycle succeeded again; back to the normal interval"')),
      ).to.equal(true);
    } finally {
      controller.abort();
    }
    expect(await watchdog.done).to.equal(0);
  });

  it("gives up on a git remote that accepts the connection and never answers, and keeps the loop going", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const { port } = silent.address() as AddressInfo;
    const d = await deps();
    const controller = new AbortController();
    const watchdog = startWatchdog({
      ...d,
      repo: await GitWorkingCopy.open({
        remote: `http://127.0.0.1:${port}/gitops.git`,
        branch: "main",
        author: { name: "meshcanary", email: "m@localhost" },
        stallSeconds: 1,
      }),
      loopIntervalMs: 100,
      signal: controller.signal,
    });
    try {
      await waitFor("two failed cycles", () =>
        logs.filter((l) => l.includes('"msg":"cycle failed; retrying"')).length >= 2
          ? true
          : undefined,
      );
      expect(watchdog.health().lastError).to.match(
        /^cannot clone http:\/\/127\.0\.0\.1:\d+\/gitops\.git .*Operation too slow/s,
      );
    } finally {
      controller.abort();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
    expect(await watchdog.done).to.equal(0);
  });

  it("skips an invalid spec, logs it once while it stands, and keeps deciding for the others", async () => {
    respond = (q, res) => json(res, 200, answer(q, "v2"));
    remote.commit("a broken spec", {
      "rollouts/broken.yaml":
        "apiVersion: meshcanary.dev/v1alpha1\nkind: Rollout\nmetadata: {name: Bad, namespace: recs}\n",
    });
    const controller = new AbortController();
    let cycles = 0;
    const watchdog = startWatchdog({
      ...(await deps()),
      loopIntervalMs: 200,
      signal: controller.signal,
      onCycle: () => {
        cycles++;
      },
    });
    try {
      // The other rollout advanced, and the problem stood through several cycles.
      await waitFor("the advance and three cycles", () =>
        decisionSubjects({ remote })[1] !== undefined && cycles >= 3 ? true : undefined,
      );
    } finally {
      controller.abort();
      await watchdog.done;
    }
    const skipped = logs.filter((l) => l.includes('"msg":"invalid spec skipped"'));
    expect(skipped.map((l) => (JSON.parse(l) as { problem: string }).problem)).to.deep.equal([
      "rollouts/broken.yaml:1:1: spec: is required",
      "rollouts/broken.yaml:3:18: metadata.name: must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
    ]);
    expect(await telemetry.registry.getSingleMetricAsString("meshcanary_invalid_specs")).to.contain(
      "meshcanary_invalid_specs 1",
    );
    expect(decisionSubjects({ remote })[1]).to.equal("advance recs/recommend: 20% → 50%");
  });
});
