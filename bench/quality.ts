/**
 * `npm run bench:quality`: decision quality of the threshold judge against
 * the statistical judge, on a seeded suite of canaries whose history is
 * backfilled into a real Prometheus (promtool) and replayed with `backtest`'s
 * replay (the code `meshcanary backtest` runs, called in process so 400
 * replays take seconds, not 400 process starts). Prints a table; asserts
 * nothing.
 *
 * Scenarios (all with 10 % of traffic to the canary in the history; canary
 * rps 0.5–20, Poisson arrivals, lognormal latency with a healthy p99 of
 * 140–200 ms against a 250 ms SLA, 0.1–0.5 % healthy 5xx):
 * healthy; healthy with bursty traffic; latency regressions (median ×2, ×4,
 * so p99 ×2, ×4); error regressions (×5 and ×20 the healthy rate, i.e.
 * 1.5–2.5 % and 6–10 %, and 5 %, five times the SLA); slowdowns
 * that hit both versions alike (×3 latency for 10 minutes).
 *
 * Flags: --seed N (default 1), --per-class N (default 60), --verbose (print
 * every false rollback and every missed regression at ≥ 5 rps with its checks)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeCheck } from "../src/analysis/explain.js";
import type { BacktestResult } from "../src/backtest/replay.js";
import { replay } from "../src/backtest/replay.js";
import { PrometheusClient } from "../src/prometheus/client.js";
import { startPrometheusOnHistory } from "../test/support/backfill.js";
import { type HistorySpec, type VersionBehaviour, writeHistory } from "../test/support/history.js";
import { makeRollout, makeSpec, type SpecDoc, specYaml } from "../test/support/make-spec.js";
import { mulberry32 } from "../test/support/simulator.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const SEED = flag("seed", 1);
const PER_CLASS = flag("per-class", 60);
const VERBOSE = args.includes("--verbose");
/** Scenarios per OpenMetrics file: promtool maps a whole file into memory. */
const PER_FILE = 100;

const T0 = Date.UTC(2026, 10, 20, 10, 0, 0); // a 2 h block boundary: one promtool pass
const FROM = T0 + 5 * 60_000;
const TO = T0 + 50 * 60_000;
const END = T0 + 55 * 60_000;
const INTERVAL_MS = 30_000;
const WINDOW_MS = 60_000;
const RPS_LEVELS = [0.5, 2, 5, 10, 20];
const MAX_MS = 250;
const ERROR_MAX = 0.01;

type Kind = "healthy" | "bursty" | "latency" | "errors" | "shared";

interface Scenario {
  readonly id: string;
  readonly kind: Kind;
  readonly size: string;
  readonly canaryRps: number;
  /** When the regression or slowdown starts (none for healthy). */
  readonly onsetMs?: number;
  readonly history: HistorySpec;
}

function scenarios(): Scenario[] {
  const rand = mulberry32(SEED);
  const between = (a: number, b: number) => a + (b - a) * rand();
  const out: Scenario[] = [];
  const classes: { kind: Kind; sizes: string[] }[] = [
    { kind: "healthy", sizes: ["-"] },
    { kind: "bursty", sizes: ["-"] },
    { kind: "latency", sizes: ["×2", "×4"] },
    { kind: "errors", sizes: ["×5", "5 %", "×20"] },
    { kind: "shared", sizes: ["×3 both"] },
  ];
  for (const { kind, sizes } of classes) {
    for (let i = 0; i < PER_CLASS; i++) {
      const size = sizes[i % sizes.length] as string;
      const canaryRps = RPS_LEVELS[i % RPS_LEVELS.length] as number;
      // Error regressions start from 0.3–0.5 % so that ×5 is above the 1 % SLA.
      const errorRate = kind === "errors" ? between(0.003, 0.005) : between(0.001, 0.005);
      // Healthy p99 140–200 ms against the 250 ms SLA, so a ×2 regression breaches it.
      const sigma = between(0.4, 0.5);
      const latency = { medianMs: between(140, 200) / Math.exp(2.326 * sigma), sigma };
      const stable: VersionBehaviour = { rps: canaryRps * 9, errorRate, latency };
      const canary: VersionBehaviour = { ...stable, rps: canaryRps };
      const onsetMs = FROM + Math.round(between(3, 6) * 60_000);
      const id = `s${out.length}`;
      const base = {
        seed: SEED * 100_000 + out.length,
        startMs: T0,
        endMs: END,
        namespace: "bench",
        service: id,
        stableVersion: "v1",
        canaryVersion: "v2",
        labels: "minimal" as const,
        ...(kind === "bursty" ? { burstiness: 1 } : {}),
      };
      const factor = Number(size.replace(/[^\d.]/g, "")) || 1;
      // "5 %" is five times the SLA whatever the healthy rate; ×5 and ×20 multiply the healthy rate.
      const failing = size === "5 %" ? 0.05 : errorRate * factor;
      const segments: HistorySpec["segments"] =
        kind === "latency"
          ? [
              { fromMs: T0, stable, canary },
              {
                fromMs: onsetMs,
                stable,
                canary: { ...canary, latency: { ...latency, medianMs: latency.medianMs * factor } },
              },
            ]
          : kind === "errors"
            ? [
                { fromMs: T0, stable, canary },
                { fromMs: onsetMs, stable, canary: { ...canary, errorRate: failing } },
              ]
            : kind === "shared"
              ? [
                  { fromMs: T0, stable, canary },
                  {
                    fromMs: onsetMs,
                    stable: { ...stable, latency: { ...latency, medianMs: latency.medianMs * 3 } },
                    canary: { ...canary, latency: { ...latency, medianMs: latency.medianMs * 3 } },
                  },
                  { fromMs: onsetMs + 10 * 60_000, stable, canary },
                ]
              : [{ fromMs: T0, stable, canary }];
      out.push({
        id,
        kind,
        size,
        canaryRps,
        ...(kind === "healthy" || kind === "bursty" ? {} : { onsetMs }),
        history: { ...base, segments },
      });
    }
  }
  return out;
}

