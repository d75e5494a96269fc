/** The notification queue's bound and the retry schedule. */
import { expect } from "chai";
import { DEFAULT_RETRY, type RetryPolicy, retryDelayMs } from "../../src/notify/backoff.js";
import { BoundedQueue } from "../../src/notify/queue.js";

describe("bounded queue", () => {
  it("keeps at most its capacity, dropping the oldest and saying which", () => {
    const q = new BoundedQueue<number>(3);
    const dropped = [1, 2, 3, 4, 5].map((n) => q.push(n)?.dropped);
    expect(dropped).to.deep.equal([undefined, undefined, undefined, 1, 2]);
    expect(q.length).to.equal(3);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).to.deep.equal([3, 4, 5, undefined]);
  });

  it("refuses a capacity below 1", () => {
    expect(() => new BoundedQueue(0)).to.throw(RangeError, /positive integer, got 0/);
  });
});

describe("retry schedule", () => {
  const cases: [string, RetryPolicy, (number | undefined)[]][] = [
    ["the default", DEFAULT_RETRY, [1000, 2000, 4000, 8000, 16_000, undefined]],
    [
      "capped at maxMs",
      { attempts: 6, firstMs: 10_000, maxMs: 30_000 },
      [10_000, 20_000, 30_000, 30_000, 30_000, undefined],
    ],
    ["one try only", { attempts: 1, firstMs: 1000, maxMs: 1000 }, [undefined]],
  ];
  for (const [what, policy, delays] of cases)
    it(`${what}: waits ${delays.map((d) => d ?? "no more").join(", ")}`, () => {
      expect(delays.map((_, i) => retryDelayMs(policy, i + 1))).to.deep.equal(delays);
    });
});
