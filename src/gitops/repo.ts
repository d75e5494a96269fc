/**
 * The GitOps repository as the watchdog sees it: a private working copy of
 * one branch of a remote, kept as a cache. Every sync resets it to the remote
 * branch, so a crash's leftovers (a dirty tree, a commit that was never
 * pushed) are dropped and re-decided, never pushed late; whatever a kill can
 * leave in `.git` (stale locks, a broken index, a detached or missing HEAD,
 * damaged objects) is repaired or cloned afresh before the copy is used again.
 *
 * The remote branch is the truth: a rewritten history is logged and followed,
 * never overwritten. Every push is a compare-and-swap from the synced head
 * (`--force-with-lease=<branch>:<synced head>` of a fast-forward), so a push
 * made by someone else after the sync makes ours fail, and the cycle decides
 * again on their state.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, posix, relative } from "node:path";
import { ExitCode, FileSystemError, MeshcanaryError } from "../errors.js";
import { redactSecrets } from "../secrets/redact.js";
import { crashPoint } from "../watchdog/crash-points.js";
import type { Logger } from "../watchdog/log.js";
import { type GitAuth, GitCredentials } from "./git-auth.js";
import { GitCommandError, type GitOptions, runGit, sshCommand } from "./git-command.js";
import { redactUrlCredentials } from "./redact.js";
import {
  CLONE,
  claimWorkdir,
  FRESH_PREFIX,
  OLD_PREFIX,
  removeStaleLocks,
  removeUnfinishedClones,
} from "./workdir.js";

export class GitError extends MeshcanaryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(redactUrlCredentials(message), "GIT", ExitCode.external, options);
  }
}

/** A file to write: its repository-relative path (POSIX) and whole content; `null` removes it. */
export interface RepoFile {
  readonly path: string;
  readonly content: string | null;
}

export interface GitOpsRepo {
  /** The working copy's directory. */
  readonly dir: string;
  /** Fetches and resets the working copy to the remote branch (cloning it when needed); returns its head commit. */
  sync(): Promise<string>;
  /** Commit time (epoch ms) of the last commit that changed each of `paths`; paths never changed are absent. */
  lastChangeTimes(paths: readonly string[]): Promise<Map<string, number>>;
  /** A file's text by repository-relative path, as synced plus this cycle's commits; `undefined` when absent. */
  read(path: string): Promise<string | undefined>;
  /**
   * The regular files at or under a repository-relative path (the path itself
   * when it is a file), hidden entries and symbolic links left out;
   * `undefined` when nothing is there.
   */
  list(path: string): Promise<readonly string[] | undefined>;
  /** Writes the files and commits them; `undefined` when they change nothing. */
  commit(files: readonly RepoFile[], message: string): Promise<string | undefined>;
  /** Pushes the branch as a compare-and-swap from the synced head; `rejected` when the remote moved on. */
  push(): Promise<"pushed" | "rejected">;
}

export interface WorkingCopyOptions {
  /** Git URL or path of the remote (a bare repository in tests). */
  readonly remote: string;
  readonly branch: string;
  /** Kept and reused when given (empty, absent, or meshcanary's own); a new temporary directory otherwise. */
  readonly workdir?: string;
  readonly author: { readonly name: string; readonly email: string };
  /** Where repairs, re-clones and rewritten history are told. */
  readonly log?: Logger;
  /**
   * Seconds a remote may stall before git gives up: an HTTP transfer below 1 KB/s
   * (`http.lowSpeedTime`), an SSH server silent (`sshCommand`); default 60.
   */
  readonly stallSeconds?: number;
  /** A token or SSH key from files, read again before each command that reaches the remote. */
  readonly auth?: GitAuth;
}

/** Git's own background work (gc, maintenance, commit-graph writes) would outlive a command and hold locks. */
const NO_BACKGROUND_WORK = [
  "gc.auto=0",
  "gc.autoDetach=false",
  "maintenance.auto=false",
  "fetch.writeCommitGraph=false",
];

