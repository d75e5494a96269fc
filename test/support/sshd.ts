/**
 * A real OpenSSH server for tests (Debian's openssh-server, /usr/sbin/sshd):
 * on 127.0.0.1 and a free port, in the foreground (`-D -e`), with its own
 * generated host key and config, letting in one generated client key for the
 * current user, whose shell runs git-upload-pack/git-receive-pack as a git
 * host does. A test's known_hosts holds the host key, or lacks it.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";

export const SSHD = "/usr/sbin/sshd";

export interface Sshd {
  readonly port: number;
  readonly dir: string;
  /** The client key sshd lets in (private key file, 0600). */
  readonly clientKey: string;
  /** A known_hosts line for this server's host key. */
  readonly knownHostsLine: string;
  /** `ssh://<user>@127.0.0.1:<port><path>` for a bare repository at an absolute path. */
  url(path: string): string;
  stop(): Promise<void>;
}

/** A new ed25519 key pair without passphrase at `path` (and `path.pub`). */
export function generateKey(path: string): void {
  execFileSync("ssh-keygen", [
    "-q",
    "-t",
    "ed25519",
    "-N",
    "",
    "-C",
    "meshcanary-test",
    "-f",
    path,
  ]);
}

export async function startSshd(): Promise<Sshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} not found: install Debian's openssh-server`);
  const dir = mkdtempSync(join(tmpdir(), "meshcanary-sshd-"));
  const hostKey = join(dir, "host_ed25519");
  const clientKey = join(dir, "client_ed25519");
  generateKey(hostKey);
  generateKey(clientKey);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(`${clientKey}.pub`));
  // sshd started as root insists on its privilege separation directory.
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      "PermitRootLogin prohibit-password",
      "StrictModes no",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "LogLevel VERBOSE",
      "",
    ].join("\n"),
  );
  const child = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  await listening(child, () => log, port);
  const hostPub = readFileSync(`${hostKey}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
  return {
    port,
    dir,
    clientKey,
    knownHostsLine: `[127.0.0.1]:${port} ${hostPub}\n`,
    url: (path) => `ssh://${userInfo().username}@127.0.0.1:${port}${path}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function listening(child: ChildProcess, log: () => string, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!log().includes(`Server listening on 127.0.0.1 port ${port}`)) {
    if (child.exitCode !== null) throw new Error(`sshd exited ${child.exitCode}: ${log()}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`sshd did not listen within 10 s: ${log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
