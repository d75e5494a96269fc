/**
 * A VirtualService and its DestinationRule as a route table: `http` routes in
 * order (Istio's first match wins), each subset's endpoints the host Service's
 * pods that also carry the subset's labels.
 */
import { labels, list, namespaceOf, num, type Obj, obj, onlyKnown, optObj, str } from "./fields.js";
import {
  type Backend,
  type HeaderEdit,
  type Labels,
  type Mirror,
  NO_HEADERS,
  type RequestMatch,
  type Route,
  type RouteTable,
  type ServiceModel,
  type StringMatch,
} from "./route-table.js";

/** Fields of an http route that do not change where a request goes or what the client gets back. */
const INERT_ROUTE_FIELDS = ["timeout", "retries", "corsPolicy", "rewrite"];
const ROUTE_FIELDS = ["name", "match", "route", "mirror", "mirrorPercentage", "mirrors", "headers"];
const MATCH_FIELDS = [
  "name",
  "statPrefix",
  "uri",
  "method",
  "headers",
  "queryParams",
  "ignoreUriCase",
  "withoutHeaders",
  "authority",
];

/**
 * `services`: the Services of the mesh, which a destination `host` names;
 * their selectors are not in the manifests Istio's target compiles.
 */
export function istioRouteTable(
  virtualService: Obj,
  destinationRules: readonly Obj[],
  services: readonly ServiceModel[],
): RouteTable {
  const namespace = namespaceOf(virtualService, "VirtualService");
  const spec = obj(virtualService.spec, "VirtualService.spec");
  const subsets = subsetLabels(destinationRules, namespace);
  const backend = (destination: unknown, where: string): Backend => {
    const d = obj(destination, where);
    const host = hostService(str(d.host, `${where}.host`), namespace);
    const service = services.find((s) => s.name === host.name && s.namespace === host.namespace);
    let selector: Labels = service?.selector ?? {};
    if (d.subset !== undefined) {
      const subset = str(d.subset, `${where}.subset`);
      const extra = subsets.get(`${host.namespace}/${host.name}/${subset}`);
      if (extra === undefined)
        throw new Error(`${where}.subset: ${subset} is not in a DestinationRule for ${host.name}`);
      selector = { ...selector, ...extra };
    }
    return { service: host.name, namespace: host.namespace, selector };
  };
  const routes = list(spec.http, "VirtualService.spec.http").map((value, i): Route => {
    const where = `VirtualService.spec.http[${i}]`;
    const r = obj(value, where);
    onlyKnown(r, [...ROUTE_FIELDS, ...INERT_ROUTE_FIELDS], where);
    const destinations = list(r.route, `${where}.route`);
    const mirrors: Mirror[] = [];
    if (r.mirror !== undefined) {
      mirrors.push({
        backend: backend(r.mirror, `${where}.mirror`),
        percent: percent(r.mirrorPercentage, `${where}.mirrorPercentage`),
      });
    }
    list(r.mirrors, `${where}.mirrors`).forEach((m, j) => {
      const policy = obj(m, `${where}.mirrors[${j}]`);
      mirrors.push({
        backend: backend(policy.destination, `${where}.mirrors[${j}].destination`),
        percent: percent(policy.percentage, `${where}.mirrors[${j}].percentage`),
      });
    });
    return {
      name: typeof r.name === "string" ? r.name : `http[${i}]`,
      matches: list(r.match, `${where}.match`).map((m, j) =>
        requestMatch(m, `${where}.match[${j}]`),
      ),
      backends: destinations.map((d, j) => {
        const dw = `${where}.route[${j}]`;
        const o = obj(d, dw);
        return {
          backend: backend(o.destination, `${dw}.destination`),
          // Istio: a lone destination without a weight takes everything.
          weight:
            o.weight === undefined
              ? destinations.length === 1
                ? 100
                : 0
              : num(o.weight, `${dw}.weight`),
          responseHeaders: responseHeaders(o.headers, `${dw}.headers`),
        };
      }),
      mirrors,
      responseHeaders: responseHeaders(r.headers, `${where}.headers`),
    };
  });
  return { target: "istio", routes, services: [] };
}

