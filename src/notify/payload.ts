/**
 * The notification payloads, built from what the loop reports and nothing
 * else: pure, so every field is tested without a server. Version 1 is a
 * contract with receivers: fields may be added, never renamed or removed
 * without a new `version`.
 */
import type { PushedDecision } from "./pushed-decisions.js";

/** A decision the watchdog pushed to git. */
export interface DecisionNotice {
  readonly version: 1;
  readonly kind: "decision";
  /** `<namespace>/<name>`. */
  readonly rollout: string;
  readonly action: PushedDecision["action"];
  /** Canary weight in percent before and after (promote: 100, the canary is now stable). */
  readonly from: number;
  readonly to: number;
  readonly reason: string;
  /** The commit's subject, e.g. `rollback recs/recommend: 20% → 0%`. */
  readonly subject: string;
  /** The decision's commit (full hash) on the watched branch. */
  readonly commit: string;
  /** When the watchdog pushed it (RFC 3339). */
  readonly at: string;
  /** `<--report-url-base>/rollouts/<namespace>/<name>`, when the base is set. */
  readonly report?: string;
}

/** Cycles that kept failing (Prometheus or git): every rollout is held meanwhile. */
export interface FailureNotice {
  readonly version: 1;
  readonly kind: "failure";
  /** Consecutive failed cycles so far (the `--notify-failure-cycles` threshold). */
  readonly cycles: number;
  /** The newest cycle's error, secrets masked. */
  readonly error: string;
  /** When the first failed cycle of this run of failures ended (RFC 3339). */
  readonly since: string;
  readonly at: string;
}

export type Notice = DecisionNotice | FailureNotice;

/** `<base>/rollouts/<ns>/<name>`: the overview page's per-rollout route. */
export function reportUrl(base: string, rollout: string): string {
  const [namespace = "", name = ""] = rollout.split("/");
  return `${base.replace(/\/+$/, "")}/rollouts/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

export function decisionNotice(
  decision: PushedDecision,
  atMs: number,
  reportUrlBase?: string,
): DecisionNotice {
  return {
    version: 1,
    kind: "decision",
    rollout: decision.rollout,
    action: decision.action,
    from: decision.from,
    to: decision.to,
    reason: decision.reason,
    subject: decision.subject,
    commit: decision.commit,
    at: new Date(atMs).toISOString(),
    ...(reportUrlBase === undefined ? {} : { report: reportUrl(reportUrlBase, decision.rollout) }),
  };
}

export function failureNotice(
  cycles: number,
  error: string,
  sinceMs: number,
  atMs: number,
): FailureNotice {
  return {
    version: 1,
    kind: "failure",
    cycles,
    error,
    since: new Date(sinceMs).toISOString(),
    at: new Date(atMs).toISOString(),
  };
}

/** A short description for log lines: which notice, never its content's secrets (it holds none). */
export function describeNotice(notice: Notice): string {
  return notice.kind === "decision"
    ? `${notice.action} ${notice.rollout}`
    : `failure for ${notice.cycles} cycles`;
}
