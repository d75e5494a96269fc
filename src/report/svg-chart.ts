/**
 * The arithmetic behind the report's charts, free of any markup: value
 * cleaning, linear scales, "nice" value and time ticks, tick labels, and SVG
 * path data for line series (gaps break the line) and step series. Everything
 * here is pure and deterministic.
 *
 * Why not d3-scale and d3-shape: they would replace about 160 of these lines
 * (linearScale, niceTicks, time ticks, linePath, stepPath) but bring ten
 * packages (the two, d3-array, -format, -interpolate, -time, -time-format,
 * -color, -path and internmap) to a tool with seven runtime dependencies. What stays
 * ours either way is most of the work: the ±1e300 axis clamp, dates past
 * year 275760, UTC-only labels, SI tick labels, and coordinates rounded to
 * fixed digits so the page's bytes are golden-testable; d3's tick and path
 * output would change those bytes and tie them to d3's release. Revisit if
 * the report gains log scales, zoom or area charts.
 */

/** A finite number, or `null` for a gap (`null`, `undefined`, NaN, ±Infinity). */
export function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Rounds away binary noise (0.1 + 0.2 → 0.3) so ticks print and compare cleanly. */
function clean(value: number): number {
  return Number(value.toPrecision(12));
}

/** The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ `rough` (> 0). */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const exponent = Math.floor(Math.log10(rough));
  const magnitude = 10 ** exponent;
  const fraction = clean(rough / magnitude);
  const nice =
    fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return clean(nice * magnitude);
}

export interface Ticks {
  /** The axis top: the first tick ≥ the requested maximum. */
  readonly max: number;
  readonly step: number;
  /** 0, step, 2·step, …, max. */
  readonly ticks: readonly number[];
}

/** Beyond this the axis stops growing (values above it are clipped), so tick math never overflows. */
export const MAX_AXIS_VALUE = 1e300;

/**
 * Ticks from 0 up to a nice value covering `max`, about `target` intervals.
 * A maximum that is not a positive finite number gives the axis 0–1.
 */
export function niceTicks(max: number, target = 5): Ticks {
  let top = Number.isFinite(max) && max > 0 ? Math.min(max, MAX_AXIS_VALUE) : 1;
  const step = niceStep(top / Math.max(1, Math.floor(target)));
  const count = Math.max(1, Math.ceil(clean(top / step)));
  top = clean(count * step);
  const ticks: number[] = [];
  for (let i = 0; i <= count; i++) ticks.push(clean(i * step));
  return { max: top, step, ticks };
}

/**
 * The y axis for a chart: from 0 to a nice value covering every finite value
 * in `series` and every finite `extra` (e.g. an SLA line), with `headroom`
 * (a factor ≥ 1) above the highest one.
 */
export function valueAxis(
  series: readonly (readonly (number | null)[])[],
  extra: readonly (number | undefined)[] = [],
  headroom = 1.1,
  target = 5,
): Ticks {
  let highest = 0;
  for (const values of series) {
    for (const v of values) {
      const f = finiteOrNull(v);
      if (f !== null && f > highest) highest = f;
    }
  }
  for (const v of extra) {
    const f = finiteOrNull(v);
    if (f !== null && f > highest) highest = f;
  }
  return niceTicks(highest * headroom, target);
}

/** Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps to the middle of the range. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  if (!(Math.abs(span) > 0) || !Number.isFinite(span)) {
    const middle = (r0 + r1) / 2;
    return () => middle;
  }
  const k = (r1 - r0) / span;
  return (v) => r0 + (v - d0) * k;
}

/** Pixel coordinates, one decimal, bounded so a wild value cannot print as `1e+300`. */
export function coord(value: number): string {
  const bounded = Math.max(-1e6, Math.min(1e6, value));
  const rounded = Math.round(bounded * 10) / 10;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/** Decimal places that print every multiple of `step` exactly (2.5 → 1, 0.25 → 2, 20 → 0). */
function decimalsOf(step: number): number {
  const text = String(clean(step));
  if (text.includes("e")) {
    const exp = Number(text.split("e")[1]);
    const mantissa = text.split("e")[0] ?? "";
    const dot = mantissa.indexOf(".");
    const mantissaDecimals = dot < 0 ? 0 : mantissa.length - dot - 1;
    return Math.max(0, mantissaDecimals - exp);
  }
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

const SI = [
  { factor: 1e12, suffix: "T" },
  { factor: 1e9, suffix: "G" },
  { factor: 1e6, suffix: "M" },
  { factor: 1e3, suffix: "k" },
] as const;

/**
 * A value-axis tick label. On an axis up to `axisMax` below 10 000: fixed
 * decimals for the step (0.25 → `0.25`, 5 → `5.0` on a 2.5 step). On a
 * larger axis: SI suffixes (`250k`, `1.25M`), and exponent form from 10^15.
 */
export function formatTick(value: number, step: number, axisMax = value): string {
  if (Math.abs(axisMax) < 1e4) return value.toFixed(Math.min(20, decimalsOf(step)));
  const abs = Math.abs(value);
  if (abs === 0) return "0";
  if (abs >= 1e15) return clean(value).toExponential();
  const unit = SI.find((u) => abs >= u.factor);
  if (unit === undefined) return String(clean(value));
  return `${clean(value / unit.factor)}${unit.suffix}`;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const TIME_STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

/** The largest instant `Date` can represent. */
const MAX_DATE_MS = 8.64e15;

/** Whether `ms` is a time `Date` can show. */
export function isValidTime(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS;
}

export interface TimeDomain {
  readonly from: number;
  readonly to: number;
}

/**
 * The x domain: `fromMs`–`toMs` as given when sane; reversed bounds are
 * swapped, an invalid bound falls back to the sample times, and a zero-width
 * range is widened by a minute on each side so a single instant sits mid-chart.
 */
export function timeDomain(fromMs: number, toMs: number, times: readonly number[]): TimeDomain {
  const valid = times.filter(isValidTime);
  let from = isValidTime(fromMs) ? fromMs : valid.length > 0 ? Math.min(...valid) : 0;
  let to = isValidTime(toMs) ? toMs : valid.length > 0 ? Math.max(...valid) : from;
  if (to < from) [from, to] = [to, from];
  if (to === from) {
    from -= MINUTE;
    to += MINUTE;
  }
  return { from, to };
}

/**
 * Time ticks at round UTC instants (multiples of 1 s … 7 d, then whole days),
 * the smallest step giving at most `target` intervals over [from, to].
 */
export function timeTicks(from: number, to: number, target = 8): { step: number; ticks: number[] } {
  const span = Math.max(0, to - from);
  const wanted = span / Math.max(1, target);
  let step = TIME_STEPS.find((s) => s >= wanted);
  if (step === undefined) step = niceStep(wanted / DAY) * DAY;
  const ticks: number[] = [];
  const first = Math.ceil(from / step) * step;
  for (let t = first; t <= to && ticks.length <= 1000; t += step) ticks.push(t);
  return { step, ticks };
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** `2026-11-20` (UTC) for a valid time, else `?`. */
export function utcDate(ms: number): string {
  return isValidTime(ms) ? new Date(ms).toISOString().slice(0, 10) : "?";
}

/** ISO 8601 in UTC with `Z`, e.g. `2026-11-20T10:30:00.000Z`, or `invalid time`. */
export function isoUtc(ms: number): string {
  return isValidTime(ms) ? new Date(ms).toISOString() : "invalid time";
}

/**
 * A time tick label in UTC: `10:30` (or `10:30:15` below a minute's step);
 * `11-21` for day steps and `11-21 00:00` at a midnight inside a shorter step.
 */
export function formatTimeTick(ms: number, step: number): string {
  if (!isValidTime(ms)) return "?";
  const d = new Date(ms);
  const monthDay = `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  if (step >= DAY) return monthDay;
  const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  const clock = step < MINUTE ? `${hm}:${pad2(d.getUTCSeconds())}` : hm;
  return ms % DAY === 0 ? `${monthDay} ${clock}` : clock;
}

/**
 * SVG path data for a line through (xs[i], ys[i]): a `null` value (or a
 * non-finite coordinate) ends the current segment and the next value starts a
 * new `M`, so a gap is never drawn as a line through zero. An isolated point
 * becomes `M x,y h0`, which round line caps show as a dot. Empty when there
 * is nothing to draw.
 */
export function linePath(
  xs: readonly number[],
  ys: readonly (number | null)[],
  scaleX: (v: number) => number,
  scaleY: (v: number) => number,
): string {
  const segments: string[][] = [];
  let current: string[] | undefined;
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const x = finiteOrNull(xs[i]);
    const y = finiteOrNull(ys[i]);
    if (x === null || y === null) {
      current = undefined;
      continue;
    }
    const point = `${coord(scaleX(x))},${coord(scaleY(Math.min(y, MAX_AXIS_VALUE)))}`;
    if (current === undefined) {
      current = [point];
      segments.push(current);
    } else {
      current.push(point);
    }
  }
  return segments
    .map((points) => (points.length === 1 ? `M${points[0]}h0` : `M${points.join("L")}`))
    .join("");
}

/**
 * SVG path data for a step series: each value holds from its `at` until the
 * next step (or `end`). A non-finite value or time is a gap.
 */
export function stepPath(
  steps: readonly { readonly at: number; readonly value: number | null }[],
  end: number,
  scaleX: (v: number) => number,
  scaleY: (v: number) => number,
): string {
  let d = "";
  let open = false;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    if (step === undefined) continue;
    const at = finiteOrNull(step.at);
    const value = finiteOrNull(step.value);
    const nextAt = i + 1 < steps.length ? finiteOrNull(steps[i + 1]?.at) : finiteOrNull(end);
    if (at === null || value === null) {
      open = false;
      continue;
    }
    const y = coord(scaleY(value));
    d += open ? `V${y}` : `M${coord(scaleX(at))},${y}`;
    open = true;
    if (nextAt === null) {
      open = false;
      continue;
    }
    d += `H${coord(scaleX(nextAt))}`;
  }
  return d;
}

/** The number of `M` (move-to) commands in path data: the count of drawn segments. */
export function segmentCount(d: string): number {
  return (d.match(/M/g) ?? []).length;
}
