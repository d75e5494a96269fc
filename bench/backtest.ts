/**
 * `npm run bench:backtest`: a 24 h backtest at a 30 s step for one rollout,
 * through the CLI as a user runs it, against a real Prometheus holding 24 h
 * of backfilled Istio history (promtool). Prints wall time and Prometheus
 * requests; asserts nothing.
 *
 * The spec is chosen so the replay runs the whole day (99 steps of 30 checks:
 * it never reaches the last one), i.e. 2,880 cycles each judging 30 checks.
 *
 * Flags: --runs N (default 5)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPrometheusOnHistory } from "../test/support/backfill.js";
import { writeHistory } from "../test/support/history.js";
import { makeSpec, specYaml } from "../test/support/make-spec.js";
import { CLI } from "../test/support/paths.js";

const args = process.argv.slice(2);
const runsFlag = args.indexOf("--runs");
const RUNS = runsFlag === -1 ? 5 : Number(args[runsFlag + 1]);

const DAY_START = Date.UTC(2026, 10, 19, 0, 0, 0);
const DAY_MS = 86_400_000;
const healthy = { rps: 18, errorRate: 0.002, latency: { medianMs: 40, sigma: 0.4 } };

const dir = mkdtempSync(join(tmpdir(), "meshcanary-bench-backtest-"));
try {
  const file = join(dir, "day.om");
  let t = performance.now();
  const written = await writeHistory(
    {
      seed: 1,
      startMs: DAY_START,
      endMs: DAY_START + DAY_MS,
      namespace: "recs",
      service: "recommender",
      stableVersion: "v1",
      canaryVersion: "v2",
      segments: [{ fromMs: DAY_START, stable: healthy, canary: { ...healthy, rps: 2 } }],
    },
    file,
  );
  console.log(
    `history: 24 h, 15 s scrape, 18 + 2 rps: ${written.samples.toLocaleString("en")} samples, generated in ${Math.round(performance.now() - t)} ms`,
  );
  t = performance.now();
  const prom = await startPrometheusOnHistory([file]);
  console.log(`backfill + Prometheus ready: ${Math.round(performance.now() - t)} ms`);
  try {
    writeFileSync(
      join(dir, "recommend.yaml"),
      specYaml(
        makeSpec({
          spec: {
            traffic: { canaryWeight: 1, steps: Array.from({ length: 99 }, (_, i) => i + 1) },
            analysis: {
              interval: "30s",
              window: "1m",
              promoteAfter: 30,
              minRequests: 50,
              sla: { latency: { maxMs: 250 }, errorRate: { max: 0.05 } },
            },
          },
        }),
      ),
    );
    const times: number[] = [];
    let last:
      | {
          cycles: number;
          prometheusRequests: number;
          rollouts: { checks: unknown[]; decisions: unknown[] }[];
        }
      | undefined;
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const out = execFileSync(
        process.execPath,
        [
          CLI,
          "backtest",
          "recommend.yaml",
          "--prometheus",
          prom.url,
          "--from",
          new Date(DAY_START).toISOString(),
          "--to",
          new Date(DAY_START + DAY_MS).toISOString(),
          "--step",
          "30s",
          "--json",
        ],
        { cwd: dir, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
      );
      times.push(performance.now() - started);
      last = JSON.parse(out);
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(
      `backtest 24 h at 30 s (whole CLI process, ${RUNS} runs): median ${Math.round(sorted[Math.floor(RUNS / 2)] as number)} ms (${Math.round(sorted[0] as number)}–${Math.round(sorted.at(-1) as number)})`,
    );
    const r = last?.rollouts[0];
    console.log(
      `cycles ${last?.cycles}, checks ${r?.checks.length}, decisions ${r?.decisions.length}, Prometheus requests ${last?.prometheusRequests}`,
    );
  } finally {
    await prom.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
