/**
 * A MetricsSource over a span of history: the first range query for a given
 * PromQL and step fetches the whole span (in chunks Prometheus accepts) and
 * later ones are answered from it. A backtest asks the same few queries at
 * thousands of check times; this turns that into one request per query.
 *
 * Answers are the points Prometheus returned for the grid `k · step` (range
 * queries start on the grid), so a slice equals what a direct query for the
 * smaller range would have returned.
 */
import type { MetricsSource, Sample, Series, TimeRange } from "../prometheus/metrics-source.js";

/** Prometheus refuses range queries of more than 11,000 points per series. */
const MAX_POINTS_PER_REQUEST = 10_000;

export class RecordedSource implements MetricsSource {
  readonly #inner: MetricsSource;
  readonly #startMs: number;
  readonly #endMs: number;
  readonly #cache = new Map<string, Promise<Series[]>>();
  #requests = 0;

  /** `startMs`..`endMs` is the span every later range query falls in. */
  constructor(inner: MetricsSource, span: { readonly startMs: number; readonly endMs: number }) {
    this.#inner = inner;
    this.#startMs = span.startMs;
    this.#endMs = span.endMs;
  }

  /** HTTP requests made to the inner source so far. */
  get requests(): number {
    return this.#requests;
  }

  query(promql: string, timeMs: number): Promise<Sample[]> {
    this.#requests++;
    return this.#inner.query(promql, timeMs);
  }

  async queryRange(promql: string, range: TimeRange): Promise<Series[]> {
    if (range.startMs < this.#startMs || range.endMs > this.#endMs) {
      // Outside the recorded span: ask directly rather than answer wrongly.
      this.#requests++;
      return this.#inner.queryRange(promql, range);
    }
    const key = `${range.stepMs}\u0000${promql}`;
    let whole = this.#cache.get(key);
    if (whole === undefined) {
      whole = this.#fetchSpan(promql, range.stepMs);
      this.#cache.set(key, whole);
    }
    return slice(await whole, range);
  }

  async #fetchSpan(promql: string, stepMs: number): Promise<Series[]> {
    const first = Math.floor(this.#startMs / stepMs) * stepMs;
    const last = Math.ceil(this.#endMs / stepMs) * stepMs;
    const bySeries = new Map<string, { labels: Series["labels"]; points: [number, number][] }>();
    for (let start = first; start <= last; start += MAX_POINTS_PER_REQUEST * stepMs) {
      const end = Math.min(last, start + (MAX_POINTS_PER_REQUEST - 1) * stepMs);
      this.#requests++;
      for (const s of await this.#inner.queryRange(promql, {
        startMs: start,
        endMs: end,
        stepMs,
      })) {
        const id = labelsKey(s.labels);
        const entry = bySeries.get(id) ?? { labels: s.labels, points: [] };
        bySeries.set(id, entry);
        for (const p of s.points) entry.points.push([p[0], p[1]]);
      }
    }
    return [...bySeries.values()];
  }
}

function labelsKey(labels: Series["labels"]): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The points within `range` that lie on its grid; series left without points are dropped, as Prometheus drops them. */
function slice(series: readonly Series[], range: TimeRange): Series[] {
  const out: Series[] = [];
  for (const s of series) {
    const points: (readonly [number, number])[] = [];
    // Points are in time order: start at the first one in range (binary search), stop past the end.
    for (let i = firstAtOrAfter(s.points, range.startMs); i < s.points.length; i++) {
      const p = s.points[i] as readonly [number, number];
      if (p[0] > range.endMs) break;
      if ((p[0] - range.startMs) % range.stepMs === 0) points.push(p);
    }
    if (points.length > 0) out.push({ labels: s.labels, points });
  }
  return out;
}

function firstAtOrAfter(points: Series["points"], timeMs: number): number {
  let low = 0;
  let high = points.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((points[mid] as readonly [number, number])[0] < timeMs) low = mid + 1;
    else high = mid;
  }
  return low;
}
