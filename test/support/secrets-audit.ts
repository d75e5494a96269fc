/**
 * The secrets audit: tests register the secrets they use (`auditSecret`), the
 * shared harnesses register what the tests produced (`auditOutput`: CLI
 * stdout/stderr, watchdog logs, each git remote's full history with diffs),
 * and a root hook (test/support/root-hooks.ts) fails the run when any secret
 * shows up in any output. The report names the output and the secret's
 * fingerprint, never the secret.
 */
import { createHash } from "node:crypto";

/** Shorter values ("", "t") would match by accident; a real secret is longer. */
const MIN_SECRET_LENGTH = 6;
/** A line of a multi-line secret (a PEM key) this long is secret on its own. */
const PART_LENGTH = 16;

type Source = string | (() => string);

const secrets = new Set<string>();
const outputs: { label: string; source: Source }[] = [];

/** A secret the test uses: no registered output may contain it. */
export function auditSecret(...values: readonly string[]): void {
  for (const value of values) for (const form of secretForms(value)) secrets.add(form);
}

/**
 * What to search for: the value without a file's surrounding whitespace, and
 * for a multi-line value (a PEM key, which leaks line by line too) each long
 * line but the public armour. Nothing for a value too short to be a secret.
 */
export function secretForms(value: string): string[] {
  const secret = value.trim();
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const lines = secret.includes("\n")
    ? secret
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.length >= PART_LENGTH && !l.startsWith("-----"))
    : [];
  return [secret, ...lines];
}

/**
 * Something the test produced: a log, a page, stdout. A function is read when
 * the audit runs, for output that is still growing (a running process's stderr).
 */
export function auditOutput(label: string, source: Source): void {
  outputs.push({ label, source });
}

/** Whether any secret is registered yet: producers of costly outputs can skip the work otherwise. */
export function auditing(): boolean {
  return secrets.size > 0;
}

/** How a report names a secret: its length and a hash prefix, nothing that reveals it. */
export function fingerprint(secret: string): string {
  return `secret sha256:${createHash("sha256").update(secret).digest("hex").slice(0, 12)} (${secret.length} chars)`;
}

/** One line per output holding a secret: `<label>: <fingerprint>`. */
export function findLeaks(
  secretValues: Iterable<string>,
  produced: readonly { label: string; source: Source }[],
): string[] {
  const all = [...secretValues];
  const leaks: string[] = [];
  // Nothing to find: outputs still growing or on disk (remotes' histories) are not read.
  if (all.length === 0) return leaks;
  for (const { label, source } of produced) {
    let text: string;
    try {
      text = typeof source === "string" ? source : source();
    } catch (error) {
      leaks.push(`${label}: cannot be read for the audit: ${(error as Error).message}`);
      continue;
    }
    for (const secret of all)
      if (text.includes(secret)) leaks.push(`${label}: ${fingerprint(secret)}`);
  }
  return leaks;
}

/** Audits everything registered so far and forgets it; throws listing every leak. */
export function runSecretsAudit(): void {
  const leaks = findLeaks(secrets, outputs);
  const counts = `${secrets.size} secrets, ${outputs.length} outputs`;
  secrets.clear();
  outputs.length = 0;
  if (leaks.length > 0)
    throw new Error(
      `secrets audit (${counts}): a secret appears in what the tests produced:\n${leaks.map((l) => `  ${l}`).join("\n")}`,
    );
}
