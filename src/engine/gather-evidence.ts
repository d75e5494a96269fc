/**
 * Gathers what the judge needs for every rollout due a check: one range
 * query per metric kind for all rollouts that share selectors, window and
 * interval (so 1,000 rollouts cost what one does), plus custom metrics one
 * by one. Turns the series into `Evidence` per rollout per check time.
 */

import type { Evidence, RequestCounts, VersionEvidence } from "../analysis/evidence.js";
import type { Bucket } from "../analysis/histogram.js";
import {
  type BatchScope,
  latencyBucketsQuery,
  renderCustomQuery,
  requestsQuery,
} from "../analysis/promql.js";
import { targetOf } from "../compile/targets/index.js";
import type { MetricsSource, Series, TimeRange } from "../prometheus/metrics-source.js";
import type { Rollout } from "../rollout/types.js";

export interface DueRollout {
  readonly rollout: Rollout;
  /** Check times, newest first; never empty. */
  readonly times: readonly number[];
}

interface Group {
  readonly scope: BatchScope;
  readonly range: TimeRange;
  readonly members: DueRollout[];
}

function identityOf(rollout: Rollout) {
  return targetOf(rollout).metricIdentity(rollout);
}

function groupKey(r: Rollout): string {
  const { selectors, window, intervalMs } = r.analysis;
  return JSON.stringify([
    selectors.service,
    selectors.namespace,
    selectors.version,
    window,
    intervalMs,
  ]);
}

export function planGroups(due: readonly DueRollout[]): Group[] {
  const byKey = new Map<string, DueRollout[]>();
  for (const d of due) {
    const key = groupKey(d.rollout);
    const members = byKey.get(key);
    if (members === undefined) byKey.set(key, [d]);
    else members.push(d);
  }
  return [...byKey.values()].map((members) => {
    const first = (members[0] as DueRollout).rollout.analysis;
    const all = members.flatMap((m) => m.times);
    return {
      scope: {
        selectors: first.selectors,
        window: first.window,
        namespaces: members.map((m) => identityOf(m.rollout).namespace),
        services: members.map((m) => identityOf(m.rollout).service),
      },
      range: { startMs: Math.min(...all), endMs: Math.max(...all), stepMs: first.intervalMs },
      members,
    };
  });
}

/** Index key of one version of one service. */
function seriesKey(service: string, namespace: string, version: string): string {
  return `${namespace}\u0000${service}\u0000${version}`;
}

function at<T>(map: Map<string, Map<number, T>>, key: string, time: number): T | undefined {
  return map.get(key)?.get(time);
}

function indexBuckets(
  series: readonly Series[],
  scope: BatchScope,
): Map<string, Map<number, Bucket[]>> {
  const { service, namespace, version } = scope.selectors;
  const index = new Map<string, Map<number, Bucket[]>>();
  for (const s of series) {
    const le = s.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    if (Number.isNaN(le)) continue;
    const key = seriesKey(
      s.labels[service] ?? "",
      s.labels[namespace] ?? "",
      s.labels[version] ?? "",
    );
    const byTime = index.get(key) ?? new Map<number, Bucket[]>();
    index.set(key, byTime);
    for (const [t, count] of s.points) {
      const buckets = byTime.get(t);
      if (buckets === undefined) byTime.set(t, [{ le, count }]);
      else buckets.push({ le, count });
    }
  }
  return index;
}

type ReporterCounts = { source?: RequestCounts; destination?: RequestCounts };

