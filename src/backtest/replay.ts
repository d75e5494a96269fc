/**
 * `backtest`: the watchdog replayed over history. At each cycle time the
 * rollouts go through `evaluateRollouts` (the watchdog's own check times,
 * evidence, judge and `decide()`), and each decision is written into the
 * spec's text with `applyDecision` (the watchdog's own edit and re-read), so
 * the replay cannot drift from what the watchdog would have done. Only git is
 * left out: the texts live in memory.
 *
 * What cannot be replayed: the metrics are what really happened, at the
 * weights that were really set; the replay judges them with this spec.
 */
import { type HoldPhase, isActive } from "../analysis/decide.js";
import type { CheckResult } from "../analysis/evidence.js";
import { describeCheck } from "../analysis/explain.js";
import { rolloutId } from "../analysis/identity.js";
import { type Actionable, applyDecision, decisionTime, reparse } from "../engine/apply-decision.js";
import { evaluateRollouts } from "../engine/evaluate.js";
import { ExitCode, MeshcanaryError } from "../errors.js";
import type { MetricsSource } from "../prometheus/metrics-source.js";
import { applyDecisionEdit } from "../rollout/edit.js";
import { inShadow } from "../rollout/lifecycle.js";
import type { Rollout } from "../rollout/types.js";
import { RecordedSource } from "./recorded-source.js";

/** Prometheus failed during the replay: its answer is unknown, so the timeline would be wrong. */
export class BacktestError extends MeshcanaryError {
  constructor(message: string) {
    super(message, "BACKTEST", ExitCode.external);
  }
}

export interface BacktestOptions {
  readonly metrics: MetricsSource;
  readonly fromMs: number;
  readonly toMs: number;
  /** How often the replayed watchdog runs a cycle; default the smallest `analysis.interval`. */
  readonly stepMs?: number;
}

export interface CheckRecord extends CheckResult {
  /** The canary weight while this check was made. */
  readonly weight: number;
  /** A hold the spec asked for at this check (`spec.paused`, `promotion: manual`), and why. */
  readonly held?: { readonly phase: HoldPhase; readonly reason: string };
}

export interface DecisionRecord {
  /** The decision's time, as the watchdog records it: its newest check time. */
  readonly at: number;
  readonly action: Actionable["action"];
  readonly from: number;
  readonly to: number;
  /** What it rests on, as in the commit body. */
  readonly reason: string;
  readonly basis: readonly CheckResult[];
  /** It ended a shadow phase: `shadow → <to>%` or `shadow → off`. */
  readonly fromShadow?: true;
}

export interface RolloutTimeline {
  readonly rollout: string;
  readonly file: string;
  readonly stableName: string;
  readonly canaryName: string;
  /** The rollout as the replay started it. */
  readonly initial: Rollout;
  readonly startWeight: number;
  /** Every check made, oldest first; each check time once. */
  readonly checks: readonly CheckRecord[];
  readonly decisions: readonly DecisionRecord[];
  /** The weight as steps: from `at` on. */
  readonly weights: readonly { readonly at: number; readonly weight: number }[];
  /** The shadow phase replayed: from the start until the decision that ended it (else the end). */
  readonly shadow?: { readonly fromMs: number; readonly toMs?: number; readonly percent: number };
  readonly end: {
    readonly phase: "RolledBack" | "Promoted" | "Progressing";
    readonly weight: number;
    /** When the rollout ended (rollback or promotion). */
    readonly at?: number;
  };
}

export interface BacktestResult {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  readonly timelines: readonly RolloutTimeline[];
  /** Cycles replayed. */
  readonly cycles: number;
  /** HTTP requests made to Prometheus. */
  readonly prometheusRequests: number;
  /** The recorded history: the replay's queries answer again without a request (for reports). */
  readonly history: MetricsSource;
}

/** A rollout to replay and the text of the file it lives in. */
export interface ReplayInput {
  readonly rollout: Rollout;
  readonly text: string;
}

