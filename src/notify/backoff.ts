/**
 * When to try a notification again: doubling from `firstMs` up to `maxMs`,
 * for `attempts` tries in all. No jitter: one watchdog is one sender, so
 * there is no herd to spread, and a fixed schedule is testable.
 */
export interface RetryPolicy {
  /** Tries in all, the first included; default 6. */
  readonly attempts: number;
  /** Wait after the first failed try; default 1 s. */
  readonly firstMs: number;
  /** Longest wait; default 60 s. */
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, firstMs: 1000, maxMs: 60_000 };

/** The wait after failed try number `attempt` (1-based), or undefined when it was the last. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number | undefined {
  if (attempt >= policy.attempts) return undefined;
  return Math.min(policy.maxMs, policy.firstMs * 2 ** (attempt - 1));
}
