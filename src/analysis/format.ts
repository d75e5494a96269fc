/**
 * How numbers read in prose, in one place: commit bodies, logs, CLI output,
 * the judges' details and the report all format values, durations and
 * percentages through these, so the same figure reads the same everywhere.
 */

/** `4.2 ms`, `412 ms`; `∞` for an unbounded value, `no value` for NaN. */
export function formatMs(ms: number): string {
  if (Number.isNaN(ms)) return "no value";
  if (!Number.isFinite(ms)) return "∞";
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** A ratio as a percentage with two decimals: `0.0123` → `1.23%`. */
export function formatRatio(ratio: number): string {
  return `${(ratio * 100).toFixed(2)}%`;
}

/** A level or share as a short percentage: `0.99` → `99%`, `0.999` → `99.9%`. */
export function formatLevel(ratio: number): string {
  return `${Number((ratio * 100).toFixed(3))}%`;
}

/** A plain number: integer as is, otherwise up to `maxDecimals`, trailing zeros dropped. */
export function formatNumber(value: number, maxDecimals = 2): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1e7) return value.toExponential(2);
  return String(Number(value.toFixed(maxDecimals)));
}

/** A measurement's value in its unit: milliseconds, a ratio, or a custom metric's bare number. */
export function formatMeasured(value: number, unit: "ms" | "ratio" | ""): string {
  if (unit === "ms") return formatMs(value);
  if (unit === "ratio") return formatRatio(value);
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}
