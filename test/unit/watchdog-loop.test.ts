/** The loop's own behaviour, with stand-ins for git and Prometheus (the real ones are in test/integration). */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { UsageError } from "../../src/errors.js";
import { GitError, type GitOpsRepo } from "../../src/gitops/repo.js";
import { silentLogger } from "../../src/watchdog/log.js";
import { Telemetry } from "../../src/watchdog/telemetry.js";
import { backoffMs, startWatchdog, type WatchdogOptions } from "../../src/watchdog/watchdog.js";

/** Fails a sync with each of `errors` in turn, then with `then` (or succeeds when it is null). */
function repoFailingWith(
  errors: Error[],
  then: Error | null = new GitError("still unreachable"),
): GitOpsRepo & { syncs: number } {
  const repo = {
    dir: emptyRepoDir(),
    syncs: 0,
    async sync() {
      repo.syncs++;
      const error = errors.shift() ?? then;
      if (error !== null) throw error;
      return "0".repeat(40);
    },
    lastChangeTimes: async () => new Map<string, number>(),
    commit: async () => undefined,
    push: async () => "pushed" as const,
  };
  return repo;
}

/** A checkout with an empty spec folder, so a cycle after a successful sync has nothing to decide. */
function emptyRepoDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "meshcanary-loop-"));
  mkdirSync(join(dir, "rollouts"));
  return dir;
}

const metrics = { query: async () => [], queryRange: async () => [] };
const settings = () => ({
  specs: ["rollouts"],
  out: "manifests",
  apiVersion: "networking.istio.io/v1" as const,
});

/** The loop on a stand-in repo, 1 ms apart, silent unless `extra` says otherwise. */
function loop(repo: GitOpsRepo, extra: Partial<WatchdogOptions> = {}) {
  return startWatchdog({
    repo,
    metrics,
    settings,
    now: Date.now,
    log: silentLogger,
    loopIntervalMs: 1,
    ...extra,
  });
}

describe("watchdog loop", () => {
  it("never exits on git failures, even before the first success: it holds, reports and recovers", async () => {
    const controller = new AbortController();
    const repo = repoFailingWith(
      [new GitError("cannot clone"), new GitError("unreachable"), new GitError("unreachable")],
      null,
    );
    const telemetry = new Telemetry();
    const seen: string[] = [];
    const watchdog = loop(repo, {
      log: { log: (_level, message) => seen.push(message) },
      telemetry,
      signal: controller.signal,
      onCycle: () => controller.abort(),
    });
    expect(await watchdog.done).to.equal(0);
    expect(repo.syncs).to.equal(4);
    expect(watchdog.health().lastSuccessMs).to.be.a("number");
    expect(seen.filter((m) => m === "cycle failed; retrying")).to.have.length(3);
    expect(seen).to.include("cycle succeeded again; back to the normal interval");
    expect(await telemetry.registry.getSingleMetricAsString("meshcanary_cycles_total")).to.contain(
      'meshcanary_cycles_total{result="error"} 3',
    );
  });

  it("reports the last git failure on /healthz while it retries", async () => {
    const controller = new AbortController();
    const repo = repoFailingWith([new GitError("cannot clone x")]);
    const watchdog = loop(repo, { signal: controller.signal });
    while (repo.syncs < 3) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect(await watchdog.done).to.equal(0);
    const { lastError, lastSuccessMs } = watchdog.health();
    expect({ lastError, lastSuccessMs }).to.deep.equal({
      lastError: "still unreachable",
      lastSuccessMs: undefined,
    });
  });

  it("stops on a configuration error met before any cycle succeeded, as at start-up", async () => {
    const repo = repoFailingWith([new UsageError("meshcanary.yaml: bad")]);
    const watchdog = loop(repo);
    const error = await watchdog.done.catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UsageError);
    expect(repo.syncs).to.equal(1);
  });

  const BACKOFF: [intervalMs: number, failures: number, waitMs: number][] = [
    [1000, 1, 1000],
    [1000, 2, 2000],
    [1000, 4, 8000],
    [1000, 5, 8000],
    [30_000, 3, 120_000],
    [30_000, 4, 240_000],
    [60_000, 4, 300_000],
    [600_000, 3, 600_000],
    [1000, 1000, 8000],
  ];
  for (const [interval, failures, wait] of BACKOFF) {
    it(`waits ${wait} ms after ${failures} failure(s) in a row at a ${interval} ms interval`, () => {
      expect(backoffMs(interval, failures)).to.equal(wait);
    });
  }

  it("ends with exit 0 when aborted", async () => {
    const controller = new AbortController();
    const repo = repoFailingWith([]);
    const watchdog = loop(repo, { loopIntervalMs: 60_000, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    expect(await watchdog.done).to.equal(0);
    expect(repo.syncs).to.equal(1);
  });
});
