/**
 * Crash safety, end to end: a watchdog process killed with SIGKILL again and
 * again — at each injected crash point of a cycle in turn (MESHCANARY_CRASH_AT)
 * and at random moments — and restarted on the same working copy, while a
 * healthy canary advances step by step to promotion.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CRASH_POINTS } from "../../src/watchdog/crash-points.js";
import { type RunningCli, startCli } from "./cli.js";
import { fastSpec } from "./rollout-repo.js";
import { mulberry32 } from "./simulator.js";
import { decisionSubjects, type Harness, startHarness, waitFor } from "./watchdog-harness.js";

export interface CrashLoopResult {
  readonly harness: Harness;
  /** Kills at each crash point, and at random moments. */
  readonly kills: Record<string, number>;
  /** The subjects a clean run must have produced, oldest first. */
  readonly expected: string[];
}

export async function crashLoop(options: {
  steps: number[];
  pointKills: number;
  randomKills: number;
  seed: number;
}): Promise<CrashLoopResult> {
  const { steps } = options;
  const harness = await startHarness({
    // Crash safety is about the cycle, not the verdicts: the threshold judge decides at
    // every check, while the statistical one would hold as inconclusive at the first
    // steps (3 % of 200 rps is 30 requests per 5 s window, fewer than a p99 needs).
    spec: fastSpec({
      traffic: { canaryWeight: steps[0], steps },
      analysis: { promoteAfter: 1, judge: "threshold" },
    }),
  });
  const workdir = mkdtempSync(join(tmpdir(), "meshcanary-crash-"));
  const random = mulberry32(options.seed);
  const kills: Record<string, number> = {};
  const count = (what: string) => {
    kills[what] = (kills[what] ?? 0) + 1;
  };
  const start = (env: Record<string, string> = {}): RunningCli =>
    startCli(
      [
        "watch",
        "--repo",
        harness.remote.bare,
        "--prometheus",
        harness.prom.url,
        "--interval",
        "1s",
        "--workdir",
        workdir,
      ],
      harness.remote.root,
      env,
    );

  for (let i = 0; i < options.pointKills; i++) {
    const point = CRASH_POINTS[i % CRASH_POINTS.length] as string;
    const w = start({ MESHCANARY_CRASH_AT: point });
    const timeout = new Promise<"timeout">((resolve) =>
      setTimeout(() => resolve("timeout"), 15_000),
    );
    const exit = await Promise.race([w.exited, timeout]);
    if (exit === "timeout") {
      w.child.kill("SIGKILL");
      await w.exited;
      count("no decision within 15 s (killed)");
    } else if (exit === "SIGKILL") {
      count(point);
    } else {
      throw new Error(
        `watchdog exited with ${String(exit)} instead of crashing at ${point}:\n${w.output().stderr}`,
      );
    }
  }
  for (let i = 0; i < options.randomKills; i++) {
    const w = start();
    await new Promise((r) => setTimeout(r, 200 + random() * 1800));
    w.child.kill("SIGKILL");
    await w.exited;
    count("random moment");
  }
  const last = start();
  try {
    await waitFor(
      "promotion",
      () => decisionSubjects(harness).some((s) => s.startsWith("promote")),
      120_000,
    );
  } finally {
    last.child.kill("SIGTERM");
    await last.exited;
  }
  const expected = [
    ...steps.slice(1).map((to, i) => `advance recs/recommend: ${steps[i]}% → ${to}%`),
    "promote recs/recommend: v2 is now stable",
  ];
  return { harness, kills, expected };
}
