/**
 * decide(): the heart of the product, a pure function of the rollout (spec
 * and status as in git), its check results and the time. It reads like
 * DESIGN.md's table:
 *
 * | consecutive newest results               | decision                        |
 * |------------------------------------------|---------------------------------|
 * | `rollbackAfter` breaches                 | rollback to 0 % (wins over all) |
 * | `promoteAfter` healthy, not at last step | advance to the next step        |
 * | `promoteAfter` healthy, at last step     | promote the canary to stable    |
 * | anything else                            | hold                            |
 *
 * `nodata` and `error` never advance; with `noData: rollback`, `nodata`
 * counts as a breach. A person's holds (`heldByPerson`) come after the
 * rollback row, so safety wins over them:
 *
 * | spec                                          | instead of           | decision                          |
 * |-----------------------------------------------|----------------------|-----------------------------------|
 * | `paused: true`                                | advance or promote   | hold, phase Paused                |
 * | `analysis.promotion: manual`, at last step    | promote              | hold, phase AwaitingPromotion     |
 */
import type { Rollout } from "../rollout/types.js";
import type { CheckResult } from "./evidence.js";
import { rolloutId } from "./identity.js";

/** Derived phases of a hold a person asked for; shown, never stored. */
export type HoldPhase = "Paused" | "AwaitingPromotion";

export type Decision =
  | { readonly action: "hold"; readonly reason: string; readonly phase?: HoldPhase }
  | {
      readonly action: "rollback";
      readonly from: number;
      readonly to: 0;
      readonly basis: readonly CheckResult[];
    }
  | {
      readonly action: "advance";
      readonly from: number;
      readonly to: number;
      readonly basis: readonly CheckResult[];
    }
  | { readonly action: "promote"; readonly from: number; readonly basis: readonly CheckResult[] };

/**
 * `status.phase` when written, else `Steady` (no canary), `Progressing` (weight > 0) or `Pending`;
 * an active rollout shows `Paused` while `spec.paused`, and `AwaitingPromotion` when its
 * newest decision (if known) waits for a person's `meshcanary promote`.
 */
export function phaseOf(rollout: Rollout, decision?: Decision): string {
  if (decision?.action === "hold" && decision.phase !== undefined) return decision.phase;
  if (isActive(rollout) && rollout.paused) return "Paused";
  if (rollout.status?.phase !== undefined) return rollout.status.phase;
  if (rollout.canary === undefined) return "Steady";
  return rollout.traffic.canaryWeight > 0 ? "Progressing" : "Pending";
}

/** 1-based index of the current weight in `traffic.steps`, 0 before the first. */
export function stepOf(rollout: Rollout): number {
  const { steps, canaryWeight } = rollout.traffic;
  return steps.filter((s) => s <= canaryWeight).length;
}

/** A rollout the watchdog acts on: a canary, a weight above 0, and no final phase. */
export function isActive(rollout: Rollout): boolean {
  const phase = rollout.status?.phase;
  return (
    rollout.canary !== undefined &&
    rollout.traffic.canaryWeight > 0 &&
    (phase === undefined || phase === "Progressing")
  );
}

/** The step after `weight`: a weight between steps advances to the next higher one; none past the last. */
export function nextStep(steps: readonly number[], weight: number): number | undefined {
  return steps.find((s) => s > weight);
}

function countsAsBreach(rollout: Rollout, check: CheckResult): boolean {
  return (
    check.kind === "breach" || (check.kind === "nodata" && rollout.analysis.noData === "rollback")
  );
}

/** How many of the newest checks in a row satisfy `predicate`. */
function streak(checks: readonly CheckResult[], predicate: (c: CheckResult) => boolean): number {
  const index = checks.findIndex((c) => !predicate(c));
  return index === -1 ? checks.length : index;
}

/**
 * @param checks results at the rollout's check times, newest first (see checkTimes)
 */
export function decide(rollout: Rollout, checks: readonly CheckResult[]): Decision {
  if (!isActive(rollout)) return { action: "hold", reason: "not active" };
  const { promoteAfter, rollbackAfter } = rollout.analysis;
  const weight = rollout.traffic.canaryWeight;

  const breaches = streak(checks, (c) => countsAsBreach(rollout, c));
  if (breaches >= rollbackAfter) {
    // The decision rests on the newest rollbackAfter checks; older breaches add nothing to it.
    return { action: "rollback", from: weight, to: 0, basis: checks.slice(0, rollbackAfter) };
  }
  const healthy = streak(checks, (c) => c.kind === "healthy");
  if (healthy >= promoteAfter) {
    const basis = checks.slice(0, promoteAfter);
    const next = nextStep(rollout.traffic.steps, weight);
    const decision: Decision =
      next === undefined
        ? { action: "promote", from: weight, basis }
        : { action: "advance", from: weight, to: next, basis };
    return heldByPerson(rollout, decision) ?? decision;
  }
  const reason = holdReason(rollout, checks, breaches, healthy);
  return rollout.paused ? pausedHold(rollout, reason) : { action: "hold", reason };
}

/**
 * The hold a person's spec puts in place of a move forward: `paused` holds
 * any advance or promotion, `promotion: manual` a promotion. Never a
 * rollback: decide() returns that before asking.
 *
 * The hook for other phases: a move forward of theirs (the shadow phase's
 * advance to the first step) goes through here too, and a paused rollout's
 * shadow deadline must not fire (check `rollout.paused` before it, and hold
 * with pausedHold); a breach still rolls back.
 */
export function heldByPerson(
  rollout: Rollout,
  decision: Exclude<Decision, { action: "hold" | "rollback" }>,
): Decision | undefined {
  const healthy = `healthy in ${decision.basis.length} of ${rollout.analysis.promoteAfter} checks`;
  if (rollout.paused) return pausedHold(rollout, `${healthy}, would ${decision.action}`);
  if (decision.action === "promote" && rollout.analysis.promotion === "manual") {
    return {
      action: "hold",
      phase: "AwaitingPromotion",
      reason: `awaiting promotion (analysis.promotion: manual): ${healthy} at ${decision.from}%; run meshcanary promote ${rolloutId(rollout)}`,
    };
  }
  return undefined;
}

function pausedHold(rollout: Rollout, why: string): Decision {
  return {
    action: "hold",
    phase: "Paused",
    reason: `paused (spec.paused): ${why}; a breach still rolls back; run meshcanary resume ${rolloutId(rollout)}`,
  };
}

function holdReason(
  rollout: Rollout,
  checks: readonly CheckResult[],
  breaches: number,
  healthy: number,
): string {
  const newest = checks[0];
  if (newest === undefined) return "no check since the step started";
  const { promoteAfter, rollbackAfter } = rollout.analysis;
  switch (newest.kind) {
    case "breach":
      return `breach in ${breaches} of ${rollbackAfter} checks needed to roll back`;
    case "healthy":
      return `healthy in ${healthy} of ${promoteAfter} checks needed to advance`;
    default:
      return `${newest.kind}: ${newest.reason ?? ""}`.trim();
  }
}
