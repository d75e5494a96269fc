/**
 * Seeded Prometheus HISTORY of Istio's standard metrics for canary scenarios,
 * as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`
 * (see backfill.ts). Where the traffic simulator produces live metrics for a
 * real Prometheus to scrape, this writes hours of already-scraped samples at
 * once: one service per `HistorySpec`, two versions (stable and canary), any
 * number of services per file.
 *
 * Per scrape interval and version: requests ~ Poisson(rps·Δt·burst), a share
 * `errorRate` of them 503, latencies lognormal, counted into Istio's default
 * duration buckets. It is drawn as one independent Poisson count per
 * (response code, bucket) with mean rps·Δt·burst·share(code)·P(bucket): by
 * Poisson thinning that is exactly the same joint distribution as
 * Poisson requests → Binomial errors → Multinomial buckets, with no normal
 * approximation, and O(1) per draw at any rate (PTRS for large means).
 *
 * Format pitfalls (checked against Debian's promtool 2.42):
 * - Timestamps are float SECONDS and promtool truncates `ts * 1000` to an
 *   integer: "1078409439.133" becomes ...132 ms. `formatTimestamp` appends
 *   microsecond digits where the plain decimal would truncate wrongly.
 * - A sample older than its series' previous sample, or a duplicate, is
 *   silently DROPPED (exit code 0). Each series is written in time order and
 *   two specs must not share a (namespace, service) pair, which is checked.
 * - The file must end with `# EOF`, or promtool fails.
 * - promtool parses the whole file once per 2 h block between the file's
 *   min and max timestamps, empty ones included: keep each file's time range
 *   tight (many scenarios over the SAME hours in one file, or several files).
 * - Label order and series interleaving within a family do not matter.
 */
import { createReadStream } from "node:fs";
import { type FileHandle, open, rm, stat } from "node:fs/promises";
import { ISTIO_DURATION_BUCKETS_MS } from "../../src/analysis/histogram.js";
import { mulberry32 } from "./simulator.js";

export interface VersionBehaviour {
  /** Mean requests per second (Poisson arrivals per scrape interval). */
  readonly rps: number;
  /** Share of requests answered 503, 0..1 (e.g. 0.002). */
  readonly errorRate: number;
  /** Lognormal latency: median in ms and sigma of the log. */
  readonly latency: { readonly medianMs: number; readonly sigma: number };
}

/** Behaviour from `fromMs` (inclusive) until the next segment or the end. */
export interface Segment {
  readonly fromMs: number;
  readonly stable: VersionBehaviour;
  readonly canary: VersionBehaviour;
}

export type Reporter = "source" | "destination";

export interface HistorySpec {
  readonly seed: number;
  /** First scrape at `startMs`; scrapes every interval while `< endMs`. */
  readonly startMs: number;
  readonly endMs: number;
  /** Default 15_000. */
  readonly scrapeIntervalMs?: number;
  readonly namespace: string;
  readonly service: string;
  readonly stableVersion: string;
  readonly canaryVersion: string;
  /** Sorted by `fromMs`; the first one also covers any time before its `fromMs`. */
  readonly segments: readonly Segment[];
  /**
   * Scrape outages: no sample is written at a scrape time in [fromMs, toMs).
   * Traffic goes on meanwhile, so the counters jump after the gap.
   */
  readonly gaps?: readonly { readonly fromMs: number; readonly toMs: number }[];
  /**
   * Coefficient of variation of a per-scrape lognormal factor (mean 1) on the
   * Poisson means, shared by both versions (traffic surges hit the route, not
   * one version). 0 or absent: plain Poisson.
   */
  readonly burstiness?: number;
  /** Reporters of the duration histogram. Default `["destination"]` (what the watchdog reads). */
  readonly histogramReporters?: readonly Reporter[];
  /**
   * `"istio"` (default): the simulator's label set. `"minimal"`: only what the
   * watchdog's queries read (reporter, destination_service_name,
   * destination_service_namespace, destination_version, response_code), about
   * half the bytes and backfill time for big benchmarks.
   */
  readonly labels?: "istio" | "minimal";
}

export const DEFAULT_SCRAPE_INTERVAL_MS = 15_000;

export type ResponseCode = "200" | "503";
const CODES: readonly ResponseCode[] = ["200", "503"];
const COUNTER_REPORTERS: readonly Reporter[] = ["source", "destination"];

