/**
 * The long-running loop around runCycle: survives Prometheus and git
 * failures (hold, retry next cycle), wakes when the next check falls due,
 * stops cleanly on abort (SIGTERM) after the cycle in progress, and stops
 * with exit code 3 when the remote's history was rewritten under it.
 */
import { ExitCode } from "../errors.js";
import { HistoryRewrittenError } from "../gitops/repo.js";
import type { SpecCache } from "../spec/load.js";
import { type CycleDeps, type CycleReport, runCycle } from "./cycle.js";
import type { Health } from "./http-server.js";

export interface WatchdogOptions extends Omit<CycleDeps, "evaluated" | "parsed" | "reported"> {
  /** Longest sleep between cycles (`--interval`). */
  readonly loopIntervalMs: number;
  /** Aborting ends the loop after the cycle in progress. */
  readonly signal?: AbortSignal;
  readonly onCycle?: (report: CycleReport) => void;
}

export interface Watchdog {
  readonly health: () => Health;
  /** Resolves with the exit code when the loop ends. */
  readonly done: Promise<number>;
}

/** Slack after a check time so the scrape at that instant has landed. */
const WAKE_SLACK_MS = 25;

export function startWatchdog(options: WatchdogOptions): Watchdog {
  const evaluated = new Map<string, number>();
  const parsed: SpecCache = new Map();
  const reported = new Set<string>();
  let health: Health = {};
  // The liveness probe's heartbeat: set when a cycle starts and when a sleep starts.
  let loopBeatMs = options.now();
  const done = (async () => {
    while (options.signal?.aborted !== true) {
      loopBeatMs = options.now();
      let sleepMs = options.loopIntervalMs;
      const cycleTimer = options.telemetry?.cycleDuration.startTimer();
      try {
        const report = await runCycle({ ...options, evaluated, parsed, reported });
        const failed = report.metricsErrors.length > 0;
        options.telemetry?.cycles.inc({ result: failed ? "error" : "ok" });
        if (failed) {
          health = { ...health, lastError: report.metricsErrors[0] as string };
        } else {
          health = { lastSuccessMs: options.now() };
          options.telemetry?.lastSuccess.set(options.now() / 1000);
        }
        if (report.nextCheckMs !== undefined) {
          sleepMs = Math.max(
            0,
            Math.min(sleepMs, report.nextCheckMs - options.now() + WAKE_SLACK_MS),
          );
        }
        options.onCycle?.(report);
      } catch (error) {
        options.telemetry?.cycles.inc({ result: "error" });
        const message = (error as Error).message;
        health = { ...health, lastError: message };
        options.log.log("error", "cycle failed; retrying next cycle", { error: message });
        if (error instanceof HistoryRewrittenError) return ExitCode.external;
      } finally {
        cycleTimer?.();
      }
      loopBeatMs = options.now();
      await sleep(sleepMs, options.signal);
    }
    return ExitCode.ok;
  })();
  return { health: () => ({ ...health, loopBeatMs }), done };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
