/**
 * Which evidence a rollout may be judged on around a shadow phase.
 *
 * Mirrored requests are reported only by the receiving sidecar
 * (`reporter="destination"`, istio/istio#23496): the caller's proxy sends
 * them fire-and-forget, outside the filter that counts requests. No label
 * marks a mirrored request (istio/istio#11475; the Host's `-shadow` suffix is
 * gone by default from Istio 1.28). So the phases keep the evidence apart:
 *
 * - in the shadow, v2 serves no user, so every v2 request its own proxy
 *   reports is a mirrored copy; both versions are judged on the destination
 *   reporter alone, so the stable's numbers are measured the same way;
 * - in the shadow and in the first step after it, a check judges only a
 *   window that starts after the phase did: no window holds both mirrored
 *   and user-facing requests of v2 (nor a previous attempt's).
 */

import type { Evidence, VersionEvidence } from "../analysis/evidence.js";
import { firstStepAfterShadow, inShadow } from "../rollout/lifecycle.js";
import type { Analysis, Rollout } from "../rollout/types.js";

/** The evidence the judge sees: in the shadow, the destination reporter's counts only. */
export function phaseEvidence(rollout: Rollout, evidence: Evidence): Evidence {
  if (!inShadow(rollout)) return evidence;
  return {
    ...evidence,
    canary: destinationOnly(evidence.canary),
    stable: destinationOnly(evidence.stable),
  };
}

function destinationOnly(v: VersionEvidence): VersionEvidence {
  return {
    ...(v.destination === undefined ? {} : { destination: v.destination }),
    latencyBuckets: v.latencyBuckets,
  };
}

/**
 * The earliest check time whose window may be judged: after the step start,
 * and in a shadow or the first step after it, a whole window after it.
 */
export function firstCheckAfter(rollout: Rollout, stepStartedAtMs: number): number {
  const clean = inShadow(rollout) || firstStepAfterShadow(rollout);
  return stepStartedAtMs + (clean ? rollout.analysis.windowMs : 0);
}

/** The analysis whose check count applies: in the shadow, `shadow.promoteAfter` healthy checks decide. */
export function phaseAnalysis(rollout: Rollout): Analysis {
  const shadow = rollout.traffic.shadow;
  return shadow !== undefined && inShadow(rollout)
    ? { ...rollout.analysis, promoteAfter: shadow.promoteAfter }
    : rollout.analysis;
}
