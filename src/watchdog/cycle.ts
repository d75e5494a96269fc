/**
 * One watchdog cycle: sync the repo → load specs → query → judge → decide →
 * edit specs → compile → commit (one per decision) → push. On a rejected push
 * (someone else pushed) it starts over on their state, up to a bound.
 */
import { posix } from "node:path";
import { isActive } from "../analysis/decide.js";
import { commitMessage, decisionReason, describeCheck } from "../analysis/explain.js";
import { rolloutId } from "../analysis/identity.js";
import {
  compileRollout,
  GENERATED_HEADER,
  rolloutDir,
  rootKustomization,
} from "../compile/compile.js";
import type { WatchSettings } from "../config/watch-settings.js";
import { type Actionable, applyDecision, decisionTime } from "../engine/apply-decision.js";
import { evaluateRollouts, filesNeedingHistory, type RolloutOutcome } from "../engine/evaluate.js";
import { type Diagnostic, formatDiagnostic } from "../errors.js";
import { GitError, type GitOpsRepo, type RepoFile } from "../gitops/repo.js";
import type { MetricsSource } from "../prometheus/metrics-source.js";
import { SpecEditError } from "../rollout/edit.js";
import { loadRepoRollouts, rolloutsOfValidFiles, type SpecCache } from "../rollout/load.js";
import type { Rollout } from "../rollout/types.js";
import type { ArgoCdSync } from "./argocd.js";
import { crashPoint, crashWhile } from "./crash-points.js";
import type { Logger } from "./log.js";
import type { Telemetry } from "./telemetry.js";

export interface CycleDeps {
  readonly repo: GitOpsRepo;
  readonly metrics: MetricsSource;
  /** Read after each sync, so a change to meshcanary.yaml takes effect at once. */
  readonly settings: (repoDir: string) => WatchSettings;
  readonly now: () => number;
  readonly log: Logger;
  readonly telemetry?: Telemetry;
  readonly argocd?: ArgoCdSync;
  readonly dryRun?: boolean;
  /** Attempts when pushes are rejected; default 5. */
  readonly maxAttempts?: number;
  /**
   * The newest check time evaluated per rollout. A loop keeps it between
   * cycles so each check time is judged once; decisions never depend on it.
   */
  readonly evaluated?: Map<string, number>;
  /** Parsed spec files by path and text, kept by a loop so unchanged files are not parsed again. */
  readonly parsed?: SpecCache;
  /** Spec problems already logged, kept by a loop so a standing problem is logged once. */
  readonly reported?: Set<string>;
}

export interface CycleReport {
  /** Every valid rollout loaded, active or not (the overview page lists them). */
  readonly rollouts: readonly Rollout[];
  readonly outcomes: readonly RolloutOutcome[];
  readonly invalid: readonly Diagnostic[];
  /** Prometheus failures met while checking (the affected rollouts held). */
  readonly metricsErrors: readonly string[];
  readonly commits: readonly string[];
  /** The commit of each decision written, by rollout id (`ns/name`). */
  readonly decisionCommits: ReadonlyMap<string, string>;
  readonly pushed: boolean;
  /** When the next check of any active rollout falls due (epoch ms), for the loop's sleep. */
  readonly nextCheckMs?: number;
}

export async function runCycle(deps: CycleDeps): Promise<CycleReport> {
  const nowMs = deps.now();
  const attempts = deps.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const report = await attemptCycle(deps, nowMs);
    if (report !== "rejected") return report;
    if (attempt >= attempts)
      throw new GitError(`push rejected ${attempts} times in a row; will retry next cycle`);
    deps.log.log("info", "push rejected: someone else pushed; deciding again on their state", {
      attempt,
    });
  }
}

