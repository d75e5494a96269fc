/**
 * What a report shows, as plain data: built by `backtest` (a replayed
 * history) and `status` (the live state), drawn by `renderReport`. Times are
 * epoch milliseconds (shown in UTC); `null` in a series is a gap (no data).
 */

export interface ReportDecision {
  /** The decision's time: its newest check time. */
  readonly at: number;
  readonly action: "advance" | "promote" | "rollback";
  /** Canary weight before and after, in %. */
  readonly from: number;
  readonly to: number;
  /** One line: what the decision rests on (shown on hover). */
  readonly reason: string;
  /** It ended a shadow phase: drawn `shadow → 5%` / `shadow → off`. */
  readonly fromShadow?: boolean;
}

export interface ReportCheck {
  readonly at: number;
  readonly kind: string;
  /** One line, e.g. `2026-11-20T10:31:00.000Z breach: p99 latency 412 ms > 150 ms; 57 canary requests`. */
  readonly text: string;
}

export interface ReportData {
  /** Page heading, e.g. `Backtest of recs/recommend`. */
  readonly title: string;
  /** `ns/name`. */
  readonly rollout: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Subset names, used in legends. */
  readonly stableName: string;
  readonly canaryName: string;
  readonly sla: {
    /** e.g. `p99`. */
    readonly quantileLabel: string;
    /** Absent when the spec sets no latency SLA (no latency line drawn). */
    readonly maxMs?: number;
    /** Ratio, e.g. 0.01 for 1 %. */
    readonly errorRateMax: number;
  };
  /** Sample times, ascending; every series below has one value per time. */
  readonly times: readonly number[];
  readonly latencyMs: {
    readonly stable: readonly (number | null)[];
    readonly canary: readonly (number | null)[];
  };
  /** Ratios (0.01 = 1 %). */
  readonly errorRate: {
    readonly stable: readonly (number | null)[];
    readonly canary: readonly (number | null)[];
  };
  /**
   * Requests each version got in the check window ending at each sample time
   * (the judge's count). Their ratio is the traffic share each version
   * actually got, which pinned clients and sticky sessions move away from
   * the weight.
   */
  readonly requests: {
    readonly stable: readonly (number | null)[];
    readonly canary: readonly (number | null)[];
  };
  /** Canary weight in %, as steps: each value holds from `at` until the next point (or `toMs`). */
  readonly weight: readonly { readonly at: number; readonly weight: number }[];
  readonly decisions: readonly ReportDecision[];
  /** The shadow phase, drawn as a band on every chart: the canary got mirrored copies, no users. */
  readonly shadow?: { readonly fromMs: number; readonly toMs?: number; readonly percent: number };
  /** Checks shown as small markers (e.g. breaches); may be empty. */
  readonly checks: readonly ReportCheck[];
  /** One or two sentences at the top, e.g. `Would have rolled back at … because …`. */
  readonly summary: string;
}
