/**
 * Crash safety, end to end: a watchdog process group (the watchdog and its git
 * children) killed with SIGKILL again and again — at each injected crash point
 * of a cycle in turn (MESHCANARY_CRASH_AT), inside git commands while they
 * hold a lock (GIT_LOCK_POINTS), and at random moments — and restarted on the
 * same working copy, while a healthy canary advances step by step to promotion.
 */

import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { expect } from "chai";
import { CRASH_POINTS } from "../../src/watchdog/crash-points.js";
import { type RunningCli, startCli } from "./cli.js";
import { commitsFailingCheck } from "./commit-checks.js";
import { fastSpec } from "./rollout-repo.js";
import { mulberry32 } from "./simulator.js";
import { decisionSubjects, type Harness, startHarness, waitFor } from "./watchdog-harness.js";

/**
 * Moments inside a git command of the watchdog, each named by the lock git
 * holds then: git itself (through the test-only hooks below) kills the whole
 * process group there, so the lock is left behind as a real kill leaves it.
 */
export const GIT_LOCK_POINTS = {
  /** `git add` (the clean filter runs while git holds the index lock). */
  "git add: index.lock": "index.lock",
  /** `git commit`, the checkout of a clone, a reset that moves HEAD (HEAD.lock, refs/heads/main.lock). */
  "git commit: HEAD.lock": "refs/heads/main",
  /** A clone (packed-refs.lock), a fetch that moves the branch, the tracking update of a push. */
  "git fetch/push: refs/remotes/origin/main.lock": "refs/remotes/origin/main",
  /** Every sync's `reset --hard` (ORIG_HEAD.lock). */
  "git reset: ORIG_HEAD.lock": "ORIG_HEAD",
} as const;
export type GitLockPoint = keyof typeof GIT_LOCK_POINTS;

/** Every kill point of the loop: the cycle's, then git's. */
export const KILL_POINTS: readonly string[] = [...CRASH_POINTS, ...Object.keys(GIT_LOCK_POINTS)];

export interface CrashLoopResult {
  readonly harness: Harness;
  /** Kills at each kill point, and at random moments. */
  readonly kills: Record<string, number>;
  /** Kills inside git that left a lock file behind in the workdir (each must, to count as tested). */
  readonly locksLeft: Record<string, number>;
  /** Runs after a kill inside git that logged the repair (removed locks or an unfinished clone). */
  readonly repairsLogged: number;
  /** The subjects a clean run must have produced, oldest first. */
  readonly expected: string[];
}

const REPAIRED = /removed stale git locks|removed clones a killed process left unfinished/;

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
  const killHooks = gitKillHooks();
  const random = mulberry32(options.seed);
  const kills: Record<string, number> = {};
  const locksLeft: Record<string, number> = {};
  const count = (into: Record<string, number>, what: string) => {
    into[what] = (into[what] ?? 0) + 1;
  };
  const start = (env: Record<string, string> = gitConfigEnv(REMOTE_APART)): RunningCli =>
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
      { detached: true },
    );
  const killGroup = async (w: RunningCli) => {
    process.kill(-(w.child.pid as number), "SIGKILL");
    await w.exited;
  };
  let repairsLogged = 0;
  let lockLeft = false;
  /** Counts a run that found the lock the previous run left and said so. */
  const ended = (w: RunningCli) => {
    if (lockLeft && REPAIRED.test(w.output().stderr)) repairsLogged++;
    lockLeft = false;
  };

  for (let i = 0; i < options.pointKills; i++) {
    const point = KILL_POINTS[i % KILL_POINTS.length] as string;
    const atGit = GIT_LOCK_POINTS[point as GitLockPoint];
    const w = start(
      atGit === undefined
        ? { ...gitConfigEnv(REMOTE_APART), MESHCANARY_CRASH_AT: point }
        : { ...gitConfigEnv([...REMOTE_APART, ...killHooks]), MESHCANARY_TEST_KILL_AT: atGit },
    );
    const timeout = new Promise<"timeout">((resolve) =>
      setTimeout(() => resolve("timeout"), 15_000),
    );
    const exit = await Promise.race([w.exited, timeout]);
    if (exit === "timeout") {
      await killGroup(w);
      ended(w);
      count(kills, "no decision within 15 s (killed)");
    } else if (exit === "SIGKILL") {
      ended(w);
      count(kills, point);
      if (atGit !== undefined && locksIn(workdir).length > 0) {
        count(locksLeft, point);
        lockLeft = true;
      }
    } else {
      throw new Error(
        `watchdog exited with ${String(exit)} instead of crashing at ${point}:\n${w.output().stderr}`,
      );
    }
  }
  for (let i = 0; i < options.randomKills; i++) {
    const w = start();
    await new Promise((r) => setTimeout(r, 200 + random() * 1800));
    await killGroup(w);
    ended(w);
    count(kills, "random moment");
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
    ended(last);
  }
  const expected = [
    ...steps.slice(1).map((to, i) => `advance recs/recommend: ${steps[i]}% → ${to}%`),
    "promote recs/recommend: v2 is now stable",
  ];
  return { harness, kills, locksLeft, repairsLogged, expected };
}

