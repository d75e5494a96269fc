/**
 * `meshcanary status`: each rollout's phase, weight and step, and what the
 * watchdog would see and decide now (same evaluation code as the watchdog).
 */
import { isActive } from "../analysis/decide.js";
import { describeCheck } from "../analysis/explain.js";
import { rolloutId } from "../analysis/identity.js";
import { ExitCode, formatDiagnostic, UsageError } from "../errors.js";
import { GitWorkingCopy } from "../gitops/repo.js";
import { PrometheusClient } from "../prometheus/client.js";
import { parseDuration } from "../spec/duration.js";
import { loadRollouts, rolloutsOfValidFiles } from "../spec/load.js";
import type { Rollout } from "../spec/types.js";
import {
  evaluateRollouts,
  filesNeedingHistory,
  type RolloutOutcome,
} from "../watchdog/evaluate.js";
import { repoSpecs } from "../watchdog/settings.js";
import type { Console } from "./console.js";

export interface StatusFlags {
  readonly prometheus: string;
  readonly repo?: string;
  readonly branch: string;
  readonly specs?: string;
  readonly json?: boolean;
  readonly queryTimeout: string;
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
}

export function phaseOf(rollout: Rollout): string {
  if (rollout.status?.phase !== undefined) return rollout.status.phase;
  if (rollout.canary === undefined) return "Steady";
  return rollout.traffic.canaryWeight > 0 ? "Progressing" : "Pending";
}

export function statusView(rollout: Rollout, outcome?: RolloutOutcome): RolloutStatusView {
  const { steps, canaryWeight } = rollout.traffic;
  const newest = outcome?.checks[0];
  return {
    rollout: rolloutId(rollout),
    phase: phaseOf(rollout),
    active: isActive(rollout),
    weight: canaryWeight,
    step: steps.filter((s) => s <= canaryWeight).length,
    steps,
    ...(newest === undefined ? {} : { lastCheck: describeCheck(newest) }),
    ...(outcome === undefined ? {} : { next: `${outcome.decision.action}: ${outcome.reason}` }),
  };
}

export async function statusCommand(
  paths: readonly string[],
  flags: StatusFlags,
  io: Console,
): Promise<number> {
  const timeoutMs = parseDuration(flags.queryTimeout);
  if (timeoutMs === undefined)
    throw new UsageError(`--query-timeout ${flags.queryTimeout}: expected a duration`);
  let cwd = process.cwd();
  let specs = paths;
  let repo: GitWorkingCopy | undefined;
  if (flags.repo !== undefined) {
    repo = await GitWorkingCopy.open({
      remote: flags.repo,
      branch: flags.branch,
      author: { name: "meshcanary", email: "meshcanary@localhost" },
    });
    await repo.sync();
    cwd = repo.dir;
    specs = repoSpecs(repo.dir, flags.specs);
  }
  if (specs.length === 0) throw new UsageError("give spec paths, or --repo");
  const loaded = loadRollouts(specs, { cwd });
  for (const d of loaded.diagnostics) io.error(formatDiagnostic(d));
  const rollouts = rolloutsOfValidFiles(loaded);
  const evaluation = await evaluateRollouts(rollouts, {
    metrics: new PrometheusClient({ url: flags.prometheus, timeoutMs }),
    nowMs: Date.now(),
    lastChanged: (await repo?.lastChangeTimes(filesNeedingHistory(rollouts))) ?? new Map(),
  });
  const byRollout = new Map(evaluation.evaluated.map((e) => [e.rollout, e.outcome]));
  const views = rollouts.map((r) => statusView(r, byRollout.get(r)));
  if (flags.json === true) {
    io.out(JSON.stringify(views, null, 2));
  } else {
    for (const v of views) {
      io.out(`${v.rollout}  ${v.phase}  ${v.weight}% (step ${v.step}/${v.steps.length})`);
      if (v.lastCheck !== undefined) io.out(`  last check: ${v.lastCheck}`);
      if (v.next !== undefined) io.out(`  now: ${v.next}`);
      else if (!v.active) io.out("  not active: the watchdog does not check it");
    }
  }
  if (evaluation.metricsErrors.length > 0) {
    for (const e of evaluation.metricsErrors) io.error(`meshcanary: ${e}`);
    return ExitCode.external;
  }
  return loaded.diagnostics.length > 0 ? ExitCode.invalid : ExitCode.ok;
}
