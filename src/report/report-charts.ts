/**
 * The report's charts as inline SVG: latency, error rate and canary weight
 * over time, with the SLA as a dashed line, checks as ticks and decisions as
 * circles whose `<title>` is the hover text. Scales, ticks and paths come
 * from svg-chart.ts.
 */
import { formatNumber } from "../analysis/format.js";
import { type Html, html } from "./html.js";
import type { ReportData, ReportDecision } from "./report-data.js";
import { ACTION_COLOR, COLOR, MARGIN, WIDTH } from "./report-style.js";
import { decisionChange } from "./report-tables.js";
import {
  coord,
  finiteOrNull,
  formatTick,
  formatTimeTick,
  isoUtc,
  linearScale,
  linePath,
  niceTicks,
  stepPath,
  type Ticks,
  utcDate,
  valueAxis,
} from "./svg-chart.js";
import { canarySharePercent } from "./traffic-share.js";

interface LineSeries {
  readonly key: string;
  readonly label: string;
  readonly color: string;
  /** Path data; empty when the series has no value at all. */
  readonly d: string;
}

interface SlaLine {
  readonly key: string;
  readonly value: number;
  readonly label: string;
}

interface ChartSpec {
  readonly id: "latency" | "error" | "weight";
  readonly heading: string;
  readonly what: string;
  readonly yTitle: string;
  readonly height: number;
  readonly axis: Ticks;
  readonly series: readonly LineSeries[];
  readonly sla: SlaLine | undefined;
}

interface Frame {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly sx: (ms: number) => number;
  readonly sy: (v: number) => number;
}

export interface Context {
  readonly data: ReportData;
  readonly from: number;
  readonly to: number;
  readonly timeStep: number;
  readonly timeTickValues: readonly number[];
  readonly dateLabel: string;
}

function frame(ctx: Context, height: number, axis: Ticks): Frame {
  const x0 = MARGIN.left;
  const x1 = WIDTH - MARGIN.right;
  const y0 = MARGIN.top;
  const y1 = height - MARGIN.bottom;
  return {
    x0,
    x1,
    y0,
    y1,
    sx: linearScale(ctx.from, ctx.to, x0, x1),
    sy: linearScale(0, axis.max, y1, y0),
  };
}

function legend(spec: ChartSpec, decisions: readonly ReportDecision[]): Html {
  const items: Html[] = spec.series.map((s) => {
    const noData = s.d === "";
    return html`<li data-legend="${s.key}">${swatchLine(s.color, undefined)}<span>${s.label}</span>${
      noData ? html`<span class="nodata">(no data)</span>` : ""
    }</li>`;
  });
  if (spec.sla !== undefined) {
    items.push(
      html`<li data-legend="${spec.sla.key}">${swatchLine(COLOR.sla, "5 3")}<span>${spec.sla.label}</span></li>`,
    );
  }
  const actions = (["advance", "promote", "rollback"] as const).filter((a) =>
    decisions.some((d) => d.action === a),
  );
  for (const action of actions) {
    items.push(
      html`<li data-legend="decision-${action}"><svg width="14" height="14" aria-hidden="true"><circle cx="7" cy="7" r="5" fill="${ACTION_COLOR[action]}" stroke="#fff" stroke-width="1.5"/></svg><span>${action}</span></li>`,
    );
  }
  return html`<ul class="legend">${items}</ul>`;
}

function swatchLine(color: string, dash: string | undefined): Html {
  return html`<svg width="28" height="10" aria-hidden="true"><line x1="1" y1="5" x2="27" y2="5" stroke="${color}" stroke-width="2.5" stroke-linecap="round"${
    dash === undefined ? "" : html` stroke-dasharray="${dash}"`
  }/></svg>`;
}

function decisionTitle(d: ReportDecision): string {
  return `${isoUtc(d.at)}\n${d.action}: canary weight ${decisionChange(d)}\n${d.reason}`;
}

/** The shadow phase as a shaded band behind the series: the canary got mirrored copies, no users. */
function shadowBand(ctx: Context, f: Frame): Html | string {
  const shadow = ctx.data.shadow;
  if (shadow === undefined) return "";
  const from = Math.max(ctx.from, shadow.fromMs);
  const to = Math.min(ctx.to, shadow.toMs ?? ctx.to);
  if (!(to > from)) return "";
  const x0 = f.sx(from);
  const x1 = f.sx(to);
  return html`<g class="shadow-band" data-band="shadow"><title>shadow: ${formatNumber(shadow.percent)}% of requests mirrored to ${ctx.data.canaryName}, no users served by it</title><rect x="${coord(x0)}" y="${coord(f.y0)}" width="${coord(x1 - x0)}" height="${coord(f.y1 - f.y0)}" fill="${COLOR.weight}" fill-opacity="0.08"/><text class="band-label" x="${coord(x0 + 4)}" y="${coord(f.y0 + 12)}" fill="${COLOR.weight}">shadow ${formatNumber(shadow.percent)}%</text></g>`;
}

function inDomain(ctx: Context, at: number): boolean {
  return Number.isFinite(at) && at >= ctx.from && at <= ctx.to;
}

