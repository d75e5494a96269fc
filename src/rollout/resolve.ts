/** Applies DESIGN.md's defaults to a valid document. Pure; nothing is written back. */
import type { RolloutDocument } from "./document.js";
import { parseDuration } from "./duration.js";
import {
  DEFAULT_ROUTE_NAME,
  DEFAULT_ROUTING_TARGET,
  DEFAULT_SELECTORS_BY_TARGET,
  DEFAULT_SESSION_MAX_AGE,
  DEFAULT_STEPS,
  NAMED_KINDS,
  type NamedKind,
  type RepositoryDefaults,
  type Rollout,
  type RolloutSource,
  type RoutingTargetName,
  type SessionAffinity,
} from "./types.js";

/** `spec.target`, else the repository's default, else `istio`. */
export function targetOfDocument(
  doc: RolloutDocument,
  defaults: RepositoryDefaults = {},
): RoutingTargetName {
  return doc.spec.target ?? defaults.target ?? DEFAULT_ROUTING_TARGET;
}

export function resolveRollout(
  doc: RolloutDocument,
  source: RolloutSource,
  defaults: RepositoryDefaults = {},
): Rollout {
  const { spec } = doc;
  const target = targetOfDocument(doc, defaults);
  const names = Object.fromEntries(
    (Object.keys(NAMED_KINDS) as NamedKind[]).map((kind) => [
      kind,
      spec.names?.[kind] ?? doc.metadata.name,
    ]),
  ) as Record<NamedKind, string>;
  const analysis = spec.analysis ?? {};
  const interval = analysis.interval ?? "30s";
  const window = analysis.window ?? "1m";
  const latency = analysis.sla?.latency;
  const promoteAfter = analysis.promoteAfter ?? 3;
  const shadow = spec.traffic?.shadow;
  return {
    name: doc.metadata.name,
    namespace: doc.metadata.namespace,
    source,
    target,
    service: spec.service,
    hosts: spec.hosts ?? [spec.service.host],
    gateways: spec.gateways ?? ["mesh"],
    route: {
      ...spec.route,
      name: spec.route?.name ?? DEFAULT_ROUTE_NAME,
      match: spec.route?.match ?? [],
    },
    names,
    stable: spec.stable,
    ...(spec.canary === undefined ? {} : { canary: spec.canary }),
    traffic: {
      canaryWeight: spec.traffic?.canaryWeight ?? 0,
      steps: spec.traffic?.steps ?? DEFAULT_STEPS,
      ...(shadow === undefined
        ? {}
        : {
            shadow: {
              percent: shadow.percent ?? 100,
              promoteAfter: shadow.promoteAfter ?? promoteAfter,
              deadline: shadow.deadline,
              deadlineMs: parseDuration(shadow.deadline) as number,
            },
          }),
      ...sessionAffinityOf(spec.traffic?.sessionAffinity),
    },
    paused: spec.paused ?? false,
    analysis: {
      interval,
      intervalMs: parseDuration(interval) as number,
      window,
      windowMs: parseDuration(window) as number,
      promoteAfter,
      rollbackAfter: analysis.rollbackAfter ?? 2,
      minRequests: analysis.minRequests ?? 100,
      noData: analysis.noData ?? "hold",
      promotion: analysis.promotion ?? "auto",
      judge: analysis.judge ?? "statistical",
      confidence: analysis.confidence ?? 0.99,
      sla: {
        mode: analysis.sla?.mode ?? "both",
        latency:
          latency === undefined
            ? { quantile: 0.99 }
            : { quantile: latency.quantile ?? 0.99, maxMs: latency.maxMs },
        errorRate: { max: analysis.sla?.errorRate?.max ?? 0.01 },
      },
      compare: {
        latency: { maxIncrease: analysis.compare?.latency?.maxIncrease ?? 0.2 },
        errorRate: { maxIncrease: analysis.compare?.errorRate?.maxIncrease ?? 0.005 },
      },
      metrics: analysis.metrics ?? [],
      selectors: { ...DEFAULT_SELECTORS_BY_TARGET[target], ...analysis.selectors },
    },
    ...(doc.status === undefined ? {} : { status: doc.status }),
  };
}

type AffinityDocument = NonNullable<
  NonNullable<RolloutDocument["spec"]["traffic"]>["sessionAffinity"]
>;

function sessionAffinityOf(affinity: AffinityDocument | undefined): {
  sessionAffinity?: SessionAffinity;
} {
  if (affinity === undefined) return {};
  const maxAge = affinity.maxAge ?? DEFAULT_SESSION_MAX_AGE;
  return {
    sessionAffinity: {
      cookieName: affinity.cookieName,
      maxAge,
      maxAgeSeconds: Math.round((parseDuration(maxAge) as number) / 1000),
      ...(affinity.stableCookieName === undefined
        ? {}
        : { stableCookieName: affinity.stableCookieName }),
    },
  };
}
