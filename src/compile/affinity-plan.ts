/**
 * Pinned clients and sticky sessions as target-neutral routes: which
 * requests go ahead of the weighted split, to which version, and which
 * `Set-Cookie` each version's responses carry. Each target renders the plan
 * in its own kinds (targets/istio.ts: http routes and
 * destination headers).
 *
 * While the canary is in play (`canaryInPlay`), in this order, ahead of the
 * weighted route: pinned clients → canary (at any weight, not in a shadow); and once the
 * weight is above 0, the canary cookie → canary and the stable cookie →
 * stable. Pinned comes first so a tester holding a stable cookie still
 * reaches the canary. No cookie is handed out at weight 0 (pending, or a
 * shadow): every client would get the stable cookie and stay on the stable
 * for `maxAge` after the first step. After a rollback everyone goes to the
 * stable: the only route left is one that sends canary-cookie holders to the
 * stable (as the weighted route would) and deletes their cookie. After a
 * promotion nothing is left.
 */
import { canaryInPlay, pinnedInPlay } from "../rollout/lifecycle.js";
import { andMatches } from "../rollout/match-merge.js";
import type { HttpMatchRequest, Rollout } from "../rollout/types.js";
import { cookieRegex, deleteCookie, sessionCookieValue, setCookie } from "./session-cookie.js";

export interface LeadRoute {
  /** `<route name>-pinned`, `-sticky-canary`, `-sticky-stable`, `-unstick`. */
  readonly name: string;
  /** Istio HTTPMatchRequests (the route's match ANDed with the extra condition); ORed. */
  readonly match: readonly HttpMatchRequest[];
  readonly to: "stable" | "canary";
  /** A `Set-Cookie` value the destination adds to its responses. */
  readonly setCookie?: string;
}

export interface AffinityPlan {
  /** Routes ahead of the weighted one, in order. */
  readonly ahead: readonly LeadRoute[];
  /** `Set-Cookie` on the weighted route's stable destination. */
  readonly stableSetCookie?: string;
  /** `Set-Cookie` on the weighted route's canary destination. */
  readonly canarySetCookie?: string;
}

/** The plan's routes are named after the weighted route (`route.name`). */
export function affinityPlan(rollout: Rollout): AffinityPlan {
  const routeName = rollout.route.name;
  const base = rollout.route.match;
  const affinity = rollout.traffic.sessionAffinity;
  if (affinity === undefined && rollout.route.canaryMatch === undefined) return { ahead: [] };
  const value = sessionCookieValue(rollout);
  const cookieMatch = (name: string): HttpMatchRequest[] =>
    andMatches(base, [{ headers: { cookie: { regex: cookieRegex(name, value) } } }]);

  if (!canaryInPlay(rollout)) {
    if (affinity === undefined || rollout.canary === undefined) return { ahead: [] };
    return {
      ahead: [
        {
          name: `${routeName}-unstick`,
          match: cookieMatch(affinity.cookieName),
          to: "stable",
          setCookie: deleteCookie(affinity.cookieName),
        },
      ],
    };
  }

  const ahead: LeadRoute[] = [];
  const pinned = rollout.route.canaryMatch;
  // Not in a shadow: a pinned user's request would count as a mirrored copy in its evidence.
  if (pinned !== undefined && pinnedInPlay(rollout))
    ahead.push({ name: `${routeName}-pinned`, match: andMatches(base, pinned), to: "canary" });
  if (affinity === undefined || rollout.traffic.canaryWeight === 0) return { ahead };
  ahead.push({
    name: `${routeName}-sticky-canary`,
    match: cookieMatch(affinity.cookieName),
    to: "canary",
  });
  const stableCookie = affinity.stableCookieName;
  if (stableCookie !== undefined) {
    ahead.push({
      name: `${routeName}-sticky-stable`,
      match: cookieMatch(stableCookie),
      to: "stable",
    });
  }
  return {
    ahead,
    canarySetCookie: setCookie(affinity.cookieName, value, affinity.maxAgeSeconds),
    ...(stableCookie === undefined
      ? {}
      : { stableSetCookie: setCookie(stableCookie, value, affinity.maxAgeSeconds) }),
  };
}
