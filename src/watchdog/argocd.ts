/**
 * Optional: after a push, ask Argo CD to sync the Application now instead of
 * at its next poll (3 minutes by default). A failure here is logged, never
 * fatal: git already holds the decision and Argo CD will find it.
 *
 * The token comes from a file (read for every call, so a rotated Secret is
 * used from the next sync on) or from $ARGOCD_AUTH_TOKEN. Messages name the
 * endpoint and where the token comes from, never the token.
 */
import fetch from "node-fetch";
import { errorCode } from "../prometheus/request-failure.js";
import { TlsAgent } from "../prometheus/tls-agent.js";
import { redactSecrets } from "../secrets/redact.js";
import type { SecretFile } from "../secrets/secret-file.js";

export type ArgoCdToken =
  | { readonly from: "env"; readonly value: string }
  | { readonly from: "file"; readonly file: SecretFile };

export interface ArgoCdOptions {
  readonly url: string;
  readonly app: string;
  /** Sent as `Authorization: Bearer …`; never logged. Default: no token. */
  readonly token?: ArgoCdToken;
  /** PEM CA bundle that signs Argo CD's certificate (default: Node's CAs). */
  readonly ca?: SecretFile;
  /** Name sent as SNI and checked against Argo CD's certificate instead of the URL's host. */
  readonly serverName?: string;
  readonly timeoutMs?: number;
}

export type ArgoCdSync = () => Promise<void>;

export function argoCdSync(options: ArgoCdOptions): ArgoCdSync {
  const base = options.url.replace(/\/+$/, "");
  const endpoint = `${base}/api/v1/applications/${encodeURIComponent(options.app)}/sync`;
  const timeoutMs = options.timeoutMs ?? 5000;
  const tls =
    options.ca === undefined && options.serverName === undefined
      ? undefined
      : new TlsAgent({
          ...(options.ca === undefined ? {} : { ca: options.ca }),
          ...(options.serverName === undefined ? {} : { serverName: options.serverName }),
        });
  const tokenSource =
    options.token === undefined
      ? "no token is set (--argocd-token-file or $ARGOCD_AUTH_TOKEN)"
      : options.token.from === "env"
        ? "check $ARGOCD_AUTH_TOKEN"
        : `check ${options.token.file.flag} ${options.token.file.path}`;
  // Every token read so far: a rotated-out one must stay masked too.
  const secrets = new Set<string>();
  const fail = (what: string) =>
    new Error(redactSecrets(`Argo CD sync of ${options.app} at ${base}: ${what}`, [...secrets]));
  return async () => {
    let token: string | undefined;
    let agent: Awaited<ReturnType<TlsAgent["agent"]>> | undefined;
    try {
      token =
        options.token?.from === "file" ? await options.token.file.read() : options.token?.value;
      agent = await tls?.agent();
    } catch (error) {
      // SecretFileError: names the flag and the path.
      throw fail((error as Error).message);
    }
    if (token !== undefined) secrets.add(token);
    let response: Awaited<ReturnType<typeof fetch>>;
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      response = await fetch(endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify({ prune: false }),
        signal: timeout,
        ...(agent === undefined ? {} : { agent }),
      });
      await response.arrayBuffer();
    } catch (error) {
      if (timeout.aborted) throw fail(`no answer within ${timeoutMs} ms`);
      const code = errorCode(error) || "unknown error";
      throw fail(`request failed (${code})${tlsHint(code)}`);
    }
    if (response.status === 401)
      throw fail(`HTTP 401 ${response.statusText}: the token was refused; ${tokenSource}`);
    if (response.status === 403)
      throw fail(
        `HTTP 403 ${response.statusText}: the token's account may not sync this Application; ${tokenSource}`,
      );
    if (!response.ok) throw fail(`HTTP ${response.status} ${response.statusText}`);
  };
}

/** Which flag a TLS failure points at; Node's codes are stable, its messages are not. */
function tlsHint(code: string): string {
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return ": the certificate is not for this name; check --argocd-server-name";
  if (/CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)/.test(code))
    return ": the certificate is not trusted or not valid now; check --argocd-ca-file";
  if (code === "EPROTO" || code.startsWith("ERR_SSL_"))
    return ": TLS handshake failed; is --argocd-url an https endpoint?";
  return "";
}
