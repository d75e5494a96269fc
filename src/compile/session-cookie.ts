/**
 * The sticky-session cookies both targets write and match. The value is
 * derived from the rollout and its two versions (no clock, no randomness), so
 * the compiled output stays byte-for-byte deterministic and the cluster
 * equals git; a new canary (another name or labels) gets a new value, so a
 * cookie from an earlier rollout never pins anyone to a later canary.
 */
import { createHash } from "node:crypto";
import type { Rollout, Subset } from "../rollout/types.js";

/** 16 hex digits of SHA-256 over the rollout's identity and both versions. */
export function sessionCookieValue(rollout: Rollout): string {
  const subset = (s: Subset | undefined) =>
    s === undefined ? null : [s.name, Object.entries(s.labels).sort()];
  const identity = JSON.stringify([
    rollout.namespace,
    rollout.name,
    subset(rollout.stable),
    subset(rollout.canary),
  ]);
  return createHash("sha256").update(identity).digest("hex").slice(0, 16);
}

/** The `Set-Cookie` value a version's responses carry: `name=value; Max-Age=s; Path=/`. */
export function setCookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Max-Age=${maxAgeSeconds}; Path=/`;
}

/** The `Set-Cookie` value that deletes the cookie (Max-Age=0, RFC 6265 §5.2.2). */
export function deleteCookie(name: string): string {
  return `${name}=; Max-Age=0; Path=/`;
}

/**
 * An RE2 expression matching a whole `Cookie` header that holds
 * `name=value` as one of its pairs, anchored so full-match (Envoy) and
 * search semantics agree. `;` and `,` both separate: HTTP/2 cookie crumbs
 * may be joined with either.
 */
export function cookieRegex(name: string, value: string): string {
  return `^(.*[;,] *)?${name.replace(/[$*+.^|]/g, "\\$&")}=${value} *([;,].*)?$`;
}
