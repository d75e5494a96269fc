/**
 * Tells people what the watchdog did: each pushed decision, and a run of
 * failed cycles once it reaches `failureCycles`, sent to each configured
 * webhook in the background. The loop hands reports over and never waits:
 * a receiver that fails or hangs delays nothing and undoes nothing, since git
 * already holds every decision. Each webhook has its own bounded queue (the
 * oldest notice is dropped when full) and one sender that retries with
 * backoff; a notice is given up after the last try.
 */
import { Counter, type Registry } from "prom-client";
import { redactSecrets } from "../secrets/redact.js";
import type { SecretFile } from "../secrets/secret-file.js";
import type { CycleReport } from "../watchdog/cycle.js";
import type { Logger } from "../watchdog/log.js";
import { DEFAULT_RETRY, type RetryPolicy, retryDelayMs } from "./backoff.js";
import { decisionNotice, describeNotice, failureNotice, type Notice } from "./payload.js";
import { pushedDecisions } from "./pushed-decisions.js";
import { BoundedQueue } from "./queue.js";
import { slackMessage } from "./slack.js";
import { postJson } from "./webhook.js";

export type WebhookKind = "webhook" | "slack";

export interface NotifyTarget {
  /** `webhook`: payload v1 as JSON; `slack`: a Slack incoming-webhook `{"text"}`. */
  readonly kind: WebhookKind;
  /** Holds the URL (itself a secret). */
  readonly file: SecretFile;
}

/** Sends one body to one target; throws a message that names the flag, never the URL. */
export type Send = (target: NotifyTarget, body: unknown, signal: AbortSignal) => Promise<void>;

export interface NotifierOptions {
  readonly targets: readonly NotifyTarget[];
  /** Notify when this many cycles in a row have failed; default 3. */
  readonly failureCycles?: number;
  /** Base URL of the overview page, for each decision's `report` link. */
  readonly reportUrlBase?: string;
  readonly log: Logger;
  /** Where `meshcanary_notifications_total` is registered (the /metrics registry). */
  readonly registry?: Registry;
  readonly now?: () => number;
  /** Notices waiting per target, beyond the one being sent; default 100. */
  readonly queueCapacity?: number;
  readonly retry?: RetryPolicy;
  /** Per try; default 5000 ms. */
  readonly timeoutMs?: number;
  /** Strings to mask in error texts sent out (tokens the loop's errors might hold). */
  readonly secrets?: readonly string[];
  /** Injected in tests; default an HTTP POST (webhook.ts). */
  readonly send?: Send;
  /** Injected in tests; default a timer that the signal cuts short. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export class Notifier {
  readonly #options: NotifierOptions;
  readonly #now: () => number;
  readonly #channels: Channel[];
  readonly #counter: Counter<"kind" | "result">;
  readonly #stop = new AbortController();
  #failedCycles = 0;
  #failingSinceMs: number | undefined;

  constructor(options: NotifierOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#counter = new Counter({
      name: "meshcanary_notifications_total",
      help: "Notification deliveries by webhook kind (webhook, slack) and result (delivered, retried, failed, dropped).",
      labelNames: ["kind", "result"] as const,
      registers: options.registry === undefined ? [] : [options.registry],
    });
    const timeoutMs = options.timeoutMs ?? 5000;
    const send: Send =
      options.send ??
      ((target, body, signal) => postJson(target.file, body, { timeoutMs, signal }));
    this.#channels = options.targets.map(
      (target) =>
        new Channel(target, {
          send,
          sleep: options.sleep ?? sleep,
          log: options.log,
          retry: options.retry ?? DEFAULT_RETRY,
          capacity: options.queueCapacity ?? 100,
          count: (result) => this.#counter.inc({ kind: target.kind, result }),
          signal: this.#stop.signal,
        }),
    );
  }

  /** The loop's `onCycle`: never throws, never waits. */
  onCycle(report: CycleReport): void {
    const now = this.#now();
    for (const decision of pushedDecisions(report))
      this.#enqueue(decisionNotice(decision, now, this.#options.reportUrlBase));
    const error = report.metricsErrors[0];
    if (error === undefined) this.#failedCycles = 0;
    else this.#failed(error, now);
  }

