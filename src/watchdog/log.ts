/**
 * One log line per decision and per failure: JSON lines when stderr is not a
 * terminal (for log collectors), short text when a person watches. Every line
 * passes through redaction, so credentials in URLs and the Argo CD token never
 * reach a log.
 */
import { redactUrlCredentials } from "../gitops/redact.js";

export type Level = "info" | "warn" | "error";
export type Fields = Readonly<Record<string, unknown>>;

export interface Logger {
  log(level: Level, message: string, fields?: Fields): void;
}

export interface LoggerOptions {
  readonly write?: (line: string) => void;
  readonly json?: boolean;
  /** Strings that must never be printed (tokens). */
  readonly secrets?: readonly string[];
  readonly now?: () => number;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const json = options.json ?? !process.stderr.isTTY;
  const secrets = (options.secrets ?? []).filter((s) => s.length > 0);
  const now = options.now ?? Date.now;
  const redact = (text: string) =>
    secrets.reduce((t, s) => t.split(s).join("***"), redactUrlCredentials(text));
  return {
    log(level, message, fields = {}) {
      const time = new Date(now()).toISOString();
      const line = json
        ? JSON.stringify({ time, level, msg: message, ...fields })
        : `${time} ${level} ${message}${Object.entries(fields)
            .map(([k, v]) => ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
            .join("")}`;
      write(`${redact(line)}\n`);
    },
  };
}

export const silentLogger: Logger = { log() {} };
