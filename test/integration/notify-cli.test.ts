/**
 * `meshcanary watch` as a process with the notification and Argo CD flags:
 * secrets only as files (mounted as the kubelet mounts a Secret), a loopback
 * receiver for the webhooks and a stand-in for Argo CD (which cannot run
 * here). Needs `npm run build`.
 */
import { join } from "node:path";
import { expect } from "chai";
import fetch from "node-fetch";
import { startCli } from "../support/cli.js";
import { tempDir } from "../support/files.js";
import { freePort } from "../support/free-port.js";
import { fastSpec } from "../support/rollout-repo.js";
import { secretMount } from "../support/secret-mount.js";
import { auditOutput, auditSecret } from "../support/secrets-audit.js";
import { json, startStandIn } from "../support/stand-in-server.js";
import {
  decisionSubjects,
  type Harness,
  startHarness,
  waitFor,
} from "../support/watchdog-harness.js";

const TOKEN = "argocd-file-token-77a1";
const HOOK = "/hooks/T0SECRET-json";
const SLACK = "/services/T0SECRET/B0SECRET/slack";
auditSecret(TOKEN, HOOK, SLACK);

describe("watch --notify-webhook-file / --notify-slack-webhook-file / --argocd-token-file (CLI)", function () {
  this.timeout(120_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("notifies each decision as payload v1 and as Slack text, syncs Argo CD with the file's token, counts deliveries, and shows no secret", async () => {
    const received: { path: string; body: Record<string, unknown> }[] = [];
    const receiver = await startStandIn((req, res) => {
      received.push({ path: req.url, body: JSON.parse(req.body) as Record<string, unknown> });
      json(res, 200, { ok: true });
    });
    const argocd = await startStandIn((req, res) =>
      req.headers.authorization === `Bearer ${TOKEN}`
        ? json(res, 200, {})
        : json(res, 401, { error: "invalid session", code: 16 }),
    );
    const secrets = secretMount(join(tempDir("meshcanary-notify-cli-"), "secrets"), {
      webhook: `${receiver.url}${HOOK}\n`,
      slack: `${receiver.url}${SLACK}\n`,
      "argocd-token": `${TOKEN}\n`,
    });
    h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 2 } }) });
    const port = await freePort();
    const w = startCli(
      [
        "watch",
        "--repo",
        h.remote.bare,
        "--prometheus",
        h.prom.url,
        "--interval",
        "1s",
        "--listen",
        `127.0.0.1:${port}`,
        "--argocd-url",
        argocd.url,
        "--argocd-app",
        "recs-routes",
        "--argocd-token-file",
        secrets.path("argocd-token"),
        "--notify-webhook-file",
        secrets.path("webhook"),
        "--notify-slack-webhook-file",
        secrets.path("slack"),
        "--report-url-base",
        "https://meshcanary.example.com",
      ],
      h.remote.root,
      { ARGOCD_AUTH_TOKEN: "" },
    );
    try {
      await waitFor("an advance", () => decisionSubjects(h as Harness).length > 0, 40_000);
      await waitFor("both notices", () => received.length >= 2);
      await waitFor("the Argo CD sync", () => argocd.requests.length > 0);
      const head = h.remote.log().find((c) => c.subject.startsWith("advance recs/recommend: 20%"));
      const webhook = received.find((r) => r.path === HOOK)?.body;
      expect(webhook).to.deep.include({
        version: 1,
        kind: "decision",
        rollout: "recs/recommend",
        action: "advance",
        from: 20,
        to: 50,
        commit: head?.sha,
        report: "https://meshcanary.example.com/rollouts/recs/recommend",
      });
      const slack = received.find((r) => r.path === SLACK)?.body;
      expect(slack?.text).to.match(
        /^meshcanary advance recs\/recommend: 20% → 50%: healthy in 2 of 2 checks .* \(commit [0-9a-f]{12}\) <https:\/\/meshcanary\.example\.com\/rollouts\/recs\/recommend\|report>$/,
      );
      expect(argocd.requests[0]?.headers.authorization).to.equal(`Bearer ${TOKEN}`);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      auditOutput("/metrics of watch with notifications", metrics);
      expect(metrics).to.match(
        /meshcanary_notifications_total\{kind="webhook",result="delivered"\} [1-9]/,
      );
      expect(metrics).to.match(
        /meshcanary_notifications_total\{kind="slack",result="delivered"\} [1-9]/,
      );
      w.child.kill("SIGTERM");
      expect(await w.exited).to.equal(0);
      for (const text of [
        metrics,
        w.output().stderr,
        w.output().stdout,
        ...h.remote.log().map((c) => c.body + c.subject),
      ]) {
        expect(text).to.not.contain(TOKEN);
        expect(text).to.not.contain("T0SECRET");
      }
    } finally {
      w.child.kill("SIGTERM");
      await w.exited;
      await receiver.close();
      await argocd.close();
    }
  });
});
