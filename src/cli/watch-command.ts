/** `meshcanary watch`: the watchdog, as a loop or one cycle (`--once`). */

import { ExitCode, UsageError } from "../errors.js";
import { GitWorkingCopy } from "../gitops/repo.js";
import { PrometheusClient } from "../prometheus/client.js";
import { argoCdSync } from "../watchdog/argocd.js";
import { type CycleReport, runCycle } from "../watchdog/cycle.js";
import { startHealthServer } from "../watchdog/http-server.js";
import { createLogger } from "../watchdog/log.js";
import { watchSettings } from "../watchdog/settings.js";
import { Telemetry } from "../watchdog/telemetry.js";
import { startWatchdog } from "../watchdog/watchdog.js";
import type { Console } from "./console.js";
import { durationFlag } from "./flag-values.js";
import { formatOutcomes } from "./outcomes.js";

export interface WatchFlags {
  readonly repo: string;
  readonly prometheus: string;
  readonly branch: string;
  readonly specs?: string;
  readonly out?: string;
  readonly apiVersion?: string;
  readonly interval: string;
  readonly workdir?: string;
  readonly listen?: string;
  readonly once?: boolean;
  readonly dryRun?: boolean;
  readonly argocdUrl?: string;
  readonly argocdApp?: string;
  readonly queryTimeout: string;
  readonly authorName: string;
  readonly authorEmail: string;
}

export async function watchCommand(flags: WatchFlags, io: Console): Promise<number> {
  const loopIntervalMs = durationFlag("--interval", flags.interval);
  const timeoutMs = durationFlag("--query-timeout", flags.queryTimeout);
  if ((flags.argocdUrl === undefined) !== (flags.argocdApp === undefined)) {
    throw new UsageError("--argocd-url and --argocd-app go together");
  }
  const token = process.env.ARGOCD_AUTH_TOKEN;
  const log = createLogger({ secrets: token === undefined ? [] : [token] });
  const telemetry = new Telemetry();
  const metrics = new PrometheusClient({
    url: flags.prometheus,
    timeoutMs,
    onRequest: (seconds, ok) =>
      telemetry.queryDuration.observe({ result: ok ? "ok" : "error" }, seconds),
  });
  const repo = await GitWorkingCopy.open({
    remote: flags.repo,
    branch: flags.branch,
    ...(flags.workdir === undefined ? {} : { workdir: flags.workdir }),
    author: { name: flags.authorName, email: flags.authorEmail },
    log,
  });
  const deps = {
    repo,
    metrics,
    settings: (dir: string) => watchSettings(dir, flags),
    now: Date.now,
    log,
    telemetry,
    dryRun: flags.dryRun === true,
    ...(flags.argocdUrl !== undefined && flags.argocdApp !== undefined
      ? {
          argocd: argoCdSync({
            url: flags.argocdUrl,
            app: flags.argocdApp,
            ...(token === undefined ? {} : { token }),
          }),
        }
      : {}),
  };

  if (flags.once === true) {
    // Settings errors are usage errors: report them as such. The loop clones and checks them in its first cycle.
    await repo.sync();
    watchSettings(repo.dir, flags);
    const report = await runCycle(deps);
    for (const line of formatOutcomes(report.outcomes)) io.out(line);
    return onceExitCode(report);
  }

  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  const watchdog = startWatchdog({ ...deps, loopIntervalMs, signal: controller.signal });
  const server =
    flags.listen === undefined
      ? undefined
      : await startHealthServer(flags.listen, {
          telemetry,
          health: watchdog.health,
          staleAfterMs: Math.max(3 * loopIntervalMs, 30_000),
        });
  log.log("info", "watching", {
    repo: flags.repo,
    branch: flags.branch,
    prometheus: flags.prometheus,
    ...(flags.listen === undefined ? {} : { listen: flags.listen }),
  });
  const code = await watchdog.done;
  process.off("SIGTERM", stop);
  process.off("SIGINT", stop);
  await new Promise<void>((resolve) =>
    server === undefined ? resolve() : server.close(() => resolve()),
  );
  log.log("info", "stopped", { exitCode: code });
  return code;
}

/** `--once`: 0 ok, 1 some spec invalid, 3 Prometheus failed (git failures throw, also 3). */
export function onceExitCode(report: CycleReport): number {
  if (report.metricsErrors.length > 0) return ExitCode.external;
  if (report.invalid.length > 0) return ExitCode.invalid;
  return ExitCode.ok;
}
