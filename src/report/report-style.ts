/** The report's look: colours, chart geometry and the page's CSS (also the overview page's). */
import type { ReportDecision } from "./report-data.js";

export const COLOR = {
  stable: "#4e79a7",
  canary: "#f28e2b",
  weight: "#7b52ab",
  sla: "#c62828",
  axis: "#9aa0a6",
  grid: "#eceff1",
  text: "#4a4f55",
  check: "#8d6e63",
  breach: "#e8590c",
} as const;

export const ACTION_COLOR: Record<ReportDecision["action"], string> = {
  rollback: "#c62828",
  advance: "#1e88e5",
  promote: "#2e7d32",
};

export const WIDTH = 960;
export const MARGIN = { left: 64, right: 24, top: 34, bottom: 46 } as const;

/** The report's CSS; the overview page builds on it. */
export const REPORT_STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #1f2328;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 24px; margin: 0 0 8px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 0 0 2px; }
.summary { font-size: 16px; margin: 0 0 14px; padding: 10px 14px; background: #fff;
  border-left: 4px solid ${COLOR.canary}; border-radius: 4px; overflow-wrap: anywhere; }
.meta { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 0 0 6px; }
.meta div { min-width: 0; }
.meta dt { font-size: 12px; color: #6a737d; text-transform: uppercase; letter-spacing: .04em; }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.hint { color: #6a737d; margin: 0 0 18px; font-size: 13px; }
code { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
section { background: #fff; border: 1px solid #e1e4e8; border-radius: 6px; padding: 14px 16px 8px; margin: 0 0 18px; }
.what { margin: 0 0 6px; color: #4a4f55; overflow-wrap: anywhere; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0 0 2px; padding: 0; font-size: 13px; }
.legend li { display: flex; align-items: center; gap: 6px; overflow-wrap: anywhere; }
.legend .nodata { color: #8a8f96; font-style: italic; }
svg.chart { display: block; width: 100%; height: auto; }
svg.chart text { font-size: 11px; }
svg.chart .axis-title { font-size: 12px; }
svg.chart .decision-label { font-size: 11px; font-weight: 600; }
svg.chart .sla-label { font-size: 11px; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg.chart g.decision, svg.chart g.check { cursor: help; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid #eceff1; }
td.reason { overflow-wrap: anywhere; }
td.time { white-space: nowrap; }
th { font-weight: 600; color: #4a4f55; white-space: nowrap; }
.action { font-weight: 600; white-space: nowrap; }
details { margin: 8px 0 0; }
details ul { margin: 6px 0; padding-left: 20px; font-size: 13px; }
details li { overflow-wrap: anywhere; }
footer { color: #8a8f96; font-size: 12px; }
`;
