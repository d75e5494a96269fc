/**
 * Where a rollout stands, as pure predicates over its resolved form: shared
 * by the decision table (analysis/), the compiler and the spec notes, so each
 * rule has one home.
 */
import type { Rollout } from "./types.js";

/**
 * Whether the compiled output routes anything to the canary beyond its
 * weight (pinned clients, sticky sessions): a canary is present and the
 * rollout is neither rolled back nor promoted, at any weight (0 included:
 * before the first step, pinned testers already reach it; not in a shadow,
 * see `pinnedInPlay`). After a rollback or promotion those fields stay in
 * the spec, inert.
 */
export function canaryInPlay(rollout: Pick<Rollout, "canary" | "status">): boolean {
  const phase = rollout.status?.phase;
  return rollout.canary !== undefined && phase !== "RolledBack" && phase !== "Promoted";
}

/**
 * The shadow phase: a canary and `traffic.shadow`, weight 0, no final phase.
 * The canary gets mirrored copies only, and no user request.
 */
export function inShadow(rollout: Pick<Rollout, "canary" | "status" | "traffic">): boolean {
  const phase = rollout.status?.phase;
  return (
    rollout.canary !== undefined &&
    rollout.traffic.shadow !== undefined &&
    rollout.traffic.canaryWeight === 0 &&
    (phase === undefined || phase === "Progressing")
  );
}

/** The first weighted step after a shadow: the last decision left a shadow and the rollout progresses. */
export function firstStepAfterShadow(rollout: Pick<Rollout, "status" | "traffic">): boolean {
  const status = rollout.status;
  return (
    status?.phase === "Progressing" &&
    status.lastDecision?.from === "shadow" &&
    rollout.traffic.canaryWeight > 0
  );
}

/**
 * Pinned clients reach the canary while it is in play, except in a shadow:
 * there the canary's evidence is mirrored copies only (reporter="destination"),
 * and a pinned user's request would be counted as one of them.
 */
export function pinnedInPlay(rollout: Pick<Rollout, "canary" | "status" | "traffic">): boolean {
  return canaryInPlay(rollout) && !inShadow(rollout);
}
