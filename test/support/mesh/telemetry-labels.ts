/**
 * The destination labels Istio's telemetry takes from the serving pod, and
 * which Service each reporter names.
 *
 * Canonical service and revision: the first present pod label of
 * `service.istio.io/canonical-name`, `app.kubernetes.io/name`, `app`, else
 * the workload name; and of `service.istio.io/canonical-revision`,
 * `app.kubernetes.io/version`, `version`, else `latest` (istio/istio
 * pkg/kube/labels/labels.go `CanonicalService`, commit 86c9f01f, read
 * 2026-11-30). `destination_version` is the pod label `version` only, else
 * `unknown` (istio/proxy extensions/common/metadata_object.h
 * `AppVersionLabel`; docs/research/gateway-api-and-shadow.md A1).
 *
 * `destination_service*`: the client's proxy (`reporter="source"`) names the
 * Service its outbound cluster was built for, the one the route sent to; the
 * server's proxy (`reporter="destination"`) names the first Service of its
 * inbound cluster, istiod's list being ordered by creation time: the oldest
 * Service selecting the pod (istio/istio#33940; research A1).
 */
import { type Labels, type ServiceModel, selects } from "./route-table.js";

export const NAME_LABELS = [
  "service.istio.io/canonical-name",
  "app.kubernetes.io/name",
  "app",
] as const;
export const REVISION_LABELS = [
  "service.istio.io/canonical-revision",
  "app.kubernetes.io/version",
  "version",
] as const;

export interface Workload {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
}

export type WorkloadLabels = Record<
  | "destination_workload"
  | "destination_workload_namespace"
  | "destination_canonical_service"
  | "destination_canonical_revision"
  | "destination_version",
  string
>;

function first(labels: Labels, keys: readonly string[]): string | undefined {
  const key = keys.find((k) => Object.hasOwn(labels, k));
  return key === undefined ? undefined : labels[key];
}

export function workloadLabels(w: Workload): WorkloadLabels {
  return {
    destination_workload: w.name,
    destination_workload_namespace: w.namespace,
    destination_canonical_service: first(w.labels, NAME_LABELS) ?? w.name,
    destination_canonical_revision: first(w.labels, REVISION_LABELS) ?? "latest",
    destination_version: w.labels.version ?? "unknown",
  };
}

/** The Service the server's proxy reports: the oldest (first in `servicesOldestFirst`) selecting the pod. */
export function inboundService(
  servicesOldestFirst: readonly ServiceModel[],
  pod: Workload,
): ServiceModel | undefined {
  return servicesOldestFirst.find(
    (s) =>
      s.namespace === pod.namespace &&
      Object.keys(s.selector).length > 0 &&
      selects(s.selector, pod.labels),
  );
}
