/**
 * `npm run demo`: watch a canary rollout and a rollback happen on one machine.
 * Everything is local: a bare git repo as the GitOps remote, the traffic
 * simulator (the stand-in for Istio's data plane) following the weights in
 * that repo, Debian's Prometheus scraping it, and the watchdog in between.
 *
 *   npm run demo                    # v2 healthy: 20% → 50% → 100% → promoted
 *   npm run demo -- regression      # v2 turns slow at 50%: rolled back to 0%
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "../src/watchdog/log.js";
import { startWatchdog } from "../src/watchdog/watchdog.js";
import { fastSpec } from "../test/support/rollout-repo.js";
import { decisionSubjects, startHarness } from "../test/support/watchdog-harness.js";

const scenario = process.argv[2] ?? "healthy";
if (scenario !== "healthy" && scenario !== "regression") {
  console.error("usage: npm run demo -- [healthy|regression]");
  process.exit(2);
}

console.log(
  `meshcanary demo (${scenario}): starting Prometheus and the traffic simulator on 127.0.0.1...`,
);
const h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 3 } }) });
console.log(`  GitOps remote: ${h.remote.bare}`);
console.log(
  `  Prometheus:    ${h.prom.url}  (try: rate(istio_requests_total{reporter="destination"}[10s]))`,
);
console.log(
  `  simulator:     http://${h.sim.target}/metrics  (200 requests/s, v1 and v2 at ~40 ms)`,
);
console.log(
  "  watchdog:      checks every 1 s over a 5 s window; p99 must stay under 150 ms, errors under 5 %\n",
);

const deps = await h.deps({
  log: createLogger({ json: false, write: (line) => process.stdout.write(`  ${line}`) }),
});
const controller = new AbortController();
const watchdog = startWatchdog({ ...deps, loopIntervalMs: 1000, signal: controller.signal });

const deadline = Date.now() + 90_000;
let shown = 0;
let broken = false;
while (Date.now() < deadline) {
  await sleep(500);
  const subjects = decisionSubjects(h);
  for (const s of subjects.slice(shown)) console.log(`\n  git: ${s}\n`);
  shown = subjects.length;
  if (scenario === "regression" && !broken && subjects.some((s) => s.includes("→ 50%"))) {
    console.log("\n  >>> injecting a regression: v2's median latency 40 ms → 400 ms\n");
    h.sim.setBehaviour("v2", { latencyMedianMs: 400 });
    broken = true;
  }
  if (subjects.some((s) => s.startsWith("promote") || s.startsWith("rollback"))) break;
}
controller.abort();
await watchdog.done;
await sleep(1500);
console.log(`requests served: ${JSON.stringify(h.sim.counts())}`);
console.log("\ngit log of the GitOps remote, newest first:");
for (const c of h.remote.log()) console.log(`  ${c.sha.slice(0, 8)} ${c.subject}`);
await h.close();
