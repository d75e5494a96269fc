/**
 * The watchdog's own metrics, served on /metrics; all series prefixed
 * `meshcanary_`. Nothing secret goes into a label. README's "Metrics" table
 * documents each one; deploy/base's alerts and dashboard read them.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Actionable } from "./apply-decision.js";

const ACTIONS: readonly Actionable["action"][] = ["rollback", "advance", "promote"];
const CYCLE_RESULTS = ["ok", "error"] as const;

export class Telemetry {
  readonly registry = new Registry();
  readonly cycles = new Counter({
    name: "meshcanary_cycles_total",
    help: "Watchdog cycles by result (ok, error).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly cycleDuration = new Histogram({
    name: "meshcanary_cycle_duration_seconds",
    help: "Duration of watchdog cycles (sync, queries, decisions, push), failed ones included.",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly checks = new Counter({
    name: "meshcanary_checks_total",
    help: "Checks of a rollout by result (healthy, breach, inconclusive, nodata, error).",
    labelNames: ["rollout", "result"] as const,
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: "meshcanary_decisions_total",
    help: "Decisions pushed, by rollout and action (rollback, advance, promote).",
    labelNames: ["rollout", "action"] as const,
    registers: [this.registry],
  });
  /**
   * The per-rollout counter summed by action, each action there at 0 from
   * start-up: a rollout's series appears only with its first decision, and
   * `increase()` cannot see a series' first sample, so alerts read this one.
   */
  readonly decisionsByAction = new Counter({
    name: "meshcanary_decisions_by_action_total",
    help: "Decisions pushed, by action (rollback, advance, promote), over all rollouts; 0 from start-up.",
    labelNames: ["action"] as const,
    registers: [this.registry],
    collect: () => this.#sumDecisions(),
  });
  readonly canaryWeight = new Gauge({
    name: "meshcanary_canary_weight",
    help: "Canary weight in percent of each active rollout, as in git.",
    labelNames: ["rollout"] as const,
    registers: [this.registry],
  });
  readonly queryDuration = new Histogram({
    name: "meshcanary_query_duration_seconds",
    help: "Duration of Prometheus queries.",
    labelNames: ["result"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: "meshcanary_last_successful_cycle_timestamp_seconds",
    help: "When the last cycle without Prometheus or git failure ended (Unix time).",
    registers: [this.registry],
  });
  readonly startTime = new Gauge({
    name: "meshcanary_start_time_seconds",
    help: "When this watchdog process started (Unix time); the age alerts count from it until the first success.",
    registers: [this.registry],
  });
  readonly invalidSpecs = new Gauge({
    name: "meshcanary_invalid_specs",
    help: "Spec files skipped in the last cycle because they do not validate.",
    registers: [this.registry],
  });

  constructor(nowMs: number = Date.now()) {
    this.startTime.set(nowMs / 1000);
    // Present at 0 before the first cycle, so rate() and increase() see the first failure.
    for (const result of CYCLE_RESULTS) this.cycles.inc({ result }, 0);
  }

  async #sumDecisions(): Promise<void> {
    const totals = new Map<string, number>(ACTIONS.map((a) => [a, 0]));
    for (const { labels, value } of (await this.decisions.get()).values) {
      const action = String(labels.action);
      totals.set(action, (totals.get(action) ?? 0) + value);
    }
    this.decisionsByAction.reset();
    for (const [action, total] of totals) this.decisionsByAction.inc({ action }, total);
  }
}
