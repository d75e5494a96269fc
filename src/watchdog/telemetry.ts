/** The watchdog's own metrics, served on /metrics; all series prefixed `meshcanary_`. Nothing secret goes into a label. */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export class Telemetry {
  readonly registry = new Registry();
  readonly cycles = new Counter({
    name: "meshcanary_cycles_total",
    help: "Watchdog cycles by result (ok, error).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly checks = new Counter({
    name: "meshcanary_checks_total",
    help: "Checks of a rollout by result (healthy, breach, nodata, error).",
    labelNames: ["rollout", "result"] as const,
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: "meshcanary_decisions_total",
    help: "Decisions committed, by action (rollback, advance, promote).",
    labelNames: ["rollout", "action"] as const,
    registers: [this.registry],
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
  readonly invalidSpecs = new Gauge({
    name: "meshcanary_invalid_specs",
    help: "Spec files skipped in the last cycle because they do not validate.",
    registers: [this.registry],
  });
}
