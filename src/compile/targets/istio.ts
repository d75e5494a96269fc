/**
 * The Istio target: a VirtualService whose first route splits the spec's
 * match between the stable and canary subsets by weight, and a
 * DestinationRule declaring the subsets by pod labels. Rendered from
 * templates/*.json.hbs and checked against Istio's schema.
 *
 * How a strategy adds to this target: put what it needs into the view
 * (`viewOf`), as data the template prints through `json`, and add the routes
 * or fields to templates/virtualservice.json.hbs. Routes are first-match, so
 * a route that must win (pinned clients) goes before the rollout route.
 */
import { inShadow } from "../../rollout/lifecycle.js";
import type { Rollout, Subset } from "../../rollout/types.js";
import { affinityPlan } from "../affinity-plan.js";
import {
  MANAGED_BY_LABEL,
  type Manifest,
  type MetricIdentity,
  type RoutingTarget,
  SOURCE_ANNOTATION,
} from "../target.js";
import { renderJsonTemplate } from "../templates.js";
import { istioSchemaProblems } from "./istio-schema.js";

export const ISTIO_API_VERSIONS = [
  "networking.istio.io/v1",
  "networking.istio.io/v1beta1",
] as const;
export type IstioApiVersion = (typeof ISTIO_API_VERSIONS)[number];
export const DEFAULT_ISTIO_API_VERSION: IstioApiVersion = "networking.istio.io/v1";

/** `v1` / `v1beta1` / full group version → full group version (meshcanary.yaml and `--api-version` alike). */
export function normalizeApiVersion(value: string): IstioApiVersion {
  const version = value.replace(/^networking\.istio\.io\//, "");
  return version === "v1beta1" ? "networking.istio.io/v1beta1" : DEFAULT_ISTIO_API_VERSION;
}

export const istioTarget: RoutingTarget = {
  manifests(rollout, options) {
    const view = viewOf(
      rollout,
      options.apiVersion === undefined
        ? DEFAULT_ISTIO_API_VERSION
        : normalizeApiVersion(options.apiVersion),
    );
    return (
      [
        ["destinationrule", rollout.names.destinationRule],
        ["virtualservice", rollout.names.virtualService],
      ] as const
    ).map(([template, name]) => ({
      file: `${template}.yaml`,
      name,
      manifest: renderJsonTemplate(template, view) as Manifest,
    }));
  },
  schemaProblems: istioSchemaProblems,
  metricIdentity(rollout): MetricIdentity {
    return {
      ...serviceOf(rollout),
      stableVersion: versionOf(rollout.stable),
      canaryVersion: versionOf(rollout.canary ?? rollout.stable),
    };
  },
};

/** `version`, else `app.kubernetes.io/version`, else the subset name (DESIGN.md, Metrics). */
export function versionOf(subset: Subset): string {
  return subset.labels.version ?? subset.labels["app.kubernetes.io/version"] ?? subset.name;
}

interface ServiceIdentity {
  /** Value of `destination_service_name`. */
  readonly service: string;
  /** Value of `destination_service_namespace`. */
  readonly namespace: string;
}

/**
 * Istio labels a Kubernetes service by its short name and namespace: a short
 * host is a service in the rollout's namespace, `<svc>.<ns>.svc[.…]` names
 * both, and any other host (a ServiceEntry) is its own service name.
 */
export function serviceOf(rollout: Rollout): ServiceIdentity {
  const host = rollout.service.host;
  if (!host.includes(".")) return { service: host, namespace: rollout.namespace };
  const match = /^([^.]+)\.([^.]+)\.svc(?:\.|$)/.exec(host);
  if (match !== null) return { service: match[1] as string, namespace: match[2] as string };
  return { service: host, namespace: rollout.namespace };
}

function viewOf(rollout: Rollout, apiVersion: IstioApiVersion): object {
  const weight = rollout.canary === undefined ? 0 : rollout.traffic.canaryWeight;
  const plan = affinityPlan(rollout);
  const destination = (subset: string) => ({
    host: rollout.service.host,
    subset,
    ...(rollout.service.port === undefined ? {} : { port: { number: rollout.service.port } }),
  });
  // Strict templates need every key present: absent optional fields are null.
  return {
    apiVersion,
    names: rollout.names,
    namespace: rollout.namespace,
    routeName: rollout.route.name,
    metadata: {
      labels: { [MANAGED_BY_LABEL]: "meshcanary" },
      annotations: { [SOURCE_ANNOTATION]: rollout.source.relativePath },
    },
    host: rollout.service.host,
    hosts: rollout.hosts,
    gateways: rollout.gateways,
    match: rollout.route.match,
    timeout: rollout.route.timeout ?? null,
    retries: rollout.route.retries ?? null,
    stable: {
      ...rollout.stable,
      destination: destination(rollout.stable.name),
      weight: 100 - weight,
      headers: responseCookie(plan.stableSetCookie),
    },
    canary:
      rollout.canary === undefined
        ? null
        : {
            ...rollout.canary,
            destination: destination(rollout.canary.name),
            weight,
            headers: responseCookie(plan.canarySetCookie),
          },
    ahead: plan.ahead.map((route) => ({
      name: route.name,
      match: route.match,
      destination: destination(
        route.to === "canary" ? (rollout.canary as Subset).name : rollout.stable.name,
      ),
      headers: responseCookie(route.setCookie),
    })),
    // Only while the shadow runs: once the canary serves users, or is gone, nothing is mirrored.
    // `mirror` + `mirrorPercentage` rather than `mirrors` (Istio ≥ 1.19): both API versions and older Istios accept it.
    mirror:
      rollout.canary !== undefined && inShadow(rollout)
        ? {
            destination: destination(rollout.canary.name),
            percentage: { value: rollout.traffic.shadow?.percent ?? 100 },
          }
        : null,
  };
}

/** A destination's `headers` adding one response `Set-Cookie`, or null (strict templates need the key). */
function responseCookie(value: string | undefined): object | null {
  return value === undefined ? null : { response: { add: { "set-cookie": value } } };
}
