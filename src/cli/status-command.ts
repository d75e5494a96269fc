/**
 * `meshcanary status`: each rollout's phase, weight and step, and what the
 * watchdog would see and decide now (same evaluation code as the watchdog).
 */
import { isActive, phaseOf, stepOf } from "../analysis/decide.js";
import { describeCheck } from "../analysis/explain.js";
import { rolloutId } from "../analysis/identity.js";
import { loadProjectConfig, repositoryDefaults } from "../config/project-config.js";
import { repoDefaults, repoSpecs } from "../config/watch-settings.js";
import { evaluateRollouts, filesNeedingHistory, type RolloutOutcome } from "../engine/evaluate.js";
import { ExitCode, formatDiagnostic, UsageError } from "../errors.js";
import { GitWorkingCopy } from "../gitops/repo.js";
import { MetricsQueryError, PrometheusClient } from "../prometheus/client.js";
import { renderReport } from "../report/render-report.js";
import { rolloutSeries } from "../report/series.js";
import { statusReport } from "../report/status-report.js";
import { inShadow } from "../rollout/lifecycle.js";
import { loadRollouts, rolloutsOfValidFiles } from "../rollout/load.js";
import type { Rollout } from "../rollout/types.js";
import type { Console } from "./console.js";
import { type GitFlags, gitAuthFromFlags } from "./git-options.js";
import { type PrometheusFlags, prometheusConnection } from "./prometheus-options.js";
import { writeFileAtomic } from "./write-file-atomic.js";

export interface StatusFlags extends PrometheusFlags, GitFlags {
  readonly prometheus: string;
  readonly repo?: string;
  readonly branch: string;
  readonly specs?: string;
  readonly json?: boolean;
  /** Per Prometheus request, ms (`--query-timeout`, default 5s). */
  readonly queryTimeout: number;
  readonly report?: string;
  /** How much history `--report` draws, ms (`--report-range`, default 1h). */
  readonly reportRange: number;
  readonly rollout?: string;
}

export interface RolloutStatusView {
  readonly rollout: string;
  readonly phase: string;
  /** Whether the watchdog checks it (a canary, weight above 0, not finished). */
  readonly active: boolean;
  readonly weight: number;
  /** 1-based index of the current weight in steps, 0 before the first. */
  readonly step: number;
  readonly steps: readonly number[];
  readonly lastCheck?: string;
  readonly next?: string;
  /** In the shadow phase: the share mirrored, and when it ends as `shadow → off` without a verdict. */
  readonly shadow?: { readonly percent: number; readonly deadline?: string };
}

export function statusView(rollout: Rollout, outcome?: RolloutOutcome): RolloutStatusView {
  const { steps, canaryWeight } = rollout.traffic;
  const newest = outcome?.checks[0];
  const shadow = rollout.traffic.shadow;
  const deadline = outcome?.shadowDeadlineMs;
  return {
    rollout: rolloutId(rollout),
    phase: phaseOf(rollout, outcome?.decision),
    active: isActive(rollout),
    weight: canaryWeight,
    step: stepOf(rollout),
    steps,
    ...(newest === undefined ? {} : { lastCheck: describeCheck(newest) }),
    ...(outcome === undefined ? {} : { next: `${outcome.decision.action}: ${outcome.reason}` }),
    ...(shadow === undefined || !inShadow(rollout)
      ? {}
      : {
          shadow: {
            percent: shadow.percent,
            ...(deadline === undefined ? {} : { deadline: new Date(deadline).toISOString() }),
          },
        }),
  };
}

/** `--report` draws one rollout: the only one given, or the only active one. */
function reportedRollout(rollouts: readonly Rollout[]): Rollout {
  if (rollouts.length === 1) return rollouts[0] as Rollout;
  const active = rollouts.filter(isActive);
  if (active.length === 1) return active[0] as Rollout;
  throw new UsageError(
    `--report draws one rollout; ${active.length > 1 ? `${active.length} are active` : `${rollouts.length} were given, none active`}: choose one with --rollout <namespace/name>`,
  );
}

