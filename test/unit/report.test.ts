import { expect } from "chai";
import { escapeHtml } from "../../src/report/html.js";
import { renderReport } from "../../src/report/render-report.js";
import type { ReportData } from "../../src/report/report-data.js";
import { statusReport } from "../../src/report/status-report.js";
import {
  formatTick,
  formatTimeTick,
  isoUtc,
  linearScale,
  linePath,
  niceStep,
  niceTicks,
  segmentCount,
  stepPath,
  timeDomain,
  timeTicks,
  valueAxis,
} from "../../src/report/svg-chart.js";
import { canarySharePercent, shareByWeight } from "../../src/report/traffic-share.js";
import { makeRollout, makeSpec } from "../support/make-spec.js";

const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const MIN = 60_000;

/** Ten one-minute samples from 10:00 UTC, one decision, one check. */
function base(overrides: Partial<ReportData> = {}): ReportData {
  const times = Array.from({ length: 10 }, (_, i) => T0 + i * MIN);
  return {
    title: "Backtest of recs/recommend",
    rollout: "recs/recommend",
    fromMs: T0,
    toMs: T0 + 9 * MIN,
    stableName: "v1",
    canaryName: "v2",
    sla: { quantileLabel: "p99", maxMs: 150, errorRateMax: 0.01 },
    times,
    latencyMs: {
      stable: times.map((_, i) => 90 + i),
      canary: times.map((_, i) => 100 + 20 * i),
    },
    errorRate: {
      stable: times.map(() => 0.002),
      canary: times.map((_, i) => 0.001 * i),
    },
    requests: {
      stable: times.map(() => 900),
      canary: times.map((_, i) => (i < 6 ? 100 : 0)),
    },
    weight: [
      { at: T0, weight: 10 },
      { at: T0 + 6 * MIN, weight: 0 },
    ],
    decisions: [
      {
        at: T0 + 6 * MIN,
        action: "rollback",
        from: 10,
        to: 0,
        reason: "p99 latency 220 ms > 150 ms",
      },
    ],
    checks: [{ at: T0 + 5 * MIN, kind: "breach", text: "breach: p99 latency 200 ms > 150 ms" }],
    summary: "Would have rolled back at 10:06 UTC.",
    ...overrides,
  };
}

/** The `d` of every `<path data-series="key" d="...">`. */
function seriesPaths(page: string, key: string): string[] {
  const re = new RegExp(`<path data-series="${key}" d="([^"]*)"`, "g");
  return [...page.matchAll(re)].map((m) => m[1] ?? "");
}

function count(page: string, needle: string): number {
  return page.split(needle).length - 1;
}

/** The text of the `<li data-legend="key">`, tags stripped. */
function legendText(page: string, key: string): string[] {
  const re = new RegExp(`<li data-legend="${key}">(.*?)</li>`, "g");
  return [...page.matchAll(re)].map((m) => (m[1] ?? "").replace(/<[^>]*>/g, ""));
}

