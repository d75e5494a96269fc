/** Applies DESIGN.md's defaults to a valid document. Pure; nothing is written back. */
import type { RolloutDocument } from "./document.js";
import { parseDuration } from "./duration.js";
import {
  DEFAULT_SELECTORS,
  DEFAULT_SESSION_MAX_AGE,
  DEFAULT_STEPS,
  type Rollout,
  type RolloutSource,
  type SessionAffinity,
} from "./types.js";

export function resolveRollout(doc: RolloutDocument, source: RolloutSource): Rollout {
  const { spec } = doc;
  const analysis = spec.analysis ?? {};
  const interval = analysis.interval ?? "30s";
  const window = analysis.window ?? "1m";
  const latency = analysis.sla?.latency;
  return {
    name: doc.metadata.name,
    namespace: doc.metadata.namespace,
    source,
    service: spec.service,
    hosts: spec.hosts ?? [spec.service.host],
    gateways: spec.gateways ?? ["mesh"],
    route: spec.route,
    stable: spec.stable,
    ...(spec.canary === undefined ? {} : { canary: spec.canary }),
    traffic: {
      canaryWeight: spec.traffic?.canaryWeight ?? 0,
      steps: spec.traffic?.steps ?? DEFAULT_STEPS,
      ...sessionAffinityOf(spec.traffic?.sessionAffinity),
    },
    analysis: {
      interval,
      intervalMs: parseDuration(interval) as number,
      window,
      windowMs: parseDuration(window) as number,
      promoteAfter: analysis.promoteAfter ?? 3,
      rollbackAfter: analysis.rollbackAfter ?? 2,
      minRequests: analysis.minRequests ?? 100,
      noData: analysis.noData ?? "hold",
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
      selectors: { ...DEFAULT_SELECTORS, ...analysis.selectors },
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
