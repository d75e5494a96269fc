/** SIGKILL of the whole process group at every stage of a cycle, inside git while it holds a lock, and at random moments: nothing lost, nothing twice. */
import { crashLoop, expectCrashSafe } from "../support/crash-loop.js";
import type { Harness } from "../support/watchdog-harness.js";

describe("crash safety (kill -9 of the process group at each kill point, restart)", function () {
  this.timeout(300_000);
  let harness: Harness | undefined;
  after(() => harness?.close());

  it("loses no decision, makes none twice, and every commit's manifests match its spec", async () => {
    const result = await crashLoop({
      steps: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
      pointKills: 18,
      randomKills: 3,
      seed: 1,
    });
    harness = result.harness;
    expectCrashSafe(result, 1);
  });
});
