/**
 * Semantic checks of pinned clients (`route.canaryMatch`) and sticky sessions
 * (`traffic.sessionAffinity`): what the schema cannot say. Runs on documents
 * that passed the schema.
 */
import type { RolloutDocument } from "./document.js";
import { parseDuration } from "./duration.js";
import { mergeMatch } from "./match-merge.js";
import type { SpecIssue } from "./schema-check.js";
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