function indexRequests(
  series: readonly Series[],
  scope: BatchScope,
): Map<string, Map<number, ReporterCounts>> {
  const { service, namespace, version } = scope.selectors;
  const index = new Map<string, Map<number, ReporterCounts>>();
  for (const s of series) {
    const reporter = s.labels.reporter;
    if (reporter !== "source" && reporter !== "destination") continue;
    const isError = /^5\d\d$/.test(s.labels.response_code ?? "");
    const key = seriesKey(
      s.labels[service] ?? "",
      s.labels[namespace] ?? "",
      s.labels[version] ?? "",
    );
    const byTime = index.get(key) ?? new Map<number, ReporterCounts>();
    index.set(key, byTime);
    for (const [t, value] of s.points) {
      if (!Number.isFinite(value)) continue;
      const counts = byTime.get(t) ?? {};
      const previous = counts[reporter] ?? { total: 0, errors: 0 };
      byTime.set(t, {
        ...counts,
        [reporter]: {
          total: previous.total + value,
          errors: previous.errors + (isError ? value : 0),
        },
      });
    }
  }
  return index;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function settle<T>(promise: Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error: message(error) };
  }
}

/** Evidence per due rollout, in the order of `due`, one entry per check time (newest first). */
export async function gatherEvidence(
  source: MetricsSource,
  due: readonly DueRollout[],
): Promise<Map<DueRollout, Evidence[]>> {
  const result = new Map<DueRollout, Evidence[]>();
  await Promise.all(
    planGroups(due).map(async (group) => {
      const [buckets, requests, custom] = await Promise.all([
        settle(source.queryRange(latencyBucketsQuery(group.scope), group.range)),
        settle(source.queryRange(requestsQuery(group.scope), group.range)),
        Promise.all(group.members.map((m) => customValues(source, m))),
      ]);
      const failed =
        "error" in buckets ? buckets.error : "error" in requests ? requests.error : undefined;
      const bucketIndex =
        "value" in buckets
          ? indexBuckets(buckets.value, group.scope)
          : new Map<string, Map<number, Bucket[]>>();
      const requestIndex =
        "value" in requests
          ? indexRequests(requests.value, group.scope)
          : new Map<string, Map<number, ReporterCounts>>();
      const versionAt = (key: string, t: number): VersionEvidence => {
        const counts = at(requestIndex, key, t);
        return {
          ...(counts?.source === undefined ? {} : { source: counts.source }),
          ...(counts?.destination === undefined ? {} : { destination: counts.destination }),
          latencyBuckets: at(bucketIndex, key, t) ?? [],
        };
      };
      group.members.forEach((member, i) => {
        const { rollout } = member;
        const { service, namespace, canaryVersion, stableVersion } = identityOf(rollout);
        const canaryKey = seriesKey(service, namespace, canaryVersion);
        const stableKey = seriesKey(service, namespace, stableVersion);
        const customResult = custom[i] as CustomValues;
        const error = failed ?? customResult.error;
        result.set(
          member,
          member.times.map((t) => ({
            at: t,
            canary: versionAt(canaryKey, t),
            stable: versionAt(stableKey, t),
            custom: Object.fromEntries(
              Object.entries(customResult.values).map(([name, byTime]) => [
                name,
                byTime.get(t) ?? Number.NaN,
              ]),
            ),
            ...(error === undefined ? {} : { error }),
          })),
        );
      });
    }),
  );
  return result;
}

interface CustomValues {
  readonly values: Record<string, Map<number, number>>;
  readonly error?: string;
}

async function customValues(source: MetricsSource, member: DueRollout): Promise<CustomValues> {
  const { rollout, times } = member;
  if (rollout.analysis.metrics.length === 0) return { values: {} };
  const vars = { ...identityOf(rollout), window: rollout.analysis.window };
  const range = {
    startMs: Math.min(...times),
    endMs: Math.max(...times),
    stepMs: rollout.analysis.intervalMs,
  };
  const values: Record<string, Map<number, number>> = {};
  for (const metric of rollout.analysis.metrics) {
    const answer = await settle(source.queryRange(renderCustomQuery(metric.query, vars), range));
    if ("error" in answer) return { values, error: `metric ${metric.name}: ${answer.error}` };
    // A custom query must yield one series; several cannot be judged against one threshold.
    values[metric.name] = new Map(
      answer.value.length === 1 ? (answer.value[0] as Series).points : [],
    );
  }
  return { values };
}
