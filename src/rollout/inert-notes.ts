/**
 * Strategy fields that need a canary in play are inert once it is gone
 * (rolled back, promoted, or no canary at all): never an error, since the
 * watchdog's own promote commit must still validate, but a note at the
 * field, so a person sees why the output does not route by them (a shadow
 * after a rollback: remove status to run it again). Sticky
 * sessions are also inert at weight 0 (pending, or a shadow): no cookie is
 * handed out before the first step.
 */
import { canaryInPlay, inShadow } from "./lifecycle.js";
import type { Rollout } from "./types.js";
import { locate, type PathSegment, type SourceDocument } from "./yaml-source.js";

interface InertField {
  readonly path: readonly PathSegment[];
  readonly present: (rollout: Rollout) => boolean;
  /** Why the field is inert and what the output does instead; undefined while it is in effect. */
  readonly inert: (rollout: Rollout) => string | undefined;
}

/** Why the canary is not in play, or undefined when it is. */
function gone(rollout: Rollout): string | undefined {
  if (canaryInPlay(rollout)) return undefined;
  if (rollout.canary === undefined) return "there is no spec.canary (promoted or not started)";
  return `status.phase is ${rollout.status?.phase}`;
}

const FIELDS: readonly InertField[] = [
  {
    path: ["spec", "traffic", "shadow"],
    present: (r) => r.traffic.shadow !== undefined,
    inert: (r) => {
      const why = gone(r);
      if (why === undefined) return undefined;
      return r.canary === undefined
        ? `${why}, so nothing is mirrored`
        : `${why}, so nothing is mirrored; remove status to run the shadow again`;
    },
  },
  {
    path: ["spec", "route", "canaryMatch"],
    present: (r) => r.route.canaryMatch !== undefined,
    inert: (r) => {
      const why = gone(r);
      if (why === undefined) {
        return inShadow(r)
          ? "in the shadow phase no user request reaches the canary (its evidence is mirrored copies only), so the pinned route starts with the first step"
          : undefined;
      }
      return `${why}, so no pinned route is compiled; the field is kept for the next canary`;
    },
  },
  {
    path: ["spec", "traffic", "sessionAffinity"],
    present: (r) => r.traffic.sessionAffinity !== undefined,
    inert: (r) => {
      const why = gone(r);
      if (why === undefined) {
        return r.traffic.canaryWeight === 0
          ? "canaryWeight is 0, so no cookie is handed out until the first step"
          : undefined;
      }
      return r.status?.phase === "RolledBack" && r.canary !== undefined
        ? `${why}, so no sticky route is compiled: everyone goes to the stable, and a client holding the canary cookie has it deleted`
        : `${why}, so no sticky route is compiled; the field is kept for the next canary`;
    },
  },
];

export function inertNotes(rollout: Rollout, source: SourceDocument, file: string): string[] {
  return FIELDS.filter((f) => f.present(rollout)).flatMap((f) => {
    const why = f.inert(rollout);
    if (why === undefined) return [];
    const { line, col } = locate(source, f.path);
    return [`${file}:${line}:${col}: ${f.path.join(".")}: note: inert: ${why}`];
  });
}
