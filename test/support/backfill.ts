/**
 * A real Prometheus serving backfilled HISTORY (see history.ts) instead of
 * scraping: each OpenMetrics file goes through `promtool tsdb
 * create-blocks-from openmetrics` into the data dir before Prometheus starts,
 * with no scrape targets and a retention that keeps old blocks.
 *
 * Querying old data: give every query its evaluation time (`query(q, atMs)`).
 * Backfilled series have no staleness markers, so a plain selector still
 * returns a series' last sample up to `--query.lookback-delta` (5m by
 * default) after it stops, e.g. into a scrape gap; range functions such as
 * `rate(x[1m])` do go empty there.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { findExecutable } from "./find-executable.js";
import { type PrometheusServer, startPrometheus } from "./prometheus-server.js";

export interface HistoryPrometheusOptions {
  /** `--storage.tsdb.retention.time`; default `"100y"` so no backfilled block is deleted as too old. */
  readonly retention?: string;
  /** More Prometheus flags, e.g. `--query.lookback-delta=1m`. */
  readonly extraArgs?: readonly string[];
  /** promtool processes at once. Default: min(files, available CPUs). */
  readonly concurrency?: number;
  /** How long to wait for the blocks to be queryable after `/-/ready`. Default 30 s. */
  readonly queryableTimeoutMs?: number;
}

export interface BlockMeta {
  readonly ulid: string;
  /** Inclusive. */
  readonly minTime: number;
  /** Exclusive: one past the block's last sample. */
  readonly maxTime: number;
  readonly numSamples: number;
  readonly numSeries: number;
}

const PROMTOOL_HINT =
  "backfilling needs promtool from Debian's prometheus package: sudo apt-get install prometheus " +
  "(or put a promtool binary on PATH)";

/**
 * Backfills `files` (OpenMetrics, e.g. from `writeHistory`) into a fresh data
 * dir and starts Prometheus on it, on a free loopback port; resolves once it
 * is ready and every block answers a query at its last sample's time.
 * Several files may cover the same or different hours: overlapping blocks are
 * merged by Prometheus (always allowed since 2.39).
 */
export async function startPrometheusOnHistory(
  files: readonly string[],
  options: HistoryPrometheusOptions = {},
): Promise<PrometheusServer> {
  const promtool = findExecutable("promtool");
  if (promtool === undefined) throw new Error(`promtool not found; ${PROMTOOL_HINT}`);
  const server = await startPrometheus({
    targets: [],
    retention: options.retention ?? "100y",
    ...(options.extraArgs === undefined ? {} : { extraArgs: options.extraArgs }),
    prepareDataDir: async (dataDir) => {
      await backfillOpenMetrics(files, dataDir, { promtool, concurrency: options.concurrency });
    },
  });
  try {
    const timeoutMs = options.queryableTimeoutMs ?? 30_000;
    for (const block of listBlocks(server.dataDir)) {
      await server.waitForSeries('count({__name__=~".+"})', timeoutMs, block.maxTime - 1);
    }
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

/**
 * Runs `promtool tsdb create-blocks-from openmetrics FILE dataDir` for each
 * file (blocks of at most 2 h, aligned to 2 h). The data dir must not be in
 * use by a running Prometheus. Returns the blocks in the dir afterwards.
 */
export async function backfillOpenMetrics(
  files: readonly string[],
  dataDir: string,
  options: { readonly promtool?: string; readonly concurrency?: number | undefined } = {},
): Promise<BlockMeta[]> {
  const promtool = options.promtool ?? findExecutable("promtool");
  if (promtool === undefined) throw new Error(`promtool not found; ${PROMTOOL_HINT}`);
  const limit = Math.max(1, options.concurrency ?? Math.min(files.length, availableParallelism()));
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++] as string;
      await runPromtool(promtool, file, dataDir);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, files.length) }, worker));
  return listBlocks(dataDir);
}

/** The TSDB blocks in a data dir, from their meta.json, oldest first. */
export function listBlocks(dataDir: string): BlockMeta[] {
  const blocks: BlockMeta[] = [];
  for (const name of readdirSync(dataDir)) {
    const metaPath = join(dataDir, name, "meta.json");
    try {
      if (!statSync(metaPath).isFile()) continue;
    } catch {
      continue; // wal, chunks_head, lock, ...: not a block
    }
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as {
      ulid: string;
      minTime: number;
      maxTime: number;
      stats?: { numSamples?: number; numSeries?: number };
    };
    blocks.push({
      ulid: meta.ulid,
      minTime: meta.minTime,
      maxTime: meta.maxTime,
      numSamples: meta.stats?.numSamples ?? 0,
      numSeries: meta.stats?.numSeries ?? 0,
    });
  }
  return blocks.sort((a, b) => a.minTime - b.minTime || a.ulid.localeCompare(b.ulid));
}

function runPromtool(promtool: string, file: string, dataDir: string): Promise<void> {
  const args = ["tsdb", "create-blocks-from", "openmetrics", "--quiet", file, dataDir];
  return new Promise((resolve, reject) => {
    execFile(promtool, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) {
        resolve();
        return;
      }
      const output = `${stderr}${stdout}`.trim().split("\n").slice(-30).join("\n");
      reject(
        new Error(
          `${promtool} ${args.join(" ")} failed (${error.code ?? error.signal ?? error.message}):\n${output}`,
        ),
      );
    });
  });
}