interface State {
  rollout: Rollout;
  /** This rollout's own copy of its file's text: rollouts replay independently. */
  text: string;
  readonly initial: Rollout;
  readonly checks: CheckRecord[];
  readonly decisions: DecisionRecord[];
}

/**
 * The weight the replay starts at: the spec's, or the first step when the
 * spec is not at a step now (e.g. rolled back to 0 %); 0, its shadow, when
 * the spec has a shadow and no weight (the rollout replayed from its start).
 */
function startWeight(rollout: Rollout): number {
  const { canaryWeight, steps, shadow } = rollout.traffic;
  if (shadow !== undefined && canaryWeight === 0 && rollout.canary !== undefined) return 0;
  return canaryWeight > 0 && canaryWeight < 100 ? canaryWeight : (steps[0] as number);
}

/**
 * Puts a rollout at the start of the replay: its weight in effect from
 * `fromMs`, phase Progressing. Written with the watchdog's spec editor and
 * read back, like every later step.
 */
function startingRollout(input: ReplayInput, fromMs: number): Rollout {
  const at = new Date(fromMs).toISOString();
  const text = applyDecisionEdit(
    input.text,
    input.rollout.source.documentIndex,
    {
      canaryWeight: startWeight(input.rollout),
      status: { phase: "Progressing", stepStartedAt: at, reason: "backtest start" },
    },
    input.rollout.source.file,
  );
  return reparse(text, input.rollout);
}

export async function replay(
  inputs: readonly ReplayInput[],
  options: BacktestOptions,
): Promise<BacktestResult> {
  const { fromMs, toMs } = options;
  const source = new RecordedSource(options.metrics, { startMs: fromMs, endMs: toMs });
  const states = new Map<string, State>();
  for (const input of inputs) {
    const rollout = startingRollout(input, fromMs);
    states.set(rolloutId(rollout), {
      rollout,
      text: input.text,
      initial: rollout,
      checks: [],
      decisions: [],
    });
  }
  const stepMs = options.stepMs ?? Math.min(...inputs.map((i) => i.rollout.analysis.intervalMs));
  const evaluated = new Map<string, number>();
  let cycles = 0;
  for (let now = fromMs; now <= toMs; now += stepMs) {
    const active = [...states.values()].filter((s) => isActive(s.rollout));
    if (active.length === 0) break;
    cycles++;
    const evaluation = await evaluateRollouts(
      active.map((s) => s.rollout),
      { metrics: source, nowMs: now, lastChanged: new Map(), evaluated },
    );
    const failure = evaluation.metricsErrors[0];
    if (failure !== undefined) throw new BacktestError(`Prometheus: ${failure}`);
    for (const { rollout, outcome } of evaluation.evaluated) {
      const state = states.get(outcome.rollout) as State;
      const decision = outcome.decision;
      const held =
        decision.action === "hold" && decision.phase !== undefined
          ? { phase: decision.phase, reason: decision.reason }
          : undefined;
      record(state, outcome.checks, rollout.traffic.canaryWeight, held);
      const newest = outcome.checks[0];
      if (newest !== undefined) evaluated.set(outcome.rollout, newest.at);
      if (decision.action === "hold") continue;
      const at = decisionTime(decision, now);
      const edited = applyDecision(state.text, rollout, decision, at);
      state.text = edited.text;
      state.rollout = edited.rollout;
      state.decisions.push({
        at,
        action: decision.action,
        from: decision.from,
        // A promoted canary takes all traffic, as the stable it has become.
        to: decision.action === "advance" ? decision.to : decision.action === "promote" ? 100 : 0,
        reason: outcome.reason,
        basis: decision.basis,
        ...(decision.action !== "promote" && decision.fromShadow === true
          ? { fromShadow: true as const }
          : {}),
      });
    }
  }
  return {
    fromMs,
    toMs,
    stepMs,
    cycles,
    prometheusRequests: source.requests,
    history: source,
    timelines: [...states.values()].map((state) => timeline(state, fromMs)),
  };
}

/**
 * Adds the checks not seen before (a check time is judged in several cycles'
 * windows); a hold the spec asked for marks the newest, where it was decided.
 */
