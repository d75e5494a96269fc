/**
 * The replica race at a larger size (npm run test:long): five watchdogs,
 * seven rollouts deciding at once, so more pushes collide.
 */
import { expect } from "chai";
import { describeFigures, raceReplicas } from "../support/replica-race.js";
import type { ReplicaRollout } from "../support/replica-scenario.js";

describe("replicas: five watchdogs, seven rollouts (long)", function () {
  this.timeout(600_000);

  it("make each decision once, in order, on a linear history, at 2 Prometheus queries per evaluation", async () => {
    const rollouts: ReplicaRollout[] = [
      { name: "ranker", fate: "healthy" },
      { name: "search", fate: "healthy" },
      { name: "feed", fate: "healthy" },
      { name: "ads", fate: "regress" },
      { name: "mail", fate: "regress" },
      { name: "chat", fate: "regress" },
      { name: "quiet", fate: "quiet" },
    ];
    const figures = await raceReplicas(rollouts, 5, 400_000);
    console.log(`      ${describeFigures(rollouts.length, figures)}`);
    expect(figures.decisions).to.equal(3 * 3 + 3);
    expect(figures.replicas.reduce((n, r) => n + r.rejections, 0)).to.be.greaterThan(0);
  });
});
