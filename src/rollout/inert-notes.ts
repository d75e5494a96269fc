/**
 * Strategy fields that need a canary in play are inert once it is gone
 * (rolled back, promoted, or no canary at all): never an error, since the
 * watchdog's own promote commit must still validate, but a note at the
 * field, so a person sees why the output does not route by them.
 */
import { canaryInPlay } from "./canary-in-play.js";
import type { Rollout } from "./types.js";
import { locate, type PathSegment, type SourceDocument } from "./yaml-source.js";

interface InertField {
  readonly path: readonly PathSegment[];
  readonly present: (rollout: Rollout) => boolean;
  /** What the compiled output does instead, after "inert: <why>, so ". */
  readonly instead: (rollout: Rollout) => string;
}

const FIELDS: readonly InertField[] = [
  {
    path: ["spec", "route", "canaryMatch"],
    present: (r) => r.route.canaryMatch !== undefined,
    instead: () => "no pinned route is compiled; the field is kept for the next canary",
  },
  {
    path: ["spec", "traffic", "sessionAffinity"],
    present: (r) => r.traffic.sessionAffinity !== undefined,
    instead: (r) =>
      r.status?.phase === "RolledBack" && r.canary !== undefined
        ? "no sticky route is compiled: everyone goes to the stable, and a client holding the canary cookie has it deleted"
        : "no sticky route is compiled; the field is kept for the next canary",
  },
];

function state(rollout: Rollout): string {
  if (rollout.canary === undefined) return "there is no spec.canary (promoted or not started)";
  return `status.phase is ${rollout.status?.phase}`;
}

export function inertNotes(rollout: Rollout, source: SourceDocument, file: string): string[] {
  if (canaryInPlay(rollout)) return [];
  return FIELDS.filter((f) => f.present(rollout)).map((f) => {
    const { line, col } = locate(source, f.path);
    return `${file}:${line}:${col}: ${f.path.join(".")}: note: inert: ${state(rollout)}, so ${f.instead(rollout)}`;
  });
}
