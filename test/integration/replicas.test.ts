/**
 * Three `meshcanary watch` processes on one remote while rollouts advance,
 * roll back, promote and hold: no decision duplicated, lost or skipped.
 */
import { expect } from "chai";
import { describeFigures, raceReplicas } from "../support/replica-race.js";
import type { ReplicaRollout } from "../support/replica-scenario.js";

describe("replicas: three watchdogs on one remote", function () {
  this.timeout(240_000);

  it("make each decision once, in order, on a linear history, at 2 Prometheus queries per evaluation", async () => {
    const rollouts: ReplicaRollout[] = [
      { name: "ranker", fate: "healthy" },
      { name: "search", fate: "regress" },
      { name: "quiet", fate: "quiet" },
    ];
    const figures = await raceReplicas(rollouts, 3, 150_000);
    console.log(`      ${describeFigures(rollouts.length, figures)}`);
    expect(figures.decisions).to.equal(4);
    // The replicas wake at the same check times; a run where none lost a push tested no race.
    expect(figures.replicas.reduce((n, r) => n + r.rejections, 0)).to.be.greaterThan(0);
  });
});
