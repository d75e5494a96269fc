/** The watchdog's /metrics series that deploy/'s alerts and dashboard depend on. */
import { expect } from "chai";
import { GitError } from "../../src/gitops/repo.js";
import { silentLogger } from "../../src/watchdog/log.js";
import { Telemetry } from "../../src/watchdog/telemetry.js";
import { startWatchdog } from "../../src/watchdog/watchdog.js";

describe("telemetry", () => {
  it("has every decision action and cycle result at 0 from start-up, so increase() sees the first one", async () => {
    const text = await new Telemetry(1_700_000_000_000).registry.metrics();
    for (const line of [
      'meshcanary_decisions_by_action_total{action="rollback"} 0',
      'meshcanary_decisions_by_action_total{action="advance"} 0',
      'meshcanary_decisions_by_action_total{action="promote"} 0',
      'meshcanary_cycles_total{result="ok"} 0',
      'meshcanary_cycles_total{result="error"} 0',
      "meshcanary_start_time_seconds 1700000000",
    ])
      expect(text.split("\n")).to.include(line);
  });

  it("sums the per-rollout decisions by action at every scrape", async () => {
    const telemetry = new Telemetry();
    telemetry.decisions.inc({ rollout: "recs/a", action: "rollback" });
    telemetry.decisions.inc({ rollout: "recs/b", action: "rollback" });
    telemetry.decisions.inc({ rollout: "recs/b", action: "advance" });
    const first = await telemetry.registry.getSingleMetricAsString(
      "meshcanary_decisions_by_action_total",
    );
    expect(first.split("\n").filter((l) => !l.startsWith("#"))).to.deep.equal([
      'meshcanary_decisions_by_action_total{action="rollback"} 2',
      'meshcanary_decisions_by_action_total{action="advance"} 1',
      'meshcanary_decisions_by_action_total{action="promote"} 0',
    ]);
    telemetry.decisions.inc({ rollout: "recs/c", action: "promote" });
    expect(await telemetry.registry.metrics()).to.contain(
      'meshcanary_decisions_by_action_total{action="promote"} 1',
    );
  });

  it("observes the duration of every loop cycle, failed ones included", async () => {
    const telemetry = new Telemetry();
    const stop = new AbortController();
    const repo = {
      dir: "/nonexistent",
      async sync(): Promise<string> {
        // The loop retries a failing dependency; stopping it after this one failed cycle ends the test.
        stop.abort();
        throw new GitError("remote unreachable");
      },
      lastChangeTimes: async () => new Map<string, number>(),
      commit: async () => undefined,
      push: async () => "pushed" as const,
    };
    const watchdog = startWatchdog({
      repo,
      metrics: { query: async () => [], queryRange: async () => [] },
      settings: () => ({ specs: [], out: "manifests", apiVersion: "networking.istio.io/v1" }),
      now: Date.now,
      log: silentLogger,
      telemetry,
      loopIntervalMs: 1,
      signal: stop.signal,
    });
    expect(await watchdog.done).to.equal(0);
    expect(await telemetry.registry.metrics()).to.contain(
      "meshcanary_cycle_duration_seconds_count 1",
    );
  });
});
