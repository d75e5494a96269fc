/**
 * The long-running loop around runCycle. It never exits on a failing
 * dependency (Prometheus, git, even the first clone): it holds, reports the
 * error on /healthz, retries with a backoff that doubles up to a cap and is
 * reset by a successful cycle, and recovers when the dependency is back. It
 * wakes when the next check falls due and stops cleanly on abort (SIGTERM)
 * after the cycle in progress. Only a configuration error met before any
 * cycle succeeded (a broken meshcanary.yaml, a usage error) ends it, thrown to
 * the CLI as at start-up.
 */
import { ExitCode, MeshcanaryError } from "../errors.js";
import type { SpecCache } from "../rollout/load.js";
import { type CycleDeps, type CycleReport, runCycle } from "./cycle.js";
import type { Health } from "./http-server.js";

export interface WatchdogOptions
  extends Omit<CycleDeps, "evaluated" | "parsed" | "reported" | "held"> {
  /** Longest sleep between cycles (`--interval`). */
  readonly loopIntervalMs: number;
  /** Aborting ends the loop after the cycle in progress. */
  readonly signal?: AbortSignal;
  readonly onCycle?: (report: CycleReport) => void;
  /** Called with the error of a cycle that threw (git failed, …); onCycle is not called then. */
  readonly onError?: (error: unknown) => void;
}

export interface Watchdog {
  readonly health: () => Health;
  /** Resolves with the exit code when the loop ends. */
  readonly done: Promise<number>;
}

/** Slack after a check time so the scrape at that instant has landed. */
const WAKE_SLACK_MS = 25;
/** The backoff never waits longer than this, nor longer than 8 intervals. */
export const MAX_BACKOFF_MS = 5 * 60_000;

/** The wait after the n-th failed cycle in a row (n ≥ 1): the interval, doubled per failure, capped. */
export function backoffMs(intervalMs: number, failures: number): number {
  const cap = Math.max(intervalMs, Math.min(8 * intervalMs, MAX_BACKOFF_MS));
  return Math.min(cap, intervalMs * 2 ** Math.min(failures - 1, 30));
}

export function startWatchdog(options: WatchdogOptions): Watchdog {
  const evaluated = new Map<string, number>();
  const parsed: SpecCache = new Map();
  const reported = new Set<string>();
  const held = new Map<string, string>();
  let health: Health = {};
  // The liveness probe's heartbeat: set when a cycle starts and when a sleep starts.
  let loopBeatMs = options.now();
  let failures = 0;
  let succeeded = false;
  const done = (async () => {
    while (options.signal?.aborted !== true) {
      loopBeatMs = options.now();
      let sleepMs = options.loopIntervalMs;
      const cycleTimer = options.telemetry?.cycleDuration.startTimer();
      try {
        const report = await runCycle({ ...options, evaluated, parsed, reported, held });
        if (failures > 0)
          options.log.log("info", "cycle succeeded again; back to the normal interval", {
            failedCycles: failures,
          });
        failures = 0;
        succeeded = true;
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
        if (!succeeded && isConfigurationError(error)) throw error;
        failures++;
        sleepMs = backoffMs(options.loopIntervalMs, failures);
        options.telemetry?.cycles.inc({ result: "error" });
        const message = (error as Error).message;
        health = { ...health, lastError: message };
        options.log.log("error", "cycle failed; retrying", {
          error: message,
          failedCycles: failures,
          retryInMs: sleepMs,
        });
        options.onError?.(error);
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

/** A mistake in what the user gave (exit 1 or 2), which no retry can mend, as opposed to a failing dependency. */
function isConfigurationError(error: unknown): boolean {
  return (
    error instanceof MeshcanaryError &&
    (error.exitCode === ExitCode.usage || error.exitCode === ExitCode.invalid)
  );
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
