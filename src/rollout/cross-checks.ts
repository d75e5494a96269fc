/**
 * Checks that need every rollout of the run at once: two specs for the same
 * rollout, and two VirtualServices claiming the same host (Istio's IST0109:
 * routing for that host becomes undefined).
 */
import type { Diagnostic } from "../errors.js";
import type { Rollout } from "./types.js";
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
  return [...duplicateRollouts(items), ...conflictingHosts(items)];
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
          `host ${name} is already routed by rollout ${other} (${where(earlier.item, earlier.path)}); two VirtualServices for one host make routing undefined (Istio IST0109)`,
        ),
      );
    });
  }
  return out;
}
