/**
 * An HTTPRoute and the Services its backendRefs name as a route table. The
 * Gateway API picks the most specific match across rules, not the first
 * rule; Istio implements that by making each match its own route and
 * stable-sorting them (`sortHTTPRoutes` in istio/istio
 * pilot/pkg/config/kube/gateway/conversion.go, commit 86c9f01f): path kind
 * (Exact > PathPrefix > RegularExpression), path length, a method match, the
 * number of header matches, then of query matches; ties keep rule order.
 * The simulator does the same, so first match wins afterwards.
 */
import { labels, list, namespaceOf, num, type Obj, obj, onlyKnown, optObj, str } from "./fields.js";
import {
  type Backend,
  type HeaderEdit,
  type Mirror,
  NO_HEADERS,
  type PathMatch,
  type RequestMatch,
  type Route,
  type RouteTable,
  type ServiceModel,
  type StringMatch,
} from "./route-table.js";

const RULE_FIELDS = ["name", "matches", "filters", "backendRefs", "timeouts"];
const FILTERS = ["RequestMirror", "ResponseHeaderModifier", "RequestHeaderModifier"];

/**
 * `services`: Services outside the manifests (the service's own one); the
 * manifests' Services come from `compiledServices`.
 */
export function gatewayRouteTable(
  httpRoute: Obj,
  compiledServices: readonly ServiceModel[],
  services: readonly ServiceModel[],
): RouteTable {
  const namespace = namespaceOf(httpRoute, "HTTPRoute");
  const spec = obj(httpRoute.spec, "HTTPRoute.spec");
  const known = [...compiledServices, ...services];
  const backend = (ref: unknown, where: string): Backend => {
    const r = obj(ref, where);
    if ((r.group ?? "") !== "" || (r.kind ?? "Service") !== "Service")
      throw new Error(`${where}: only core Services are simulated`);
    const name = str(r.name, `${where}.name`);
    const ns = r.namespace === undefined ? namespace : str(r.namespace, `${where}.namespace`);
    const service = known.find((s) => s.name === name && s.namespace === ns);
    if (service === undefined) throw new Error(`${where}: Service ${ns}/${name} is not defined`);
    return { service: name, namespace: ns, selector: service.selector };
  };
  const candidates: { route: Route; key: number[] }[] = [];
  list(spec.rules, "HTTPRoute.spec.rules").forEach((value, i) => {
    const where = `HTTPRoute.spec.rules[${i}]`;
    const rule = obj(value, where);
    onlyKnown(rule, RULE_FIELDS, where);
    const filters = ruleFilters(rule.filters, `${where}.filters`, backend);
    const backends = list(rule.backendRefs, `${where}.backendRefs`).map((ref, j) => {
      const w = `${where}.backendRefs[${j}]`;
      const r = obj(ref, w);
      const own = ruleFilters(r.filters, `${w}.filters`, backend);
      if (own.mirrors.length > 0)
        throw new Error(`${w}.filters: a RequestMirror on a backendRef is not simulated`);
      return {
        backend: backend(r, w),
        weight: r.weight === undefined ? 1 : num(r.weight, `${w}.weight`),
        responseHeaders: own.responseHeaders,
      };
    });
    const matches = rule.matches === undefined ? [{}] : list(rule.matches, `${where}.matches`);
    matches.forEach((m, j) => {
      const match = requestMatch(m, `${where}.matches[${j}]`);
      candidates.push({
        route: {
          name: `${typeof rule.name === "string" ? rule.name : `rules[${i}]`}.matches[${j}]`,
          matches: [match],
          backends,
          mirrors: filters.mirrors,
          responseHeaders: filters.responseHeaders,
        },
        key: precedence(match),
      });
    });
  });
  // Array.prototype.sort is stable: equal keys keep rule order.
  candidates.sort((a, b) => compareKeys(b.key, a.key));
  return {
    target: "gateway-api",
    routes: candidates.map((c) => c.route),
    services: compiledServices,
  };
}

