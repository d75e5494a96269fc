/**
 * The decisions a cycle pushed, with the facts a notice needs, read from the
 * loop's report: the outcome gives action, weights and reason, the report's
 * commit map the commit, the rollout the commit subject. Pure.
 */
import { commitSubject } from "../analysis/explain.js";
import { rolloutId } from "../analysis/identity.js";
import type { CycleReport } from "../watchdog/cycle.js";

export interface PushedDecision {
  /** `<namespace>/<name>`. */
  readonly rollout: string;
  readonly action: "rollback" | "advance" | "promote";
  /** Canary weight in percent before and after (a promote ends at 100: the canary is the new stable). */
  readonly from: number;
  readonly to: number;
  /** One line: what the decision rests on. */
  readonly reason: string;
  /** The commit's subject, as DESIGN.md fixes it. */
  readonly subject: string;
  readonly commit: string;
}

/** Only pushed decisions: a dry run or a decision whose commit was not made yields none. */
export function pushedDecisions(report: CycleReport): PushedDecision[] {
  if (!report.pushed) return [];
  const out: PushedDecision[] = [];
  for (const { rollout: id, decision, reason } of report.outcomes) {
    const commit = report.decisionCommits.get(id);
    if (decision.action === "hold" || commit === undefined) continue;
    const rollout = report.rollouts.find((r) => rolloutId(r) === id);
    const to =
      decision.action === "advance" ? decision.to : decision.action === "rollback" ? 0 : 100;
    out.push({
      rollout: id,
      action: decision.action,
      from: decision.from,
      to,
      reason,
      subject:
        rollout === undefined
          ? `${decision.action} ${id}: ${decision.from}% → ${to}%`
          : commitSubject(rollout, decision),
      commit,
    });
  }
  return out;
}
