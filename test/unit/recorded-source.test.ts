/** RecordedSource: one request per query over the span, slices equal to direct answers. */
import { expect } from "chai";
import { RecordedSource } from "../../src/backtest/recorded-source.js";
import type { MetricsSource, Series, TimeRange } from "../../src/prometheus/metrics-source.js";

/** A stand-in for Prometheus' range API: two series, a value per grid point (the time in seconds). */
class GridSource implements MetricsSource {
  readonly ranges: TimeRange[] = [];
  async query(): Promise<never[]> {
    return [];
  }
  async queryRange(promql: string, range: TimeRange): Promise<Series[]> {
    this.ranges.push(range);
    if (range.endMs - range.startMs > 10_999 * range.stepMs)
      throw new Error("exceeded maximum resolution of 11,000 points per timeseries");
    const points: [number, number][] = [];
    for (let t = range.startMs; t <= range.endMs; t += range.stepMs) points.push([t, t / 1000]);
    const all: Series[] = [
      { labels: { q: promql, v: "v1" }, points },
      // A series that exists only in the first half hour of the day.
      {
        labels: { q: promql, v: "v2" },
        points: points.filter(([t]) => t % 86_400_000 < 1_800_000),
      },
    ];
    return all.filter((s) => s.points.length > 0);
  }
}

const DAY = Date.UTC(2026, 10, 20);

describe("RecordedSource", () => {
  it("answers every range within the span from one request per query", async () => {
    const inner = new GridSource();
    const recorded = new RecordedSource(inner, { startMs: DAY, endMs: DAY + 3_600_000 });
    const direct = new GridSource();
    for (const start of [DAY, DAY + 30_000, DAY + 1_770_000, DAY + 3_540_000]) {
      const range = { startMs: start, endMs: start + 60_000, stepMs: 30_000 };
      expect(await recorded.queryRange("up", range)).to.deep.equal(
        await direct.queryRange("up", range),
      );
    }
    expect(recorded.requests).to.equal(1);
    await recorded.queryRange("down", { startMs: DAY, endMs: DAY, stepMs: 30_000 });
    expect(recorded.requests).to.equal(2);
  });

  it("drops series with no point in the asked range, as Prometheus does", async () => {
    const recorded = new RecordedSource(new GridSource(), { startMs: DAY, endMs: DAY + 3_600_000 });
    const late = await recorded.queryRange("up", {
      startMs: DAY + 1_980_000,
      endMs: DAY + 2_040_000,
      stepMs: 30_000,
    });
    expect(late.map((s) => s.labels.v)).to.deep.equal(["v1"]);
  });

  it("splits a span of more than 10,000 points into requests Prometheus accepts", async () => {
    const inner = new GridSource();
    const recorded = new RecordedSource(inner, { startMs: DAY, endMs: DAY + 86_400_000 });
    const all = await recorded.queryRange("up", {
      startMs: DAY,
      endMs: DAY + 86_400_000,
      stepMs: 1_000,
    });
    expect(recorded.requests).to.equal(9);
    const v1 = all.find((s) => s.labels.v === "v1");
    expect(v1?.points.length).to.equal(86_401);
    // Chunks meet without a gap or a repeated point.
    const times = v1?.points.map(([t]) => t) ?? [];
    expect(times.every((t, i) => i === 0 || t - (times[i - 1] as number) === 1_000)).to.equal(true);
  });

  it("asks directly for a range outside the span", async () => {
    const inner = new GridSource();
    const recorded = new RecordedSource(inner, { startMs: DAY, endMs: DAY + 60_000 });
    const range = { startMs: DAY - 60_000, endMs: DAY, stepMs: 30_000 };
    expect(await recorded.queryRange("up", range)).to.have.length(2);
    expect(inner.ranges).to.deep.equal([range]);
  });
});