function spec(s: Scenario, judge: "threshold" | "statistical"): SpecDoc {
  return makeSpec({
    metadata: { name: s.id, namespace: "bench" },
    spec: {
      service: { host: `${s.id}.bench.svc.cluster.local`, port: 8080 },
      traffic: { canaryWeight: 5, steps: [5, 10, 25, 50, 100] },
      analysis: {
        judge,
        interval: "30s",
        window: "1m",
        minRequests: 50,
        promoteAfter: 3,
        rollbackAfter: 2,
        sla: { latency: { quantile: 0.99, maxMs: MAX_MS }, errorRate: { max: ERROR_MAX } },
      },
    },
  });
}

interface Outcome {
  readonly rolledBackAt?: number;
  readonly promotedAt?: number;
  /** The rollback's reason and checks, for --verbose. */
  readonly rollbackWhy?: string;
  /** Advances or promotions resting on a check with fewer requests than can show a p99 or a 1 % error rate. */
  readonly thinDecisions: number;
}

/** Fewer canary requests than 1/(1 − 0.99) = 100 cannot show a p99 (nor 1/0.01 = 100 a 1 % error rate). */
const EVIDENCE_FLOOR = Math.max(1 / (1 - 0.99), 1 / ERROR_MAX);

function outcome(result: BacktestResult): Outcome {
  const t = result.timelines[0];
  const decisions = t?.decisions ?? [];
  const rollback = decisions.find((d) => d.action === "rollback");
  const promote = decisions.find((d) => d.action === "promote");
  return {
    ...(rollback === undefined
      ? {}
      : {
          rolledBackAt: rollback.at,
          rollbackWhy: [rollback.reason, ...rollback.basis.map(describeCheck)].join("\n    "),
        }),
    ...(promote === undefined ? {} : { promotedAt: promote.at }),
    thinDecisions: decisions.filter(
      (d) => d.action !== "rollback" && d.basis.some((c) => c.requests < EVIDENCE_FLOOR),
    ).length,
  };
}

const pct = (n: number, d: number) =>
  d === 0 ? "–" : `${((100 * n) / d).toFixed(1)} % (${n}/${d})`;
const median = (xs: number[]) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

