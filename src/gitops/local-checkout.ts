/**
 * A person's own git work tree (`meshcanary pause --dir PATH`): read its
 * files, tell which have uncommitted changes, and commit chosen files there.
 * Unlike the watchdog's working copy it is theirs: nothing is reset, cleaned
 * or pushed, and a commit takes only the files it wrote, whatever else is
 * staged.
 */
import { lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { UsageError } from "../errors.js";
import { GitCommandError, runGit } from "./git-command.js";
import { GitError, inside, type RepoFile, readInside } from "./repo.js";

export interface Author {
  readonly name: string;
  readonly email: string;
}

export class LocalCheckout {
  /** The work tree's top directory. */
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** The work tree holding `dir`; a UsageError naming `flag` when there is none. */
  static async open(dir: string, flag: string): Promise<LocalCheckout> {
    try {
      const top = (await runGit(["rev-parse", "--show-toplevel"], { cwd: dir })).trim();
      if (top === "") throw new Error("no work tree");
      return new LocalCheckout(top);
    } catch (error) {
      const why = error instanceof GitCommandError ? error.stderr.trim() : (error as Error).message;
      throw new UsageError(`${flag} ${dir}: not a git work tree (${why.split("\n")[0]})`);
    }
  }

  async read(path: string): Promise<string | undefined> {
    return readInside(this.dir, path);
  }

  /** Regular files at or under `path`, as the watchdog's working copy lists them: no hidden entries, no symbolic links. */
  async list(path: string): Promise<readonly string[] | undefined> {
    const root = inside(this.dir, path);
    let stats: ReturnType<typeof lstatSync>;
    try {
      stats = lstatSync(root);
    } catch {
      return undefined;
    }
    const clean = posix.normalize(path).replace(/\/+$/, "");
    if (stats.isFile()) return [clean];
    if (!stats.isDirectory()) return undefined;
    const files: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const name of readdirSync(dir).sort()) {
        if (name.startsWith(".")) continue;
        const entry = lstatSync(join(dir, name));
        const child = rel === "." ? name : `${rel}/${name}`;
        if (entry.isDirectory()) walk(join(dir, name), child);
        else if (entry.isFile()) files.push(child);
      }
    };
    walk(root, clean);
    return files;
  }

  /** Which of `paths` (files or directories) have changes not committed: modified, staged, or untracked. */
  async uncommitted(paths: readonly string[]): Promise<string[]> {
    const out = await this.#git([
      "status",
      "--porcelain=v1",
      "-z",
      "--untracked-files=all",
      "--",
      ...paths,
    ]);
    return out
      .split("\0")
      .filter((entry) => entry.length > 3)
      .map((entry) => entry.slice(3));
  }

  /** Writes the files and commits only them; `undefined` when they change nothing. */
  async commit(
    files: readonly RepoFile[],
    message: string,
    author?: Author,
  ): Promise<string | undefined> {
    for (const file of files) {
      const full = inside(this.dir, file.path);
      if (file.content === null) {
        rmSync(full, { force: true });
        continue;
      }
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, file.content);
    }
    const paths = files.map((f) => f.path);
    await this.#git(["add", "--", ...paths]);
    const staged = (await this.#git(["diff", "--cached", "--name-only", "--", ...paths])).trim();
    if (staged === "") return undefined;
    const identity =
      author === undefined ? [] : [`user.name=${author.name}`, `user.email=${author.email}`];
    // With paths, git commits only them: whatever else the person staged stays staged.
    await this.#git(["commit", "--quiet", "--no-verify", "-m", message, "--", ...paths], identity);
    return (await this.#git(["rev-parse", "HEAD"])).trim();
  }

  /** The branch checked out, for the push hint; undefined when HEAD is detached. */
  async branch(): Promise<string | undefined> {
    try {
      return (await this.#git(["symbolic-ref", "--quiet", "--short", "HEAD"])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  async #git(args: readonly string[], config: readonly string[] = []): Promise<string> {
    try {
      return await runGit(args, { cwd: this.dir, config: ["commit.gpgsign=false", ...config] });
    } catch (error) {
      throw new GitError(`git ${args[0]} in ${this.dir} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

/**
 * The identity git would commit as: GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL, else
 * user.name/user.email (in `cwd`'s repository, else global); undefined when
 * either part is missing.
 */
export async function configuredAuthor(cwd: string): Promise<Author | undefined> {
  const get = async (env: string, key: string) => {
    const fromEnv = process.env[env];
    if (fromEnv !== undefined && fromEnv.trim() !== "") return fromEnv.trim();
    try {
      return (await runGit(["config", "--get", key], { cwd })).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const name = await get("GIT_AUTHOR_NAME", "user.name");
  const email = await get("GIT_AUTHOR_EMAIL", "user.email");
  return name === undefined || email === undefined ? undefined : { name, email };
}