function record(
  state: State,
  checks: readonly CheckResult[],
  weight: number,
  held: CheckRecord["held"],
): void {
  const newestRecorded = state.checks.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
  const fresh = checks.filter((c) => c.at > newestRecorded).reverse();
  fresh.forEach((c, i) => {
    const decidedHere = held !== undefined && i === fresh.length - 1;
    state.checks.push({ ...c, weight, ...(decidedHere ? { held } : {}) });
  });
}

/** How many checks a hold of the spec marked, by phase, e.g. `12 checks held: Paused`. */
export function heldSummary(t: RolloutTimeline): string | undefined {
  const counts = new Map<HoldPhase, number>();
  for (const c of t.checks)
    if (c.held !== undefined) counts.set(c.held.phase, (counts.get(c.held.phase) ?? 0) + 1);
  if (counts.size === 0) return undefined;
  const parts = [...counts].map(([phase, n]) => `${n} check(s) held as ${phase}`);
  const newest = t.checks.findLast((c) => c.held !== undefined)?.held;
  return `${parts.join(", ")} (${newest?.reason ?? ""})`;
}

/** The weights and the end follow from the decisions. */
function timeline(state: State, fromMs: number): RolloutTimeline {
  const { initial, decisions } = state;
  const start = initial.traffic.canaryWeight;
  const shadowEnd = decisions.find((d) => d.fromShadow === true)?.at;
  const shadow =
    inShadow(initial) && initial.traffic.shadow !== undefined
      ? {
          fromMs,
          ...(shadowEnd === undefined ? {} : { toMs: shadowEnd }),
          percent: initial.traffic.shadow.percent,
        }
      : undefined;
  const last = decisions.at(-1);
  const phase =
    last?.action === "rollback"
      ? "RolledBack"
      : last?.action === "promote"
        ? "Promoted"
        : "Progressing";
  return {
    rollout: rolloutId(initial),
    file: initial.source.file,
    stableName: initial.stable.name,
    canaryName: initial.canary?.name ?? initial.stable.name,
    initial,
    startWeight: start,
    checks: state.checks,
    decisions,
    weights: [{ at: fromMs, weight: start }, ...decisions.map((d) => ({ at: d.at, weight: d.to }))],
    ...(shadow === undefined ? {} : { shadow }),
    end: {
      phase,
      weight: last?.to ?? start,
      ...(phase === "Progressing" || last === undefined ? {} : { at: last.at }),
    },
  };
}

/** One or two sentences: how the replay ended and why. */
export function summarize(t: RolloutTimeline): string {
  const last = t.decisions.at(-1);
  const when = (ms: number) => new Date(ms).toISOString();
  if (t.end.phase === "RolledBack" && last?.fromShadow === true)
    return `Would have ended the shadow (shadow → off) at ${when(last.at)} because ${last.reason}.`;
  if (t.end.phase === "RolledBack" && last !== undefined)
    return `Would have rolled back at ${when(last.at)} from ${last.from}% because ${last.reason}.`;
  if (t.end.phase === "Promoted" && last !== undefined)
    return `Would have reached 100% and promoted ${t.canaryName} at ${when(last.at)}.`;
  const advances = t.decisions.filter((d) => d.action === "advance").length;
  const newest = t.checks.at(-1);
  const tail = newest === undefined ? "no check was made" : `last check ${describeCheck(newest)}`;
  const held = heldSummary(t);
  const afterShadow = t.decisions[0]?.fromShadow === true ? " after its shadow" : "";
  const progress =
    advances > 0
      ? `Would have advanced ${advances} time(s)${afterShadow} to ${t.end.weight}% and still be progressing at the end; ${tail}.`
      : t.shadow !== undefined
        ? `Would have stayed in the shadow throughout (${t.shadow.percent}% mirrored); ${tail}.`
        : `Would have held at ${t.end.weight}% throughout; ${tail}.`;
  return held === undefined ? progress : `${progress} The spec held it: ${held}.`;
}
