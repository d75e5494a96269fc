/**
 * What a spec may say when its target is `gateway-api`: the Istio match
 * forms an HTTPRoute (Gateway API v1.6.1, standard channel) cannot express,
 * refused at their position; the limits of the HTTPRoute CRD's CEL rules that
 * a spec can reach; what the per-version Services need. The compiler's
 * translation (`compile/targets/gateway-api-matches.ts`) takes only what
 * passes here. docs/gateway-api-matches.md lists every field with its fate.
 */
import { canonicalRevision, canonicalService, versionPodLabels } from "./canonical-labels.js";
import type { RolloutDocument } from "./document.js";
import type { SpecIssue } from "./schema-check.js";
import type { HttpMatchRequest } from "./types.js";
import type { PathSegment } from "./yaml-source.js";

/** Limits of HTTPRoute v1 (schema maxItems and CEL rules) a generated route can reach. */
export const GATEWAY_API_LIMITS = {
  rules: 16,
  matchesPerRule: 64,
  matchesTotal: 128,
  backendRefs: 16,
  headersPerMatch: 16,
  queryParamsPerMatch: 16,
  hostnames: 16,
  parentRefs: 32,
  pathLength: 1024,
  headerValueLength: 4096,
  queryValueLength: 1024,
  nameLength: 256,
} as const;

/** Header and query parameter names in an HTTPRouteMatch: HTTP token characters. */
const VALUE_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/** HTTPRouteMatch `method`'s enum. */
export const GATEWAY_API_METHODS: readonly string[] = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
];

/** HTTPRoute `timeouts.request`: up to four `<1–5 digits><unit>` groups, no fractions. */
export const GATEWAY_API_DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

const PATH_CHARACTERS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;

/** The HTTPRoute CRD's CEL rules for an `Exact` or `PathPrefix` path value; undefined when valid. */
export function pathValueProblem(value: string): string | undefined {
  if (!value.startsWith("/")) return "must be an absolute path starting with '/'";
  for (const part of ["//", "/./", "/../", "%2f", "%2F", "#"]) {
    if (value.includes(part)) return `must not contain '${part}'`;
  }
  for (const end of ["/..", "/."]) if (value.endsWith(end)) return `must not end with '${end}'`;
  if (!PATH_CHARACTERS.test(value)) {
    return `must only contain characters valid in a path (${PATH_CHARACTERS.source})`;
  }
  if (value.length > GATEWAY_API_LIMITS.pathLength) {
    return `must be at most ${GATEWAY_API_LIMITS.pathLength} characters`;
  }
  return undefined;
}

const CANNOT = "target gateway-api cannot express this:";

/** Istio HTTPMatchRequest fields with no HTTPRouteMatch counterpart, and why. */
export const REFUSED_MATCH_FIELDS: Readonly<Record<string, string>> = {
  authority:
    "HTTPRouteMatch has no authority match; the route's hostnames apply to the whole route, not to one match",
  scheme:
    "HTTPRouteMatch has no scheme match; a route reaches HTTP or HTTPS through the Gateway listener it attaches to",
  port: "HTTPRouteMatch has no port match; a port applies to a whole route, through its parentRefs",
  sourceLabels: "HTTPRouteMatch cannot select clients by their labels",
  sourceNamespace:
    "HTTPRouteMatch cannot select clients by namespace (only a whole consumer route in the clients' namespace can)",
  gateways: "HTTPRouteMatch cannot name gateways; spec.gateways applies to the whole route",
  withoutHeaders: "HTTPRouteMatch has no negative header match",
  statPrefix: "an HTTPRoute has no per-match statistics prefix",
};

