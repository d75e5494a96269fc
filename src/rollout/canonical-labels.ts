/**
 * Istio's canonical service and revision of a pod, from its labels (istio/istio
 * `pkg/kube/labels/labels.go`: `CanonicalService` and `CanonicalRevision`).
 * Istio labels both reporters' `destination_canonical_service` and
 * `destination_canonical_revision` with these values, so they name a version
 * however many Services select its pods: the gateway-api target selects on
 * them. The pod labels are the service's selector plus the version's labels.
 */
import type { Subset } from "./types.js";

const SERVICE_LABELS = ["service.istio.io/canonical-name", "app.kubernetes.io/name", "app"];
const REVISION_LABELS = [
  "service.istio.io/canonical-revision",
  "app.kubernetes.io/version",
  "version",
];
/** Istio's revision when a pod has none of REVISION_LABELS. */
export const DEFAULT_CANONICAL_REVISION = "latest";

type Labels = Readonly<Record<string, string>>;

/** The labels every pod of a version carries: the service's selector, then the version's own. */
export function versionPodLabels(selector: Labels | undefined, subset: Subset): Labels {
  return { ...selector, ...subset.labels };
}

function firstOf(labels: Labels, keys: readonly string[]): string | undefined {
  for (const key of keys) if (Object.hasOwn(labels, key)) return labels[key];
  return undefined;
}

/**
 * The canonical service name, or undefined when it would be Istio's last
 * resort, the workload's name, which the spec does not know.
 */
export function canonicalService(labels: Labels): string | undefined {
  return firstOf(labels, SERVICE_LABELS);
}

export function canonicalRevision(labels: Labels): string {
  return firstOf(labels, REVISION_LABELS) ?? DEFAULT_CANONICAL_REVISION;
}

/** The labels canonicalService reads, in order, for messages. */
export const CANONICAL_SERVICE_LABELS: readonly string[] = SERVICE_LABELS;
export const CANONICAL_REVISION_LABELS: readonly string[] = REVISION_LABELS;
