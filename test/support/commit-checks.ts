import { runCli } from "./cli.js";
import type { BareRemote } from "./git-remote.js";
import { git } from "./git-remote.js";

/** Commits of the remote whose manifests do not match their specs (`meshcanary compile --check` fails), with why. */
export function commitsFailingCheck(remote: BareRemote): string[] {
  const person = remote.person;
  git(person, "fetch", "--quiet", "origin");
  const failing: string[] = [];
  for (const c of remote.log()) {
    git(person, "checkout", "--quiet", "--force", c.sha);
    const check = runCli(["compile", "--check"], person);
    if (check.code !== 0) failing.push(`${c.sha.slice(0, 8)} ${c.subject}: ${check.stderr.trim()}`);
  }
  git(person, "checkout", "--quiet", "--force", remote.branch);
  return failing;
}
