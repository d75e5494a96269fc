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
  /** The SSH command to use when the user chose none (`sshCommand`). */
  readonly sshCommand?: string;
  /** Set over the rest (authentication: `GitCredentials.prepare`). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * A hung SSH connection would hold a git command (and the watchdog's cycle)
 * until the command's timeout: with these OpenSSH gives up on a server that
 * stays silent for about `stallSeconds` (half of it to connect and exchange
 * banners; four keepalives unanswered once connected).
 */
export function sshCommand(stallSeconds: number): string {
  const connect = Math.max(1, Math.ceil(stallSeconds / 2));
  const alive = Math.max(1, Math.ceil(stallSeconds / 4));
  return `ssh -o ConnectTimeout=${connect} -o ServerAliveInterval=${alive} -o ServerAliveCountMax=4`;
}

/** A user's own GIT_SSH_COMMAND or GIT_SSH wins: it is theirs to tune. */
export function gitEnv(ssh: string | undefined, env = process.env): NodeJS.ProcessEnv {
  const own = env.GIT_SSH_COMMAND !== undefined || env.GIT_SSH !== undefined;
  return {
    ...env,
    // Never wait for a password prompt: a watchdog has no one to answer it.
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
    ...(ssh !== undefined && !own ? { GIT_SSH_COMMAND: ssh } : {}),
  };
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
        // The backstop; network commands give up sooner through the limits in repo.ts.
        timeout: options.timeoutMs ?? 120_000,
        env: { ...gitEnv(options.sshCommand), ...options.env },
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