/** Ground truth of one (version, response code) at one scrape; values are cumulative from the start. */
export interface CodeTruth {
  /** istio_requests_total (both reporters) and the histogram's _count. */
  readonly count: number;
  /** Cumulative `le` buckets: one per ISTIO_DURATION_BUCKETS_MS, then +Inf (equal to `count`). */
  readonly buckets: readonly number[];
  /** The histogram's _sum. */
  readonly sumMs: number;
  /**
   * Whether this code's series exist in the file by this scrape. Like a real
   * exporter, a labelled series appears at the first written scrape where its
   * count is > 0 (so a version with no errors has no 503 series at all).
   */
  readonly exported: boolean;
}

export interface VersionTruth {
  readonly version: string;
  readonly codes: Readonly<Record<ResponseCode, CodeTruth>>;
}

export interface ScrapeTruth {
  readonly timeMs: number;
  /** False inside a gap: nothing of this scrape is in the file. */
  readonly written: boolean;
  /** The traffic factor of the interval ending here (1 without burstiness). */
  readonly burst: number;
  readonly stable: VersionTruth;
  readonly canary: VersionTruth;
}

export interface HistoryFileInfo {
  readonly path: string;
  readonly bytes: number;
  readonly samples: number;
  /** Earliest and latest sample timestamps in the file; NaN when it has none. */
  readonly minMs: number;
  readonly maxMs: number;
}

const REQUESTS = "istio_requests";
const DURATION = "istio_request_duration_milliseconds";
const BUCKET_LABELS = [...ISTIO_DURATION_BUCKETS_MS.map((b) => String(b)), "+Inf"];
const NB = BUCKET_LABELS.length;

/**
 * The ground truth, scrape by scrape, gap scrapes included (`written: false`).
 * Each yielded object is a fresh snapshot.
 */
export function* historyScrapes(spec: HistorySpec): Generator<ScrapeTruth> {
  for (const s of simulate(spec)) {
    yield {
      timeMs: s.timeMs,
      written: s.written,
      burst: s.burst,
      stable: snapshot(s.versions[0] as VersionState),
      canary: snapshot(s.versions[1] as VersionState),
    };
  }
}

/** The ground truth at the scrape at exactly `timeMs`; throws when no scrape falls there. */
export function truthAt(spec: HistorySpec, timeMs: number): ScrapeTruth {
  for (const s of simulate(spec)) {
    if (s.timeMs === timeMs) {
      return {
        timeMs: s.timeMs,
        written: s.written,
        burst: s.burst,
        stable: snapshot(s.versions[0] as VersionState),
        canary: snapshot(s.versions[1] as VersionState),
      };
    }
    if (s.timeMs > timeMs) break;
  }
  throw new Error(`no scrape at ${timeMs} (${new Date(timeMs).toISOString()})`);
}

/** The whole OpenMetrics text of one or more services, in memory: for small histories. */
export function historyOpenMetrics(specs: HistorySpec | readonly HistorySpec[]): string {
  const list = specList(specs);
  const histogram: string[] = [`# TYPE ${DURATION} histogram\n`];
  const counters: string[] = [`# TYPE ${REQUESTS} counter\n`];
  for (const spec of list) {
    const writer = new SeriesWriter(spec);
    for (const s of simulate(spec)) {
      if (!s.written) continue;
      histogram.push(writer.histogramLines(s));
      counters.push(writer.counterLines(s));
    }
  }
  return `${histogram.join("")}${counters.join("")}# EOF\n`;
}

/**
 * Streams the same bytes as `historyOpenMetrics` to `path` with bounded
 * memory, whatever the length and number of services. The counter family
 * goes through a temp file next to `path` (families must stay contiguous).
 */
