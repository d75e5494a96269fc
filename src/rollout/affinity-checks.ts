/**
 * Semantic checks of pinned clients (`route.canaryMatch`) and sticky sessions
 * (`traffic.sessionAffinity`): what the schema cannot say. Runs on documents
 * that passed the schema.
 */

import type { RolloutDocument } from "./document.js";
import { parseDuration } from "./duration.js";
import { GATEWAY_API_LIMITS, matchIssues } from "./gateway-api-checks.js";
import { canaryInPlay } from "./lifecycle.js";
import { mergeMatch } from "./match-merge.js";
import type { SpecIssue } from "./schema-check.js";
import type { HttpMatchRequest, RoutingTargetName } from "./types.js";
import { formatPath } from "./yaml-source.js";

/** Browsers keep a cookie at most 400 days (RFC 6265bis, Max-Age is capped there). */
export const MAX_COOKIE_AGE_SECONDS = 400 * 24 * 3600;

/** Each pinned entry must be ANDable with each route match: no field both set differently. */
export function canaryMatchMerges(doc: RolloutDocument): SpecIssue[] {
  const { match = [], canaryMatch = [] } = doc.spec.route ?? {};
  const issues: SpecIssue[] = [];
  canaryMatch.forEach((pinned, i) => {
    match.forEach((base, j) => {
      const result = mergeMatch(base, pinned);
      if (!("conflict" in result)) return;
      const routePath = formatPath(["spec", "route", "match", j, ...result.conflict]);
      issues.push({
        path: ["spec", "route", "canaryMatch", i, ...result.conflict],
        message: `conflicts with ${routePath}: each canaryMatch entry is ANDed with each match entry, and one match holds one condition per field; leave it out here (the route's condition applies) or set the same condition`,
      });
    });
  });
  return issues;
}

/** Cookie names that can work, a Max-Age browsers honour, and no cookie condition the sticky routes would overwrite. */
export function sessionAffinityValid(doc: RolloutDocument): SpecIssue[] {
  const affinity = doc.spec.traffic?.sessionAffinity;
  if (affinity === undefined) return [];
  const at = ["spec", "traffic", "sessionAffinity"];
  const issues: SpecIssue[] = [];
  for (const key of ["cookieName", "stableCookieName"] as const) {
    const name = affinity[key];
    // Browsers drop __Secure-/__Host- cookies set without Secure (and Path=/ for __Host-); these are set without.
    if (name !== undefined && /^__(secure|host)-/i.test(name)) {
      issues.push({
        path: [...at, key],
        message:
          "must not start with __Secure- or __Host-: browsers drop such cookies unless set with the Secure attribute, which meshcanary does not set",
      });
    }
  }
  if (
    affinity.stableCookieName !== undefined &&
    affinity.stableCookieName === affinity.cookieName
  ) {
    issues.push({
      path: [...at, "stableCookieName"],
      message: `must differ from cookieName (${affinity.cookieName})`,
    });
  }
  if (affinity.maxAge !== undefined) {
    const ms = parseDuration(affinity.maxAge) as number;
    if (ms % 1000 !== 0 || ms < 1000) {
      issues.push({
        path: [...at, "maxAge"],
        message: "must be whole seconds, at least 1s (a cookie's Max-Age counts seconds)",
      });
    } else if (ms / 1000 > MAX_COOKIE_AGE_SECONDS) {
      issues.push({
        path: [...at, "maxAge"],
        message: "must be at most 9600h (400 days): browsers keep no cookie longer",
      });
    }
  }
  (doc.spec.route?.match ?? []).forEach((m, j) => {
    const headers = m.headers as Readonly<Record<string, unknown>> | undefined;
    if (headers !== undefined && Object.hasOwn(headers, "cookie")) {
      issues.push({
        path: ["spec", "route", "match", j, "headers", "cookie"],
        message:
          "cannot be combined with spec.traffic.sessionAffinity: its sticky routes match the cookie header themselves",
      });
    }
  });
  return issues;
}

/**
 * On the Gateway API target: pinned entries in forms an HTTPRoute can hold,
 * within its match limits, and a pinned rule that outranks the stable-cookie
 * rule (precedence, not list order, decides there: see
 * compile/targets/gateway-api-affinity.ts).
 */
