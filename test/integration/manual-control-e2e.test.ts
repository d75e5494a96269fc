/**
 * Manual control end to end: the watchdog over the traffic simulator (the
 * stand-in for the Istio data plane), a real Prometheus and a real bare git
 * remote, and a person running `meshcanary pause|resume|promote` as a
 * process against the same remote.
 */
import { expect } from "chai";
import { parse } from "yaml";
import { phaseOf } from "../../src/analysis/decide.js";
import type { RolloutOutcome } from "../../src/engine/evaluate.js";
import { runCli, startCli } from "../support/cli.js";
import { fastSpec, SPEC_PATH, VS_PATH } from "../support/rollout-repo.js";
import {
  decisionSubjects,
  type Harness,
  loop,
  startHarness,
  waitFor,
} from "../support/watchdog-harness.js";

const JANE = "Jane Doe <jane@example.com>";
type Route = { destination: { subset: string }; weight?: number };

function remoteWeights(h: Harness): Record<string, number> {
  const vs = parse(h.remote.show(VS_PATH)) as { spec: { http: { route: Route[] }[] } };
  return Object.fromEntries(
    (vs.spec.http[0]?.route ?? []).map((r) => [r.destination.subset, r.weight ?? 100]),
  );
}

/** `meshcanary <command> recs/recommend --repo <remote>` as a person runs it, without blocking the loop. */
async function person(h: Harness, command: string): Promise<void> {
  const cli = startCli(
    [command, "recs/recommend", "--repo", h.remote.bare, "--author", JANE],
    h.remote.root,
  );
  const code = await cli.exited;
  expect(code, cli.output().stderr).to.equal(0);
}

function heldAs(outcome: RolloutOutcome | undefined): string | undefined {
  const d = outcome?.decision;
  return d?.action === "hold" ? d.phase : undefined;
}

describe("manual control end to end (simulator, real Prometheus and git)", function () {
  this.timeout(120_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("a paused healthy rollout does not advance; after resume it does; pause holds it again", async () => {
    h = await startHarness({ spec: fastSpec({ spec: { paused: true } }) });
    const harness = h;
    let w = await loop(harness);
    try {
      await harness.waitForFullWindow();
      // Healthy checks enough to advance (promoteAfter 2), held: three such cycles in a row.
      await waitFor("three held checks that would have advanced", () => {
        const newest = w.outcomes().slice(-3);
        return (
          newest.length === 3 &&
          newest.every((o) => heldAs(o) === "Paused" && o.reason.includes("would advance"))
        );
      });
      expect(decisionSubjects(harness)).to.deep.equal([]);
      expect(remoteWeights(harness)).to.deep.equal({ v1: 80, v2: 20 });
      expect(
        harness.logs.filter((l) => l.includes("holding at a person's request")),
      ).to.have.length(1);

      const status = startCli(
        ["status", "--repo", harness.remote.bare, "--prometheus", harness.prom.url],
        harness.remote.root,
      );
      expect(await status.exited, status.output().stderr).to.equal(0);
      expect(status.output().stdout).to.match(/^recs\/recommend {2}Paused {2}20% \(step 1\/3\)\n/);
      expect(status.output().stdout).to.contain("  now: hold: paused (spec.paused): ");

      await person(harness, "resume");
      await waitFor("the advance after resume", () =>
        decisionSubjects(harness).includes("advance recs/recommend: 20% → 50%"),
      );
      expect(decisionSubjects(harness).slice(0, 2)).to.deep.equal([
        "resume recs/recommend: at 20%",
        "advance recs/recommend: 20% → 50%",
      ]);
      expect(harness.logs.some((l) => l.includes('"no longer held"'))).to.equal(true);
    } finally {
      await w.stop();
    }

    // Paused at whatever weight the watchdog has reached: it holds there from now on.
    await person(harness, "pause");
    const pausedAt = decisionSubjects(harness).length;
    const subject = decisionSubjects(harness).at(-1) as string;
    expect(subject).to.match(/^pause recs\/recommend: at (50|100)%$/);
    w = await loop(harness);
    try {
      await waitFor("three held checks after the pause that would have moved on", () => {
        const newest = w.outcomes().slice(-3);
        return (
          newest.length === 3 &&
          newest.every((o) => heldAs(o) === "Paused" && /would (advance|promote)/.test(o.reason))
        );
      });
    } finally {
      await w.stop();
    }
    expect(decisionSubjects(harness)).to.have.length(pausedAt);
    expect(
      (parse(harness.remote.show(SPEC_PATH)) as { spec: { paused?: boolean } }).spec.paused,
    ).to.equal(true);
  });

  it("promotion: manual holds at the last step as AwaitingPromotion until meshcanary promote; the watchdog then sees Promoted", async () => {
    h = await startHarness({
      spec: fastSpec({ traffic: { canaryWeight: 100 }, analysis: { promotion: "manual" } }),
    });
    const harness = h;
    const w = await loop(harness);
    try {
      await harness.waitForFullWindow();
      await waitFor("three checks awaiting promotion", () => {
        const newest = w.outcomes().slice(-3);
        return newest.length === 3 && newest.every((o) => heldAs(o) === "AwaitingPromotion");
      });
      expect(w.outcomes().at(-1)?.reason).to.match(
        /^awaiting promotion \(analysis\.promotion: manual\): healthy in 2 of 2 checks at 100%; run meshcanary promote recs\/recommend$/,
      );
      expect(decisionSubjects(harness)).to.deep.equal([]);
      // meshcanary status says so too, judging afresh with the same engine.
      const status = startCli(
        ["status", "--repo", harness.remote.bare, "--prometheus", harness.prom.url],
        harness.remote.root,
      );
      expect(await status.exited, status.output().stderr).to.equal(0);
      expect(status.output().stdout).to.match(
        /^recs\/recommend {2}AwaitingPromotion {2}100% \(step 3\/3\)/,
      );
      expect(status.output().stdout).to.contain("run meshcanary promote recs/recommend");

      await person(harness, "promote");
      expect(decisionSubjects(harness)).to.deep.equal(["promote recs/recommend: v2 is now stable"]);
      expect(harness.remote.log()[0]?.author).to.equal("Jane Doe");
      expect(remoteWeights(harness)).to.deep.equal({ v2: 100 });
      await waitFor("the watchdog seeing the promotion", () => {
        const seen = w.reports.at(-1)?.rollouts.find((r) => r.name === "recommend");
        return seen !== undefined && phaseOf(seen) === "Promoted";
      });
    } finally {
      await w.stop();
    }
    // Promoted is final: the watchdog wrote nothing after the person's commit.
    expect(decisionSubjects(harness)).to.deep.equal(["promote recs/recommend: v2 is now stable"]);
    const status = runCli(
      ["status", "--repo", harness.remote.bare, "--prometheus", harness.prom.url],
      harness.remote.root,
    );
    expect(status.stdout).to.match(/^recs\/recommend {2}Promoted {2}0% /);
  });
});
