/** `meshcanary watch`: the watchdog, as a loop or one cycle (`--once`). */

import { ExitCode } from "../errors.js";
import { GitWorkingCopy } from "../gitops/repo.js";
import { PrometheusClient } from "../prometheus/client.js";
import { type CycleReport, runCycle } from "../watchdog/cycle.js";
import { startHealthServer } from "../watchdog/http-server.js";
import { createLogger } from "../watchdog/log.js";
import { watchSettings } from "../watchdog/settings.js";
import { Telemetry } from "../watchdog/telemetry.js";
import { startWatchdog } from "../watchdog/watchdog.js";
import { type ArgoCdFlags, argoCdFromFlags } from "./argocd-options.js";
import type { Console } from "./console.js";
import { durationFlag } from "./flag-values.js";
import { type NotifyFlags, notifierFromFlags } from "./notify-options.js";
import { formatOutcomes } from "./outcomes.js";
import { type PrometheusFlags, prometheusConnection } from "./prometheus-options.js";

export interface WatchFlags extends PrometheusFlags, ArgoCdFlags, NotifyFlags {
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
  const argocd = argoCdFromFlags(flags);
  const token = process.env.ARGOCD_AUTH_TOKEN;
  const secrets = token === undefined ? [] : [token];
  const log = createLogger({ secrets });
  const telemetry = new Telemetry();
  const notifier = notifierFromFlags(flags, { log, registry: telemetry.registry, secrets });
  const metrics = new PrometheusClient({
    ...prometheusConnection(flags),
    timeoutMs,
    onRequest: (seconds, ok) =>
      telemetry.queryDuration.observe({ result: ok ? "ok" : "error" }, seconds),
  });
  const repo = await GitWorkingCopy.open({
    remote: flags.repo,
    branch: flags.branch,
    ...(flags.workdir === undefined ? {} : { workdir: flags.workdir }),
    author: { name: flags.authorName, email: flags.authorEmail },
  });
  // Settings errors are usage errors: report them now rather than in every cycle.
  await repo.sync();
  watchSettings(repo.dir, flags);
  const deps = {
    repo,
    metrics,
    settings: (dir: string) => watchSettings(dir, flags),
    now: Date.now,
    log,
    telemetry,
    dryRun: flags.dryRun === true,
    ...(argocd === undefined ? {} : { argocd }),
  };

  if (flags.once === true) {
    const report = await runCycle(deps);
    for (const line of formatOutcomes(report.outcomes)) io.out(line);
    notifier?.onCycle(report);
    await notifier?.close(NOTIFY_GRACE_MS);
    return onceExitCode(report);
  }

  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  const watchdog = startWatchdog({
    ...deps,
    loopIntervalMs,
    signal: controller.signal,
    ...(notifier === undefined
      ? {}
      : { onCycle: (r) => notifier.onCycle(r), onError: (e) => notifier.onError(e) }),
  });
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
  await notifier?.close(NOTIFY_GRACE_MS);
  log.log("info", "stopped", { exitCode: code });
  return code;
}

/** How long a stopping watchdog waits for queued notifications (Kubernetes' grace period is 30 s). */
const NOTIFY_GRACE_MS = 10_000;

/** `--once`: 0 ok, 1 some spec invalid, 3 Prometheus failed (git failures throw, also 3). */
export function onceExitCode(report: CycleReport): number {
  if (report.metricsErrors.length > 0) return ExitCode.external;
  if (report.invalid.length > 0) return ExitCode.invalid;
  return ExitCode.ok;
}
