/**
 * `renderOverview`: the watchdog's live overview, one HTML page listing every
 * rollout it sees with its phase, weight and step, its newest checks against
 * the SLA, its last decision and commit, and a link to its report. Pure and
 * deterministic like the report, and as self-contained: no script, nothing
 * fetched, every user string escaped by `html`; the browser reloads it with a
 * meta refresh.
 */
import { type Html, html, pageHead } from "./html.js";
import { REPORT_STYLE } from "./report-style.js";
import { isoUtc } from "./svg-chart.js";

export interface OverviewCheck {
  readonly at: number;
  /** `healthy`, `breach`, `inconclusive`, `nodata` or `error`. */
  readonly kind: string;
  /** Canary weight (%) the check was judged at. */
  readonly weight: number;
  /** Each measurement against its threshold, the reason, the request count (explain.ts). */
  readonly findings: readonly string[];
}

export interface OverviewDecision {
  readonly action: string;
  readonly at: number;
  /** e.g. `20% → 50%`; absent when only the spec's `status` is known. */
  readonly change?: string;
  readonly reason: string;
  /** The decision's commit, when this watchdog process wrote it. */
  readonly commit?: string;
  /** `watchdog`: decided by this process (commit known); `spec`: read from `status` in git. */
  readonly source: "watchdog" | "spec";
}

export interface OverviewRow {
  /** `ns/name`. */
  readonly id: string;
  /** The rollout's report page. */
  readonly href: string;
  readonly phase: string;
  readonly weight: number;
  /** 1-based index of the weight in `steps`, 0 before the first. */
  readonly step: number;
  readonly steps: readonly number[];
  /** The newest check first; empty when the watchdog has not checked it. */
  readonly checks: readonly OverviewCheck[];
  /** What the watchdog decided at its last evaluation, e.g. `hold: 2 of 3 checks healthy`. */
  readonly now?: string;
  readonly lastDecision?: OverviewDecision;
}

export interface OverviewData {
  /** When the last cycle ended; absent before the first. */
  readonly lastCycleMs?: number;
  readonly refreshSeconds: number;
  /** Prometheus failures of the last cycle. */
  readonly metricsErrors: readonly string[];
  /** Spec problems of the last cycle, `file:line:col: path: message`. */
  readonly invalid: readonly string[];
  /** Ordered as shown. */
  readonly rollouts: readonly OverviewRow[];
}

const OVERVIEW_STYLE = `${REPORT_STYLE}
main.overview { max-width: 1500px; }
.problems { border-left: 4px solid #c62828; }
.problems ul { margin: 4px 0 8px; padding-left: 20px; }
.problems li { overflow-wrap: anywhere; }
td.check ul { margin: 2px 0 0; padding-left: 16px; }
td.check, td.decision, td.now { overflow-wrap: anywhere; min-width: 14em; }
td.num { white-space: nowrap; text-align: right; }
time { white-space: nowrap; }
.kind { font-weight: 600; }
.kind-healthy { color: #2e7d32; }
.kind-breach, .kind-error { color: #c62828; }
.kind-inconclusive, .kind-nodata { color: #8a6d00; }
.earlier { color: #6a737d; font-size: 12px; }
.phase-RolledBack { color: #c62828; font-weight: 600; }
.phase-Promoted { color: #2e7d32; font-weight: 600; }
.phase-Progressing { color: #1e88e5; font-weight: 600; }
.phase-Shadow { color: #7b52ab; font-weight: 600; }
.action-rollback { color: #c62828; }
.action-advance { color: #1e88e5; }
.action-promote { color: #2e7d32; }
`;

/** Class names only from this table, never from data. */
const PHASE_CLASS: Readonly<Record<string, string>> = {
  Progressing: "phase-Progressing",
  Shadow: "phase-Shadow",
  RolledBack: "phase-RolledBack",
  Promoted: "phase-Promoted",
};
const KIND_CLASS: Readonly<Record<string, string>> = {
  healthy: "kind-healthy",
  breach: "kind-breach",
  error: "kind-error",
  inconclusive: "kind-inconclusive",
  nodata: "kind-nodata",
};
const ACTION_CLASS: Readonly<Record<string, string>> = {
  rollback: "action-rollback",
  advance: "action-advance",
  promote: "action-promote",
};

function time(ms: number): Html {
  const iso = isoUtc(ms);
  return html`<time datetime="${iso}">${iso}</time>`;
}

