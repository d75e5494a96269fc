/**
 * The report as a browser sees it: a realistic two-hour backtest rendered to a
 * file and opened in headless Chromium (Debian's, via playwright-core). The
 * page must load without console errors, request nothing but itself, draw every
 * series and SLA line with a real size, show the decisions with their reasons
 * on hover, and make a non-trivial screenshot.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { renderReport } from "../../src/report/render-report.js";
import type { ReportData } from "../../src/report/report-data.js";
import { launchChromium } from "../support/browser.js";
import { tempDir } from "../support/files.js";

/** Screenshots are kept here (overwritten each run) so a person can look at them. */
const SCREENSHOT_DIR = join(tmpdir(), "meshcanary-report-browser");

const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const STEP_MS = 30_000;
const POINTS = 240;
const at = (minutes: number) => T0 + minutes * 60_000;

const ROLLBACK_REASON =
  "p99 latency of v2 was 412 ms > 150 ms at 3 consecutive checks (57 canary requests)";

/** A deterministic pseudo-random sequence in [0, 1) (a 32-bit LCG), so the fixture is stable. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Two hours from 10:00 UTC at 30 s: v2 starts at 5 %, advances to 10 % at
 * 10:20 and 25 % at 10:40, degrades from 10:58 and is rolled back at 11:04,
 * after which it serves nothing (no canary data). Prometheus missed 10:30 to
 * 10:33 for both subsets.
 */
function canaryPerWindow(t: number): number {
  return t < at(20) ? 50 : t < at(40) ? 100 : 250;
}

function backtestFixture(): ReportData {
  const rnd = noise(7);
  const times: number[] = [];
  const latStable: (number | null)[] = [];
  const latCanary: (number | null)[] = [];
  const errStable: (number | null)[] = [];
  const errCanary: (number | null)[] = [];
  const rollbackAt = at(64);
  for (let i = 0; i < POINTS; i++) {
    const t = T0 + i * STEP_MS;
    times.push(t);
    const minute = (t - T0) / 60_000;
    const gap = minute >= 30 && minute < 33;
    const canaryServes = t <= rollbackAt;
    const degraded = minute >= 58 && canaryServes;
    latStable.push(gap ? null : 92 + 14 * Math.sin(minute / 9) + rnd() * 10);
    errStable.push(gap ? null : 0.002 + rnd() * 0.002);
    if (gap || !canaryServes) {
      latCanary.push(null);
      errCanary.push(null);
    } else {
      latCanary.push(degraded ? 250 + (minute - 58) * 30 + rnd() * 25 : 98 + rnd() * 16);
      errCanary.push(degraded ? 0.012 + rnd() * 0.008 : 0.003 + rnd() * 0.003);
    }
  }
  return {
    title: "Backtest of recs/recommend",
    rollout: "recs/recommend",
    fromMs: T0,
    toMs: T0 + 2 * 60 * 60_000,
    stableName: "v1",
    canaryName: "v2",
    sla: { quantileLabel: "p99", maxMs: 150, errorRateMax: 0.01 },
    times,
    latencyMs: { stable: latStable, canary: latCanary },
    errorRate: { stable: errStable, canary: errCanary },
    // The canary's requests follow its weight (5, 10, 25 % of 1,000 a window), none after the rollback.
    requests: {
      stable: times.map((t, i) =>
        errStable[i] === null ? null : 1000 - (errCanary[i] === null ? 0 : canaryPerWindow(t)),
      ),
      canary: times.map((t, i) => (errCanary[i] === null ? null : canaryPerWindow(t))),
    },
    weight: [
      { at: T0, weight: 5 },
      { at: at(20), weight: 10 },
      { at: at(40), weight: 25 },
      { at: rollbackAt, weight: 0 },
    ],
    decisions: [
      {
        at: at(20),
        action: "advance",
        from: 5,
        to: 10,
        reason: "canary healthy for 20 min: p99 104 ms ≤ 150 ms, errors 0.41 % ≤ 1 %",
      },
      {
        at: at(40),
        action: "advance",
        from: 10,
        to: 25,
        reason: "canary healthy for 20 min: p99 109 ms ≤ 150 ms, errors 0.44 % ≤ 1 %",
      },
      { at: rollbackAt, action: "rollback", from: 25, to: 0, reason: ROLLBACK_REASON },
    ],
    checks: [62, 63, 64].map((m) => ({
      at: at(m),
      kind: "breach",
      text: `${new Date(at(m)).toISOString()} breach: p99 latency 412 ms > 150 ms; 57 canary requests`,
    })),
    summary: `Would have rolled back at 11:04 UTC (25 % → 0 %) because ${ROLLBACK_REASON}.`,
  };
}