export function affinityOnGatewayApi(doc: RolloutDocument, target: RoutingTargetName): SpecIssue[] {
  if (target !== "gateway-api") return [];
  const route = doc.spec.route ?? {};
  const pinned = route.canaryMatch ?? [];
  const at = ["spec", "route", "canaryMatch"];
  const issues = pinned.flatMap((entry, i) => matchIssues(entry, [...at, i]));
  const bases = Math.max(1, (route.match ?? []).length);
  const pinnedMatches = bases * pinned.length;
  if (pinnedMatches > GATEWAY_API_LIMITS.matchesPerRule) {
    issues.push({
      path: at,
      message: `makes ${pinnedMatches} pinned matches (each entry ANDed with each of spec.route.match's ${bases}); target gateway-api allows at most ${GATEWAY_API_LIMITS.matchesPerRule} in one rule`,
    });
  }
  const affinity = doc.spec.traffic?.sessionAffinity;
  issues.push(...mergedLimits(route.match ?? [], pinned, affinity !== undefined));
  const cookieRules = affinity === undefined ? 0 : affinity.stableCookieName === undefined ? 1 : 2;
  const catchAll = (route.match ?? []).length > 0 ? 1 : 0;
  const total = bases + pinnedMatches + bases * cookieRules + catchAll;
  if ((pinned.length > 0 || cookieRules > 0) && total > GATEWAY_API_LIMITS.matchesTotal) {
    issues.push({
      path: pinned.length > 0 ? at : ["spec", "traffic", "sessionAffinity"],
      message: `makes the HTTPRoute hold ${total} matches in all (the rollout rule, pinned, sticky and catch-all rules); target gateway-api allows at most ${GATEWAY_API_LIMITS.matchesTotal}`,
    });
  }
  if (affinity?.stableCookieName !== undefined) {
    const bases = route.match === undefined || route.match.length === 0 ? [{}] : route.match;
    pinned.forEach((entry, i) => {
      if (bases.every((base) => outranksStableCookie(base, entry))) return;
      issues.push({
        path: [...at, i],
        message:
          "target gateway-api ranks rules by specificity, not order: ANDed with spec.route.match, this entry adds no path, method or header, so the stable-cookie rule (one more header, the cookie) outranks it and a pinned client holding the stable cookie would stay on the stable; add a header condition (such as x-canary) or leave out stableCookieName",
      });
    });
  }
  return issues;
}

/** Headers and query params per match after merging: an HTTPRouteMatch holds at most 16 of each. */
function mergedLimits(
  bases: readonly HttpMatchRequest[],
  pinned: readonly HttpMatchRequest[],
  sticky: boolean,
): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const count = (m: HttpMatchRequest, field: string) =>
    Object.keys((m[field] ?? {}) as Readonly<Record<string, unknown>>).length;
  const limits = {
    headers: GATEWAY_API_LIMITS.headersPerMatch,
    queryParams: GATEWAY_API_LIMITS.queryParamsPerMatch,
  } as const;
  (bases.length === 0 ? [{}] : bases).forEach((base, j) => {
    pinned.forEach((entry, i) => {
      const merged = mergeMatch(base, entry);
      if ("conflict" in merged) return;
      for (const [field, max] of Object.entries(limits)) {
        const n = count(merged.merged, field);
        if (n > max)
          issues.push({
            path: ["spec", "route", "canaryMatch", i, field],
            message: `ANDed with spec.route.match[${j}] makes ${n} ${field} in one match; target gateway-api allows at most ${max}`,
          });
      }
    });
  });
  if (sticky) {
    bases.forEach((base, j) => {
      if (count(base, "headers") >= limits.headers)
        issues.push({
          path: ["spec", "route", "match", j, "headers"],
          message: `has ${limits.headers} headers, and sticky sessions add the cookie header; target gateway-api allows at most ${limits.headers} in one match`,
        });
    });
  }
  // One problem per place is enough.
  return issues.filter(
    (issue, k) => issues.findIndex((o) => formatPath(o.path) === formatPath(issue.path)) === k,
  );
}

/**
 * Whether `base` AND `entry` (the pinned match) ranks at least as high as
 * `base` plus one header (the stable-cookie match) under the Gateway API's
 * precedence: path kind (Exact over PathPrefix) and length, a method, the
 * number of headers, the number of query params; a tie goes to the earlier
 * rule, the pinned one. A pair that conflicts is reported elsewhere.
 */
function outranksStableCookie(base: HttpMatchRequest, entry: HttpMatchRequest): boolean {
  const merged = mergeMatch(base, entry);
  if ("conflict" in merged) return true;
  const pinned = rank(merged.merged, 0);
  const sticky = rank(base, 1);
  for (let k = 0; k < pinned.length; k++) {
    if ((pinned[k] as number) !== (sticky[k] as number))
      return (pinned[k] as number) > (sticky[k] as number);
  }
  return true;
}

/** Precedence key of an Istio match as the Gateway API target writes it (no uri: PathPrefix /). */
function rank(match: HttpMatchRequest, extraHeaders: number): number[] {
  const uri = (match.uri ?? { prefix: "/" }) as { exact?: string; prefix?: string };
  const count = (field: string) =>
    Object.keys((match[field] ?? {}) as Readonly<Record<string, unknown>>).length;
  return [
    uri.exact !== undefined ? 2 : 1,
    (uri.exact ?? uri.prefix ?? "/").length,
    match.method === undefined ? 0 : 1,
    count("headers") + extraHeaders,
    count("queryParams"),
  ];
}

/** Warnings for the Gateway API target: what sticky sessions need beyond the standard channel's core. */
export function stickyOnGatewayApiWarnings(doc: RolloutDocument): SpecIssue[] {
  const inPlay = canaryInPlay({
    ...(doc.spec.canary === undefined ? {} : { canary: doc.spec.canary }),
    ...(doc.status === undefined ? {} : { status: doc.status }),
  });
  if (doc.spec.traffic?.sessionAffinity === undefined || !inPlay) return [];
  return [
    {
      path: ["spec", "traffic", "sessionAffinity"],
      message:
        "warning: on target gateway-api, sticky sessions match the Cookie header with a RegularExpression (implementation-specific in the standard channel) and set cookies with a ResponseHeaderModifier filter on a backendRef (filters there are implementation-specific); Istio supports both, check that your implementation does",
    },
  ];
}
