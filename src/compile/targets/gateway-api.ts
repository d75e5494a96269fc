/**
 * The Gateway API target: an HTTPRoute (gateway.networking.k8s.io/v1,
 * standard channel) whose rule named `spec.route.name` splits the spec's
 * matches between one Service per version by weight, a catch-all rule
 * `stable` sending everything else to the stable version, and those
 * per-version Services (`<service>-<subset>`: the name follows the version,
 * not its role, so a promotion changes weights and never a Service).
 *
 * Meaning under the Gateway API's precedence (most specific match wins, list
 * order only among equals): every spec match sits in the one rollout rule
 * with the same backendRefs, so their order among themselves cannot matter;
 * each carries an explicit path, and the catch-all's `PathPrefix /` without
 * method, headers or query is the least specific match there is, so it only
 * takes what no spec match takes, and ties go to the rollout rule, listed
 * first. Regular-expression paths, whose rank is implementation-specific,
 * are refused by validation. Without a spec match the rollout rule itself
 * matches everything and no catch-all is written.
 *
 * How a strategy adds to this target: build on `rolloutRule` (a filter such
 * as RequestMirror, or extra backendRefs) or add a rule before the
 * catch-all in `rules`, and keep every added match at least as specific as
 * the catch-all; a new Service goes through `versionService`. Validate
 * anything a spec can reach in `rollout/gateway-api-checks.ts`, and any
 * CEL rule the output can reach in `gateway-api-schema.ts`.
 */

import {
  canonicalRevision,
  canonicalService,
  versionPodLabels,
} from "../../rollout/canonical-labels.js";
import { serviceShortName, versionServiceName } from "../../rollout/gateway-api-checks.js";
import { inShadow } from "../../rollout/lifecycle.js";
import type { Rollout, Subset } from "../../rollout/types.js";
import { type AffinityPlan, affinityPlan } from "../affinity-plan.js";
import {
  MANAGED_BY_LABEL,
  type Manifest,
  type MetricIdentity,
  type RoutingTarget,
  SOURCE_ANNOTATION,
  type TargetManifest,
} from "../target.js";
import { leadRules, setCookieFilters } from "./gateway-api-affinity.js";
import { type HttpRouteMatch, MATCH_ALL, translateMatch } from "./gateway-api-matches.js";
import { gatewayApiSchemaProblems } from "./gateway-api-schema.js";

export const GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1";
/** The catch-all rule's name, as the Istio target's catch-all route. */
const CATCH_ALL = "stable";
const MESH = "mesh";

export const gatewayApiTarget: RoutingTarget = {
  manifests(rollout) {
    const route: TargetManifest = {
      file: "httproute.yaml",
      name: rollout.names.httpRoute,
      manifest: httpRoute(rollout),
    };
    return [route, ...versions(rollout).map((subset) => versionServiceFile(rollout, subset))];
  },
  schemaProblems: gatewayApiSchemaProblems,
  metricIdentity(rollout): MetricIdentity {
    const labels = (subset: Subset) => versionPodLabels(rollout.service.selector, subset);
    return {
      // Validation made sure the stable's pod labels name the canonical service, unless selectors override it.
      service: canonicalService(labels(rollout.stable)) ?? shortName(rollout),
      namespace: rollout.namespace,
      stableVersion: canonicalRevision(labels(rollout.stable)),
      canaryVersion: canonicalRevision(labels(rollout.canary ?? rollout.stable)),
    };
  },
};

function versions(rollout: Rollout): Subset[] {
  return [rollout.stable, ...(rollout.canary === undefined ? [] : [rollout.canary])];
}

/** The service's short name: validation allows only a Service of the rollout's namespace. */
function shortName(rollout: Rollout): string {
  return serviceShortName(rollout.service.host, rollout.namespace) ?? rollout.service.host;
}

function port(rollout: Rollout): number {
  // Validation requires the port for this target.
  return rollout.service.port as number;
}

function metadata(rollout: Rollout, name: string): Manifest["metadata"] {
  return {
    name,
    namespace: rollout.namespace,
    labels: { [MANAGED_BY_LABEL]: "meshcanary" },
    annotations: { [SOURCE_ANNOTATION]: rollout.source.relativePath },
  };
}

function versionServiceFile(rollout: Rollout, subset: Subset): TargetManifest {
  const name = versionServiceName(shortName(rollout), subset.name);
  return {
    file: `service-${subset.name}.yaml`,
    name,
    manifest: versionService(rollout, subset, name),
  };
}

