/** How logs, metrics labels and commit subjects name a rollout. (How a mesh's telemetry names its series is the routing target's `metricIdentity`.) */
import type { Rollout } from "../rollout/types.js";

/** `recs/recommend`, used in logs, metrics labels and commit subjects. */
export function rolloutId(rollout: Pick<Rollout, "namespace" | "name">): string {
  return `${rollout.namespace}/${rollout.name}`;
}
