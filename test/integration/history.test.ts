/**
 * Backfilled history must come out of a real Prometheus exactly as the
 * generator says it went in: raw counters and buckets to the request, the
 * watchdog's own increase() query to the extrapolation, gaps empty, and the
 * latency distribution roughly the lognormal asked for.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { ISTIO_DURATION_BUCKETS_MS } from "../../src/analysis/histogram.js";
import { requestsQuery } from "../../src/analysis/promql.js";
import { DEFAULT_SELECTORS } from "../../src/rollout/types.js";
import { listBlocks, startPrometheusOnHistory } from "../support/backfill.js";
import { tempDir } from "../support/files.js";
import {
  formatTimestamp,
  type HistorySpec,
  historyOpenMetrics,
  historyScrapes,
  type ResponseCode,
  type ScrapeTruth,
  type VersionBehaviour,
  writeHistory,
} from "../support/history.js";
import type { PrometheusServer, PromSample } from "../support/prometheus-server.js";

const MIN = 60_000;
const STEP = 15_000;
const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const GAP = { fromMs: T0 + 20 * MIN, toMs: T0 + 26 * MIN };

const stableB: VersionBehaviour = {
  rps: 8,
  errorRate: 0.01,
  latency: { medianMs: 80, sigma: 0.4 },
};
const canaryGood: VersionBehaviour = {
  rps: 2,
  errorRate: 0.02,
  latency: { medianMs: 90, sigma: 0.4 },
};
const canaryBad: VersionBehaviour = {
  rps: 2,
  errorRate: 0.2,
  latency: { medianMs: 300, sigma: 0.5 },
};

const CHECKOUT: HistorySpec = {
  seed: 7,
  startMs: T0,
  endMs: T0 + 30 * MIN,
  namespace: "shop",
  service: "checkout",
  stableVersion: "v1",
  canaryVersion: "v2",
  segments: [
    { fromMs: T0, stable: stableB, canary: canaryGood },
    { fromMs: T0 + 15 * MIN, stable: stableB, canary: canaryBad },
  ],
  gaps: [GAP],
  burstiness: 0.3,
};

/** A second scenario in the same file; its stable version has no errors, so no 503 series. */
const SEARCH: HistorySpec = {
  seed: 8,
  startMs: T0,
  endMs: T0 + 30 * MIN,
  namespace: "shop",
  service: "search",
  stableVersion: "v1",
  canaryVersion: "v2",
  segments: [
    { fromMs: T0, stable: { ...stableB, errorRate: 0 }, canary: { ...canaryGood, rps: 0.5 } },
  ],
  histogramReporters: ["destination", "source"],
};

/** Before 2004 and off the second: "1078409439.133" * 1000 truncates to ...132 in promtool. */
const ODD_START = 1_078_409_439_133;
const LEGACY: HistorySpec = {
  seed: 9,
  startMs: ODD_START,
  endMs: ODD_START + 10 * MIN,
  scrapeIntervalMs: 10_007,
  namespace: "old",
  service: "legacy",
  stableVersion: "v1",
  canaryVersion: "v2",
  segments: [{ fromMs: ODD_START, stable: stableB, canary: canaryGood }],
};

function truths(spec: HistorySpec): Map<number, ScrapeTruth> {
  return new Map([...historyScrapes(spec)].map((s) => [s.timeMs, s]));
}

function key(m: Readonly<Record<string, string>>, ...labels: string[]): string {
  return labels.map((l) => m[l] ?? "").join("|");
}

function byKey(samples: readonly PromSample[], ...labels: string[]): Map<string, number> {
  return new Map(samples.map((s) => [key(s.metric, ...labels), s.value]));
}

