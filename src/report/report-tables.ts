/** The report's tables: every decision with its reason, and the checks behind them. */
import { formatNumber } from "../analysis/format.js";
import { type Html, html } from "./html.js";
import type { ReportData, ReportDecision } from "./report-data.js";
import { ACTION_COLOR, COLOR } from "./report-style.js";
import { isoUtc } from "./svg-chart.js";

/** The weight change as the commit subject says it: `5% → 10%`, `shadow → 5%`, `shadow → off`. */
export function decisionChange(d: ReportDecision): string {
  if (d.fromShadow === true)
    return `shadow → ${d.action === "rollback" ? "off" : `${formatNumber(d.to)}%`}`;
  return `${formatNumber(d.from)}% → ${formatNumber(d.to)}%`;
}

export function decisionsTable(data: ReportData): Html {
  if (data.decisions.length === 0)
    return html`<section id="decisions"><h2>Decisions</h2><p class="what">No decision in this time range.</p></section>`;
  const rows = data.decisions.map(
    (d) =>
      html`<tr><td class="time"><time datetime="${isoUtc(d.at)}">${isoUtc(d.at)}</time></td><td class="action" style="color:${ACTION_COLOR[d.action] ?? COLOR.text}">${d.action}</td><td>${decisionChange(d)}</td><td class="reason">${d.reason}</td></tr>`,
  );
  return html`<section id="decisions"><h2>Decisions</h2><table><thead><tr><th>Time (UTC)</th><th>Action</th><th>Canary weight</th><th>Reason</th></tr></thead><tbody>${rows}</tbody></table>${checksList(data)}</section>`;
}

function checksList(data: ReportData): Html | string {
  if (data.checks.length === 0) return "";
  const items = data.checks.map((c) => html`<li><b>${c.kind}</b>: ${c.text}</li>`);
  return html`<details><summary>Checks (${data.checks.length})</summary><ul>${items}</ul></details>`;
}
