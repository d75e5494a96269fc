/**
 * The live overview as a person sees it: `meshcanary watch --listen` (the
 * built CLI) on a GitOps repo with three rollouts and a broken spec, real
 * Prometheus and git, the traffic simulator standing in for the mesh, and
 * headless Chromium loading `/`. Recommend is taken through to promotion,
 * ranker holds on no data, search was rolled back before (its status reason
 * holds a script tag, as anyone with write access to the repo could write).
 */
import { expect } from "chai";
import fetch from "node-fetch";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../support/browser.js";
import { type RunningCli, startCli } from "../support/cli.js";
import { freePort } from "../support/free-port.js";
import { makeSpec, specYaml } from "../support/make-spec.js";
import { fastSpec } from "../support/rollout-repo.js";
import {
  decisionSubjects,
  type Harness,
  startHarness,
  waitFor,
} from "../support/watchdog-harness.js";

const EVIL = `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">`;

const ranker = makeSpec({
  metadata: { name: "ranker" },
  spec: {
    service: { host: "ranker" },
    traffic: { canaryWeight: 10, steps: [10, 50, 100] },
    analysis: { interval: "1s", window: "5s", minRequests: 20, sla: { latency: { maxMs: 150 } } },
  },
});

const search = makeSpec({
  metadata: { name: "search", namespace: "web" },
  spec: { service: { host: "search" }, traffic: { canaryWeight: 0 } },
  status: {
    phase: "RolledBack",
    reason: EVIL,
    lastDecision: { action: "rollback", at: "2026-11-30T10:00:00Z" },
  },
});

const broken = makeSpec({ metadata: { name: "Not_A_Label" } });

interface Row {
  readonly phase: string;
  readonly weight: string;
  readonly step: string;
  readonly check: string;
  readonly decision: string;
  readonly commit: string | null;
  readonly now: string;
}

async function row(page: Page, id: string): Promise<Row> {
  const tr = page.locator(`tr[data-rollout="${id}"]`);
  const text = async (cls: string) =>
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads (a <br> is a line break)
    (await tr.locator(`td.${cls}`).innerText()).trim();
  const commit = tr.locator("td.decision code");
  return {
    phase: await text("phase"),
    weight: await text("weight"),
    step: await text("step"),
    check: await text("check"),
    decision: await text("decision"),
    commit: (await commit.count()) === 0 ? null : await commit.getAttribute("title"),
    now: await text("now"),
  };
}

