/** The watchdog's log: short lines for a person at a terminal, JSON lines with the full arithmetic otherwise. */
import { expect } from "chai";
import type { CheckResult } from "../../src/analysis/evidence.js";
import { describeCheck } from "../../src/analysis/explain.js";
import { createLogger, withoutArithmetic } from "../../src/watchdog/log.js";

const AT = Date.parse("2026-11-30T10:00:00Z");

/** Checks as the statistical judge writes them: each measurement with its arithmetic in parentheses. */
function check(kind: CheckResult["kind"], at: number, latencyMs: number): CheckResult {
  return {
    kind,
    at,
    requests: 1203.4,
    measurements: [
      {
        metric: "p99 latency",
        value: latencyMs,
        unit: "ms",
        threshold: 150,
        bound: "max",
        breached: latencyMs > 150,
        detail:
          "37 of 1203 above 150 ms (interpolated in its bucket), P(> 150 ms) ≥ 2.13% at 95%; 95% interval 140 ms–420 ms; vs stable p99 95 ms (1180 requests): ratio 4.34× > 1.20×, Mann–Whitney U 912345, z 9.87, p < 1e-300, P(canary slower) 0.81",
      },
      {
        metric: "error rate",
        value: 0.001,
        unit: "ratio",
        threshold: 0.05,
        bound: "max",
        breached: false,
        detail:
          "1 of 1203 failed, 95% upper bound 0.46%; vs stable 0.08% (1 of 1180): difference +0.00 points, Fisher p 0.76",
      },
    ],
  };
}

const checks = [check("breach", AT - 1000, 412), check("breach", AT - 2000, 398)].map(
  describeCheck,
);
const decision = {
  rollout: "recs/recommend",
  action: "rollback",
  from: 20,
  to: 0,
  reason: "p99 latency 412 ms > 150 ms in 2 of 2 checks",
  checks,
};

function logged(json: boolean, message: string, fields: Record<string, unknown>): string[] {
  const lines: string[] = [];
  createLogger({ json, now: () => AT, write: (l) => lines.push(l) }).log("info", message, fields);
  return lines.join("").split("\n").slice(0, -1);
}

describe("watchdog log", () => {
  it("at a terminal: one short line per decision, one indented line per check with its values", () => {
    expect(logged(false, "decision", decision)).to.deep.equal([
      "2026-11-30T10:00:00Z info decision recs/recommend rollback 20% → 0%: p99 latency 412 ms > 150 ms in 2 of 2 checks",
      "    2026-11-30T09:59:59Z breach: p99 latency 412 ms > 150 ms; error rate 0.10% ≤ 5.00%; 1203 canary requests",
      "    2026-11-30T09:59:58Z breach: p99 latency 398 ms > 150 ms; error rate 0.10% ≤ 5.00%; 1203 canary requests",
    ]);
  });

  it("at a terminal: advance shows from → to, promote the weight it promotes at", () => {
    const advance = { ...decision, action: "advance", to: 50, checks: [] };
    expect(logged(false, "decision (dry run, not written)", advance)[0]).to.equal(
      "2026-11-30T10:00:00Z info decision (dry run, not written) recs/recommend advance 20% → 50%: p99 latency 412 ms > 150 ms in 2 of 2 checks",
    );
    const { to: _, ...promote } = { ...decision, action: "promote", from: 100, reason: "healthy" };
    expect(logged(false, "decision", promote)[0]).to.equal(
      "2026-11-30T10:00:00Z info decision recs/recommend promote at 100%: healthy",
    );
  });

  it("at a terminal: other messages keep their fields as key=value", () => {
    expect(
      logged(false, "watching", { repo: "https://bot:s3cret@git/x.git", interval: 10_000 }),
    ).to.deep.equal([
      "2026-11-30T10:00:00Z info watching repo=https://***@git/x.git interval=10000",
    ]);
  });

  it("not at a terminal: one JSON line per decision with every check's full arithmetic", () => {
    const lines = logged(true, "decision", decision);
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0] as string)).to.deep.equal({
      time: "2026-11-30T10:00:00.000Z",
      level: "info",
      msg: "decision",
      ...decision,
    });
    expect(lines[0]).to.contain("Mann–Whitney U 912345").and.to.contain("Fisher p 0.76");
  });

  it("drops parenthesised arithmetic, nested or not, and keeps what is outside it", () => {
    const cases: [string, string][] = [
      ["a 1 ms ≤ 2 ms (x (y) z; w); b 3", "a 1 ms ≤ 2 ms; b 3"],
      [
        "nodata: fewer than 20 requests (3); 3 canary requests",
        "nodata: fewer than 20 requests; 3 canary requests",
      ],
      ["no parentheses at all", "no parentheses at all"],
      ["a stray ) stays", "a stray ) stays"],
    ];
    for (const [input, expected] of cases) expect(withoutArithmetic(input)).to.equal(expected);
  });

  it("masks a secret whole even when another secret is part of it", () => {
    const lines: string[] = [];
    const log = createLogger({
      json: true,
      now: () => AT,
      write: (l) => lines.push(l),
      secrets: ["token", "token-rotated-value"],
    });
    log.log("error", "sync failed", { error: "refused token-rotated-value and token" });
    const text = lines.join("");
    expect(text).to.contain("refused *** and ***");
    expect(text).to.not.contain("rotated");
  });
});
