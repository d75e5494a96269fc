/** Values of command-line flags: durations and times, each refused with the flag named. */
import { UsageError } from "../errors.js";
import { parseDuration } from "../spec/duration.js";

/** A positive duration such as 500ms, 10s or 1m. */
export function durationFlag(flag: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms < 1)
    throw new UsageError(`${flag} ${value}: expected a duration such as 500ms, 10s or 1m`);
  return ms;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** RFC 3339 (`2026-11-20T10:00:00Z`), `now`, or `now-<duration>` (`now-24h`). */
export function parseTimeFlag(flag: string, value: string, nowMs: number): number {
  if (value === "now") return nowMs;
  const relative = /^now-(.+)$/.exec(value);
  if (relative !== null) {
    const ms = parseDuration(relative[1] as string);
    if (ms === undefined)
      throw new UsageError(`${flag} ${value}: expected now-<duration>, e.g. now-24h`);
    return nowMs - ms;
  }
  const ms = RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(
      `${flag} ${value}: expected an RFC 3339 time such as 2026-11-20T10:00:00Z, now, or now-24h`,
    );
  return ms;
}
