/** Check results from a compact pattern, for decision tables. */
import type { CheckKind, CheckResult } from "../../src/analysis/evidence.js";

const KINDS: Readonly<Record<string, CheckKind>> = {
  h: "healthy",
  b: "breach",
  i: "inconclusive",
  n: "nodata",
  e: "error",
};

/**
 * Results newest first, one per character: h healthy, b breach,
 * i inconclusive, n nodata (no requests), e error; the newest at `newestAt`,
 * each older one `intervalMs` before.
 */
export function checkPattern(
  pattern: string,
  newestAt = 1_000_000,
  intervalMs = 10_000,
): CheckResult[] {
  return [...pattern].map((c, i) => {
    const kind = KINDS[c];
    if (kind === undefined) throw new Error(`unknown check kind ${c} in ${pattern}`);
    return {
      kind,
      at: newestAt - i * intervalMs,
      requests: kind === "nodata" ? 0 : 500,
      measurements: [],
      ...(kind === "nodata" ? { reason: "0 canary requests in 1m < minRequests 100" } : {}),
    };
  });
}
