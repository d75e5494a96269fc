/** Masks secret values wherever they appear in a text meant for people (errors, logs). */
import { redactUrlCredentials } from "../gitops/redact.js";

export const MASK = "***";

/**
 * `text` with every occurrence of each secret, and any `user:pass@` in a URL,
 * replaced by `***`. Longest first, so a secret that contains another is masked whole.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = redactUrlCredentials(text);
  for (const secret of [...secrets].filter((s) => s !== "").sort((a, b) => b.length - a.length))
    out = out.split(secret).join(MASK);
  return out;
}
