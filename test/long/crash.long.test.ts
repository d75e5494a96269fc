/** The long crash loop (`npm run test:long`): 54 kills at the kill points (6 at each of the cycle's 5 and git's 4), 10 at random moments. */
import { expect } from "chai";
import { commitsFailingCheck } from "../support/commit-checks.js";
import { crashLoop, GIT_LOCK_POINTS, KILL_POINTS } from "../support/crash-loop.js";
import { decisionSubjects, type Harness } from "../support/watchdog-harness.js";

describe("crash safety, long (64 kills of the whole process group)", function () {
  this.timeout(900_000);
  let harness: Harness | undefined;
  after(() => harness?.close());

  it("loses no decision, makes none twice, and every commit's manifests match its spec", async () => {
    const steps = Array.from({ length: 30 }, (_, i) => (i + 1) * 3).concat([100]);
    const result = await crashLoop({ steps, pointKills: 54, randomKills: 10, seed: 2 });
    harness = result.harness;
    for (const point of KILL_POINTS)
      expect(result.kills[point], `kills at ${point}`).to.be.at.least(6);
    for (const point of Object.keys(GIT_LOCK_POINTS))
      expect(result.locksLeft[point], `kills at ${point} that left a lock`).to.equal(
        result.kills[point],
      );
    const gitKills = Object.keys(GIT_LOCK_POINTS).reduce((n, p) => n + (result.kills[p] ?? 0), 0);
    expect(result.repairsLogged, "restarts that removed the lock and said so").to.equal(gitKills);
    const subjects = decisionSubjects(harness);
    console.log(
      `      kills: ${JSON.stringify(result.kills)}; decisions: ${subjects.length} of ${result.expected.length}; duplicates: ${subjects.length - new Set(subjects).size}`,
    );
    expect(subjects).to.deep.equal(result.expected);
    expect(commitsFailingCheck(harness.remote)).to.deep.equal([]);
  });
});