describe("overview page in headless Chromium", function () {
  this.timeout(180_000);

  let h: Harness;
  let cli: RunningCli;
  let base: string;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  let loads = 0;

  before(async () => {
    h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 2 } }) });
    h.remote.commit("more rollouts", {
      "rollouts/ranker.yaml": specYaml(ranker),
      "rollouts/search.yaml": specYaml(search),
      "rollouts/broken.yaml": specYaml(broken),
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    cli = startCli(
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
      ],
      h.remote.root,
    );
    await waitFor(
      "the promotion",
      () => decisionSubjects(h).includes("promote recs/recommend: v2 is now stable"),
      120_000,
    );
    // The cycle after the push loads the promoted spec.
    await waitFor("the overview to show the promotion", async () => {
      const text = await (await fetch(`${base}/`)).text();
      return /data-rollout="recs\/recommend"><td[\s\S]*?>Promoted</.test(text);
    });

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on("console", (msg) => {
      if (msg.type() === "error") consoleErrors.push(msg.text());
    });
    page.on("request", (request) => requests.push(request.url()));
    page.on("load", () => {
      loads++;
    });
    // Only the watchdog's own pages get through: anything else the page asked for would show up blocked.
    await page.route("**/*", async (route) => {
      if (route.request().url().startsWith(`${base}/`)) await route.continue();
      else await route.abort("blockedbyclient");
    });
    const response = await page.goto(`${base}/`, { waitUntil: "load" });
    expect(response?.status()).to.equal(200);
  });

  after(async () => {
    await browser?.close();
    if (cli !== undefined) {
      cli.child.kill("SIGTERM");
      await cli.exited;
    }
    await h?.close();
  });

  it("lists every rollout with phase, weight, step, newest check, last decision and commit", async () => {
    expect(await page.title()).to.equal("meshcanary: 3 rollouts");
    expect(await page.locator("tbody tr").count()).to.equal(3);

    const recommend = await row(page, "recs/recommend");
    const promoted = h.remote.log().find((c) => c.subject.startsWith("promote recs/recommend"));
    expect([recommend.phase, recommend.weight, recommend.step]).to.deep.equal([
      "Promoted",
      "0%",
      "0/3",
    ]);
    expect(recommend.check).to.match(/^healthy at 100%, \S+Z\n/);
    expect(recommend.check).to.match(/p99 latency [\d.]+ ms ≤ 150 ms/);
    expect(recommend.decision).to.match(/^promote 100% → stable, \S+Z\n/);
    expect(recommend.commit).to.equal(promoted?.sha);

    const rankerRow = await row(page, "recs/ranker");
    expect([rankerRow.phase, rankerRow.weight, rankerRow.step]).to.deep.equal([
      "Progressing",
      "10%",
      "1/3",
    ]);
    expect(rankerRow.check).to.match(/^nodata at 10%/);
    expect(rankerRow.decision).to.equal("none");
    expect(rankerRow.now).to.match(/^hold: /);

    const searchRow = await row(page, "web/search");
    expect([searchRow.phase, searchRow.weight, searchRow.step]).to.deep.equal([
      "RolledBack",
      "0%",
      "0/5",
    ]);
    expect(searchRow.check).to.equal("not checked");
    // The reason is shown as the text it is, not run.
    expect(searchRow.decision).to.contain(`rollback, 2026-11-30T10:00:00.000Z\n${EVIL}\n`);
    expect(searchRow.decision).to.contain("before this watchdog started");

    const problems = await page.locator("#problems").textContent();
    expect(problems).to.match(/1 spec problem: those files are skipped/);
    expect(problems).to.contain("rollouts/broken.yaml:");
  });

  it("runs no script: none in the page, the reason's script inert, and the policy blocks one added later", async () => {
    expect(await page.evaluate("document.scripts.length")).to.equal(0);
    expect(await page.evaluate("typeof window.pwned")).to.equal("undefined");
    expect(consoleErrors, "console errors").to.deep.equal([]);
    // The Content-Security-Policy is in force: a script element added now does not run.
    const ran = await page.evaluate(`(() => {
      const s = document.createElement("script");
      s.textContent = "window.injected = 1";
      document.body.append(s);
      return typeof window.injected;
    })()`);
    expect(ran).to.equal("undefined");
    expect(requests.every((url) => url === `${base}/`)).to.equal(true);
  });

  it("reloads itself with a meta refresh", async () => {
    const content = await page.locator('meta[http-equiv="refresh"]').getAttribute("content");
    expect(content).to.equal("5");
    const before = loads;
    await waitFor("the browser to reload the page", () => loads > before, 20_000);
    expect(page.url()).to.equal(`${base}/`);
  });

  it("sends the page gzipped only to a client that takes it, with headers that forbid scripts and framing", async () => {
    const plain = await fetch(`${base}/`, { headers: { "accept-encoding": "identity" } });
    const zipped = await fetch(`${base}/`, { headers: { "accept-encoding": "gzip" } });
    expect(plain.headers.get("content-encoding")).to.equal(null);
    expect(zipped.headers.get("content-encoding")).to.equal("gzip");
    expect(Number(zipped.headers.get("content-length"))).to.be.below(
      Number(plain.headers.get("content-length")),
    );
    // node-fetch inflates it: the same page either way (one cycle apart at most).
    const [a, b] = [await plain.text(), await zipped.text()];
    expect(b.slice(0, 200)).to.equal(a.slice(0, 200));
    expect(zipped.headers.get("content-security-policy")).to.match(
      /^default-src 'none';.*frame-ancestors 'none'/,
    );
    expect(zipped.headers.get("x-content-type-options")).to.equal("nosniff");
  });

  it("links each rollout to its report", async () => {
    await page.locator('tr[data-rollout="recs/recommend"] td.rollout a').click();
    await page.waitForURL(`${base}/rollouts/recs/recommend`);
    expect(await page.title()).to.equal("Status of recs/recommend");
    expect(await page.locator("svg.chart").count()).to.equal(3);
    expect(await page.locator(".summary").textContent()).to.match(/^Promoted at 0% as of /);
    // The canary served traffic in the last hour: its latency is drawn.
    expect(await page.locator('[data-series="latency-canary"]').count()).to.equal(1);
    expect(requests.every((url) => url.startsWith(`${base}/`))).to.equal(true);
    const missing = await fetch(`${base}/rollouts/recs/nope`);
    expect(missing.status).to.equal(404);
  });
});