const SERIES = [
  "latency-stable",
  "latency-canary",
  "error-stable",
  "error-canary",
  "weight",
  "share",
];
const SLA_LINES = ["sla-latency", "sla-error"];

/** What `getBBox()` gives in the page (the tests compile without the DOM lib). */
interface BBoxed {
  getBBox(): { x: number; y: number; width: number; height: number };
}

interface Shape {
  readonly d: string;
  readonly width: number;
  readonly height: number;
}

/** A page opened from `fileUrl` that records console errors, page errors and every request, and lets only `fileUrl` through. */
async function openGuarded(browser: Browser, fileUrl: string) {
  const seen = {
    consoleErrors: [] as string[],
    pageErrors: [] as string[],
    requests: [] as string[],
  };
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on("console", (msg) => {
    if (msg.type() === "error") seen.consoleErrors.push(msg.text());
  });
  page.on("pageerror", (error) => seen.pageErrors.push(error.message));
  page.on("request", (request) => seen.requests.push(request.url()));
  await page.route("**/*", async (route) => {
    if (route.request().url() === fileUrl) await route.continue();
    else await route.abort("blockedbyclient");
  });
  await page.goto(fileUrl, { waitUntil: "load" });
  return { page, ...seen };
}

describe("report in headless Chromium", function () {
  this.timeout(30_000);

  let browser: Browser;
  let page: Page;
  let dir: string;
  let fileUrl: string;
  let consoleErrors: string[];
  let pageErrors: string[];
  let requests: string[];

  before(async () => {
    dir = tempDir("meshcanary-report-");
    const file = join(dir, "report.html");
    writeFileSync(file, renderReport(backtestFixture()));
    fileUrl = pathToFileURL(file).href;
    mkdirSync(SCREENSHOT_DIR, { recursive: true });

    browser = await launchChromium();
    ({ page, consoleErrors, pageErrors, requests } = await openGuarded(browser, fileUrl));
  });

  after(async () => {
    await browser?.close();
  });

  it("has a request guard that does see a fetch (so an empty list means something)", async () => {
    const file = join(dir, "fetching.html");
    writeFileSync(file, '<!DOCTYPE html><img src="http://192.0.2.1/x.png"><p>x</p>');
    const url = pathToFileURL(file).href;
    const guarded = await openGuarded(browser, url);
    try {
      expect(guarded.requests).to.deep.equal([url, "http://192.0.2.1/x.png"]);
    } finally {
      await guarded.page.close();
    }
  });

  it("loads with no console error, no page error and no request but the file itself", () => {
    expect(consoleErrors, "console errors").to.deep.equal([]);
    expect(pageErrors, "page errors").to.deep.equal([]);
    expect(requests, "requests").to.deep.equal([fileUrl]);
    expect(page.url()).to.equal(fileUrl);
  });

  it("draws the six series and the two SLA lines with a real size", async () => {
    const found = await page.locator("[data-series], [data-line]").evaluateAll((els) =>
      els.map((el) => {
        const box = (el as unknown as BBoxed).getBBox();
        return {
          key: el.getAttribute("data-series") ?? el.getAttribute("data-line") ?? "?",
          d: el.getAttribute("d") ?? "",
          width: box.width,
          height: box.height,
        };
      }),
    );
    const shapes: Record<string, Shape[]> = {};
    for (const { key, ...shape } of found) shapes[key] = [...(shapes[key] ?? []), shape];
    expect(Object.keys(shapes).sort()).to.deep.equal([...SERIES, ...SLA_LINES].sort());
    for (const key of SERIES) {
      const [shape, ...more] = shapes[key] as Shape[];
      expect(more, key).to.have.length(0);
      expect(shape?.d, key).to.match(/^M/);
      expect(shape?.width, `${key} width`).to.be.greaterThan(100);
      // A line over time has height too, except a flat one; the weight steps are not flat here.
      expect(shape?.height, `${key} height`).to.be.greaterThan(0);
    }
    for (const key of SLA_LINES) {
      const [shape, ...more] = shapes[key] as Shape[];
      expect(more, key).to.have.length(0);
      expect(shape?.width, `${key} width`).to.be.greaterThan(500);
    }
    // The scrape gap splits both latency lines; the canary also stops at the rollback.
    const segments = (key: string) => ((shapes[key] as Shape[])[0]?.d.match(/M/g) ?? []).length;
    expect(segments("latency-stable")).to.equal(2);
    expect(segments("latency-canary")).to.equal(2);
  });

  it("puts the SLA lines where their values are on the axis", async () => {
    const labels = await page
      .locator("svg[data-chart] text.sla-label")
      .evaluateAll((els) => els.map((e) => e.textContent));
    expect(labels).to.deep.equal(["SLA p99 ≤ 150 ms", "SLA ≤ 1.00 %"]);
    // The canary's degraded latency rises above the SLA line: some path point is above it (smaller y).
    const slaY = Number(await page.locator('[data-line="sla-latency"]').getAttribute("y1"));
    const canaryTop = await page
      .locator('[data-series="latency-canary"]')
      .evaluate((el) => (el as unknown as BBoxed).getBBox().y);
    const stableTop = await page
      .locator('[data-series="latency-stable"]')
      .evaluate((el) => (el as unknown as BBoxed).getBBox().y);
    expect(slaY).to.be.greaterThan(0);
    expect(canaryTop, "canary peak above the SLA line").to.be.lessThan(slaY);
    expect(stableTop, "stable stays below the SLA line").to.be.greaterThan(slaY);
  });

  it("marks the three decisions on every chart, with the reason on hover", async () => {
    for (const chart of ["latency", "error", "weight"]) {
      const markers = page.locator(`svg[data-chart="${chart}"] [data-decision]`);
      expect(await markers.count(), chart).to.equal(3);
      const actions = await markers.evaluateAll((els) =>
        els.map((e) => e.getAttribute("data-decision")),
      );
      expect(actions, chart).to.deep.equal(["advance", "advance", "rollback"]);
    }
    const rollback = page.locator('svg[data-chart="latency"] [data-decision="rollback"]');
    const circle = rollback.locator("circle");
    await circle.hover();
    const box = await circle.boundingBox();
    expect(box?.width).to.be.greaterThan(5);
    // The pointer is over the rollback marker (nothing covers it), whose tooltip is its <title>.
    expect(await rollback.evaluate((g) => g.matches(":hover"))).to.equal(true);
    expect(await circle.evaluate((c) => c.matches(":hover"))).to.equal(true);
    const hovered = await rollback.locator("title").textContent();
    expect(hovered).to.contain(ROLLBACK_REASON);
    expect(hovered).to.contain("2026-11-20T11:04:00.000Z");
    expect(hovered).to.contain("rollback: canary weight 25% → 0%");
    // The breach checks are there as small markers with their text.
    const checks = await page
      .locator('svg[data-chart="latency"] [data-check="breach"] title')
      .allTextContents();
    expect(checks).to.have.length(3);
    expect(checks[0]).to.contain("breach: p99 latency 412 ms > 150 ms");
  });

  it("shows legends, axis titles and UTC ticks", async () => {
    const legend = await page.locator("#chart-latency .legend").textContent();
    expect(legend).to.contain("stable (v1)");
    expect(legend).to.contain("canary (v2)");
    expect(legend).not.to.contain("no data");
    const ticks = await page
      .locator('svg[data-chart="latency"] g.x-axis text')
      .evaluateAll((els) => els.map((e) => e.textContent));
    expect(ticks).to.include.members([
      "10:00",
      "10:30",
      "11:00",
      "12:00",
      "time (UTC), 2026-11-20",
    ]);
    const header = await page.locator("header").textContent();
    expect(header).to.contain("2026-11-20T10:00:00.000Z");
    expect(header).to.contain("2026-11-20T12:00:00.000Z");
    expect(header).to.contain("Would have rolled back at 11:04 UTC");
  });

  it("makes a screenshot with much more in it than a blank page", async () => {
    const shot = join(SCREENSHOT_DIR, "report.png");
    await page.screenshot({ path: shot, fullPage: true });
    const blankShot = join(SCREENSHOT_DIR, "blank.png");
    const blank = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    try {
      await blank.setContent("<!DOCTYPE html><html><body></body></html>");
      await blank.screenshot({ path: blankShot, fullPage: true });
    } finally {
      await blank.close();
    }
    const png = readFileSync(shot);
    expect(png.subarray(0, 8).toString("hex")).to.equal("89504e470d0a1a0a");
    // IHDR: width and height, big-endian, at bytes 16–23. The page is taller than the viewport.
    expect(png.readUInt32BE(16)).to.equal(1100);
    expect(png.readUInt32BE(20)).to.be.greaterThan(900);
    const size = statSync(shot).size;
    expect(size).to.be.greaterThan(40 * 1024);
    expect(size).to.be.greaterThan(10 * statSync(blankShot).size);
  });
});
