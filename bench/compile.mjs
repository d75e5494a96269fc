// Compile benchmark: `meshcanary compile` against the "floor" (bench/floor.mjs,
// the same files written with no templates or checks), for N generated rollouts.
// Both are timed as whole processes, so Node's startup and module loading count.
//
// Usage: node bench/compile.mjs [--sizes 1000,10000] [--runs 5]
// (npm run bench:compile builds dist/ first.) Data goes to .bench/compile-*/ and
// is removed at the end; with the defaults it peaks at about 2 GB (all outputs).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000" },
    runs: { type: "string", default: "5" },
  },
});
const sizes = values.sizes.split(",").map(Number);
const runs = Number(values.runs);
if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(runs) || runs < 1) {
  console.error("usage: node bench/compile.mjs [--sizes 1000,10000] [--runs 5]");
  process.exit(2);
}

// Relative paths from the repo root: the compiler annotates manifests with the
// spec's path from the git root, and the floor uses the path from its cwd.
process.chdir(fileURLToPath(new URL("..", import.meta.url)));
mkdirSync(".bench", { recursive: true });
const work = mkdtempSync(join(".bench", "compile-"));

const NAMESPACES = 10;
const STEPS = [5, 10, 25, 50];

// One rollout per file, varied by index (deterministic): a third have no canary,
// a fifth also match a header, half have retries. Map keys are written in the
// compiler's canonical (alphabetical) order so the floor's output is byte-identical.
function specText(i, name) {
  const hasCanary = i % 3 !== 0;
  const header = i % 5 === 0 ? `headers: { x-canary: { exact: "true" } }, ` : "";
  return `apiVersion: meshcanary.dev/v1alpha1
kind: Rollout
metadata:
  name: ${name}
  namespace: ns-${i % NAMESPACES}
spec:
  service:
    host: model-${name}
    port: 8080
  gateways: [mesh]
  route:
    match:
      - { ${header}method: { exact: POST }, uri: { exact: /api/v1/${name} } }
    timeout: 2s
${i % 2 === 0 ? `    retries: { attempts: 2, perTryTimeout: 500ms, retryOn: "5xx,reset" }\n` : ""}\
  stable: { name: v1, labels: { version: v1 } }
${hasCanary ? "  canary: { name: v2, labels: { version: v2 } }\n" : ""}\
  traffic:
    canaryWeight: ${hasCanary ? STEPS[i % STEPS.length] : 0}
    steps: [5, 10, 25, 50, 100]
  analysis:
    interval: 10s
    window: 1m
    sla:
      latency: { quantile: 0.99, maxMs: 150 }
      errorRate: { max: 0.01 }
`;
}

function generate(n) {
  const dir = join(work, `specs-${n}`);
  mkdirSync(dir);
  for (let i = 0; i < n; i++) {
    const name = `svc-${String(i).padStart(5, "0")}`;
    writeFileSync(join(dir, `${name}.yaml`), specText(i, name));
  }
  return dir;
}

/** Wall time of one process in ms; exits on failure, showing stderr. */
function timeRun(label, args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    console.error(
      `${label} failed (exit ${result.status ?? result.signal}): node ${args.join(" ")}`,
    );
    console.error(result.stderr || result.error?.message);
    rmSync(work, { recursive: true, force: true });
    process.exit(1);
  }
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** A sample of rollouts' files, compared between the two outputs: is the floor doing the same job? */
function compareOutputs(realOut, floorOut, n) {
  const files = ["kustomization.yaml"];
  for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 50))) {
    const dir = `ns-${i % NAMESPACES}/svc-${String(i).padStart(5, "0")}`;
    for (const f of ["destinationrule.yaml", "kustomization.yaml", "virtualservice.yaml"]) {
      files.push(`${dir}/${f}`);
    }
  }
  const differing = files.filter(
    (f) => readFileSync(join(realOut, f), "utf8") !== readFileSync(join(floorOut, f), "utf8"),
  );
  return differing.length === 0
    ? `identical on ${files.length} sampled files`
    : `DIFFERENT in ${differing.length} of ${files.length} sampled files, e.g. ${differing[0]}`;
}

const results = [];
for (const n of sizes) {
  console.error(`N=${n}: generating specs, then ${runs} runs each…`);
  const specs = generate(n);
  // Flush the new spec files now, so their writeback is not timed in the first run.
  spawnSync("sync");
  const real = [];
  const floor = [];
  let sameness = "";
  for (let r = 0; r < runs; r++) {
    // Fresh, empty output directories, so every run writes all files. They are
    // deleted only at the end: on the VM this was written on (ext4, mounted with
    // discard), creating files just after deleting tens of thousands was ~1.5×
    // slower, so each run paid for the previous run's cleanup.
    const realOut = join(work, `out-real-${n}-${r}`);
    const floorOut = join(work, `out-floor-${n}-${r}`);
    real.push(
      timeRun("meshcanary compile", ["dist/cli/main.js", "compile", specs, "--out", realOut]),
    );
    floor.push(timeRun("floor", ["bench/floor.mjs", specs, floorOut]));
    if (r === 0) sameness = compareOutputs(realOut, floorOut, n);
  }
  results.push({
    n,
    real: median(real),
    floor: median(floor),
    realRuns: real,
    floorRuns: floor,
    sameness,
  });
}
rmSync(work, { recursive: true, force: true });

const row = (cells) => cells.map((c, i) => String(c).padStart(i === 0 ? 7 : 15)).join(" ");
console.log(
  `\nnode ${process.version}, ${availableParallelism()} CPUs, median of ${runs} runs each`,
);
console.log(row(["N", "meshcanary ms", "floor ms", "ratio", "meshcanary µs/r", "floor µs/r"]));
for (const { n, real, floor } of results) {
  console.log(
    row([
      n,
      real.toFixed(0),
      floor.toFixed(0),
      `${(real / floor).toFixed(2)}×`,
      ((real * 1000) / n).toFixed(1),
      ((floor * 1000) / n).toFixed(1),
    ]),
  );
}
for (let i = 1; i < results.length; i++) {
  const [a, b] = [results[i - 1], results[i]];
  console.log(
    `scaling ${a.n} → ${b.n} (meshcanary): ${(b.real / a.real).toFixed(2)}× for ${b.n / a.n}× the rollouts (floor: ${(b.floor / a.floor).toFixed(2)}×)`,
  );
}
for (const { n, realRuns, floorRuns, sameness } of results) {
  const list = (xs) => xs.map((x) => x.toFixed(0)).join(" ");
  console.log(`runs N=${n} (ms): meshcanary ${list(realRuns)}; floor ${list(floorRuns)}`);
  console.log(`  floor output vs meshcanary's (first run): ${sameness}`);
}
console.log("target: ratio within 2× of the floor, roughly linear scaling");
