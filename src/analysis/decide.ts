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
 *
 * A rollout in its shadow phase is decided by `decideShadow` (the section
 * at the end): its own table, with the same holds by a person.
 */
import { inShadow } from "../rollout/lifecycle.js";
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
      /** The decision ends a shadow phase: `shadow → off`. */
      readonly fromShadow?: true;
      /** The shadow's deadline passed without conclusive evidence (not a breach). */
      readonly deadlinePassed?: true;
    }
  | {
      readonly action: "advance";
      readonly from: number;
      readonly to: number;
      readonly basis: readonly CheckResult[];
      /** The decision ends a shadow phase: `shadow → <to>%`. */
      readonly fromShadow?: true;
    }
  | { readonly action: "promote"; readonly from: number; readonly basis: readonly CheckResult[] };

/**
 * `status.phase` when written, else `Steady` (no canary), `Progressing` (weight > 0) or `Pending`;
 * `Shadow` in the shadow phase; an active rollout shows `Paused` while `spec.paused`, and
 * `AwaitingPromotion` when its newest decision (if known) waits for a person's `meshcanary promote`.
 */
export function phaseOf(rollout: Rollout, decision?: Decision): string {
  if (decision?.action === "hold" && decision.phase !== undefined) return decision.phase;
  if (isActive(rollout) && rollout.paused) return "Paused";
  if (inShadow(rollout)) return "Shadow";
  if (rollout.status?.phase !== undefined) return rollout.status.phase;
  if (rollout.canary === undefined) return "Steady";
  return rollout.traffic.canaryWeight > 0 ? "Progressing" : "Pending";
}

/** 1-based index of the current weight in `traffic.steps`, 0 before the first. */
export function stepOf(rollout: Rollout): number {
  const { steps, canaryWeight } = rollout.traffic;
  return steps.filter((s) => s <= canaryWeight).length;
}

/** A rollout the watchdog acts on: a canary, a weight above 0 (or a shadow), and no final phase. */
export function isActive(rollout: Rollout): boolean {
  const phase = rollout.status?.phase;
  return (
    rollout.canary !== undefined &&
    (rollout.traffic.canaryWeight > 0 || rollout.traffic.shadow !== undefined) &&
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
 * @param stepStartedAtMs when the current step (or shadow) started; the shadow's deadline runs from it
 */
export function decide(
  rollout: Rollout,
  checks: readonly CheckResult[],
  stepStartedAtMs?: number,
): Decision {
  if (inShadow(rollout)) return decideShadow(rollout, checks, stepStartedAtMs);
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
  const reason = holdReason(rollout, checks, breaches, healthy, promoteAfter);
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
  const healthy = `healthy in ${decision.basis.length} of ${decision.basis.length} checks`;
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
  promoteAfter: number,
): string {
  const newest = checks[0];
  if (newest === undefined) return "no check since the step started";
  const { rollbackAfter } = rollout.analysis;
  switch (newest.kind) {
    case "breach":
      return `breach in ${breaches} of ${rollbackAfter} checks needed to roll back`;
    case "healthy":
      return `healthy in ${healthy} of ${promoteAfter} checks needed to advance`;
    default:
      return `${newest.kind}: ${newest.reason ?? ""}`.trim();
  }
}

// ---------------------------------------------------------------------------
// The shadow phase (docs/strategies.md): v2 gets mirrored copies of the
// route's requests and no user traffic. Its table:
//
// | consecutive newest results                  | decision                       |
// |---------------------------------------------|--------------------------------|
// | `rollbackAfter` breaches                    | `shadow → off` (wins over all) |
// | `shadow.promoteAfter` healthy               | `shadow → <steps[0]>%`         |
// | neither, newest check at/after the deadline | `shadow → off` (no evidence)   |
// | anything else                               | hold                           |
//
// The deadline is what keeps a dead v2 from holding forever: mirrored
// requests are reported only by v2's own sidecar, so a v2 that cannot answer
// shows as no data, not as errors.
// ---------------------------------------------------------------------------

/** When the shadow ends without conclusive evidence: its start plus `shadow.deadline`. */
export function shadowDeadlineAt(rollout: Rollout, stepStartedAtMs: number): number | undefined {
  const shadow = rollout.traffic.shadow;
  return shadow === undefined ? undefined : stepStartedAtMs + shadow.deadlineMs;
}

function decideShadow(
  rollout: Rollout,
  checks: readonly CheckResult[],
  stepStartedAtMs: number | undefined,
): Decision {
  const { rollbackAfter } = rollout.analysis;
  const promoteAfter = rollout.traffic.shadow?.promoteAfter ?? rollout.analysis.promoteAfter;
  const breaches = streak(checks, (c) => countsAsBreach(rollout, c));
  if (breaches >= rollbackAfter)
    return {
      action: "rollback",
      from: 0,
      to: 0,
      basis: checks.slice(0, rollbackAfter),
      fromShadow: true,
    };
  const healthy = streak(checks, (c) => c.kind === "healthy");
  const first = rollout.traffic.steps[0] as number;
  if (healthy >= promoteAfter) {
    const decision: Decision = {
      action: "advance",
      from: 0,
      to: first,
      basis: checks.slice(0, promoteAfter),
      fromShadow: true,
    };
    return heldByPerson(rollout, decision) ?? decision;
  }
  const deadline =
    stepStartedAtMs === undefined ? undefined : shadowDeadlineAt(rollout, stepStartedAtMs);
  const newest = checks[0];
  const why = holdReason(rollout, checks, breaches, healthy, promoteAfter);
  // A person's pause holds the deadline too: the shadow ends at the first check after resume.
  if (rollout.paused) return pausedHold(rollout, `shadow: ${why}`);
  if (deadline !== undefined && newest !== undefined && newest.at >= deadline)
    return {
      action: "rollback",
      from: 0,
      to: 0,
      basis: checks,
      fromShadow: true,
      deadlinePassed: true,
    };
  return {
    action: "hold",
    reason:
      deadline === undefined
        ? `shadow: ${why}`
        : `shadow: ${why}; ends as shadow → off at ${new Date(deadline).toISOString()} without a verdict`,
  };
}
