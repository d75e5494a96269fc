/** SIGKILL at every stage of a cycle, and at random moments: nothing lost, nothing twice. */
import { expect } from "chai";
import { CRASH_POINTS } from "../../src/watchdog/crash-points.js";
import { commitsFailingCheck } from "../support/commit-checks.js";
import { crashLoop } from "../support/crash-loop.js";
import { decisionSubjects, type Harness } from "../support/watchdog-harness.js";

describe("crash safety (kill -9 at each crash point, restart)", function () {
  this.timeout(300_000);
  let harness: Harness | undefined;
  after(() => harness?.close());

  it("loses no decision, makes none twice, and every commit's manifests match its spec", async () => {
    const result = await crashLoop({
      steps: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
      pointKills: 10,
      randomKills: 3,
      seed: 1,
    });
    harness = result.harness;
    for (const point of CRASH_POINTS)
      expect(result.kills[point], `kills at ${point}`).to.be.at.least(1);
    expect(decisionSubjects(harness)).to.deep.equal(result.expected);
    expect(commitsFailingCheck(harness.remote)).to.deep.equal([]);
  });
});
