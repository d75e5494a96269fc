/**
 * Whether the compiled output routes anything to the canary beyond its
 * weight (pinned clients, sticky sessions): a canary is present and the
 * rollout is neither rolled back nor promoted, at any weight (0 included:
 * before the first step, pinned testers already reach it). After a rollback
 * or promotion those fields stay in the spec, inert.
 */
import type { Rollout } from "./types.js";

export function canaryInPlay(rollout: Pick<Rollout, "canary" | "status">): boolean {
  const phase = rollout.status?.phase;
  return rollout.canary !== undefined && phase !== "RolledBack" && phase !== "Promoted";
}
