/**
 * The traffic share each version actually got, from the request counts in
 * the check windows. Weighted routing makes it follow the weight; pinned
 * clients and sticky sessions move it away (a client kept on v2 by its
 * cookie counts for v2 whatever the weight), so the report shows both.
 */
import type { ReportData } from "./report-data.js";

/** The canary's share of both versions' requests at each sample time, in %; null without requests. */
export function canarySharePercent(data: ReportData): (number | null)[] {
  return data.times.map((_, i) => share(data.requests.stable[i], data.requests.canary[i]));
}

export interface ShareAtWeight {
  /** Canary weight in %. */
  readonly weight: number;
  readonly fromMs: number;
  readonly toMs: number;
  /** The canary's share of the requests counted at the sample times in [fromMs, toMs), in %; null without requests. */
  readonly canaryPercent: number | null;
  /** Sample times behind it. */
  readonly samples: number;
}

/**
 * One row per stretch of constant weight: the canary's share of the requests
 * summed over the sample times inside it. A window that straddles a weight
 * change counts for the stretch it ends in.
 */
export function shareByWeight(data: ReportData): ShareAtWeight[] {
  return data.weight.map((w, k) => {
    const next = data.weight[k + 1];
    const toMs = next === undefined ? data.toMs : next.at;
    let stable = 0;
    let canary = 0;
    let samples = 0;
    data.times.forEach((t, i) => {
      const inside = t >= w.at && (next === undefined ? t <= toMs : t < toMs);
      if (!inside) return;
      samples += 1;
      stable += finite(data.requests.stable[i]);
      canary += finite(data.requests.canary[i]);
    });
    return { weight: w.weight, fromMs: w.at, toMs, canaryPercent: share(stable, canary), samples };
  });
}

function finite(value: number | null | undefined): number {
  return value !== null && value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}

function share(
  stable: number | null | undefined,
  canary: number | null | undefined,
): number | null {
  const s = finite(stable);
  const c = finite(canary);
  return s + c > 0 ? (100 * c) / (s + c) : null;
}
