/**
 * The flags for decision notifications and their translation into a
 * Notifier. A webhook URL is its own credential, so it is only ever named by
 * a file path (`--notify-webhook-file`, `--notify-slack-webhook-file`). Values
 * are checked as commander reads them (see flag-values.ts), so a bad one is
 * exit 2 before anything starts.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import type { Registry } from "prom-client";
import { Notifier, type NotifyTarget } from "../notify/notifier.js";
import { SecretFile } from "../secrets/secret-file.js";
import type { Logger } from "../watchdog/log.js";
import * as parse from "./flag-values.js";

export interface NotifyFlags {
  readonly notifyWebhookFile?: string;
  readonly notifySlackWebhookFile?: string;
  /** Default 3. */
  readonly notifyFailureCycles?: number;
  readonly reportUrlBase?: string;
}

/** Adds the notification flags to `watch`. */
export function addNotifyOptions(program: Command): void {
  const watch = program.commands.find((c) => c.name() === "watch");
  for (const option of [
    new Option(
      "--notify-webhook-file <file>",
      "POST a JSON notice (payload version 1) for each decision and lasting failure to the URL in this file",
    ).argParser(parse.path),
    new Option(
      "--notify-slack-webhook-file <file>",
      'the same notices as a Slack incoming-webhook message {"text": …}, to the URL in this file',
    ).argParser(parse.path),
    new Option(
      "--notify-failure-cycles <n>",
      "notify once this many cycles in a row have failed (Prometheus or git)",
    )
      .argParser(wholeCycles)
      .default(3),
    new Option(
      "--report-url-base <url>",
      "the overview page's address, e.g. https://meshcanary.example.com; each decision links <url>/rollouts/<ns>/<name>",
    ).argParser(parse.httpUrl),
  ])
    watch?.addOption(option);
}

/** A Notifier for the flags, or undefined when no webhook is configured. */
export function notifierFromFlags(
  flags: NotifyFlags,
  deps: { log: Logger; registry: Registry; secrets: readonly string[] },
): Notifier | undefined {
  const targets: NotifyTarget[] = [];
  if (flags.notifyWebhookFile !== undefined)
    targets.push({
      kind: "webhook",
      file: new SecretFile("--notify-webhook-file", flags.notifyWebhookFile),
    });
  if (flags.notifySlackWebhookFile !== undefined)
    targets.push({
      kind: "slack",
      file: new SecretFile("--notify-slack-webhook-file", flags.notifySlackWebhookFile),
    });
  if (targets.length === 0) return undefined;
  return new Notifier({
    targets,
    failureCycles: flags.notifyFailureCycles ?? 3,
    ...(flags.reportUrlBase === undefined ? {} : { reportUrlBase: flags.reportUrlBase }),
    log: deps.log,
    registry: deps.registry,
    secrets: deps.secrets,
  });
}

/** A whole number of cycles, 1 or more. */
function wholeCycles(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError("expected a whole number of cycles, 1 or more");
  return n;
}
