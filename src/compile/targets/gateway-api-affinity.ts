/**
 * Pinned clients and sticky sessions on the Gateway API target: the
 * affinity plan (`compile/affinity-plan.ts`) as HTTPRoute rules ahead of the
 * weighted rule, and `Set-Cookie` as a `ResponseHeaderModifier` filter on a
 * backendRef (support: Extended; `backendRefs[].filters` itself is
 * implementation-specific in the standard channel; Istio implements it as the
 * destination's response headers). The cookie match is a `Cookie` header
 * `RegularExpression` match: implementation-specific in the standard
 * channel; Istio supports it.
 *
 * Why the added rules win under the Gateway API's precedence (path kind and
 * length, method, number of headers, number of query params; ties by rule
 * order within one HTTPRoute): every added match is a `route.match` entry m
 * ANDed with an extra condition c (a pinned entry, or the cookie header), so
 * against m it is at least as specific in each criterion, in order (the same
 * or a longer path: a conflicting uri is a spec error; m's method, headers
 * and query params plus c's), and the added rules are listed first, so a tie
 * goes to them. A request the added rule for m_i takes, and that some other
 * match m_j of the weighted rule also takes, also meets m_j AND c (it meets
 * c and m_j), which the added rule holds and which outranks m_j. So no
 * weighted match outranks the added rules for their requests, and the
 * catch-all `PathPrefix /` ranks below everything. Between a pinned rule and
 * the stable-cookie rule (a tester holding the stable cookie), the pinned rule
 * wins only if c adds a path, a method or a header; validation
 * (`rollout/affinity-checks.ts`) refuses the other cases for this target.
 */
import type { AffinityPlan, LeadRoute } from "../affinity-plan.js";
import { translateMatch } from "./gateway-api-matches.js";

/** `Set-Cookie` as a backendRef's `filters`, or nothing. */
export function setCookieFilters(value: string | undefined): { filters?: object[] } {
  if (value === undefined) return {};
  return {
    filters: [
      {
        type: "ResponseHeaderModifier",
        responseHeaderModifier: { add: [{ name: "Set-Cookie", value }] },
      },
    ],
  };
}

/**
 * The plan's routes as HTTPRoute rules, in order, each sending all its
 * requests to one version's backendRef (`backendRef(to)` builds it).
 */
export function leadRules(
  plan: AffinityPlan,
  backendRef: (to: LeadRoute["to"], weight: number) => object,
  timeouts: object,
): object[] {
  return plan.ahead.map((route) => ({
    name: route.name,
    matches: route.match.map(translateMatch),
    ...timeouts,
    backendRefs: [{ ...backendRef(route.to, 100), ...setCookieFilters(route.setCookie) }],
  }));
}