function checkCell(checks: readonly OverviewCheck[]): Html {
  const [newest, ...earlier] = checks;
  if (newest === undefined) return html`<td class="check">not checked</td>`;
  const more =
    earlier.length === 0
      ? ""
      : html`<div class="earlier">earlier: ${earlier.map(
          (c, i) =>
            html`${i > 0 ? ", " : ""}<span class="${KIND_CLASS[c.kind] ?? ""}">${c.kind}</span>`,
        )}</div>`;
  return html`<td class="check"><span class="kind ${KIND_CLASS[newest.kind] ?? ""}">${newest.kind}</span> at ${newest.weight}%, ${time(newest.at)}<ul>${newest.findings.map((f) => html`<li>${f}</li>`)}</ul>${more}</td>`;
}

function decisionCell(d: OverviewDecision | undefined): Html {
  if (d === undefined) return html`<td class="decision">none</td>`;
  const commit =
    d.commit !== undefined
      ? html`commit <code title="${d.commit}">${d.commit.slice(0, 12)}</code>`
      : d.source === "watchdog"
        ? "not committed"
        : "commit: before this watchdog started (see the spec's git log)";
  return html`<td class="decision"><span class="kind ${ACTION_CLASS[d.action] ?? ""}">${d.action}</span>${
    d.change === undefined ? "" : html` ${d.change}`
  }, ${time(d.at)}<br>${d.reason}<br>${commit}</td>`;
}

function row(r: OverviewRow): Html {
  return html`<tr data-rollout="${r.id}"><td class="rollout"><a href="${r.href}"><code>${r.id}</code></a></td><td class="phase ${PHASE_CLASS[r.phase] ?? ""}">${r.phase}</td><td class="num weight">${r.weight}%</td><td class="num step">${r.step}/${r.steps.length}</td>${checkCell(r.checks)}${decisionCell(r.lastDecision)}<td class="now">${r.now ?? ""}</td></tr>\n`;
}

/** `3 Progressing, 1 RolledBack`: phases in order of first appearance in the sorted list. */
function phaseCounts(rows: readonly OverviewRow[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.phase, (counts.get(r.phase) ?? 0) + 1);
  return [...counts].map(([phase, n]) => `${n} ${phase}`).join(", ");
}

function problems(data: OverviewData): Html | string {
  const parts: Html[] = [];
  if (data.metricsErrors.length > 0) {
    parts.push(
      html`<h2>Prometheus failed in the last cycle; the rollouts it affects hold</h2><ul>${data.metricsErrors.map((e) => html`<li>${e}</li>`)}</ul>`,
    );
  }
  if (data.invalid.length > 0) {
    parts.push(
      html`<h2>${data.invalid.length} spec problem${data.invalid.length === 1 ? "" : "s"}: those files are skipped</h2><ul>${data.invalid.map((e) => html`<li><code>${e}</code></li>`)}</ul>`,
    );
  }
  return parts.length === 0 ? "" : html`<section class="problems" id="problems">${parts}</section>`;
}

export function renderOverview(data: OverviewData): string {
  const n = data.rollouts.length;
  const title = `meshcanary: ${n} rollout${n === 1 ? "" : "s"}`;
  const cycle =
    data.lastCycleMs === undefined
      ? html`No cycle has finished yet.`
      : html`Last cycle ended ${time(data.lastCycleMs)}.`;
  const table =
    n === 0
      ? html`<p class="what">The watchdog sees no rollout.</p>`
      : html`<table><thead><tr><th>Rollout (report)</th><th>Phase</th><th>Weight</th><th>Step</th><th>Newest checks against the SLA</th><th>Last decision</th><th>Now</th></tr></thead><tbody>
${data.rollouts.map(row)}</tbody></table>`;
  return html`${pageHead(title, OVERVIEW_STYLE, data.refreshSeconds)}
<body>
<main class="overview">
<header>
<h1>${title}</h1>
<p class="summary">${cycle}${n === 0 ? "" : ` ${phaseCounts(data.rollouts)}.`}</p>
<p class="hint">Reloads every ${data.refreshSeconds} s. Each rollout's name links to its report. All times are UTC.</p>
</header>
${problems(data)}
<section id="rollouts">${table}</section>
<footer>Generated by meshcanary.</footer>
</main>
</body>
</html>
`.text;
}
