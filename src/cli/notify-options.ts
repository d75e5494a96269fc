/**
 * The flags for decision notifications and their translation into a
 * Notifier. A webhook URL is its own credential, so it is only ever named by
 * a file path (`--notify-webhook-file`, `--notify-slack-webhook-file`).
 */
import { type Command, Option } from "commander";
import type { Registry } from "prom-client";
import { UsageError } from "../errors.js";
import { Notifier, type NotifyTarget } from "../notify/notifier.js";
import { isHttpUrl } from "../notify/webhook.js";
import { SecretFile } from "../secrets/secret-file.js";
import type { Logger } from "../watchdog/log.js";

export interface NotifyFlags {
  readonly notifyWebhookFile?: string;
  readonly notifySlackWebhookFile?: string;
  readonly notifyFailureCycles?: string;
  readonly reportUrlBase?: string;
}

/** Adds the notification flags to `watch`. */
export function addNotifyOptions(program: Command): void {
  const watch = program.commands.find((c) => c.name() === "watch");
  for (const option of [
    new Option(
      "--notify-webhook-file <file>",
      "POST a JSON notice (payload version 1) for each decision and lasting failure to the URL in this file",
    ),
    new Option(
      "--notify-slack-webhook-file <file>",
      'the same notices as a Slack incoming-webhook message {"text": …}, to the URL in this file',
    ),
    new Option(
      "--notify-failure-cycles <n>",
      "notify once this many cycles in a row have failed (Prometheus or git)",
    ).default("3"),
    new Option(
      "--report-url-base <url>",
      "the overview page's address, e.g. https://meshcanary.example.com; each decision links <url>/rollouts/<ns>/<name>",
    ),
  ])
    watch?.addOption(option);
}

/** A Notifier for the flags, or undefined when no webhook is configured. */
export function notifierFromFlags(
  flags: NotifyFlags,
  deps: { log: Logger; registry: Registry; secrets: readonly string[] },
): Notifier | undefined {
  const failureCycles = positiveInteger(
    "--notify-failure-cycles",
    flags.notifyFailureCycles ?? "3",
  );
  const base = flags.reportUrlBase;
  if (base !== undefined && !isHttpUrl(base))
    throw new UsageError(`--report-url-base ${base}: expected an http:// or https:// URL`);
  const targets: NotifyTarget[] = [
    ...(flags.notifyWebhookFile === undefined
      ? []
      : [
          {
            kind: "webhook" as const,
            file: new SecretFile("--notify-webhook-file", flags.notifyWebhookFile),
          },
        ]),
    ...(flags.notifySlackWebhookFile === undefined
      ? []
      : [
          {
            kind: "slack" as const,
            file: new SecretFile("--notify-slack-webhook-file", flags.notifySlackWebhookFile),
          },
        ]),
  ];
  if (targets.length === 0) return undefined;
  return new Notifier({
    targets,
    failureCycles,
    ...(base === undefined ? {} : { reportUrlBase: base }),
    log: deps.log,
    registry: deps.registry,
    secrets: deps.secrets,
  });
}

function positiveInteger(flag: string, value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${flag} ${value}: expected a whole number of cycles, 1 or more`);
  return n;
}
