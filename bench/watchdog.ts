/**
 * `npm run bench:watchdog`: how fast the watchdog reacts and how it scales,
 * measured against a real Prometheus (1 s scrape) and real git. Prints
 * figures; asserts nothing.
 *
 *  A. reaction: the scrape that first holds the breach → rollback pushed (rollbackAfter: 1)
 *  B. end to end: regression injected → rollback pushed, 1 s scrape and 1 s interval
 *  C. scale: 1,000 active rollouts in one watchdog: queries per cycle, cycle time, peak RSS
 *  D. shadow: v2 turns bad on mirrored copies → `shadow → off` pushed, as B (not run by default)
 *
 * Flags: --trials N (default 7), --rollouts N (default 1000), --only a|b|c|d,
 * --judge statistical|threshold (part C)
 */
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus } from "node:os";
import { stringify } from "yaml";
import { compileRollouts, rootKustomization } from "../src/compile/compile.js";
import { createLogger } from "../src/watchdog/log.js";
import { startWatchdog } from "../src/watchdog/watchdog.js";
import { BareRemote } from "../test/support/git-remote.js";
import { makeRollout, makeSpec } from "../test/support/make-spec.js";
import { startPrometheus } from "../test/support/prometheus-server.js";
import { fastSpec } from "../test/support/rollout-repo.js";
import { decisionSubjects, startHarness, waitFor } from "../test/support/watchdog-harness.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : (args[i + 1] ?? fallback);
};
const TRIALS = Number(flag("trials", "7"));
const ROLLOUTS = Number(flag("rollouts", "1000"));
const ONLY = flag("only", "abc");
/** The judge of part C's rollouts: statistical (the default) or threshold. */
const JUDGE = flag("judge", "statistical");

function stats(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  const median =
    s.length % 2 === 1
      ? at(0.5)
      : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
  return `median ${median.toFixed(0)} ms, min ${s[0]?.toFixed(0)}, max ${s.at(-1)?.toFixed(0)} (n=${s.length})`;
}

/**
 * The first instant (ms) at which `expr` (a PromQL condition such as
 * `p99 > 150`) holds in Prometheus' data: the scrape that first contains the
 * breach. Evaluated every 20 ms between `fromMs` and `toMs`.
 */
async function firstBreachMs(
  prometheusUrl: string,
  expr: string,
  fromMs: number,
  toMs: number,
): Promise<number> {
  const params = new URLSearchParams({
    query: expr,
    start: String(fromMs / 1000),
    end: String(toMs / 1000),
    step: "0.02",
  });
  const body = (await (await fetch(`${prometheusUrl}/api/v1/query_range?${params}`)).json()) as {
    data: { result: { values: [number, string][] }[] };
  };
  const first = Math.min(...body.data.result.flatMap((r) => r.values.map((v) => v[0])));
  if (!Number.isFinite(first)) throw new Error(`${expr} never held between injection and push`);
  return first * 1000;
}

interface Trial {
  readonly injectedAt: number;
  readonly breachVisibleAt: number;
  readonly pushedAt: number;
}

interface Regression {
  readonly name: string;
  readonly change: object;
  /** PromQL that holds once the breach is in Prometheus, for a window. */
  readonly breach: (window: string) => string;
}

const V2 = 'reporter="destination",destination_version="v2"';
const REGRESSIONS: Regression[] = [
  {
    name: "latency (v2 median 40 → 400 ms, p99 limit 150 ms)",
    change: { latencyMedianMs: 400 },
    breach: (w) =>
      `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${V2}}[${w}]))) > 150`,
  },
  {
    name: "5xx (every v2 request fails, limit 5 %)",
    change: { errorRate: 1 },
    breach: (w) =>
      `sum(increase(istio_requests_total{${V2},response_code=~"5.."}[${w}])) / sum(increase(istio_requests_total{${V2}}[${w}])) > 0.05`,
  },
];

