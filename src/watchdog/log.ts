/**
 * One log line per decision and per failure: JSON lines when stderr is not a
 * terminal (for log collectors, with every check's full arithmetic), short
 * text when a person watches (a decision on one line, each check below it
 * with its key numbers; the arithmetic stays in the commit body and JSON).
 * Every line passes through redaction, so credentials in URLs and the Argo CD
 * token never reach a log.
 */
import { redactSecrets } from "../secrets/redact.js";

export type Level = "info" | "warn" | "error";
export type Fields = Readonly<Record<string, unknown>>;

export interface Logger {
  log(level: Level, message: string, fields?: Fields): void;
}

export interface LoggerOptions {
  readonly write?: (line: string) => void;
  /** JSON lines; default: when stderr is not a terminal. */
  readonly json?: boolean;
  /** Strings that must never be printed (tokens). */
  readonly secrets?: readonly string[];
  readonly now?: () => number;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const json = options.json ?? !process.stderr.isTTY;
  const secrets = options.secrets ?? [];
  const now = options.now ?? Date.now;
  const redact = (text: string) => redactSecrets(text, secrets);
  return {
    log(level, message, fields = {}) {
      const time = new Date(now()).toISOString();
      const text = json
        ? JSON.stringify({ time, level, msg: message, ...fields })
        : terminalLines(time, level, message, fields).join("\n");
      write(`${redact(text)}\n`);
    },
  };
}

export const silentLogger: Logger = { log() {} };

/**
 * For a person: the message and its short fields on one line; a decision
 * (`rollout`, `action`, `from`, `to`, `reason`) as `rollout action from → to:
 * reason`; each of `checks` on an indented line of its own, without the
 * judge's arithmetic in parentheses.
 */
export function terminalLines(
  time: string,
  level: Level,
  message: string,
  fields: Fields,
): string[] {
  const { checks, ...rest } = fields;
  const head = [time.replace(".000Z", "Z"), level, message];
  let shown: Record<string, unknown> = rest;
  if (typeof rest.rollout === "string" && typeof rest.action === "string") {
    const { rollout, action, from, to, reason, ...others } = rest;
    const move =
      to !== undefined ? `${from}% → ${to}%` : from !== undefined ? `at ${from}%` : undefined;
    head.push(
      `${rollout} ${action}${move === undefined ? "" : ` ${move}`}${reason === undefined ? "" : `: ${reason}`}`,
    );
    shown = others;
  }
  const line = [...head, ...Object.entries(shown).map(([k, v]) => `${k}=${scalar(v)}`)].join(" ");
  const below = Array.isArray(checks)
    ? checks.map((c) => `    ${typeof c === "string" ? withoutArithmetic(c) : scalar(c)}`)
    : checks === undefined
      ? []
      : [`    checks=${scalar(checks)}`];
  return [line, ...below];
}

function scalar(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * `… healthy: p99 latency 41 ms ≤ 150 ms (3 of 1200 above …; p = …); …` →
 * `… healthy: p99 latency 41 ms ≤ 150 ms; …`: every parenthesised detail is
 * dropped, the values against their thresholds stay.
 */
export function withoutArithmetic(check: string): string {
  let out = "";
  let depth = 0;
  for (const ch of check) {
    if (ch === "(") depth++;
    else if (ch === ")" && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out
    .replace(/ +(?=[;,]|$)/g, "")
    .replace(/ {2,}/g, " ")
    .replace(/^(\S+)\.000Z/, "$1Z");
}