export async function writeHistory(
  specs: HistorySpec | readonly HistorySpec[],
  path: string,
): Promise<HistoryFileInfo> {
  const list = specList(specs);
  const sidePath = `${path}.counters.tmp`;
  const main = new BufferedFile(await open(path, "w"));
  let side: BufferedFile | undefined;
  let samples = 0;
  let minMs = Number.POSITIVE_INFINITY;
  let maxMs = Number.NEGATIVE_INFINITY;
  try {
    side = new BufferedFile(await open(sidePath, "w"));
    main.push(`# TYPE ${DURATION} histogram\n`);
    side.push(`# TYPE ${REQUESTS} counter\n`);
    for (const spec of list) {
      const writer = new SeriesWriter(spec);
      for (const s of simulate(spec)) {
        if (!s.written) continue;
        main.push(writer.histogramLines(s));
        side.push(writer.counterLines(s));
        if (main.pending > FLUSH_BYTES) await main.flush();
        if (side.pending > FLUSH_BYTES) await side.flush();
      }
      samples += writer.samples;
      minMs = Math.min(minMs, writer.minMs);
      maxMs = Math.max(maxMs, writer.maxMs);
    }
    await side.close();
    side = undefined;
    await main.flush();
    for await (const chunk of createReadStream(sidePath)) await main.writeRaw(chunk as Buffer);
    main.push("# EOF\n");
    await main.close();
  } catch (error) {
    await side?.close().catch(() => undefined);
    await main.close().catch(() => undefined);
    throw error;
  } finally {
    await rm(sidePath, { force: true });
  }
  const empty = samples === 0;
  return {
    path,
    bytes: (await stat(path)).size,
    samples,
    minMs: empty ? Number.NaN : minMs,
    maxMs: empty ? Number.NaN : maxMs,
  };
}

/**
 * OpenMetrics seconds for a millisecond timestamp such that promtool's
 * `int64(parseFloat(s) * 1000)` gives back exactly `ms`: the plain decimal
 * where that works (almost always), else with microsecond digits added.
 */
export function formatTimestamp(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new Error(`bad timestamp ${ms}`);
  const sec = Math.floor(ms / 1000);
  const frac = ms % 1000;
  if (frac === 0 && sec * 1000 === ms) return String(sec);
  const base = `${sec}.${String(frac).padStart(3, "0")}`;
  if (Math.trunc(Number(base) * 1000) === ms) return base;
  for (let us = 1; us < 1000; us++) {
    const s = `${base}${String(us).padStart(3, "0")}`;
    if (Math.trunc(Number(s) * 1000) === ms) return s;
  }
  throw new Error(`no OpenMetrics timestamp parses back to ${ms} ms`);
}

// ---------------------------------------------------------------- simulation

interface CodeState {
  count: number;
  /** Per bucket (not le-cumulative), cumulative over time. */
  readonly perBucket: number[];
  sumMs: number;
  exported: boolean;
}

interface VersionState {
  readonly version: string;
  readonly codes: Record<ResponseCode, CodeState>;
}

interface ScrapeState {
  readonly timeMs: number;
  readonly written: boolean;
  readonly burst: number;
  readonly versions: readonly [VersionState, VersionState];
}

/** Bucket probabilities and conditional mean latencies of one behaviour. */
interface BucketModel {
  readonly probs: readonly number[];
  readonly means: readonly number[];
}

/** Yields one mutable state per scrape: valid until the next `next()`. */
function* simulate(spec: HistorySpec): Generator<ScrapeState> {
  checkSpec(spec);
  const interval = spec.scrapeIntervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS;
  const random = mulberry32(spec.seed);
  const burstiness = spec.burstiness ?? 0;
  const burstSigma = Math.sqrt(Math.log1p(burstiness * burstiness));
  const gaps = spec.gaps ?? [];
  const models = new Map<VersionBehaviour, BucketModel>();
  const model = (b: VersionBehaviour) => {
    let m = models.get(b);
    if (m === undefined) {
      m = bucketModel(b.latency.medianMs, b.latency.sigma);
      models.set(b, m);
    }
    return m;
  };
  const versions: [VersionState, VersionState] = [
    versionState(spec.stableVersion),
    versionState(spec.canaryVersion),
  ];
  let segment = 0;
  for (let t = spec.startMs; t < spec.endMs; t += interval) {
    // The scrape at t reports the interval (t - Δ, t]: the behaviour in force at its start.
    const from = t - interval;
    while (segment + 1 < spec.segments.length && (spec.segments[segment + 1]?.fromMs ?? 0) <= from)
      segment++;
    const seg = spec.segments[segment] as Segment;
    const burst =
      burstSigma > 0 ? Math.exp(-0.5 * burstSigma * burstSigma + burstSigma * gaussian(random)) : 1;
    const seconds = interval / 1000;
    const written = !gaps.some((g) => t >= g.fromMs && t < g.toMs);
    for (let v = 0; v < 2; v++) {
      const behaviour = v === 0 ? seg.stable : seg.canary;
      const state = versions[v] as VersionState;
      const { probs, means } = model(behaviour);
      const mean = behaviour.rps * seconds * burst;
      for (const code of CODES) {
        const share = code === "503" ? behaviour.errorRate : 1 - behaviour.errorRate;
        const c = state.codes[code];
        const codeMean = mean * share;
        if (codeMean > 0) {
          for (let i = 0; i < NB; i++) {
            const p = probs[i] as number;
            if (p <= 0) continue;
            const n = poisson(random, codeMean * p);
            if (n === 0) continue;
            c.perBucket[i] = (c.perBucket[i] as number) + n;
            c.count += n;
            c.sumMs += n * (means[i] as number);
          }
        }
        if (written && c.count > 0) c.exported = true;
      }
    }
    yield { timeMs: t, written, burst, versions };
  }
}