/** One version's Service: the service's selector plus the version's labels, on the service's port. */
function versionService(rollout: Rollout, subset: Subset, name: string): Manifest {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: metadata(rollout, name),
    spec: {
      selector: versionPodLabels(rollout.service.selector, subset),
      ports: [
        {
          // Istio needs the protocol to produce HTTP metrics: from the name's http prefix or appProtocol.
          name: "http",
          appProtocol: "http",
          protocol: "TCP",
          port: port(rollout),
          targetPort: rollout.service.targetPort ?? port(rollout),
        },
      ],
    },
  };
}

function httpRoute(rollout: Rollout): Manifest {
  const gateways = rollout.gateways.filter((g) => g !== MESH);
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: "HTTPRoute",
    metadata: metadata(rollout, rollout.names.httpRoute),
    spec: {
      parentRefs: parentRefs(rollout),
      // A Service parent (GAMMA) is matched by the Service itself; hostnames matter for Gateways.
      ...(gateways.length === 0 ? {} : { hostnames: [...new Set(rollout.hosts)] }),
      rules: rules(rollout),
    },
  };
}

/** `mesh` → the Service itself (GAMMA); `[namespace/]name` → that Gateway. */
function parentRefs(rollout: Rollout): object[] {
  return [...new Set(rollout.gateways)].map((gateway) => {
    if (gateway === MESH) {
      return { group: "", kind: "Service", name: shortName(rollout), port: port(rollout) };
    }
    const [namespace, name] = gateway.includes("/") ? gateway.split("/") : [undefined, gateway];
    return {
      group: "gateway.networking.k8s.io",
      kind: "Gateway",
      name,
      ...(namespace === undefined ? {} : { namespace }),
    };
  });
}

function rules(rollout: Rollout): object[] {
  // Pinned clients and sticky sessions: rules ahead of the weighted one (gateway-api-affinity.ts).
  const plan = affinityPlan(rollout);
  const ahead = leadRules(
    plan,
    (to, weight) =>
      backendRef(rollout, to === "canary" ? (rollout.canary as Subset) : rollout.stable, weight),
    timeouts(rollout),
  );
  if (rollout.route.match.length === 0) return [...ahead, rolloutRule(rollout, [MATCH_ALL], plan)];
  return [
    ...ahead,
    rolloutRule(rollout, rollout.route.match.map(translateMatch), plan),
    {
      name: CATCH_ALL,
      matches: [MATCH_ALL],
      backendRefs: [backendRef(rollout, rollout.stable, 100)],
    },
  ];
}

function timeouts(rollout: Rollout): object {
  return rollout.route.timeout === undefined
    ? {}
    : { timeouts: { request: rollout.route.timeout } };
}

function rolloutRule(
  rollout: Rollout,
  matches: readonly HttpRouteMatch[],
  plan: AffinityPlan,
): object {
  const weight = rollout.canary === undefined ? 0 : rollout.traffic.canaryWeight;
  return {
    name: rollout.route.name,
    matches,
    ...timeouts(rollout),
    ...shadowFilters(rollout),
    backendRefs: [
      {
        ...backendRef(rollout, rollout.stable, 100 - weight),
        ...setCookieFilters(plan.stableSetCookie),
      },
      ...(rollout.canary === undefined
        ? []
        : [
            {
              ...backendRef(rollout, rollout.canary, weight),
              ...setCookieFilters(plan.canarySetCookie),
            },
          ]),
    ],
  };
}

/**
 * Only while the shadow runs: a RequestMirror filter copying the rule's
 * requests to the canary's Service (standard channel, Extended support).
 * Once the canary serves users, or is gone, nothing is mirrored.
 */
function shadowFilters(rollout: Rollout): { filters?: object[] } {
  const { canary } = rollout;
  const shadow = rollout.traffic.shadow;
  if (canary === undefined || shadow === undefined || !inShadow(rollout)) return {};
  const { weight: _, ...mirrorRef } = backendRef(rollout, canary, 0) as { weight: number };
  return {
    filters: [
      {
        type: "RequestMirror",
        requestMirror: { backendRef: mirrorRef, ...mirrorShare(shadow.percent) },
      },
    ],
  };
}

/**
 * `percent` is a whole number 0–100 here; a fractional share becomes
 * `fraction` with a power-of-ten denominator (12.5 → 125/1000), up to six
 * decimals.
 */
export function mirrorShare(
  percent: number,
): { percent: number } | { fraction: { numerator: number; denominator: number } } {
  if (Number.isInteger(percent)) return { percent };
  let scale = 10;
  while (scale < 1_000_000 && Math.abs(Math.round(percent * scale) - percent * scale) > 1e-6)
    scale *= 10;
  return { fraction: { numerator: Math.round(percent * scale), denominator: 100 * scale } };
}

function backendRef(rollout: Rollout, subset: Subset, weight: number): object {
  return {
    group: "",
    kind: "Service",
    name: versionServiceName(shortName(rollout), subset.name),
    port: port(rollout),
    weight,
  };
}
