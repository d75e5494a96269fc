/**
 * How meshcanary proves itself to Prometheus: a bearer token or basic auth,
 * extra headers (plain, or secret from a file), and TLS (see tls-agent.ts).
 * Every secret is a SecretFile, read again for each request so a rotated
 * Kubernetes Secret takes effect without a restart.
 */
import { Buffer } from "node:buffer";
import { type SecretFile, SecretFileError } from "../secrets/secret-file.js";

export interface PlainHeader {
  readonly name: string;
  /** Shown in no message all the same: a header value is often a tenant or key. */
  readonly value: string;
}

export interface SecretHeader {
  readonly name: string;
  readonly file: SecretFile;
}

export interface PrometheusTls {
  /** PEM CA bundle that signs the server's certificate (default: Node's built-in CAs). */
  readonly ca?: SecretFile;
  /** PEM client certificate, for servers that require mTLS; goes with `key`. */
  readonly cert?: SecretFile;
  readonly key?: SecretFile;
  /** Name sent as SNI and checked against the server's certificate instead of the URL's host. */
  readonly serverName?: string;
}

export interface PrometheusAuth {
  /** `Authorization: Bearer <token>`. */
  readonly bearerToken?: SecretFile;
  /** `Authorization: Basic …`. */
  readonly basic?: { readonly username: string; readonly password: SecretFile };
  readonly headers?: readonly PlainHeader[];
  readonly secretHeaders?: readonly SecretHeader[];
  readonly tls?: PrometheusTls;
}

/** The headers one request carries, and every secret in them (for redaction). */
export interface RequestCredentials {
  readonly headers: Record<string, string>;
  readonly secrets: readonly string[];
}

/** Reads the secret files now; throws SecretFileError naming the flag and path. */
export async function requestCredentials(auth: PrometheusAuth): Promise<RequestCredentials> {
  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  for (const h of auth.headers ?? []) headers[h.name] = h.value;
  for (const h of auth.secretHeaders ?? []) {
    const value = await h.file.read();
    secrets.push(value);
    if (!isHeaderValue(value))
      throw new SecretFileError(
        `${h.file.flag} ${h.file.path}: the header value holds a control character`,
        h.file.flag,
        h.file.path,
      );
    headers[h.name] = value;
  }
  if (auth.bearerToken !== undefined) {
    const token = await auth.bearerToken.read();
    secrets.push(token);
    headers.authorization = `Bearer ${token}`;
  }
  if (auth.basic !== undefined) {
    const password = await auth.basic.password.read();
    const encoded = Buffer.from(`${auth.basic.username}:${password}`).toString("base64");
    secrets.push(password, encoded);
    headers.authorization = `Basic ${encoded}`;
  }
  return { headers, secrets };
}

/** The flags to check when Prometheus answers 401 or 403. */
export function credentialFlags(auth: PrometheusAuth): string {
  const flags = [
    ...(auth.bearerToken === undefined ? [] : [auth.bearerToken.flag]),
    ...(auth.basic === undefined ? [] : ["--prometheus-username", auth.basic.password.flag]),
    ...(auth.secretHeaders ?? []).map((h) => `${h.file.flag} ${h.name}`),
    ...(auth.tls?.cert === undefined ? [] : [auth.tls.cert.flag]),
  ];
  if (flags.length === 0)
    return "no credentials were given: see --prometheus-bearer-token-file, --prometheus-username";
  return `check ${flags.join(", ")}`;
}

/** No control characters but tab: what HTTP allows in a header value. */
export function isHeaderValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return false;
  }
  return true;
}
