/**
 * A decision written into a spec's text: weight, status and (on promote) the
 * canary as the new stable, then the edited document read back through the
 * full validation. The watchdog commits the result; `backtest` replays with
 * it, so both move a rollout on in exactly the same way.
 */
import type { Decision } from "../analysis/decide.js";
import { decisionReason, decisionValues } from "../analysis/explain.js";
import { formatDiagnostic } from "../errors.js";
import { applyDecisionEdit, SpecEditError } from "../rollout/edit.js";
import { parseRollouts } from "../rollout/parse-rollouts.js";
import type { Rollout, RolloutStatus } from "../rollout/types.js";

export type Actionable = Exclude<Decision, { action: "hold" }>;

export interface EditedSpec {
  /** The whole file's new text. */
  readonly text: string;
  /** The rollout as read back from it. */
  readonly rollout: Rollout;
}

/** The decision's time is its newest check time, not the wall clock: replicas write the same status. */
export function decisionTime(decision: Actionable, nowMs: number): number {
  return decision.basis[0]?.at ?? nowMs;
}

function newStatus(rollout: Rollout, decision: Actionable, atMs: number): RolloutStatus {
  const at = new Date(atMs).toISOString();
  const phase =
    decision.action === "rollback"
      ? "RolledBack"
      : decision.action === "promote"
        ? "Promoted"
        : "Progressing";
  return {
    phase,
    stepStartedAt: at,
    reason: `${decision.action}: ${decisionReason(rollout, decision)}`,
    lastDecision: { action: decision.action, at, values: decisionValues(decision) },
  };
}

/**
 * @param text the whole spec file holding `rollout`
 * @throws SpecEditError when the file cannot be edited safely or the result does not validate
 */
export function applyDecision(
  text: string,
  rollout: Rollout,
  decision: Actionable,
  atMs: number,
): EditedSpec {
  const edited = applyDecisionEdit(
    text,
    rollout.source.documentIndex,
    {
      canaryWeight: decision.action === "advance" ? decision.to : 0,
      status: newStatus(rollout, decision, atMs),
      ...(decision.action === "promote" && rollout.canary !== undefined
        ? { promote: rollout.canary }
        : {}),
    },
    rollout.source.file,
  );
  return { text: edited, rollout: reparse(edited, rollout) };
}

/** Reads an edited file back and finds `rollout` in it; anything invalid is an edit error. */
export function reparse(text: string, rollout: Rollout): Rollout {
  const reparsed = parseRollouts(
    rollout.source.file,
    rollout.source.relativePath,
    text,
    rollout.source.defaultTarget === undefined ? {} : { target: rollout.source.defaultTarget },
  );
  const found = reparsed.rollouts.find(
    (r) => r.rollout.name === rollout.name && r.rollout.namespace === rollout.namespace,
  );
  if (reparsed.diagnostics.length > 0 || found === undefined) {
    throw new SpecEditError(
      `editing ${rollout.source.file} produced an invalid spec: ${reparsed.diagnostics.map(formatDiagnostic).join("; ")}`,
    );
  }
  return found.rollout;
}