/** One rollback: healthy canary, then v2 breaks; times of injection, of the breach becoming visible, and of the push. */
async function rollbackTrial(
  interval: string,
  window: string,
  regression: Regression,
  seed: number,
  shadow = false,
): Promise<Trial> {
  const analysis = { interval, window, rollbackAfter: 1, promoteAfter: 100_000, minRequests: 10 };
  const h = await startHarness({
    seed,
    rps: 400,
    spec: shadow
      ? // Every request copied to v2, none served by it; the deadline far away.
        fastSpec({ traffic: { canaryWeight: 0, shadow: { deadline: "48h" } }, analysis })
      : fastSpec({ analysis }),
  });
  let pushedAt = 0;
  const log = createLogger({
    json: true,
    write: (line) => {
      if (pushedAt === 0 && line.includes('"msg":"decision"')) pushedAt = Date.now();
    },
  });
  const controller = new AbortController();
  const watchdog = startWatchdog({
    ...(await h.deps({ log })),
    loopIntervalMs: 1000,
    signal: controller.signal,
  });
  try {
    // A few healthy cycles first, so the watchdog is in its steady loop.
    await new Promise((r) => setTimeout(r, 3000));
    if (decisionSubjects(h).length > 0)
      throw new Error(`unexpected decision before the regression: ${decisionSubjects(h)}`);
    const injectedAt = Date.now();
    h.sim.setBehaviour("v2", regression.change);
    await waitFor("rollback", () => pushedAt > 0, 30_000);
    const breachVisibleAt = await firstBreachMs(
      h.prom.url,
      regression.breach(window),
      injectedAt,
      pushedAt,
    );
    return { injectedAt, breachVisibleAt, pushedAt };
  } finally {
    controller.abort();
    await watchdog.done;
    await h.close();
  }
}

async function partA(): Promise<void> {
  console.log(
    `\nA. reaction: scrape that first holds the breach → rollback pushed (rollbackAfter: 1, interval 100ms, window 2s, 1 s scrape), ${TRIALS} trials each`,
  );
  for (const regression of REGRESSIONS) {
    const reactions: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const t = await rollbackTrial("100ms", "2s", regression, 100 + i);
      reactions.push(t.pushedAt - t.breachVisibleAt);
    }
    console.log(`   ${regression.name}: ${stats(reactions)}   target ≤ 300 ms median`);
  }
}

async function partB(): Promise<void> {
  console.log(
    `\nB. end to end: regression injected → rollback pushed (1 s scrape, interval 1s, window 5s, rollbackAfter: 1), ${TRIALS} trials each`,
  );
  for (const regression of REGRESSIONS) {
    const totals: number[] = [];
    const visible: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const t = await rollbackTrial("1s", "5s", regression, 200 + i);
      totals.push(t.pushedAt - t.injectedAt);
      visible.push(t.breachVisibleAt - t.injectedAt);
    }
    console.log(`   ${regression.name}: ${stats(totals)}   target ≤ 3000 ms`);
    console.log(`      of which injected → breach visible in Prometheus: ${stats(visible)}`);
  }
}

