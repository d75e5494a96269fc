/**
 * A person's control of a rollout as an edit of its spec, pure: `pause` and
 * `resume` set and remove `spec.paused`; `promote` is the watchdog's own
 * promote edit; `abort` is a rollback to 0 % with phase RolledBack. Each
 * says when there is nothing to do, and names its commit as DESIGN.md's
 * subjects do.
 */

import { commitSubject } from "../analysis/explain.js";
import { rolloutId } from "../analysis/identity.js";
import { applyDecisionEdit, setPausedEdit } from "../rollout/edit.js";
import { inShadow } from "../rollout/lifecycle.js";
import type { Rollout, RolloutStatus } from "../rollout/types.js";
import { type EditedSpec, reparse } from "./apply-decision.js";

export const MANUAL_ACTIONS = ["pause", "resume", "promote", "abort"] as const;
export type ManualAction = (typeof MANUAL_ACTIONS)[number];

export interface ManualRequest {
  readonly action: ManualAction;
  /** `Name <email>`, as in the commit. */
  readonly author: string;
  /** The person's words (`--reason`), if any. */
  readonly reason?: string;
  /** When, for `status` (epoch ms). */
  readonly atMs: number;
}

/** Why `action` would change nothing for `rollout`, or undefined when it would. */
export function nothingToDo(rollout: Rollout, action: ManualAction): string | undefined {
  const id = rolloutId(rollout);
  const phase = rollout.status?.phase;
  switch (action) {
    case "pause":
      return rollout.paused ? `${id} is already paused (spec.paused: true)` : undefined;
    case "resume":
      return rollout.paused ? undefined : `${id} is not paused`;
    case "promote":
    case "abort": {
      if (rollout.canary === undefined) return `${id} has no canary to ${action}`;
      if (phase === "RolledBack" || phase === "Promoted")
        return `${id} is already ${phase}; to start again, set spec.traffic.canaryWeight and remove status`;
      if (action === "abort" && rollout.traffic.canaryWeight === 0 && !inShadow(rollout))
        return `${id} has not started (canaryWeight 0): nothing to abort`;
      return undefined;
    }
  }
}

/** Where the rollout stands, as subjects say it: `at 10%`, or `in shadow` before any user is served by the canary. */
function standing(rollout: Rollout): string {
  return inShadow(rollout) ? "in shadow" : `at ${rollout.traffic.canaryWeight}%`;
}

/** The commit subject, in DESIGN.md's form. */
export function manualSubject(rollout: Rollout, action: ManualAction): string {
  const id = rolloutId(rollout);
  const weight = rollout.traffic.canaryWeight;
  switch (action) {
    case "pause":
    case "resume":
      return `${action} ${id}: ${standing(rollout)}`;
    case "abort":
      return inShadow(rollout) ? `abort ${id}: shadow → off` : `abort ${id}: ${weight}% → 0%`;
    case "promote":
      // The watchdog's own subject: a person's promotion reads the same in the log.
      return commitSubject(rollout, { action: "promote", from: weight, basis: [] });
  }
}

const DONE: Readonly<Record<ManualAction, string>> = {
  pause: "Paused",
  resume: "Resumed",
  promote: "Promoted",
  abort: "Aborted",
};

/** What the watchdog does from here, for the commit body. */
const EFFECT: Readonly<Record<ManualAction, string>> = {
  pause:
    "The watchdog holds this rollout at its weight (no advance, no promotion); a breach still rolls it back.",
  resume: "The watchdog advances and promotes this rollout again as its checks allow.",
  promote: "The canary is now the stable version; the watchdog no longer checks this rollout.",
  abort: "All traffic goes to the stable version; the watchdog no longer checks this rollout.",
};

export function manualMessage(rollout: Rollout, request: ManualRequest): string {
  return [
    manualSubject(rollout, request.action),
    "",
    `${DONE[request.action]} by ${request.author} with meshcanary ${request.action}, ${standing(rollout)}.`,
    ...(request.reason === undefined ? [] : ["", `Reason: ${request.reason}`]),
    "",
    EFFECT[request.action],
    "",
    `Spec: ${rollout.source.relativePath}`,
    "",
  ].join("\n");
}

/** The status a person's promote or abort writes: like the watchdog's, with who did it as the reason. */
function manualStatus(
  rollout: Rollout,
  request: ManualRequest,
  verb: "promoted" | "aborted",
): RolloutStatus {
  const at = new Date(request.atMs).toISOString();
  const why = request.reason === undefined ? "" : `: ${request.reason}`;
  return {
    phase: verb === "promoted" ? "Promoted" : "RolledBack",
    stepStartedAt: at,
    reason: `${verb} by ${request.author}${why}`,
    lastDecision: {
      action: verb === "promoted" ? "promote" : "rollback",
      at,
      // As the watchdog's own end of a shadow records it, so status and backtest read it alike.
      ...(inShadow(rollout) ? { from: "shadow" as const } : {}),
    },
  };
}

/**
 * @param text the whole spec file holding `rollout`
 * @throws SpecEditError when the file cannot be edited safely or the result does not validate
 */
export function applyManual(text: string, rollout: Rollout, request: ManualRequest): EditedSpec {
  const { documentIndex } = rollout.source;
  const file = rollout.source.file;
  let edited: string;
  switch (request.action) {
    case "pause":
    case "resume":
      edited = setPausedEdit(text, documentIndex, request.action === "pause", file);
      break;
    case "promote":
      edited = applyDecisionEdit(
        text,
        documentIndex,
        {
          canaryWeight: 0,
          status: manualStatus(rollout, request, "promoted"),
          ...(rollout.canary === undefined ? {} : { promote: rollout.canary }),
        },
        file,
      );
      break;
    case "abort":
      edited = applyDecisionEdit(
        text,
        documentIndex,
        { canaryWeight: 0, status: manualStatus(rollout, request, "aborted") },
        file,
      );
      break;
  }
  return { text: edited, rollout: reparse(edited, rollout) };
}
