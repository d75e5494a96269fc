/**
 * The GitOps repository as the watchdog sees it: a private working copy of
 * one branch of a remote. The working copy is a cache: every sync resets it
 * to the remote branch, so a crash's leftovers (a dirty tree, a commit that
 * was never pushed) are dropped and re-decided, never pushed late. Pushes
 * never force; a remote whose history was rewritten stops the watchdog.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExitCode, MeshcanaryError } from "../errors.js";
import { GitCommandError, runGit } from "./git-command.js";
import { redactUrlCredentials } from "./redact.js";

export class GitError extends MeshcanaryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(redactUrlCredentials(message), "GIT", ExitCode.external, options);
  }
}

/** The remote branch no longer contains what it contained before: someone force-pushed. */
export class HistoryRewrittenError extends GitError {}

export interface GitOpsRepo {
  /** The working copy's directory. */
  readonly dir: string;
  /** Fetches and resets the working copy to the remote branch; returns its head commit. */
  sync(): Promise<string>;
  /** Commit time (epoch ms) of the last commit that changed each of `paths`; paths never changed are absent. */
  lastChangeTimes(paths: readonly string[]): Promise<Map<string, number>>;
  /** Commits the given paths; `undefined` when they hold no change. */
  commit(paths: readonly string[], message: string): Promise<string | undefined>;
  /** Pushes the branch without force; `rejected` when the remote moved on. */
  push(): Promise<"pushed" | "rejected">;
}

export interface WorkingCopyOptions {
  /** Git URL or path of the remote (a bare repository in tests). */
  readonly remote: string;
  readonly branch: string;
  /** Kept and reused when given; a new temporary directory otherwise. */
  readonly workdir?: string;
  readonly author: { readonly name: string; readonly email: string };
}

export class GitWorkingCopy implements GitOpsRepo {
  readonly dir: string;
  readonly #branch: string;
  readonly #tracking: string;
  readonly #config: readonly string[];
  /** The remote head the working copy was last reset to. */
  #head: string | undefined;
  #history: { readonly key: string; readonly times: ReadonlyMap<string, number> } | undefined;

  private constructor(dir: string, branch: string, author: WorkingCopyOptions["author"]) {
    this.dir = dir;
    this.#branch = branch;
    this.#tracking = `refs/remotes/origin/${branch}`;
    this.#config = [
      `user.name=${author.name}`,
      `user.email=${author.email}`,
      "commit.gpgsign=false",
    ];
  }

  static async open(options: WorkingCopyOptions): Promise<GitWorkingCopy> {
    const dir = options.workdir ?? mkdtempSync(join(tmpdir(), "meshcanary-watch-"));
    try {
      if (!existsSync(join(dir, ".git"))) {
        await runGit([
          "clone",
          "--quiet",
          "--branch",
          options.branch,
          "--single-branch",
          "--",
          options.remote,
          dir,
        ]);
      } else {
        await runGit(["remote", "set-url", "origin", options.remote], { cwd: dir });
      }
    } catch (error) {
      throw new GitError(
        `cannot clone ${options.remote} (branch ${options.branch}) into ${dir}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return new GitWorkingCopy(dir, options.branch, options.author);
  }

  async sync(): Promise<string> {
    const before = await this.#revParse(this.#tracking);
    await this.#run("fetch", [
      "fetch",
      "--quiet",
      "origin",
      `+refs/heads/${this.#branch}:${this.#tracking}`,
    ]);
    const after = await this.#revParse(this.#tracking);
    if (after === undefined) throw new GitError(`remote branch ${this.#branch} not found`);
    if (before !== undefined && before !== after && !(await this.#isAncestor(before, after))) {
      throw new HistoryRewrittenError(
        `the history of ${this.#branch} was rewritten on the remote (${before.slice(0, 12)} is no longer in it); meshcanary never overwrites history, stopping`,
      );
    }
    await this.#run("reset", ["reset", "--quiet", "--hard", after]);
    await this.#run("clean", ["clean", "-q", "-ffdx"]);
    this.#head = after;
    return after;
  }

  async lastChangeTimes(paths: readonly string[]): Promise<Map<string, number>> {
    if (paths.length === 0) return new Map();
    // History only changes with the head: a loop waking every interval walks it once per new commit.
    const key = `${this.#head ?? ""}\u0000${paths.join("\u0000")}`;
    if (this.#head !== undefined && this.#history?.key === key) return new Map(this.#history.times);
    // One walk of the history, newest first, instead of one git process per file.
    const out = await this.#run("log", [
      "log",
      "--format=%x00%ct",
      "--name-only",
      "--no-renames",
      "--",
      ...paths,
    ]);
    const wanted = new Set(paths);
    const times = new Map<string, number>();
    let time = 0;
    for (const line of out.split("\n")) {
      if (line.startsWith("\u0000")) time = Number(line.slice(1)) * 1000;
      else if (wanted.has(line) && !times.has(line)) times.set(line, time);
    }
    this.#history = { key, times };
    return new Map(times);
  }

  async commit(paths: readonly string[], message: string): Promise<string | undefined> {
    await this.#run("add", ["add", "-A", "--", ...paths]);
    const staged = (await this.#run("diff", ["diff", "--cached", "--name-only"])).trim();
    if (staged === "") return undefined;
    await this.#run("commit", ["commit", "--quiet", "--no-verify", "-m", message]);
    return (await this.#revParse("HEAD")) as string;
  }

  async push(): Promise<"pushed" | "rejected"> {
    try {
      await this.#raw(["push", "origin", `HEAD:refs/heads/${this.#branch}`]);
      return "pushed";
    } catch (error) {
      const message =
        error instanceof GitCommandError
          ? `${error.message}\n${error.stderr}`
          : (error as Error).message;
      // Someone else's push won the race (or is landing right now): not an error, a reason to re-decide.
      if (
        /\[rejected\]|non-fast-forward|fetch first|Updates were rejected|cannot lock ref|stale info/i.test(
          message,
        )
      )
        return "rejected";
      throw new GitError(`push to ${this.#branch} failed: ${message}`, { cause: error });
    }
  }

  async #revParse(ref: string): Promise<string | undefined> {
    try {
      return (
        (await this.#raw(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`])).trim() ||
        undefined
      );
    } catch {
      return undefined;
    }
  }

  async #isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    try {
      await this.#raw(["merge-base", "--is-ancestor", ancestor, descendant]);
      return true;
    } catch {
      return false;
    }
  }

  #raw(args: readonly string[]): Promise<string> {
    return runGit(args, { cwd: this.dir, config: this.#config });
  }

  async #run(what: string, args: string[]): Promise<string> {
    try {
      return await this.#raw(args);
    } catch (error) {
      throw new GitError(`git ${what} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
