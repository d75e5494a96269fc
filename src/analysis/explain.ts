/**
 * Words for decisions: the commit subject DESIGN.md fixes, a body that lets a
 * person check the arithmetic, and the values recorded in `status`.
 */
import type { Rollout } from "../rollout/types.js";
import type { Decision } from "./decide.js";
import type { CheckResult, Measurement } from "./evidence.js";
import { formatMeasured } from "./format.js";
import { rolloutId } from "./identity.js";

/** `p99 latency 412 ms > 150 ms` or `error rate 0.20% ≤ 1.00%`. */
export function describeMeasurement(m: Measurement): string {
  // The sign states the arithmetic; whether that is a breach is the judge's verdict (`breached`).
  const beyond = m.bound === "max" ? m.value > m.threshold : m.value < m.threshold;
  const op = m.bound === "max" ? (beyond ? ">" : "≤") : beyond ? "<" : "≥";
  return `${m.metric} ${formatMeasured(m.value, m.unit)} ${op} ${formatMeasured(m.threshold, m.unit)}`;
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
      return decision.fromShadow === true
        ? `rollback ${id}: shadow → off`
        : `rollback ${id}: ${decision.from}% → 0%`;
    case "advance":
      return decision.fromShadow === true
        ? `advance ${id}: shadow → ${decision.to}%`
        : `advance ${id}: ${decision.from}% → ${decision.to}%`;
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
  if (decision.action === "rollback" && decision.deadlinePassed === true)
    return shadowDeadlineReason(rollout, checks);
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
    return `${parts.join(", ")}${decision.fromShadow === true ? ` ${shadowWhere(rollout)}` : ""}`;
  }
  const newest = checks[0];
  const values = newest?.measurements.map(describeMeasurement).join(", ") ?? "";
  const where =
    decision.action === "advance" && decision.fromShadow === true
      ? shadowWhere(rollout)
      : `at ${rollout.traffic.canaryWeight}%`;
  return `healthy in ${n} of ${n} checks${values === "" ? "" : ` (${values})`} ${where}`;
}

/** `in the shadow (50% of requests mirrored)`. */
function shadowWhere(rollout: Rollout): string {
  return `in the shadow (${rollout.traffic.shadow?.percent ?? 100}% of requests mirrored)`;
}

/** Why a shadow ended at its deadline: which checks it had, and why no data may mean a dead v2. */
function shadowDeadlineReason(rollout: Rollout, checks: readonly CheckResult[]): string {
  const kinds = new Map<string, number>();
  for (const c of checks) kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
  const found = [...kinds].map(([kind, count]) => `${kind} ${count}`).join(", ");
  return `no conclusive evidence ${shadowWhere(rollout)} by its deadline ${rollout.traffic.shadow?.deadline ?? ""} (last ${checks.length} checks: ${found}); mirrored requests are reported only by ${rollout.canary?.name ?? "the canary"}'s own proxy, so a canary that fails outright shows as no data`;
}

export function commitMessage(
  rollout: Rollout,
  decision: Exclude<Decision, { action: "hold" }>,
): string {
  const a = rollout.analysis;
  const rule =
    decision.action === "rollback"
      ? decision.deadlinePassed === true
        ? `shadow.deadline: ${rollout.traffic.shadow?.deadline ?? ""}`
        : `rollbackAfter: ${a.rollbackAfter}${a.noData === "rollback" ? ", noData: rollback" : ""}`
      : decision.action === "advance" && decision.fromShadow === true
        ? `shadow.promoteAfter: ${rollout.traffic.shadow?.promoteAfter ?? a.promoteAfter}`
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