/** One Istio match's problems for this target, at `at` (route.match and canaryMatch entries alike). */
export function matchIssues(match: HttpMatchRequest, at: PathSegment[]): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const refuse = (path: PathSegment[], why: string) =>
    issues.push({ path: [...at, ...path], message: `${CANNOT} ${why}` });
  for (const [field, why] of Object.entries(REFUSED_MATCH_FIELDS)) {
    if (Object.hasOwn(match, field)) refuse([field], why);
  }
  if (match.ignoreUriCase === true) {
    refuse(["ignoreUriCase"], "Exact and PathPrefix paths are case-sensitive");
  }
  const uri = match.uri as Record<string, string> | undefined;
  if (uri?.regex !== undefined) {
    refuse(
      ["uri", "regex"],
      "a RegularExpression path ranks below the PathPrefix / catch-all to the stable version in Istio's Gateway API precedence (implementation-specific elsewhere), so the route would not get the traffic; use exact or prefix",
    );
  }
  for (const key of ["exact", "prefix"] as const) {
    const value = uri?.[key];
    const problem = value === undefined ? undefined : pathValueProblem(value);
    if (problem !== undefined) {
      issues.push({ path: [...at, "uri", key], message: `${problem} (target gateway-api)` });
    }
  }
  const method = match.method as Record<string, string> | undefined;
  if (method?.prefix !== undefined || method?.regex !== undefined) {
    refuse(
      ["method", method.prefix === undefined ? "regex" : "prefix"],
      "HTTPRouteMatch matches one method exactly; list each method as its own match",
    );
  }
  if (method?.exact !== undefined && !GATEWAY_API_METHODS.includes(method.exact)) {
    refuse(
      ["method", "exact"],
      `HTTPRouteMatch's method is one of ${GATEWAY_API_METHODS.join(", ")}`,
    );
  }
  for (const kind of ["headers", "queryParams"] as const) {
    const entries = Object.entries((match[kind] ?? {}) as Record<string, Record<string, string>>);
    const max =
      kind === "headers"
        ? GATEWAY_API_LIMITS.headersPerMatch
        : GATEWAY_API_LIMITS.queryParamsPerMatch;
    if (entries.length > max) {
      issues.push({
        path: [...at, kind],
        message: `at most ${max} entries for target gateway-api`,
      });
    }
    for (const [name, condition] of entries) {
      if (condition.prefix !== undefined) {
        refuse(
          [kind, name, "prefix"],
          `HTTPRouteMatch ${kind} match Exact or RegularExpression values; a prefix has no standard form (write it as regex: ^<prefix>.* if your implementation supports regular expressions)`,
        );
      }
      const limit =
        kind === "headers"
          ? GATEWAY_API_LIMITS.headerValueLength
          : GATEWAY_API_LIMITS.queryValueLength;
      if (!VALUE_NAME.test(name) || name.length > GATEWAY_API_LIMITS.nameLength) {
        issues.push({
          path: [...at, kind, name],
          message: `target gateway-api needs ${kind === "headers" ? "a header" : "a query parameter"} name of at most ${GATEWAY_API_LIMITS.nameLength} letters, digits and !#$%&'*+-.^_\`|~`,
          at: "key",
        });
      }
      const value = condition.exact ?? condition.regex;
      if (value !== undefined && (value.length < 1 || value.length > limit)) {
        issues.push({
          path: [...at, kind, name, condition.exact === undefined ? "regex" : "exact"],
          message: `target gateway-api matches values of 1 to ${limit} characters`,
        });
      }
    }
  }
  return issues;
}

/** `recommender`, or `recommender.<namespace>.svc[.…]` of the rollout's own namespace → `recommender`. */
export function serviceShortName(host: string, namespace: string): string | undefined {
  if (!host.includes(".")) return host;
  const match = /^([^.]+)\.([^.]+)\.svc(?:\.cluster\.local)?$/.exec(host);
  return match !== null && match[2] === namespace ? match[1] : undefined;
}

/** The per-version Service's name: the service's short name and the version's subset name. */
export function versionServiceName(shortName: string, subset: string): string {
  return `${shortName}-${subset}`;
}

function serviceIssues(doc: RolloutDocument): SpecIssue[] {
  const { spec, metadata } = doc;
  const issues: SpecIssue[] = [];
  const short = serviceShortName(spec.service.host, metadata.namespace);
  if (short === undefined) {
    issues.push({
      path: ["spec", "service", "host"],
      message: `target gateway-api routes to Services it creates in namespace ${metadata.namespace}: the host must be a Kubernetes Service there (${spec.service.host.split(".")[0]} or ${spec.service.host.split(".")[0]}.${metadata.namespace}.svc.cluster.local)`,
    });
  }
  if (spec.service.port === undefined) {
    issues.push({
      path: ["spec", "service"],
      message:
        "port is required for target gateway-api (every backendRef and per-version Service needs it)",
      at: "key",
    });
  }
  if (spec.service.selector === undefined) {
    issues.push({
      path: ["spec", "service"],
      message:
        "selector is required for target gateway-api: the service's own pod selector, e.g. {app: recommender}; each version's Service selects it plus the version's labels",
      at: "key",
    });
    return issues;
  }
  const subsets = [spec.stable, ...(spec.canary === undefined ? [] : [spec.canary])];
  if (short !== undefined) {
    subsets.forEach((subset, i) => {
      const name = versionServiceName(short, subset.name);
      if (name.length > 63) {
        issues.push({
          path: ["spec", i === 0 ? "stable" : "canary", "name"],
          message: `the version's Service ${name} must be at most 63 characters (target gateway-api names it <service>-<subset>)`,
        });
      }
    });
  }
  if (spec.analysis?.selectors?.service === undefined) {
    const labels = versionPodLabels(spec.service.selector, spec.stable);
    if (canonicalService(labels) === undefined) {
      issues.push({
        path: ["spec", "service", "selector"],
        message:
          "needs an app, app.kubernetes.io/name or service.istio.io/canonical-name label: target gateway-api selects metrics by destination_canonical_service, which Istio takes from these pod labels (or set analysis.selectors.service)",
      });
    }
  }
  if (spec.canary !== undefined && spec.analysis?.selectors?.version === undefined) {
    const stable = canonicalRevision(versionPodLabels(spec.service.selector, spec.stable));
    const canary = canonicalRevision(versionPodLabels(spec.service.selector, spec.canary));
    if (stable === canary) {
      issues.push({
        path: ["spec", "canary", "labels"],
        message: `gives the same destination_canonical_revision as spec.stable (${stable}), so target gateway-api's metrics cannot tell the versions apart: give each version a different version, app.kubernetes.io/version or service.istio.io/canonical-revision label (or set analysis.selectors.version)`,
      });
    }
  }
  return issues;
}

