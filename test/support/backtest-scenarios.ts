/**
 * Backtest scenarios with known answers: three services' Istio history in
 * one backfilled Prometheus (healthy; a latency regression at 10:14; a
 * scrape outage 10:12–10:20), and the rollout spec that judges each.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPrometheusOnHistory } from "./backfill.js";
import { type HistorySpec, type VersionBehaviour, writeHistory } from "./history.js";
import { makeSpec, type SpecDoc } from "./make-spec.js";
import type { PrometheusServer } from "./prometheus-server.js";

/** The history covers one aligned 2 h block; the replay runs from FROM to TO. */
export const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
export const at = (hhmmss: string): number => Date.parse(`2026-11-20T${hhmmss}Z`);
export const FROM = at("10:10:00");
export const TO = at("10:30:00");

const HEALTHY_STABLE: VersionBehaviour = {
  rps: 180,
  errorRate: 0.002,
  latency: { medianMs: 40, sigma: 0.4 },
};
const HEALTHY_CANARY: VersionBehaviour = { ...HEALTHY_STABLE, rps: 20 };

export type ScenarioName = "healthy" | "regression" | "gap";

function history(service: ScenarioName, seed: number): HistorySpec {
  const base = {
    seed,
    startMs: T0,
    endMs: T0 + 2 * 3_600_000,
    namespace: "recs",
    service,
    stableVersion: "v1",
    canaryVersion: "v2",
    labels: "minimal" as const,
  };
  const healthy = { fromMs: T0, stable: HEALTHY_STABLE, canary: HEALTHY_CANARY };
  switch (service) {
    case "healthy":
      return { ...base, segments: [healthy] };
    case "regression":
      return {
        ...base,
        segments: [
          healthy,
          // Ten times slower from 10:14: p99 ≈ 1 s against an SLA of 250 ms.
          {
            fromMs: at("10:14:00"),
            stable: HEALTHY_STABLE,
            canary: { ...HEALTHY_CANARY, latency: { medianMs: 400, sigma: 0.4 } },
          },
        ],
      };
    case "gap":
      return {
        ...base,
        segments: [healthy],
        gaps: [{ fromMs: at("10:12:00"), toMs: at("10:20:00") }],
      };
  }
}

/** The rollout of one scenario: 30 s checks over 1 m, SLA p99 ≤ 250 ms (an Istio bucket edge), 1 % errors. */
export function scenarioSpec(service: ScenarioName, analysis: SpecDoc = {}): SpecDoc {
  return makeSpec({
    spec: {
      service: { host: `${service}.recs.svc.cluster.local`, port: 8080 },
      traffic: { canaryWeight: 5, steps: [5, 10, 25, 50, 100] },
      analysis: {
        interval: "30s",
        window: "1m",
        promoteAfter: 3,
        rollbackAfter: 2,
        minRequests: 50,
        sla: { latency: { quantile: 0.99, maxMs: 250 }, errorRate: { max: 0.01 } },
        ...analysis,
      },
    },
    // The weight in force since FROM, as a replay starting there assumes.
    status: { phase: "Progressing", stepStartedAt: new Date(FROM).toISOString() },
  });
}

export interface ScenarioPrometheus {
  readonly prometheus: PrometheusServer;
  close(): Promise<void>;
}

export async function startScenarioPrometheus(): Promise<ScenarioPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "meshcanary-backtest-"));
  const file = join(dir, "history.om");
  await writeHistory([history("healthy", 1), history("regression", 2), history("gap", 3)], file);
  const prometheus = await startPrometheusOnHistory([file]);
  return {
    prometheus,
    async close() {
      await prometheus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
