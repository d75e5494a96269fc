/**
 * Real git for tests: a local bare repository as the GitOps remote, and a
 * person's clone to push commits to it as a human would.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { auditing, auditOutput } from "./secrets-audit.js";

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Person",
      GIT_AUTHOR_EMAIL: "person@example.com",
      GIT_COMMITTER_NAME: "Person",
      GIT_COMMITTER_EMAIL: "person@example.com",
    },
  });
}

export interface Commit {
  readonly sha: string;
  readonly subject: string;
  readonly body: string;
  readonly author: string;
}

export class BareRemote {
  readonly root: string;
  readonly bare: string;
  readonly branch: string;
  /** A person's working copy, for pushing their own commits. */
  readonly person: string;
  #removedHistory: string | undefined;

  constructor(files: Record<string, string>, branch = "main") {
    this.root = mkdtempSync(join(tmpdir(), "meshcanary-git-"));
    this.bare = join(this.root, "gitops.git");
    this.person = join(this.root, "person");
    this.branch = branch;
    git(this.root, "init", "--quiet", "--bare", `--initial-branch=${branch}`, this.bare);
    // init + remote rather than cloning the empty bare repo, which warns on stderr.
    git(this.root, "init", "--quiet", `--initial-branch=${branch}`, this.person);
    git(this.person, "remote", "add", "origin", this.bare);
    this.commit("initial", files);
    auditOutput(
      `git history of ${this.bare}`,
      () => this.#removedHistory ?? (existsSync(this.bare) ? this.history() : ""),
    );
  }

  /** Writes files in the person's clone, commits and pushes them. */
  commit(message: string, files: Record<string, string | null>): string {
    // The very first commit has nothing to pull.
    if (git(this.bare, "branch", "--list", this.branch).trim() !== "")
      git(this.person, "pull", "--quiet", "--ff-only", "origin", this.branch);
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.person, path);
      if (content === null) {
        rmSync(full, { force: true });
      } else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
    }
    git(this.person, "add", "-A");
    git(this.person, "commit", "--quiet", "--allow-empty", "-m", message);
    git(this.person, "push", "--quiet", "origin", `HEAD:${this.branch}`);
    return this.head();
  }

  head(): string {
    return git(this.bare, "rev-parse", this.branch).trim();
  }

  /** A file as the remote branch has it. */
  show(path: string, rev = this.branch): string {
    return git(this.bare, "show", `${rev}:${path}`);
  }

  /** The branch's commits, newest first. */
  log(): Commit[] {
    const out = git(this.bare, "log", "--format=%H%x1f%an%x1f%s%x1f%b%x1e", this.branch);
    return out
      .split("\x1e")
      .map((r) => r.trim())
      .filter((r) => r !== "")
      .map((r) => {
        const [sha, author, subject, body] = r.split("\x1f");
        return {
          sha: sha ?? "",
          author: author ?? "",
          subject: subject ?? "",
          body: (body ?? "").trim(),
        };
      });
  }

  /** Rewrites the branch on the remote (a force push), as a person fixing history might. */
  rewriteHistory(): void {
    git(this.person, "fetch", "--quiet", "origin");
    git(this.person, "reset", "--quiet", "--hard", `origin/${this.branch}`);
    git(this.person, "commit", "--quiet", "--amend", "-m", "rewritten");
    git(this.person, "push", "--quiet", "--force", "origin", `HEAD:${this.branch}`);
  }

  /** Every commit on every ref, with its diff: what the audit searches for secrets. */
  history(): string {
    return git(this.bare, "log", "-p", "--all", "--format=%H %an <%ae>%n%B");
  }

  remove(): void {
    // Read before the repository goes; without a registered secret there is nothing to find.
    this.#removedHistory = auditing() ? this.history() : "";
    rmSync(this.root, { recursive: true, force: true });
  }
}
