/**
 * The notifier's queueing, retries and failure counting, with the sender and
 * the sleeper injected: no server and no real waiting (the HTTP side is in
 * test/integration/notify.test.ts).
 */
import { expect } from "chai";
import { Registry } from "prom-client";
import { GitError, type GitOpsRepo } from "../../src/gitops/repo.js";
import { Notifier, type NotifierOptions, type NotifyTarget } from "../../src/notify/notifier.js";
import type { Notice } from "../../src/notify/payload.js";
import { SecretFile } from "../../src/secrets/secret-file.js";
import { createLogger } from "../../src/watchdog/log.js";
import { startWatchdog } from "../../src/watchdog/watchdog.js";
import { cycleReport, pushedDecision } from "../support/pushed-decision.js";

const webhook: NotifyTarget = {
  kind: "webhook",
  file: new SecretFile("--notify-webhook-file", "/run/hook"),
};
const slack: NotifyTarget = {
  kind: "slack",
  file: new SecretFile("--notify-slack-webhook-file", "/run/slack"),
};

const decision = (n: number) => pushedDecision(n);
const report = cycleReport;

interface Rig {
  readonly notifier: Notifier;
  readonly sent: { target: string; body: unknown }[];
  readonly sleeps: number[];
  readonly logs: string[];
  metric(): Promise<string>;
}

/** A notifier whose sends go through `send` (default: succeed) and whose sleeps are instant. */
function rig(
  options: Partial<NotifierOptions> & { fail?: (attempt: number) => Error | undefined } = {},
): Rig {
  const sent: Rig["sent"] = [];
  const sleeps: number[] = [];
  const logs: string[] = [];
  const registry = new Registry();
  let attempts = 0;
  const notifier = new Notifier({
    targets: [webhook],
    log: createLogger({ json: true, write: (l) => logs.push(l), now: () => 0 }),
    registry,
    now: () => Date.parse("2026-11-30T14:00:00Z"),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    send: async (target, body) => {
      const error = options.fail?.(++attempts);
      if (error !== undefined) throw error;
      sent.push({ target: target.kind, body });
    },
    ...options,
  });
  return {
    notifier,
    sent,
    sleeps,
    logs,
    metric: () => registry.getSingleMetricAsString("meshcanary_notifications_total"),
  };
}