/**
 * What every crash loop must show: at least `perPoint` kills at each kill
 * point, every kill inside git leaving a lock that the next start removed and
 * logged, and the exact decisions of a clean run, each commit compiled right.
 */
export function expectCrashSafe(result: CrashLoopResult, perPoint: number): void {
  const { harness, kills } = result;
  for (const point of KILL_POINTS)
    expect(kills[point], `kills at ${point}`).to.be.at.least(perPoint);
  const gitPoints = Object.keys(GIT_LOCK_POINTS);
  for (const point of gitPoints)
    expect(result.locksLeft[point], `kills at ${point} that left a lock`).to.equal(kills[point]);
  const gitKills = gitPoints.reduce((n, p) => n + (kills[p] ?? 0), 0);
  expect(result.repairsLogged, "restarts that removed the lock and said so").to.equal(gitKills);
  const subjects = decisionSubjects(harness);
  console.log(
    `      kills: ${JSON.stringify(kills)}; decisions: ${subjects.length} of ${result.expected.length}; duplicates: ${subjects.length - new Set(subjects).size}`,
  );
  expect(subjects).to.deep.equal(result.expected);
  expect(commitsFailingCheck(harness.remote)).to.deep.equal([]);
}

/**
 * The remote's side of a push runs apart from the watchdog's process group, as
 * on a real git server: a kill of the watchdog must not leave the remote locked.
 */
const REMOTE_APART: [string, string][] = [["remote.origin.receivepack", "setsid git-receive-pack"]];

/** Git settings for the watchdog's git commands, through its environment. */
function gitConfigEnv(settings: readonly [string, string][]): Record<string, string> {
  return Object.fromEntries([
    ["GIT_CONFIG_COUNT", String(settings.length)],
    ...settings.flatMap(([key, value], i) => [
      [`GIT_CONFIG_KEY_${i}`, key],
      [`GIT_CONFIG_VALUE_${i}`, value],
    ]),
  ]);
}

/**
 * Test-only git hooks: with MESHCANARY_TEST_KILL_AT set, a reference
 * transaction that locks that ref, or a `git add` holding index.lock, kills
 * the process group. The remote's side of a push (a bare repository) is left alone.
 */
function gitKillHooks(): [string, string][] {
  const dir = mkdtempSync(join(tmpdir(), "meshcanary-kill-hooks-"));
  const script = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), 0o755);
  };
  script(
    "reference-transaction",
    `#!/bin/sh
refs=$(cat)
[ "$1" = prepared ] || exit 0
[ "$(git rev-parse --is-bare-repository)" = false ] || exit 0
printf '%s\\n' "$refs" | awk '{print $3}' | grep -qxF "$MESHCANARY_TEST_KILL_AT" || exit 0
kill -KILL 0
`,
  );
  script(
    "clean-filter",
    `#!/bin/sh
if [ "$MESHCANARY_TEST_KILL_AT" = index.lock ] && [ -e "$(git rev-parse --git-dir)/index.lock" ]; then
  kill -KILL 0
fi
exec cat
`,
  );
  writeFileSync(join(dir, "attributes"), "* filter=meshcanary-kill\n");
  return [
    ["core.hooksPath", dir],
    ["core.attributesFile", join(dir, "attributes")],
    ["filter.meshcanary-kill.clean", join(dir, "clean-filter")],
  ];
}

/** Lock files anywhere under the workdir's git directories (loose objects aside). */
function locksIn(workdir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(".lock")) found.push(relative(workdir, path));
    }
  };
  walk(workdir);
  return found;
}
