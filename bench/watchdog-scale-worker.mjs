// Runs watchdog cycles in a process of its own, so its peak RSS is the
// watchdog's alone. Usage: node bench/watchdog-scale-worker.mjs <bare repo> <prometheus url> <cycles>
// Prints one JSON line: cycle times (ms), Prometheus requests per cycle, peak RSS (MB).
import { GitWorkingCopy } from "../dist/gitops/repo.js";
import { PrometheusClient } from "../dist/prometheus/client.js";
import { runCycle } from "../dist/watchdog/cycle.js";
import { silentLogger } from "../dist/watchdog/log.js";
import { watchSettings } from "../dist/watchdog/settings.js";

const [bare, prometheus, cyclesArg] = process.argv.slice(2);
const cycles = Number(cyclesArg ?? 10);
const client = new PrometheusClient({ url: prometheus, timeoutMs: 10_000 });
let requests = 0;
/** Per cycle, the span from the first range query sent to the last answer parsed (the queries run concurrently). */
let firstSent = Number.POSITIVE_INFINITY;
let lastAnswered = 0;
const metrics = {
  query(q, t) {
    requests++;
    return client.query(q, t);
  },
  async queryRange(q, r) {
    requests++;
    firstSent = Math.min(firstSent, performance.now());
    try {
      return await client.queryRange(q, r);
    } finally {
      lastAnswered = Math.max(lastAnswered, performance.now());
    }
  },
};
const repo = await GitWorkingCopy.open({
  remote: bare,
  branch: "main",
  author: { name: "bench", email: "bench@localhost" },
});
// open() only checks the workdir; clone now so no measured cycle includes the clone.
await repo.sync();
const times = [];
const queries = [];
const waits = [];
let outcomes = 0;
/** Verdicts of the newest check in the last cycle, to show which judge paths the cycles ran. */
let kinds = {};
// As in the loop: check times already judged, and parsed specs, are kept between cycles.
const evaluated = new Map();
const parsed = new Map();
for (let i = 0; i < cycles; i++) {
  // Start each cycle on a fresh interval so every rollout is due, as in a steady loop.
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 30));
  requests = 0;
  firstSent = Number.POSITIVE_INFINITY;
  lastAnswered = 0;
  const started = performance.now();
  // Dry run: every cycle decides for all rollouts (healthy ones would advance) and the repo stays as it is.
  const report = await runCycle({
    repo,
    metrics,
    settings: (dir) => watchSettings(dir, {}),
    now: Date.now,
    log: silentLogger,
    evaluated,
    parsed,
    dryRun: true,
  });
  times.push(performance.now() - started);
  queries.push(requests);
  waits.push(Math.max(0, lastAnswered - firstSent));
  outcomes = report.outcomes.length;
  kinds = {};
  for (const o of report.outcomes) {
    const kind = o.checks[0]?.kind ?? "none";
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  if (report.metricsErrors.length > 0) throw new Error(report.metricsErrors[0]);
}
console.log(
  JSON.stringify({
    times,
    queries,
    waits,
    outcomes,
    kinds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
