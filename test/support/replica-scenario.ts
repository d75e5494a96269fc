/**
 * Several watchdog processes (replicas) on one bare remote, with several
 * rollouts at once: each rollout's service has its own traffic simulator
 * (stand-in for the Istio data plane) following the weights on the remote,
 * all scraped by one real Prometheus. A `quiet` rollout has no simulator, so
 * it holds on no data for ever and keeps every cycle querying.
 */
import { Agent } from "node:http";
import fetch from "node-fetch";
import { stringify } from "yaml";
import { compileRollouts, rootKustomization } from "../../src/compile/compile.js";
import { type RunningCli, startCli } from "./cli.js";
import { freePort } from "./free-port.js";
import { BareRemote, git } from "./git-remote.js";
import { makeRollout } from "./make-spec.js";
import { type PrometheusServer, startPrometheus } from "./prometheus-server.js";
import { fastSpec } from "./rollout-repo.js";
import { manifestsFromGitRemote, TrafficSimulator, type VersionBehaviour } from "./simulator.js";
import { HEALTHY, RECOMMEND_REQUEST, waitFor } from "./watchdog-harness.js";

export type Fate = "healthy" | "regress" | "quiet";

export interface ReplicaRollout {
  /** Rollout name and service host, in namespace `recs`. */
  readonly name: string;
  readonly fate: Fate;
}

const BEHAVIOUR: Record<Exclude<Fate, "quiet">, Record<string, VersionBehaviour>> = {
  healthy: HEALTHY,
  regress: { ...HEALTHY, v2: { latencyMedianMs: 40, errorRate: 1 } },
};

/** The decision commits each fate must leave on the remote, once each, in this order. */
export function expectedSubjects({ name, fate }: ReplicaRollout): string[] {
  switch (fate) {
    case "healthy":
      return [
        `advance recs/${name}: 20% → 50%`,
        `advance recs/${name}: 50% → 100%`,
        `promote recs/${name}: v2 is now stable`,
      ];
    case "regress":
      return [`rollback recs/${name}: 20% → 0%`];
    case "quiet":
      return [];
  }
}

const specPath = (name: string) => `rollouts/${name}.yaml`;

function repoFiles(rollouts: readonly ReplicaRollout[]): Record<string, string> {
  const files: Record<string, string> = { "meshcanary.yaml": "specs: rollouts\nout: manifests\n" };
  const parsed = rollouts.map(({ name }) => {
    const doc = fastSpec();
    doc.metadata = { name, namespace: "recs" };
    (doc.spec as Record<string, unknown>).service = { host: name, port: 8080 };
    files[specPath(name)] = stringify(doc);
    return makeRollout(doc, specPath(name));
  });
  for (const f of compileRollouts(parsed)) files[`manifests/${f.path}`] = f.content;
  files["manifests/kustomization.yaml"] = rootKustomization(
    rollouts.map(({ name }) => `recs/${name}`),
  ).content;
  return files;
}

/**
 * Node's global agent keeps sockets alive, and a scrape that reuses one just as
 * the server's keep-alive timeout closes it fails with "socket hang up".
 */
const NO_KEEP_ALIVE = new Agent({ keepAlive: false });

export interface Replica {
  readonly cli: RunningCli;
  readonly port: number;
  /** The replica's `/metrics` text. */
  metrics(): Promise<string>;
}

export interface ReplicaScenario {
  readonly remote: BareRemote;
  readonly prom: PrometheusServer;
  readonly replicas: readonly Replica[];
  /** Every push the remote's branch accepted, oldest first (its reflog). */
  pushes(): string[];
  close(): Promise<void>;
}

export async function startReplicaScenario(
  rollouts: readonly ReplicaRollout[],
  replicaCount: number,
): Promise<ReplicaScenario> {
  const remote = new BareRemote(repoFiles(rollouts));
  // A bare repo keeps no reflog by default; with one, every accepted push is on record.
  git(remote.bare, "config", "core.logAllRefUpdates", "always");
  const sims: TrafficSimulator[] = [];
  const replicas: Replica[] = [];
  let prom: PrometheusServer | undefined;
  const close = async () => {
    for (const r of replicas) if (r.cli.child.exitCode === null) r.cli.child.kill("SIGTERM");
    await Promise.all(replicas.map((r) => r.cli.exited));
    await Promise.all(sims.map((s) => s.stop()));
    await prom?.close();
    remote.remove();
  };
  try {
    for (const [i, { name, fate }] of rollouts.entries()) {
      if (fate === "quiet") continue;
      const sim = new TrafficSimulator({
        seed: 7 + i,
        rps: 200,
        service: { name, namespace: "recs" },
        versions: BEHAVIOUR[fate],
        manifests: manifestsFromGitRemote({
          bareRepo: remote.bare,
          branch: remote.branch,
          dir: `manifests/recs/${name}`,
        }),
        request: RECOMMEND_REQUEST,
      });
      sims.push(sim);
      await sim.start();
    }
    prom = await startPrometheus({ targets: sims.map((s) => s.target) });
    const p = prom;
    // A full 5 s window of canary traffic for every simulated service, so verdicts come from full windows.
    for (const { name, fate } of rollouts) {
      if (fate === "quiet") continue;
      await p.waitForSeries(
        `sum(increase(istio_requests_total{destination_service_name="${name}",destination_version="v2",reporter="destination"}[5s])) > 150`,
        45_000,
      );
    }
    for (let i = 0; i < replicaCount; i++) {
      const port = await freePort();
      const cli = startCli(
        [
          "watch",
          "--repo",
          remote.bare,
          "--prometheus",
          p.url,
          "--interval",
          "1s",
          "--listen",
          `127.0.0.1:${port}`,
          "--author-name",
          `replica-${i}`,
        ],
        remote.root,
      );
      replicas.push({
        cli,
        port,
        metrics: async () => {
          try {
            return await (
              await fetch(`http://127.0.0.1:${port}/metrics`, { agent: NO_KEEP_ALIVE })
            ).text();
          } catch (error) {
            const { stderr } = cli.output();
            throw new Error(
              `replica-${i} /metrics: ${(error as Error).message} (exit: ${cli.child.exitCode ?? "running"}); its stderr ends:\n${stderr.slice(-2000)}`,
            );
          }
        },
      });
    }
    return {
      remote,
      prom: p,
      replicas,
      pushes: () =>
        git(remote.bare, "reflog", "show", "--format=%H", `refs/heads/${remote.branch}`)
          .split("\n")
          .filter((l) => l !== "")
          .reverse(),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** One value of a counter or histogram `_count` in Prometheus text format, summed over its label sets. */
export function metricSum(text: string, name: string, labels = ""): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith(" ") || rest.startsWith("{"))) continue;
    if (labels !== "" && !rest.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/** Waits until every replica has finished `cycles` more cycles than it had when called. */
export async function waitForCycles(
  replicas: readonly Replica[],
  cycles: number,
  timeoutMs = 30_000,
): Promise<void> {
  const start = await Promise.all(
    replicas.map(async (r) => metricSum(await r.metrics(), "meshcanary_cycles_total")),
  );
  await waitFor(
    `${cycles} more cycles of every replica`,
    async () => {
      const now = await Promise.all(
        replicas.map(async (r) => metricSum(await r.metrics(), "meshcanary_cycles_total")),
      );
      return now.every((n, i) => n >= (start[i] as number) + cycles);
    },
    timeoutMs,
  );
}
