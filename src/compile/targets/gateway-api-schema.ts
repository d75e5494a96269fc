/**
 * Validates the gateway-api target's manifests: the HTTPRoute against the
 * Gateway API v1.6.1 standard-channel CRD schema vendored in
 * schemas/vendor/gateway-api (with ajv), plus, in code, the CRD's CEL rules
 * and list-map keys that JSON Schema validators ignore but the API server
 * enforces; each Service against Kubernetes' own schema (kubernetes-models).
 */
import { Ajv, type ValidateFunction } from "ajv";
import { Service } from "kubernetes-models/v1/Service";
import { readPackageJson } from "../../package-files.js";
import { GATEWAY_API_LIMITS, pathValueProblem } from "../../rollout/gateway-api-checks.js";

interface Manifest {
  readonly kind: string;
  readonly metadata: object;
  readonly spec: object;
}

let httpRouteValidator: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (httpRouteValidator === undefined) {
    // The CRD schema carries Kubernetes keywords (x-kubernetes-*) that plain JSON Schema does not know.
    const ajv = new Ajv({ strict: false, allErrors: true });
    for (const name of ["int32", "int64"]) {
      ajv.addFormat(name, { type: "number", validate: Number.isInteger });
    }
    // Only in `status`, which meshcanary never writes.
    ajv.addFormat("date-time", true);
    httpRouteValidator = ajv.compile(
      readPackageJson<object>("schemas", "vendor", "gateway-api", "HTTPRoute.v1.schema.json"),
    );
  }
  return httpRouteValidator;
}

/** Problems as `path: message` lines; empty when valid. */
export function gatewayApiSchemaProblems(manifest: Manifest): string[] {
  if (manifest.kind === "Service") return serviceProblems(manifest);
  if (manifest.kind !== "HTTPRoute") return [`/kind: no schema for ${manifest.kind}`];
  const validate = validator();
  const schema = validate(manifest)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.message ?? "invalid"}`);
  return [...schema, ...celProblems(manifest.spec as RouteSpec)];
}

function serviceProblems(manifest: Manifest): string[] {
  try {
    new Service({ metadata: manifest.metadata, spec: manifest.spec } as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (errors === undefined) return [(error as Error).message];
    return errors.map((e) => `${e.instancePath || "/"}: ${e.message ?? "invalid"}`);
  }
}

interface ParentRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  sectionName?: string;
}

interface RouteSpec {
  parentRefs?: ParentRef[];
  rules?: {
    matches?: {
      path?: { type?: string; value?: string };
      headers?: { name: string }[];
      queryParams?: { name: string }[];
    }[];
    backendRefs?: { group?: string; kind?: string; port?: number }[];
  }[];
}

/** The HTTPRoute CRD's CEL rules (and list-map keys) that generated routes can reach. */
function celProblems(spec: RouteSpec): string[] {
  const problems: string[] = [];
  const rules = spec.rules ?? [];
  const total = rules.reduce((n, r) => n + (r.matches?.length ?? 0), 0);
  if (total > GATEWAY_API_LIMITS.matchesTotal) {
    problems.push(
      `/spec/rules: ${total} matches in all; the total across all rules must be at most ${GATEWAY_API_LIMITS.matchesTotal}`,
    );
  }
  const parents = (spec.parentRefs ?? []).map(
    (p) =>
      `${p.group ?? "gateway.networking.k8s.io"}/${p.kind ?? "Gateway"}/${p.namespace ?? ""}/${p.name}/${p.sectionName ?? ""}`,
  );
  if (new Set(parents).size !== parents.length) {
    problems.push("/spec/parentRefs: two references to the same parent need distinct sectionNames");
  }
  rules.forEach((rule, r) => {
    rule.backendRefs?.forEach((ref, b) => {
      if (
        (ref.group ?? "") === "" &&
        (ref.kind ?? "Service") === "Service" &&
        ref.port === undefined
      ) {
        problems.push(`/spec/rules/${r}/backendRefs/${b}: Must have port for Service reference`);
      }
    });
    rule.matches?.forEach((match, m) => {
      const at = `/spec/rules/${r}/matches/${m}`;
      const { type = "PathPrefix", value = "/" } = match.path ?? {};
      const problem =
        type === "Exact" || type === "PathPrefix" ? pathValueProblem(value) : undefined;
      if (problem !== undefined) problems.push(`${at}/path/value: ${problem}`);
      for (const list of ["headers", "queryParams"] as const) {
        const names = (match[list] ?? []).map((h) =>
          list === "headers" ? h.name.toLowerCase() : h.name,
        );
        if (new Set(names).size !== names.length) {
          problems.push(`${at}/${list}: names must be unique (a list map keyed by name)`);
        }
      }
    });
  });
  return problems;
}
