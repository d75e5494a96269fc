/**
 * The compiled manifests of one rollout directory as the simulated mesh
 * applies them: read from a branch of a bare repository (as Argo CD would)
 * and turned into a route table for whichever target produced them.
 */
import { execFile } from "node:child_process";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { isObj, type Obj } from "./fields.js";
import { gatewayRouteTable, serviceModel } from "./gateway-routes.js";
import { istioRouteTable } from "./istio-routes.js";
import type { RouteTable, ServiceModel } from "./route-table.js";

export type ManifestSource = () => readonly Obj[] | Promise<readonly Obj[]>;

/** Every YAML document of the given file texts that is a Kubernetes object. */
export function parseManifests(...texts: string[]): Obj[] {
  return texts
    .flatMap((text) =>
      parseAllDocuments(text).map((doc) => {
        if (doc.errors.length > 0) throw new Error(`manifest YAML: ${doc.errors[0]?.message}`);
        return doc.toJS() as unknown;
      }),
    )
    .filter((d): d is Obj => isObj(d) && typeof d.kind === "string");
}

/**
 * The route table of one rollout's manifests: a VirtualService (with its
 * DestinationRules) or an HTTPRoute (with the Services it names). `services`
 * are the mesh's Services outside the manifests, whose selectors Istio's
 * subsets and the HTTPRoute's refs to the service itself need.
 */
export function routeTable(
  manifests: readonly Obj[],
  services: readonly ServiceModel[],
): RouteTable {
  const of = (kind: string) => manifests.filter((m) => m.kind === kind);
  const [vs, ...moreVs] = of("VirtualService");
  const [route, ...moreRoutes] = of("HTTPRoute");
  if (moreVs.length > 0 || moreRoutes.length > 0 || (vs !== undefined) === (route !== undefined))
    throw new Error(
      `expected one VirtualService or one HTTPRoute, got ${of("VirtualService").length} and ${of("HTTPRoute").length}`,
    );
  if (vs !== undefined) return istioRouteTable(vs, of("DestinationRule"), services);
  return gatewayRouteTable(route as Obj, of("Service").map(serviceModel), services);
}

export interface GitRemoteManifestsOptions {
  /** Path of the bare repository the watchdog pushes to. */
  readonly bareRepo: string;
  readonly branch: string;
  /** The rollout's output directory inside the repository, e.g. `manifests/recs/recommend`. */
  readonly dir: string;
  /** Minimum time between two reads of the repository. Default 200. */
  readonly refreshMs?: number;
}

const execFileAsync = promisify(execFile);

/**
 * The manifests on `branch` under `dir`. On a git or YAML error the last good
 * ones stay in force (a half-pushed state must not stop the traffic); with
 * none yet, the error is thrown.
 */
export function manifestsFromGitRemote(options: GitRemoteManifestsOptions): ManifestSource {
  const refreshMs = options.refreshMs ?? 200;
  const git = async (...args: string[]) =>
    (
      await execFileAsync("git", ["--git-dir", options.bareRepo, ...args], {
        encoding: "utf8",
        timeout: 5000,
      })
    ).stdout;
  let last: Obj[] | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<Obj[]> | undefined;
  const read = async (): Promise<Obj[]> => {
    try {
      // One commit for every file: the branch may move between two reads.
      const commit = (await git("rev-parse", "--verify", `${options.branch}^{commit}`)).trim();
      const ref = `${commit}:${options.dir}`;
      const names = (await git("ls-tree", "--name-only", ref))
        .split("\n")
        .filter((n) => n.endsWith(".yaml") || n.endsWith(".yml"));
      const texts = await Promise.all(names.map((n) => git("show", `${ref}/${n}`)));
      last = parseManifests(...texts);
      return last;
    } catch (error) {
      if (last === undefined) throw error;
      return last;
    } finally {
      readAt = performance.now();
      reading = undefined;
    }
  };
  return () => {
    if (last !== undefined && performance.now() - readAt < refreshMs) return last;
    reading ??= read();
    return reading;
  };
}
