/**
 * Stand-ins for the cycle's two seams, in memory: a GitOps repository (a
 * remote branch and a working copy of it, as maps of path → text) and a
 * metrics source answering Istio's two batched queries with fixed figures.
 * The real ones run in test/integration; these let `runCycle` be unit-tested.
 */
import type { GitOpsRepo, RepoFile } from "../../src/gitops/repo.js";
import type { MetricsSource, Series, TimeRange } from "../../src/prometheus/metrics-source.js";

export interface MemoryCommit {
  readonly sha: string;
  readonly message: string;
  readonly files: ReadonlyMap<string, string>;
}

export class MemoryRepo implements GitOpsRepo {
  readonly dir = "/in-memory-repo";
  /** The remote branch, newest commit last. */
  readonly remote: MemoryCommit[];
  /** Called at each push before it lands; returning true rejects it (someone else pushed). */
  rejectPush: (remote: MemoryCommit[]) => boolean = () => false;
  pushes = 0;
  #tree = new Map<string, string>();
  #local: MemoryCommit[] = [];
  #next = 1;

  constructor(files: Record<string, string>) {
    this.remote = [{ sha: this.#sha(), message: "initial", files: new Map(Object.entries(files)) }];
  }

  /** The remote's files at its head. */
  get files(): ReadonlyMap<string, string> {
    return (this.remote.at(-1) as MemoryCommit).files;
  }

  /** A person's commit on the remote. */
  personCommits(message: string, files: Record<string, string>): void {
    this.remote.push({
      sha: this.#sha(),
      message,
      files: new Map([...this.files, ...Object.entries(files)]),
    });
  }

  async sync(): Promise<string> {
    this.#tree = new Map(this.files);
    this.#local = [];
    return (this.remote.at(-1) as MemoryCommit).sha;
  }

  async read(path: string): Promise<string | undefined> {
    return this.#tree.get(path);
  }

  async list(path: string): Promise<readonly string[] | undefined> {
    const prefix = path === "." ? "" : `${path.replace(/\/+$/, "")}/`;
    const found = [...this.#tree.keys()].filter((p) => p === path || p.startsWith(prefix));
    return found.length === 0 ? undefined : found.sort();
  }

  async lastChangeTimes(paths: readonly string[]): Promise<Map<string, number>> {
    // Every file as old as the epoch: each check time falls after its step started.
    return new Map(paths.filter((p) => this.#tree.has(p)).map((p) => [p, 0]));
  }

  async commit(files: readonly RepoFile[], message: string): Promise<string | undefined> {
    const changed = files.filter((f) => this.#tree.get(f.path) !== (f.content ?? undefined));
    if (changed.length === 0) return undefined;
    for (const f of changed) {
      if (f.content === null) this.#tree.delete(f.path);
      else this.#tree.set(f.path, f.content);
    }
    const commit = { sha: this.#sha(), message, files: new Map(this.#tree) };
    this.#local.push(commit);
    return commit.sha;
  }

  async push(): Promise<"pushed" | "rejected"> {
    this.pushes++;
    if (this.rejectPush(this.remote)) return "rejected";
    this.remote.push(...this.#local);
    this.#local = [];
    return "pushed";
  }

  #sha(): string {
    return (this.#next++).toString(16).padStart(40, "0");
  }
}

/** Per version: requests in the window, how many failed with a 5xx, and their latency (all in one bucket). */
export interface VersionTraffic {
  readonly requests: number;
  readonly errors: number;
  readonly latencyMs: number;
}

const BUCKETS = [25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/**
 * Answers the batched latency and request queries for the service
 * `recommender` in `recs` with the same figures at every step; `fail` makes
 * every query fail, as Prometheus down would.
 */
export function memoryMetrics(
  traffic: Record<string, VersionTraffic>,
  fail?: Error,
): MetricsSource & { queries: string[] } {
  const queries: string[] = [];
  const labels = (version: string) => ({
    destination_service_name: "recommender",
    destination_service_namespace: "recs",
    destination_version: version,
  });
  const points = (range: TimeRange, value: number) => {
    const out: [number, number][] = [];
    for (let t = range.startMs; t <= range.endMs; t += range.stepMs) out.push([t, value]);
    return out;
  };
  return {
    queries,
    async query() {
      throw new Error("the cycle makes range queries only");
    },
    async queryRange(promql: string, range: TimeRange): Promise<Series[]> {
      queries.push(promql);
      if (fail !== undefined) throw fail;
      return Object.entries(traffic).flatMap(([version, v]): Series[] =>
        promql.includes("istio_request_duration_milliseconds_bucket")
          ? [...BUCKETS.map(String), "+Inf"].map((le) => ({
              labels: { ...labels(version), le },
              points: points(range, le === "+Inf" || Number(le) >= v.latencyMs ? v.requests : 0),
            }))
          : [
              {
                labels: { ...labels(version), reporter: "destination", response_code: "200" },
                points: points(range, v.requests - v.errors),
              },
              {
                labels: { ...labels(version), reporter: "destination", response_code: "503" },
                points: points(range, v.errors),
              },
            ],
      );
    },
  };
}
