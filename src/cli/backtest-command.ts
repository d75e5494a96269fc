/**
 * `meshcanary backtest`: what the watchdog would have done over a stretch of
 * Prometheus history with these specs. Prints the decisions and the values
 * behind them, `--json` the whole timeline, `--report` a self-contained HTML
 * page.
 */
import { resolve } from "node:path";
import { describeCheck } from "../analysis/explain.js";
import {
  type BacktestResult,
  type RolloutTimeline,
  replay,
  summarize,
} from "../backtest/replay.js";
import { timelineJson, timelineReport } from "../backtest/to-report.js";
import { loadProjectConfig, repositoryDefaults } from "../config/project-config.js";
import { InvalidSpecError, UsageError } from "../errors.js";
import { PrometheusClient } from "../prometheus/client.js";
import { renderReport } from "../report/render-report.js";
import { loadRollouts, rolloutsOfValidFiles, type SpecCache } from "../rollout/load.js";
import type { Console } from "./console.js";
import type { TimeFlag } from "./flag-values.js";
import { type PrometheusFlags, prometheusConnection } from "./prometheus-options.js";
import { writeFileAtomic } from "./write-file-atomic.js";

export interface BacktestFlags extends PrometheusFlags {
  readonly prometheus: string;
  readonly from: TimeFlag;
  /** Default `now`. */
  readonly to: TimeFlag;
  /** ms; default: the spec's analysis.interval. */
  readonly step?: number;
  readonly report?: string;
  readonly json?: boolean;
  readonly rollout?: string;
  /** Per Prometheus request, ms (`--query-timeout`, default 30s). */
  readonly queryTimeout: number;
}

/** More cycles than this is a typo in --from or --step, not a backtest. */
const MAX_CYCLES = 1_000_000;

export async function backtestCommand(
  paths: readonly string[],
  flags: BacktestFlags,
  io: Console,
): Promise<number> {
  if (paths.length === 0) throw new UsageError("give the spec files or directories to replay");
  const nowMs = Date.now();
  const fromMs = flags.from.at(nowMs);
  const toMs = flags.to.at(nowMs);
  if (fromMs >= toMs)
    throw new UsageError(`--from ${flags.from.text} is not before --to ${flags.to.text}`);
  const stepMs = flags.step;
  const connection = prometheusConnection(flags);

  const cwd = process.cwd();
  // The texts as validated, kept for the replay's edits (no second read that could differ).
  const read: SpecCache = new Map();
  const defaults = repositoryDefaults(loadProjectConfig(cwd));
  const loaded = loadRollouts(paths, { cwd, cache: read, defaults });
  if (loaded.diagnostics.length > 0) throw new InvalidSpecError(loaded.diagnostics);
  for (const note of loaded.notes) io.note(note);
  const chosen = rolloutsOfValidFiles(loaded).filter(
    (r) => flags.rollout === undefined || `${r.namespace}/${r.name}` === flags.rollout,
  );
  if (chosen.length === 0)
    throw new UsageError(
      flags.rollout === undefined
        ? "no rollout found in the given paths"
        : `--rollout ${flags.rollout}: no such rollout in the given specs`,
    );
  const withCanary = chosen.filter((r) => r.canary !== undefined);
  for (const r of chosen.filter((x) => x.canary === undefined))
    io.note(`${r.namespace}/${r.name}: no canary, nothing to replay`);
  if (withCanary.length === 0) throw new UsageError("no rollout with a canary to replay");
  if (flags.report !== undefined && withCanary.length > 1)
    throw new UsageError(
      `--report draws one rollout; these specs hold ${withCanary.length}: choose one with --rollout <namespace/name>`,
    );
  const minStep = stepMs ?? Math.min(...withCanary.map((r) => r.analysis.intervalMs));
  if ((toMs - fromMs) / minStep > MAX_CYCLES)
    throw new UsageError(
      `--from ${flags.from.text} … --to ${flags.to.text} at ${stepMs === undefined ? "the spec's interval" : `--step ${stepMs / 1000}s`} is more than ${MAX_CYCLES.toLocaleString("en")} cycles`,
    );

  const result = await replay(
    withCanary.map((rollout) => ({
      rollout,
      text: (read.get(resolve(cwd, rollout.source.file)) as { text: string }).text,
    })),
    {
      metrics: new PrometheusClient({ ...connection, timeoutMs: flags.queryTimeout }),
      fromMs,
      toMs,
      ...(stepMs === undefined ? {} : { stepMs }),
    },
  );

  if (flags.report !== undefined) {
    const [only] = result.timelines as [RolloutTimeline];
    writeFileAtomic(
      flags.report,
      renderReport(await timelineReport(result, only)),
      `--report ${flags.report}`,
    );
  }
  if (flags.json === true) io.out(JSON.stringify(timelineJson(result), null, 2));
  else for (const line of timelineText(result)) io.out(line);
  if (flags.report !== undefined) io.note(`report written to ${flags.report}`);
  return 0;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

export function timelineText(result: BacktestResult): string[] {
  const lines: string[] = [];
  for (const t of result.timelines) lines.push(...rolloutText(result, t), "");
  lines.push(
    `${result.cycles} cycles every ${result.stepMs / 1000}s; ${result.prometheusRequests} Prometheus requests`,
  );
  return lines;
}

function rolloutText(result: BacktestResult, t: RolloutTimeline): string[] {
  const lines = [
    `${t.rollout} (${t.stableName} → ${t.canaryName}): ${iso(result.fromMs)} → ${iso(result.toMs)}, starting at ${t.startWeight}%`,
  ];
  for (const d of t.decisions) {
    const move =
      d.action === "promote" ? `promote at ${d.from}%` : `${d.action} ${d.from}% → ${d.to}%`;
    lines.push(`  ${iso(d.at)}  ${move}: ${d.reason}`);
    for (const c of d.basis) lines.push(`      ${describeCheck(c)}`);
  }
  if (t.decisions.length === 0) lines.push("  no decision");
  const counts = new Map<string, number>();
  for (const c of t.checks) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  const tally = [...counts].map(([kind, n]) => `${n} ${kind}`).join(", ");
  lines.push(`  ${t.checks.length} checks${tally === "" ? "" : ` (${tally})`}`);
  lines.push(`  ${summarize(t)}`);
  return lines;
}
