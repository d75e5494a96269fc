/**
 * A request that got no HTTP answer, said in words that point at the flag to
 * fix: TLS verification failures name --prometheus-ca-file or
 * --prometheus-server-name, a refused client certificate the cert and key
 * flags. Node's error codes are stable; its messages are not.
 */

export interface ConnectionFailure {
  readonly message: string;
  /** `tls` or `network` (MetricsQueryError's errorType). */
  readonly type: "tls" | "network";
}

const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
]);
const EXPIRED = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);
/**
 * The server refused the handshake over the client certificate (TLS 1.3 and
 * 1.2 alerts). OpenSSL 3.2 renamed the "sslv3 alert" reasons to "ssl/tls
 * alert": Node 20 reports the first spelling, Node 24 the second.
 */
const CLIENT_CERT_REFUSED = new Set([
  "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
  "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
  "ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE",
  "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
  "ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE",
  "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
  "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED",
  "ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_EXPIRED",
]);

/** `base` is the Prometheus URL the request went to (the endpoint named in the message). */
export function connectionFailure(error: unknown, base: string): ConnectionFailure {
  const code = errorCode(error);
  const tls = (what: string): ConnectionFailure => ({
    message: `${base}: TLS: ${what}`,
    type: "tls",
  });
  if (UNTRUSTED.has(code))
    return tls(`the server's certificate is not trusted (${code}): check --prometheus-ca-file`);
  if (EXPIRED.has(code))
    return tls(
      `the server's certificate is not valid now (${code}): check the server's certificate`,
    );
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return tls(
      `the server's certificate is not for the name checked (${code}): check --prometheus-server-name`,
    );
  if (CLIENT_CERT_REFUSED.has(code))
    return tls(
      `the server refused the client certificate (${code}): check --prometheus-cert-file and --prometheus-key-file`,
    );
  if (code === "EPROTO" || code.startsWith("ERR_SSL_"))
    return tls(
      `handshake failed (${code}): is ${base} an https endpoint, and are the TLS flags right?`,
    );
  // node-fetch's message names the URL already: "request to … failed, reason: …".
  return { message: (error as Error).message, type: "network" };
}

/** node-fetch's FetchError carries the system error's code; the cause chain may too. */
export function errorCode(error: unknown): string {
  for (
    let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e !== undefined && e !== null && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === "string") return e.code;
  }
  return "";
}
