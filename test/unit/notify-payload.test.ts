/** Notification payloads (v1) and their Slack form: pure functions, table-driven. */
import { expect } from "chai";
import {
  decisionNotice,
  describeNotice,
  failureNotice,
  type Notice,
  reportUrl,
} from "../../src/notify/payload.js";
import { type PushedDecision, pushedDecisions } from "../../src/notify/pushed-decisions.js";
import { slackMessage } from "../../src/notify/slack.js";
import type { CycleReport } from "../../src/watchdog/cycle.js";
import { cycleReport, pushedDecision } from "../support/pushed-decision.js";

const AT = Date.parse("2026-11-30T14:00:00Z");
const COMMIT = "0123456789abcdef0123456789abcdef01234567";

function pushed(overrides: Partial<PushedDecision> = {}): PushedDecision {
  return {
    rollout: "recs/recommend",
    action: "rollback",
    from: 20,
    to: 0,
    reason: "p99 latency 412 ms > 150 ms in 2 of 2 checks",
    subject: "rollback recs/recommend: 20% → 0%",
    commit: COMMIT,
    ...overrides,
  };
}

describe("notification payload v1", () => {
  const cases: [string, PushedDecision, string | undefined, Record<string, unknown>][] = [
    [
      "a rollback without a report base",
      pushed(),
      undefined,
      {
        version: 1,
        kind: "decision",
        rollout: "recs/recommend",
        action: "rollback",
        from: 20,
        to: 0,
        reason: "p99 latency 412 ms > 150 ms in 2 of 2 checks",
        subject: "rollback recs/recommend: 20% → 0%",
        commit: COMMIT,
        at: "2026-11-30T14:00:00.000Z",
      },
    ],
    [
      "an advance with a report base (trailing slash dropped)",
      pushed({
        action: "advance",
        from: 20,
        to: 50,
        reason: "healthy in 2 of 2 checks at 20%",
        subject: "advance recs/recommend: 20% → 50%",
      }),
      "https://meshcanary.example.com/",
      {
        version: 1,
        kind: "decision",
        rollout: "recs/recommend",
        action: "advance",
        from: 20,
        to: 50,
        reason: "healthy in 2 of 2 checks at 20%",
        subject: "advance recs/recommend: 20% → 50%",
        commit: COMMIT,
        at: "2026-11-30T14:00:00.000Z",
        report: "https://meshcanary.example.com/rollouts/recs/recommend",
      },
    ],
    [
      "a promote (to 100: the canary is now stable), base with a path",
      pushed({
        action: "promote",
        from: 50,
        to: 100,
        reason: "healthy in 3 of 3 checks at 50%",
        subject: "promote recs/recommend: v2 is now stable",
      }),
      "http://127.0.0.1:9464/meshcanary",
      {
        version: 1,
        kind: "decision",
        rollout: "recs/recommend",
        action: "promote",
        from: 50,
        to: 100,
        reason: "healthy in 3 of 3 checks at 50%",
        subject: "promote recs/recommend: v2 is now stable",
        commit: COMMIT,
        at: "2026-11-30T14:00:00.000Z",
        report: "http://127.0.0.1:9464/meshcanary/rollouts/recs/recommend",
      },
    ],
  ];
  for (const [what, decision, base, expected] of cases)
    it(`decision: ${what}`, () => {
      // Through JSON, as a receiver sees it: no undefined fields, exact keys.
      expect(JSON.parse(JSON.stringify(decisionNotice(decision, AT, base)))).to.deep.equal(
        expected,
      );
    });

  it("failure: the cycles, the masked error, since and at", () => {
    expect(failureNotice(3, "Prometheus query: *** refused", AT - 20_000, AT)).to.deep.equal({
      version: 1,
      kind: "failure",
      cycles: 3,
      error: "Prometheus query: *** refused",
      since: "2026-11-30T13:59:40.000Z",
      at: "2026-11-30T14:00:00.000Z",
    });
  });

  it("report links follow the overview page's route", () => {
    expect(reportUrl("https://x.example/", "a-b/c-d")).to.equal(
      "https://x.example/rollouts/a-b/c-d",
    );
  });
});

describe("Slack message", () => {
  const cases: [string, Notice, string][] = [
    [
      "a rollback with a report link",
      decisionNotice(pushed(), AT, "https://meshcanary.example.com"),
      `meshcanary rollback recs/recommend: 20% → 0%: p99 latency 412 ms &gt; 150 ms in 2 of 2 checks (commit 0123456789ab) <https://meshcanary.example.com/rollouts/recs/recommend|report>`,
    ],
    [
      "a promote without a link",
      decisionNotice(
        pushed({
          action: "promote",
          from: 50,
          to: 100,
          reason: "healthy in 3 of 3 checks at 50%",
          subject: "promote recs/recommend: v2 is now stable",
        }),
        AT,
      ),
      "meshcanary promote recs/recommend: v2 is now stable: healthy in 3 of 3 checks at 50% (commit 0123456789ab)",
    ],
    [
      "a failure, with Slack's markup characters escaped",
      failureNotice(4, "git push: <remote> & co refused", AT - 30_000, AT),
      "meshcanary: 4 cycles in a row failed since 2026-11-30T13:59:30.000Z; every rollout is held. Last error: git push: &lt;remote&gt; &amp; co refused",
    ],
  ];
  for (const [what, notice, text] of cases)
    it(what, () => {
      expect(slackMessage(notice)).to.deep.equal({ text });
    });

  it("describes notices for log lines", () => {
    expect(describeNotice(decisionNotice(pushed(), AT))).to.equal("rollback recs/recommend");
    expect(describeNotice(failureNotice(3, "x", AT, AT))).to.equal("failure for 3 cycles");
  });
});

describe("pushed decisions from a cycle report", () => {
  const promote = pushedDecision(1, {
    action: "promote",
    from: 50,
    to: 100,
    reason: "healthy in 2 of 2 checks at 50%",
    subject: "promote recs/r1: v2 is now stable",
  });
  const advance = pushedDecision(2);
  const cases: [string, CycleReport, PushedDecision[]][] = [
    [
      "a promote and an advance",
      cycleReport({ decisions: [promote, advance] }),
      [promote, advance],
    ],
    ["nothing when nothing was pushed", cycleReport({ decisions: [advance], pushed: false }), []],
    [
      "not a decision without its commit",
      cycleReport({
        decisions: [promote, advance],
        decisionCommits: new Map([["recs/r2", advance.commit]]),
      }),
      [advance],
    ],
    [
      "not a hold",
      {
        ...cycleReport({ decisions: [advance] }),
        outcomes: [
          {
            rollout: "recs/r2",
            weight: 20,
            decision: { action: "hold", reason: "healthy in 1 of 2 checks" },
            reason: "healthy in 1 of 2 checks",
            checks: [],
          },
        ],
      },
      [],
    ],
  ];
  for (const [what, report, expected] of cases)
    it(what, () => {
      expect(pushedDecisions(report)).to.deep.equal(expected);
    });
});