export async function statusCommand(
  paths: readonly string[],
  flags: StatusFlags,
  io: Console,
): Promise<number> {
  const connection = prometheusConnection(flags);
  const git = gitAuthFromFlags(flags);
  let cwd = process.cwd();
  let specs = paths;
  let repo: GitWorkingCopy | undefined;
  if (flags.repo !== undefined) {
    if (git.warning !== undefined) io.error(`meshcanary: warning: ${git.warning}`);
    repo = await GitWorkingCopy.open({
      remote: flags.repo,
      branch: flags.branch,
      ...(git.auth === undefined ? {} : { auth: git.auth }),
      author: { name: "meshcanary", email: "meshcanary@localhost" },
    });
    await repo.sync();
    cwd = repo.dir;
    specs = repoSpecs(repo.dir, flags.specs);
  }
  if (specs.length === 0) throw new UsageError("give spec paths, or --repo");
  // meshcanary.yaml's target decides the default selectors of specs that name none.
  const defaults =
    repo === undefined ? repositoryDefaults(loadProjectConfig(cwd)) : repoDefaults(repo.dir);
  const loaded = loadRollouts(specs, { cwd, defaults });
  for (const d of loaded.diagnostics) io.error(formatDiagnostic(d));
  const rollouts = rolloutsOfValidFiles(loaded).filter(
    (r) => flags.rollout === undefined || rolloutId(r) === flags.rollout,
  );
  if (flags.rollout !== undefined && rollouts.length === 0)
    throw new UsageError(`--rollout ${flags.rollout}: no such rollout in the given specs`);
  const reported = flags.report === undefined ? undefined : reportedRollout(rollouts);
  const metrics = new PrometheusClient({ ...connection, timeoutMs: flags.queryTimeout });
  const nowMs = Date.now();
  const evaluation = await evaluateRollouts(rollouts, {
    metrics,
    nowMs,
    lastChanged: (await repo?.lastChangeTimes(filesNeedingHistory(rollouts))) ?? new Map(),
  });
  const byRollout = new Map(evaluation.evaluated.map((e) => [e.rollout, e.outcome]));
  const views = rollouts.map((r) => statusView(r, byRollout.get(r)));
  if (flags.json === true) {
    io.out(JSON.stringify(views, null, 2));
  } else {
    for (const v of views) {
      io.out(`${v.rollout}  ${v.phase}  ${v.weight}% (step ${v.step}/${v.steps.length})`);
      if (v.shadow !== undefined)
        io.out(
          `  shadow: ${v.shadow.percent}% of requests mirrored to the canary; ${v.shadow.deadline === undefined ? "deadline unknown: no status.stepStartedAt and no git history (give --repo)" : `deadline ${v.shadow.deadline} (then shadow → off without a verdict)`}`,
        );
      if (v.lastCheck !== undefined) io.out(`  last check: ${v.lastCheck}`);
      if (v.next !== undefined) io.out(`  now: ${v.next}`);
      else if (!v.active) io.out("  not active: the watchdog does not check it");
    }
  }
  if (
    flags.report !== undefined &&
    reported !== undefined &&
    evaluation.metricsErrors.length === 0
  ) {
    const range = { fromMs: nowMs - flags.reportRange, toMs: nowMs };
    const series = await rolloutSeries(metrics, reported, range.fromMs, range.toMs).catch(
      (error: unknown) => {
        throw new MetricsQueryError((error as Error).message, "report");
      },
    );
    const data = statusReport(
      reported,
      byRollout.get(reported),
      series,
      range,
      phaseOf(reported, byRollout.get(reported)?.decision),
    );
    writeFileAtomic(flags.report, renderReport(data), `--report ${flags.report}`);
    io.note(`report written to ${flags.report}`);
  }
  if (evaluation.metricsErrors.length > 0) {
    for (const e of evaluation.metricsErrors) io.error(`meshcanary: ${e}`);
    return ExitCode.external;
  }
  return loaded.diagnostics.length > 0 ? ExitCode.invalid : ExitCode.ok;
}