describe("report: nice ticks", () => {
  const table: [number, number, number, number[]][] = [
    // [requested max, step, axis max, ticks]
    [1, 0.2, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [7, 2, 8, [0, 2, 4, 6, 8]],
    [10, 2, 10, [0, 2, 4, 6, 8, 10]],
    [11, 2.5, 12.5, [0, 2.5, 5, 7.5, 10, 12.5]],
    [165, 50, 200, [0, 50, 100, 150, 200]],
    [462, 100, 500, [0, 100, 200, 300, 400, 500]],
    [0.033, 0.01, 0.04, [0, 0.01, 0.02, 0.03, 0.04]],
    [1.1, 0.25, 1.25, [0, 0.25, 0.5, 0.75, 1, 1.25]],
    [3e9, 1e9, 3e9, [0, 1e9, 2e9, 3e9]],
  ];
  for (const [max, step, top, ticks] of table) {
    it(`covers ${max} with step ${step} up to ${top}`, () => {
      const t = niceTicks(max, 5);
      expect(t.step).to.equal(step);
      expect(t.max).to.equal(top);
      expect(t.ticks).to.deep.equal(ticks);
      expect(t.max).to.be.at.least(max);
    });
  }

  it("gives 0–1 for zero, negative, NaN and Infinity", () => {
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(niceTicks(bad).ticks, String(bad)).to.deep.equal([0, 0.2, 0.4, 0.6, 0.8, 1]);
    }
  });

  it("stays finite for the largest doubles", () => {
    const t = niceTicks(Number.MAX_VALUE);
    expect(Number.isFinite(t.max)).to.equal(true);
    expect(t.ticks.every(Number.isFinite)).to.equal(true);
  });

  it("picks 1, 2, 2.5, 5 × 10^k steps", () => {
    expect([0.7, 1, 1.3, 2.2, 3, 6, 0.012].map(niceStep)).to.deep.equal([
      1, 1, 2, 2.5, 5, 10, 0.02,
    ]);
  });

  it("covers the data and the SLA line with headroom, ignoring NaN and Infinity", () => {
    expect(valueAxis([[10, null, 80]], [150]).max).to.equal(200); // 165 → 200
    expect(valueAxis([[10, 420, Number.NaN]], [150]).max).to.equal(500); // 462 → 500
    expect(valueAxis([[Number.POSITIVE_INFINITY, 3]], []).max).to.equal(4); // 3.3 → 4
    expect(valueAxis([[null, null]], []).max).to.equal(1);
  });

  it("labels ticks with the step's decimals", () => {
    expect([0, 0.25, 0.5].map((v) => formatTick(v, 0.25))).to.deep.equal(["0.00", "0.25", "0.50"]);
    expect([0, 2.5, 5].map((v) => formatTick(v, 2.5))).to.deep.equal(["0.0", "2.5", "5.0"]);
    expect([0, 100].map((v) => formatTick(v, 100))).to.deep.equal(["0", "100"]);
    expect([0, 2500, 5000, 7500].map((v) => formatTick(v, 2500, 7500))).to.deep.equal([
      "0",
      "2500",
      "5000",
      "7500",
    ]);
    // From an axis of 10 000 up: SI suffixes, then exponents.
    expect(
      [0, 250_000, 1e6, 1_250_000].map((v) => formatTick(v, 250_000, 1_250_000)),
    ).to.deep.equal(["0", "250k", "1M", "1.25M"]);
    expect(formatTick(2e9, 1e9, 3e9)).to.equal("2G");
    expect(formatTick(2e300, 1e300, 3e300)).to.equal("2e+300");
  });
});

describe("report: time axis", () => {
  it("ticks every 15 min over two hours, labelled HH:MM in UTC", () => {
    const { step, ticks } = timeTicks(T0, T0 + 120 * MIN, 8);
    expect(step).to.equal(15 * MIN);
    expect(ticks.map((t) => formatTimeTick(t, step))).to.deep.equal([
      "10:00",
      "10:15",
      "10:30",
      "10:45",
      "11:00",
      "11:15",
      "11:30",
      "11:45",
      "12:00",
    ]);
  });

  it("starts at the first round instant after an odd start", () => {
    const { step, ticks } = timeTicks(T0 + 7 * MIN, T0 + 37 * MIN, 8);
    expect(step).to.equal(5 * MIN);
    expect(ticks.map((t) => formatTimeTick(t, step))).to.deep.equal([
      "10:10",
      "10:15",
      "10:20",
      "10:25",
      "10:30",
      "10:35",
    ]);
  });

  it("shows seconds below a minute's step, and the date at midnight and for day steps", () => {
    expect(formatTimeTick(T0 + 15_000, 15_000)).to.equal("10:00:15");
    const midnight = Date.UTC(2026, 10, 21);
    expect(formatTimeTick(midnight, 3 * 60 * MIN)).to.equal("11-21 00:00");
    expect(formatTimeTick(midnight, 24 * 60 * MIN)).to.equal("11-21");
    expect(formatTimeTick(Number.NaN, MIN)).to.equal("?");
  });

  it("widens an empty range, swaps a reversed one, and falls back to the samples", () => {
    expect(timeDomain(T0, T0, [])).to.deep.equal({ from: T0 - MIN, to: T0 + MIN });
    expect(timeDomain(T0 + MIN, T0, [])).to.deep.equal({ from: T0, to: T0 + MIN });
    expect(timeDomain(Number.NaN, Number.POSITIVE_INFINITY, [T0, T0 + 5 * MIN])).to.deep.equal({
      from: T0,
      to: T0 + 5 * MIN,
    });
  });

  it("prints ISO 8601 UTC with Z, and never throws on a bad time", () => {
    expect(isoUtc(T0)).to.equal("2026-11-20T10:00:00.000Z");
    expect(isoUtc(Number.NaN)).to.equal("invalid time");
    expect(isoUtc(1e300)).to.equal("invalid time");
  });
});

