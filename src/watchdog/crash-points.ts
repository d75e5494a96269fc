/**
 * Crash injection for the crash-safety tests: with MESHCANARY_CRASH_AT=<point>
 * the process kills itself (SIGKILL, no cleanup) when it reaches that point
 * of a cycle in which it acts on a decision. Unset, this does nothing.
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
  if (process.env.MESHCANARY_CRASH_AT === point) process.kill(process.pid, "SIGKILL");
}

/** The same, a few milliseconds after `started` began (a push under way in its own process). */
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
