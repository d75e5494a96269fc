/**
 * The rollout spec (meshcanary.dev/v1alpha1 Rollout) as written by a person,
 * and the resolved form with DESIGN.md's defaults applied. Defaults live only
 * in the resolved form: they are never written back into a file.
 */

export const ROLLOUT_API_VERSION = "meshcanary.dev/v1alpha1";
export const ROLLOUT_KIND = "Rollout";

/** Istio HTTPMatchRequest, passed through to the VirtualService unchanged. */
export type HttpMatchRequest = Readonly<Record<string, unknown>>;

export interface Subset {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export const PHASES = ["Progressing", "RolledBack", "Promoted"] as const;
export type Phase = (typeof PHASES)[number];

export const ACTIONS = ["rollback", "advance", "promote"] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Sticky sessions, Flagger-style: the canary's responses on the weighted
 * route set a cookie, and a route ahead of the weighted one sends its holders
 * to the canary; with `stableCookieName` the stable's responses set a cookie
 * that keeps their holders on the stable as the weight grows.
 */
export interface SessionAffinity {
  readonly cookieName: string;
  /** Default `24h`. */
  readonly maxAge: string;
  /** `maxAge` in whole seconds (the cookie's Max-Age). */
  readonly maxAgeSeconds: number;
  readonly stableCookieName?: string;
}

/** Written by the watchdog, only in decision commits. */
export interface RolloutStatus {
  readonly phase?: Phase;
  /** RFC 3339 time the current weight was set. */
  readonly stepStartedAt?: string;
  readonly reason?: string;
  readonly lastDecision?: {
    readonly action: Action;
    readonly at: string;
    readonly values?: Readonly<Record<string, unknown>>;
    /** `shadow` when the decision ended a shadow phase; absent otherwise. */
    readonly from?: "shadow";
  };
}

export interface CustomMetric {
  readonly name: string;
  /** PromQL with `{{ namespace }}`-style placeholders (see CUSTOM_METRIC_PLACEHOLDERS). */
  readonly query: string;
  readonly min?: number;
  readonly max?: number;
}

/** Placeholders a custom metric query may use; anything else is a validation error. */
export const CUSTOM_METRIC_PLACEHOLDERS = [
  "namespace",
  "service",
  "stableVersion",
  "canaryVersion",
  "window",
] as const;

/** Prometheus label names used to select a rollout's series. */
export interface Selectors {
  /** Default `destination_service_name`. */
  readonly service: string;
  /** Default `destination_service_namespace`. */
  readonly namespace: string;
  /** Default `destination_version`. */
  readonly version: string;
}

/** `statistical` (default): verdicts with confidence; `threshold`: one number against one threshold (meshcanary 0.1). */
export const JUDGES = ["statistical", "threshold"] as const;
export type JudgeKind = (typeof JUDGES)[number];

/**
 * What an SLA breach takes (statistical judge): `both` (default) the canary
 * above the SLA and significantly worse than the stable; `absolute` above the
 * SLA with confidence; `relative` significantly worse than the stable.
 */
export const SLA_MODES = ["both", "absolute", "relative"] as const;
export type SlaMode = (typeof SLA_MODES)[number];

/** Who promotes at the last step: the watchdog (`auto`) or a person with `meshcanary promote` (`manual`). */
export const PROMOTIONS = ["auto", "manual"] as const;
export type Promotion = (typeof PROMOTIONS)[number];

export interface Analysis {
  /** Default `30s`. */
  readonly interval: string;
  readonly intervalMs: number;
  /** Default `1m`. */
  readonly window: string;
  readonly windowMs: number;
  /** Consecutive healthy checks before advancing; default 3. */
  readonly promoteAfter: number;
  /** Consecutive breaches before rolling back; default 2. */
  readonly rollbackAfter: number;
  /** Canary requests in the window needed to judge; default 100. */
  readonly minRequests: number;
  /** What too little data counts as; default `hold`. */
  readonly noData: "hold" | "rollback";
  /** At the last step: `auto` (default) the watchdog promotes; `manual` it waits for `meshcanary promote`. */
  readonly promotion: Promotion;
  /** Default `statistical`. */
  readonly judge: JudgeKind;
  /** Confidence of the statistical judge's tests; default 0.99. */
  readonly confidence: number;
  readonly sla: {
    /** Default `both`. */
    readonly mode: SlaMode;
    /** Default quantile 0.99; latency is judged only when `maxMs` is set. */
    readonly latency: { readonly quantile: number; readonly maxMs?: number };
    /** Default max 0.01. */
    readonly errorRate: { readonly max: number };
  };
  /** How much worse than the stable the canary may be before it counts as worse. */
  readonly compare: {
    /** Ratio of the SLA quantiles above 1; default 0.2 (canary up to 20 % slower). */
    readonly latency: { readonly maxIncrease: number };
    /** Error rate difference; default 0.005 (half a percentage point). */
    readonly errorRate: { readonly maxIncrease: number };
  };
  readonly metrics: readonly CustomMetric[];
  readonly selectors: Selectors;
}

/** `traffic.shadow`: a mirrored phase before the first weighted step (docs/strategies.md). */
export interface Shadow {
  /** Share of the route's requests copied to the canary, (0, 100]; default 100. */
  readonly percent: number;
  /** Consecutive healthy checks before the first step; default `analysis.promoteAfter`. */
  readonly promoteAfter: number;
  /** How long the shadow may run from its start without conclusive evidence. */
  readonly deadline: string;
  readonly deadlineMs: number;
}

/** Where a rollout came from. */
export interface RolloutSource {
  /** The file as shown in messages (relative to the working directory when inside it). */
  readonly file: string;
  /** The file relative to the project root, POSIX separators: goes into the manifests. */
  readonly relativePath: string;
  /** 0-based index of the YAML document within the file. */
  readonly documentIndex: number;
  /** meshcanary.yaml's target when the rollout was read, so an edit is read back the same way. */
  readonly defaultTarget?: RoutingTargetName;
}

/** Settings of the repository that fill in what a spec leaves out (meshcanary.yaml). */
export interface RepositoryDefaults {
  /** meshcanary.yaml's `target`; the spec's `target` wins. */
  readonly target?: RoutingTargetName;
}

/** Where the manifests route traffic: `spec.target`, else meshcanary.yaml's `target`, else `istio`. */
export const ROUTING_TARGETS = ["istio", "gateway-api"] as const;
export type RoutingTargetName = (typeof ROUTING_TARGETS)[number];
export const DEFAULT_ROUTING_TARGET: RoutingTargetName = "istio";

/** The manifest kinds a spec may name (`spec.names`), and the target that emits each. */
export const NAMED_KINDS = {
  virtualService: "istio",
  destinationRule: "istio",
  httpRoute: "gateway-api",
} as const satisfies Record<string, RoutingTargetName>;
export type NamedKind = keyof typeof NAMED_KINDS;

/** Default `rollout`: the VirtualService http route's and the HTTPRoute rule's name. */
export const DEFAULT_ROUTE_NAME = "rollout";

/** A validated rollout with every default applied. */
export interface Rollout {
  readonly name: string;
  readonly namespace: string;
  readonly source: RolloutSource;
  readonly target: RoutingTargetName;
  readonly service: {
    readonly host: string;
    readonly port?: number;
    /** The container port of gateway-api's per-version Services; default `port`. */
    readonly targetPort?: number;
    /** The service's own pod selector; required for `gateway-api`. */
    readonly selector?: Readonly<Record<string, string>>;
  };
  readonly hosts: readonly string[];
  readonly gateways: readonly string[];
  readonly route: {
    /** Default `rollout`. */
    readonly name: string;
    /** Empty: all traffic of the hosts. */
    readonly match: readonly HttpMatchRequest[];
    /** Pinned clients: each entry ANDed with every `match` entry; routed to the canary while it is in play. */
    readonly canaryMatch?: readonly HttpMatchRequest[];
    readonly timeout?: string;
    readonly retries?: Readonly<Record<string, unknown>>;
  };
  /** Each manifest's name; every kind defaults to `metadata.name`. */
  readonly names: Readonly<Record<NamedKind, string>>;
  readonly stable: Subset;
  readonly canary?: Subset;
  /** The watchdog holds (no advance, no promotion) but still rolls back on a breach; default false. */
  readonly paused: boolean;
  readonly traffic: {
    readonly canaryWeight: number;
    readonly steps: readonly number[];
    readonly shadow?: Shadow;
    readonly sessionAffinity?: SessionAffinity;
  };
  readonly analysis: Analysis;
  readonly status?: RolloutStatus;
}

export const DEFAULT_STEPS: readonly number[] = [5, 10, 25, 50, 100];
/** `traffic.sessionAffinity.maxAge` when absent. */
export const DEFAULT_SESSION_MAX_AGE = "24h";
/**
 * The default selectors of each routing target; `analysis.selectors`
 * overrides them label by label. With per-version Services (gateway-api) the
 * destination reporter's `destination_service_name` names whichever Service
 * selecting the pod is oldest (istio/istio#33940), so that target selects on
 * labels Istio takes from the destination pod, the same on both reporters.
 * The values these labels take are the target's `metricIdentity`.
 */
export const DEFAULT_SELECTORS_BY_TARGET: Readonly<Record<RoutingTargetName, Selectors>> = {
  istio: {
    service: "destination_service_name",
    namespace: "destination_service_namespace",
    version: "destination_version",
  },
  "gateway-api": {
    service: "destination_canonical_service",
    namespace: "destination_workload_namespace",
    version: "destination_canonical_revision",
  },
};
/** The Istio target's defaults. */
export const DEFAULT_SELECTORS: Selectors = DEFAULT_SELECTORS_BY_TARGET.istio;
