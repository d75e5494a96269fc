/**
 * Crash injection for the crash-safety tests: with MESHCANARY_CRASH_AT=<point>
 * the process kills its whole process group (SIGKILL, no cleanup), git
 * children included, when it reaches that point of a cycle in which it acts
 * on a decision: as an OOM kill, a failed probe or a drain kills every process
 * of a container. Unset, this does nothing. (The crash tests kill git itself
 * while it holds a lock through test-only git hooks: test/support/crash-loop.ts.)
 */

export const CRASH_POINTS = [
  "after-query",
  "after-edit",
  "after-commit",
  "during-push",
  "after-push",
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export function crashPoint(point: CrashPoint): void {
  // Process 0 is the caller's process group: the test starts the watchdog as its leader.
  if (process.env.MESHCANARY_CRASH_AT === point) process.kill(0, "SIGKILL");
}

/** The same, a few milliseconds after `started` began (a push under way in a git child, killed with it). */
export async function crashWhile(
  point: CrashPoint,
  started: Promise<unknown>,
  afterMs = 5,
): Promise<void> {
  if (process.env.MESHCANARY_CRASH_AT !== point) return;
  started.catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  crashPoint(point);
}
