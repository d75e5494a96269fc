/**
 * A rollout document exactly as written (after schema validation): every
 * optional field may be absent. `resolveRollout` turns it into a `Rollout`.
 */
import type {
  CustomMetric,
  HttpMatchRequest,
  JudgeKind,
  NamedKind,
  Promotion,
  RolloutStatus,
  RoutingTargetName,
  Selectors,
  SlaMode,
  Subset,
} from "./types.js";

export interface RolloutDocument {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: {
    readonly target?: RoutingTargetName;
    readonly service: {
      readonly host: string;
      readonly port?: number;
      readonly targetPort?: number;
      readonly selector?: Readonly<Record<string, string>>;
    };
    readonly hosts?: readonly string[];
    readonly gateways?: readonly string[];
    readonly route?: {
      readonly name?: string;
      readonly match?: readonly HttpMatchRequest[];
      readonly canaryMatch?: readonly HttpMatchRequest[];
      readonly timeout?: string;
      readonly retries?: Readonly<Record<string, unknown>>;
    };
    readonly names?: Partial<Readonly<Record<NamedKind, string>>>;
    readonly stable: Subset;
    readonly canary?: Subset;
    readonly paused?: boolean;
    readonly traffic?: {
      readonly canaryWeight?: number;
      readonly steps?: readonly number[];
      readonly shadow?: {
        readonly percent?: number;
        readonly promoteAfter?: number;
        readonly deadline: string;
      };
      readonly sessionAffinity?: {
        readonly cookieName: string;
        readonly maxAge?: string;
        readonly stableCookieName?: string;
      };
    };
    readonly analysis?: {
      readonly interval?: string;
      readonly window?: string;
      readonly promoteAfter?: number;
      readonly rollbackAfter?: number;
      readonly minRequests?: number;
      readonly noData?: "hold" | "rollback";
      readonly promotion?: Promotion;
      readonly judge?: JudgeKind;
      readonly confidence?: number;
      readonly sla?: {
        readonly mode?: SlaMode;
        readonly latency?: { readonly quantile?: number; readonly maxMs: number };
        readonly errorRate?: { readonly max?: number };
      };
      readonly compare?: {
        readonly latency?: { readonly maxIncrease?: number };
        readonly errorRate?: { readonly maxIncrease?: number };
      };
      readonly metrics?: readonly CustomMetric[];
      readonly selectors?: Partial<Selectors>;
    };
  };
  readonly status?: RolloutStatus;
}
