/** The report's tables: the traffic share at each weight, every decision with its reason, and the checks behind them. */
import { formatNumber } from "../analysis/format.js";
import { type Html, html } from "./html.js";
import type { ReportData, ReportDecision } from "./report-data.js";
import { ACTION_COLOR, COLOR } from "./report-style.js";
import { isoUtc } from "./svg-chart.js";
import { shareByWeight } from "./traffic-share.js";

/** The share of requests the canary actually got at each weight: pinned clients and sticky sessions move it away from the weight. */
export function trafficShareTable(data: ReportData): Html {
  const rows = shareByWeight(data).map(
    (s) =>
      html`<tr><td class="time"><time datetime="${isoUtc(s.fromMs)}">${isoUtc(s.fromMs)}</time></td><td>${formatNumber(s.weight)}%</td><td data-share="${s.canaryPercent === null ? "" : s.canaryPercent.toFixed(1)}">${s.canaryPercent === null ? "no requests" : `${s.canaryPercent.toFixed(1)}%`}</td><td>${formatNumber(s.samples)}</td></tr>`,
  );
  return html`<section id="traffic-share"><h2>Traffic share</h2><p class="what">The share of the route's requests ${data.canaryName} actually got while each weight held, from the request counts in the check windows (a window that spans a weight change counts where it ends). Pinned clients and sticky sessions move it away from the weight.</p><table><thead><tr><th>From (UTC)</th><th>Canary weight</th><th>Canary's actual share</th><th>Check windows</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

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