function versionState(version: string): VersionState {
  const code = (): CodeState => ({
    count: 0,
    perBucket: new Array<number>(NB).fill(0),
    sumMs: 0,
    exported: false,
  });
  return { version, codes: { "200": code(), "503": code() } };
}

function snapshot(v: VersionState): VersionTruth {
  const code = (c: CodeState): CodeTruth => ({
    count: c.count,
    buckets: leCumulative(c.perBucket),
    sumMs: c.sumMs,
    exported: c.exported,
  });
  return {
    version: v.version,
    codes: { "200": code(v.codes["200"]), "503": code(v.codes["503"]) },
  };
}

function leCumulative(perBucket: readonly number[]): number[] {
  let acc = 0;
  return perBucket.map((n) => {
    acc += n;
    return acc;
  });
}

function bucketModel(medianMs: number, sigma: number): BucketModel {
  const probs = new Array<number>(NB).fill(0);
  const means = new Array<number>(NB).fill(0);
  const bounds = ISTIO_DURATION_BUCKETS_MS;
  if (sigma === 0) {
    let i = bounds.findIndex((b) => medianMs <= b);
    if (i < 0) i = NB - 1;
    probs[i] = 1;
    means[i] = medianMs;
    return { probs, means };
  }
  const mu = Math.log(medianMs);
  const z = (b: number) => (Math.log(b) - mu) / sigma;
  // E[X; X <= b] = exp(mu + sigma²/2) · Φ(z(b) - sigma) for a lognormal X.
  const scale = Math.exp(mu + (sigma * sigma) / 2);
  let cdfPrev = 0;
  let partialPrev = 0;
  for (let i = 0; i < NB; i++) {
    const upper = bounds[i] ?? Number.POSITIVE_INFINITY;
    const lower = i === 0 ? 0 : (bounds[i - 1] as number);
    const cdf = upper === Number.POSITIVE_INFINITY ? 1 : normalCdf(z(upper));
    const partial = upper === Number.POSITIVE_INFINITY ? 1 : normalCdf(z(upper) - sigma);
    const p = Math.max(0, cdf - cdfPrev);
    probs[i] = p;
    // The conditional mean in (lower, upper], clamped where the difference is all rounding.
    const m = p > 1e-12 ? (scale * Math.max(0, partial - partialPrev)) / p : Number.NaN;
    const hi = upper === Number.POSITIVE_INFINITY ? Math.max(lower * 2, medianMs) : upper;
    means[i] = Number.isFinite(m) ? Math.min(hi, Math.max(lower, m)) : (lower + hi) / 2;
    cdfPrev = Math.max(cdfPrev, cdf);
    partialPrev = Math.max(partialPrev, partial);
  }
  return { probs, means };
}

// ------------------------------------------------------------------- writing

const FLUSH_BYTES = 1 << 20;

/** Precomputed series prefixes of one spec, and counts of what was written. */
class SeriesWriter {
  readonly #histogram: string[][][] = []; // [version][code] -> prefixes (buckets, _sum, _count) per reporter
  readonly #counter: string[][][] = []; // [version][code] -> prefix per reporter
  samples = 0;
  minMs = Number.POSITIVE_INFINITY;
  maxMs = Number.NEGATIVE_INFINITY;

