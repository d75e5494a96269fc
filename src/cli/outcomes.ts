/** Human lines for what a cycle (or `status`) found: one per rollout. */
import type { RolloutOutcome } from "../engine/evaluate.js";

export function formatOutcomes(outcomes: readonly RolloutOutcome[]): string[] {
  if (outcomes.length === 0) return ["no active rollout due a check"];
  const width = Math.max(...outcomes.map((o) => o.rollout.length));
  return outcomes.map((o) => {
    const d = o.decision;
    const what =
      d.action === "hold"
        ? `hold: ${d.reason}`
        : d.action === "advance"
          ? `advance ${d.from}% → ${d.to}%`
          : d.action === "rollback"
            ? `rollback ${d.from}% → 0%`
            : `promote at ${d.from}%`;
    const why = d.action === "hold" ? "" : `: ${o.reason}`;
    return `${o.rollout.padEnd(width)}  ${String(o.weight).padStart(3)}%  ${what}${why}`;
  });
}
