/** The long crash loop (`npm run test:long`): 50 kills at crash points, 10 at random moments. */
import { expect } from "chai";
import { CRASH_POINTS } from "../../src/watchdog/crash-points.js";
import { commitsFailingCheck } from "../support/commit-checks.js";
import { crashLoop } from "../support/crash-loop.js";
import { decisionSubjects, type Harness } from "../support/watchdog-harness.js";

describe("crash safety, long (60 kills)", function () {
  this.timeout(900_000);
  let harness: Harness | undefined;
  after(() => harness?.close());

  it("loses no decision, makes none twice, and every commit's manifests match its spec", async () => {
    const steps = Array.from({ length: 30 }, (_, i) => (i + 1) * 3).concat([100]);
    const result = await crashLoop({ steps, pointKills: 50, randomKills: 10, seed: 2 });
    harness = result.harness;
    console.log(`      kills: ${JSON.stringify(result.kills)}`);
    for (const point of CRASH_POINTS)
      expect(result.kills[point], `kills at ${point}`).to.be.at.least(8);
    expect(decisionSubjects(harness)).to.deep.equal(result.expected);
    expect(commitsFailingCheck(harness.remote)).to.deep.equal([]);
  });
});
