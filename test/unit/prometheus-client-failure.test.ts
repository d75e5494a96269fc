/** Connection failures in words that name the flag to fix, keyed on Node's stable error codes. */
import { expect } from "chai";
import { connectionFailure } from "../../src/prometheus/request-failure.js";

const BASE = "https://127.0.0.1:9090";
const withCode = (code: string, message = `some ${code} text`) =>
  Object.assign(new Error(message), { code });

describe("connectionFailure", () => {
  const cases: [string, unknown, "tls" | "network", string][] = [
    [
      "an unknown CA",
      withCode("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
      "tls",
      "https://127.0.0.1:9090: TLS: the server's certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE): check --prometheus-ca-file",
    ],
    [
      "a self-signed certificate",
      withCode("DEPTH_ZERO_SELF_SIGNED_CERT"),
      "tls",
      "https://127.0.0.1:9090: TLS: the server's certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT): check --prometheus-ca-file",
    ],
    [
      "an expired certificate",
      withCode("CERT_HAS_EXPIRED"),
      "tls",
      "https://127.0.0.1:9090: TLS: the server's certificate is not valid now (CERT_HAS_EXPIRED): check the server's certificate",
    ],
    [
      "a certificate for another name",
      withCode("ERR_TLS_CERT_ALTNAME_INVALID"),
      "tls",
      "https://127.0.0.1:9090: TLS: the server's certificate is not for the name checked (ERR_TLS_CERT_ALTNAME_INVALID): check --prometheus-server-name",
    ],
    [
      "a refused client certificate (TLS 1.3 alert)",
      withCode("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"),
      "tls",
      "https://127.0.0.1:9090: TLS: the server refused the client certificate (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED): check --prometheus-cert-file and --prometheus-key-file",
    ],
    [
      "a refused client certificate in OpenSSL 3.2+'s words (Node 24)",
      withCode("ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE"),
      "tls",
      "https://127.0.0.1:9090: TLS: the server refused the client certificate (ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE): check --prometheus-cert-file and --prometheus-key-file",
    ],
    [
      "a code found on the cause",
      Object.assign(new Error("request failed"), { cause: withCode("SELF_SIGNED_CERT_IN_CHAIN") }),
      "tls",
      "https://127.0.0.1:9090: TLS: the server's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN): check --prometheus-ca-file",
    ],
    [
      "another handshake failure (https to a plain HTTP port)",
      withCode("ERR_SSL_WRONG_VERSION_NUMBER"),
      "tls",
      "https://127.0.0.1:9090: TLS: handshake failed (ERR_SSL_WRONG_VERSION_NUMBER): is https://127.0.0.1:9090 an https endpoint, and are the TLS flags right?",
    ],
    [
      "a refused connection (node-fetch's message, which names the URL)",
      withCode(
        "ECONNREFUSED",
        "request to https://127.0.0.1:9090/api/v1/query failed, reason: connect ECONNREFUSED",
      ),
      "network",
      "request to https://127.0.0.1:9090/api/v1/query failed, reason: connect ECONNREFUSED",
    ],
  ];
  for (const [what, error, type, message] of cases) {
    it(`says ${what}`, () => {
      expect(connectionFailure(error, BASE)).to.deep.equal({ message, type });
    });
  }
});