describe("notifier", () => {
  it("retries on the backoff schedule until the receiver answers", async () => {
    const r = rig({
      fail: (n) => (n <= 3 ? new Error("--notify-webhook-file /run/hook: HTTP 500") : undefined),
    });
    r.notifier.onCycle(report({ decisions: [decision(1)] }));
    await r.notifier.idle();
    expect(r.sleeps).to.deep.equal([1000, 2000, 4000]);
    expect(r.sent.map((s) => (s.body as Notice & { rollout: string }).rollout)).to.deep.equal([
      "recs/r1",
    ]);
    const metric = await r.metric();
    expect(metric).to.contain('meshcanary_notifications_total{kind="webhook",result="retried"} 3');
    expect(metric).to.contain(
      'meshcanary_notifications_total{kind="webhook",result="delivered"} 1',
    );
    expect(r.logs.filter((l) => l.includes("retrying"))).to.have.length(3);
    expect(r.logs[0]).to.contain('"webhook":"--notify-webhook-file"');
  });

  it("gives up after the last try, logs it, and goes on with the next notice", async () => {
    const r = rig({
      retry: { attempts: 3, firstMs: 100, maxMs: 150 },
      fail: (n) => (n <= 3 ? new Error("HTTP 404") : undefined),
    });
    r.notifier.onCycle(report({ decisions: [decision(1), decision(2)] }));
    await r.notifier.idle();
    expect(r.sleeps).to.deep.equal([100, 150]);
    expect(r.sent.map((s) => (s.body as { rollout: string }).rollout)).to.deep.equal(["recs/r2"]);
    const metric = await r.metric();
    expect(metric).to.contain('result="failed"} 1');
    expect(metric).to.contain('result="delivered"} 1');
    expect(r.logs.some((l) => /giving up.*"notice":"advance recs\/r1".*"attempts":3/.test(l))).to.be
      .true;
  });

  it("never makes the loop wait, and keeps at most the queue's capacity while a send hangs", async () => {
    let release: () => void = () => {};
    const hanging = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sent: string[] = [];
    const logs: string[] = [];
    const registry = new Registry();
    const notifier = new Notifier({
      targets: [webhook],
      log: createLogger({ json: true, write: (l) => logs.push(l) }),
      registry,
      queueCapacity: 2,
      send: async (_target, body) => {
        await hanging;
        sent.push((body as { rollout: string }).rollout);
      },
    });
    // Each onCycle returns at once although the first send has not finished.
    for (let n = 1; n <= 5; n++) notifier.onCycle(report({ decisions: [decision(n)] }));
    expect(sent).to.deep.equal([]);
    release();
    await notifier.idle();
    // r1 was in flight; r2 and r3 were dropped to make room for r4 and r5.
    expect(sent).to.deep.equal(["recs/r1", "recs/r4", "recs/r5"]);
    expect(await registry.getSingleMetricAsString("meshcanary_notifications_total")).to.contain(
      'meshcanary_notifications_total{kind="webhook",result="dropped"} 2',
    );
    expect(logs.filter((l) => l.includes("queue full"))).to.have.length(2);
    expect(logs[0]).to.contain('"dropped":"advance recs/r2"');
  });

  it("sends payload v1 to a webhook and {text} to a Slack webhook", async () => {
    const r = rig({ targets: [webhook, slack], reportUrlBase: "https://mc.example" });
    r.notifier.onCycle(report({ decisions: [decision(1)] }));
    await r.notifier.idle();
    expect(r.sent).to.deep.equal([
      {
        target: "webhook",
        body: {
          version: 1,
          kind: "decision",
          rollout: "recs/r1",
          action: "advance",
          from: 20,
          to: 50,
          reason: "healthy in 2 of 2 checks at 20%",
          subject: "advance recs/r1: 20% → 50%",
          commit: "1".repeat(40),
          at: "2026-11-30T14:00:00.000Z",
          report: "https://mc.example/rollouts/recs/r1",
        },
      },
      {
        target: "slack",
        body: {
          text: "meshcanary advance recs/r1: 20% → 50%: healthy in 2 of 2 checks at 20% (commit 111111111111) <https://mc.example/rollouts/recs/r1|report>",
        },
      },
    ]);
  });

  const streaks: [string, ("ok" | "fail")[], number[]][] = [
    ["two failures are not enough", ["fail", "fail", "ok", "fail", "fail"], []],
    ["the third in a row is", ["fail", "fail", "fail"], [3]],
    ["once per run of failures", ["fail", "fail", "fail", "fail", "fail"], [3]],
    ["again after a success", ["fail", "fail", "fail", "ok", "fail", "fail", "fail"], [3, 3]],
  ];
  for (const [what, cycles, notices] of streaks)
    it(`failure notices (--notify-failure-cycles 3): ${what}`, async () => {
      const r = rig();
      for (const c of cycles)
        r.notifier.onCycle(
          report(c === "ok" ? {} : { metricsErrors: ["Prometheus query: connection refused"] }),
        );
      await r.notifier.idle();
      expect(r.sent.map((s) => (s.body as { cycles: number }).cycles)).to.deep.equal(notices);
    });

  it("counts cycles that threw (onError), masks secrets in the error, and records since", async () => {
    let t = Date.parse("2026-11-30T14:00:00Z");
    const r = rig({ failureCycles: 2, secrets: ["tok-123"], now: () => t });
    r.notifier.onError(
      new GitError("git fetch https://user:pw@git.example/x.git: tok-123 refused"),
    );
    t += 10_000;
    r.notifier.onError(
      new GitError("git fetch https://user:pw@git.example/x.git: tok-123 refused"),
    );
    await r.notifier.idle();
    expect(r.sent.map((s) => s.body)).to.deep.equal([
      {
        version: 1,
        kind: "failure",
        cycles: 2,
        error: "git fetch https://***@git.example/x.git: *** refused",
        since: "2026-11-30T14:00:00.000Z",
        at: "2026-11-30T14:00:10.000Z",
      },
    ]);
  });

  it("hears about cycles that threw through the watchdog's onError", async () => {
    const r = rig();
    const repo: GitOpsRepo = {
      dir: "/nonexistent",
      sync: async () => {
        throw new GitError("remote unreachable");
      },
      lastChangeTimes: async () => new Map(),
      commit: async () => undefined,
      push: async () => "pushed",
    };
    const controller = new AbortController();
    const watchdog = startWatchdog({
      repo,
      metrics: { query: async () => [], queryRange: async () => [] },
      settings: () => ({ specs: [], out: "out", apiVersion: "networking.istio.io/v1" }),
      now: Date.now,
      log: createLogger({ write: () => {} }),
      loopIntervalMs: 1,
      signal: controller.signal,
      onCycle: (x) => r.notifier.onCycle(x),
      onError: (e) => {
        r.notifier.onError(e);
        r.notifier.idle().then(() => {
          if (r.sent.length > 0) controller.abort();
        });
      },
    });
    expect(await watchdog.done).to.equal(0);
    expect(r.sent[0]?.body).to.include({ kind: "failure", cycles: 3, error: "remote unreachable" });
  });

  it("close: waits for the grace period, then cancels and counts what is left", async () => {
    const logs: string[] = [];
    const registry = new Registry();
    const notifier = new Notifier({
      targets: [webhook],
      log: createLogger({ json: true, write: (l) => logs.push(l) }),
      registry,
      send: (_t, _b, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener("abort", () => reject(new Error("cancelled at shutdown"))),
        ),
    });
    notifier.onCycle(report({ decisions: [decision(1), decision(2)] }));
    await notifier.close(0);
    const metric = await registry.getSingleMetricAsString("meshcanary_notifications_total");
    // r1 was cancelled in flight (then not retried), r2 never sent.
    expect(metric).to.contain('result="dropped"} 2');
    expect(metric).to.not.contain('result="retried"');
    expect(logs.filter((l) => l.includes("stopping"))).to.have.length(2);
    notifier.onCycle(report({ decisions: [decision(3)] }));
    expect(await registry.getSingleMetricAsString("meshcanary_notifications_total")).to.contain(
      'result="dropped"} 3',
    );
  });
});
