/** Where a git credential must never end up: a working copy's files, a remote's history. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { listFiles } from "./files.js";
import { type BareRemote, git } from "./git-remote.js";

/** Files under `dir` whose bytes hold `secret` (git's objects are compressed: see `inHistory`). */
export function filesHolding(dir: string, secret: string): string[] {
  return listFiles(dir).filter((f) => readFileSync(join(dir, f)).includes(secret));
}

/** True when any commit on the remote (messages, authors, contents) holds `secret`. */
export function inHistory(remote: BareRemote, secret: string): boolean {
  return git(remote.bare, "log", "-p", "--all", "--format=%an %ae %B").includes(secret);
}