  /** The loop's `onError`, for a cycle that threw. */
  onError(error: unknown): void {
    this.#failed(error instanceof Error ? error.message : String(error), this.#now());
  }

  /** Resolves once every queue is empty and nothing is being sent (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all(this.#channels.map((c) => c.idle()));
  }

  /**
   * Stops: waits up to `graceMs` for the queues to empty, then cancels what is
   * left (logged with its count, never retried later: notices live in memory).
   */
  async close(graceMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    this.#stop.abort();
    await this.idle();
  }

  #failed(message: string, now: number): void {
    this.#failedCycles++;
    this.#failingSinceMs = this.#failedCycles === 1 ? now : (this.#failingSinceMs ?? now);
    if (this.#failedCycles !== (this.#options.failureCycles ?? 3)) return;
    const error = redactSecrets(message, this.#options.secrets ?? []);
    this.#enqueue(failureNotice(this.#failedCycles, error, this.#failingSinceMs, now));
  }

  #enqueue(notice: Notice): void {
    for (const channel of this.#channels) channel.push(notice);
  }
}

interface ChannelDeps {
  readonly send: Send;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly log: Logger;
  readonly retry: RetryPolicy;
  readonly capacity: number;
  readonly count: (result: "delivered" | "retried" | "failed" | "dropped") => void;
  readonly signal: AbortSignal;
}

/** One target's queue and its single sender, so notices reach each receiver in order. */
class Channel {
  readonly #target: NotifyTarget;
  readonly #deps: ChannelDeps;
  readonly #queue: BoundedQueue<Notice>;
  #sending: Promise<void> | undefined;

  constructor(target: NotifyTarget, deps: ChannelDeps) {
    this.#target = target;
    this.#deps = deps;
    this.#queue = new BoundedQueue(deps.capacity);
  }

  push(notice: Notice): void {
    const { log, count, signal } = this.#deps;
    const webhook = this.#target.file.flag;
    if (signal.aborted) {
      count("dropped");
      log.log("warn", "notification dropped: stopping", {
        webhook,
        notice: describeNotice(notice),
      });
      return;
    }
    const full = this.#queue.push(notice);
    if (full !== undefined) {
      count("dropped");
      log.log("warn", "notification queue full; dropped the oldest notice", {
        webhook,
        dropped: describeNotice(full.dropped),
        capacity: this.#queue.capacity,
      });
    }
    this.#sending ??= this.#drain().finally(() => {
      this.#sending = undefined;
    });
  }

  async idle(): Promise<void> {
    while (this.#sending !== undefined) await this.#sending;
  }

  async #drain(): Promise<void> {
    for (let notice = this.#queue.shift(); notice !== undefined; notice = this.#queue.shift())
      await this.#deliver(notice);
  }

  async #deliver(notice: Notice): Promise<void> {
    const { send, sleep, log, retry, count, signal } = this.#deps;
    const webhook = this.#target.file.flag;
    const body = this.#target.kind === "slack" ? slackMessage(notice) : notice;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) {
        count("dropped");
        log.log("warn", "notification not delivered: stopping", {
          webhook,
          notice: describeNotice(notice),
        });
        return;
      }
      try {
        await send(this.#target, body, signal);
        count("delivered");
        return;
      } catch (error) {
        // Cancelled at shutdown: counted and logged as dropped at the top of the loop.
        if (signal.aborted) continue;
        const message = (error as Error).message;
        const waitMs = retryDelayMs(retry, attempt);
        if (waitMs === undefined) {
          count("failed");
          log.log("error", "notification not delivered; giving up", {
            webhook,
            notice: describeNotice(notice),
            attempts: attempt,
            error: message,
          });
          return;
        }
        count("retried");
        log.log("warn", "notification not delivered; retrying", {
          webhook,
          notice: describeNotice(notice),
          attempt,
          retryInMs: waitMs,
          error: message,
        });
        await sleep(waitMs, signal);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
