/** `meshcanary watch`: the watchdog, as a loop or one cycle (`--once`). */

import type { Server } from "node:http";
import { watchSettings } from "../config/watch-settings.js";
import { ExitCode, MeshcanaryError } from "../errors.js";
import { GitWorkingCopy } from "../gitops/repo.js";
import { PrometheusClient } from "../prometheus/client.js";
import type { ArgoCdSync } from "../watchdog/argocd.js";
import { type CycleReport, runCycle } from "../watchdog/cycle.js";
import {
  type Health,
  type ListenAddress,
  startHealthServer,
  stuckAfterMs,
} from "../watchdog/http-server.js";
import { createLogger } from "../watchdog/log.js";
import { Overview } from "../watchdog/overview-pages.js";
import { Telemetry } from "../watchdog/telemetry.js";
import { startWatchdog } from "../watchdog/watchdog.js";
import { type ArgoCdFlags, argoCdFromFlags } from "./argocd-options.js";
import type { Console } from "./console.js";
import { type GitFlags, gitAuthFromFlags } from "./git-options.js";
import { type NotifyFlags, notifierFromFlags } from "./notify-options.js";
import { formatOutcomes } from "./outcomes.js";
import { type PrometheusFlags, prometheusConnection } from "./prometheus-options.js";

export interface WatchFlags extends PrometheusFlags, ArgoCdFlags, NotifyFlags, GitFlags {
  readonly repo: string;
  readonly prometheus: string;
  readonly branch: string;
  readonly specs?: string;
  readonly out?: string;
  readonly apiVersion?: string;
  /** Longest time between cycles, ms (`--interval`, default 10s). */
  readonly interval: number;
  readonly workdir?: string;
  readonly listen?: ListenAddress;
  readonly once?: boolean;
  readonly dryRun?: boolean;
  readonly argocdUrl?: string;
  readonly argocdApp?: string;
  /** Per Prometheus request, ms (`--query-timeout`, default 5s). */
  readonly queryTimeout: number;
  readonly authorName: string;
  readonly authorEmail: string;
}

export async function watchCommand(flags: WatchFlags, io: Console): Promise<number> {
  const argocd = argoCdFromFlags(flags);
  // Checked with the other flags, before anything listens or runs.
  gitAuthFromFlags(flags);
  const telemetry = new Telemetry();
  const metrics = new PrometheusClient({
    ...prometheusConnection(flags),
    timeoutMs: flags.queryTimeout,
    onRequest: (seconds, ok) =>
      telemetry.queryDuration.observe({ result: ok ? "ok" : "error" }, seconds),
  });
  const overview = new Overview({ metrics, loopIntervalMs: flags.interval });
  let health: () => Health = () => ({});
  // Bound before the first git or Prometheus call, in every mode: the address is
  // the watchdog's own, and a refused one will not come back by retrying.
  const server =
    flags.listen === undefined
      ? undefined
      : await listen(flags.listen, {
          telemetry,
          health: () => health(),
          staleAfterMs: Math.max(3 * flags.interval, 30_000),
          stuckAfterMs: stuckAfterMs(flags.interval),
          pages: overview,
        });
  try {
    return await watch(flags, io, { telemetry, metrics, overview, argocd }, (h) => {
      health = h;
    });
  } finally {
    await new Promise<void>((resolve) =>
      server === undefined ? resolve() : server.close(() => resolve()),
    );
  }
}

/** Why the OS refuses an address, in words; other errors keep their own message. */
const REFUSED: Readonly<Record<string, string>> = {
  EADDRINUSE: "the address is already in use",
  EACCES: "permission denied",
  EADDRNOTAVAIL: "no interface of this machine has that address",
};

async function listen(
  address: ListenAddress,
  options: Parameters<typeof startHealthServer>[1],
): Promise<Server> {
  try {
    return await startHealthServer(address, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const why =
      REFUSED[code] === undefined ? (error as Error).message : `${REFUSED[code]} (${code})`;
    throw new MeshcanaryError(
      `--listen ${formatAddress(address)}: cannot listen: ${why}`,
      "LISTEN",
      ExitCode.external,
      { cause: error },
    );
  }
}

function formatAddress({ host, port }: ListenAddress): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

async function watch(
  flags: WatchFlags,
  io: Console,
  {
    telemetry,
    metrics,
    overview,
    argocd,
  }: {
    telemetry: Telemetry;
    metrics: PrometheusClient;
    overview: Overview;
    argocd: ArgoCdSync | undefined;
  },
  serveHealth: (health: () => Health) => void,
): Promise<number> {
  const token = process.env.ARGOCD_AUTH_TOKEN;
  const secrets = token === undefined ? [] : [token];
  const log = createLogger({ secrets });
  const notifier = notifierFromFlags(flags, { log, registry: telemetry.registry, secrets });
  const git = gitAuthFromFlags(flags);
  if (git.warning !== undefined) log.log("warn", git.warning);
  const repo = await GitWorkingCopy.open({
    remote: flags.repo,
    branch: flags.branch,
    ...(git.auth === undefined ? {} : { auth: git.auth }),
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
    ...(argocd === undefined ? {} : { argocd }),
  };

  if (flags.once === true) {
    // The cycle syncs and reads the settings itself; a settings error is thrown from it as a usage error.
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
    loopIntervalMs: flags.interval,
    signal: controller.signal,
    onCycle: (report) => {
      overview.update(report);
      notifier?.onCycle(report);
    },
    ...(notifier === undefined ? {} : { onError: (error) => notifier.onError(error) }),
  });
  serveHealth(watchdog.health);
  log.log("info", "watching", {
    repo: flags.repo,
    branch: flags.branch,
    prometheus: flags.prometheus,
    ...(flags.listen === undefined ? {} : { listen: formatAddress(flags.listen) }),
  });
  const code = await watchdog.done;
  process.off("SIGTERM", stop);
  process.off("SIGINT", stop);
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
