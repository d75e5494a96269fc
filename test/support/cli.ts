import { spawn, spawnSync } from "node:child_process";
import { CLI } from "./paths.js";
import { auditOutput } from "./secrets-audit.js";

export interface CliResult {
  /** null when the process was killed (see `signal`). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built `meshcanary` bin (dist/, built by `pretest`) as a user would.
 * A run still going after `deadlineMs` is killed (code null, signal SIGKILL):
 * a hang fails the test instead of stalling it.
 */
export function runCli(
  args: readonly string[],
  cwd: string,
  options: { deadlineMs?: number; env?: Readonly<Record<string, string>> } = {},
): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
    encoding: "utf8",
    timeout: options.deadlineMs ?? 30_000,
    killSignal: "SIGKILL",
  });
  auditOutput(`stdout of meshcanary ${args[0] ?? ""}`, r.stdout ?? "");
  auditOutput(`stderr of meshcanary ${args[0] ?? ""}`, r.stderr ?? "");
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export interface RunningCli {
  readonly child: import("node:child_process").ChildProcess;
  readonly output: () => { stdout: string; stderr: string };
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string>;
}

/** Starts the built `meshcanary` bin in the background. */
export function startCli(
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
  options: { readonly detached?: boolean } = {},
): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so a test can kill it with every child it started.
    detached: options.detached === true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString("utf8");
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString("utf8");
  });
  auditOutput(`stdout of meshcanary ${args[0] ?? ""} (running)`, () => stdout);
  auditOutput(`stderr of meshcanary ${args[0] ?? ""} (running)`, () => stderr);
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  return { child, output: () => ({ stdout, stderr }), exited };
}
