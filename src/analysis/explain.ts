/**
 * Words for decisions: the commit subject DESIGN.md fixes, a body that lets a
 * person check the arithmetic, and the values recorded in `status`.
 */
import type { Rollout } from "../spec/types.js";
import type { Decision } from "./decide.js";
import { rolloutId } from "./identity.js";
import type { CheckResult, Measurement } from "./judge.js";

export function formatValue(value: number, unit: Measurement["unit"]): string {
  if (unit === "ms") return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
  if (unit === "ratio") return `${(value * 100).toFixed(2)}%`;
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/** `p99 latency 412 ms > 150 ms` or `error rate 0.20% ≤ 1.00%`. */
export function describeMeasurement(m: Measurement): string {
  // The sign states the arithmetic; whether that is a breach is the judge's verdict (`breached`).
  const beyond = m.bound === "max" ? m.value > m.threshold : m.value < m.threshold;
  const op = m.bound === "max" ? (beyond ? ">" : "≤") : beyond ? "<" : "≥";
  return `${m.metric} ${formatValue(m.value, m.unit)} ${op} ${formatValue(m.threshold, m.unit)}`;
}

/** What a check found, one part each: every measurement against its threshold, the reason, the request count. */
export function checkFindings(check: CheckResult): string[] {
  // The details carry the arithmetic (counts, bounds, p-values), so a person can check a verdict.
  const parts = check.measurements.map((m) =>
    m.detail === undefined ? describeMeasurement(m) : `${describeMeasurement(m)} (${m.detail})`,
  );
  if (check.reason !== undefined) parts.push(check.reason);
  parts.push(`${Math.round(check.requests)} canary requests`);
  return parts;
}

export function describeCheck(check: CheckResult): string {
  const time = new Date(check.at).toISOString();
  return `${time} ${check.kind}: ${checkFindings(check).join("; ")}`;
}

export function commitSubject(
  rollout: Rollout,
  decision: Exclude<Decision, { action: "hold" }>,
): string {
  const id = rolloutId(rollout);
  switch (decision.action) {
    case "rollback":
      return `rollback ${id}: ${decision.from}% → 0%`;
    case "advance":
      return `advance ${id}: ${decision.from}% → ${decision.to}%`;
    case "promote":
      return `promote ${id}: ${rollout.canary?.name ?? "canary"} is now stable`;
  }
}

/** One line: what the decision rests on, e.g. `p99 latency 412 ms > 150 ms in 2 of 2 checks`. */
export function decisionReason(
  rollout: Rollout,
  decision: Exclude<Decision, { action: "hold" }>,
): string {
  const checks = decision.basis;
  const n = checks.length;
  if (decision.action === "rollback") {
    const byMetric = new Map<string, Measurement[]>();
    for (const check of checks) {
      for (const m of check.measurements.filter((x) => x.breached))
        byMetric.set(m.metric, [...(byMetric.get(m.metric) ?? []), m]);
    }
    const parts = [...byMetric.values()].map(
      (ms) => `${describeMeasurement(ms[0] as Measurement)} in ${ms.length} of ${n} checks`,
    );
    const nodata = checks.filter((c) => c.kind === "nodata").length;
    if (nodata > 0) parts.push(`no data in ${nodata} of ${n} checks (noData: rollback)`);
    return parts.join(", ");
  }
  const newest = checks[0];
  const values = newest?.measurements.map(describeMeasurement).join(", ") ?? "";
  return `healthy in ${n} of ${n} checks${values === "" ? "" : ` (${values})`} at ${rollout.traffic.canaryWeight}%`;
}

export function commitMessage(
  rollout: Rollout,
  decision: Exclude<Decision, { action: "hold" }>,
): string {
  const a = rollout.analysis;
  const rule =
    decision.action === "rollback"
      ? `rollbackAfter: ${a.rollbackAfter}${a.noData === "rollback" ? ", noData: rollback" : ""}`
      : `promoteAfter: ${a.promoteAfter}`;
  return [
    commitSubject(rollout, decision),
    "",
    `${decisionReason(rollout, decision)} (${rule}, window ${a.window}, interval ${a.interval}).`,
    "",
    "Checks, newest first:",
    ...decision.basis.map((c) => `- ${describeCheck(c)}`),
    "",
    `Spec: ${rollout.source.relativePath}`,
    "",
  ].join("\n");
}

/** The newest check's values, recorded as `status.lastDecision.values`. */
export function decisionValues(
  decision: Exclude<Decision, { action: "hold" }>,
): Record<string, number> {
  const newest = decision.basis[0];
  const values: Record<string, number> = {};
  if (newest === undefined) return values;
  for (const m of newest.measurements) values[m.metric] = Number(m.value.toPrecision(6));
  values.requests = Math.round(newest.requests);
  return values;
}
