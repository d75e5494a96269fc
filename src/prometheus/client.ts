/**
 * Prometheus HTTP API client (`/api/v1/query`, `/api/v1/query_range`): one
 * timeout per request, the `status: error` envelope, and sample values as the
 * strings Prometheus sends (`"NaN"`, `"+Inf"`, `"-Inf"`). Anything that is not
 * a well-formed answer becomes a `MetricsQueryError`, never a wrong number.
 * Credentials (auth.ts) are read for each request and masked in every message.
 */
import type { Agent } from "node:https";
import fetch from "node-fetch";
import { ExitCode, MeshcanaryError } from "../errors.js";
import { redactSecrets } from "../secrets/redact.js";
import { SecretFileError } from "../secrets/secret-file.js";
import {
  credentialFlags,
  type PrometheusAuth,
  type RequestCredentials,
  requestCredentials,
} from "./auth.js";
import type { Labels, MetricsSource, Sample, Series, TimeRange } from "./metrics-source.js";
import { connectionFailure } from "./request-failure.js";
import { TlsAgent } from "./tls-agent.js";

export class MetricsQueryError extends MeshcanaryError {
  /**
   * Prometheus' errorType (`bad_data`, `timeout`, …), `http`, `network`, `timeout`,
   * `invalid_response`, `unauthorized` (401/403), `tls`, or `credentials` (a secret file).
   */
  readonly errorType: string;
  constructor(message: string, errorType: string, options?: { cause?: unknown }) {
    super(message, "METRICS_QUERY", ExitCode.external, options);
    this.errorType = errorType;
  }
}

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://prometheus:9090 (a path prefix is kept). */
  readonly url: string;
  /** Per-request timeout; default 5000 ms. */
  readonly timeoutMs?: number;
  /** Called with each request's duration, for the query latency histogram. */
  readonly onRequest?: (seconds: number, ok: boolean) => void;
  /** Token, basic auth, headers and TLS; default none. */
  readonly auth?: PrometheusAuth;
}

export class PrometheusClient implements MetricsSource {
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #onRequest: ((seconds: number, ok: boolean) => void) | undefined;
  readonly #auth: PrometheusAuth;
  readonly #tls: TlsAgent | undefined;
  /** Every secret read so far: a rotated-out one must stay masked too. */
  readonly #secrets = new Set<string>();

  constructor(options: PrometheusClientOptions) {
    this.#base = options.url.replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#onRequest = options.onRequest;
    this.#auth = options.auth ?? {};
    this.#tls = options.auth?.tls === undefined ? undefined : new TlsAgent(options.auth.tls);
  }

  async query(promql: string, timeMs: number): Promise<Sample[]> {
    const data = await this.#call("query", { query: promql, time: seconds(timeMs) });
    if (data.resultType === "scalar")
      return [{ labels: {}, value: parseValue((data.result as unknown[])[1]) }];
    if (data.resultType !== "vector")
      throw invalid(`expected a vector, got ${String(data.resultType)}`);
    return (data.result as unknown[]).map((item) => {
      const { metric, value } = item as { metric?: unknown; value?: unknown };
      if (!Array.isArray(value)) throw invalid("vector sample without value");
      return { labels: parseLabels(metric), value: parseValue(value[1]) };
    });
  }

