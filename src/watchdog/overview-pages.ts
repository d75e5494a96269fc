/**
 * The pages behind `/` and `/rollouts/<ns>/<name>`, drawn from what the
 * watchdog's cycles left in an OverviewState. The overview costs no query: it
 * is the last cycle's data, drawn once per cycle. A rollout's report draws
 * the last hour of its latency and error rate, which takes two Prometheus
 * range queries; so a drawn report is kept for `reportCacheMs`, one draw per
 * rollout is in flight at a time, and at most `maxReportDraws` draws run at
 * once (more is a 503 with Retry-After), whatever the number of viewers.
 */
import { phaseOf } from "../analysis/decide.js";
import { rolloutId } from "../analysis/identity.js";
import type { MetricsSource } from "../prometheus/metrics-source.js";
import { renderOverview } from "../report/overview-page.js";
import { renderReport } from "../report/render-report.js";
import { rolloutSeries } from "../report/series.js";
import { statusReport } from "../report/status-report.js";
import type { CycleReport } from "./cycle.js";
import type { OverviewPages } from "./http-server.js";
import { OverviewState } from "./overview-state.js";

export interface OverviewOptions {
  readonly metrics: MetricsSource;
  /** The loop's `--interval`: the page reloads about as often, within 5–60 s. */
  readonly loopIntervalMs: number;
  readonly now?: () => number;
  /** History a report draws; default 1 h (as `status --report-range`). */
  readonly reportRangeMs?: number;
  /** How long a drawn report is served again; default 15 s. */
  readonly reportCacheMs?: number;
  /** Report draws running at once; default 2. */
  readonly maxReportDraws?: number;
}

/** More reports kept than this drops the oldest: memory stays bounded when someone walks every link. */
const MAX_CACHED_REPORTS = 32;

export class Overview implements OverviewPages {
  readonly state = new OverviewState();
  readonly refreshSeconds: number;
  readonly #options: OverviewOptions;
  readonly #now: () => number;
  readonly #reports = new Map<string, { readonly atMs: number; readonly page: Promise<string> }>();
  #drawing = 0;
  #page: { readonly version: number; readonly html: string } | undefined;

  constructor(options: OverviewOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.refreshSeconds = Math.min(60, Math.max(5, Math.round(options.loopIntervalMs / 1000)));
  }

  /** For the watchdog's `onCycle` hook. */
  readonly update = (report: CycleReport): void => {
    this.state.update(report, this.#now());
  };

  /** Drawn once per cycle, however many people look. */
  overview(): string {
    const { version } = this.state;
    if (this.#page?.version !== version)
      this.#page = { version, html: renderOverview(this.state.data(this.refreshSeconds)) };
    return this.#page.html;
  }

  async rolloutReport(namespace: string, name: string): Promise<string | undefined> {
    const id = rolloutId({ namespace, name });
    const seen = this.state.rollout(id);
    if (seen === undefined) return undefined;
    const nowMs = this.#now();
    const cached = this.#reports.get(id);
    if (cached !== undefined && nowMs - cached.atMs <= (this.#options.reportCacheMs ?? 15_000))
      return cached.page;
    if (this.#drawing >= (this.#options.maxReportDraws ?? 2))
      throw new Error(`${this.#drawing} reports are being drawn; try again in a few seconds`);
    this.#drawing++;
    const range = { fromMs: nowMs - (this.#options.reportRangeMs ?? 3_600_000), toMs: nowMs };
    const page = rolloutSeries(this.#options.metrics, seen.rollout, range.fromMs, range.toMs)
      .then((series) =>
        renderReport(
          statusReport(
            seen.rollout,
            seen.outcome,
            series,
            range,
            phaseOf(seen.rollout, seen.outcome?.decision),
          ),
        ),
      )
      .finally(() => {
        this.#drawing--;
      });
    this.#reports.delete(id);
    this.#reports.set(id, { atMs: nowMs, page });
    // A failed draw is not kept: the next view tries again.
    page.catch(() => {
      if (this.#reports.get(id)?.page === page) this.#reports.delete(id);
    });
    for (const key of this.#reports.keys()) {
      if (this.#reports.size <= MAX_CACHED_REPORTS) break;
      this.#reports.delete(key);
    }
    return page;
  }
}