  constructor(spec: HistorySpec) {
    const reporters = spec.histogramReporters ?? ["destination"];
    for (const version of [spec.stableVersion, spec.canaryVersion]) {
      const h: string[][] = [];
      const c: string[][] = [];
      for (const code of CODES) {
        const prefixes: string[] = [];
        for (const reporter of reporters) {
          const labels = labelText(spec, version, code, reporter);
          for (const le of BUCKET_LABELS)
            prefixes.push(`${DURATION}_bucket{${labels},le="${le}"} `);
          prefixes.push(`${DURATION}_sum{${labels}} `, `${DURATION}_count{${labels}} `);
        }
        h.push(prefixes);
        c.push(
          COUNTER_REPORTERS.map(
            (reporter) => `${REQUESTS}_total{${labelText(spec, version, code, reporter)}} `,
          ),
        );
      }
      this.#histogram.push(h);
      this.#counter.push(c);
    }
  }

  histogramLines(s: ScrapeState): string {
    const ts = ` ${formatTimestamp(s.timeMs)}\n`;
    let out = "";
    s.versions.forEach((v, vi) => {
      CODES.forEach((code, ci) => {
        const c = v.codes[code];
        if (!c.exported) return;
        const prefixes = (this.#histogram[vi] as string[][])[ci] as string[];
        const per = NB + 2;
        for (let r = 0; r < prefixes.length; r += per) {
          let acc = 0;
          for (let i = 0; i < NB; i++) {
            acc += c.perBucket[i] as number;
            out += `${prefixes[r + i]}${acc}${ts}`;
          }
          out += `${prefixes[r + NB]}${c.sumMs}${ts}${prefixes[r + NB + 1]}${c.count}${ts}`;
          this.#count(s.timeMs, per);
        }
      });
    });
    return out;
  }

  counterLines(s: ScrapeState): string {
    const ts = ` ${formatTimestamp(s.timeMs)}\n`;
    let out = "";
    s.versions.forEach((v, vi) => {
      CODES.forEach((code, ci) => {
        const c = v.codes[code];
        if (!c.exported) return;
        for (const prefix of (this.#counter[vi] as string[][])[ci] as string[])
          out += `${prefix}${c.count}${ts}`;
        this.#count(s.timeMs, COUNTER_REPORTERS.length);
      });
    });
    return out;
  }

  #count(timeMs: number, n: number): void {
    this.samples += n;
    if (timeMs < this.minMs) this.minMs = timeMs;
    if (timeMs > this.maxMs) this.maxMs = timeMs;
  }
}

/** The series' labels, the simulator's set by default (see simulator.ts `#record`), in its order. */
function labelText(
  spec: HistorySpec,
  version: string,
  code: ResponseCode,
  reporter: Reporter,
): string {
  const { service: name, namespace } = spec;
  const labels: [string, string][] =
    spec.labels === "minimal"
      ? [
          ["reporter", reporter],
          ["destination_service_name", name],
          ["destination_service_namespace", namespace],
          ["destination_version", version],
          ["response_code", code],
        ]
      : istioLabels(name, namespace, version, code, reporter);
  return labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",");
}

function istioLabels(
  name: string,
  namespace: string,
  version: string,
  code: ResponseCode,
  reporter: Reporter,
): [string, string][] {
  return [
    ["reporter", reporter],
    ["source_workload", "loadgen"],
    ["source_workload_namespace", namespace],
    ["destination_service", `${name}.${namespace}.svc.cluster.local`],
    ["destination_service_name", name],
    ["destination_service_namespace", namespace],
    ["destination_workload", `${name}-${version}`],
    ["destination_version", version],
    ["response_code", code],
    ["response_flags", "-"],
    ["request_protocol", "http"],
  ];
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

class BufferedFile {
  readonly #handle: FileHandle;
  #parts: string[] = [];
  pending = 0;

  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  push(text: string): void {
    this.#parts.push(text);
    this.pending += text.length;
  }

  async flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    const text = this.#parts.join("");
    this.#parts = [];
    this.pending = 0;
    await this.#handle.write(text);
  }

  async writeRaw(chunk: Buffer): Promise<void> {
    await this.flush();
    await this.#handle.write(chunk);
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.#handle.close();
    }
  }
}

// ---------------------------------------------------------------- validation

function specList(specs: HistorySpec | readonly HistorySpec[]): readonly HistorySpec[] {
  const list: readonly HistorySpec[] = Array.isArray(specs) ? specs : [specs as HistorySpec];
  const seen = new Set<string>();
  for (const spec of list) {
    checkSpec(spec);
    // Same labels twice would make duplicate or out-of-order samples, which promtool drops silently.
    const key = `${spec.namespace}\u0000${spec.service}`;
    if (seen.has(key)) {
      throw new Error(`two history specs for service ${spec.namespace}/${spec.service}`);
    }
    seen.add(key);
  }
  return list;
}

