/**
 * One request through a route table: the first route whose matches the
 * request satisfies, a destination drawn by weight, the mirrors drawn by
 * their percentages, and the response headers of the route and of the
 * destination chosen.
 */
import { routeMatches } from "./match.js";
import type { Backend, HeaderEdit, MeshRequest, Route, RouteTable } from "./route-table.js";

export type Routing =
  /** No route matches: Envoy answers 404 itself (`NR`). */
  | { readonly kind: "unrouted" }
  /** A route matches but every weight is 0: nothing to send it to (Envoy answers 500 or 503 itself). */
  | { readonly kind: "no-backend"; readonly route: Route }
  | {
      readonly kind: "routed";
      readonly route: Route;
      readonly backend: Backend;
      /** Backends that get a copy, whose answer nobody reads. */
      readonly mirrors: readonly Backend[];
      /**
       * The destination's header edits, then the route's: Envoy applies the
       * more specific level first, so a route's `set` overrides (by default,
       * without `most_specific_header_mutations_wins`).
       */
      readonly responseHeaders: readonly HeaderEdit[];
    };

export function routeRequest(
  table: RouteTable,
  request: MeshRequest,
  random: () => number,
): Routing {
  const route = table.routes.find((r) => routeMatches(r, request));
  if (route === undefined) return { kind: "unrouted" };
  const live = route.backends.filter((b) => b.weight > 0);
  const total = live.reduce((sum, b) => sum + b.weight, 0);
  let u = random() * total;
  const chosen =
    live.find((b) => {
      u -= b.weight;
      return u < 0;
    }) ?? live[live.length - 1];
  const mirrors = route.mirrors.filter((m) => random() * 100 < m.percent).map((m) => m.backend);
  if (chosen === undefined) return { kind: "no-backend", route };
  return {
    kind: "routed",
    route,
    backend: chosen.backend,
    mirrors,
    responseHeaders: [chosen.responseHeaders, route.responseHeaders],
  };
}

/** `Set-Cookie` (and any other) values the client gets: `set` replaces what `add` put under the same name. */
export function responseHeaderValues(edits: readonly HeaderEdit[], name: string): string[] {
  const wanted = name.toLowerCase();
  let values: string[] = [];
  for (const edit of edits) {
    values.push(...edit.add.filter(([n]) => n.toLowerCase() === wanted).map(([, v]) => v));
    const set = edit.set.filter(([n]) => n.toLowerCase() === wanted).map(([, v]) => v);
    if (set.length > 0) values = set;
  }
  return values;
}
