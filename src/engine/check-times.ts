/**
 * Which times a decision rests on. Check times sit on a grid of the rollout's
 * interval (multiples of it since the epoch), so every replica, a restart and
 * `--once` evaluate the very same instants and so decide the same.
 */
import type { Analysis } from "../rollout/types.js";

/** The newest grid time not after `nowMs`. */
export function latestCheckTime(analysis: Pick<Analysis, "intervalMs">, nowMs: number): number {
  return Math.floor(nowMs / analysis.intervalMs) * analysis.intervalMs;
}

/**
 * The last `max(promoteAfter, rollbackAfter)` check times, newest first,
 * none before the current step started.
 */
export function checkTimes(analysis: Analysis, nowMs: number, stepStartedAtMs: number): number[] {
  const count = Math.max(analysis.promoteAfter, analysis.rollbackAfter);
  const newest = latestCheckTime(analysis, nowMs);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = newest - i * analysis.intervalMs;
    if (t < stepStartedAtMs) break;
    times.push(t);
  }
  return times;
}
