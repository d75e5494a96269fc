/**
 * Checks that need every rollout of the run at once: two specs for the same
 * rollout, two manifests of one kind with one name in one namespace (each
 * rollout would overwrite the other's), and two VirtualServices claiming the
 * same host (Istio's IST0109: routing for that host becomes undefined).
 */
import type { Diagnostic } from "../errors.js";
import { serviceShortName, versionServiceName } from "./gateway-api-checks.js";
import type { NamedKind, Rollout } from "./types.js";
import { formatPath, locate, type PathSegment, type SourceDocument } from "./yaml-source.js";

export interface LocatedRollout {
  readonly rollout: Rollout;
  readonly source: SourceDocument;
}

/** `recommender` in namespace `recs` → `recommender.recs.svc.cluster.local`; names with dots stay as they are. */
export function fqdn(host: string, namespace: string): string {
  return host.includes(".") || host === "*" ? host : `${host}.${namespace}.svc.cluster.local`;
}

export function checkAcrossRollouts(items: readonly LocatedRollout[]): Diagnostic[] {
  return [...duplicateRollouts(items), ...sameManifestNames(items), ...conflictingHosts(items)];
}

interface NamedManifest {
  readonly kind: string;
  readonly name: string;
  /** Where the spec decides the name. */
  readonly path: PathSegment[];
  /** How to give it another name. */
  readonly rename: string;
}

/** The manifests a rollout's target writes, with the spec field each name comes from. */
function manifestNames(item: LocatedRollout): NamedManifest[] {
  const { rollout } = item;
  const named = (kind: NamedKind, label: string): NamedManifest => ({
    kind: label,
    name: rollout.names[kind],
    path: item.source.doc.hasIn(["spec", "names", kind])
      ? ["spec", "names", kind]
      : ["metadata", "name"],
    rename: `give one of them another name (spec.names.${kind})`,
  });
  if (rollout.target === "istio") {
    return [named("virtualService", "VirtualService"), named("destinationRule", "DestinationRule")];
  }
  const short = serviceShortName(rollout.service.host, rollout.namespace) ?? rollout.service.host;
  const subsets: [string, typeof rollout.stable][] = [["stable", rollout.stable]];
  if (rollout.canary !== undefined) subsets.push(["canary", rollout.canary]);
  return [
    named("httpRoute", "HTTPRoute"),
    ...subsets.map(([role, subset]) => ({
      kind: "Service",
      name: versionServiceName(short, subset.name),
      path: ["spec", role, "name"],
      rename:
        "a version's Service is named <service>-<subset>: route one service's version from one rollout, or use another subset name",
    })),
  ];
}

function sameManifestNames(items: readonly LocatedRollout[]): Diagnostic[] {
  const first = new Map<string, { item: LocatedRollout; path: PathSegment[] }>();
  const out: Diagnostic[] = [];
  for (const item of items) {
    for (const m of manifestNames(item)) {
      const id = `${m.kind} ${item.rollout.namespace}/${m.name}`;
      const earlier = first.get(id);
      if (earlier === undefined) {
        first.set(id, { item, path: m.path });
        continue;
      }
      // Two specs of one rollout are reported once, by duplicateRollouts.
      if (rolloutId(earlier.item) === rolloutId(item)) continue;
      const other = `${earlier.item.rollout.namespace}/${earlier.item.rollout.name}`;
      out.push(
        diagnostic(
          item,
          m.path,
          `${id} is also written by rollout ${other} (${where(earlier.item, earlier.path)}); ${m.rename}`,
        ),
      );
    }
  }
  return out;
}

function where(item: LocatedRollout, path: readonly PathSegment[]): string {
  const { line, col } = locate(item.source, path);
  return `${item.source.file}:${line}:${col}`;
}

function diagnostic(
  item: LocatedRollout,
  path: readonly PathSegment[],
  message: string,
): Diagnostic {
  const { line, col } = locate(item.source, path);
  return { file: item.source.file, line, col, path: formatPath(path), message };
}

function rolloutId(item: LocatedRollout): string {
  return `${item.rollout.namespace}/${item.rollout.name}`;
}

function duplicateRollouts(items: readonly LocatedRollout[]): Diagnostic[] {
  const first = new Map<string, LocatedRollout>();
  const out: Diagnostic[] = [];
  for (const item of items) {
    const id = `${item.rollout.namespace}/${item.rollout.name}`;
    const earlier = first.get(id);
    if (earlier === undefined) {
      first.set(id, item);
      continue;
    }
    const path = ["metadata", "name"];
    out.push(diagnostic(item, path, `rollout ${id} is already defined at ${where(earlier, path)}`));
  }
  return out;
}

function conflictingHosts(items: readonly LocatedRollout[]): Diagnostic[] {
  const claimed = new Map<string, { item: LocatedRollout; path: PathSegment[] }>();
  const out: Diagnostic[] = [];
  for (const item of items) {
    const { rollout } = item;
    // When spec.hosts is absent the host comes from spec.service.host: point there.
    const explicit = item.source.doc.hasIn(["spec", "hosts"]);
    const seenHere = new Set<string>();
    rollout.hosts.forEach((host, i) => {
      const name = fqdn(host, rollout.namespace);
      const path = explicit ? ["spec", "hosts", i] : ["spec", "service", "host"];
      if (seenHere.has(name)) return;
      seenHere.add(name);
      const earlier = claimed.get(name);
      if (earlier === undefined) {
        claimed.set(name, { item, path });
        return;
      }
      const other = `${earlier.item.rollout.namespace}/${earlier.item.rollout.name}`;
      out.push(
        diagnostic(
          item,
          path,
          `host ${name} is already routed by rollout ${other} (${where(earlier.item, earlier.path)}); ${
            rollout.target === "istio" && earlier.item.rollout.target === "istio"
              ? "two VirtualServices for one host make routing undefined (Istio IST0109)"
              : "two routes for one host compete: the Gateway API merges their rules by precedence, and each one's catch-all takes the other's traffic"
          }`,
        ),
      );
    });
  }
  return out;
}