function parentIssues(doc: RolloutDocument): SpecIssue[] {
  const { spec } = doc;
  const gateways = [...new Set(spec.gateways ?? ["mesh"])];
  const limits: SpecIssue[] = [];
  if (gateways.length > GATEWAY_API_LIMITS.parentRefs) {
    limits.push({
      path: ["spec", "gateways"],
      message: `at most ${GATEWAY_API_LIMITS.parentRefs} gateways for target gateway-api (an HTTPRoute's parentRefs)`,
    });
  }
  const hostnames = new Set(spec.hosts ?? []);
  if (gateways.some((g) => g !== "mesh") && hostnames.size > GATEWAY_API_LIMITS.hostnames) {
    limits.push({
      path: ["spec", "hosts"],
      message: `at most ${GATEWAY_API_LIMITS.hostnames} hosts for target gateway-api (an HTTPRoute's hostnames)`,
    });
  }
  return [...limits, ...hostIssues(doc, gateways)];
}

function hostIssues(doc: RolloutDocument, gateways: readonly string[]): SpecIssue[] {
  const { spec, metadata } = doc;
  const hosts = spec.hosts ?? [];
  if (gateways.some((g) => g !== "mesh")) {
    return hosts.flatMap((host, i) =>
      host === "*"
        ? [
            {
              path: ["spec", "hosts", i],
              message:
                "target gateway-api: an HTTPRoute hostname cannot be *; name the hosts, or a wildcard domain such as *.example.com",
            },
          ]
        : [],
    );
  }
  // Only the mesh: the route attaches to the Service, and routes that Service's traffic alone.
  const short = serviceShortName(spec.service.host, metadata.namespace);
  if (short === undefined) return []; // serviceIssues refuses the host already
  return hosts.flatMap((host, i) =>
    serviceShortName(host, metadata.namespace) === short
      ? []
      : [
          {
            path: ["spec", "hosts", i],
            message: `target gateway-api on the mesh attaches the HTTPRoute to Service ${short} (GAMMA) and routes only its traffic; another host needs a Gateway in spec.gateways`,
          },
        ],
  );
}

function routeIssues(doc: RolloutDocument): SpecIssue[] {
  const route = doc.spec.route ?? {};
  const issues: SpecIssue[] = [];
  if (route.retries !== undefined) {
    issues.push({
      path: ["spec", "route", "retries"],
      message: `${CANNOT} retries are in the Gateway API's experimental channel only (v1.6); remove them or use target istio`,
    });
  }
  if (route.timeout !== undefined && !GATEWAY_API_DURATION.test(route.timeout)) {
    issues.push({
      path: ["spec", "route", "timeout"],
      message:
        "target gateway-api takes whole numbers of h, m, s or ms, up to 5 digits each (e.g. 2s or 1500ms)",
    });
  }
  const matches = route.match ?? [];
  if (matches.length > GATEWAY_API_LIMITS.matchesPerRule) {
    issues.push({
      path: ["spec", "route", "match"],
      message: `at most ${GATEWAY_API_LIMITS.matchesPerRule} matches for target gateway-api (one HTTPRoute rule holds them all)`,
    });
  }
  matches.forEach((match, i) => {
    issues.push(...matchIssues(match, ["spec", "route", "match", i]));
  });
  return issues;
}

export function checkGatewayApi(doc: RolloutDocument): SpecIssue[] {
  return [...serviceIssues(doc), ...parentIssues(doc), ...routeIssues(doc)];
}

/** Warnings: translations whose meaning differs at the edges. */
export function gatewayApiWarnings(doc: RolloutDocument): SpecIssue[] {
  return (doc.spec.route?.match ?? []).flatMap((match, i) => {
    const prefix = (match.uri as Record<string, string> | undefined)?.prefix;
    if (prefix === undefined || prefix === "/") return [];
    const bare = prefix.replace(/\/+$/, "");
    return [
      {
        path: ["spec", "route", "match", i, "uri", "prefix"],
        message: prefix.endsWith("/")
          ? `warning: target gateway-api matches path prefixes by whole segments: PathPrefix ${prefix} also matches ${bare} itself, which Istio's prefix ${prefix} does not`
          : `warning: target gateway-api matches path prefixes by whole segments: PathPrefix ${prefix} matches ${prefix} and ${prefix}/… but not ${prefix}-more or ${prefix}x…, which Istio's prefix ${prefix} does`,
      },
    ];
  });
}