const dir = mkdtempSync(join(tmpdir(), "meshcanary-bench-quality-"));
try {
  const suite = scenarios();
  let t = performance.now();
  const files: string[] = [];
  for (let i = 0; i < suite.length; i += PER_FILE) {
    const file = join(dir, `suite-${i / PER_FILE}.om`);
    await writeHistory(
      suite.slice(i, i + PER_FILE).map((s) => s.history),
      file,
    );
    files.push(file);
  }
  const prom = await startPrometheusOnHistory(files);
  console.log(
    `${suite.length} scenarios (seed ${SEED}) generated and backfilled in ${Math.round(performance.now() - t)} ms`,
  );
  try {
    const metrics = new PrometheusClient({ url: prom.url, timeoutMs: 30_000 });
    const results = new Map<string, Outcome>();
    t = performance.now();
    for (const judge of ["threshold", "statistical"] as const) {
      for (const s of suite) {
        const doc = spec(s, judge);
        const r = await replay(
          [{ rollout: makeRollout(doc, `${s.id}.yaml`), text: specYaml(doc) }],
          {
            metrics,
            fromMs: FROM,
            toMs: TO,
          },
        );
        results.set(`${judge}/${s.id}`, outcome(r));
      }
    }
    console.log(`${suite.length * 2} replays in ${Math.round(performance.now() - t)} ms\n`);

    const rows: string[][] = [];
    for (const judge of ["threshold", "statistical"] as const) {
      const of = (kinds: Kind[], filter: (s: Scenario) => boolean = () => true) =>
        suite.filter((s) => kinds.includes(s.kind) && filter(s));
      const res = (s: Scenario) => results.get(`${judge}/${s.id}`) as Outcome;
      const healthy = of(["healthy", "bursty"]);
      const shared = of(["shared"]);
      const row = (what: string, value: string) => rows.push([judge, what, value]);
      if (VERBOSE)
        for (const s of [...healthy, ...shared].filter((x) => res(x).rolledBackAt !== undefined))
          console.log(
            `false ${judge} ${s.id} ${s.kind} ${s.canaryRps} rps:\n    ${res(s).rollbackWhy}`,
          );
      row(
        "false rollbacks, healthy",
        pct(healthy.filter((s) => res(s).rolledBackAt !== undefined).length, healthy.length),
      );
      row(
        "false rollbacks, shared slowdowns",
        pct(shared.filter((s) => res(s).rolledBackAt !== undefined).length, shared.length),
      );
      const fast = healthy.filter((s) => s.canaryRps >= 5);
      row(
        "healthy ≥ 5 rps promoted",
        pct(fast.filter((s) => res(s).promotedAt !== undefined).length, fast.length),
      );
      for (const band of [
        { name: "< 1 rps", test: (r: number) => r < 1 },
        { name: "1–5 rps", test: (r: number) => r >= 1 && r < 5 },
        { name: "≥ 5 rps", test: (r: number) => r >= 5 },
        { name: "≥ 10 rps", test: (r: number) => r >= 10 },
      ]) {
        for (const [kind, size] of [
          ["latency", "×2"],
          ["latency", "×4"],
          ["errors", "×5"],
          ["errors", "5 %"],
          ["errors", "×20"],
        ] as const) {
          const regressions = of([kind], (s) => band.test(s.canaryRps) && s.size === size);
          const delays: number[] = [];
          let caught = 0;
          let early = 0;
          for (const s of regressions) {
            const at = res(s).rolledBackAt;
            const onset = s.onsetMs as number;
            if (at === undefined) continue;
            if (at < onset) {
              early++;
              if (VERBOSE)
                console.log(
                  `early ${judge} ${s.id} ${kind} ${size} ${s.canaryRps} rps:\n    ${res(s).rollbackWhy}`,
                );
              continue;
            }
            // The first check whose window lies wholly after the onset, and the two after it.
            const covered = Math.ceil((onset + WINDOW_MS) / INTERVAL_MS) * INTERVAL_MS;
            if (at <= covered + 2 * INTERVAL_MS) caught++;
            else if (VERBOSE && band.name !== "< 1 rps" && s.canaryRps >= 5)
              console.log(
                `late ${judge} ${s.id} ${kind} ${size} ${s.canaryRps} rps, onset ${new Date(onset).toISOString()}:\n    ${res(s).rollbackWhy}`,
              );
            delays.push((at - onset) / 1000);
          }
          row(
            `${kind} ${size} ${band.name}: caught within 3 checks`,
            `${pct(caught, regressions.length)}; median delay ${Number.isNaN(median(delays)) ? "–" : `${Math.round(median(delays))} s`}; rolled back before onset ${early}`,
          );
        }
      }
      const thin = suite.reduce((n, s) => n + res(s).thinDecisions, 0);
      row(`advances/promotions on < ${EVIDENCE_FLOOR} canary requests`, String(thin));
    }
    const width = Math.max(...rows.map((r) => (r[1] as string).length));
    console.log(`${"judge".padEnd(12)}${"measure".padEnd(width + 2)}result`);
    for (const [judge, what, value] of rows)
      console.log(`${(judge as string).padEnd(12)}${(what as string).padEnd(width + 2)}${value}`);
  } finally {
    await prom.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