function checkSpec(spec: HistorySpec): void {
  const where = `history ${spec.namespace}/${spec.service}`;
  const interval = spec.scrapeIntervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS;
  if (!Number.isSafeInteger(interval) || interval <= 0) {
    throw new Error(`${where}: scrapeIntervalMs must be a positive integer, got ${interval}`);
  }
  if (!Number.isSafeInteger(spec.startMs) || !Number.isSafeInteger(spec.endMs)) {
    throw new Error(`${where}: startMs and endMs must be integer milliseconds`);
  }
  if (spec.startMs < 0 || spec.endMs <= spec.startMs) {
    throw new Error(`${where}: need 0 <= startMs < endMs`);
  }
  if (spec.stableVersion === spec.canaryVersion) {
    throw new Error(`${where}: stableVersion and canaryVersion must differ`);
  }
  if (spec.segments.length === 0) throw new Error(`${where}: no segments`);
  spec.segments.forEach((s, i) => {
    if (i > 0 && !(s.fromMs > (spec.segments[i - 1] as Segment).fromMs)) {
      throw new Error(`${where}: segments must be sorted by fromMs, strictly`);
    }
    checkBehaviour(`${where} segment ${i} stable`, s.stable);
    checkBehaviour(`${where} segment ${i} canary`, s.canary);
  });
  for (const g of spec.gaps ?? []) {
    if (!(g.fromMs < g.toMs)) throw new Error(`${where}: a gap needs fromMs < toMs`);
  }
  const b = spec.burstiness ?? 0;
  if (!(b >= 0 && Number.isFinite(b))) throw new Error(`${where}: burstiness must be >= 0`);
}

function checkBehaviour(where: string, b: VersionBehaviour): void {
  if (!(b.rps >= 0 && Number.isFinite(b.rps))) throw new Error(`${where}: rps must be >= 0`);
  if (!(b.errorRate >= 0 && b.errorRate <= 1))
    throw new Error(`${where}: errorRate must be in 0..1`);
  if (!(b.latency.medianMs > 0 && Number.isFinite(b.latency.medianMs))) {
    throw new Error(`${where}: latency.medianMs must be > 0`);
  }
  if (!(b.latency.sigma >= 0 && Number.isFinite(b.latency.sigma))) {
    throw new Error(`${where}: latency.sigma must be >= 0`);
  }
}

// ------------------------------------------------------------------- random

/** Standard normal by Box–Muller (as in simulator.ts). */
function gaussian(random: () => number): number {
  const u1 = 1 - random();
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Exact Poisson: Knuth below a mean of 10, Hörmann's PTRS (as numpy) above; O(1) there. */
function poisson(random: () => number, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean < 10) {
    const limit = Math.exp(-mean);
    let n = 0;
    let p = random();
    while (p > limit) {
      n += 1;
      p *= random();
    }
    return n;
  }
  const slam = Math.sqrt(mean);
  const loglam = Math.log(mean);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = random() - 0.5;
    const v = random();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (
      Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <=
      -mean + k * loglam - logFactorial(k)
    ) {
      return k;
    }
  }
}

const LOG_FACTORIALS: number[] = (() => {
  const table = [0];
  for (let k = 1; k < 256; k++) table.push((table[k - 1] as number) + Math.log(k));
  return table;
})();

function logFactorial(k: number): number {
  if (k < LOG_FACTORIALS.length) return LOG_FACTORIALS[k] as number;
  // Stirling's series for ln Γ(x), x = k + 1 >= 257: error far below double precision needs.
  const x = k + 1;
  const x2 = x * x;
  return (
    (x - 0.5) * Math.log(x) -
    x +
    0.5 * Math.log(2 * Math.PI) +
    1 / (12 * x) -
    1 / (360 * x * x2) +
    1 / (1260 * x2 * x2 * x)
  );
}

/** Φ, via the Numerical Recipes erfc (fractional error < 1.2e-7). */
function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

const ERFC_COEFFICIENTS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
];

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  let poly = 0;
  for (let i = ERFC_COEFFICIENTS.length - 1; i >= 0; i--) {
    poly = (ERFC_COEFFICIENTS[i] as number) + t * poly;
  }
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}
