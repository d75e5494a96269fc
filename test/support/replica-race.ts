/**
 * The replica race, run and judged: replicas watch one remote while their
 * rollouts advance, roll back, promote and hold; afterwards the remote's
 * history and the replicas' /metrics must show every decision once, in order,
 * on a linear history of valid commits, at 2 Prometheus queries per evaluation.
 */
import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { commitsFailingCheck } from "./commit-checks.js";
import { git } from "./git-remote.js";
import {
  expectedSubjects,
  metricSum,
  type ReplicaRollout,
  startReplicaScenario,
  waitForCycles,
} from "./replica-scenario.js";
import { decisionSubjects, waitFor } from "./watchdog-harness.js";

export interface ReplicaFigures {
  readonly decisions: number;
  readonly duplicates: number;
  /** Per replica: Prometheus requests, cycles, rejected pushes, decisions it pushed. */
  readonly replicas: readonly {
    queries: number;
    cycles: number;
    rejections: number;
    decisions: number;
  }[];
}

/** The range queries one evaluation sends when no custom metric is configured (src/analysis/evidence.ts): latency buckets + requests. */
export const QUERIES_PER_EVALUATION = 2;

const REJECTED = '"msg":"push rejected: someone else pushed; deciding again on their state"';

/** `quiet` must be one of `rollouts`: its checks count the evaluations that queried. */
export async function raceReplicas(
  rollouts: readonly ReplicaRollout[],
  replicaCount: number,
  timeoutMs: number,
): Promise<ReplicaFigures> {
  const quiet = rollouts.find((r) => r.fate === "quiet");
  if (quiet === undefined) throw new Error("the race needs a quiet rollout to count evaluations");
  const s = await startReplicaScenario(rollouts, replicaCount);
  try {
    const expected = rollouts.flatMap(expectedSubjects);
    await waitFor(
      "every rollout's decisions on the remote",
      () => {
        const subjects = new Set(decisionSubjects(s));
        return expected.every((e) => subjects.has(e));
      },
      timeoutMs,
    );
    // Every replica acts on the final state a few times: a late duplicate would show now.
    await waitForCycles(s.replicas, 3);

    const subjects = decisionSubjects(s);
    for (const r of rollouts) {
      expect(
        subjects.filter((x) => x.includes(` recs/${r.name}:`)),
        `decisions of recs/${r.name}`,
      ).to.deep.equal(expectedSubjects(r));
    }
    expect(subjects, "no commit besides the decisions").to.have.length(expected.length);
    const duplicates = subjects.length - new Set(subjects).size;
    expect(duplicates).to.equal(0);

    // Linear: no merge commit, and every push the remote accepted fast-forwarded the one before.
    expect(git(s.remote.bare, "rev-list", "--min-parents=2", s.remote.branch).trim()).to.equal("");
    const pushes = s.pushes();
    expect(pushes.at(-1)).to.equal(s.remote.head());
    const notFastForward = pushes.filter(
      (sha, i) =>
        i > 0 &&
        spawnSync("git", ["merge-base", "--is-ancestor", pushes[i - 1] as string, sha], {
          cwd: s.remote.bare,
        }).status !== 0,
    );
    expect(notFastForward, "pushes that did not fast-forward the branch").to.deep.equal([]);
    expect(commitsFailingCheck(s.remote)).to.deep.equal([]);

    // Scraped until no replica is between its two queries or before counting the check.
    const replicas = await waitFor(
      `${QUERIES_PER_EVALUATION} Prometheus queries per evaluation on every replica`,
      async () => {
        const figures = await Promise.all(
          s.replicas.map(async (r, i) => {
            const text = await r.metrics();
            return {
              queries: metricSum(text, "meshcanary_query_duration_seconds_count"),
              cycles: metricSum(text, "meshcanary_cycles_total"),
              evaluations: metricSum(
                text,
                "meshcanary_checks_total",
                `rollout="recs/${quiet.name}"`,
              ),
              rejections: r.cli.output().stderr.split(REJECTED).length - 1,
              decisions: s.remote.log().filter((c) => c.author === `replica-${i}`).length,
            };
          }),
        );
        return figures.every(
          (f) => f.evaluations > 0 && f.queries === QUERIES_PER_EVALUATION * f.evaluations,
        )
          ? figures
          : undefined;
      },
      10_000,
    );
    for (const r of replicas) {
      // At most one evaluation per attempt, and one attempt per cycle plus one per rejected push;
      // +1 for a cycle still under way at the scrape.
      expect(r.queries).to.be.at.most(QUERIES_PER_EVALUATION * (r.cycles + r.rejections + 1));
    }
    for (const r of s.replicas) expect(r.cli.output().stderr).to.not.match(/"level":"error"/);
    return {
      decisions: subjects.length,
      duplicates,
      replicas: replicas.map(({ queries, cycles, rejections, decisions }) => ({
        queries,
        cycles,
        rejections,
        decisions,
      })),
    };
  } finally {
    await s.close();
    for (const r of s.replicas) expect(await r.cli.exited).to.equal(0);
  }
}

/** One line for the test output: the figures README's "Replicas" section quotes. */
export function describeFigures(rollouts: number, f: ReplicaFigures): string {
  const perReplica = f.replicas
    .map(
      (r, i) =>
        `replica-${i}: ${r.queries} requests / ${r.cycles} cycles = ${(r.queries / r.cycles).toFixed(2)} per cycle, ${r.rejections} pushes rejected, ${r.decisions} decisions pushed`,
    )
    .join("; ");
  return `replicas: ${f.replicas.length} replicas, ${rollouts} rollouts, ${f.decisions} decisions, ${f.duplicates} duplicates; ${perReplica}`;
}