describe("report: paths", () => {
  const sx = linearScale(0, 10, 0, 100);
  const sy = linearScale(0, 100, 100, 0);

  it("maps linearly, and a zero-width domain to the middle", () => {
    expect([0, 5, 10].map(sx)).to.deep.equal([0, 50, 100]);
    expect(linearScale(3, 3, 0, 100)(3)).to.equal(50);
  });

  it("draws a line through every point", () => {
    expect(linePath([0, 1, 2], [0, 50, 100], sx, sy)).to.equal("M0,100L10,50L20,0");
  });

  it("breaks the line at a gap instead of drawing it as zero", () => {
    const d = linePath([0, 1, 2, 3, 4], [10, 20, null, 40, 50], sx, sy);
    expect(d).to.equal("M0,90L10,80M30,60L40,50");
    expect(segmentCount(d)).to.equal(2);
    expect(d).not.to.contain(",100"); // no point at y = 0
  });

  it("treats NaN and ±Infinity as gaps", () => {
    const d = linePath([0, 1, 2, 3, 4], [10, Number.NaN, 30, Number.POSITIVE_INFINITY, 50], sx, sy);
    expect(d).to.equal("M0,90h0M20,70h0M40,50h0");
    expect(d).not.to.match(/NaN|Infinity/);
  });

  it("draws nothing for an all-gap series and a dot for a single point", () => {
    expect(linePath([0, 1], [null, null], sx, sy)).to.equal("");
    expect(linePath([5], [50], sx, sy)).to.equal("M50,50h0");
  });

  it("keeps huge values inside printable coordinates", () => {
    const d = linePath([0, 1], [1e308, 5], sx, sy);
    expect(d).not.to.match(/e\+|NaN|Infinity/);
  });

  it("draws steps that hold until the next step or the end", () => {
    const steps = [
      { at: 0, value: 10 },
      { at: 2, value: 50 },
      { at: 6, value: 0 },
    ];
    expect(stepPath(steps, 10, sx, sy)).to.equal("M0,90H20V50H60V100H100");
    const withGap = [
      { at: 0, value: 10 },
      { at: 2, value: null },
      { at: 6, value: 0 },
    ];
    expect(segmentCount(stepPath(withGap, 10, sx, sy))).to.equal(2);
  });
});

