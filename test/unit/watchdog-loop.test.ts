/** The loop's own behaviour, with stand-ins for git and Prometheus (the real ones are in test/integration). */
import { expect } from "chai";
import { GitError, type GitOpsRepo, HistoryRewrittenError } from "../../src/gitops/repo.js";
import { silentLogger } from "../../src/watchdog/log.js";
import { Telemetry } from "../../src/watchdog/telemetry.js";
import { startWatchdog } from "../../src/watchdog/watchdog.js";

function repoFailingWith(errors: Error[]): GitOpsRepo & { syncs: number } {
  const repo = {
    dir: "/nonexistent",
    syncs: 0,
    async sync() {
      repo.syncs++;
      const error = errors.shift();
      if (error !== undefined) throw error;
      throw new GitError("still unreachable");
    },
    lastChangeTimes: async () => new Map<string, number>(),
    commit: async () => undefined,
    push: async () => "pushed" as const,
  };
  return repo;
}

const metrics = { query: async () => [], queryRange: async () => [] };
const settings = () => ({
  specs: ["rollouts"],
  out: "manifests",
  apiVersion: "networking.istio.io/v1" as const,
});

describe("watchdog loop", () => {
  it("keeps going through git failures and stops with exit 3 when history was rewritten", async () => {
    const repo = repoFailingWith([
      new GitError("unreachable"),
      new GitError("unreachable"),
      new HistoryRewrittenError("rewritten"),
    ]);
    const telemetry = new Telemetry();
    const watchdog = startWatchdog({
      repo,
      metrics,
      settings,
      now: Date.now,
      log: silentLogger,
      telemetry,
      loopIntervalMs: 1,
    });
    expect(await watchdog.done).to.equal(3);
    expect(repo.syncs).to.equal(3);
    expect(watchdog.health().lastError).to.equal("rewritten");
    expect(await telemetry.registry.getSingleMetricAsString("meshcanary_cycles_total")).to.contain(
      'meshcanary_cycles_total{result="error"} 3',
    );
  });

  it("ends with exit 0 when aborted", async () => {
    const controller = new AbortController();
    const repo = repoFailingWith([]);
    const watchdog = startWatchdog({
      repo,
      metrics,
      settings,
      now: Date.now,
      log: silentLogger,
      loopIntervalMs: 60_000,
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    expect(await watchdog.done).to.equal(0);
    expect(repo.syncs).to.equal(1);
  });
});
