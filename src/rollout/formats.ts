/**
 * The string formats the rollout schema names (`format: dns1123-label`, …),
 * each with the message a person sees when a value does not fit. Kept beside
 * each other so a check and its explanation cannot drift apart.
 */
import { parseDuration } from "./duration.js";

export interface StringFormat {
  readonly validate: (value: string) => boolean;
  /** What the value must be, shown after the field path. */
  readonly message: string | ((value: string) => string);
}

const DNS1123_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_NAME = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const PROMETHEUS_LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** C0/C1 controls, DEL, line and paragraph separators, BOM: line breaks to some YAML reader, or invisible. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function isDns1123Label(value: string): boolean {
  return DNS1123_LABEL.test(value);
}

/** RFC 1123 subdomain: dot-separated DNS-1123 labels, at most 253 characters. */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && value.split(".").every(isDns1123Label);
}

function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  if (slash === -1) return LABEL_NAME.test(key);
  const prefix = key.slice(0, slash);
  return isDns1123Subdomain(prefix) && LABEL_NAME.test(key.slice(slash + 1));
}

/** Istio host: a DNS name, `*`, or `*.` followed by a DNS name. */
function isIstioHost(host: string): boolean {
  if (host === "*") return true;
  const name = host.startsWith("*.") ? host.slice(2) : host;
  return isDns1123Subdomain(name.toLowerCase()) && name === name.toLowerCase();
}

/** `mesh`, `<name>` or `<namespace>/<name>`. */
function isGateway(gateway: string): boolean {
  const parts = gateway.split("/");
  if (parts.length > 2) return false;
  return parts.every((p) => isDns1123Subdomain(p));
}

export const STRING_FORMATS = {
  "dns1123-label": {
    validate: isDns1123Label,
    message:
      "must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
  },
  "k8s-label-key": {
    validate: isLabelKey,
    message:
      "must be a Kubernetes label key: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
  },
  "k8s-label-value": {
    validate: (v) => v === "" || LABEL_NAME.test(v),
    message:
      "must be a Kubernetes label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
  },
  "istio-host": {
    validate: isIstioHost,
    message:
      "must be a host name: lowercase DNS labels separated by dots (e.g. recommender or api.example.com), optionally starting with '*.'",
  },
  "istio-gateway": {
    validate: isGateway,
    message: "must be a gateway name: mesh, <name> or <namespace>/<name>",
  },
  "http-header-name": {
    // RFC 9110 token characters, lowercase as Istio requires.
    validate: (v) => /^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(v),
    message: "must be a lowercase HTTP header name (letters, digits and -, as in x-user-cohort)",
  },
  "cookie-name": {
    // RFC 6265 cookie-name = token (RFC 9110): no separators, spaces or controls.
    validate: (v) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(v),
    message:
      "must be a cookie name (an RFC 6265 token): letters, digits and !#$%&'*+-.^_`|~, no spaces, '=' or ';'",
  },
  "query-param-name": {
    validate: (v) => v !== "" && v !== "<<" && !CONTROL_CHARACTER.test(v),
    message: "must be a query parameter name: not empty, no control characters, not <<",
  },
  text: {
    // Free text that ends up in a manifest: one line, so no YAML reader (go-yaml
    // treats U+0085/U+2028/U+2029 as line breaks) can see more than one value.
    validate: (v) => !CONTROL_CHARACTER.test(v),
    message: (v) => {
      const found = CONTROL_CHARACTER.exec(v)?.[0] ?? "";
      return `must not contain control characters or line breaks (found U+${found.codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0")})`;
    },
  },
  duration: {
    validate: (v) => (parseDuration(v) ?? 0) >= 1,
    message: (v) =>
      parseDuration(v) === undefined
        ? "must be a duration such as 500ms, 10s, 1m or 1h"
        : "must be at least 1ms (Istio rejects shorter durations)",
  },
  "prometheus-label-name": {
    validate: (v) => PROMETHEUS_LABEL.test(v) && !v.startsWith("__"),
    message:
      "must be a Prometheus label name: letters, digits and '_', not starting with a digit or '__'",
  },
  rfc3339: {
    validate: (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)),
    message: "must be an RFC 3339 time such as 2026-11-20T10:00:00Z",
  },
} as const satisfies Record<string, StringFormat>;

export type FormatName = keyof typeof STRING_FORMATS;
