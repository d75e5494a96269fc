/**
 * The `--workdir` as meshcanary keeps it: a marker file naming the remote, and
 * the clone itself in `clone/`. Everything in it is a cache that meshcanary
 * may delete and clone again, so it must never take a person's directory for
 * its own: a directory that is neither empty nor marked is refused.
 *
 * The clone sits one level down so that a fresh clone can be made beside it
 * and swapped in with a rename on the same file system, even when the workdir
 * is itself a mount point (a Kubernetes emptyDir).
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { UsageError } from "../errors.js";
import { redactUrlCredentials } from "./redact.js";

export const MARKER = ".meshcanary-workdir";
export const CLONE = "clone";
/** Prefixes of a clone being made, and of one being thrown away. */
export const FRESH_PREFIX = "clone.new-";
export const OLD_PREFIX = "clone.old-";

/** A file system's own entry, present in an "empty" volume root. */
const IGNORED = new Set(["lost+found"]);

/**
 * Checks, without any network, that `dir` is absent, empty, or meshcanary's
 * working copy of `remote`, and marks it as meshcanary's. Throws UsageError otherwise.
 */
export function claimWorkdir(dir: string, remote: string): void {
  try {
    claim(dir, remote);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--workdir ${dir}: ${(error as Error).message}`);
  }
}

function claim(dir: string, remote: string): void {
  const shown = redactUrlCredentials(remote);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new UsageError(`--workdir ${dir}: not a directory`);
  const entries = existsSync(dir) ? readdirSync(dir).filter((e) => !IGNORED.has(e)) : [];
  if (entries.includes(MARKER)) {
    const recorded = readMarker(join(dir, MARKER));
    // An unreadable marker (a kill while writing it) is still meshcanary's: it is rewritten below.
    // Before 0.2 every user part was masked, `ssh://git@host` too: such a marker is still this remote's.
    const before = remote.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
    if (recorded !== undefined && recorded !== shown && recorded !== before)
      throw new UsageError(
        `--workdir ${dir}: holds meshcanary's working copy of another remote (${recorded}), not ${shown}; give a new or empty directory, or remove that one`,
      );
  } else if (entries.length > 0) {
    throw new UsageError(
      `--workdir ${dir}: not empty and not a meshcanary working copy (no ${MARKER}); meshcanary deletes and re-clones what is in its workdir, so it only takes a new or empty directory`,
    );
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, MARKER),
    `${JSON.stringify({ remote: shown, note: "meshcanary's working copy: a cache it may delete and clone again" })}\n`,
  );
}

function readMarker(path: string): string | undefined {
  try {
    const remote = (JSON.parse(readFileSync(path, "utf8")) as { remote?: unknown }).remote;
    return typeof remote === "string" ? remote : undefined;
  } catch {
    return undefined;
  }
}

/** Removes clones a killed process was making or throwing away; returns their names. */
export function removeUnfinishedClones(dir: string): string[] {
  const left = readdirSync(dir).filter(
    (e) => e.startsWith(FRESH_PREFIX) || e.startsWith(OLD_PREFIX),
  );
  for (const e of left) rmSync(join(dir, e), { recursive: true, force: true });
  return left;
}

/**
 * Removes every `*.lock` file under a `.git` directory (index.lock, HEAD.lock,
 * refs/**\/*.lock, packed-refs.lock, shallow.lock, config.lock, …); returns
 * their paths relative to it. Only this process uses the working copy and no
 * git command of it runs now, so any lock is left over from a killed git.
 */
export function removeStaleLocks(gitDir: string): string[] {
  const removed: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        // Loose objects (objects/ab/…) are many and never locked.
        if (!/^[0-9a-f]{2}$/.test(entry.name) || !dir.endsWith("objects")) walk(path);
      } else if (entry.name.endsWith(".lock")) {
        rmSync(path, { force: true });
        removed.push(relative(gitDir, path));
      }
    }
  };
  walk(gitDir);
  return removed.sort();
}