/** A symlinked directory could send a write outside the working copy (or into another rollout's files). */
function refuseSymlinkedParents(root: string, path: string): void {
  let dir = root;
  for (const part of path.split("/").slice(0, -1)) {
    dir = join(dir, part);
    let link = false;
    try {
      link = lstatSync(dir).isSymbolicLink();
    } catch {
      return;
    }
    if (link)
      throw new FileSystemError(
        `${dir}: is a symbolic link; refusing to write generated files through it`,
      );
  }
}

export class GitWorkingCopy implements GitOpsRepo {
  readonly dir: string;
  readonly #workdir: string;
  readonly #remote: string;
  /** The remote as messages name it (no credential). */
  readonly #shown: string;
  readonly #credentials: GitCredentials | undefined;
  readonly #branch: string;
  readonly #tracking: string;
  readonly #git: GitOptions;
  readonly #log: Logger | undefined;
  /** The remote head the working copy was last reset to. */
  #head: string | undefined;
  /** True at start and after any failed git command: the copy is checked before it is used again. */
  #suspect = true;
  #history: { readonly key: string; readonly times: ReadonlyMap<string, number> } | undefined;

  private constructor(workdir: string, options: WorkingCopyOptions) {
    this.#workdir = workdir;
    this.dir = join(workdir, CLONE);
    this.#remote = options.remote;
    this.#shown = redactUrlCredentials(options.remote);
    this.#branch = options.branch;
    this.#tracking = `refs/remotes/origin/${options.branch}`;
    this.#log = options.log;
    const stallSeconds = options.stallSeconds ?? 60;
    this.#git = {
      config: [
        `user.name=${options.author.name}`,
        `user.email=${options.author.email}`,
        "commit.gpgsign=false",
        ...NO_BACKGROUND_WORK,
        "http.lowSpeedLimit=1000",
        `http.lowSpeedTime=${stallSeconds}`,
      ],
      sshCommand: sshCommand(stallSeconds),
    };
    this.#credentials =
      options.auth === undefined
        ? undefined
        : new GitCredentials(options.auth, sshCommand(stallSeconds));
  }

  /** Checks the workdir (no network): throws UsageError when it is someone else's. The clone happens at the first sync. */
  static async open(options: WorkingCopyOptions): Promise<GitWorkingCopy> {
    const workdir = options.workdir ?? mkdtempSync(join(tmpdir(), "meshcanary-watch-"));
    claimWorkdir(workdir, options.remote);
    return new GitWorkingCopy(workdir, options);
  }

  async sync(): Promise<string> {
    try {
      if (this.#suspect) await this.#repairOrClone();
      const before = this.#head ?? (await this.#revParse(this.#tracking));
      await this.#network("fetch from", [
        "fetch",
        "--quiet",
        "--no-tags",
        "origin",
        `+refs/heads/${this.#branch}:${this.#tracking}`,
      ]);
      const after = await this.#revParse(this.#tracking);
      if (after === undefined) throw new GitError(`remote branch ${this.#branch} not found`);
      if (before !== undefined && before !== after && !(await this.#isAncestor(before, after))) {
        // Someone rewrote the branch on purpose: theirs is the truth, decided on from here.
        this.#log?.log(
          "warn",
          `remote history rewritten: ${before.slice(0, 12)} is no longer in ${this.#branch}; continuing from ${after.slice(0, 12)}`,
          { branch: this.#branch, dropped: before, head: after },
        );
      }
      await this.#run("reset", ["reset", "--quiet", "--hard", after]);
      await this.#run("clean", ["clean", "-q", "-ffdx"]);
      this.#head = after;
      this.#suspect = false;
      return after;
    } catch (error) {
      this.#suspect = true;
      throw error;
    }
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

  async read(path: string): Promise<string | undefined> {
    try {
      return readFileSync(this.#inside(path), "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
      throw new FileSystemError(`${path}: cannot read: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async list(path: string): Promise<readonly string[] | undefined> {
    const full = this.#inside(path);
    if (!existsSync(full)) return undefined;
    // After a sync the tree equals HEAD: git lists its files and their modes without a walk.
    const out = await this.#run("ls-files", ["ls-files", "-z", "--stage", "--", path]);
    const prefix = posix.normalize(path).replace(/\/+$/, "");
    return out
      .split("\0")
      .filter((line) => line !== "" && !line.startsWith("120000 "))
      .map((line) => line.slice(line.indexOf("\t") + 1))
      .filter((file) => {
        const below = file === prefix ? "" : file.slice(prefix === "." ? 0 : prefix.length + 1);
        return !below.split("/").some((part) => part.startsWith("."));
      });
  }

  async commit(files: readonly RepoFile[], message: string): Promise<string | undefined> {
    for (const file of files) {
      const full = this.#inside(file.path);
      refuseSymlinkedParents(this.dir, file.path);
      if (file.content === null) {
        rmSync(full, { force: true });
        continue;
      }
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, file.content);
    }
    crashPoint("after-edit");
    await this.#run("add", ["add", "-A", "--", ...files.map((f) => f.path)]);
    const staged = (await this.#run("diff", ["diff", "--cached", "--name-only"])).trim();
    if (staged === "") return undefined;
    await this.#run("commit", ["commit", "--quiet", "--no-verify", "-m", message]);
    return (await this.#revParse("HEAD")) as string;
  }

  async push(): Promise<"pushed" | "rejected"> {
    const synced = this.#head;
    // Never a non-fast-forward: the lease below would allow one, so it is ruled out first.
    if (synced === undefined || !(await this.#isAncestor(synced, "HEAD")))
      throw new GitError(`push to ${this.#branch}: HEAD does not descend from the synced head`);
    try {
      await this.#network(
        "push to",
        [
          "push",
          `--force-with-lease=refs/heads/${this.#branch}:${synced}`,
          "origin",
          `HEAD:refs/heads/${this.#branch}`,
        ],
        { raw: true },
      );
      // The remote branch is now our HEAD: the head a rewrite would be told against.
      this.#head = await this.#revParse("HEAD");
      return "pushed";
    } catch (error) {
      // Its credentials could not be read: said already, with the remote.
      if (error instanceof GitError) throw error;
      const message =
        error instanceof GitCommandError
          ? `${error.message}\n${error.stderr}`
          : (error as Error).message;
      // Someone else's push won the race (or is landing right now): not an error, a reason to re-decide.
      // "stale info" is the lease's refusal: the remote is no longer at the synced head.
      if (
        /\[rejected\]|non-fast-forward|fetch first|Updates were rejected|cannot lock ref|stale info/i.test(
          message,
        )
      )
        return "rejected";
      this.#suspect = true;
      throw new GitError(`push to ${this.#branch} of ${this.#shown} failed: ${message}`, {
        cause: error,
      });
    }
  }

  /** Makes the working copy usable again after a start or a failure, locally when it can. */
  async #repairOrClone(): Promise<void> {
    try {
      await this.#repairOrCloneIn();
    } catch (error) {
      if (error instanceof MeshcanaryError) throw error;
      // The file system under the workdir failed (full, read-only): a dependency, retried like git.
      throw new FileSystemError(`working copy ${this.#workdir}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async #repairOrCloneIn(): Promise<void> {
    const unfinished = removeUnfinishedClones(this.#workdir);
    if (unfinished.length > 0)
      this.#log?.log("warn", "removed clones a killed process left unfinished", {
        removed: unfinished,
      });
    if (existsSync(join(this.dir, ".git"))) {
      const locks = removeStaleLocks(join(this.dir, ".git"));
      if (locks.length > 0)
        this.#log?.log("warn", "removed stale git locks left by a killed git command", { locks });
      const damage = await this.#damage();
      if (damage === undefined) {
        // The URL may carry a rotated token.
        await this.#run("remote", ["remote", "set-url", "origin", this.#remote]);
        return;
      }
      this.#log?.log("warn", "working copy damaged; cloning it afresh", { damage });
    }
    await this.#clone();
  }

  /** What is wrong with the working copy, if anything: local checks only, no network. */
  async #damage(): Promise<string | undefined> {
    try {
      const head = (await this.#raw(["symbolic-ref", "--quiet", "HEAD"])).trim();
      if (head !== `refs/heads/${this.#branch}`) return `HEAD is ${head}, not ${this.#branch}`;
      await this.#raw(["ls-files", "--stage"]);
      await this.#raw(["fsck", "--connectivity-only", "--no-dangling", "--no-progress"]);
      return undefined;
    } catch (error) {
      return error instanceof GitCommandError
        ? error.stderr.trim() || error.message
        : (error as Error).message;
    }
  }

  /** Clones beside the working copy and swaps it in, so a kill at any moment leaves one whole copy or none. */
  async #clone(): Promise<void> {
    const fresh = mkdtempSync(join(this.#workdir, FRESH_PREFIX));
    let secrets: readonly string[] = [];
    try {
      const remote = await this.#remoteOptions();
      secrets = remote.secrets;
      await runGit(
        [
          "clone",
          "--quiet",
          "--no-tags",
          "--branch",
          this.#branch,
          "--single-branch",
          "--",
          this.#remote,
          fresh,
        ],
        remote.options,
      );
    } catch (error) {
      rmSync(fresh, { recursive: true, force: true });
      throw new GitError(
        redactSecrets(
          `cannot clone ${this.#shown} (branch ${this.#branch}) into ${this.#workdir}: ${(error as Error).message}`,
          secrets,
        ),
        { cause: error },
      );
    }
    const old = `${join(this.#workdir, OLD_PREFIX)}${process.pid}`;
    if (existsSync(this.dir)) renameSync(this.dir, old);
    renameSync(fresh, this.dir);
    rmSync(old, { recursive: true, force: true });
    this.#history = undefined;
    this.#log?.log("info", "cloned the remote into the working copy", {
      remote: this.#remote,
      branch: this.#branch,
      dir: this.dir,
    });
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

  /** A repository-relative path as an absolute one; refuses one that leads outside. */
  #inside(path: string): string {
    const full = join(this.dir, path);
    const rel = relative(this.dir, full);
    if (rel.startsWith("..") || isAbsolute(rel))
      throw new GitError(`${path}: not inside the working copy`);
    return full;
  }

  #raw(args: readonly string[]): Promise<string> {
    return runGit(args, { ...this.#git, cwd: this.dir });
  }

  /** The options for a command that reaches the remote: its credentials read afresh from their files. */
  async #remoteOptions(): Promise<{ options: GitOptions; secrets: readonly string[] }> {
    if (this.#credentials === undefined) return { options: this.#git, secrets: [] };
    const { env, secrets } = await this.#credentials.prepare();
    return { options: { ...this.#git, env }, secrets };
  }

  /**
   * A command that reaches the remote; its errors name the remote (ssh's
   * "Permission denied" does not) and never a secret. `raw` leaves a failed
   * git command's error to the caller (push tells a lost race from a failure).
   */
  async #network(what: string, args: string[], { raw = false } = {}): Promise<string> {
    let secrets: readonly string[] = [];
    try {
      const remote = await this.#remoteOptions();
      secrets = remote.secrets;
      return await runGit(args, { ...remote.options, cwd: this.dir });
    } catch (error) {
      this.#suspect = true;
      if (raw && error instanceof GitCommandError) throw error;
      throw new GitError(
        redactSecrets(`git ${what} ${this.#shown} failed: ${(error as Error).message}`, secrets),
        { cause: error },
      );
    }
  }

  async #run(what: string, args: string[]): Promise<string> {
    try {
      return await this.#raw(args);
    } catch (error) {
      this.#suspect = true;
      throw new GitError(`git ${what} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