/** Higher is more specific, compared left to right. */
function precedence(match: RequestMatch): number[] {
  const path = match.path as PathMatch;
  const rank = path.kind === "exact" ? 3 : path.kind === "segments" ? 2 : 1;
  return [
    rank,
    trimPrefix(path).length,
    match.method === undefined ? 0 : 1,
    match.headers.length,
    match.queryParams.length,
  ];
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** Istio drops a PathPrefix's trailing `/` (except `/` itself) before it compares lengths. */
function trimPrefix(path: PathMatch): string {
  return path.kind === "segments" && path.value !== "/"
    ? path.value.replace(/\/$/, "")
    : path.value;
}

function ruleFilters(
  value: unknown,
  where: string,
  backend: (ref: unknown, where: string) => Backend,
): { mirrors: Mirror[]; responseHeaders: HeaderEdit } {
  const mirrors: Mirror[] = [];
  let responseHeaders = NO_HEADERS;
  list(value, where).forEach((f, i) => {
    const w = `${where}[${i}]`;
    const filter = obj(f, w);
    const type = str(filter.type, `${w}.type`);
    if (!FILTERS.includes(type))
      throw new Error(`${w}.type: ${type} is not interpreted by the simulator`);
    if (type === "RequestMirror") {
      const m = obj(filter.requestMirror, `${w}.requestMirror`);
      mirrors.push({
        backend: backend(m.backendRef, `${w}.requestMirror.backendRef`),
        percent: mirrorPercent(m, `${w}.requestMirror`),
      });
    } else if (type === "ResponseHeaderModifier") {
      const h = obj(filter.responseHeaderModifier, `${w}.responseHeaderModifier`);
      const pairs = (v: unknown, pw: string) =>
        list(v, pw).map((e, k) => {
          const o = obj(e, `${pw}[${k}]`);
          return [str(o.name, `${pw}[${k}].name`), str(o.value, `${pw}[${k}].value`)] as const;
        });
      responseHeaders = {
        add: pairs(h.add, `${w}.responseHeaderModifier.add`),
        set: pairs(h.set, `${w}.responseHeaderModifier.set`),
      };
    }
  });
  return { mirrors, responseHeaders };
}

/** `percent`, or `fraction` as Istio converts it (100 × numerator / denominator, default 100); neither is 100. */
function mirrorPercent(m: Obj, where: string): number {
  if (m.percent !== undefined) return num(m.percent, `${where}.percent`);
  const fraction = optObj(m.fraction, `${where}.fraction`);
  if (fraction === undefined) return 100;
  const denominator =
    fraction.denominator === undefined
      ? 100
      : num(fraction.denominator, `${where}.fraction.denominator`);
  return (100 * num(fraction.numerator, `${where}.fraction.numerator`)) / denominator;
}

function requestMatch(value: unknown, where: string): RequestMatch {
  const m = obj(value, where);
  onlyKnown(m, ["path", "method", "headers", "queryParams"], where);
  const p = optObj(m.path, `${where}.path`) ?? {};
  const type = p.type === undefined ? "PathPrefix" : str(p.type, `${where}.path.type`);
  const kinds: Record<string, PathMatch["kind"]> = {
    Exact: "exact",
    PathPrefix: "segments",
    RegularExpression: "regex",
  };
  const kind = kinds[type];
  if (kind === undefined) throw new Error(`${where}.path.type: unknown type ${type}`);
  const path: PathMatch = {
    kind,
    value: p.value === undefined ? "/" : str(p.value, `${where}.path.value`),
  };
  return {
    path,
    ...(m.method === undefined ? {} : { method: { exact: str(m.method, `${where}.method`) } }),
    headers: named(m.headers, `${where}.headers`, (n) => n.toLowerCase()),
    queryParams: named(m.queryParams, `${where}.queryParams`, (n) => n),
  };
}

/** Header and query matches; the first of a repeated name counts, later ones are ignored (the spec says so). */
function named(
  value: unknown,
  where: string,
  key: (name: string) => string,
): { name: string; match: StringMatch }[] {
  const out: { name: string; match: StringMatch }[] = [];
  list(value, where).forEach((e, i) => {
    const o = obj(e, `${where}[${i}]`);
    const name = str(o.name, `${where}[${i}].name`);
    if (out.some((x) => key(x.name) === key(name))) return;
    const v = str(o.value, `${where}[${i}].value`);
    const type = o.type === undefined ? "Exact" : str(o.type, `${where}[${i}].type`);
    if (type !== "Exact" && type !== "RegularExpression")
      throw new Error(`${where}[${i}].type: unknown type ${type}`);
    out.push({ name, match: type === "Exact" ? { exact: v } : { regex: v } });
  });
  return out;
}

/** A Service manifest as the mesh sees it. */
export function serviceModel(service: Obj): ServiceModel {
  const metadata = obj(service.metadata, "Service.metadata");
  const name = str(metadata.name, "Service.metadata.name");
  return {
    name,
    namespace: str(metadata.namespace, `Service ${name}: metadata.namespace`),
    selector: labels(
      obj(service.spec, `Service ${name}: spec`).selector,
      `Service ${name}: spec.selector`,
    ),
  };
}