describe("report: the page", () => {
  it("is deterministic: the same data gives the same bytes", () => {
    const a = renderReport(base());
    const b = renderReport(base());
    const c = renderReport(JSON.parse(JSON.stringify(base())) as ReportData);
    expect(a).to.equal(b);
    expect(a).to.equal(c);
  });

  it("is one self-contained page: no script, no external resource", () => {
    const page = renderReport(base());
    expect(page.startsWith("<!DOCTYPE html>")).to.equal(true);
    expect(page).not.to.match(/<script/i);
    expect(page).not.to.match(/\bsrc=/i);
    expect(page).not.to.match(/@import|@font-face/i);
    // The only href is the empty data: favicon; url() only names the clip paths in the page.
    expect([...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).to.deep.equal(["data:,"]);
    const urls = new Set([...page.matchAll(/url\(([^)]*)\)/g)].map((m) => m[1]));
    expect([...urls]).to.deep.equal(["#clip-latency", "#clip-error", "#clip-weight"]);
    expect(page).to.contain("Content-Security-Policy");
    expect(page).to.contain("default-src 'none'");
  });

  it("shows title, summary, rollout and the UTC time range", () => {
    const page = renderReport(base());
    expect(page).to.contain("<title>Backtest of recs/recommend</title>");
    expect(page).to.contain("<h1>Backtest of recs/recommend</h1>");
    expect(page).to.contain('<p class="summary">Would have rolled back at 10:06 UTC.</p>');
    expect(page).to.contain("<code>recs/recommend</code>");
    expect(page).to.contain(
      '<time datetime="2026-11-20T10:00:00.000Z">2026-11-20T10:00:00.000Z</time> → <time datetime="2026-11-20T10:09:00.000Z">2026-11-20T10:09:00.000Z</time>',
    );
  });

  it("has the three charts, each with a sentence, axis titles with units and the date", () => {
    const page = renderReport(base());
    for (const heading of [
      "Latency at the SLA quantile",
      "Error rate",
      "Canary weight and actual share",
    ]) {
      expect(page).to.contain(`<h2>${heading}</h2>`);
    }
    expect(count(page, '<p class="what">')).to.be.at.least(3);
    expect(page).to.contain(">p99 latency (ms)</text>");
    expect(page).to.contain(">error rate (%)</text>");
    expect(page).to.contain(">canary weight / share (%)</text>");
    expect(count(page, ">time (UTC), 2026-11-20</text>")).to.equal(3);
    // Nine minutes at a 2 min step.
    for (const tick of ["10:00", "10:02", "10:04", "10:06", "10:08"]) {
      expect(page).to.contain(`>${tick}</text>`);
    }
    expect(page).not.to.contain(">10:01</text>");
  });

  it("draws every series once, named by subset in the legends", () => {
    const page = renderReport(base());
    for (const key of [
      "latency-stable",
      "latency-canary",
      "error-stable",
      "error-canary",
      "weight",
    ]) {
      const paths = seriesPaths(page, key);
      expect(paths, key).to.have.length(1);
      expect(paths[0], key).to.match(/^M[\d.]+,[\d.]+/);
    }
    expect(legendText(page, "latency-stable")).to.deep.equal(["stable (v1)"]);
    expect(legendText(page, "latency-canary")).to.deep.equal(["canary (v2)"]);
    expect(legendText(page, "error-stable")).to.deep.equal(["stable (v1)"]);
    expect(legendText(page, "error-canary")).to.deep.equal(["canary (v2)"]);
    expect(legendText(page, "weight")).to.deep.equal(["canary (v2) weight"]);
    expect(legendText(page, "decision-rollback")).to.deep.equal([
      "rollback",
      "rollback",
      "rollback",
    ]);
  });

  it("draws the canary's actual share beside its weight, from the request counts", () => {
    const page = renderReport(base());
    expect(legendText(page, "share")).to.deep.equal(["canary (v2) actual share"]);
    const [share] = seriesPaths(page, "share");
    // 100 of 1000 requests (10 %) while the canary served, 0 % after the rollback: one line, ten points.
    expect(share).to.match(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){9}$/);
  });

  it("tables the canary's actual share at each weight, which stickiness moves away from the weight", () => {
    // At 10 % the canary got 30 % (sticky clients stay); after the rollback to 0 %, none.
    const page = renderReport(
      base({
        requests: {
          stable: [700, 700, 700, 700, 700, 700, 800, 800, 800, 800],
          canary: [300, 300, 300, 300, 300, 300, 0, 0, 0, 0],
        },
      }),
    );
    const rows = [...page.matchAll(/<td>(\d+)%<\/td><td data-share="([\d.]*)">/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(rows).to.deep.equal([
      ["10", "30.0"],
      ["0", "0.0"],
    ]);
  });

  it("says no requests for a weight without any, and draws no share line without counts", () => {
    const none = base({ requests: { stable: [], canary: [] } });
    expect(shareByWeight(none).map((s) => s.canaryPercent)).to.deep.equal([null, null]);
    expect(seriesPaths(renderReport(none), "share")).to.deep.equal([]);
    expect(renderReport(none)).to.contain("no requests");
  });

  it("counts a sample at a weight change for the new weight and the last sample for the last weight", () => {
    const data = base({
      requests: { stable: Array(10).fill(50), canary: [50, 50, 50, 50, 50, 50, 0, 0, 0, 0] },
    });
    expect(shareByWeight(data)).to.deep.equal([
      { weight: 10, fromMs: T0, toMs: T0 + 6 * MIN, canaryPercent: 50, samples: 6 },
      { weight: 0, fromMs: T0 + 6 * MIN, toMs: T0 + 9 * MIN, canaryPercent: 0, samples: 4 },
    ]);
    expect(canarySharePercent(data).slice(5, 7)).to.deep.equal([50, 0]);
  });

  it("uses the subset names from the data", () => {
    const page = renderReport(base({ stableName: "model-2025", canaryName: "model-2026" }));
    expect(legendText(page, "latency-stable")).to.deep.equal(["stable (model-2025)"]);
    expect(legendText(page, "error-canary")).to.deep.equal(["canary (model-2026)"]);
  });

  it("draws the SLA lines with their labels when set", () => {
    const page = renderReport(base());
    expect(count(page, 'data-line="sla-latency"')).to.equal(1);
    expect(count(page, 'data-line="sla-error"')).to.equal(1);
    expect(page).to.contain(">SLA p99 ≤ 150 ms</text>");
    expect(page).to.contain(">SLA ≤ 1.00 %</text>");
    // The latency axis covers the data (max 280 ms × 1.1) and the SLA line.
    expect(page).to.contain('dy="0.32em" text-anchor="end">300</text>');
  });

  it("omits the latency SLA line when the spec sets none", () => {
    const { maxMs: _, ...sla } = base().sla;
    const page = renderReport(base({ sla }));
    expect(page).not.to.contain('data-line="sla-latency"');
    expect(page).not.to.contain("SLA p99");
    expect(page).to.contain("no latency SLA");
    expect(count(page, 'data-line="sla-error"')).to.equal(1);
  });

  it("splits a series at a null into two segments", () => {
    const data = base();
    const canary = [...data.latencyMs.canary];
    canary[4] = null;
    const page = renderReport(base({ latencyMs: { stable: data.latencyMs.stable, canary } }));
    const [d] = seriesPaths(page, "latency-canary");
    expect(segmentCount(d ?? "")).to.equal(2);
    const [stable] = seriesPaths(page, "latency-stable");
    expect(segmentCount(stable ?? "")).to.equal(1);
  });

  it("draws nothing for an all-null series but keeps its legend entry, saying no data", () => {
    const data = base();
    const canary = data.times.map(() => null);
    const page = renderReport(
      base({
        latencyMs: { stable: data.latencyMs.stable, canary },
        errorRate: { stable: data.errorRate.stable, canary: data.times.map(() => Number.NaN) },
      }),
    );
    expect(seriesPaths(page, "latency-canary")).to.deep.equal([]);
    expect(seriesPaths(page, "error-canary")).to.deep.equal([]);
    expect(seriesPaths(page, "latency-stable")).to.have.length(1);
    expect(legendText(page, "latency-canary")).to.deep.equal(["canary (v2)(no data)"]);
    expect(legendText(page, "error-canary")).to.deep.equal(["canary (v2)(no data)"]);
    expect(legendText(page, "latency-stable")).to.deep.equal(["stable (v1)"]);
  });

  it("survives a single point, an empty time range and wild values", () => {
    const page = renderReport(
      base({
        fromMs: T0,
        toMs: T0,
        times: [T0],
        latencyMs: { stable: [1e308], canary: [Number.POSITIVE_INFINITY] },
        errorRate: { stable: [Number.NaN], canary: [0.5] },
        weight: [{ at: T0, weight: 50 }],
        decisions: [],
        checks: [],
      }),
    );
    expect(page).not.to.match(/NaN|Infinity|undefined/);
    expect(seriesPaths(page, "latency-stable")).to.have.length(1);
    expect(seriesPaths(page, "latency-canary")).to.deep.equal([]);
    expect(seriesPaths(page, "error-canary")[0]).to.match(/h0$/);
    expect(page).to.contain("No decision in this time range.");
    const empty = renderReport(
      base({
        times: [],
        latencyMs: { stable: [], canary: [] },
        errorRate: { stable: [], canary: [] },
        weight: [],
      }),
    );
    expect(empty).not.to.match(/NaN|Infinity|undefined/);
    expect(count(empty, "<path data-series=")).to.equal(0);
  });

  it("marks each decision on every chart with time, action, weights and reason as its title", () => {
    const page = renderReport(base());
    expect(count(page, 'data-decision="rollback"')).to.equal(3);
    expect(page).to.contain(
      "<title>2026-11-20T10:06:00.000Z\nrollback: canary weight 10% → 0%\np99 latency 220 ms &gt; 150 ms</title>",
    );
    expect(count(page, 'data-check="breach"')).to.equal(3);
    expect(page).to.contain("<title>breach: p99 latency 200 ms &gt; 150 ms</title>");
  });

  it("escapes every string from the data", () => {
    const hostile = "</title><script>alert(1)</script>";
    const attr = `x" onmouseover="alert(2)`;
    const page = renderReport(
      base({
        title: hostile,
        rollout: `ns/${hostile}`,
        stableName: `<img src=x onerror=alert(3)>`,
        canaryName: attr,
        summary: hostile,
        sla: { quantileLabel: hostile, maxMs: 150, errorRateMax: 0.01 },
        decisions: [{ at: T0 + 6 * MIN, action: "rollback", from: 10, to: 0, reason: hostile }],
        checks: [{ at: T0 + 5 * MIN, kind: attr, text: hostile }],
      }),
    );
    expect(page).not.to.match(/<script/i);
    expect(page).not.to.match(/<img/i);
    expect(page).not.to.contain('" onmouseover="');
    expect(page).to.contain("<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>");
    expect(page).to.contain("&lt;img src=x onerror=alert(3)&gt;");
    expect(page).to.contain('data-check="x&quot; onmouseover=&quot;alert(2)"');
    // Every <title> we open is closed by us: 1 page title + 3 charts × (1 decision + 1 check).
    expect(count(page, "<title>")).to.equal(7);
    expect(count(page, "</title>")).to.equal(7);
  });

  it("escapes &, <, >, quotes", () => {
    expect(escapeHtml(`a & b < c > d "e" 'f'`)).to.equal(
      "a &amp; b &lt; c &gt; d &quot;e&quot; &#39;f&#39;",
    );
  });
});

describe("report: the shadow phase", () => {
  const shadowed = base({
    weight: [
      { at: T0, weight: 0 },
      { at: T0 + 4 * MIN, weight: 5 },
    ],
    decisions: [
      {
        at: T0 + 4 * MIN,
        action: "advance",
        from: 0,
        to: 5,
        reason: "healthy in 3 of 3 checks in the shadow (50% of requests mirrored)",
        fromShadow: true,
      },
    ],
    shadow: { fromMs: T0, toMs: T0 + 4 * MIN, percent: 50 },
  });

  it("draws a band over the shadow on every chart, up to the decision that ended it", () => {
    const page = renderReport(shadowed);
    expect(count(page, 'data-band="shadow"')).to.equal(3);
    expect(page).to.contain("shadow: 50% of requests mirrored to v2, no users served by it");
    const widths = [
      ...page.matchAll(/data-band="shadow">.*?<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g),
    ];
    // Four of the nine minutes: the band ends where the shadow did.
    const plot = 960 - 64 - 24;
    for (const m of widths) expect(Number(m[2])).to.be.closeTo((plot * 4) / 9, 1);
  });

  it("labels the decision that ends a shadow as its commit subject does", () => {
    const page = renderReport(shadowed);
    expect(page).to.contain(">advance shadow→5%</text>");
    expect(page).to.contain("<td>shadow → 5%</td>");
    const off = renderReport(
      base({
        decisions: [
          { at: T0 + 6 * MIN, action: "rollback", from: 0, to: 0, reason: "r", fromShadow: true },
        ],
        shadow: { fromMs: T0, toMs: T0 + 6 * MIN, percent: 100 },
      }),
    );
    expect(off).to.contain(">rollback shadow→off</text>");
    expect(off).to.contain("<td>shadow → off</td>");
  });

  it("status --report draws a running shadow from its start, known from its deadline", () => {
    const rollout = makeRollout(
      makeSpec({
        spec: { traffic: { canaryWeight: 0, shadow: { percent: 50, deadline: "10m" } } },
      }),
    );
    const empty = { stable: [], canary: [] };
    const data = statusReport(
      rollout,
      {
        rollout: "recs/recommend",
        weight: 0,
        decision: { action: "hold", reason: "shadow: healthy in 1 of 3 checks needed to advance" },
        reason: "shadow: healthy in 1 of 3 checks needed to advance",
        checks: [],
        shadowDeadlineMs: T0 + 12 * MIN,
      },
      { times: [], latencyMs: empty, errorRate: empty, requests: empty },
      { fromMs: T0, toMs: T0 + 9 * MIN },
      "Shadow",
    );
    expect(data.shadow).to.deep.equal({ fromMs: T0 + 2 * MIN, percent: 50 });
    expect(data.summary).to.match(/^Shadow at 0% as of /);
    expect(count(renderReport(data), 'data-band="shadow"')).to.equal(3);
  });

  it("draws no band without a shadow", () => {
    expect(renderReport(base())).to.not.contain('data-band="shadow"');
  });
});
