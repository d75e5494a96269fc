/**
 * Runs the git binary. The watchdog's needs are a dozen plain commands, so a
 * direct `execFile` (no shell, arguments as a list) is simpler and safer than
 * a wrapper library; errors carry git's own stderr.
 */
import { execFile } from "node:child_process";

export class GitCommandError extends Error {
  readonly stderr: string;
  readonly exitCode: number | undefined;
  constructor(
    args: readonly string[],
    stderr: string,
    exitCode: number | undefined,
    cause: unknown,
  ) {
    super(`git ${args[0] ?? ""}: ${stderr.trim() || (cause as Error).message}`, { cause });
    this.stderr = stderr;
    this.exitCode = exitCode;
  }
}

export interface GitOptions {
  readonly cwd?: string;
  /** Extra `-c key=value` settings for this command. */
  readonly config?: readonly string[];
  readonly timeoutMs?: number;
}

export function runGit(args: readonly string[], options: GitOptions = {}): Promise<string> {
  const full = [...(options.config ?? []).flatMap((c) => ["-c", c]), ...args];
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      full,
      {
        cwd: options.cwd,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 120_000,
        // Never wait for a password prompt: a watchdog has no one to answer it.
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" },
      },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else
          reject(
            new GitCommandError(
              args,
              stderr,
              typeof error.code === "number" ? error.code : undefined,
              error,
            ),
          );
      },
    );
  });
}
