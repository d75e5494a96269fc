/**
 * The routing-target seam: what the compiler needs from a mesh or gateway
 * API. A target turns a rollout into the manifests that split its traffic,
 * checks them against its own schema, and says how its telemetry names the
 * rollout's series. A new target is one module in `targets/` behind this
 * interface and one row in `targets/index.ts`; the compiler names no kind.
 *
 * A strategy (a shadow phase, pinned clients, sticky sessions) reaches every
 * target through the resolved `Rollout`, and each target module says at its
 * top where it adds to the output: the Istio target through the view its
 * templates render (`targets/istio.ts`, `templates/*.json.hbs`), the
 * gateway-api target in code (`targets/gateway-api.ts`). What a target cannot
 * express is refused when the spec is read, at its position, by the
 * target's checks in `rollout/` (`TARGET_CHECKS`).
 */
import type { Rollout } from "../rollout/types.js";

/** Every target's manifests carry this label, valued `meshcanary`, ... */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
/** ... and this annotation: the spec's path relative to the repository root. */
export const SOURCE_ANNOTATION = "meshcanary.dev/source";

/** A Kubernetes object as a target renders it, before it is written as canonical YAML. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: object;
}

/** How the target's metrics name one rollout: label values of the service, its namespace and each version. */
export interface MetricIdentity {
  readonly service: string;
  readonly namespace: string;
  readonly stableVersion: string;
  readonly canaryVersion: string;
}

export interface TargetOptions {
  /** The target's API version; each target has its own default. */
  readonly apiVersion?: string;
}

/** One manifest of a rollout: its file inside the rollout's directory and the name the spec gives it. */
export interface TargetManifest {
  readonly file: string;
  /** The name the manifest must carry, decided from the spec before rendering (checked after). */
  readonly name: string;
  readonly manifest: Manifest;
}

export interface RoutingTarget {
  /** The manifests routing this rollout's traffic. */
  manifests(rollout: Rollout, options: TargetOptions): TargetManifest[];
  /** Problems as `path: message` lines against the target's own schema; empty when valid. */
  schemaProblems(manifest: Manifest): string[];
  /** The label values that select the rollout's series in the target's telemetry. */
  metricIdentity(rollout: Rollout): MetricIdentity;
}
