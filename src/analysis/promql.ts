/**
 * PromQL for the judge. Every value from a spec goes through the escapers
 * here, so no name or label can change a query's meaning. Queries are
 * batched: one per metric kind for every rollout sharing selectors and a
 * window, whatever their number.
 */
import type { Selectors } from "../rollout/types.js";

/** Escapes a value for a double-quoted PromQL string. */
export function escapeString(value: string): string {
  return value
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r");
}

/** Escapes a literal for an RE2 regular expression (`=~`), then for the string around it. */
export function escapeRegexLiteral(value: string): string {
  return escapeString(value.replace(/[\\.^$|?*+()[\]{}-]/g, "\\$&"));
}

/** `label=~"a|b"` matching exactly the given values, sorted so the query text is stable. */
function anyOf(label: string, values: readonly string[]): string {
  return `${label}=~"${[...new Set(values)].sort().map(escapeRegexLiteral).join("|")}"`;
}

export interface BatchScope {
  readonly selectors: Selectors;
  /** Prometheus duration, e.g. `1m`. */
  readonly window: string;
  readonly namespaces: readonly string[];
  readonly services: readonly string[];
}

function scope(s: BatchScope): string {
  return `${anyOf(s.selectors.namespace, s.namespaces)}, ${anyOf(s.selectors.service, s.services)}`;
}

/**
 * Server-side latency buckets per service and version. Quantiles are computed
 * from these rates in code, so one query serves every rollout and quantile.
 */
export function latencyBucketsQuery(s: BatchScope): string {
  const { service, namespace, version } = s.selectors;
  return `sum by (${service}, ${namespace}, ${version}, le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination", ${scope(s)}}[${s.window}]))`;
}

/**
 * Requests per reporter and response code. Both reporters: when a version's
 * pods fail, only the caller's proxy (reporter="source") sees the 503s.
 */
export function requestsQuery(s: BatchScope): string {
  const { service, namespace, version } = s.selectors;
  return `sum by (reporter, ${service}, ${namespace}, ${version}, response_code) (increase(istio_requests_total{${scope(s)}}[${s.window}]))`;
}

export type CustomMetricVariables = Readonly<
  Record<"namespace" | "service" | "stableVersion" | "canaryVersion" | "window", string>
>;

/**
 * Fills `{{ name }}` placeholders of a custom metric query. Values are
 * escaped for a PromQL string: placeholders belong inside quotes
 * (`{destination_version="{{ canaryVersion }}"}`), except `window`, which is a
 * duration and validated as one.
 */
export function renderCustomQuery(query: string, vars: CustomMetricVariables): string {
  return query.replace(/\{\{\s*([^}\s]*)\s*\}\}/g, (_, name: string) => {
    if (!Object.hasOwn(vars, name)) throw new Error(`unknown placeholder {{ ${name} }}`);
    const value = vars[name as keyof CustomMetricVariables];
    return name === "window" ? value : escapeString(value);
  });
}
