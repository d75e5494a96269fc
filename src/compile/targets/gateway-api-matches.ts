/**
 * Istio HTTPMatchRequest → Gateway API HTTPRouteMatch (v1.6.1, standard
 * channel). Only forms `rollout/gateway-api-checks.ts` let through reach
 * here; anything else is a bug, never a silently dropped condition.
 *
 * Every match gets an explicit path (PathPrefix `/` when the spec has no
 * uri), so its rank under the Gateway API's precedence is written in the
 * manifest, not left to the API server's default. docs/gateway-api-matches.md
 * gives every field's fate.
 */
import { TemplateError } from "../../errors.js";
import { GATEWAY_API_METHODS } from "../../rollout/gateway-api-checks.js";
import type { HttpMatchRequest } from "../../rollout/types.js";

type StringMatch = Readonly<{ exact?: string; prefix?: string; regex?: string }>;

export interface HttpRouteMatch {
  readonly path: { readonly type: "Exact" | "PathPrefix"; readonly value: string };
  readonly method?: string;
  readonly headers?: readonly ValueMatch[];
  readonly queryParams?: readonly ValueMatch[];
}

interface ValueMatch {
  readonly name: string;
  readonly type: "Exact" | "RegularExpression";
  readonly value: string;
}

/** Matches every request: the least specific HTTPRouteMatch there is. */
export const MATCH_ALL: HttpRouteMatch = { path: { type: "PathPrefix", value: "/" } };

/** Fields that change nothing about which requests match, so they have no HTTPRoute form to take. */
const NO_EFFECT: Readonly<Record<string, (value: unknown) => boolean>> = {
  // Names the match in Envoy's route configuration only.
  name: () => true,
  // Case-sensitive matching is what Exact and PathPrefix do.
  ignoreUriCase: (value) => value === false,
};

export function translateMatch(match: HttpMatchRequest): HttpRouteMatch {
  const out: {
    path: HttpRouteMatch["path"];
    method?: string;
    headers?: ValueMatch[];
    queryParams?: ValueMatch[];
  } = { path: MATCH_ALL.path };
  for (const [field, value] of Object.entries(match)) {
    switch (field) {
      case "uri":
        out.path = path(value as StringMatch);
        break;
      case "method":
        out.method = method(value as StringMatch);
        break;
      case "headers":
      case "queryParams":
        out[field] = valueMatches(value as Record<string, StringMatch>, field);
        break;
      default:
        if (NO_EFFECT[field]?.(value) !== true) untranslatable(`${field}`);
    }
  }
  return out;
}

function path(uri: StringMatch): HttpRouteMatch["path"] {
  if (uri.exact !== undefined) return { type: "Exact", value: uri.exact };
  if (uri.prefix !== undefined) return { type: "PathPrefix", value: uri.prefix };
  return untranslatable("uri.regex");
}

function method(value: StringMatch): string {
  const name = value.exact ?? untranslatable("method without exact");
  return GATEWAY_API_METHODS.includes(name) ? name : untranslatable(`method ${name}`);
}

function valueMatches(entries: Readonly<Record<string, StringMatch>>, field: string): ValueMatch[] {
  return Object.entries(entries).map(([name, condition]) => {
    if (condition.exact !== undefined) return { name, type: "Exact", value: condition.exact };
    if (condition.regex !== undefined)
      return { name, type: "RegularExpression", value: condition.regex };
    return untranslatable(`${field}.${name}.prefix`);
  });
}

function untranslatable(what: string): never {
  throw new TemplateError(
    `the gateway-api target was given an Istio match it cannot express (${what}); validation should have refused it`,
  );
}
