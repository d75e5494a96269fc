/** The long crash loop (`npm run test:long`): 54 kills at the kill points (6 at each of the cycle's 5 and git's 4), 10 at random moments. */
import { crashLoop, expectCrashSafe } from "../support/crash-loop.js";
import type { Harness } from "../support/watchdog-harness.js";

describe("crash safety, long (64 kills of the whole process group)", function () {
  this.timeout(900_000);
  let harness: Harness | undefined;
  after(() => harness?.close());

  it("loses no decision, makes none twice, and every commit's manifests match its spec", async () => {
    const steps = Array.from({ length: 30 }, (_, i) => (i + 1) * 3).concat([100]);
    const result = await crashLoop({ steps, pointKills: 54, randomKills: 10, seed: 2 });
    harness = result.harness;
    expectCrashSafe(result, 6);
  });
});
