/**
 * Istio's standard metrics as the simulated proxies export them:
 * `istio_requests_total` and `istio_request_duration_milliseconds`, with the
 * labels the judge and `analysis.selectors` read.
 */
import { Counter, Histogram, Registry } from "prom-client";
import { ISTIO_DURATION_BUCKETS_MS } from "../../../src/analysis/histogram.js";

const LABELS = [
  "reporter",
  "source_workload",
  "source_workload_namespace",
  "destination_service",
  "destination_service_name",
  "destination_service_namespace",
  "destination_workload",
  "destination_workload_namespace",
  "destination_canonical_service",
  "destination_canonical_revision",
  "destination_version",
  "response_code",
  "response_flags",
  "request_protocol",
] as const;
export type Label = (typeof LABELS)[number];

export class IstioMetrics {
  readonly #registry = new Registry();
  readonly #requests = new Counter({
    name: "istio_requests_total",
    help: "Requests seen by the Istio proxies (simulated).",
    labelNames: LABELS,
    registers: [this.#registry],
  });
  readonly #duration = new Histogram({
    name: "istio_request_duration_milliseconds",
    help: "Request duration in milliseconds seen by the Istio proxies (simulated).",
    labelNames: LABELS,
    buckets: [...ISTIO_DURATION_BUCKETS_MS],
    registers: [this.#registry],
  });

  /** One request as one proxy reports it. */
  record(labels: Record<Label, string>, latencyMs: number): void {
    this.#requests.inc(labels);
    this.#duration.observe(labels, latencyMs);
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  /** The exposition text. */
  text(): Promise<string> {
    return this.#registry.metrics();
  }
}
