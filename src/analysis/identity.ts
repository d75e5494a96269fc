/**
 * How a rollout's series are named in Istio's metrics: the service name and
 * namespace labels, and the version label values of its two subsets.
 */
import type { Rollout, Subset } from "../spec/types.js";

/** `version`, else `app.kubernetes.io/version`, else the subset name (DESIGN.md, Metrics). */
export function versionOf(subset: Subset): string {
  return subset.labels.version ?? subset.labels["app.kubernetes.io/version"] ?? subset.name;
}

export interface ServiceIdentity {
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

/** `recs/recommend`, used in logs, metrics labels and commit subjects. */
export function rolloutId(rollout: Pick<Rollout, "namespace" | "name">): string {
  return `${rollout.namespace}/${rollout.name}`;
}