function chartSvg(ctx: Context, spec: ChartSpec): Html {
  const f = frame(ctx, spec.height, spec.axis);
  const clipId = `clip-${spec.id}`;
  const yTicks = spec.axis.ticks.map((v) => {
    const y = coord(f.sy(v));
    return html`<line x1="${f.x0}" y1="${y}" x2="${f.x1}" y2="${y}" stroke="${COLOR.grid}"/><text x="${f.x0 - 8}" y="${y}" dy="0.32em" text-anchor="end">${formatTick(v, spec.axis.step, spec.axis.max)}</text>`;
  });
  const xTicks = ctx.timeTickValues.map((t) => {
    const x = coord(f.sx(t));
    return html`<line x1="${x}" y1="${f.y1}" x2="${x}" y2="${f.y1 + 5}" stroke="${COLOR.axis}"/><text x="${x}" y="${f.y1 + 18}" text-anchor="middle">${formatTimeTick(t, ctx.timeStep)}</text>`;
  });
  const midY = (f.y0 + f.y1) / 2;

  const series = spec.series
    .filter((s) => s.d !== "")
    .map(
      (s) =>
        html`<path data-series="${s.key}" d="${s.d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`,
    );

  let sla: Html | string = "";
  if (spec.sla !== undefined) {
    const y = coord(f.sy(spec.sla.value));
    sla = html`<line data-line="${spec.sla.key}" x1="${f.x0}" y1="${y}" x2="${f.x1}" y2="${y}" stroke="${COLOR.sla}" stroke-width="1.5" stroke-dasharray="6 4"/><text class="sla-label" x="${f.x1 - 4}" y="${y}" dy="-5" text-anchor="end" fill="${COLOR.sla}">${spec.sla.label}</text>`;
  }

  const checks = ctx.data.checks
    .filter((c) => inDomain(ctx, c.at))
    .map((c) => {
      const x = f.sx(c.at);
      const color = /breach/i.test(c.kind) ? COLOR.breach : COLOR.check;
      return html`<g class="check" data-check="${c.kind}"><title>${c.text}</title><path d="M${coord(x)},${coord(f.y1 - 9)}l-4,8h8z" fill="${color}" fill-opacity="0.85"/></g>`;
    });

  const markerY = f.y0 - 16;
  const decisions = ctx.data.decisions
    .filter((d) => inDomain(ctx, d.at))
    .map((d) => {
      const x = coord(f.sx(d.at));
      const color = ACTION_COLOR[d.action] ?? COLOR.text;
      const label = `${d.action} ${decisionChange(d).replaceAll(" ", "")}`;
      // Bold 11px is at most ~7 px a character: flip the label left if it would leave the chart.
      const labelLeft = f.sx(d.at) + 10 + label.length * 7 > WIDTH;
      return html`<g class="decision" data-decision="${d.action}"><title>${decisionTitle(d)}</title><line x1="${x}" y1="${markerY}" x2="${x}" y2="${f.y1}" stroke="${color}" stroke-width="1.5" stroke-dasharray="2 3" stroke-opacity="0.8"/><circle cx="${x}" cy="${markerY}" r="6" fill="${color}" stroke="#fff" stroke-width="1.5"/><text class="decision-label" x="${x}" y="${markerY}" dx="${labelLeft ? -10 : 10}" dy="0.35em" text-anchor="${labelLeft ? "end" : "start"}" fill="${color}">${label}</text></g>`;
    });

  return html`<svg class="chart" data-chart="${spec.id}" viewBox="0 0 ${WIDTH} ${spec.height}" width="${WIDTH}" height="${spec.height}" role="img" aria-label="${spec.heading}" xmlns="http://www.w3.org/2000/svg"><defs><clipPath id="${clipId}"><rect x="${f.x0 - 3}" y="${f.y0 - 3}" width="${f.x1 - f.x0 + 6}" height="${f.y1 - f.y0 + 6}"/></clipPath></defs><g class="grid" fill="${COLOR.text}">${yTicks}</g><g class="x-axis" fill="${COLOR.text}"><line x1="${f.x0}" y1="${f.y1}" x2="${f.x1}" y2="${f.y1}" stroke="${COLOR.axis}"/>${xTicks}<text class="axis-title" x="${coord((f.x0 + f.x1) / 2)}" y="${spec.height - 8}" text-anchor="middle">${ctx.dateLabel}</text></g><g class="y-axis" fill="${COLOR.text}"><line x1="${f.x0}" y1="${f.y0}" x2="${f.x0}" y2="${f.y1}" stroke="${COLOR.axis}"/><text class="axis-title" transform="rotate(-90)" x="${coord(-midY)}" y="16" text-anchor="middle">${spec.yTitle}</text></g>${shadowBand(ctx, f)}<g class="series" clip-path="url(#${clipId})">${series}</g><g class="sla">${sla}</g><g class="checks" clip-path="url(#${clipId})">${checks}</g><g class="decisions">${decisions}</g></svg>`;
}

export function chartSection(ctx: Context, spec: ChartSpec): Html {
  return html`<section class="chart-section" id="chart-${spec.id}"><h2>${spec.heading}</h2><p class="what">${spec.what}</p>${legend(spec, ctx.data.decisions)}${chartSvg(ctx, spec)}</section>`;
}