/** `namespace/host/subset` → the subset's labels. */
function subsetLabels(rules: readonly Obj[], namespace: string): Map<string, Labels> {
  const out = new Map<string, Labels>();
  for (const dr of rules) {
    const ns = str(
      obj(dr.metadata, "DestinationRule.metadata").namespace ?? namespace,
      "DestinationRule.metadata.namespace",
    );
    const spec = obj(dr.spec, "DestinationRule.spec");
    const host = hostService(str(spec.host, "DestinationRule.spec.host"), ns);
    list(spec.subsets, "DestinationRule.spec.subsets").forEach((s, i) => {
      const subset = obj(s, `DestinationRule.spec.subsets[${i}]`);
      const name = str(subset.name, `DestinationRule.spec.subsets[${i}].name`);
      out.set(
        `${host.namespace}/${host.name}/${name}`,
        labels(subset.labels, `DestinationRule.spec.subsets[${i}].labels`),
      );
    });
  }
  return out;
}

/** A short host is a Service of the namespace; `<svc>.<ns>.svc[…]` names both (as the compiler's `serviceOf`). */
function hostService(host: string, namespace: string): { name: string; namespace: string } {
  const fqdn = /^([^.]+)\.([^.]+)\.svc(?:\.|$)/.exec(host);
  if (fqdn !== null) return { name: fqdn[1] as string, namespace: fqdn[2] as string };
  return { name: host, namespace };
}

function percent(value: unknown, where: string): number {
  if (value === undefined) return 100;
  return num(obj(value, where).value, `${where}.value`);
}

function responseHeaders(value: unknown, where: string): HeaderEdit {
  const response = optObj(optObj(value, where)?.response, `${where}.response`);
  if (response === undefined) return NO_HEADERS;
  const pairs = (v: unknown, w: string) => Object.entries(labels(v, w));
  return {
    add: pairs(response.add, `${where}.response.add`),
    set: pairs(response.set, `${where}.response.set`),
  };
}

function requestMatch(value: unknown, where: string): RequestMatch {
  const m = obj(value, where);
  onlyKnown(m, MATCH_FIELDS, where);
  const named = (v: unknown, w: string) =>
    Object.entries(optObj(v, w) ?? {}).map(([name, sm]) => ({
      name,
      match: stringMatch(sm, `${w}.${name}`),
    }));
  const ignoreCase = m.ignoreUriCase === true;
  let path: RequestMatch["path"];
  if (m.uri !== undefined) {
    const uri = stringMatch(m.uri, `${where}.uri`);
    if ("present" in uri) throw new Error(`${where}.uri: an empty match is not a URI match`);
    const [kind, v] =
      "exact" in uri
        ? (["exact", uri.exact] as const)
        : "prefix" in uri
          ? (["prefix", uri.prefix] as const)
          : (["regex", uri.regex] as const);
    path = { kind, value: v, ignoreCase };
  }
  return {
    ...(path === undefined ? {} : { path }),
    ...(m.method === undefined ? {} : { method: stringMatch(m.method, `${where}.method`) }),
    headers: [
      // Envoy matches the authority as the `:authority` pseudo-header (HTTP/1.1 Host).
      ...(m.authority === undefined
        ? []
        : [{ name: ":authority", match: stringMatch(m.authority, `${where}.authority`) }]),
      ...named(m.headers, `${where}.headers`),
      ...named(m.withoutHeaders, `${where}.withoutHeaders`).map((h) => ({ ...h, invert: true })),
    ],
    queryParams: named(m.queryParams, `${where}.queryParams`),
  };
}

function stringMatch(value: unknown, where: string): StringMatch {
  const m = obj(value, where);
  onlyKnown(m, ["exact", "prefix", "regex"], where);
  if (m.exact !== undefined) return { exact: str(m.exact, `${where}.exact`) };
  if (m.prefix !== undefined) return { prefix: str(m.prefix, `${where}.prefix`) };
  if (m.regex !== undefined) return { regex: str(m.regex, `${where}.regex`) };
  return { present: true };
}
