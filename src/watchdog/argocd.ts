/**
 * Optional: after a push, ask Argo CD to sync the Application now instead of
 * at its next poll (3 minutes by default). A failure here is logged, never
 * fatal: git already holds the decision and Argo CD will find it.
 */
import fetch from "node-fetch";

export interface ArgoCdOptions {
  readonly url: string;
  readonly app: string;
  /** From $ARGOCD_AUTH_TOKEN; never logged. */
  readonly token?: string;
  readonly timeoutMs?: number;
}

export type ArgoCdSync = () => Promise<void>;

export function argoCdSync(options: ArgoCdOptions): ArgoCdSync {
  const endpoint = `${options.url.replace(/\/+$/, "")}/api/v1/applications/${encodeURIComponent(options.app)}/sync`;
  return async () => {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      },
      body: JSON.stringify({ prune: false }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    if (!response.ok)
      throw new Error(
        `Argo CD sync of ${options.app}: HTTP ${response.status} ${response.statusText}`,
      );
  };
}