// ---------------------------------------------------------------------------
// Data → chart specs

/** One value per sample time; missing, NaN and ±Infinity become gaps (`null`). */
function aligned(values: readonly (number | null)[], n: number, factor = 1): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const v = finiteOrNull(values[i]);
    out.push(v === null ? null : finiteOrNull(v * factor));
  }
  return out;
}

export function buildSpecs(ctx: Context): ChartSpec[] {
  const { data } = ctx;
  const n = data.times.length;
  const stableLabel = `stable (${data.stableName})`;
  const canaryLabel = `canary (${data.canaryName})`;
  const q = data.sla.quantileLabel;
  const width = WIDTH - MARGIN.left - MARGIN.right;
  const sx = linearScale(ctx.from, ctx.to, MARGIN.left, MARGIN.left + width);

  const line = (
    key: string,
    label: string,
    color: string,
    values: (number | null)[],
    axis: Ticks,
    height: number,
  ): LineSeries => {
    const sy = linearScale(0, axis.max, height - MARGIN.bottom, MARGIN.top);
    return { key, label, color, d: linePath(data.times, values, sx, sy) };
  };

  // Latency
  const latencyHeight = 300;
  const latStable = aligned(data.latencyMs.stable, n);
  const latCanary = aligned(data.latencyMs.canary, n);
  const maxMs = finiteOrNull(data.sla.maxMs);
  const latencyAxis = valueAxis([latStable, latCanary], [maxMs ?? undefined]);
  const latencySla =
    maxMs === null
      ? undefined
      : { key: "sla-latency", value: maxMs, label: `SLA ${q} ≤ ${formatNumber(maxMs)} ms` };

  // Error rate, in %
  const errorHeight = 260;
  const errStable = aligned(data.errorRate.stable, n, 100);
  const errCanary = aligned(data.errorRate.canary, n, 100);
  const errMaxRatio = finiteOrNull(data.sla.errorRateMax);
  const errMaxPct = errMaxRatio === null ? null : errMaxRatio * 100;
  const errorAxis = valueAxis([errStable, errCanary], [errMaxPct ?? undefined]);
  const errorSla =
    errMaxPct === null
      ? undefined
      : { key: "sla-error", value: errMaxPct, label: `SLA ≤ ${errMaxPct.toFixed(2)} %` };

  // Weight, in % (steps)
  const weightHeight = 220;
  const weightAxis = niceTicks(100, 4);
  const weightSy = linearScale(0, weightAxis.max, weightHeight - MARGIN.bottom, MARGIN.top);
  const shareD = linePath(data.times, aligned(canarySharePercent(data), n), sx, weightSy);
  const weightD = stepPath(
    data.weight.map((w) => ({ at: w.at, value: finiteOrNull(w.weight) })),
    ctx.to,
    sx,
    weightSy,
  );

  return [
    {
      id: "latency",
      heading: "Latency at the SLA quantile",
      what:
        maxMs === null
          ? `The ${q} request latency of each subset, in milliseconds (this rollout sets no latency SLA).`
          : `The ${q} request latency of each subset, in milliseconds, against the SLA of ${formatNumber(maxMs)} ms (dashed line).`,
      yTitle: `${q} latency (ms)`,
      height: latencyHeight,
      axis: latencyAxis,
      series: [
        line("latency-stable", stableLabel, COLOR.stable, latStable, latencyAxis, latencyHeight),
        line("latency-canary", canaryLabel, COLOR.canary, latCanary, latencyAxis, latencyHeight),
      ],
      sla: latencySla,
    },
    {
      id: "error",
      heading: "Error rate",
      what:
        errMaxPct === null
          ? "The share of each subset's requests that failed, in percent."
          : `The share of each subset's requests that failed, in percent, against the SLA of ${errMaxPct.toFixed(2)} % (dashed line).`,
      yTitle: "error rate (%)",
      height: errorHeight,
      axis: errorAxis,
      series: [
        line("error-stable", stableLabel, COLOR.stable, errStable, errorAxis, errorHeight),
        line("error-canary", canaryLabel, COLOR.canary, errCanary, errorAxis, errorHeight),
      ],
      sla: errorSla,
    },
    {
      id: "weight",
      heading: "Canary weight and actual share",
      what: `The weight routed to ${canaryLabel}, in percent, which changes only at a decision; and the share of requests it actually got in each check window, which pinned clients and sticky sessions move away from the weight.`,
      yTitle: "canary weight / share (%)",
      height: weightHeight,
      axis: weightAxis,
      series: [
        { key: "weight", label: `${canaryLabel} weight`, color: COLOR.weight, d: weightD },
        { key: "share", label: `${canaryLabel} actual share`, color: COLOR.canary, d: shareD },
      ],
      sla: undefined,
    },
  ];
}

export function dateLabel(from: number, to: number): string {
  const a = utcDate(from);
  const b = utcDate(to);
  return a === b ? `time (UTC), ${a}` : `time (UTC), ${a} – ${b}`;
}
