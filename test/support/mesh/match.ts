/**
 * Whether a request satisfies a route's matches, as Envoy evaluates the
 * route Istio generates: regexes are RE2 full-string matches (JavaScript's
 * dialect agrees on the forms used here), header names are case-insensitive.
 */
import type { MeshRequest, PathMatch, RequestMatch, Route, StringMatch } from "./route-table.js";

export function routeMatches(route: Route, request: MeshRequest): boolean {
  return route.matches.length === 0 || route.matches.some((m) => requestMatches(m, request));
}

export function requestMatches(match: RequestMatch, request: MeshRequest): boolean {
  if (match.path !== undefined && !pathMatches(match.path, request.path)) return false;
  if (match.method !== undefined && !stringMatches(match.method, request.method)) return false;
  for (const h of match.headers) {
    const matched = stringMatches(h.match, request.headers[h.name.toLowerCase()]);
    if (matched === (h.invert === true)) return false;
  }
  for (const q of match.queryParams) {
    if (!stringMatches(q.match, request.query[q.name])) return false;
  }
  return true;
}

export function pathMatches(match: PathMatch, path: string): boolean {
  const fold = (s: string) => (match.ignoreCase === true ? s.toLowerCase() : s);
  const [p, v] = [fold(path), fold(match.value)];
  switch (match.kind) {
    case "exact":
      return p === v;
    case "prefix":
      return p.startsWith(v);
    case "segments": {
      // "When specified, a trailing `/` is ignored"; `/` itself matches every path.
      const prefix = v.replace(/\/+$/, "");
      return prefix === "" || p === prefix || p.startsWith(`${prefix}/`);
    }
    case "regex":
      return fullMatch(match.value, match.ignoreCase === true ? "i" : "").test(path);
  }
}

/** An absent value matches nothing (a missing header is no empty header). */
export function stringMatches(match: StringMatch, value: string | undefined): boolean {
  if (value === undefined) return false;
  if ("present" in match) return true;
  if ("exact" in match) return value === match.exact;
  if ("prefix" in match) return value.startsWith(match.prefix);
  return fullMatch(match.regex).test(value);
}

function fullMatch(regex: string, flags = ""): RegExp {
  return new RegExp(`^(?:${regex})$`, flags);
}