async function attemptCycle(deps: CycleDeps, nowMs: number): Promise<CycleReport | "rejected"> {
  const { repo, log, telemetry } = deps;
  await repo.sync();
  const settings = deps.settings(repo.dir);
  const loaded = await loadRepoRollouts(repo, settings.specs, {
    defaults: settings.defaults ?? {},
    ...(deps.parsed === undefined ? {} : { cache: deps.parsed }),
  });
  const problems = loaded.diagnostics.map(formatDiagnostic);
  // A loop logs each problem once, when it appears, not at every cycle.
  for (const problem of problems.filter((p) => deps.reported?.has(p) !== true)) {
    log.log("warn", "invalid spec skipped", { problem });
  }
  if (deps.reported !== undefined) {
    deps.reported.clear();
    for (const p of problems) deps.reported.add(p);
  }
  telemetry?.invalidSpecs.set(new Set(loaded.diagnostics.map((d) => d.file)).size);
  const rollouts = rolloutsOfValidFiles(loaded);

  telemetry?.canaryWeight.reset();
  for (const rollout of rollouts.filter(isActive))
    telemetry?.canaryWeight.set({ rollout: rolloutId(rollout) }, rollout.traffic.canaryWeight);
  const evaluation = await evaluateRollouts(rollouts, {
    metrics: deps.metrics,
    nowMs,
    lastChanged: await repo.lastChangeTimes(filesNeedingHistory(rollouts)),
    ...(deps.evaluated === undefined ? {} : { evaluated: deps.evaluated }),
  });
  const actionable: { rollout: Rollout; decision: Actionable }[] = [];
  for (const { rollout, outcome } of evaluation.evaluated) {
    const newest = outcome.checks[0];
    if (newest !== undefined)
      telemetry?.checks.inc({ rollout: outcome.rollout, result: newest.kind });
    if (outcome.decision.action !== "hold")
      actionable.push({ rollout, decision: outcome.decision });
  }
  for (const error of evaluation.metricsErrors)
    log.log("error", "Prometheus query failed; holding", { error });

  if (actionable.length > 0 && deps.dryRun !== true) crashPoint("after-query");
  const commits: string[] = [];
  const decisionCommits = new Map<string, string>();
  if (deps.dryRun !== true && actionable.length > 0) {
    const outputDirs = await generatedRolloutDirs(repo, settings.out);
    for (const { rollout, decision } of actionable) {
      try {
        const sha = await commitDecision(repo, settings, outputDirs, rollout, decision, nowMs);
        crashPoint("after-commit");
        if (sha !== undefined) {
          commits.push(sha);
          decisionCommits.set(rolloutId(rollout), sha);
        }
      } catch (error) {
        if (!(error instanceof SpecEditError)) throw error;
        // This rollout's file is laid out in a way the editor cannot change safely; the others go on.
        log.log("error", "cannot write decision into spec; holding", {
          rollout: rolloutId(rollout),
          error: error.message,
        });
      }
    }
  }
  let pushed = false;
  if (commits.length > 0) {
    const pushing = repo.push();
    await crashWhile("during-push", pushing);
    if ((await pushing) === "rejected") return "rejected";
    crashPoint("after-push");
    pushed = true;
  }
  for (const { rollout, decision } of actionable) {
    const id = rolloutId(rollout);
    log.log("info", deps.dryRun === true ? "decision (dry run, not written)" : "decision", {
      rollout: id,
      action: decision.action,
      from: decision.from,
      ...(decision.action === "advance"
        ? { to: decision.to }
        : decision.action === "rollback"
          ? { to: 0 }
          : {}),
      reason: decisionReason(rollout, decision),
      checks: decision.basis.map(describeCheck),
    });
    if (pushed) telemetry?.decisions.inc({ rollout: id, action: decision.action });
  }
  if (pushed && deps.argocd !== undefined) {
    try {
      await deps.argocd();
    } catch (error) {
      log.log(
        "warn",
        "Argo CD sync request failed; Argo CD will pick the commit up at its next poll",
        { error: (error as Error).message },
      );
    }
  }
  for (const { outcome } of evaluation.evaluated) {
    const newest = outcome.checks[0];
    // A check Prometheus failed to answer is tried again next cycle, not taken as done.
    if (newest !== undefined && newest.kind !== "error")
      deps.evaluated?.set(outcome.rollout, newest.at);
  }
  return {
    rollouts,
    outcomes: evaluation.evaluated.map((e) => e.outcome),
    invalid: loaded.diagnostics,
    metricsErrors: evaluation.metricsErrors,
    commits,
    decisionCommits,
    pushed,
    ...(evaluation.nextCheckMs === undefined ? {} : { nextCheckMs: evaluation.nextCheckMs }),
  };
}

/**
 * Edits the spec and recompiles its manifests exactly as `meshcanary compile`
 * would (the root kustomization lists every generated rollout directory), and
 * commits both through the repository.
 */
async function commitDecision(
  repo: GitOpsRepo,
  settings: WatchSettings,
  outputDirs: Set<string>,
  rollout: Rollout,
  decision: Actionable,
  nowMs: number,
): Promise<string | undefined> {
  const text = await repo.read(rollout.source.file);
  if (text === undefined)
    throw new SpecEditError(`${rollout.source.file}: no longer in the repository`);
  const edited = applyDecision(text, rollout, decision, decisionTime(decision, nowMs));
  outputDirs.add(rolloutDir(rollout));
  const compiled = [
    ...compileRollout(edited.rollout, { apiVersion: settings.apiVersion }),
    rootKustomization([...outputDirs]),
  ].map((f) => ({ path: posix.join(settings.out, f.path), content: f.content }));
  return repo.commit(
    [
      { path: rollout.source.file, content: edited.text },
      ...compiled,
      ...(await leftOver(repo, posix.join(settings.out, rolloutDir(rollout)), compiled)),
    ],
    commitMessage(rollout, decision),
  );
}

/**
 * Generated files of the rollout's directory that the new output no longer
 * has, as removals: a promotion on the gateway-api target drops the old
 * stable's Service. Files a person put there are kept.
 */
async function leftOver(
  repo: GitOpsRepo,
  dir: string,
  compiled: readonly RepoFile[],
): Promise<RepoFile[]> {
  const written = new Set(compiled.map((f) => f.path));
  const removed: RepoFile[] = [];
  for (const path of (await repo.list(dir)) ?? []) {
    if (written.has(path) || posix.dirname(path) !== dir) continue;
    if ((await repo.read(path))?.startsWith(GENERATED_HEADER))
      removed.push({ path, content: null });
  }
  return removed;
}

/** `<ns>/<name>` directories under `out` whose kustomization.yaml meshcanary wrote. */
async function generatedRolloutDirs(repo: GitOpsRepo, out: string): Promise<Set<string>> {
  const dirs = new Set<string>();
  const prefix = out === "." ? "" : `${posix.normalize(out).replace(/\/+$/, "")}/`;
  for (const file of (await repo.list(out)) ?? []) {
    const match = /^([^/]+)\/([^/]+)\/kustomization\.yaml$/.exec(file.slice(prefix.length));
    if (!file.startsWith(prefix) || match === null) continue;
    if ((await repo.read(file))?.startsWith(GENERATED_HEADER))
      dirs.add(rolloutDir({ namespace: match[1] as string, name: match[2] as string }));
  }
  return dirs;
}
