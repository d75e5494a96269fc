/**
 * The seam between the watchdog and a metrics backend: two methods, as
 * Flagger's metrics providers have. Times are epoch milliseconds.
 */

export type Labels = Readonly<Record<string, string>>;

/** One series of an instant query. */
export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

/** One series of a range query: `[timeMs, value]` points in time order. */
export interface Series {
  readonly labels: Labels;
  readonly points: readonly (readonly [number, number])[];
}

export interface TimeRange {
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
}

export interface MetricsSource {
  query(promql: string, timeMs: number): Promise<Sample[]>;
  queryRange(promql: string, range: TimeRange): Promise<Series[]>;
}
