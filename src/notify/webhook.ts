/**
 * One POST of a JSON body to a webhook whose URL is a secret in a file (a
 * Slack hook URL is its own credential). The file is read for every attempt,
 * so a rotated or fixed Secret is used from the next try on. Messages name
 * the flag and the file, never the URL: node-fetch's own messages quote it,
 * so none of them is passed on.
 */
import fetch from "node-fetch";
import { ExitCode, MeshcanaryError } from "../errors.js";
import { errorCode } from "../prometheus/request-failure.js";
import { redactSecrets } from "../secrets/redact.js";
import type { SecretFile } from "../secrets/secret-file.js";

export class WebhookError extends MeshcanaryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "WEBHOOK", ExitCode.external, options);
  }
}

export interface PostOptions {
  readonly timeoutMs: number;
  /** Aborts the request (shutdown). */
  readonly signal?: AbortSignal;
}

/** @throws WebhookError or SecretFileError, naming `file.flag` and never the URL */
export async function postJson(
  file: SecretFile,
  body: unknown,
  options: PostOptions,
): Promise<void> {
  const url = await file.read();
  const fail = (what: string, cause?: unknown) =>
    new WebhookError(
      redactSecrets(`${file.flag} ${file.path}: ${what}`, [url]),
      cause === undefined ? undefined : { cause: redactedCause(cause) },
    );
  if (!isHttpUrl(url)) throw fail("does not hold an http:// or https:// URL");
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]),
      redirect: "error",
    });
    // Read the answer so the connection is free again; its content says nothing we use.
    await response.arrayBuffer();
    if (!response.ok)
      throw fail(`the receiver answered HTTP ${response.status} ${response.statusText}`.trimEnd());
  } catch (error) {
    if (error instanceof WebhookError) throw error;
    if (timeout.aborted) throw fail(`no answer within ${options.timeoutMs} ms`);
    if (options.signal?.aborted === true) throw fail("cancelled at shutdown");
    throw fail(`request failed (${errorCode(error) || "unknown error"})`, error);
  }
}

/** An absolute http:// or https:// URL. */
function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/** A cause that keeps the code but not node-fetch's message, which holds the URL. */
function redactedCause(error: unknown): { code: string } {
  return { code: errorCode(error) || "unknown" };
}
