/**
 * Decision webhooks over real HTTP: a loopback receiver that fails (500s),
 * hangs past the timeout and recovers, and a real watchdog run (real
 * Prometheus, real git, the simulator standing in for the Istio data plane)
 * whose rollback is notified while the receiver is down and delivered once it
 * is back. The webhook URL is a secret: it never shows in a log line.
 */
import { join } from "node:path";
import { expect } from "chai";
import { Registry } from "prom-client";
import { Notifier, type NotifyTarget } from "../../src/notify/notifier.js";
import type { PushedDecision } from "../../src/notify/pushed-decisions.js";
import { SecretFile } from "../../src/secrets/secret-file.js";
import { createLogger } from "../../src/watchdog/log.js";
import { startWatchdog } from "../../src/watchdog/watchdog.js";
import { tempDir } from "../support/files.js";
import { cycleReport, pushedDecision } from "../support/pushed-decision.js";
import { fastSpec } from "../support/rollout-repo.js";
import { secretMount } from "../support/secret-mount.js";
import { auditOutput, auditSecret } from "../support/secrets-audit.js";
import { json, type StandIn, startStandIn } from "../support/stand-in-server.js";
import {
  decisionSubjects,
  type Harness,
  startHarness,
  waitFor,
} from "../support/watchdog-harness.js";

type Mode = "ok" | "fail" | "hang";

interface Receiver extends StandIn {
  mode: Mode;
  /** Bodies answered with 200, in order. */
  readonly delivered: Record<string, unknown>[];
  /** The secret path part of the hook URL, as Slack's `/services/T…/B…/…`. */
  readonly hookUrl: string;
}

const SECRET_PATH = "/services/T0SECRET/B0SECRET/x9Yz-hook-secret";
auditSecret(SECRET_PATH);

async function startReceiver(mode: Mode = "ok"): Promise<Receiver> {
  const delivered: Record<string, unknown>[] = [];
  let receiver: Receiver | undefined;
  const standIn = await startStandIn((req, res) => {
    if (req.url !== SECRET_PATH) return json(res, 404, { error: "no such hook" });
    if (receiver?.mode === "hang") return; // never answers; the sender's timeout ends it
    if (receiver?.mode === "fail") return json(res, 500, { error: "receiver down" });
    delivered.push(JSON.parse(req.body) as Record<string, unknown>);
    json(res, 200, { ok: true });
  });
  receiver = Object.assign(standIn, { mode, delivered, hookUrl: `${standIn.url}${SECRET_PATH}` });
  return receiver;
}

const decision = (n: number) =>
  pushedDecision(n, {
    action: "rollback",
    to: 0,
    reason: "error rate 50.00% > 5.00% in 2 of 2 checks",
    subject: `rollback recs/r${n}: 20% → 0%`,
  });
const report = (decisions: PushedDecision[]) => cycleReport({ decisions });