/** Istio-format metrics for `n` services × 2 versions, counters growing at fixed rates (a stand-in exporter for scale). */
async function startScaleExporter(
  n: number,
): Promise<{ target: string; close: () => Promise<void> }> {
  const started = Date.now();
  const buckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
  // Cumulative share of requests ≤ each bucket for a ~40 ms median.
  const share = [0, 0, 0, 0.01, 0.05, 0.6, 0.97, 0.995, 0.999, 1, 1, 1, 1];
  const server = createServer((_req, res) => {
    const seconds = (Date.now() - started) / 1000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const svc = `svc-${String(i).padStart(4, "0")}`;
      for (const [version, rps] of [
        ["v1", 40],
        ["v2", 10],
      ] as const) {
        const base = `destination_service_name="${svc}",destination_service_namespace="scale",destination_version="${version}"`;
        const total = rps * seconds;
        for (const reporter of ["source", "destination"]) {
          lines.push(
            `istio_requests_total{reporter="${reporter}",${base},response_code="200"} ${(total * 0.999).toFixed(3)}`,
          );
          lines.push(
            `istio_requests_total{reporter="${reporter}",${base},response_code="503"} ${(total * 0.001).toFixed(3)}`,
          );
        }
        buckets.forEach((le, j) => {
          const count = (total * (share[j] as number)).toFixed(3);
          lines.push(
            `istio_request_duration_milliseconds_bucket{reporter="destination",${base},le="${le}"} ${count}`,
          );
        });
        lines.push(
          `istio_request_duration_milliseconds_bucket{reporter="destination",${base},le="+Inf"} ${total.toFixed(3)}`,
        );
      }
    }
    res
      .writeHead(200, { "content-type": "text/plain; version=0.0.4" })
      .end(`${lines.join("\n")}\n`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function scaleRemote(n: number): BareRemote {
  const files: Record<string, string> = { "meshcanary.yaml": "specs: rollouts\nout: manifests\n" };
  const rollouts = [];
  for (let i = 0; i < n; i++) {
    const name = `svc-${String(i).padStart(4, "0")}`;
    const doc = makeSpec({
      metadata: { name, namespace: "scale" },
      spec: {
        service: { host: name, port: 8080 },
        traffic: { canaryWeight: 20, steps: [20, 50, 100] },
        analysis: {
          interval: "1s",
          window: "10s",
          promoteAfter: 3,
          rollbackAfter: 2,
          minRequests: 20,
          judge: JUDGE,
          sla: { latency: { maxMs: 150 } },
        },
      },
    });
    files[`rollouts/${name}.yaml`] = stringify(doc);
    rollouts.push(makeRollout(doc, `rollouts/${name}.yaml`));
  }
  for (const f of compileRollouts(rollouts)) files[`manifests/${f.path}`] = f.content;
  files["manifests/kustomization.yaml"] = rootKustomization(
    rollouts.map((r) => `scale/${r.name}`),
  ).content;
  return new BareRemote(files);
}

async function partD(): Promise<void> {
  console.log(
    `\nD. shadow: regression injected → shadow → off pushed (100 % mirrored, 1 s scrape, interval 1s, window 5s, rollbackAfter: 1), ${TRIALS} trials each`,
  );
  for (const regression of REGRESSIONS) {
    const totals: number[] = [];
    const visible: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const t = await rollbackTrial("1s", "5s", regression, 300 + i, true);
      totals.push(t.pushedAt - t.injectedAt);
      visible.push(t.breachVisibleAt - t.injectedAt);
    }
    console.log(`   ${regression.name}: ${stats(totals)}   target ≤ 3000 ms`);
    console.log(`      of which injected → breach visible in Prometheus: ${stats(visible)}`);
  }
}

async function partC(): Promise<void> {
  console.log(
    `\nC. scale: ${ROLLOUTS} active rollouts in one watchdog (real Prometheus, ${ROLLOUTS * 2} service versions, 1 s scrape)`,
  );
  const exporter = await startScaleExporter(ROLLOUTS);
  const prom = await startPrometheus({ targets: [exporter.target] });
  try {
    await prom.waitForSeries('istio_requests_total{destination_service_name="svc-0000"}', 30_000);
    await new Promise((r) => setTimeout(r, 11_000)); // a full 10 s window of data
    for (const n of [1, ROLLOUTS]) {
      const remote = scaleRemote(n);
      try {
        // Asynchronously: the stand-in exporter lives in this process and must keep
        // answering Prometheus' scrapes while the worker runs (a sync call would stall it
        // and the windows would drain, leaving the judge nothing to judge).
        const out = await new Promise<string>((resolve, reject) =>
          execFile(
            process.execPath,
            ["bench/watchdog-scale-worker.mjs", remote.bare, prom.url, "8"],
            { encoding: "utf8" },
            (error, stdout) => (error === null ? resolve(stdout) : reject(error)),
          ),
        );
        const r = JSON.parse(out) as {
          times: number[];
          queries: number[];
          waits: number[];
          outcomes: number;
          kinds: Record<string, number>;
          peakRssMb: number;
        };
        // The first cycle clones and warms up; report the steady ones.
        const steady = r.times.slice(1);
        console.log(
          `   ${String(n).padStart(5)} rollouts: ${r.outcomes} checked per cycle, Prometheus requests per cycle ${[...new Set(r.queries.slice(1))].join("/")}, cycle ${stats(steady)}, of which waiting for Prometheus' answers (request, query, JSON) ${stats(r.waits.slice(1))} (first, with clone and parsing every spec: ${r.times[0]?.toFixed(0)} ms), peak RSS ${r.peakRssMb.toFixed(0)} MB; newest verdicts ${JSON.stringify(r.kinds)}`,
        );
      } finally {
        remote.remove();
      }
    }
    console.log(
      "   targets: requests per cycle the same as for 1 rollout, cycle ≤ 1000 ms, peak RSS ≤ 200 MB",
    );
  } finally {
    await prom.close();
    await exporter.close();
  }
}

console.log(`meshcanary watchdog benchmark — node ${process.version}, ${cpus().length} CPUs`);
if (ONLY.includes("a")) await partA();
if (ONLY.includes("b")) await partB();
if (ONLY.includes("c")) await partC();
if (ONLY.includes("d")) await partD();