describe("backfilled Istio history", function () {
  this.timeout(60_000);

  let prom: PrometheusServer;
  let dir: string;
  const checkout = truths(CHECKOUT);
  const search = truths(SEARCH);

  before(async () => {
    dir = tempDir("meshcanary-history-");
    const shop = await writeHistory([CHECKOUT, SEARCH], join(dir, "shop.om"));
    expect(shop.minMs).to.equal(T0);
    expect(shop.maxMs).to.equal(T0 + 30 * MIN - STEP);
    await writeHistory(LEGACY, join(dir, "legacy.om"));
    prom = await startPrometheusOnHistory([join(dir, "shop.om"), join(dir, "legacy.om")]);
  });

  after(async () => {
    await prom?.close();
  });

  it("streams the same bytes as the in-memory text, and is deterministic per seed", () => {
    const text = historyOpenMetrics([CHECKOUT, SEARCH]);
    expect(readFileSync(join(dir, "shop.om"), "utf8")).to.equal(text);
    expect(historyOpenMetrics([CHECKOUT, SEARCH])).to.equal(text);
    expect(historyOpenMetrics([{ ...CHECKOUT, seed: 70 }, SEARCH])).not.to.equal(text);
    expect(text.endsWith("# EOF\n")).to.equal(true);
    // Families contiguous: each TYPE line once, each family's samples in one run.
    const families = text
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => (l.startsWith("istio_requests_total") ? "c" : "h"));
    const runs = families.filter((f, i) => i === 0 || f !== families[i - 1]);
    expect(runs).to.have.length(2);
  });

  it("serves raw counters at scrape times exactly as generated, both reporters and services", async () => {
    const times = [T0, T0 + 7 * MIN + 30_000, T0 + 19 * MIN + 45_000, T0 + 29 * MIN + 45_000];
    for (const t of times) {
      const got = byKey(
        await prom.query('istio_requests_total{destination_service_namespace="shop"}', t),
        "destination_service_name",
        "destination_version",
        "reporter",
        "response_code",
      );
      const expected = new Map<string, number>();
      for (const [service, table] of [
        ["checkout", checkout],
        ["search", search],
      ] as const) {
        const truth = table.get(t) as ScrapeTruth;
        expect(truth.written).to.equal(true);
        for (const v of [truth.stable, truth.canary]) {
          for (const code of ["200", "503"] as ResponseCode[]) {
            if (!v.codes[code].exported) continue;
            for (const reporter of ["source", "destination"]) {
              expected.set(`${service}|${v.version}|${reporter}|${code}`, v.codes[code].count);
            }
          }
        }
      }
      expect(got, new Date(t).toISOString()).to.deep.equal(expected);
    }
    // search v1 never fails: no 503 series at all, as with a real exporter.
    expect(
      (search.get(T0 + 29 * MIN + 45_000) as ScrapeTruth).stable.codes["503"].exported,
    ).to.equal(false);
  });

  it("serves every histogram bucket, _count and _sum at a scrape time as generated", async () => {
    const t = T0 + 17 * MIN + 15_000;
    const truth = checkout.get(t) as ScrapeTruth;
    for (const code of ["200", "503"] as ResponseCode[]) {
      const c = truth.canary.codes[code];
      const sel = `destination_service_name="checkout",destination_version="v2",reporter="destination",response_code="${code}"`;
      const buckets = byKey(
        await prom.query(`istio_request_duration_milliseconds_bucket{${sel}}`, t),
        "le",
      );
      const les = [...ISTIO_DURATION_BUCKETS_MS.map(String), "+Inf"];
      expect(buckets).to.deep.equal(new Map(les.map((le, i) => [le, c.buckets[i]])));
      const [count] = await prom.query(`istio_request_duration_milliseconds_count{${sel}}`, t);
      expect(count?.value).to.equal(c.count);
      const [sum] = await prom.query(`istio_request_duration_milliseconds_sum{${sel}}`, t);
      expect(sum?.value).to.be.closeTo(c.sumMs, c.sumMs * 1e-12);
    }
    // Only checkout's histograms are destination-only; search also has the source reporter's.
    const reporters = await prom.query(
      'count by (destination_service_name, reporter) (istio_request_duration_milliseconds_count{destination_service_namespace="shop"})',
      t,
    );
    expect(
      reporters.map((s) => key(s.metric, "destination_service_name", "reporter")).sort(),
    ).to.deep.equal(["checkout|destination", "search|destination", "search|source"]);
  });

  it("answers the watchdog's increase() query with the generator's counts over the window", async () => {
    // Half an interval after a scrape, a 5m window holds 20 samples spanning 285 s, and
    // increase() extrapolates by 300/285 (the same in Prometheus 2 and 3).
    const t = T0 + 14 * MIN;
    const at = t + STEP / 2;
    const query = requestsQuery({
      selectors: DEFAULT_SELECTORS,
      window: "5m",
      namespaces: ["shop"],
      services: ["checkout"],
    });
    const got = byKey(
      await prom.query(query, at),
      "reporter",
      "destination_version",
      "response_code",
    );
    const now = checkout.get(t) as ScrapeTruth;
    const then = checkout.get(t - 285_000) as ScrapeTruth;
    expect(got.size).to.equal(8);
    for (const version of ["stable", "canary"] as const) {
      for (const code of ["200", "503"] as ResponseCode[]) {
        const delta = now[version].codes[code].count - then[version].codes[code].count;
        for (const reporter of ["source", "destination"]) {
          const value = got.get(`${reporter}|${now[version].version}|${code}`);
          expect(value, `${reporter} ${version} ${code}`).to.be.closeTo((delta * 300) / 285, 1e-9);
        }
      }
    }
  });

  it("has nothing in a scrape gap, but a raw selector still sees the last sample for the lookback", async () => {
    const sel =
      'istio_requests_total{destination_service_name="checkout",reporter="destination",destination_version="v1",response_code="200"}';
    const mid = (GAP.fromMs + GAP.toMs) / 2;
    expect(await prom.query(`rate(${sel}[1m])`, mid)).to.deep.equal([]);
    // No staleness markers in backfilled blocks: 5m (the default lookback) of the last value.
    const last = checkout.get(GAP.fromMs - STEP) as ScrapeTruth;
    const [held] = await prom.query(sel, GAP.fromMs + 2 * MIN);
    expect(held?.value).to.equal(last.stable.codes["200"].count);
    expect(await prom.query(sel, GAP.fromMs - STEP + 5 * MIN + 1)).to.deep.equal([]);
    // Traffic went on during the gap: the first scrape after it jumps.
    const after = checkout.get(GAP.toMs) as ScrapeTruth;
    const [resumed] = await prom.query(sel, GAP.toMs);
    expect(resumed?.value).to.equal(after.stable.codes["200"].count);
    expect(after.stable.codes["200"].count - last.stable.codes["200"].count).to.be.greaterThan(
      2000,
    );
  });

  it("puts the p99 near the lognormal's", async () => {
    const p99 = async (version: string, at: number) => {
      const [s] = await prom.query(
        `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_service_name="checkout",destination_version="${version}"}[10m])))`,
        at,
      );
      return s?.value ?? Number.NaN;
    };
    const trueP99 = (b: VersionBehaviour) => b.latency.medianMs * Math.exp(2.326 * b.latency.sigma);
    const cases = [
      { got: await p99("v1", T0 + 14 * MIN), want: trueP99(stableB) },
      { got: await p99("v2", T0 + 14 * MIN), want: trueP99(canaryGood) },
      { got: await p99("v2", T0 + 29 * MIN), want: trueP99(canaryBad) },
    ];
    for (const { got, want } of cases) {
      expect(got, `p99 ${got} vs ${want}`).to.be.within(want / 1.6, want * 1.6);
    }
    // The regression is visible: the canary's p99 after the change is well above before.
    expect(cases[2]?.got).to.be.greaterThan(2 * (cases[1]?.got ?? 0));
  });

  it("keeps millisecond timestamps exact where float seconds would truncate", async () => {
    expect(Math.trunc(Number("1078409439.133") * 1000)).to.equal(ODD_START - 1);
    expect(formatTimestamp(ODD_START)).not.to.equal("1078409439.133");
    const legacy = [...historyScrapes(LEGACY)];
    const sel =
      'istio_requests_total{destination_service_name="legacy",reporter="destination",destination_version="v1",response_code="200"}';
    for (const [i, s] of legacy.entries()) {
      if (i === 0 || i % 7 !== 0) continue;
      const [atScrape] = await prom.query(sel, s.timeMs);
      const [justBefore] = await prom.query(sel, s.timeMs - 1);
      expect(atScrape?.value).to.equal(s.stable.codes["200"].count);
      expect(justBefore?.value).to.equal(legacy[i - 1]?.stable.codes["200"].count);
    }
    const blocks = listBlocks(prom.dataDir);
    expect(blocks.some((b) => b.minTime === ODD_START)).to.equal(true);
  });
});
