/**
 * The route table: what the simulator's mesh knows after reading a rollout's
 * compiled manifests, the same shape for both routing targets. Routes are in
 * the order the data plane tries them, first match wins: a VirtualService's
 * `http` list as written; an HTTPRoute's matches one route each, sorted by the
 * Gateway API's precedence as Istio does it (`gateway-routes.ts`).
 */

export type Labels = Readonly<Record<string, string>>;

/** One value test. `present` is Istio's empty StringMatch on a header: the header is there, any value. */
export type StringMatch =
  | { readonly exact: string }
  | { readonly prefix: string }
  | { readonly regex: string }
  | { readonly present: true };

export type PathMatch =
  /** `segments`: the Gateway API's PathPrefix, element-wise (`/a` matches `/a/b`, not `/ab`). */
  {
    readonly kind: "exact" | "prefix" | "regex" | "segments";
    readonly value: string;
    readonly ignoreCase?: boolean;
  };

/** Conditions ANDed; a route's matches are ORed. */
export interface RequestMatch {
  readonly path?: PathMatch;
  readonly method?: StringMatch;
  /** `invert`: Istio's `withoutHeaders`, true when the header is absent or does not match. */
  readonly headers: readonly {
    readonly name: string;
    readonly match: StringMatch;
    readonly invert?: boolean;
  }[];
  readonly queryParams: readonly { readonly name: string; readonly match: StringMatch }[];
}

/** Response headers a route or destination adds (`add`, several values) or replaces (`set`). */
export interface HeaderEdit {
  readonly add: readonly (readonly [string, string])[];
  readonly set: readonly (readonly [string, string])[];
}

export const NO_HEADERS: HeaderEdit = { add: [], set: [] };

/** Where a request goes: a Service and the pod labels that pick its endpoints. */
export interface Backend {
  /** The Service the client's proxy routes to (`reporter="source"` names it). */
  readonly service: string;
  readonly namespace: string;
  /** A pod is an endpoint when its labels include all of these (Service selector, plus subset labels for Istio). */
  readonly selector: Labels;
}

export interface WeightedBackend {
  readonly backend: Backend;
  readonly weight: number;
  /** Response headers of this destination only (Istio `route[].headers`, Gateway API backendRef filters). */
  readonly responseHeaders: HeaderEdit;
}

export interface Mirror {
  readonly backend: Backend;
  /** 0..100; the share of matched requests copied. */
  readonly percent: number;
}

export interface Route {
  /** For messages and tests: the http route's or rule's name, else its position. */
  readonly name: string;
  /** ORed; empty matches every request. */
  readonly matches: readonly RequestMatch[];
  readonly backends: readonly WeightedBackend[];
  readonly mirrors: readonly Mirror[];
  readonly responseHeaders: HeaderEdit;
}

/** A Kubernetes Service as the simulated mesh sees it. */
export interface ServiceModel {
  readonly name: string;
  readonly namespace: string;
  readonly selector: Labels;
}

export interface RouteTable {
  readonly target: "istio" | "gateway-api";
  readonly routes: readonly Route[];
  /** Services the manifests define (Gateway API per-version Services); Istio's are outside them. */
  readonly services: readonly ServiceModel[];
}

/** A simulated HTTP request; header names lower-case. */
export interface MeshRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
}

export function selects(selector: Labels, pod: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => pod[k] === v);
}
