/** The routing targets by name: a rollout compiles for its resolved `target` (spec, else meshcanary.yaml, else istio). */
import type { Rollout, RoutingTargetName } from "../../rollout/types.js";
import type { RoutingTarget } from "../target.js";
import { gatewayApiTarget } from "./gateway-api.js";
import { istioTarget } from "./istio.js";

export const TARGETS = {
  istio: istioTarget,
  "gateway-api": gatewayApiTarget,
} as const satisfies Record<RoutingTargetName, RoutingTarget>;

export function targetOf(rollout: Pick<Rollout, "target">): RoutingTarget {
  return TARGETS[rollout.target];
}
