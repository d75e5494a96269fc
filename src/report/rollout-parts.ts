/** The parts of a report that come straight from a rollout and its checks, the same for backtest and status. */

import type { CheckResult } from "../analysis/evidence.js";
import { describeCheck } from "../analysis/explain.js";
import { quantileLabel } from "../analysis/histogram.js";
import type { Rollout } from "../rollout/types.js";
import type { ReportCheck, ReportData } from "./report-data.js";

export function reportSla(rollout: Rollout): ReportData["sla"] {
  const { sla } = rollout.analysis;
  return {
    quantileLabel: quantileLabel(sla.latency.quantile),
    ...(sla.latency.maxMs === undefined ? {} : { maxMs: sla.latency.maxMs }),
    errorRateMax: sla.errorRate.max,
  };
}

export function reportCheck(check: CheckResult): ReportCheck {
  return { at: check.at, kind: check.kind, text: describeCheck(check) };
}