  async queryRange(promql: string, range: TimeRange): Promise<Series[]> {
    const data = await this.#call("query_range", {
      query: promql,
      start: seconds(range.startMs),
      end: seconds(range.endMs),
      step: seconds(range.stepMs),
    });
    if (data.resultType !== "matrix")
      throw invalid(`expected a matrix, got ${String(data.resultType)}`);
    return (data.result as unknown[]).map((item) => {
      const { metric, values } = item as { metric?: unknown; values?: unknown };
      if (!Array.isArray(values)) throw invalid("matrix series without values");
      const points = values.map((pair): readonly [number, number] => {
        if (!Array.isArray(pair) || typeof pair[0] !== "number")
          throw invalid("malformed matrix point");
        return [Math.round(pair[0] * 1000), parseValue(pair[1])];
      });
      return { labels: parseLabels(metric), points };
    });
  }

  async #call(
    endpoint: string,
    params: Record<string, string>,
  ): Promise<{ resultType: unknown; result: unknown }> {
    const started = performance.now();
    let ok = false;
    try {
      const body = await this.#request(endpoint, params);
      ok = true;
      return body;
    } catch (error) {
      throw this.#masked(error);
    } finally {
      this.#onRequest?.((performance.now() - started) / 1000, ok);
    }
  }

  async #request(
    endpoint: string,
    params: Record<string, string>,
  ): Promise<{ resultType: unknown; result: unknown }> {
    const url = `${this.#base}/api/v1/${endpoint}`;
    let credentials: RequestCredentials;
    let agent: Agent | undefined;
    try {
      credentials = await requestCredentials(this.#auth);
      for (const secret of credentials.secrets) this.#secrets.add(secret);
      agent = await this.#tls?.agent();
    } catch (error) {
      if (!(error instanceof SecretFileError)) throw error;
      throw new MetricsQueryError(`Prometheus ${endpoint}: ${error.message}`, "credentials", {
        cause: error,
      });
    }
    let response: Awaited<ReturnType<typeof fetch>>;
    let text: string;
    try {
      // POST keeps long batched queries out of URL length limits.
      response = await fetch(url, {
        method: "POST",
        headers: {
          ...credentials.headers,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(this.#timeoutMs),
        ...(agent === undefined ? {} : { agent }),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as Error).name;
      if (name === "TimeoutError" || name === "AbortError") {
        throw new MetricsQueryError(
          `Prometheus ${endpoint}: no answer within ${this.#timeoutMs} ms`,
          "timeout",
          { cause: error },
        );
      }
      const failure = connectionFailure(error, this.#base);
      throw new MetricsQueryError(`Prometheus ${endpoint}: ${failure.message}`, failure.type, {
        cause: error,
      });
    }
    if (response.status === 401 || response.status === 403) {
      throw new MetricsQueryError(
        `Prometheus ${endpoint}: ${this.#base} answered ${response.status} ${response.statusText}: ${credentialFlags(this.#auth)}`,
        "unauthorized",
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      const what = response.ok
        ? "answer is not JSON"
        : `HTTP ${response.status} ${response.statusText}`;
      throw new MetricsQueryError(
        `Prometheus ${endpoint}: ${what}`,
        response.ok ? "invalid_response" : "http",
        { cause: error },
      );
    }
    const envelope = body as {
      status?: unknown;
      data?: unknown;
      errorType?: unknown;
      error?: unknown;
    };
    if (envelope?.status === "error") {
      throw new MetricsQueryError(
        `Prometheus ${endpoint}: ${String(envelope.errorType)}: ${String(envelope.error)}`,
        String(envelope.errorType ?? "error"),
      );
    }
    if (!response.ok)
      throw new MetricsQueryError(
        `Prometheus ${endpoint}: HTTP ${response.status} ${response.statusText}`,
        "http",
      );
    const data = envelope?.data as { resultType?: unknown; result?: unknown } | undefined;
    if (
      envelope?.status !== "success" ||
      data === undefined ||
      data === null ||
      !Array.isArray(data.result)
    ) {
      throw invalid(`${endpoint} answer has no data.result`);
    }
    return { resultType: data.resultType, result: data.result };
  }

  /** The error with every secret masked; no cause, which could hold them. */
  #masked(error: unknown): unknown {
    if (!(error instanceof MetricsQueryError)) return error;
    const message = redactSecrets(error.message, [...this.#secrets]);
    return message === error.message ? error : new MetricsQueryError(message, error.errorType);
  }
}

function invalid(message: string): MetricsQueryError {
  return new MetricsQueryError(`Prometheus: invalid answer: ${message}`, "invalid_response");
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Prometheus encodes sample values as strings so that NaN and ±Inf survive JSON. */
export function parseValue(raw: unknown): number {
  if (typeof raw !== "string") throw invalid(`sample value ${JSON.stringify(raw)} is not a string`);
  switch (raw) {
    case "NaN":
      return Number.NaN;
    case "+Inf":
    case "Inf":
      return Number.POSITIVE_INFINITY;
    case "-Inf":
      return Number.NEGATIVE_INFINITY;
  }
  const value = Number(raw);
  if (raw.trim() === "" || Number.isNaN(value))
    throw invalid(`sample value ${JSON.stringify(raw)} is not a number`);
  return value;
}

function parseLabels(metric: unknown): Labels {
  if (metric === undefined) return {};
  if (metric === null || typeof metric !== "object" || Array.isArray(metric))
    throw invalid("series labels are not an object");
  for (const value of Object.values(metric)) {
    if (typeof value !== "string") throw invalid("a label value is not a string");
  }
  return metric as Labels;
}