describe("decision webhooks (loopback receiver)", function () {
  this.timeout(120_000);
  const dir = tempDir("meshcanary-notify-");
  let receiver: Receiver;
  let logs: string[];
  let registry: Registry;
  beforeEach(() => {
    const mine: string[] = [];
    logs = mine;
    auditOutput("notifier log", () => mine.join("\n"));
    registry = new Registry();
  });
  afterEach(async () => {
    await receiver.close();
  });

  function notifier(target: NotifyTarget, extra: { queueCapacity?: number } = {}): Notifier {
    return new Notifier({
      targets: [target],
      log: createLogger({ json: true, write: (l) => logs.push(l) }),
      registry,
      timeoutMs: 300,
      retry: { attempts: 100, firstMs: 20, maxMs: 200 },
      ...extra,
    });
  }

  function webhookFile(name: string, url: string): NotifyTarget {
    const mount = secretMount(join(dir, name), { url: `${url}\n` });
    return { kind: "webhook", file: new SecretFile("--notify-webhook-file", mount.path("url")) };
  }

  const metric = () => registry.getSingleMetricAsString("meshcanary_notifications_total");

  it("retries through 500s and a hanging receiver, and delivers once it recovers; the URL is never logged", async () => {
    receiver = await startReceiver("fail");
    const n = notifier(webhookFile("k8s-1", receiver.hookUrl));
    n.onCycle(report([decision(1)]));
    await waitFor("two failed tries", () => receiver.requests.length >= 2);
    receiver.mode = "hang";
    const hung = receiver.requests.length;
    await waitFor("a try that timed out", () =>
      logs.some((l) => l.includes("no answer within 300 ms")),
    );
    expect(receiver.requests.length).to.be.greaterThan(hung);
    receiver.mode = "ok";
    await n.idle();
    expect(receiver.delivered.map((b) => [b.version, b.kind, b.rollout, b.action])).to.deep.equal([
      [1, "decision", "recs/r1", "rollback"],
    ]);
    expect(logs.some((l) => l.includes("the receiver answered HTTP 500 Internal Server Error"))).to
      .be.true;
    expect(await metric()).to.contain('kind="webhook",result="delivered"} 1');
    for (const line of logs) {
      expect(line).to.not.contain("SECRET");
      expect(line).to.not.contain(receiver.url);
    }
  });

  it("keeps its queue bound while the receiver hangs, and delivers the newest after recovery", async () => {
    receiver = await startReceiver("hang");
    const n = notifier(webhookFile("k8s-2", receiver.hookUrl), { queueCapacity: 2 });
    for (let i = 1; i <= 5; i++) n.onCycle(report([decision(i)]));
    await waitFor("the first try to hang", () => receiver.requests.length >= 1);
    receiver.mode = "ok";
    await n.idle();
    expect(receiver.delivered.map((b) => b.rollout)).to.deep.equal([
      "recs/r1",
      "recs/r4",
      "recs/r5",
    ]);
    expect(await metric()).to.contain('kind="webhook",result="dropped"} 2');
    expect(logs.filter((l) => l.includes("queue full"))).to.have.length(2);
  });

  it("names an unreadable URL file without its content, and uses the file once it is fixed or rotated", async () => {
    receiver = await startReceiver("ok");
    const second = await startReceiver("ok");
    try {
      const path = join(dir, "k8s-3", "url");
      const n = notifier({
        kind: "slack",
        file: new SecretFile("--notify-slack-webhook-file", path),
      });
      n.onCycle(report([decision(1)]));
      await waitFor("an unreadable-file log line", () =>
        logs.find((l) => l.includes("ENOENT (no such file)")),
      );
      expect(logs[0]).to.contain(`cannot read --notify-slack-webhook-file ${path}: ENOENT`);
      const mount = secretMount(join(dir, "k8s-3"), { url: "not a url\n" });
      await waitFor("a bad-URL log line", () =>
        logs.find((l) => l.includes("does not hold an http:// or https:// URL")),
      );
      mount.update({ url: receiver.hookUrl });
      await n.idle();
      expect(receiver.delivered).to.have.length(1);
      expect(receiver.delivered[0]?.text).to.match(/^meshcanary rollback recs\/r1: 20% → 0%: /);
      // Rotated to another receiver: the next notice goes there.
      mount.update({ url: second.hookUrl });
      n.onCycle(report([decision(2)]));
      await n.idle();
      expect(second.delivered.map((b) => b.text)).to.have.length(1);
      expect(logs.join("\n")).to.not.contain("not a url").and.not.contain("SECRET");
    } finally {
      await second.close();
    }
  });

  describe("in the watchdog loop (real Prometheus and git)", () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it("pushes the rollback while the receiver is down, then delivers it with its commit and report link", async () => {
      receiver = await startReceiver("hang");
      h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 100 } }) });
      const n = new Notifier({
        targets: [webhookFile("k8s-loop", receiver.hookUrl)],
        reportUrlBase: "https://meshcanary.example.com",
        log: createLogger({ json: true, write: (l) => logs.push(l) }),
        registry,
        timeoutMs: 300,
        retry: { attempts: 100, firstMs: 50, maxMs: 500 },
      });
      const controller = new AbortController();
      const watchdog = startWatchdog({
        ...(await h.deps()),
        loopIntervalMs: 1000,
        signal: controller.signal,
        onCycle: (r) => n.onCycle(r),
        onError: (e) => n.onError(e),
      });
      try {
        await waitFor("a healthy check", () => watchdog.health().lastSuccessMs !== undefined);
        h.sim.setBehaviour("v2", { errorRate: 0.5 });
        await waitFor("the rollback commit", () =>
          decisionSubjects(h as Harness).includes("rollback recs/recommend: 20% → 0%"),
        );
        await waitFor("a try that hung", () => receiver.requests.length >= 1);
        // The loop goes on while the receiver hangs.
        const after = watchdog.health().lastSuccessMs ?? 0;
        await waitFor("another cycle", () => (watchdog.health().lastSuccessMs ?? 0) > after);
        expect(receiver.delivered).to.deep.equal([]);
        receiver.mode = "ok";
        await waitFor("the delivery", () => receiver.delivered.length > 0);
      } finally {
        controller.abort();
        expect(await watchdog.done).to.equal(0);
        await n.close(1000);
      }
      const head = h.remote.log()[0];
      const notice = receiver.delivered[0] as Record<string, unknown>;
      expect(notice).to.deep.include({
        version: 1,
        kind: "decision",
        rollout: "recs/recommend",
        action: "rollback",
        from: 20,
        to: 0,
        subject: "rollback recs/recommend: 20% → 0%",
        commit: head?.sha,
        report: "https://meshcanary.example.com/rollouts/recs/recommend",
      });
      expect(notice.reason).to.match(/^error rate [\d.]+% > 5\.00% in 2 of 2 checks/);
      expect(head?.body.startsWith(notice.reason as string)).to.be.true;
      expect(receiver.delivered).to.have.length(1);
      expect(logs.join("\n")).to.not.contain("SECRET");
    });
  });
});
