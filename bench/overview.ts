/**
 * `npm run bench:overview`: what the live overview page (`/` on `--listen`)
 * costs with 1,000 rollouts. Fills the overview from one cycle's report (every
 * rollout with three checks carrying the statistical judge's arithmetic, a
 * third of them with a committed decision), then
 *
 *  A. renders the page in-process: time per render, page size;
 *  B. serves it from the watchdog's HTTP server on 127.0.0.1: time per GET `/`
 *     (sequential, bounded count) right after a cycle (draw + gzip) and again
 *     (the page is drawn once per cycle), bytes on the wire;
 *  C. heap held by the overview state.
 *
 * Prints figures; asserts nothing. Flags: --rollouts N (default 1000),
 * --renders N (default 50), --gets N (default 50).
 */
import type { Decision } from "../src/analysis/decide.js";
import type { CheckResult } from "../src/analysis/judge.js";
import { renderOverview } from "../src/report/overview-page.js";
import type { Rollout } from "../src/spec/types.js";
import type { CycleReport } from "../src/watchdog/cycle.js";
import type { RolloutOutcome } from "../src/watchdog/evaluate.js";
import { startHealthServer } from "../src/watchdog/http-server.js";
import { Overview } from "../src/watchdog/overview-pages.js";
import { Telemetry } from "../src/watchdog/telemetry.js";
import { makeRollout, makeSpec } from "../test/support/make-spec.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return Number(i === -1 ? fallback : (args[i + 1] ?? fallback));
};
const ROLLOUTS = flag("rollouts", "1000");
const RENDERS = flag("renders", "50");
const GETS = flag("gets", "50");

function stats(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return `median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${(s.at(-1) ?? 0).toFixed(1)} ms (n=${s.length})`;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

/** A check as the statistical judge writes it: each measurement with its arithmetic. */
function check(at: number, i: number): CheckResult {
  const p99 = 40 + (i % 90);
  return {
    kind: i % 17 === 0 ? "inconclusive" : "healthy",
    at,
    requests: 1200 + i,
    measurements: [
      {
        metric: "p99 latency",
        value: p99,
        unit: "ms",
        threshold: 150,
        bound: "max",
        breached: false,
        detail: `${3 + (i % 5)} of ${1200 + i} above 150 ms vs 0.57% of 9876 for the stable; 95% bound 0.82% ≤ 1%`,
      },
      {
        metric: "error rate",
        value: 0.001 + (i % 7) / 10_000,
        unit: "ratio",
        threshold: 0.01,
        bound: "max",
        breached: false,
        detail: `${1 + (i % 4)} of ${1200 + i} failed vs 11 of 9876 for the stable; p = 0.${(i * 7919) % 1000}`,
      },
    ],
  };
}

function fixture(n: number, nowMs: number): CycleReport {
  const rollouts: Rollout[] = [];
  const outcomes: RolloutOutcome[] = [];
  const decisionCommits = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const name = `model-${String(i).padStart(4, "0")}`;
    const namespace = `team-${i % 20}`;
    const weight = [5, 10, 25, 50][i % 4] as number;
    rollouts.push(
      makeRollout(
        makeSpec({ metadata: { name, namespace }, spec: { traffic: { canaryWeight: weight } } }),
        `rollouts/${namespace}/${name}.yaml`,
      ),
    );
    const checks = [0, 1, 2].map((k) => check(nowMs - (k + 1) * 10_000, i + k));
    const id = `${namespace}/${name}`;
    const decided = i % 3 === 0;
    const decision: Decision = decided
      ? { action: "advance", from: weight, to: weight * 2, basis: checks }
      : { action: "hold", reason: "healthy in 2 of 3 checks needed to advance" };
    if (decided) decisionCommits.set(id, (i * 2654435761).toString(16).padStart(40, "0"));
    outcomes.push({
      rollout: id,
      weight,
      decision,
      reason: decided
        ? `healthy in 3 of 3 checks (p99 latency 41 ms ≤ 150 ms, error rate 0.10% ≤ 1.00%) at ${weight}%`
        : "healthy in 2 of 3 checks needed to advance",
      checks,
    });
  }
  return {
    rollouts,
    outcomes,
    invalid: [],
    metricsErrors: [],
    commits: [...decisionCommits.values()],
    decisionCommits,
    pushed: true,
  };
}

async function main(): Promise<void> {
  const nowMs = Date.UTC(2026, 10, 30, 12);
  const report = fixture(ROLLOUTS, nowMs);
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const overview = new Overview({
    metrics: { query: async () => [], queryRange: async () => [] },
    loopIntervalMs: 10_000,
    now: () => nowMs,
  });
  overview.update(report);
  global.gc?.();
  const heapState = process.memoryUsage().heapUsed - heapBefore;

  // A. render, straight from the state (the server draws once per cycle)
  const draw = () => renderOverview(overview.state.data(overview.refreshSeconds));
  draw(); // warm-up
  const renders: number[] = [];
  let page = "";
  for (let i = 0; i < RENDERS; i++) {
    const t = performance.now();
    page = draw();
    renders.push(performance.now() - t);
  }
  const bytes = Buffer.byteLength(page);
  console.log(`overview of ${ROLLOUTS} rollouts — node ${process.version}`);
  console.log(`A. render:            ${stats(renders)}`);
  console.log(`   page size:         ${kib(bytes)} (${bytes} bytes)`);

  // B. serve on loopback, sequential GETs
  const server = await startHealthServer(
    { host: "127.0.0.1", port: 0 },
    {
      telemetry: new Telemetry(),
      health: () => ({}),
      staleAfterMs: 30_000,
      pages: overview,
    },
  );
  const port = (server.address() as { port: number }).port;
  /** Times GETs of `/`; `newCycle` feeds a cycle before each, so each GET draws and compresses anew. */
  async function gets(encoding: string, newCycle: boolean): Promise<string> {
    const times: number[] = [];
    let wire = "";
    for (let i = 0; i < GETS; i++) {
      if (newCycle) overview.update(report);
      const t = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/`, {
        headers: { "accept-encoding": encoding },
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      times.push(performance.now() - t);
      if (res.status !== 200) throw new Error(`GET / answered ${res.status}`);
      wire = kib(Number(res.headers.get("content-length")));
    }
    return `${stats(times)}, ${wire} on the wire`;
  }
  try {
    console.log(`B. GET / (loopback, sequential):`);
    console.log(`   first after a cycle, gzip: ${await gets("gzip", true)}`);
    console.log(`   again, gzip:               ${await gets("gzip", false)}`);
    console.log(`   again, uncompressed:       ${await gets("identity", false)}`);
  } finally {
    await new Promise((r) => server.close(r));
  }
  console.log(
    `C. overview state: ${(heapState / 1024 / 1024).toFixed(1)} MiB of heap beyond the cycle report it keeps${global.gc === undefined ? " (run with node --expose-gc for a steadier figure)" : ""}`,
  );
}

await main();
