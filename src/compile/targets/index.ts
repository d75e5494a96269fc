/** The routing targets by name. A rollout compiles to Istio until a spec field chooses another. */
import type { Rollout } from "../../rollout/types.js";
import type { RoutingTarget } from "../target.js";
import { istioTarget } from "./istio.js";

export const TARGETS = { istio: istioTarget } as const satisfies Record<string, RoutingTarget>;

export function targetOf(_rollout: Rollout): RoutingTarget {
  return TARGETS.istio;
}
